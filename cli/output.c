/* SPDX-License-Identifier: Apache-2.0 */
/* Everything a command prints as a result: tables fitted to their content (as
 * Go's tabwriter does for ctr), JSON as `jq .` prints it, JSON lines. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "store/base64.h"
#include "store/jsonscan.h"
#include "store/record.h"

static enum output_fmt out_fmt = OUT_TABLE;

void output_set_format(enum output_fmt fmt)
{
        out_fmt = fmt;
}

/* ---- JSON ---- */

/* The printer writes into a buffer of its own and hands it to stdio in big
 * pieces: a call into stdio per token was most of the time of a long listing. */
enum { JOUT_CAP = 16384, JOUT_SLACK = 64 };

struct jout {
        FILE *f;
        size_t n;
        char buf[JOUT_CAP + JOUT_SLACK]; /* the slack: fixed-size stores may run past n */
};

static void jflush(struct jout *o)
{
        if (o->n)
                (void) fwrite(o->buf, 1, o->n, o->f);
        o->n = 0;
}

static void jput_slow(struct jout *o, const void *p, size_t n)
{
        jflush(o);
        if (n > JOUT_CAP) {
                (void) fwrite(p, 1, n, o->f);
                return;
        }
        memcpy(o->buf, p, n);
        o->n = n;
}

/* Inlined: it runs for every token of every record listed */
static inline __attribute__((always_inline)) void jput(struct jout *o, const void *p, size_t n)
{
        if (__builtin_expect(o->n + n > JOUT_CAP, 0)) {
                jput_slow(o, p, n);
                return;
        }
        memcpy(o->buf + o->n, p, n);
        o->n += n;
}

static inline __attribute__((always_inline)) void jputc(struct jout *o, char c)
{
        if (__builtin_expect(o->n >= JOUT_CAP, 0))
                jflush(o);
        o->buf[o->n++] = c;
}

/* The usual indent: a newline and DEPTH (0 to 15) levels at W, stored as 32
 * fixed bytes (the rest is overwritten by what follows; the buffer's slack). */
static inline char *newline_fixed(char *w, int depth)
{
        static const char nl[33] = "\n                                ";

        memcpy(w, nl, 32);
        return w + 1 + 2 * depth;
}

static void indent(struct jout *o, int depth)
{
        static const char nl[] = "\n                                                              ";
        size_t left = 2 * (size_t) (depth > 0 ? depth : 0); /* text that closes more than it opened */
        size_t k = left < sizeof nl - 2 ? left : sizeof nl - 2;

        if (__builtin_expect(o->n + 32 <= JOUT_CAP, 1) && depth >= 0 && depth < 16) {
                o->n = (size_t) (newline_fixed(o->buf + o->n, depth) - o->buf);
                return;
        }
        jput(o, nl, k + 1);
        for (left -= k; left > 0; left -= k) {
                k = left < sizeof nl - 2 ? left : sizeof nl - 2;
                jput(o, nl + 1, k);
        }
}

static const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
        return p;
}

