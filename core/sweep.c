/* SPDX-License-Identifier: Apache-2.0 */
/* containerd's TaskManager.cleanupWorkDirs as a one-shot command for cron:
 * remove every work dir whose task has no bundle. It never talks to a shim. */
#include "core/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/flock.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/mounts.h"
#include "core/tasklock.h"

enum cleanup_action cleanup_decide(const struct cleanup_seen *s)
{
        if (s->has_bundle)
                return CLEANUP_KEEP_BUNDLE;
        if (s->older_than > 0 && s->age < s->older_than)
                return CLEANUP_KEEP_RECENT;
        if (s->locked)
                return CLEANUP_SKIP_BUSY;
        if (s->has_mount)
                return CLEANUP_LEAVE_MOUNT;
        return CLEANUP_REMOVE;
}

struct scan {
        const struct cleanup_opts *o;
        int state_fd;
        struct mounts mounts;
        char *tasks_path; /* absolute ROOT/tasks */
        scan_row_fn fn;
        void *user;
        unsigned failed;
};

static void emit(struct scan *s, const char *action, const char *ns, const char *id,
                 const char *detail, bool failed)
{
        struct scan_row row = { action, ns, id, detail, failed };

        if (failed)
                s->failed++;
        s->fn(&row, s->user);
}

