/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"
#include "store/record.h"

/* If TEXT is a JSON object of runc shim options (no "type_url" key), encodes
 * it as the containerd.runc.v1.Options Any and sets *ret_is_runc; otherwise
 * leaves it to the caller (a JSON Any). Unknown or mistyped options:
 * TC_INVALID_ARGUMENT. */
int runc_options_any(const char *text, size_t len, struct record_any *ret, bool *ret_is_runc,
                     struct tc_err **err);