static unsigned hex4(const unsigned char *p)
{
        unsigned v = 0;

        for (int i = 0; i < 4; i++) {
                unsigned c = p[i];

                v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        return v;
}

/* One code point as jq 1.6 writes it: '"' and '\' escaped, the five named
 * controls, other controls and DEL as \u00xx, everything else as UTF-8. */
static void put_cp(struct jout *o, uint32_t c)
{
        static const char named[] = { ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f',
                                      ['\r'] = 'r' };
        char b[8];
        int n;

        if (c == '"' || c == '\\')
                n = snprintf(b, sizeof b, "\\%c", (int) c);
        else if (c < sizeof named && named[c])
                n = snprintf(b, sizeof b, "\\%c", named[c]);
        else if (c < 0x20 || c == 0x7f)
                n = snprintf(b, sizeof b, "\\u%04x", c);
        else if (c < 0x80)
                n = snprintf(b, sizeof b, "%c", (int) c);
        else if (c < 0x800)
                n = snprintf(b, sizeof b, "%c%c", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
        else if (c < 0x10000)
                n = snprintf(b, sizeof b, "%c%c%c", 0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f),
                             0x80 | (c & 0x3f));
        else
                n = snprintf(b, sizeof b, "%c%c%c%c", 0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f),
                             0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
        jput(o, b, (size_t) n);
}

/* A raw UTF-8 sequence at P: its code point and length, or U+FFFD for one
 * invalid byte (as jq replaces it). */
static size_t utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *ret)
{
        static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
        size_t n = *p >= 0xf0 && *p < 0xf5 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 && *p < 0xe0 ? 2 : 0;
        uint32_t c;

        *ret = 0xfffd;
        if (n == 0 || (size_t) (end - p) < n)
                return 1;
        c = *p & (0x7f >> n);
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 1;
                c = c << 6 | (p[i] & 0x3f);
        }
        if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
                return 1;
        *ret = c;
        return n;
}

/* The escape at P (after the backslash): its code point; *P advances. */
static uint32_t unescape(const unsigned char **p, const unsigned char *end)
{
        static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
        const char *k;
        uint32_t c;

        if (**p != 'u' || end - *p < 5) {
                k = strchr(from, **p);
                c = k && **p ? (uint32_t) to[k - from] : **p;
                (*p)++;
                return c;
        }
        c = hex4(*p + 1);
        *p += 5;
        if (c >= 0xd800 && c < 0xdc00 && end - *p >= 6 && (*p)[0] == '\\' && (*p)[1] == 'u') {
                uint32_t lo = hex4(*p + 2);

                if (lo >= 0xdc00 && lo < 0xe000) {
                        *p += 6;
                        return 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                }
        }
        return c >= 0xd800 && c < 0xe000 ? 0xfffd : c;
}

/* A string token at P (on its opening quote), re-escaped as jq does. */
static const unsigned char *put_string(struct jout *o, const unsigned char *p,
                                       const unsigned char *end)
{
        jputc(o, '"');
        for (p++; p < end && *p != '"';) {
                const unsigned char *run = p;
                uint32_t c;

                /* printable ASCII goes out as it is, a run at a time */
                p = jsonscan_plain(p, end, true);
                if (p > run) {
                        jput(o, run, (size_t) (p - run));
                        continue;
                }
                if (*p == '\\' && p + 1 < end) {
                        p++;
                        c = unescape(&p, end);
                } else if (*p < 0x80) {
                        c = *p++;
                } else {
                        p += utf8_decode(p, end, &c);
                }
                put_cp(o, c);
        }
        jputc(o, '"');
        return p < end ? p + 1 : p;
}

/* The bytes that end a number or a literal: , : ] } " and whitespace */
static inline bool ends_scalar(unsigned char c)
{
        return c == ',' || c == ':' || c == ']' || c == '}' || c == '"' || c == ' ' || c == '\t' ||
               c == '\r' || c == '\n';
}

/* A short run of bytes at W: 32 fixed bytes when both sides have them (the
 * buffer's slack; the input's own bytes), else memcpy. */
static inline char *put_run(char *w, const unsigned char *p, size_t n, const unsigned char *end)
{
        if (n <= 32 && end - p >= 32)
                memcpy(w, p, 32);
        else
                memcpy(w, p, n);
        return w + n;
}

/* The bytes of json_tokens go through a local cursor W into the buffer
 * (stores through char pointers alias o->n, which the compiler would otherwise
 * reload for every byte); these helpers take it and return it moved. */

/* A newline and DEPTH levels of indent (json_tokens made room for 64 bytes). */
static inline char *tok_newline(struct jout *o, char *w, int depth)
{
        if (depth >= 0 && depth < 16)
                return newline_fixed(w, depth);
        o->n = (size_t) (w - o->buf);
        indent(o, depth);
        return o->buf + o->n;
}

