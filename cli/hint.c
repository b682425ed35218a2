/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

/* The task an error names ("task \"ID\" in namespace \"NS\": ..."). */
static bool task_of(const char *msg, char *id, size_t idsz, char *ns, size_t nssz)
{
        const char *p = strstr(msg, "task \""), *q;

        if (!p)
                return false;
        p += 6;
        if (!(q = strchr(p, '"')) || (size_t) (q - p) >= idsz || strncmp(q, "\" in namespace \"", 16))
                return false;
        (void) snprintf(id, idsz, "%.*s", (int) (q - p), p);
        p = q + 16;
        if (!(q = strchr(p, '"')) || (size_t) (q - p) >= nssz)
                return false;
        (void) snprintf(ns, nssz, "%.*s", (int) (q - p), p);
        return true;
}

void cli_hint_for_error(const char *cmd_ns, const struct tc_err *err)
{
        char id[128], ns[128];

        if (hint[0] || !err || err->kind != TC_UNAVAILABLE || !err->msg ||
            !strstr(err->msg, "shim not reachable") ||
            !task_of(err->msg, id, sizeof id, ns, sizeof ns))
                return;
        if (strcmp(ns, cmd_ns) == 0)
                cli_hint("if the shim is dead, 'taskctl delete %s' cleans up after it, "
                         "or 'taskctl load' after every dead shim", id);
        else
                cli_hint("if the shim is dead, 'taskctl -n %s delete %s' cleans up after it, "
                         "or 'taskctl -n %s load' after every dead shim", ns, id, ns);
}
