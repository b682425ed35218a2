/* SPDX-License-Identifier: Apache-2.0 */
#include "store/spec_text.h"
#include "store/jsonscan.h"

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

static const unsigned char *strict_value(const unsigned char *p, const unsigned char *end,
                                         size_t *ret_ws);

/* spec_text_member, the named member's value read by the strict check when
 * STRICT (false: it is not strict JSON) and its whitespace counted. */
static bool member(const char *text, size_t len, const char *name, bool strict,
                   const char **ret_start, size_t *ret_len, size_t *ret_ws)
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
                if (key_equals(ks, ke, name)) {
                        if (strict)
                                p = (const char *) strict_value((const unsigned char *) vs,
                                                                (const unsigned char *) end,
                                                                ret_ws);
                        else
                                p = skip_value(p, end);
                        if (!p)
                                return false;
                        *ret_start = vs;
                        *ret_len = (size_t) (p - vs);
                        return true;
                }
                p = skip_value(p, end);
                p = spec_text_skip_ws(p, end);
                if (p >= end || *p != ',')
                        return false;
                p++;
        }
}

bool spec_text_member(const char *text, size_t len, const char *name, const char **ret_start,
                      size_t *ret_len)
{
        return member(text, len, name, false, ret_start, ret_len, NULL);
}

bool spec_text_member_strict(const char *text, size_t len, const char *name,
                             const char **ret_start, size_t *ret_len, bool *ret_compact)
{
        size_t ws = 0;

        if (!member(text, len, name, true, ret_start, ret_len, &ws))
                return false;
        *ret_compact = ws == 0;
        return true;
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

/* ---- the strict check (spec_text_strict) ---- */

#define STRICT_DEPTH 256 /* cJSON allows 1000: deeper is left to cJSON */
#define STRICT_NUMBER 63 /* the longest number cJSON 1.7 reads in one piece */

static bool is_hex(unsigned char c)
{
        return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static unsigned hex4(const unsigned char *p)
{
        unsigned v = 0;

        for (int i = 0; i < 4; i++)
                v = v << 4 | (unsigned) (p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
        return v;
}

/* A \u escape at P (on the 'u'): a code point other than U+0000 whose
 * surrogates pair up, as cJSON requires. Returns the end or NULL. */
static const unsigned char *strict_unicode(const unsigned char *p, const unsigned char *end)
{
        unsigned c;

        if (end - p < 5 || !is_hex(p[1]) || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]))
                return NULL;
        c = hex4(p + 1);
        p += 5;
        if (c == 0 || (c >= 0xdc00 && c < 0xe000))
                return NULL;
        if (c < 0xd800 || c >= 0xdc00)
                return p;
        if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !is_hex(p[2]) || !is_hex(p[3]) ||
            !is_hex(p[4]) || !is_hex(p[5]))
                return NULL;
        c = hex4(p + 2);
        return c >= 0xdc00 && c < 0xe000 ? p + 6 : NULL;
}

/* A string at P (on its quote): no raw control byte, only JSON's escapes. */
static const unsigned char *strict_string(const unsigned char *p, const unsigned char *end)
{
        for (p++; (p = jsonscan_plain(p, end, false)) < end;) {
                unsigned char c = *p;

                if (c == '"')
                        return p + 1;
                if (c < 0x20)
                        return NULL;
                if (++p >= end)
                        return NULL;
                if (*p == 'u') {
                        if (!(p = strict_unicode(p, end)))
                                return NULL;
                } else if (strchr("\"\\/bfnrt", *p) && *p) {
                        p++;
                } else {
                        return NULL;
                }
        }
        return NULL;
}

static const unsigned char *digits(const unsigned char *p, const unsigned char *end)
{
        const unsigned char *s = p;

        while (p < end && *p >= '0' && *p <= '9')
                p++;
        return p > s ? p : NULL;
}

/* A number of RFC 8259's grammar, at most STRICT_NUMBER bytes. */
static const unsigned char *strict_number(const unsigned char *p, const unsigned char *end)
{
        const unsigned char *s = p;

        if (p < end && *p == '-')
                p++;
        if (p < end && *p == '0')
                p++;
        else if (!(p = digits(p, end)))
                return NULL;
        if (p < end && *p == '.' && !(p = digits(p + 1, end)))
                return NULL;
        if (p < end && (*p == 'e' || *p == 'E')) {
                p++;
                if (p < end && (*p == '+' || *p == '-'))
                        p++;
                if (!(p = digits(p, end)))
                        return NULL;
        }
        return p - s <= STRICT_NUMBER ? p : NULL;
}

static const unsigned char *strict_literal(const unsigned char *p, const unsigned char *end)
{
        static const char *const lits[] = {"true", "false", "null"};

        for (size_t i = 0; i < 3; i++) {
                size_t n = strlen(lits[i]);

                if ((size_t) (end - p) >= n && memcmp(p, lits[i], n) == 0)
                        return p + n;
        }
        return NULL;
}

/* Whitespace the strict check skipped: a value with none is compact already. */
static _Thread_local size_t strict_ws_seen;

static const unsigned char *strict_ws(const unsigned char *p, const unsigned char *end)
{
        const unsigned char *s = p;

        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
        strict_ws_seen += (size_t) (p - s);
        return p;
}

