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
/* Whether TEXT is exactly one JSON value of RFC 8259's strict grammar, and
 * one that cJSON accepts too: only JSON's whitespace, no control byte inside
 * a string, no \u0000, no unpaired surrogate, numbers of at most 63 bytes,
 * at most 256 levels deep. No allocation. (record_from_json's fast path: what
 * passes here is kept as text without cJSON building a tree of it.) */
bool spec_text_strict(const char *text, size_t len);
/* spec_text_member, with the member's value read by spec_text_strict's rules
 * (false when it breaks them); *RET_COMPACT: it has no whitespace to strip. */
/* The one value at P read by spec_text_strict's rules: its end, or NULL when
 * it breaks them; *RET_COMPACT: it has no whitespace to strip. */
const char *spec_text_strict_value(const char *p, const char *end, bool *ret_compact);
bool spec_text_member_strict(const char *text, size_t len, const char *name,
                             const char **ret_start, size_t *ret_len, bool *ret_compact);
/* A copy (*RET, malloc'd) of the JSON object TEXT with member NAME (a plain
 * key, no escapes) set to VALUE (JSON text): its value replaced, or left as
 * it is when KEEP; added as the first member when missing. The other bytes
 * are kept as they are (no reprinting through cJSON, which would turn a
 * 64-bit limit into a double that runc refuses). -1: TEXT is not an object;
 * -2: out of memory. */
int spec_text_with_member(const char *text, size_t len, const char *name, const char *value,
                          bool keep, char **ret);
