/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "core/base/err.h"

#define IDENT_MAX 76
#define IDENT_BUF (IDENT_MAX + 1)

/* containerd identifiers.Validate: 1..76 chars of [A-Za-z0-9]+([._-][A-Za-z0-9]+)* */
bool ident_valid(const char *s);
/* As ident_valid, with containerd's error text; WHAT is "namespace" or "container id". */
int ident_check(const char *s, const char *what, struct tc_err **err);