/* One scalar at P, or NULL. */
static const unsigned char *strict_scalar(const unsigned char *p, const unsigned char *end)
{
        if (p >= end)
                return NULL;
        if (*p == '"')
                return strict_string(p, end);
        if (*p == '-' || (*p >= '0' && *p <= '9'))
                return strict_number(p, end);
        return strict_literal(p, end);
}

/* After a value inside the open container on top of STACK: a comma (and, in
 * an object, the next key and colon) or the closing bracket. */
static const unsigned char *strict_after_value(const unsigned char *p, const unsigned char *end,
                                               char *stack, int *depth, bool *ret_closed)
{
        char open = stack[*depth - 1];

        p = strict_ws(p, end);
        *ret_closed = false;
        if (p < end && *p == (open == '{' ? '}' : ']')) {
                (*depth)--;
                *ret_closed = true;
                return p + 1;
        }
        if (p >= end || *p != ',')
                return NULL;
        p = strict_ws(p + 1, end);
        if (open == '[')
                return p;
        if (p >= end || *p != '"' || !(p = strict_string(p, end)))
                return NULL;
        p = strict_ws(p, end);
        return p < end && *p == ':' ? strict_ws(p + 1, end) : NULL;
}

/* At P, just inside a container opened with OPEN: its first key (objects),
 * or an empty container's close (*RET_CLOSED). */
static const unsigned char *strict_open(const unsigned char *p, const unsigned char *end, char open,
                                        bool *ret_closed)
{
        p = strict_ws(p, end);
        *ret_closed = p < end && *p == (open == '{' ? '}' : ']');
        if (*ret_closed || open == '[')
                return *ret_closed ? p + 1 : p;
        if (p >= end || *p != '"' || !(p = strict_string(p, end)))
                return NULL;
        p = strict_ws(p, end);
        return p < end && *p == ':' ? strict_ws(p + 1, end) : NULL;
}

bool spec_text_strict(const char *text, size_t len)
{
        const unsigned char *end = (const unsigned char *) text + len;

        return strict_value((const unsigned char *) text, end, NULL) == end;
}

/* One strict value at P: its end, or NULL. *RET_WS: the whitespace inside. */
static const unsigned char *strict_value(const unsigned char *p, const unsigned char *end,
                                         size_t *ret_ws)
{
        char stack[STRICT_DEPTH];
        int depth = 0;
        bool closed;

        strict_ws_seen = 0;
        for (;;) {
                if (p < end && (*p == '{' || *p == '[')) {
                        if (depth == STRICT_DEPTH)
                                return NULL;
                        stack[depth++] = (char) *p;
                        if (!(p = strict_open(p + 1, end, stack[depth - 1], &closed)))
                                return NULL;
                        if (!closed)
                                continue; /* at its first value */
                        depth--;
                } else if (!(p = strict_scalar(p, end))) {
                        return NULL;
                }
                /* a value ended: climb out of the containers it closes */
                for (closed = true; closed && depth > 0;)
                        if (!(p = strict_after_value(p, end, stack, &depth, &closed)))
                                return NULL;
                if (depth == 0) {
                        if (ret_ws)
                                *ret_ws = strict_ws_seen;
                        return p;
                }
        }
}

const char *spec_text_strict_value(const char *p, const char *end, bool *ret_compact)
{
        size_t ws = 0;
        const unsigned char *q =
                strict_value((const unsigned char *) p, (const unsigned char *) end, &ws);

        if (q)
                *ret_compact = ws == 0;
        return (const char *) q;
}

/* ---- edits (spec_text_with_member) ---- */

/* TEXT with [AT, AT + CUT) replaced by the pieces of INS (NULL-terminated). */
static char *splice(const char *text, size_t len, size_t at, size_t cut, const char *const *ins)
{
        size_t add = 0, o;
        char *out;

        for (const char *const *p = ins; *p; p++)
                add += strlen(*p);
        if (!(out = malloc(len - cut + add + 1)))
                return NULL;
        memcpy(out, text, at);
        o = at;
        for (const char *const *p = ins; *p; p++) {
                memcpy(out + o, *p, strlen(*p));
                o += strlen(*p);
        }
        memcpy(out + o, text + at + cut, len - at - cut);
        out[o + len - at - cut] = '\0';
        return out;
}

int spec_text_with_member(const char *text, size_t len, const char *name, const char *value,
                          bool keep, char **ret)
{
        const char *end = text + len, *p = spec_text_skip_ws(text, end), *vs;
        size_t n;

        *ret = NULL;
        if (p >= end || *p != '{')
                return -1;
        if (spec_text_member(text, len, name, &vs, &n)) {
                *ret = keep ? strndup(text, len)
                            : splice(text, len, (size_t) (vs - text), n,
                                     (const char *const[]){ value, NULL });
                return *ret ? 0 : -2;
        }
        /* added as the first member: after the '{', with a comma if others follow */
        vs = spec_text_skip_ws(p + 1, end);
        *ret = splice(text, len, (size_t) (p + 1 - text), 0,
                      (const char *const[]){ "\"", name, "\":", value,
                                             vs < end && *vs == '}' ? "" : ",", NULL });
        return *ret ? 0 : -2;
}
