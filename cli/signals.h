/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/base/err.h"

/* "SIGTERM", "term", "15" -> 15; anything else TC_INVALID_ARGUMENT. */
int signal_parse(const char *s, int *ret, struct tc_err **err);

/* Resets every signal disposition to SIG_DFL and empties the signal mask, at
 * the start of main(): taskctl does not inherit its parent's choices. */
void signals_reset_inherited(void);
