/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum log_level current = LOG_LVL_WARN;

void log_set_level(enum log_level level)
{
        current = level;
}

enum log_level log_get_level(void)
{
        return current;
}

int log_level_parse(const char *s)
{
        static const char *const names[] = { "error", "warn", "info", "debug" };

        for (int i = 0; i < 4; i++)
                if (strcmp(s, names[i]) == 0)
                        return i;
        return -1;
}

/* Diagnostics only (stderr); results and the final error line belong to cli/. */
void log_msg(enum log_level level, const char *fmt, ...)
{
        static const char *const tags[] = { "error", "warning", "info", "debug" };
        va_list ap;

        if (level > current)
                return;
        flockfile(stderr); /* one line, whole, from each load worker */
        fprintf(stderr, "taskctl: %s: ", tags[level]);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        funlockfile(stderr);
}
