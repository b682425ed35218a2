/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/base/err.h"

/* The next step for the user after an error (man taskctl, EXIT STATUS: "followed where
 * one exists by a hint line"): set by the command that knows it, printed by
 * main on stderr as "hint: ..." after the error line, never on stdout. */
void cli_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the hint set, if any, and forgets it. */
void cli_hint_print(void);
/* Derives a hint from ERR where one exists and none was set: a task's shim
 * that does not answer ("shim not reachable") may be dead, and `delete` or
 * `load` cleans up after it. CMD_NS: the command's namespace. */
void cli_hint_for_error(const char *cmd_ns, const struct tc_err *err);
