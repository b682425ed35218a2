/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * containerd's filter language (pkg/filters), for `containers list` and `list`.
 *
 *   filter    := selector (',' selector)*         selectors are AND'ed
 *   selector  := fieldpath [op value]              no op: the field is present
 *   fieldpath := field ('.' field)*
 *   field     := [A-Za-z0-9_-]+ | "quoted"
 *   op        := '==' | '!=' | '~='                '~=': regular expression search
 *   value     := a bare word | "quoted"; after '~=' also /quoted/ or |quoted|
 *
 * Several filters (one per CLI argument) are OR'ed. An empty filter string,
 * and an empty list of filters, match everything.
 *
 * Scanning, as containerd's scanner.go: white space (Unicode) is skipped
 * before a token, so "name == web" and "a==b, c" parse, but a selector must be
 * followed directly by ',' or the end: "name ,c" and "name==web " are errors.
 * A bare value is the operator's following run of graphic runes up to ',' or
 * white space, so it may hold '/', ':', '.', '-', '@', '=' or '"' (an image
 * reference needs no quotes); it may not start with '.', ',', '=', '!', '~',
 * '/', '|' or '"', which begin other tokens (so "id~=.+" is an error, write
 * "id~=/.+/"). Input must be UTF-8. Quoted text takes Go escapes:
 * \a \b \f \n \r \t \v \\, the quote's own \" or \/ or \|, \NNN (octal) and
 * \xNN (a byte), \uNNNN and \UNNNNNNNN (UTF-8); \' and others are errors. Only
 * '"' quotes a field; '/' and '|' quote a regular expression after '~=' (any
 * other use is "invalid quote encountered"). Unlike Go, an escape that yields
 * NUL is an error, since a C string cannot hold it.
 *
 * Regular expressions are PCRE2 (UTF, `$` at the very end only, as Go's
 * regexp), compiled while parsing: a bad one is a parse error. Containerd uses
 * Go's RE2 syntax, which PCRE2 mostly extends.
 *
 * A malformed filter is TC_INVALID_ARGUMENT, one line naming the filter
 * (Go-quoted, so escapes keep it on one line) and the 0-based byte offset in
 * the filter as given of the offending token, then what was expected:
 *   filter "labels.a==,": parse error at 10: expected value or quoted
 * (containerd: parse error: [labels.a== >|,|< ]: expected value or quoted).
 * Out of memory is TC_INTERNAL.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"

struct filter;

/*
 * The adaptor (containerd's filters.Adaptor): for field path PATH of N (>= 1)
 * components, returns whether OBJ has that field and, if so, sets *RET_VALUE
 * (a string owned by OBJ; NULL reads as ""). When it returns false,
 * *RET_VALUE is ignored and the value is "".
 *
 * Adaptor writers, as containerd's adaptContainer does:
 * - an empty string field counts as absent ("id" is present iff id != "");
 * - a map field ("labels") looks up the rest of the path joined with ".":
 *   labels.a.b -> ["labels","a","b"] -> key "a.b"; labels."io.k8s/name" ->
 *   ["labels","io.k8s/name"] -> key "io.k8s/name"; so labels."a.b" and
 *   labels.a.b find the same label. filter_path_eq() does that comparison.
 *   An empty map has no fields (checkMap).
 */
typedef bool (*filter_field_fn)(void *obj, const char *const *path, size_t n,
                                const char **ret_value);

/* One filter string; "" matches everything (filters.Parse). */
int filter_parse(const char *s, struct filter **ret, struct tc_err **err);
/* N filter strings (none NULL) OR'ed (filters.ParseAll); N == 0 matches
 * everything. The error names the first bad one. */
int filter_parse_all(const char *const *strs, size_t n, struct filter **ret, struct tc_err **err);

/*
 * Whether OBJ matches F (a NULL F matches everything). Per selector, as
 * containerd's selector.Match, with an absent field read as "":
 *   present    the field is present
 *   ==         present and equal
 *   !=         the value differs: an absent field matches any non-empty value
 *              (labels.env!=prod holds without an env label; labels.env!=""
 *              does not)
 *   ~=         the regular expression finds a match anywhere in the value
 *              (Go's MatchString, unanchored); no presence test, so an absent
 *              field is searched as "" (labels.x~=^$ matches it)
 */
bool filter_match(const struct filter *f, filter_field_fn field, void *obj);

/* The canonical text of F: one string per OR'ed filter, NULL-terminated.
 * Fields are bare when they can be, else quoted; values are always quoted;
 * each string parses back to the same filter. For tests and debug logs. */
int filter_format(const struct filter *f, char ***ret_strv, struct tc_err **err);

/* Whether PATH[0..N) names a field the caller's adaptor knows. */
typedef bool (*filter_known_fn)(const char *const *path, size_t n);

/* Unlike containerd, whose adaptors read an unknown field as absent (so a typo
 * in "status!=running" matches everything): a selector on a field that KNOWN
 * does not accept is TC_INVALID_ARGUMENT naming the field and KNOWN_LIST. */
int filter_check_fields(const struct filter *f, filter_known_fn known, const char *known_list,
                        struct tc_err **err);

void filter_free(struct filter *f);
void filter_freep(struct filter **f);

/* Whether KEY equals PATH[0..N) joined with "." (N == 0: KEY is ""); for
 * adaptors' map fields: filter_path_eq(path + 1, n - 1, label_key). */
bool filter_path_eq(const char *const *path, size_t n, const char *key);
