/* SPDX-License-Identifier: Apache-2.0 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "store/filter.h"

#include <errno.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "store/filter_lex.h"
#include "store/strutil.h"

enum filter_op {
        FILTER_OP_PRESENT,
        FILTER_OP_EQUAL,
        FILTER_OP_NOT_EQUAL,
        FILTER_OP_MATCHES,
};

struct selector {
        char **path;
        size_t n_path;
        enum filter_op op;
        char *value;    /* NULL for FILTER_OP_PRESENT */
        pcre2_code *re; /* FILTER_OP_MATCHES */
};

/* One filter string: its selectors AND'ed (filters.All); none for "". */
struct clause {
        struct selector *sel;
        size_t n_sel;
};

/* The filter strings OR'ed (filters.Any); none matches everything. */
struct filter {
        struct clause *alt;
        size_t n_alt;
};

struct parser {
        const char *in;
        struct filter_lex lex;
        struct tc_err **err;
};

/* Go-style flags of containerd's regexp.Compile: UTF-8, '$' only at the end. */
#define REGEX_OPTIONS                                                                              \
        (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C)

static void compile_context_freep(pcre2_compile_context **c)
{
        pcre2_compile_context_free(*c);
}

static void match_data_freep(pcre2_match_data **m)
{
        pcre2_match_data_free(*m);
}

/* Makes room for one more element at the end of array P of N; false if out of memory. */
#define GROW(p, n)                                                                                 \
        ({                                                                                         \
                __typeof__(p) g_ = reallocarray((p), (n) + 1, sizeof *(p));                        \
                if (g_)                                                                            \
                        (p) = g_;                                                                  \
                g_ != NULL;                                                                        \
        })

static void selector_release(struct selector *s)
{
        for (size_t i = 0; i < s->n_path; i++)
                free(s->path[i]);
        free(s->path);
        free(s->value);
        pcre2_code_free(s->re);
        *s = (struct selector){0};
}

static void clause_release(struct clause *c)
{
        for (size_t i = 0; i < c->n_sel; i++)
                selector_release(&c->sel[i]);
        free(c->sel);
        *c = (struct clause){0};
}

void filter_free(struct filter *f)
{
        if (!f)
                return;
        for (size_t i = 0; i < f->n_alt; i++)
                clause_release(&f->alt[i]);
        free(f->alt);
        free(f);
}

void filter_freep(struct filter **f)
{
        filter_free(*f);
}

/* As parser.mkerr, one line: the filter, the 0-based byte offset, what failed. */
__attribute__((format(printf, 3, 4))) static int parse_fail(struct parser *p, size_t pos,
                                                            const char *fmt, ...)
{
        _cleanup_free_ char *quoted = filter_lex_quote(p->in, strlen(p->in));
        _cleanup_free_ char *what = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (r < 0)
                what = NULL; /* undefined after a failure */
        if (!what || !quoted)
                return oom(p->err);
        return tc_fail(p->err, TC_INVALID_ARGUMENT, "filter %s: parse error at %zu: %s", quoted,
                       pos, what);
}

/* The text of a field, value or quoted token (parser.field, .value, .unquote). */
static int token_text(struct parser *p, const struct filter_token *t, bool alt_quotes, char **ret)
{
        const char *tok = p->in + t->start, *what = NULL;
        int r;

        if (t->kind != FILTER_TOK_QUOTED) {
                *ret = strndup(tok, t->end - t->start);
                return *ret ? 0 : oom(p->err);
        }
        if (!alt_quotes && tok[0] != '"')
                return parse_fail(p, t->start, "invalid quote encountered");
        r = filter_lex_unquote(tok, t->end - t->start, ret, &what);
        if (r == -ENOMEM)
                return oom(p->err);
        if (r < 0)
                return parse_fail(p, t->start, "unquoting failed: %s", what);
        return 0;
}

static int parse_field(struct parser *p, struct selector *s)
{
        struct filter_token t;

        filter_lex_next(&p->lex, &t);
        if (t.kind == FILTER_TOK_ILLEGAL)
                return parse_fail(p, t.start, "%s", t.err);
        if (t.kind != FILTER_TOK_FIELD && t.kind != FILTER_TOK_QUOTED)
                return parse_fail(p, t.start, "expected a field name or a quoted string");
        if (!GROW(s->path, s->n_path))
                return oom(p->err);
        if (token_text(p, &t, false, &s->path[s->n_path]) < 0)
                return -1;
        s->n_path++;
        return 0;
}

static int parse_fieldpath(struct parser *p, struct selector *s)
{
        struct filter_token t;

        for (;;) {
                if (parse_field(p, s) < 0)
                        return -1;
                if (filter_lex_peek(&p->lex) != '.')
                        return 0;
                filter_lex_next(&p->lex, &t); /* the '.' */
        }
}