/* The string at *P: whole when it needs no re-escaping and is short. */
static inline char *tok_string(struct jout *o, char *w, const unsigned char **p,
                               const unsigned char *end)
{
        const unsigned char *q = jsonscan_plain(*p + 1, end, true);

        if (q < end && *q == '"' && q - *p < 64) {
                w = put_run(w, *p, (size_t) (q + 1 - *p), end);
                *p = q + 1;
                return w;
        }
        o->n = (size_t) (w - o->buf);
        *p = put_string(o, *p, end);
        return o->buf + o->n;
}

/* The number or literal from RUN to P, verbatim. */
static inline char *tok_scalar(struct jout *o, char *w, const unsigned char *run,
                               const unsigned char *p, const unsigned char *end)
{
        if (p - run < 64)
                return put_run(w, run, (size_t) (p - run), end);
        o->n = (size_t) (w - o->buf);
        jput(o, run, (size_t) (p - run));
        return o->buf + o->n;
}

/* The tokens of TEXT re-laid out; room for 64 bytes is made before each token
 * (what can be longer goes through jput). */
static void json_tokens(struct jout *o, const unsigned char *p, const unsigned char *end,
                        bool pretty, int depth)
{
        char *w = o->buf + o->n;

        while (p < end) {
                const unsigned char *run = p, *q;
                unsigned char c = *p++;

                if (JOUT_CAP - (size_t) (w - o->buf) < 64) {
                        o->n = (size_t) (w - o->buf);
                        jflush(o);
                        w = o->buf;
                }
                switch (c) {
                case '"':
                        p = run;
                        w = tok_string(o, w, &p, end);
                        break;
                case '{':
                case '[':
                        *w++ = (char) c;
                        q = skip_ws(p, end);
                        if (q < end && (*q == '}' || *q == ']')) { /* empty: as it is */
                                *w++ = (char) *q;
                                p = q + 1;
                        } else if (pretty) {
                                w = tok_newline(o, w, ++depth);
                        } else {
                                depth++;
                        }
                        break;
                case '}':
                case ']':
                        depth--;
                        if (pretty)
                                w = tok_newline(o, w, depth);
                        *w++ = (char) c;
                        break;
                case ',':
                        *w++ = ',';
                        if (pretty)
                                w = tok_newline(o, w, depth);
                        break;
                case ':':
                        *w++ = ':';
                        if (pretty)
                                *w++ = ' ';
                        break;
                case ' ':
                case '\t':
                case '\n':
                case '\r':
                        break;
                default: /* a number or a literal, verbatim */
                        while (p < end && !ends_scalar(*p))
                                p++;
                        w = tok_scalar(o, w, run, p, end);
                }
        }
        o->n = (size_t) (w - o->buf);
}

/* The printer's buffer (one per thread), emptied, writing to F, with the
 * first line's indent when PRETTY. */
static struct jout *jout_start(FILE *f, bool pretty, int depth)
{
        static _Thread_local struct jout out;

        out.f = f;
        out.n = 0;
        if (pretty)
                for (int i = 0; i < depth; i++)
                        jput(&out, "  ", 2);
        return &out;
}

int json_print(FILE *f, const char *text, size_t len, bool pretty, int depth)
{
        const unsigned char *p = (const unsigned char *) text;
        struct jout *o = jout_start(f, pretty, depth);

        json_tokens(o, p, p + len, pretty, depth);
        jflush(o);
        return ferror(f) ? -1 : 0;
}

/* ---- a container record, printed from the record itself ----
 * The bytes json_print() gives for record_json_text() (tests/unit/test_output.c
 * compares them): a listing prints every record, and encoding each one only to
 * read it back was a third of the time of `containers list -o json`. */

struct jrec {
        struct jout *o;
        bool pretty;
};

