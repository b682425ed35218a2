/* SPDX-License-Identifier: Apache-2.0 */
/* What run, exec, attach and logs share. */
#include "cli/interactive.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/taskio.h"

int interactive_self_exe(char **ret, struct tc_err **err)
{
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

        if (n < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "readlink /proc/self/exe");
        buf[n] = '\0';
        *ret = strdup(buf);
        return *ret ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
}

int interactive_parse_size(const char *arg, long long *ret, struct tc_err **err)
{
        _cleanup_free_ char *num = strdup(arg);
        const char *bad = NULL;
        long long mult = 1, v;
        size_t n = num ? strlen(num) : 0;

        if (!num)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (n > 0 && strchr("kKmMgG", num[n - 1])) {
                char s = num[n - 1];

                mult = s == 'k' || s == 'K' ? 1024 : s == 'm' || s == 'M' ? 1024 * 1024 : 1024LL * 1024 * 1024;
                num[n - 1] = '\0';
        }
        v = strtonum(num, 1, LLONG_MAX / mult, &bad);
        if (bad || v * mult < 4096)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--log-max-size \"%s\": expected a size of at least 4096 bytes "
                               "(suffix k, m or g)", arg);
        *ret = v * mult;
        return 0;
}

int interactive_attach_init(struct cli_ctx *ctx, const struct taskmgr *m, const char *id,
                            bool forward_in, bool from_start, int (*before)(void *user, struct tc_err **err), void *user,
                            bool *ret_detached, struct tc_err **err)
{
        struct taskmgr_io io;
        struct logfollow log;
        struct session s = { .io = &io, .in_fd = -1, .out_fds = { -1, -1 } };
        uint32_t status = 0;
        int r;

        if (taskmgr_io_open(m, m->ns, id, &io, err) < 0)
                return -1;
        s.tty = taskmgr_io_terminal(&io);
        r = logfollow_open(io.b->fd, from_start, &log, err);
        if (r < 0) {
                taskmgr_io_close(&io);
                return tc_wrap(err, "task \"%s\" in namespace \"%s\"", id, m->ns);
        }
        s.log = &log;
        if (forward_in || s.tty)
                s.in_fd = session_open_stdin(io.b->fd, TASKIO_STDIN);
        s.forward_in = forward_in && s.in_fd >= 0;
        if (before)
                r = before(user, err);
        if (r == 0)
                r = session_run(&s, &status, err);
        if (s.in_fd >= 0)
                (void) close(s.in_fd);
        logfollow_close(&log);
        taskmgr_io_close(&io);
        *ret_detached = s.detached;
        if (r == 0 && !s.detached)
                ctx->status = status > 255 ? 255 : (int) status;
        return r;
}
