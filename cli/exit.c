/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

/* Exit codes (man page, EXIT STATUS): the only place where a kind becomes an
 * exit code. */
static const int codes[] = {
        [TC_INTERNAL] = 1,
        [TC_INVALID_ARGUMENT] = 2,
        [TC_NOT_FOUND] = 3,
        [TC_ALREADY_EXISTS] = 4,
        [TC_FAILED_PRECONDITION] = 5,
        [TC_UNAVAILABLE] = 6,
        [TC_DEADLINE_EXCEEDED] = 7,
};

int cli_exit_code(enum tc_kind kind)
{
        if ((unsigned) kind < sizeof codes / sizeof codes[0] && codes[kind])
                return codes[kind];
        return 1;
}