/* A C string as json_print() prints the JSON string cJSON makes of it. */
static void put_raw_string(struct jout *o, const char *s)
{
        const unsigned char *p = (const unsigned char *) s, *end = p + strlen(s);

        jputc(o, '"');
        while (p < end) {
                const unsigned char *run = p;
                uint32_t c;

                p = jsonscan_plain(p, end, true);
                jput(o, run, (size_t) (p - run));
                if (p == end)
                        break;
                if (*p < 0x80)
                        c = *p++;
                else
                        p += utf8_decode(p, end, &c);
                put_cp(o, c);
        }
        jputc(o, '"');
}

/* ,"KEY": at DEPTH (FIRST: no comma) */
static void put_key(const struct jrec *w, int depth, bool first, const char *key)
{
        if (!first)
                jputc(w->o, ',');
        if (w->pretty)
                indent(w->o, depth);
        put_raw_string(w->o, key);
        jput(w->o, ": ", w->pretty ? 2 : 1);
}

static void put_close(const struct jrec *w, int depth, char c)
{
        if (w->pretty)
                indent(w->o, depth);
        jputc(w->o, c);
}

/* The '}' of an object opened at DEPTH: on a line of its own unless it was
 * empty ("{}", as jq prints it). */
static void put_object_end(const struct jrec *w, int depth, bool empty)
{
        if (empty)
                jputc(w->o, '}');
        else
                put_close(w, depth, '}');
}

static void put_str_member(const struct jrec *w, int depth, bool first, const char *key,
                           const char *value)
{
        put_key(w, depth, first, key);
        put_raw_string(w->o, value ? value : "");
}

/* an Any: {"type_url": ..., "value": base64} at DEPTH */
static int put_any(const struct jrec *w, int depth, const struct record_any *a)
{
        _cleanup_free_ char *b64 = base64_encode(a->value, a->value_len);

        if (!b64)
                return -1;
        jputc(w->o, '{');
        put_str_member(w, depth + 1, true, "type_url", a->type_url);
        put_str_member(w, depth + 1, false, "value", b64);
        put_close(w, depth, '}');
        return 0;
}

static void put_labels(const struct jrec *w, int depth, const struct record *r)
{
        put_key(w, depth, false, "labels");
        jputc(w->o, '{');
        for (size_t i = 0; i < r->n_labels; i++)
                put_str_member(w, depth + 1, i == 0, r->labels[i].key, r->labels[i].value);
        put_object_end(w, depth, r->n_labels == 0);
}

static int put_runtime(const struct jrec *w, int depth, const struct record *r)
{
        put_key(w, depth, false, "runtime");
        jputc(w->o, '{');
        put_str_member(w, depth + 1, true, "name", r->runtime_name);
        put_key(w, depth + 1, false, "options");
        if (!r->runtime_options)
                jput(w->o, "null", 4);
        else if (put_any(w, depth + 1, r->runtime_options) < 0)
                return -1;
        put_close(w, depth, '}');
        return 0;
}

static int put_extensions(const struct jrec *w, int depth, const struct record *r)
{
        put_key(w, depth, false, "extensions");
        jputc(w->o, '{');
        for (size_t i = 0; i < r->n_extensions; i++) {
                put_key(w, depth + 1, i == 0, r->extensions[i].name);
                if (put_any(w, depth + 1, &r->extensions[i].any) < 0)
                        return -1;
        }
        put_object_end(w, depth, r->n_extensions == 0);
        return 0;
}