static int parse_operator(struct parser *p, enum filter_op *ret)
{
        static const char *const names[] = {
                [FILTER_OP_EQUAL] = "==",
                [FILTER_OP_NOT_EQUAL] = "!=",
                [FILTER_OP_MATCHES] = "~=",
        };
        struct filter_token t;
        size_t len;

        filter_lex_next(&p->lex, &t);
        if (t.kind == FILTER_TOK_ILLEGAL)
                return parse_fail(p, t.start, "%s", t.err);
        if (t.kind != FILTER_TOK_OPERATOR)
                return parse_fail(p, t.start, "expected an operator (\"==\"|\"!=\"|\"~=\")");
        len = t.end - t.start;
        for (size_t op = FILTER_OP_EQUAL; op < ELEMENTSOF(names); op++) {
                if (len == 2 && memcmp(p->in + t.start, names[op], 2) == 0) {
                        *ret = (enum filter_op) op;
                        return 0;
                }
        }
        return parse_fail(p, t.start, "unsupported operator \"%.*s\"", (int) len, p->in + t.start);
}

static int compile_regex(struct parser *p, size_t pos, const char *pattern, pcre2_code **ret)
{
        _cleanup_(compile_context_freep) pcre2_compile_context *ctx = NULL;
        PCRE2_UCHAR msg[256];
        PCRE2_SIZE offset;
        int code;

        ctx = pcre2_compile_context_create(NULL);
        if (!ctx)
                return oom(p->err);
        (void) pcre2_set_newline(ctx, PCRE2_NEWLINE_LF); /* as Go: only \n ends a line */
        *ret = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, REGEX_OPTIONS, &code,
                             &offset, ctx);
        if (*ret)
                return 0;
        if (code == PCRE2_ERROR_HEAP_FAILED)
                return oom(p->err);
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
                (void) snprintf((char *) msg, sizeof msg, "error %d", code);
        return parse_fail(p, pos, "invalid regular expression: %s at pattern offset %zu",
                          (const char *) msg, (size_t) offset);
}

static int parse_value(struct parser *p, struct selector *s)
{
        struct filter_token t;

        filter_lex_next(&p->lex, &t);
        if (t.kind == FILTER_TOK_ILLEGAL)
                return parse_fail(p, t.start, "%s", t.err);
        if (t.kind != FILTER_TOK_VALUE && t.kind != FILTER_TOK_FIELD && t.kind != FILTER_TOK_QUOTED)
                return parse_fail(p, t.start, "expected value or quoted");
        /* as parser.selector: only a regular expression may use / or | quotes */
        if (token_text(p, &t, s->op == FILTER_OP_MATCHES, &s->value) < 0)
                return -1;
        if (s->op == FILTER_OP_MATCHES)
                return compile_regex(p, t.start, s->value, &s->re);
        return 0;
}

static int parse_selector(struct parser *p, struct clause *c)
{
        _cleanup_(selector_release) struct selector s = {0};
        int next;

        if (parse_fieldpath(p, &s) < 0)
                return -1;
        next = filter_lex_peek(&p->lex);
        if (next == ',' || next < 0)
                s.op = FILTER_OP_PRESENT;
        else if (parse_operator(p, &s.op) < 0 || parse_value(p, &s) < 0)
                return -1;
        if (!GROW(c->sel, c->n_sel))
                return oom(p->err);
        c->sel[c->n_sel++] = s;
        s = (struct selector){0};
        return 0;
}

static int fail_unexpected(struct parser *p)
{
        size_t pos = p->lex.pos;
        _cleanup_free_ char *rune = filter_lex_quote(p->in + pos, filter_lex_rune_width(&p->lex));

        if (!rune)
                return oom(p->err);
        return parse_fail(p, pos, "unexpected input %s", rune);
}

/* parser.selectors, for one filter string */
static int parse_clause(const char *s, struct clause *c, struct tc_err **err)
{
        struct parser p = {.in = s, .err = err};
        struct filter_token t;
        int next;

        if (!*s)
                return 0; /* as filters.Parse: "" is Always */
        filter_lex_init(&p.lex, s);
        for (;;) {
                if (parse_selector(&p, c) < 0)
                        return -1;
                next = filter_lex_peek(&p.lex);
                if (next < 0)
                        return 0;
                if (next != ',')
                        return fail_unexpected(&p);
                filter_lex_next(&p.lex, &t); /* the ',' */
        }
}

int filter_parse_all(const char *const *strs, size_t n, struct filter **ret, struct tc_err **err)
{
        _cleanup_(filter_freep) struct filter *f = calloc(1, sizeof *f);

        if (!f)
                return oom(err);
        for (size_t i = 0; i < n; i++) {
                if (!GROW(f->alt, f->n_alt))
                        return oom(err);
                f->alt[f->n_alt] = (struct clause){0};
                f->n_alt++;
                if (parse_clause(strs[i], &f->alt[f->n_alt - 1], err) < 0)
                        return -1;
        }
        *ret = steal_ptr(f);
        return 0;
}

