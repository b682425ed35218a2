/* SPDX-License-Identifier: Apache-2.0 */
#include "store/spec_text.h"

#include <cjson/cJSON.h>
#include "core/base/json.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Character classes for the scanners (a table: these loops run over every
 * byte of every record that list reads). Whitespace is what cJSON skips
 * between tokens, every byte from 1 to 32, not only JSON's four: the scanner
 * must cut the spec where the parser that accepted the record would, or a
 * record with a vertical tab before its spec is kept cut short (found by
 * fuzz_record). NUL never reaches here: record_from_json refuses it. */
enum { C_PLAIN, C_QUOTE, C_OPEN, C_CLOSE, C_WS };
#define WS8(b) [b] = C_WS, [b + 1] = C_WS, [b + 2] = C_WS, [b + 3] = C_WS, \
                [b + 4] = C_WS, [b + 5] = C_WS, [b + 6] = C_WS, [b + 7] = C_WS
static const unsigned char cls[256] = {
        WS8(0),          WS8(8),          WS8(16),         WS8(24),          [' '] = C_WS,
        ['"'] = C_QUOTE, ['{'] = C_OPEN,  ['['] = C_OPEN,  ['}'] = C_CLOSE, [']'] = C_CLOSE,
};
#undef WS8

static bool is_ws(char c)
{
        return cls[(unsigned char) c] == C_WS;
}

const char *spec_text_skip_ws(const char *p, const char *end)
{
        while (p < end && is_ws(*p))
                p++;
        return p;
}

/* P is at an opening quote; returns the position after the closing one: the
 * next quote not escaped by an odd run of backslashes. */
static const char *skip_string(const char *p, const char *end)
{
        for (p++; p < end;) {
                const char *q = memchr(p, '"', (size_t) (end - p));
                size_t bs = 0;

                if (!q)
                        break;
                while (q - bs > p && q[-1 - (ptrdiff_t) bs] == '\\')
                        bs++;
                if (bs % 2 == 0)
                        return q + 1;
                p = q + 1;
        }
        return end;
}

static const char *skip_value(const char *p, const char *end)
{
        int depth = 0;

        if (p < end && *p == '"')
                return skip_string(p, end);
        if (p < end && *p != '{' && *p != '[') {
                while (p < end && !is_ws(*p) && *p != ',' && *p != '}' && *p != ']')
                        p++;
                return p;
        }
        while (p < end) {
                unsigned char c = cls[(unsigned char) *p];

                if (c == C_QUOTE) {
                        p = skip_string(p, end);
                        continue;
                }
                if (c == C_OPEN)
                        depth++;
                else if (c == C_CLOSE && --depth == 0)
                        return p + 1;
                p++;
        }
        return end;
}

/* Whether the JSON string literal [S, E) (quotes included) decodes to NAME. */
static bool key_equals(const char *s, const char *e, const char *name)
{
        size_t n = strlen(name);
        cJSON *k;
        bool eq;

        if (!memchr(s, '\\', (size_t) (e - s)))
                return (size_t) (e - s) == n + 2 && memcmp(s + 1, name, n) == 0;
        k = json_parse(s, (size_t) (e - s), NULL, false);
        eq = cJSON_IsString(k) && strcmp(k->valuestring, name) == 0;
        cJSON_Delete(k);
        return eq;
}

bool spec_text_member(const char *text, size_t len, const char *name, const char **ret_start,
                      size_t *ret_len)
{
        const char *end = text + len, *p = spec_text_skip_ws(text, end);

        if (p >= end || *p != '{')
                return false;
        for (p++;;) {
                const char *ks, *ke, *vs;

                p = spec_text_skip_ws(p, end);
                if (p >= end || *p != '"')
                        return false;
                ks = p;
                ke = p = skip_string(p, end);
                p = spec_text_skip_ws(p, end);
                if (p >= end || *p != ':')
                        return false;
                vs = p = spec_text_skip_ws(p + 1, end);
                p = skip_value(p, end);
                if (key_equals(ks, ke, name)) {
                        *ret_start = vs;
                        *ret_len = (size_t) (p - vs);
                        return true;
                }
                p = spec_text_skip_ws(p, end);
                if (p >= end || *p != ',')
                        return false;
                p++;
        }
}

char *spec_text_compact(const char *text, size_t len)
{
        char *out = malloc(len + 1), *o = out;
        const char *p = text, *end = text + len;

        if (!out)
                return NULL;
        while (p < end) {
                unsigned char c = cls[(unsigned char) *p];

                if (c == C_QUOTE) {
                        const char *q = skip_string(p, end);

                        memcpy(o, p, (size_t) (q - p));
                        o += q - p;
                        p = q;
                        continue;
                }
                if (c != C_WS)
                        *o++ = *p;
                p++;
        }
        *o = '\0';
        return out;
}
