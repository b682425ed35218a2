/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>

#include "cli/hint.h"

static char hint[512];

void cli_hint(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(hint, sizeof hint, fmt, ap);
        va_end(ap);
}

void cli_hint_print(void)
{
        if (hint[0])
                fprintf(stderr, "hint: %s\n", hint);
        hint[0] = '\0';
}