static int put_record(const struct jrec *w, int depth, const struct record *r, const char *ns)
{
        jputc(w->o, '{');
        put_str_member(w, depth + 1, true, "id", r->id);
        put_labels(w, depth + 1, r);
        put_str_member(w, depth + 1, false, "image", r->image);
        if (put_runtime(w, depth + 1, r) < 0)
                return -1;
        put_key(w, depth + 1, false, "spec");
        if (r->spec)
                json_tokens(w->o, (const unsigned char *) r->spec,
                            (const unsigned char *) r->spec + strlen(r->spec), w->pretty, depth + 1);
        else
                jput(w->o, "null", 4);
        put_str_member(w, depth + 1, false, "snapshotter", r->snapshotter);
        put_str_member(w, depth + 1, false, "snapshot_key", r->snapshot_key);
        if (put_extensions(w, depth + 1, r) < 0)
                return -1;
        put_str_member(w, depth + 1, false, "created_at", r->created_at);
        put_str_member(w, depth + 1, false, "updated_at", r->updated_at);
        if (ns)
                put_str_member(w, depth + 1, false, "namespace", ns);
        put_close(w, depth, '}');
        return 0;
}

int record_json_print(FILE *f, const struct record *r, const char *ns, bool pretty, int depth)
{
        struct jrec w = { .o = jout_start(f, pretty, depth), .pretty = pretty };
        int k = put_record(&w, depth, r, ns);

        jflush(w.o);
        return k < 0 || ferror(f) ? -1 : 0;
}

static int print_item(cJSON *item, int depth, struct tc_err **err)
{
        _cleanup_free_ char *text = cJSON_PrintUnformatted(item);

        if (!text)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        (void) json_print(stdout, text, strlen(text), out_fmt != OUT_JSONL, depth);
        fputc('\n', stdout);
        return 0;
}

int output_json(cJSON *item, struct tc_err **err)
{
        return print_item(item, 0, err);
}

static bool json_first, json_open;

void output_json_begin(void)
{
        json_first = true;
        json_open = true;
}

int output_json_item_text(const char *text, size_t len)
{
        if (out_fmt == OUT_JSON) {
                fputs(json_first ? "[\n" : ",\n", stdout);
                json_first = false;
                return json_print(stdout, text, len, true, 1);
        }
        json_first = false;
        (void) json_print(stdout, text, len, false, 0);
        fputc('\n', stdout);
        return 0;
}

int output_json_item_record(const struct record *r, const char *ns, struct tc_err **err)
{
        int k;

        if (out_fmt == OUT_JSON) {
                fputs(json_first ? "[\n" : ",\n", stdout);
                json_first = false;
                k = record_json_print(stdout, r, ns, true, 1);
        } else {
                json_first = false;
                k = record_json_print(stdout, r, ns, false, 0);
                fputc('\n', stdout);
        }
        /* what fails before any output is the base64 of an Any: memory */
        return k < 0 && !ferror(stdout) ? tc_fail(err, TC_INTERNAL, "out of memory") : 0;
}

int output_json_item(cJSON *item, struct tc_err **err)
{
        _cleanup_free_ char *text = cJSON_PrintUnformatted(item);

        if (!text)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return output_json_item_text(text, strlen(text));
}

void output_json_end(void)
{
        if (out_fmt == OUT_JSON && json_open)
                fputs(json_first ? "[]\n" : "\n]\n", stdout);
        json_open = false;
}

/* ---- tables ---- */

/* The open table: rows are kept until table_end() prints them, each column
 * as wide as its widest cell (counted in code points), three spaces apart.
 * The cells are kept end to end in one buffer (each NUL-terminated, a row's
 * N in a row): a listing of 100,000 records keeps their bytes, not 400,000
 * allocations. */
static struct {
        const struct table_col *cols;
        size_t n;
        char *text; /* the cells */
        size_t len, text_cap;
        size_t *row_at; /* where each row's first cell starts in text */
        size_t rows, cap;
        size_t width[TABLE_MAX_COLS];
        bool header_out; /* a flush printed the header already */
        int sel[TABLE_MAX_COLS]; /* --format: the columns shown, in order */
        size_t n_sel;
} tbl;

static const char *columns_spec;
static char columns_error[256];

void output_set_columns(const char *spec)
{
        columns_spec = spec;
}

const char *output_columns_error(void)
{
        return columns_error[0] ? columns_error : NULL;
}

