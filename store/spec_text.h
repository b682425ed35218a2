/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Text-level helpers for JSON that cJSON has already accepted: they keep a
 * value's bytes verbatim (cJSON would reprint numbers through a double, turning
 * 9223372036854775807 into 9.2233720368547758e+18). */

const char *spec_text_skip_ws(const char *p, const char *end);
/* Finds the value of member NAME of the top-level object in TEXT. */
bool spec_text_member(const char *text, size_t len, const char *name, const char **ret_start,
                      size_t *ret_len);
/* A malloc'd copy of TEXT without the whitespace outside strings (NULL: out of
 * memory). Not cJSON_Minify: in cJSON 1.7.15 it takes the quote closing "a\\"
 * for an escaped one and then strips spaces inside the strings that follow. */
char *spec_text_compact(const char *text, size_t len);
