/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The filter scanner: the tokens, quoting and UTF-8 rules of containerd's
 * pkg/filters scanner.go and quote.go. Internal to store/filter.c. */

#include <stdbool.h>
#include <stddef.h>

enum filter_tok {
        FILTER_TOK_EOF,
        FILTER_TOK_FIELD,     /* [A-Za-z0-9_-]+ */
        FILTER_TOK_VALUE,     /* a bare word right after an operator */
        FILTER_TOK_QUOTED,    /* "...", /.../ or |...|, escapes checked */
        FILTER_TOK_SEPARATOR, /* ',' or '.' */
        FILTER_TOK_OPERATOR,  /* a run of '=', '!', '~' */
        FILTER_TOK_ILLEGAL,   /* what is wrong is in .err */
        FILTER_TOK_OTHER,     /* one rune that starts no token */
};

struct filter_lex {
        const char *in;
        size_t len;
        size_t pos; /* next byte to read */
        bool value; /* an operator was just scanned: a bare word is a value */
};

struct filter_token {
        enum filter_tok kind;
        size_t start; /* byte offset in the input, after leading white space */
        size_t end;
        const char *err; /* FILTER_TOK_ILLEGAL: static text */
};

void filter_lex_init(struct filter_lex *l, const char *in);
/* Skips white space, then scans one token, as scanner.scan. */
void filter_lex_next(struct filter_lex *l, struct filter_token *ret);
/* The byte at the read position, -1 at the end; never skips white space,
 * as scanner.peek, which the parser uses to look for '.', ',' and the end. */
int filter_lex_peek(const struct filter_lex *l);
/* Width in bytes of the rune at the read position (1 for a bad byte). */
size_t filter_lex_rune_width(const struct filter_lex *l);

/* Decodes a FILTER_TOK_QUOTED token of LEN bytes (quotes included) into a new
 * string. -EINVAL with *ret_what set for an escape out of range or one that
 * decodes to NUL, -ENOMEM; 0 on success. */
int filter_lex_unquote(const char *tok, size_t len, char **ret, const char **ret_what);
/* S as a double-quoted literal that the scanner reads back to S; NULL if out
 * of memory. */
char *filter_lex_quote(const char *s, size_t len);
/* Whether S is non-empty and scans as one FILTER_TOK_FIELD. */
bool filter_lex_is_field(const char *s);
