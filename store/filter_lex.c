/* SPDX-License-Identifier: Apache-2.0 */
#include "store/filter_lex.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"

struct range {
        uint32_t lo, hi;
};

/* Runes that Go's unicode.IsGraphic rejects although they are neither ASCII nor
 * white space: C1 controls (Cc), format characters (Cf) and private use (Co).
 * Unassigned code points (Cn) are not listed and count as graphic here. */
static const struct range not_graphic[] = {
        {0x0080, 0x009f},     {0x00ad, 0x00ad},   {0x0600, 0x0605},   {0x061c, 0x061c},
        {0x06dd, 0x06dd},     {0x070f, 0x070f},   {0x0890, 0x0891},   {0x08e2, 0x08e2},
        {0x180e, 0x180e},     {0x200b, 0x200f},   {0x202a, 0x202e},   {0x2060, 0x2064},
        {0x2066, 0x206f},     {0xe000, 0xf8ff},   {0xfeff, 0xfeff},   {0xfff9, 0xfffb},
        {0x110bd, 0x110bd},   {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3},
        {0x1d173, 0x1d17a},   {0xe0001, 0xe0001}, {0xe0020, 0xe007f}, {0xf0000, 0xffffd},
        {0x100000, 0x10fffd},
};

/* As Go's utf8.DecodeRune: the rune at S, or -1 for a bad sequence, whose
 * width is then 1 (truncated and overlong forms, surrogates, > U+10FFFF). */
static int32_t utf8_decode(const unsigned char *s, size_t n, size_t *ret_w)
{
        unsigned char c = s[0], lo = 0x80, hi = 0xbf;
        size_t w;
        int32_t r;

        *ret_w = 1;
        if (c < 0x80)
                return c;
        if (c < 0xc2 || c > 0xf4)
                return -1;
        w = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        if (n < w)
                return -1;
        if (c == 0xe0)
                lo = 0xa0;
        else if (c == 0xed)
                hi = 0x9f;
        else if (c == 0xf0)
                lo = 0x90;
        else if (c == 0xf4)
                hi = 0x8f;
        r = c & (0x7f >> w);
        for (size_t i = 1; i < w; i++) {
                if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
                        return -1;
                r = (r << 6) | (s[i] & 0x3f);
        }
        *ret_w = w;
        return r;
}

static int32_t rune_at(const struct filter_lex *l, size_t *ret_w)
{
        return utf8_decode((const unsigned char *) l->in + l->pos, l->len - l->pos, ret_w);
}