static size_t text_width(const char *s)
{
        size_t w = 0;

        for (; *s; s++)
                w += ((unsigned char) *s & 0xc0) != 0x80;
        return w;
}

/* The header as --format names it: lower case, spaces as '_'. */
static bool header_is(const char *header, const char *name, size_t len)
{
        size_t i = 0;

        for (; i < len && header[i]; i++)
                if ((header[i] == ' ' ? '_' : header[i] | 0x20) != (name[i] | 0x20))
                        return false;
        return i == len && header[i] == '\0';
}

/* The column names of COLS for a message: " id pid status". */
static void column_names(const struct table_col *cols, size_t n, char *buf, size_t size)
{
        size_t o = 0;

        buf[0] = '\0';
        for (size_t k = 0; k < n && o + 1 < size; k++) {
                buf[o++] = ' ';
                for (const char *h = cols[k].header; *h && o + 1 < size; h++)
                        buf[o++] = *h == ' ' ? '_' : (char) (*h | 0x20);
                buf[o] = '\0';
        }
}

/* Maps --format's names to columns of COLS in SEL; an unknown one is
 * TC_INVALID_ARGUMENT naming it and the known ones. */
static int parse_columns(const struct table_col *cols, size_t n, int *sel, size_t *ret_n,
                         struct tc_err **err)
{
        const char *p = columns_spec;
        char names[256];

        *ret_n = 0;
        if (!p) {
                for (size_t i = 0; i < n; i++)
                        sel[(*ret_n)++] = (int) i;
                return 0;
        }
        while (*p) {
                size_t len = strcspn(p, ","), i = 0;

                while (i < n && !header_is(cols[i].header, p, len))
                        i++;
                if (i == n || *ret_n == TABLE_MAX_COLS) {
                        column_names(cols, n, names, sizeof names);
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "--format: unknown column \"%.*s\" (columns:%s)",
                                       (int) (len > 64 ? 64 : len), p, names);
                }
                sel[(*ret_n)++] = (int) i;
                p += len + (p[len] == ',');
        }
        return 0;
}

int table_columns_check(const struct table_col *cols, size_t n, struct tc_err **err)
{
        int sel[TABLE_MAX_COLS];
        size_t n_sel;

        return parse_columns(cols, n, sel, &n_sel, err);
}

static void select_columns(void)
{
        struct tc_err *e = NULL;

        if (parse_columns(tbl.cols, tbl.n, tbl.sel, &tbl.n_sel, &e) < 0 && !columns_error[0])
                (void) snprintf(columns_error, sizeof columns_error, "%s", e->msg);
        tc_err_free(e);
}

static void add_row(const char *const *cells)
{
        if (tbl.rows == tbl.cap) {
                size_t cap = tbl.cap ? tbl.cap * 2 : 16;
                size_t *r = reallocarray(tbl.row_at, cap, sizeof *r);

                if (!r)
                        abort(); /* out of memory while printing: nothing sane is left */
                tbl.row_at = r;
                tbl.cap = cap;
        }
        tbl.row_at[tbl.rows++] = tbl.len;
        for (size_t i = 0; i < tbl.n; i++) {
                const char *c = cells[i] && *cells[i] ? cells[i] : "-";
                size_t k = strlen(c) + 1;

                if (tbl.len + k > tbl.text_cap) {
                        size_t cap = (tbl.text_cap ? tbl.text_cap * 2 : 4096) + k;
                        char *t = realloc(tbl.text, cap);

                        if (!t)
                                abort();
                        tbl.text = t;
                        tbl.text_cap = cap;
                }
                memcpy(tbl.text + tbl.len, c, k);
                tbl.len += k;
                if (text_width(c) > tbl.width[i])
                        tbl.width[i] = text_width(c);
        }
}

/* Ends the open table and opens one of COLS (HEADER_OUT: its header is out). */
static void table_open(const struct table_col *cols, size_t n, bool header_out)
{
        table_end();
        tbl.cols = cols;
        tbl.n = n < TABLE_MAX_COLS ? n : TABLE_MAX_COLS;
        tbl.header_out = header_out;
        memset(tbl.width, 0, sizeof tbl.width);
        select_columns();
}