int filter_parse(const char *s, struct filter **ret, struct tc_err **err)
{
        return filter_parse_all(&s, 1, ret, err);
}

/* regexp.MatchString: a match anywhere in S */
static bool regex_search(const pcre2_code *re, const char *s)
{
        _cleanup_(match_data_freep) pcre2_match_data *md = pcre2_match_data_create(1, NULL);

        if (!md)
                return false;
        return pcre2_match(re, (PCRE2_SPTR) s, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) >= 0;
}

/* As containerd's selector.Match, where an adaptor gives "" for an absent
 * field: only "present" and "==" test presence; "!=" and "~=" look at the
 * value alone. */
static bool selector_match(const struct selector *s, filter_field_fn field, void *obj)
{
        const char *value = NULL;
        bool present = field(obj, (const char *const *) s->path, s->n_path, &value);

        if (!present || !value)
                value = "";
        switch (s->op) {
        case FILTER_OP_PRESENT:
                return present;
        case FILTER_OP_EQUAL:
                return present && strcmp(value, s->value) == 0;
        case FILTER_OP_NOT_EQUAL:
                return strcmp(value, s->value) != 0;
        case FILTER_OP_MATCHES:
                return regex_search(s->re, value);
        }
        return false;
}

static bool clause_match(const struct clause *c, filter_field_fn field, void *obj)
{
        for (size_t i = 0; i < c->n_sel; i++)
                if (!selector_match(&c->sel[i], field, obj))
                        return false;
        return true;
}

bool filter_match(const struct filter *f, filter_field_fn field, void *obj)
{
        if (!f || f->n_alt == 0)
                return true;
        for (size_t i = 0; i < f->n_alt; i++)
                if (clause_match(&f->alt[i], field, obj))
                        return true;
        return false;
}

static int put_quoted(FILE *out, const char *s)
{
        _cleanup_free_ char *q = filter_lex_quote(s, strlen(s));

        return q ? fputs(q, out) : EOF;
}

static int put_field(FILE *out, const char *s)
{
        return filter_lex_is_field(s) ? fputs(s, out) : put_quoted(out, s);
}

static int put_selector(FILE *out, const struct selector *s)
{
        static const char *const ops[] = {
                [FILTER_OP_PRESENT] = "",
                [FILTER_OP_EQUAL] = "==",
                [FILTER_OP_NOT_EQUAL] = "!=",
                [FILTER_OP_MATCHES] = "~=",
        };

        for (size_t i = 0; i < s->n_path; i++)
                if ((i > 0 && fputc('.', out) == EOF) || put_field(out, s->path[i]) == EOF)
                        return EOF;
        if (s->op == FILTER_OP_PRESENT)
                return 0;
        return fputs(ops[s->op], out) == EOF ? EOF : put_quoted(out, s->value);
}

static char *clause_format(const struct clause *c)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        int r = 0;

        if (!out)
                return NULL;
        for (size_t i = 0; i < c->n_sel && r != EOF; i++) {
                if (i > 0)
                        r = fputc(',', out);
                if (r != EOF)
                        r = put_selector(out, &c->sel[i]);
        }
        if (fclose(out) == EOF || r == EOF) {
                free(buf);
                return NULL;
        }
        return buf;
}

int filter_format(const struct filter *f, char ***ret_strv, struct tc_err **err)
{
        size_t n = f ? f->n_alt : 0;
        _cleanup_strv_ char **v = calloc(n + 1, sizeof *v);

        if (!v)
                return oom(err);
        for (size_t i = 0; i < n; i++) {
                v[i] = clause_format(&f->alt[i]);
                if (!v[i])
                        return oom(err);
        }
        *ret_strv = steal_ptr(v);
        return 0;
}

bool filter_path_eq(const char *const *path, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(path[i]);

                if (i > 0 && *key++ != '.')
                        return false;
                if (strncmp(key, path[i], len) != 0)
                        return false;
                key += len;
        }
        return *key == '\0';
}

int filter_check_fields(const struct filter *f, filter_known_fn known, const char *known_list,
                        struct tc_err **err)
{
        for (size_t a = 0; f && a < f->n_alt; a++)
                for (size_t i = 0; i < f->alt[a].n_sel; i++) {
                        const struct selector *s = &f->alt[a].sel[i];
                        char name[256];
                        size_t o = 0;

                        if (known((const char *const *) s->path, s->n_path))
                                continue;
                        name[0] = '\0';
                        for (size_t k = 0; k < s->n_path && o < sizeof name; k++)
                                o += (size_t) snprintf(name + o, sizeof name - o, "%s%s",
                                                       k ? "." : "", s->path[k]);
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "filter: unknown field \"%s\" (known fields: %s)", name,
                                       known_list);
                }
        return 0;
}
