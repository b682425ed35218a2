/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The next step for the user after an error (SPEC Exit codes: "followed where
 * one exists by a hint line"): set by the command that knows it, printed by
 * main on stderr as "hint: ..." after the error line, never on stdout. */
void cli_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the hint set, if any, and forgets it. */
void cli_hint_print(void);