static bool bundle_exists(int state_ns_fd, const char *id)
{
        struct stat st;

        return state_ns_fd >= 0 && fstatat(state_ns_fd, id, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The re-check under the task lock. STATE/tasks/NS (or STATE itself) may not
 * have existed when the scan of NS began (after a reboot) and have been made
 * since by the create of NS's first task: then look it up by path. */
static bool bundle_exists_now(const struct scan *s, int state_ns_fd, const char *ns,
                              const char *id)
{
        char path[PATH_MAX];
        struct stat st;

        if (state_ns_fd >= 0)
                return bundle_exists(state_ns_fd, id);
        if (s->state_fd >= 0) {
                (void) snprintf(path, sizeof path, "tasks/%s/%s", ns, id);
                return fstatat(s->state_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
        }
        if (!s->o->state_path)
                return false;
        (void) snprintf(path, sizeof path, "%s/tasks/%s/%s", s->o->state_path, ns, id);
        return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void do_remove(struct scan *s, const char *ns, const char *id, struct tasklock *l)
{
        _cleanup_free_ char *mnt = NULL;
        struct tc_err *e = NULL;

        if (s->o->dry_run) {
                emit(s, "remove", ns, id, "no bundle", false);
                tasklock_release(l);
                return;
        }
        if (tasklock_remove_dir(l, &mnt, &e) < 0) {
                emit(s, mnt ? "left" : "error", ns, id, e->msg, true);
                tc_err_free(e);
                return;
        }
        emit(s, "remove", ns, id, "no bundle", false);
}

/* A non-directory (a symlink, a file) at a work dir's name: remove the entry
 * itself, never what it points to. */
static void remove_non_dir(struct scan *s, int ns_fd, const char *ns, const char *id)
{
        if (!s->o->dry_run && unlinkat(ns_fd, id, 0) < 0 && errno != ENOENT) {
                char msg[256];

                (void) snprintf(msg, sizeof msg, "remove: %s", strerror(errno));
                emit(s, "error", ns, id, msg, true);
                return;
        }
        emit(s, "remove", ns, id, "not a directory", false);
}

static void visit(struct scan *s, int ns_fd, int state_ns_fd, const char *ns, const char *id)
{
        struct cleanup_seen seen = { .older_than = s->o->older_than };
        struct tasklock l = { .ns_fd = -1, .dir_fd = -1 };
        struct tc_err *e = NULL;
        char dir[PATH_MAX], msg[PATH_MAX + 64];
        struct stat st;
        const char *mnt;
        int r;

        if (fstatat(ns_fd, id, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return; /* gone meanwhile */
        seen.has_bundle = bundle_exists(state_ns_fd, id);
        seen.age = difftime(time(NULL), st.st_mtime);
        if (!S_ISDIR(st.st_mode) && !seen.has_bundle) {
                remove_non_dir(s, ns_fd, ns, id);
                return;
        }
        (void) snprintf(dir, sizeof dir, "%s/%s/%s", s->tasks_path, ns, id);
        mnt = mounts_find_under(&s->mounts, dir);
        seen.has_mount = mnt != NULL;
        r = (seen.has_bundle || cleanup_decide(&seen) == CLEANUP_KEEP_RECENT)
                    ? 1
                    : tasklock_try(ns_fd, id, &l, &e);
        if (r < 0) {
                if (e->kind != TC_NOT_FOUND)
                        emit(s, "error", ns, id, e->msg, true);
                tc_err_free(e);
                return;
        }
        seen.locked = r == 0;
        /* re-check under the lock: a create may have made the bundle meanwhile */
        if (r == 1 && l.dir_fd >= 0)
                seen.has_bundle = bundle_exists_now(s, state_ns_fd, ns, id);
        switch (cleanup_decide(&seen)) {
        case CLEANUP_KEEP_BUNDLE: emit(s, "keep", ns, id, "task has a bundle", false); break;
        case CLEANUP_KEEP_RECENT: emit(s, "keep", ns, id, "modified recently", false); break;
        case CLEANUP_SKIP_BUSY: {
                int pid = flock_holder_pid_at(ns_fd, id);

                (void) snprintf(msg, sizeof msg, "locked by pid %d", pid);
                emit(s, "skip", ns, id, pid > 0 ? msg : "locked by another command", false);
                break;
        }
        case CLEANUP_LEAVE_MOUNT:
                (void) snprintf(msg, sizeof msg, "mount point inside, left in place: %s", mnt);
                emit(s, "left", ns, id, msg, true);
                break;
        case CLEANUP_REMOVE: do_remove(s, ns, id, &l); break;
        }
        tasklock_release(&l);
}

static int scan_ns(struct scan *s, int tasks_fd, const char *ns, struct tc_err **err)
{
        _cleanup_close_ int ns_fd = -1, state_tasks_fd = -1, state_ns_fd = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct tc_err *e = NULL;
        struct dirent *de;
        int dfd;

        if (fs_open_dir(tasks_fd, ns, false, 0711, &ns_fd, &e) < 0) {
                bool missing = e->kind == TC_NOT_FOUND;

                if (!missing)
                        emit(s, "error", ns, "-", e->msg, true);
                tc_err_free(e);
                return 0;
        }
        if (s->state_fd >= 0 &&
            fs_open_dir(s->state_fd, "tasks", false, 0711, &state_tasks_fd, NULL) == 0)
                (void) fs_open_dir(state_tasks_fd, ns, false, 0711, &state_ns_fd, NULL);
        dfd = fcntl(ns_fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0 || !(d = fdopendir(dfd))) {
                if (dfd >= 0)
                        (void) close(dfd);
                return tc_fail_sys(err, TC_INTERNAL, errno, "read work dirs of %s", ns);
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue; /* hidden: temp and trash names, never tasks */
                if (!ident_valid(de->d_name)) {
                        emit(s, "skip", ns, de->d_name, "not a valid task id", false);
                        continue;
                }
                visit(s, ns_fd, state_ns_fd, ns, de->d_name);
        }
        return 0;
}

static int scan_all(struct scan *s, int tasks_fd, struct tc_err **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dfd = fcntl(tasks_fd, F_DUPFD_CLOEXEC, 3);

        if (dfd < 0 || !(d = fdopendir(dfd))) {
                if (dfd >= 0)
                        (void) close(dfd);
                return tc_fail_sys(err, TC_INTERNAL, errno, "read %s", s->tasks_path);
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !ident_valid(de->d_name))
                        continue;
                if (scan_ns(s, tasks_fd, de->d_name, err) < 0)
                        return -1;
        }
        return 0;
}

int cleanup_run(int root_fd, int state_fd, const struct cleanup_opts *o, scan_row_fn fn,
                void *user, unsigned *ret_failed, struct tc_err **err)
{
        struct scan s = { .o = o, .state_fd = state_fd, .fn = fn, .user = user };
        _cleanup_close_ int tasks_fd = -1;
        struct tc_err *e = NULL;
        int r;

        if (fs_open_dir(root_fd, "tasks", false, 0711, &tasks_fd, &e) < 0) {
                bool missing = e->kind == TC_NOT_FOUND;

                if (!missing) {
                        *err = e;
                        return -1;
                }
                tc_err_free(e);
                *ret_failed = 0;
                return 0; /* no work dirs at all */
        }
        if (fd_path(tasks_fd, &s.tasks_path, err) < 0 ||
            mounts_load(s.tasks_path, &s.mounts, err) < 0) {
                free(s.tasks_path);
                return -1;
        }
        r = o->ns ? scan_ns(&s, tasks_fd, o->ns, err) : scan_all(&s, tasks_fd, err);
        mounts_release(&s.mounts);
        free(s.tasks_path);
        *ret_failed = s.failed;
        return r;
}
