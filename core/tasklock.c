/* SPDX-License-Identifier: Apache-2.0 */
#include "core/tasklock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/flock.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/timefmt.h"

static void tasklock_init(struct tasklock *l)
{
        l->ns_fd = -1;
        l->dir_fd = -1;
        l->id[0] = '\0';
        l->made = false;
}

/* Is FD still the directory linked as NS_FD/ID? */
static bool still_linked(int ns_fd, const char *id, int fd)
{
        struct stat a, b;

        return fstat(fd, &a) == 0 && fstatat(ns_fd, id, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
               a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static int open_workdir(int ns_fd, const char *id, bool create, bool *ret_created,
                        struct tc_err **err)
{
        int fd;

        if (create) {
                if (mkdirat(ns_fd, id, 0711) == 0) {
                        *ret_created = true;
                } else if (errno != EEXIST) {
                        return tc_fail_sys(err, TC_INTERNAL, errno, "make work dir %s", id);
                }
        }
        fd = openat(ns_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return tc_fail(err, TC_NOT_FOUND, "work dir %s: not found", id);
                if (errno == ELOOP || errno == ENOTDIR)
                        return tc_fail(err, TC_INTERNAL,
                                       "work dir %s is not a directory (a symlink?)", id);
                return tc_fail_sys(err, TC_INTERNAL, errno, "open work dir %s", id);
        }
        if (*ret_created)
                (void) fchmod(fd, 0711);
        return fd;
}

int tasklock_take(int root_fd, const char *ns, const char *id, double timeout,
                  struct tasklock *ret, bool *ret_created, struct tc_err **err)
{
        _cleanup_close_ int tasks_fd = -1, ns_fd = -1;
        double deadline = timefmt_mono() + timeout;
        bool created = false;

        if (ident_check(ns, "namespace", err) < 0 || ident_check(id, "task id", err) < 0)
                return -1;
        if (fs_open_dir(root_fd, "tasks", true, 0711, &tasks_fd, err) < 0 ||
            fs_open_dir(tasks_fd, ns, true, 0711, &ns_fd, err) < 0)
                return tc_wrap(err, "work dirs");
        for (int vanished = 0;;) {
                _cleanup_(tc_err_freep) struct tc_err *e = NULL;
                _cleanup_close_ int fd = -1;

                created = false; /* of the directory this round opens */
                fd = open_workdir(ns_fd, id, true, &created, &e);

                /* removed by its holder (cleanup, load, delete) between our
                 * mkdir and open: make it again, as after a lost still_linked */
                if (fd < 0 && e->kind == TC_NOT_FOUND && ++vanished < 100)
                        continue;
                if (fd < 0)
                        return tc_err_move(err, &e);
                if (flock_wait_until(fd, LOCK_EX, deadline, timeout, "task", err) < 0)
                        return -1;
                if (!still_linked(ns_fd, id, fd))
                        continue; /* removed by the previous holder: lock the new one */
                tasklock_init(ret);
                ret->ns_fd = steal_fd(ns_fd);
                ret->dir_fd = steal_fd(fd);
                (void) snprintf(ret->id, sizeof ret->id, "%s", id);
                ret->made = created;
                if (ret_created)
                        *ret_created = created;
                return 0;
        }
}

int tasklock_try(int ns_fd, const char *id, struct tasklock *ret, struct tc_err **err)
{
        bool created = false;
        _cleanup_close_ int fd = open_workdir(ns_fd, id, false, &created, err);

        if (fd < 0)
                return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno == EWOULDBLOCK)
                        return 0;
                return tc_fail_sys(err, TC_INTERNAL, errno, "lock work dir %s", id);
        }
        if (!still_linked(ns_fd, id, fd))
                return tc_fail(err, TC_NOT_FOUND, "work dir %s: not found", id);
        tasklock_init(ret);
        ret->ns_fd = fcntl(ns_fd, F_DUPFD_CLOEXEC, 3);
        if (ret->ns_fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "dup");
        ret->dir_fd = steal_fd(fd);
        (void) snprintf(ret->id, sizeof ret->id, "%s", id);
        return 1;
}

int tasklock_remove_dir(struct tasklock *l, char **ret_mount, struct tc_err **err)
{
        int r;

        if (l->dir_fd < 0)
                return 0;
        /* under the lock: the name may have been made again since (by a
         * create after ours lost the directory): never remove that one */
        r = still_linked(l->ns_fd, l->id, l->dir_fd) ? fs_rmtree_at(l->ns_fd, l->id, ret_mount, err)
                                                      : 0;
        tasklock_release(l);
        return r;
}

void tasklock_release(struct tasklock *l)
{
        if (l->dir_fd >= 0)
                (void) close(l->dir_fd);
        if (l->ns_fd >= 0)
                (void) close(l->ns_fd);
        tasklock_init(l);
}

void tasklock_release_unused(struct tasklock *l, bool used)
{
        if (!used && l->made && l->dir_fd >= 0)
                (void) tasklock_remove_dir(l, NULL, NULL);
        tasklock_release(l);
}

void tasklock_release_unusedp(struct tasklock *l)
{
        tasklock_release_unused(l, false);
}
