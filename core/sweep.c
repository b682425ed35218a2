/* SPDX-License-Identifier: Apache-2.0 */
/* containerd's TaskManager.cleanupWorkDirs, written once: the work-dir sweep of
 * `taskctl cleanup` (a one-shot command for cron) and of `taskctl load`. It
 * never talks to a shim. */
#include "core/sweep.h"

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
#include "core/base/dir.h"
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

static bool bundle_exists(int state_ns_fd, const char *id)
{
        struct stat st;

        return state_ns_fd >= 0 && fstatat(state_ns_fd, id, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The re-check under the task lock. STATE/tasks/NS (or STATE itself) may not
 * have existed when the scan of NS began (after a reboot) and have been made
 * since by the create of NS's first task: then look it up by path. */
static bool bundle_exists_now(const struct sweep *s, int state_ns_fd, const char *ns,
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
        if (!s->state_path)
                return false;
        (void) snprintf(path, sizeof path, "%s/tasks/%s/%s", s->state_path, ns, id);
        return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void do_remove(const struct sweep *s, const char *ns, const char *id, struct tasklock *l)
{
        _cleanup_free_ char *mnt = NULL;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        if (!s->dry_run && tasklock_remove_dir(l, &mnt, &e) < 0) {
                scan_emit(s->out, mnt ? "left" : "error", ns, id, e->msg, true);
                return;
        }
        scan_emit(s->out, "remove", ns, id, s->remove_detail, false);
}

/* A non-directory (a symlink, a file) at a work dir's name: remove the entry
 * itself, never what it points to. */
static void remove_non_dir(const struct sweep *s, int ns_fd, const char *ns, const char *id)
{
        if (!s->dry_run && unlinkat(ns_fd, id, 0) < 0 && errno != ENOENT) {
                char msg[256];

                (void) snprintf(msg, sizeof msg, "remove: %s", strerror(errno));
                scan_emit(s->out, "error", ns, id, msg, true);
                return;
        }
        scan_emit(s->out, "remove", ns, id, "not a directory", false);
}

/* The row of a decision other than removing. */
static void report(const struct sweep *s, enum cleanup_action a, int ns_fd, const char *ns,
                   const char *id, const char *mnt)
{
        char msg[PATH_MAX + 64];
        int pid;

        switch (a) {
        case CLEANUP_KEEP_BUNDLE:
                if (!s->kept)
                        scan_emit(s->out, "keep", ns, id, "task has a bundle", false);
                break;
        case CLEANUP_KEEP_RECENT: scan_emit(s->out, "keep", ns, id, "modified recently", false); break;
        case CLEANUP_SKIP_BUSY:
                pid = flock_holder_pid_at(ns_fd, id);
                (void) snprintf(msg, sizeof msg, "locked by pid %d", pid);
                scan_emit(s->out, "skip", ns, id, pid > 0 ? msg : "locked by another command", false);
                break;
        case CLEANUP_LEAVE_MOUNT:
                (void) snprintf(msg, sizeof msg, "mount point inside, left in place: %s", mnt);
                scan_emit(s->out, "left", ns, id, msg, true);
                break;
        case CLEANUP_REMOVE: break;
        }
}

static void visit(const struct sweep *s, int ns_fd, int state_ns_fd, const char *ns,
                  const char *id)
{
        struct cleanup_seen seen = { .older_than = s->older_than };
        _cleanup_(tasklock_release) struct tasklock l = TASKLOCK_NONE;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        char dir[PATH_MAX];
        enum cleanup_action a;
        struct stat st;
        const char *mnt;
        int r;

        if (fstatat(ns_fd, id, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return; /* gone meanwhile */
        /* load's sweep comes after its bundle scan: a bundle now is one that
         * appeared since, looked for under the lock below */
        seen.has_bundle = !s->kept && bundle_exists(state_ns_fd, id);
        seen.age = difftime(time(NULL), st.st_mtime);
        /* load's sweep too: a link at a work dir's name goes as a link */
        if (!S_ISDIR(st.st_mode) && !seen.has_bundle &&
            !(s->kept && bundle_exists_now(s, state_ns_fd, ns, id))) {
                remove_non_dir(s, ns_fd, ns, id);
                return;
        }
        (void) snprintf(dir, sizeof dir, "%s/%s/%s", s->tasks_path, ns, id);
        mnt = mounts_find_under(s->mounts, dir);
        seen.has_mount = mnt != NULL;
        r = (seen.has_bundle || cleanup_decide(&seen) == CLEANUP_KEEP_RECENT)
                    ? 1
                    : tasklock_try(ns_fd, id, &l, &e);
        if (r < 0) {
                if (e->kind != TC_NOT_FOUND)
                        scan_emit(s->out, "error", ns, id, e->msg, true);
                return;
        }
        seen.locked = r == 0;
        /* re-check under the lock: a create may have made the bundle meanwhile */
        if (r == 1 && l.dir_fd >= 0)
                seen.has_bundle = bundle_exists_now(s, state_ns_fd, ns, id);
        a = cleanup_decide(&seen);
        if (a == CLEANUP_REMOVE)
                do_remove(s, ns, id, &l);
        else
                report(s, a, ns_fd, ns, id, mnt);
}

int sweep_ns(const struct sweep *s, int tasks_fd, const char *ns, struct tc_err **err)
{
        _cleanup_close_ int ns_fd = -1, state_tasks_fd = -1, state_ns_fd = -1;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (fs_open_dir(tasks_fd, ns, false, 0711, &ns_fd, &e) < 0) {
                if (!tc_err_is(e, TC_NOT_FOUND))
                        scan_emit(s->out, "error", ns, "-", e->msg, true);
                return 0;
        }
        /* only a missing STATE/tasks/NS means "no bundles": with any other
         * error the namespace's bundles are unknown, and its work dirs stay */
        if (s->state_fd >= 0 &&
            (fs_open_dir(s->state_fd, "tasks", false, 0711, &state_tasks_fd, &e) < 0 ||
             fs_open_dir(state_tasks_fd, ns, false, 0711, &state_ns_fd, &e) < 0) &&
            !tc_err_is(e, TC_NOT_FOUND)) {
                scan_emit(s->out, "error", ns, "-", e->msg, true);
                return 0;
        }
        if (dir_open_dup(ns_fd, &d) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "read work dirs of %s", ns);
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue; /* hidden: temp and trash names, never tasks */
                if (s->kept && (!ident_valid(de->d_name) || s->kept(de->d_name, s->kept_user)))
                        continue;
                if (!ident_valid(de->d_name)) {
                        scan_emit(s->out, "skip", ns, de->d_name, "not a valid task id", false);
                        continue;
                }
                visit(s, ns_fd, state_ns_fd, ns, de->d_name);
        }
        return 0;
}

static int scan_all(const struct sweep *s, int tasks_fd, struct tc_err **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (dir_open_dup(tasks_fd, &d) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "read %s", s->tasks_path);
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !ident_valid(de->d_name))
                        continue;
                if (sweep_ns(s, tasks_fd, de->d_name, err) < 0)
                        return -1;
        }
        return 0;
}

int cleanup_run(int root_fd, int state_fd, const struct cleanup_opts *o, scan_row_fn fn,
                void *user, unsigned *ret_failed, struct tc_err **err)
{
        struct scan_sink out = { .fn = fn, .user = user };
        struct sweep s = { .out = &out, .state_fd = state_fd, .state_path = o->state_path,
                           .dry_run = o->dry_run, .older_than = o->older_than,
                           .remove_detail = "no bundle" };
        _cleanup_(mounts_release) struct mounts mounts = { 0 };
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_free_ char *tasks_path = NULL;
        _cleanup_close_ int tasks_fd = -1;
        int r;

        *ret_failed = 0;
        if (fs_open_dir(root_fd, "tasks", false, 0711, &tasks_fd, &e) < 0) {
                if (!tc_err_is(e, TC_NOT_FOUND))
                        return tc_err_move(err, &e);
                return 0; /* no work dirs at all */
        }
        if (fd_path(tasks_fd, &tasks_path, err) < 0 || mounts_load(tasks_path, &mounts, err) < 0)
                return -1;
        s.tasks_path = tasks_path;
        s.mounts = &mounts;
        r = o->ns ? sweep_ns(&s, tasks_fd, o->ns, err) : scan_all(&s, tasks_fd, err);
        *ret_failed = out.failed;
        return r;
}
