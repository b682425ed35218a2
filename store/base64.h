/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Standard base64 with padding, as Go's encoding/json writes []byte (and so
 * as containerd's JSON shows an Any's value). Returns a malloc'd string or NULL
 * on allocation failure. */
char *base64_encode(const unsigned char *buf, size_t len);

/* Decodes standard, padded base64 as Go's base64.StdEncoding: '\r' and '\n'
 * are ignored, anything else outside the alphabet, a bad length or misplaced
 * padding is an error. On success *ret_buf is malloc'd (never NULL, even for
 * zero bytes). Returns false on malformed input or allocation failure
 * (*ret_oom tells which). */
bool base64_decode(const char *s, unsigned char **ret_buf, size_t *ret_len, bool *ret_oom);