/* unicode.IsSpace */
static bool is_space(int32_t r)
{
        return (r >= '\t' && r <= '\r') || r == ' ' || r == 0x85 || r == 0xa0 || r == 0x1680 ||
               (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f ||
               r == 0x205f || r == 0x3000;
}

/* unicode.IsGraphic, for runes that are not white space (U+2028 and U+2029,
 * not graphic either, are white space) */
static bool is_graphic(int32_t r)
{
        if (r < 0x80)
                return r >= 0x20 && r < 0x7f;
        for (size_t i = 0; i < ELEMENTSOF(not_graphic); i++)
                if ((uint32_t) r >= not_graphic[i].lo && (uint32_t) r <= not_graphic[i].hi)
                        return false;
        return true;
}

/* scanner.go isValueRune: anything graphic but ',' and white space */
static bool is_value_rune(int32_t r)
{
        return r >= 0 && r != ',' && !is_space(r) && is_graphic(r);
}

static bool is_field_byte(int c)
{
        return c == '-' || c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               (c >= '0' && c <= '9');
}

static bool is_operator_byte(int c)
{
        return c == '=' || c == '!' || c == '~';
}

static int hex_value(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return 16;
}

void filter_lex_init(struct filter_lex *l, const char *in)
{
        *l = (struct filter_lex){.in = in, .len = strlen(in)};
}

int filter_lex_peek(const struct filter_lex *l)
{
        return l->pos < l->len ? (unsigned char) l->in[l->pos] : -1;
}

size_t filter_lex_rune_width(const struct filter_lex *l)
{
        size_t w = 0;

        if (l->pos < l->len)
                (void) rune_at(l, &w);
        return w;
}

static void first_error(const char **err, const char *msg)
{
        if (!*err)
                *err = msg;
}

/* scanner.scanDigits: N digits below BASE, else the escape is bad */
static void scan_digits(struct filter_lex *l, int base, int n, const char **err)
{
        for (; n > 0 && hex_value(filter_lex_peek(l)) < base; n--)
                l->pos++;
        if (n > 0)
                first_error(err, "illegal numeric escape sequence");
}

/* scanner.scanEscape, at the byte after a backslash inside quote Q. A bad
 * escape character is left unread, as containerd leaves it for the loop. */
static void scan_escape(struct filter_lex *l, int q, const char **err)
{
        int c = filter_lex_peek(l);

        switch (c) {
        case 'a':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
        case 'v':
        case '\\':
                l->pos++;
                return;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
                scan_digits(l, 8, 3, err);
                return;
        case 'x':
        case 'u':
        case 'U':
                l->pos++;
                scan_digits(l, 16, c == 'x' ? 2 : c == 'u' ? 4 : 8, err);
                return;
        default:
                if (c == q)
                        l->pos++;
                else
                        first_error(err, "illegal escape sequence");
        }
}

/* scanner.scanQuoted: up to the closing quote; a newline, a bad byte or the
 * end first makes the token illegal, and so does any bad escape. */
static void scan_quoted(struct filter_lex *l, struct filter_token *t, int q)
{
        const char *err = NULL;
        size_t w;
        int32_t r;

        l->pos++;
        for (;;) {
                if (l->pos >= l->len) {
                        first_error(&err, "quoted literal not terminated");
                        break;
                }
                r = rune_at(l, &w);
                l->pos += w;
                if (r < 0 || r == '\n') {
                        first_error(&err,
                                    r < 0 ? "invalid UTF-8" : "quoted literal not terminated");
                        break;
                }
                if (r == q)
                        break;
                if (r == '\\')
                        scan_escape(l, q, &err);
        }
        t->kind = err ? FILTER_TOK_ILLEGAL : FILTER_TOK_QUOTED;
        t->err = err;
}

static void scan_run(struct filter_lex *l, bool value)
{
        size_t w;

        while (l->pos < l->len) {
                if (value ? !is_value_rune(rune_at(l, &w)) : !is_field_byte(l->in[l->pos]))
                        break;
                l->pos += value ? w : 1;
        }
}

static void scan_token(struct filter_lex *l, struct filter_token *t, int32_t r, size_t w)
{
        if (r == '"' || r == '/' || r == '|') {
                scan_quoted(l, t, r);
        } else if (r == ',' || r == '.') {
                l->pos++;
                l->value = false;
                t->kind = FILTER_TOK_SEPARATOR;
        } else if (is_operator_byte(r)) {
                while (is_operator_byte(filter_lex_peek(l)))
                        l->pos++;
                l->value = true;
                t->kind = FILTER_TOK_OPERATOR;
        } else if (l->value) {
                /* as scanner.scan: the first rune is taken whatever it is */
                l->pos += w;
                scan_run(l, true);
                l->value = false;
                t->kind = FILTER_TOK_VALUE;
        } else if (is_field_byte(r)) {
                scan_run(l, false);
                t->kind = FILTER_TOK_FIELD;
        } else {
                l->pos += w;
                t->kind = FILTER_TOK_OTHER;
        }
}

void filter_lex_next(struct filter_lex *l, struct filter_token *ret)
{
        int32_t r = -1;
        size_t w = 0;

        while (l->pos < l->len && is_space(r = rune_at(l, &w)))
                l->pos += w;
        *ret = (struct filter_token){.kind = FILTER_TOK_EOF, .start = l->pos};
        if (l->pos >= l->len) {
                ret->end = l->pos;
                return;
        }
        if (r < 0) {
                ret->kind = FILTER_TOK_ILLEGAL;
                ret->err = "invalid UTF-8";
                l->pos += w;
        } else {
                scan_token(l, ret, r, w);
        }
        ret->end = l->pos;
}

static size_t utf8_encode(uint32_t r, char *out)
{
        if (r < 0x80) {
                out[0] = (char) r;
                return 1;
        }
        if (r < 0x800) {
                out[0] = (char) (0xc0 | (r >> 6));
                out[1] = (char) (0x80 | (r & 0x3f));
                return 2;
        }
        if (r >= 0xd800 && r <= 0xdfff)
                r = 0xfffd; /* as utf8.EncodeRune: a surrogate half is U+FFFD */
        if (r < 0x10000) {
                out[0] = (char) (0xe0 | (r >> 12));
                out[1] = (char) (0x80 | ((r >> 6) & 0x3f));
                out[2] = (char) (0x80 | (r & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | (r >> 18));
        out[1] = (char) (0x80 | ((r >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((r >> 6) & 0x3f));
        out[3] = (char) (0x80 | (r & 0x3f));
        return 4;
}

static int digits_value(const char *s, size_t n, int base, uint32_t *ret)
{
        uint32_t v = 0;

        for (size_t i = 0; i < n; i++) {
                int d = hex_value(s[i]);

                if (d >= base)
                        return -1;
                v = v * (uint32_t) base + (uint32_t) d;
        }
        *ret = v;
        return 0;
}

/* The simple escapes of quote.go unquoteChar; \" \/ \| only inside that quote */
static int simple_escape(char c, char q)
{
        switch (c) {
        case 'a':
                return '\a';
        case 'b':
                return '\b';
        case 'f':
                return '\f';
        case 'n':
                return '\n';
        case 'r':
                return '\r';
        case 't':
                return '\t';
        case 'v':
                return '\v';
        case '\\':
                return '\\';
        default:
                return c == q ? q : -1;
        }
}

/* quote.go unquoteChar for the escape at S[*I] (a backslash), S[END] being the
 * closing quote: octal and \x give one byte, \u and \U a UTF-8 encoded rune. */
static int unescape(const char *s, size_t end, size_t *i, char *out, size_t *o)
{
        char c = s[*i + 1];
        int simple = simple_escape(c, s[0]);
        bool octal = c >= '0' && c <= '7';
        size_t n = octal ? 3 : c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
        size_t at = *i + (octal ? 1 : 2);
        uint32_t v;

        if (simple >= 0) {
                out[(*o)++] = (char) simple;
                *i += 2;
                return 0;
        }
        if (n == 0 || at + n > end || digits_value(s + at, n, octal ? 8 : 16, &v) < 0 ||
            v > (octal ? 255 : 0x10ffff))
                return -1;
        *i = at + n;
        if (octal || c == 'x')
                out[(*o)++] = (char) v;
        else
                *o += utf8_encode(v, out + *o);
        return 0;
}

int filter_lex_unquote(const char *tok, size_t len, char **ret, const char **ret_what)
{
        _cleanup_free_ char *out = NULL;
        size_t i = 1, o = 0;

        if (len < 2 || tok[len - 1] != tok[0]) {
                *ret_what = "quote syntax error";
                return -EINVAL;
        }
        out = malloc(len);
        if (!out)
                return -ENOMEM;
        while (i < len - 1) {
                if (tok[i] != '\\') {
                        out[o++] = tok[i++];
                } else if (unescape(tok, len - 1, &i, out, &o) < 0) {
                        *ret_what = "quote syntax error";
                        return -EINVAL;
                }
        }
        if (memchr(out, '\0', o)) {
                /* Go strings may hold NUL, C strings and our adaptors cannot */
                *ret_what = "NUL character not supported";
                return -EINVAL;
        }
        out[o] = '\0';
        *ret = steal_ptr(out);
        return 0;
}

static size_t quote_byte(unsigned char c, char *out)
{
        static const char hex[] = "0123456789abcdef";
        static const char esc[][2] = {
                {'\a', 'a'}, {'\b', 'b'}, {'\f', 'f'},  {'\n', 'n'}, {'\r', 'r'},
                {'\t', 't'}, {'\v', 'v'}, {'\\', '\\'}, {'"', '"'},
        };

        for (size_t i = 0; i < ELEMENTSOF(esc); i++) {
                if (esc[i][0] == (char) c) {
                        out[0] = '\\';
                        out[1] = esc[i][1];
                        return 2;
                }
        }
        if (c >= 0x20 && c < 0x7f) {
                out[0] = (char) c;
                return 1;
        }
        out[0] = '\\';
        out[1] = 'x';
        out[2] = hex[c >> 4];
        out[3] = hex[c & 0xf];
        return 4;
}

/* A multi-byte rune: raw if graphic, else \uNNNN or \UNNNNNNNN (as Go's %q),
 * so that a message stays one visible line. */
static size_t quote_rune(int32_t r, const char *s, size_t w, char *out)
{
        if (is_graphic(r) && !is_space(r)) {
                memcpy(out, s, w);
                return w;
        }
        if (r > 0xffff)
                return (size_t) sprintf(out, "\\U%08x", (unsigned) r);
        return (size_t) sprintf(out, "\\u%04x", (unsigned) r);
}

char *filter_lex_quote(const char *s, size_t len)
{
        char *out = malloc(4 * len + 3); /* \xNN per byte at most */
        size_t o = 0, w;

        if (!out)
                return NULL;
        out[o++] = '"';
        for (size_t i = 0; i < len; i += w) {
                int32_t r = utf8_decode((const unsigned char *) s + i, len - i, &w);

                if (r >= 0x80)
                        o += quote_rune(r, s + i, w, out + o);
                else
                        o += quote_byte((unsigned char) s[i], out + o);
        }
        out[o++] = '"';
        out[o] = '\0';
        return out;
}

bool filter_lex_is_field(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!is_field_byte(*s))
                        return false;
        return true;
}
