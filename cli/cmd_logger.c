/* SPDX-License-Identifier: Apache-2.0 */
/* `taskctl _logger BUNDLE MAX`: the hidden log helper that create starts
 * for a task (core/taskio.h); fds 3, 4, 5, 6 = stdout FIFO, stderr FIFO,
 * logger.pid (locked), bundle dir. Not for users: no options, no output. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/taskio.h"

static int fd_or_none(int fd)
{
        return fcntl(fd, F_GETFD) < 0 ? -1 : fd;
}

int cmd_logger(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        const char *bad = NULL;
        long long max;

        (void) ctx;
        if (argc != 3)
                return tc_fail(err, TC_INVALID_ARGUMENT, "%s: internal command", TASKIO_LOGGER_CMD);
        max = strtonum(argv[2], 0, INT64_MAX, &bad);
        if (bad || fd_or_none(5) < 0 || fd_or_none(6) < 0)
                return tc_fail(err, TC_INVALID_ARGUMENT, "%s: internal command", TASKIO_LOGGER_CMD);
        return taskio_logger_run(6, fd_or_none(3), fd_or_none(4), 5, (off_t) max, err);
}
