/* SPDX-License-Identifier: Apache-2.0 */
#include "store/nslock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>

#include "core/base/cleanup.h"
#include "core/base/flock.h"

#define NSLOCK_NAME ".lock"

int nslock_open(int nsfd, bool writer, int *ret_fd, struct tc_err **err)
{
        int fd = openat(nsfd, NSLOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

        if (fd < 0 && !writer && (errno == EROFS || errno == EACCES || errno == EPERM)) {
                fd = openat(nsfd, NSLOCK_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT) {
                        *ret_fd = -1;
                        return 0;
                }
        }
        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "open lock file %s", NSLOCK_NAME);
        *ret_fd = fd;
        return 0;
}

int nslock_take(int nsfd, const char *ns, int op, double timeout, int *ret_fd, struct tc_err **err)
{
        _cleanup_close_ int fd = -1;
        char what[128];

        if (nslock_open(nsfd, op == LOCK_EX, &fd, err) < 0)
                return -1;
        (void) snprintf(what, sizeof what, "namespace \"%s\"", ns);
        if (fd >= 0 && flock_wait(fd, op, timeout, what, err) < 0)
                return -1;
        *ret_fd = steal_fd(fd);
        return 0;
}
