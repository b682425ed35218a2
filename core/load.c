/* SPDX-License-Identifier: Apache-2.0 */
/* containerd's TaskManager.loadExistingTasks + cleanupWorkDirs as one command,
 * safe next to any other: a task whose lock is held is never touched. */
#include "core/load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/flock.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"
#include "core/bundle.h"
#include "core/events.h"
#include "core/mounts.h"
#include "core/shimconn.h"
#include "core/tasklock.h"
#include "store/store.h"

enum load_action load_decide(const struct load_seen *s)
{
        enum load_action a;

        if (s->locked)
                return LOAD_SKIP_BUSY;
        if (s->empty)
                a = LOAD_REMOVE_EMPTY;
        else if (s->record_unreadable)
                return LOAD_FAIL_RECORD; /* SPEC: reported and skipped */
        else if (!s->has_record)
                a = LOAD_REMOVE_NO_RECORD;
        else if (!s->shim_alive)
                a = LOAD_CLEANUP_DEAD;
        else
                return LOAD_KEEP_LIVE;
        /* never removed through a mount point: left before anything is done,
         * so that --dry-run can tell */
        return s->has_mount ? LOAD_LEAVE_MOUNT : a;
}

struct loader {
        const struct taskmgr *m;
        const struct load_opts *o;
        scan_row_fn fn;
        void *user;
        unsigned failed;
        struct mounts mounts; /* every mount point, read once */
        char **kept; /* IDs whose work dir stays (loaded, busy, failed) */
        size_t n_kept;
};

static void emit(struct loader *l, const char *action, const char *ns, const char *id,
                 const char *detail, bool failed)
{
        struct scan_row row = { action, ns, id, detail, failed };

        if (failed)
                l->failed++;
        l->fn(&row, l->user);
}

static void keep(struct loader *l, const char *id)
{
        char **k = realloc(l->kept, (l->n_kept + 1) * sizeof *k);

        if (!k)
                return;
        l->kept = k;
        if ((k[l->n_kept] = strdup(id)))
                l->n_kept++;
}

static bool kept(const struct loader *l, const char *id)
{
        for (size_t i = 0; i < l->n_kept; i++)
                if (strcmp(l->kept[i], id) == 0)
                        return true;
        return false;
}

static void forget_kept(struct loader *l)
{
        for (size_t i = 0; i < l->n_kept; i++)
                free(l->kept[i]);
        free(l->kept);
        l->kept = NULL;
        l->n_kept = 0;
}

static bool dir_empty(int fd)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

        if (dfd < 0 || !(d = fdopendir(dfd))) {
                if (dfd >= 0)
                        (void) close(dfd);
                return false;
        }
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        return false;
        return true;
}

/* 1: the record is there, 0: it is gone, -1: it cannot be read (*err).
 * Only a record that is really not there counts as gone: an unreadable one
 * must not get its task removed. */
static int record_state(const struct taskmgr *m, const char *ns, const char *id,
                        struct tc_err **err)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(record_freep) struct record *rec = NULL;
        struct tc_err *e = NULL;

        if (m->roots.root_fd < 0)
                return 0; /* a dry run without ROOT: no records at all */
        if (store_open(m->roots.root_fd, ns, false, m->timeout, &s, &e) == 0 &&
            store_get(s, id, &rec, &e) == 0)
                return 1;
        if (e && e->kind == TC_NOT_FOUND) {
                tc_err_free(e);
                return 0;
        }
        if (!e)
                return tc_fail(err, TC_INTERNAL, "container record: unknown error");
        (void) tc_fail(err, e->kind, "container record: %s", e->msg);
        tc_err_free(e);
        return -1;
}

