/* SPDX-License-Identifier: Apache-2.0 */
#include "core/tasklock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/flock.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/timefmt.h"

struct lock_name {
        char file[NAME_MAX + 1]; /* "ID.lock" */
        char what[2 * IDENT_MAX + 40];
};

/* Checks the names, opens (making) STATE/locks/NS. */
static int lock_dir(int state_fd, const char *ns, const char *id, int *ret_fd,
                    struct lock_name *n, struct tc_err **err)
{
        _cleanup_close_ int locks_fd = -1;

        if (ident_check(ns, "namespace", err) < 0 || ident_check(id, "container id", err) < 0)
                return -1;
        (void) snprintf(n->file, sizeof n->file, "%s.lock", id);
        (void) snprintf(n->what, sizeof n->what, "task \"%s\" in namespace \"%s\"", id, ns);
        if (fs_open_dir(state_fd, "locks", true, 0711, &locks_fd, err) < 0 ||
            fs_open_dir(locks_fd, ns, true, 0700, ret_fd, err) < 0)
                return tc_wrap(err, "lock for %s", n->what);
        return 0;
}

/* True when FD is still the file at DIR_FD/NAME (not one removed by the
 * previous holder after we opened it). */
static bool lock_current(int dir_fd, const char *name, int fd)
{
        struct stat a, b;

        return fstat(fd, &a) == 0 && fstatat(dir_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int task_lock(int state_fd, const char *ns, const char *id, double timeout, int *ret_fd,
              struct tc_err **err)
{
        _cleanup_close_ int dir_fd = -1;
        struct lock_name n;
        double deadline = timefmt_mono() + timeout;

        if (lock_dir(state_fd, ns, id, &dir_fd, &n, err) < 0)
                return -1;
        for (;;) {
                _cleanup_close_ int fd = -1;
                double left = deadline - timefmt_mono();

                if (flock_take(dir_fd, n.file, LOCK_EX, left > 0 ? left : 0, n.what, &fd, err) < 0)
                        return -1;
                if (lock_current(dir_fd, n.file, fd)) {
                        *ret_fd = steal_fd(fd);
                        return 0;
                }
        }
}

int task_lock_try(int state_fd, const char *ns, const char *id, int *ret_fd,
                  struct tc_err **err)
{
        _cleanup_close_ int dir_fd = -1;
        struct lock_name n;

        if (lock_dir(state_fd, ns, id, &dir_fd, &n, err) < 0)
                return -1;
        for (;;) {
                _cleanup_close_ int fd =
                        openat(dir_fd, n.file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

                if (fd < 0)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "open lock for %s", n.what);
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno == EWOULDBLOCK)
                                return 0;
                        if (errno == EINTR)
                                continue;
                        return tc_fail_sys(err, TC_INTERNAL, errno, "lock %s", n.what);
                }
                if (lock_current(dir_fd, n.file, fd)) {
                        *ret_fd = steal_fd(fd);
                        return 1;
                }
        }
}

void task_unlock_remove(int state_fd, const char *ns, const char *id, int *fd)
{
        _cleanup_close_ int locks_fd = -1, dir_fd = -1;
        char file[NAME_MAX + 1];

        if (*fd >= 0 && ident_valid(ns) && ident_valid(id)) {
                locks_fd = openat(state_fd, "locks", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (locks_fd >= 0)
                        dir_fd = openat(locks_fd, ns, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                (void) snprintf(file, sizeof file, "%s.lock", id);
                /* only the file we hold, never a successor's */
                if (dir_fd >= 0 && lock_current(dir_fd, file, *fd))
                        (void) unlinkat(dir_fd, file, 0);
        }
        if (*fd >= 0)
                (void) close(*fd);
        *fd = -1;
}