void table_header(const struct table_col *cols, size_t n)
{
        const char *cells[TABLE_MAX_COLS];

        table_open(cols, n, false);
        for (size_t i = 0; i < tbl.n; i++)
                cells[i] = cols[i].header;
        add_row(cells);
}

void table_row(const struct table_col *cols, size_t n, const char *const *cells)
{
        if (tbl.cols != cols) /* a row with no header of its own */
                table_open(cols, n, true);
        add_row(cells);
}

static void print_rows(void)
{
        const char *cell[TABLE_MAX_COLS];

        for (size_t r = 0; r < tbl.rows; r++) {
                const char *c = tbl.text + tbl.row_at[r];

                for (size_t i = 0; i < tbl.n; i++, c += strlen(c) + 1)
                        cell[i] = c;
                for (size_t k = 0; k < tbl.n_sel; k++) {
                        size_t i = (size_t) tbl.sel[k];

                        if (k + 1 < tbl.n_sel)
                                printf("%s%*s", cell[i], (int) (tbl.width[i] - text_width(cell[i]) + 3),
                                       "");
                        else
                                printf("%s\n", cell[i]);
                }
        }
        tbl.rows = 0;
        tbl.len = 0;
}

void table_flush(void)
{
        if (!tbl.cols)
                return;
        if (!columns_error[0])
                print_rows();
        tbl.header_out = true;
}

void table_end(void)
{
        table_flush();
        free(tbl.text);
        free(tbl.row_at);
        tbl.text = NULL;
        tbl.row_at = NULL;
        tbl.rows = tbl.cap = tbl.len = tbl.text_cap = 0;
        tbl.cols = NULL;
}

void table_discard(void)
{
        tbl.rows = 0;
        tbl.len = 0;
        table_end();
}

bool table_has_rows(void)
{
        return tbl.cols && tbl.rows > (tbl.header_out ? 0 : 1);
}

bool output_is_json(const struct cli_ctx *ctx)
{
        return ctx->output == OUT_JSON || ctx->output == OUT_JSONL;
}

/* ---- relative times, as docker's units.HumanDuration ---- */

static void human_duration(double s, char *buf, size_t size)
{
        static const struct {
                double limit, unit;
                const char *one, *many;
        } steps[] = {
                { 1, 1, "less than a second", NULL },    { 2, 1, "1 second", NULL },
                { 60, 1, NULL, "seconds" },              { 120, 60, "about a minute", NULL },
                { 3600, 60, NULL, "minutes" },           { 7200, 3600, "about an hour", NULL },
                { 172800, 3600, NULL, "hours" },         { 1209600, 86400, NULL, "days" },
                { 5259600, 604800, NULL, "weeks" },      { 63115200, 2629800, NULL, "months" },
                { 1e300, 31557600, NULL, "years" },
        };

        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                if (s >= steps[i].limit)
                        continue;
                if (steps[i].one)
                        (void) snprintf(buf, size, "%s", steps[i].one);
                else
                        (void) snprintf(buf, size, "%d %s", (int) (s / steps[i].unit),
                                        steps[i].many);
                return;
        }
}

const char *output_time(const struct cli_ctx *ctx, const char *time, char *buf, size_t size)
{
        struct timespec t, now;
        char d[64];
        double s;

        if (!time || ctx->no_trunc || !timefmt_parse(time, &t)) {
                (void) snprintf(buf, size, "%s", time ? time : "");
                return buf;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        s = difftime(now.tv_sec, t.tv_sec) + (double) (now.tv_nsec - t.tv_nsec) / 1e9;
        human_duration(s < 0 ? -s : s, d, sizeof d);
        (void) snprintf(buf, size, s < 0 ? "in %s" : "%s ago", d);
        return buf;
}