static bool path_below(const char *path, const char *dir)
{
        size_t n = strlen(dir);

        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* A mount point that removing bundle B would have to cross: in its work dir,
 * or in the bundle outside rootfs/ (what is under rootfs/ gets unmounted). */
static const char *mount_inside(const struct loader *l, const struct bundle *b)
{
        char rootfs[PATH_MAX];
        const char *w = mounts_find_under(&l->mounts, b->work_path);

        if (w)
                return w;
        (void) snprintf(rootfs, sizeof rootfs, "%s/rootfs", b->path);
        for (size_t i = 0; i < l->mounts.n; i++) {
                const char *p = l->mounts.paths[i];

                if (path_below(p, b->path) && !path_below(p, rootfs))
                        return p;
        }
        return NULL;
}

/* Locks the task: for real, creating its work dir if needed (removed again
 * with the task, or by the caller when it turns out not to be needed:
 * *ret_created); in a dry run only probing an existing one. 1 locked, 0 busy. */
static int lock_task(struct loader *l, const char *ns, const char *id, struct tasklock *lock,
                     bool *ret_created, struct tc_err **err)
{
        struct tc_err *e = NULL;
        int r;

        *ret_created = false;
        if (!l->o->dry_run) {
                r = tasklock_take(l->m->roots.root_fd, ns, id, 0, lock, ret_created, &e);
                if (r == 0)
                        return 1;
                if (e->kind == TC_DEADLINE_EXCEEDED) {
                        tc_err_free(e);
                        return 0;
                }
                *err = e;
                return -1;
        }
        {
                _cleanup_close_ int tasks_fd = -1, ns_fd = -1;

                if (fs_open_dir(l->m->roots.root_fd, "tasks", false, 0, &tasks_fd, NULL) < 0 ||
                    fs_open_dir(tasks_fd, ns, false, 0, &ns_fd, NULL) < 0)
                        return 1; /* no work dir: nobody can hold its lock */
                r = tasklock_try(ns_fd, id, lock, &e);
                if (r < 0 && e->kind == TC_NOT_FOUND) {
                        tc_err_free(e);
                        return 1;
                }
                if (r < 0)
                        *err = e;
                return r;
        }
}

static void event_dead(const struct taskmgr *m, const char *ns, const char *id, uint32_t pid)
{
        struct event ev = { .ns = ns, .id = id, .pid = pid,
                            .detail = "shim dead: exit status unknown" };
        struct tc_err *e = NULL;

        ev.topic = EVENT_TASK_EXIT;
        if (events_append(m->roots.root_fd, &ev, m->timeout, &e) == 0) {
                ev.topic = EVENT_TASK_DELETE;
                (void) events_append(m->roots.root_fd, &ev, m->timeout, &e);
        }
        if (e) {
                log_warn("%s", e->msg);
                tc_err_free(e);
        }
}

/* A bundle without its container record whose shim still answers: the task
 * is killed and waited for, so that the shim's Delete (which the real shim
 * refuses for a running task) succeeds and its Shutdown is obeyed. True when
 * the shim deleted the task itself. */
static bool stop_orphan_task(struct shimconn *sc, double timeout)
{
        struct taskapi_deleted del;
        struct taskapi_exit ex;
        struct tc_err *e = NULL;

        /* a task that is not running refuses the kill: wait and Delete still apply */
        (void) taskapi_kill(&sc->api, sc->id, SIGKILL, true, timefmt_mono() + timeout, NULL);
        if (taskapi_wait(&sc->api, sc->id, timefmt_mono() + timeout, &ex, &e) < 0 ||
            taskapi_delete(&sc->api, sc->id, timefmt_mono() + timeout, &del, &e) < 0) {
                log_info("task %s without a record: %s", sc->id, e->msg);
                tc_err_free(e);
                return false;
        }
        return true;
}

/* Carries out DECISION on bundle B (not in a dry run). */
static int act(struct loader *l, struct bundle *b, struct shimconn *sc, enum load_action a,
               struct tc_err **err)
{
        _cleanup_free_ char *binary = NULL;
        uint32_t pid;
        bool clean;

        if (a == LOAD_REMOVE_EMPTY)
                return bundle_delete(b, err);
        /* the exit event names the task's pid (as delete's), not the shim's;
         * read before the delete action may remove init.pid */
        pid = bundle_read_init_pid(b);
        if (shim_read_binary_path(b->fd, &binary, NULL) < 0)
                binary = NULL;
        /* no record: a live shim is told to delete and shut down; a dead one, or
         * whatever runc left, goes through the binary's delete action */
        clean = a == LOAD_REMOVE_NO_RECORD && sc->conn && stop_orphan_task(sc, 5.0);
        shimconn_teardown(sc, b, binary, clean, 5.0);
        if (bundle_delete(b, err) < 0)
                return -1;
        if (a == LOAD_CLEANUP_DEAD)
                event_dead(l->m, b->ns, b->id, pid);
        return 0;
}

static const char *action_word(enum load_action a)
{
        switch (a) {
        case LOAD_SKIP_BUSY: return "skip";
        case LOAD_REMOVE_EMPTY: return "remove";
        case LOAD_REMOVE_NO_RECORD: return "remove";
        case LOAD_CLEANUP_DEAD: return "cleanup";
        case LOAD_KEEP_LIVE: return "load";
        case LOAD_LEAVE_MOUNT: return "left";
        case LOAD_FAIL_RECORD: return "error";
        }
        return "error";
}

static void busy_detail(const struct loader *l, const char *ns, const char *id, char *buf,
                        size_t size)
{
        char path[PATH_MAX];
        int pid;

        (void) snprintf(path, sizeof path, "tasks/%s/%s", ns, id);
        pid = flock_holder_pid_at(l->m->roots.root_fd, path);
        if (pid > 0)
                (void) snprintf(buf, size, "locked by pid %d", pid);
        else
                (void) snprintf(buf, size, "locked by another command");
}

/* A work dir that this load made only to lock the task, when no task turned
 * out to need it: removed while still locked. */
static void drop_made_work_dir(struct tasklock *lock, bool created)
{
        if (created && lock->dir_fd >= 0)
                (void) tasklock_remove_dir(lock, NULL, NULL);
}

static void visit_bundle(struct loader *l, const char *ns, const char *id)
{
        struct tasklock lock = { .ns_fd = -1, .dir_fd = -1 };
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        struct load_seen seen = { 0 };
        struct shimconn sc;
        struct tc_err *e = NULL;
        const char *mnt = NULL;
        char detail[PATH_MAX + 64] = "";
        enum load_action a;
        bool created;
        int r = lock_task(l, ns, id, &lock, &created, &e);

        shimconn_init(&sc, &l->m->roots, ns, id);
        if (r < 0)
                goto fail;
        seen.locked = r == 0;
        if (!seen.locked && bundle_load(&l->m->roots, ns, id, &b, &e) < 0) {
                if (e->kind != TC_NOT_FOUND)
                        goto fail;
                /* deleted (or a create rolled back) between the scan and the
                 * lock: nothing to load; its work dir is the sweep's */
                tc_err_free(e);
                drop_made_work_dir(&lock, created);
                goto out;
        }
        /* from here the bundle's row speaks for its work dir too */
        keep(l, id);
        if (!seen.locked) {
                seen.empty = dir_empty(b->fd);
                if (!seen.empty) {
                        r = record_state(l->m, ns, id, &e);
                        seen.has_record = r == 1;
                        seen.record_unreadable = r < 0;
                }
                mnt = mount_inside(l, b);
                seen.has_mount = mnt != NULL;
                if (!seen.empty && !seen.record_unreadable) {
                        struct tc_err *ce = NULL;

                        /* shimconn_connect reports through *err: never pass NULL */
                        seen.shim_alive = shimconn_connect(&sc, b, l->m->timeout, &ce) == 0;
                        if (ce)
                                log_debug("load %s/%s: shim not alive: %s", ns, id, ce->msg);
                        tc_err_free(ce);
                        /* a shim that did not answer Connect in time is not
                         * asked for Delete and Shutdown (5 s each) either:
                         * the teardown kills it and runs the delete action */
                        if (!seen.shim_alive)
                                shimconn_release(&sc);
                }
        }
        a = load_decide(&seen);
        switch (a) {
        case LOAD_SKIP_BUSY: busy_detail(l, ns, id, detail, sizeof detail); break;
        case LOAD_REMOVE_EMPTY: snprintf(detail, sizeof detail, "empty bundle"); break;
        case LOAD_REMOVE_NO_RECORD: snprintf(detail, sizeof detail, "no container record"); break;
        case LOAD_CLEANUP_DEAD: snprintf(detail, sizeof detail, "shim dead"); break;
        case LOAD_KEEP_LIVE: snprintf(detail, sizeof detail, "shim pid %u", sc.shim_pid); break;
        case LOAD_FAIL_RECORD: goto fail;
        case LOAD_LEAVE_MOUNT:
                snprintf(detail, sizeof detail, "mount point inside, left in place: %s", mnt);
                emit(l, action_word(a), ns, id, detail, true);
                drop_made_work_dir(&lock, created);
                goto out;
        }
        if (a != LOAD_SKIP_BUSY && a != LOAD_KEEP_LIVE && !l->o->dry_run &&
            act(l, b, &sc, a, &e) < 0)
                goto fail;
        emit(l, action_word(a), ns, id, detail, false);
        goto out;
fail:
        keep(l, id);
        emit(l, "error", ns, id, e ? e->msg : "failed", true);
        tc_err_free(e);
        drop_made_work_dir(&lock, created); /* a failed row changes nothing */
out:
        shimconn_release(&sc);
        tasklock_release(&lock);
}

/* A ".ID" bundle left by an interrupted delete: finished unless a command
 * holds ID's lock (then that delete is still running). */
static void visit_hidden(struct loader *l, int state_ns_fd, const char *ns, const char *hidden)
{
        struct tasklock lock = { .ns_fd = -1, .dir_fd = -1 };
        const char *id = hidden + 1;
        struct tc_err *e = NULL;
        struct stat st;
        bool created;
        int r = lock_task(l, ns, id, &lock, &created, &e);

        if (r == 1 && fstatat(state_ns_fd, hidden, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                /* the delete that left it finished it meanwhile */
                drop_made_work_dir(&lock, created);
                tasklock_release(&lock);
                return;
        }
        keep(l, id); /* finishing .ID also takes ID's orphaned work dir */
        if (r == 0) {
                char detail[128];

                busy_detail(l, ns, id, detail, sizeof detail);
                emit(l, "skip", ns, hidden, detail, false);
        } else if (r < 0 || (!l->o->dry_run && bundle_finish_hidden(&l->m->roots, ns, hidden, &e) < 0)) {
                emit(l, "error", ns, hidden, e ? e->msg : "failed", true);
        } else {
                emit(l, "remove", ns, hidden, "half-deleted bundle", false);
        }
        tc_err_free(e);
        tasklock_release(&lock);
}

static const char *mount_in_work_dir(const struct loader *l, const char *ns, const char *id)
{
        char dir[PATH_MAX];
        size_t n = strlen(l->m->roots.root_path);

        while (n > 0 && l->m->roots.root_path[n - 1] == '/')
                n--;
        (void) snprintf(dir, sizeof dir, "%.*s/tasks/%s/%s", (int) n, l->m->roots.root_path, ns,
                        id);
        return mounts_find_under(&l->mounts, dir);
}

/* Whether NS/ID has a bundle now (under its task lock). STATE/tasks/NS may
 * not have existed when the scan of NS began and have been made since by the
 * create of NS's first task: then look it up by path. */
static bool bundle_exists_now(const struct loader *l, int state_ns_fd, const char *ns,
                              const char *id)
{
        char path[PATH_MAX];
        struct stat st;

        if (state_ns_fd >= 0)
                return fstatat(state_ns_fd, id, &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (l->m->roots.state_fd >= 0) {
                (void) snprintf(path, sizeof path, "tasks/%s/%s", ns, id);
                return fstatat(l->m->roots.state_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
        }
        (void) snprintf(path, sizeof path, "%s/tasks/%s/%s", l->m->roots.state_path, ns, id);
        return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A non-directory (a symlink, a file) at a work dir's name with no bundle:
 * the entry itself is removed, never what it points to, as cleanup does.
 * Returns whether NAME was such an entry. */
static bool sweep_non_dir(struct loader *l, int ns_fd, int state_ns_fd, const char *ns,
                          const char *name)
{
        struct stat st;
        char msg[256];

        if (fstatat(ns_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode) ||
            bundle_exists_now(l, state_ns_fd, ns, name))
                return false;
        if (!l->o->dry_run && unlinkat(ns_fd, name, 0) < 0 && errno != ENOENT) {
                (void) snprintf(msg, sizeof msg, "remove: %s", strerror(errno));
                emit(l, "error", ns, name, msg, true);
        } else {
                emit(l, "remove", ns, name, "not a directory", false);
        }
        return true;
}

/* cleanupWorkDirs: every work dir of NS whose task was not kept. A bundle
 * that appeared after the bundle scan (a create that finished meanwhile) is
 * checked for under the lock: its work dir is not an orphan. */
static void sweep_work_dirs(struct loader *l, int state_ns_fd, const char *ns)
{
        _cleanup_close_ int tasks_fd = -1, ns_fd = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dfd;

        if (fs_open_dir(l->m->roots.root_fd, "tasks", false, 0, &tasks_fd, NULL) < 0 ||
            fs_open_dir(tasks_fd, ns, false, 0, &ns_fd, NULL) < 0)
                return;
        dfd = fcntl(ns_fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0 || !(d = fdopendir(dfd))) {
                if (dfd >= 0)
                        (void) close(dfd);
                emit(l, "error", ns, "-", "cannot read the work dirs", true);
                return;
        }
        while ((de = readdir(d))) {
                struct tasklock lock = { .ns_fd = -1, .dir_fd = -1 };
                _cleanup_free_ char *mnt = NULL;
                struct tc_err *e = NULL;
                const char *m;
                int r;

                if (de->d_name[0] == '.' || !ident_valid(de->d_name) || kept(l, de->d_name))
                        continue;
                if (sweep_non_dir(l, ns_fd, state_ns_fd, ns, de->d_name))
                        continue;
                r = tasklock_try(ns_fd, de->d_name, &lock, &e);
                if (r == 1 && bundle_exists_now(l, state_ns_fd, ns, de->d_name)) {
                        tasklock_release(&lock);
                        continue;
                }
                if (r == 0) {
                        char detail[128];

                        busy_detail(l, ns, de->d_name, detail, sizeof detail);
                        emit(l, "skip", ns, de->d_name, detail, false);
                } else if (r < 0) {
                        if (e->kind != TC_NOT_FOUND)
                                emit(l, "error", ns, de->d_name, e->msg, true);
                } else if ((m = mount_in_work_dir(l, ns, de->d_name))) {
                        char detail[PATH_MAX + 64];

                        (void) snprintf(detail, sizeof detail,
                                        "mount point inside, left in place: %s", m);
                        emit(l, "left", ns, de->d_name, detail, true);
                } else if (l->o->dry_run) {
                        emit(l, "remove", ns, de->d_name, "work dir without a task", false);
                } else if (tasklock_remove_dir(&lock, &mnt, &e) < 0) {
                        emit(l, mnt ? "left" : "error", ns, de->d_name, e->msg, true);
                } else {
                        emit(l, "remove", ns, de->d_name, "work dir without a task", false);
                }
                tc_err_free(e);
                tasklock_release(&lock);
        }
}

static int ns_failed(struct loader *l, const char *ns, int sys, const char *what)
{
        char msg[256];

        (void) snprintf(msg, sizeof msg, "%s bundles of %s: %s", what, ns, strerror(sys));
        emit(l, "error", ns, "-", msg, true);
        return 0;
}

static int load_ns(struct loader *l, int state_tasks_fd, const char *ns, struct tc_err **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd = state_tasks_fd < 0 ? -1
                                    : openat(state_tasks_fd, ns,
                                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        forget_kept(l);
        if (fd < 0 && state_tasks_fd >= 0 && errno != ENOENT) {
                /* one broken namespace is an item: reported, the others go on;
                 * its work dirs stay, since its bundles are unknown */
                return ns_failed(l, ns, errno, "open");
        }
        if (fd >= 0 && !(d = fdopendir(fd))) {
                int sys = errno;

                (void) close(fd);
                return ns_failed(l, ns, sys, "read");
        }
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.') {
                        if (ident_valid(de->d_name + 1))
                                visit_hidden(l, dirfd(d), ns, de->d_name);
                } else if (ident_valid(de->d_name)) {
                        visit_bundle(l, ns, de->d_name);
                }
        }
        sweep_work_dirs(l, d ? dirfd(d) : -1, ns);
        return 0;
}

/* The namespaces to visit: those with bundles or with work dirs. */
static int for_each_ns(struct loader *l, int state_tasks_fd, struct tc_err **err)
{
        _cleanup_close_ int tasks_fd = -1;
        const int dirs[2] = { state_tasks_fd, -1 };
        char **seen = NULL;
        size_t n_seen = 0;
        int r = 0;

        (void) fs_open_dir(l->m->roots.root_fd, "tasks", false, 0, &tasks_fd, NULL);
        for (int i = 0; i < 2 && r == 0; i++) {
                int fd = i == 0 ? dirs[0] : tasks_fd;
                _cleanup_closedir_ DIR *d = NULL;
                struct dirent *de;
                int dfd = fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);

                if (dfd < 0 || !(d = fdopendir(dfd))) {
                        if (dfd >= 0)
                                (void) close(dfd);
                        continue;
                }
                while (r == 0 && (de = readdir(d))) {
                        bool dup = false;
                        char **ns;

                        if (de->d_name[0] == '.' || !ident_valid(de->d_name))
                                continue;
                        for (size_t k = 0; k < n_seen; k++)
                                dup = dup || strcmp(seen[k], de->d_name) == 0;
                        if (dup || !(ns = realloc(seen, (n_seen + 1) * sizeof *seen)))
                                continue;
                        seen = ns;
                        if (!(seen[n_seen] = strdup(de->d_name)))
                                continue;
                        r = load_ns(l, state_tasks_fd, seen[n_seen++], err);
                }
        }
        for (size_t k = 0; k < n_seen; k++)
                free(seen[k]);
        free(seen);
        return r;
}

int load_run(const struct taskmgr *m, const struct load_opts *o, scan_row_fn fn, void *user,
             unsigned *ret_failed, struct tc_err **err)
{
        struct loader l = { .m = m, .o = o, .fn = fn, .user = user };
        _cleanup_close_ int state_tasks_fd = -1;
        int r;

        (void) fs_open_dir(m->roots.state_fd, "tasks", false, 0, &state_tasks_fd, NULL);
        if (mounts_load("", &l.mounts, err) < 0)
                return tc_wrap(err, "mounts");
        r = o->all_namespaces ? for_each_ns(&l, state_tasks_fd, err)
                              : load_ns(&l, state_tasks_fd, m->ns, err);
        forget_kept(&l);
        mounts_release(&l.mounts);
        *ret_failed = l.failed;
        return r;
}
