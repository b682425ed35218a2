/* SPDX-License-Identifier: Apache-2.0 */
/* containerd's TaskManager.loadExistingTasks + cleanupWorkDirs as one command,
 * safe next to any other: a task whose lock is held is never touched. */
#include "core/load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/dir.h"
#include "core/base/flock.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/log.h"
#include "core/base/pool.h"
#include "core/base/timefmt.h"
#include "core/bundle.h"
#include "core/events.h"
#include "core/exitmark.h"
#include "core/mounts.h"
#include "core/shimconn.h"
#include "core/sweep.h"
#include "core/taskio.h"
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
                return LOAD_FAIL_RECORD; /* reported and skipped: never removed */
        else if (!s->shim_alive && s->shim_not_answering)
                return LOAD_SKIP_SLOW; /* slow is not dead: never killed */
        else if (!s->has_record)
                a = LOAD_REMOVE_NO_RECORD;
        else if (!s->shim_alive)
                a = LOAD_CLEANUP_DEAD;
        else if (s->shim_no_task)
                a = LOAD_REMOVE_NO_TASK;
        else
                return LOAD_KEEP_LIVE;
        /* never removed through a mount point: left before anything is done,
         * so that --dry-run can tell */
        return s->has_mount ? LOAD_LEAVE_MOUNT : a;
}

struct loader {
        const struct taskmgr *m;
        const struct load_opts *o;
        struct scan_sink out;
        bool unavailable; /* a failed row was a missing shim binary: exit 6 */
        struct mounts mounts; /* every mount point, read once */
        char **kept; /* IDs whose work dir stays (loaded, busy, failed) */
        size_t n_kept;
        unsigned skipped; /* bundles (and sweeps) not visited: the deadline passed */
};

static void emit(struct loader *l, const char *action, const char *ns, const char *id,
                 const char *detail, bool failed)
{
        scan_emit(&l->out, action, ns, id, detail, failed);
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

static bool kept(const char *id, void *user)
{
        const struct loader *l = user;

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

        if (dir_open_dup(fd, &d) < 0)
                return false;
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
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        if (m->roots.root_fd < 0)
                return 0; /* a dry run without ROOT: no records at all */
        if (store_open(m->roots.root_fd, ns, false, m->timeout, &s, &e) == 0 &&
            store_get(s, id, &rec, &e) == 0)
                return 1;
        if (tc_err_is(e, TC_NOT_FOUND))
                return 0;
        return tc_err_pass(err, &e, "container record");
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
 * with the task, or by tasklock_release_unused when it turns out not to be
 * needed); in a dry run only probing an existing one. 1 locked, 0 busy. */
static int lock_task(struct loader *l, const char *ns, const char *id, struct tasklock *lock,
                     struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_close_ int tasks_fd = -1, ns_fd = -1;
        int r;

        if (!l->o->dry_run) {
                r = tasklock_take(l->m->roots.root_fd, ns, id, 0, lock, NULL, &e);
                if (r == 0)
                        return 1;
                return tc_err_is(e, TC_DEADLINE_EXCEEDED) ? 0 : tc_err_move(err, &e);
        }
        if (fs_open_dir(l->m->roots.root_fd, "tasks", false, 0, &tasks_fd, NULL) < 0 ||
            fs_open_dir(tasks_fd, ns, false, 0, &ns_fd, NULL) < 0)
                return 1; /* no work dir: nobody can hold its lock */
        r = tasklock_try(ns_fd, id, lock, &e);
        if (r < 0)
                return tc_err_is(e, TC_NOT_FOUND) ? 1 : tc_err_move(err, &e);
        return r;
}

static void event_dead(const struct taskmgr *m, const char *ns, const char *id, uint32_t pid)
{
        struct event ev = { .ns = ns, .id = id, .pid = pid,
                            .detail = "shim dead: exit status unknown" };
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        /* the exit itself was recorded before the bundle went (exitmark_note) */
        ev.topic = EVENT_TASK_DELETE;
        (void) events_append(m->roots.root_fd, &ev, m->timeout, &e);
        if (e)
                log_warn("%s", e->msg);
}

/* A live shim whose task has exited: load is one of the exit's observers. */
static void note_stopped(const struct loader *l, const struct bundle *b, struct shimconn *sc)
{
        struct taskapi_state st = { 0 };

        if (!l->o->dry_run &&
            taskapi_state(&sc->api, b->id, timefmt_mono() + l->m->timeout, &st, NULL) == 0 &&
            st.status == TASKAPI_STATUS_STOPPED && st.exit.exited)
                exitmark_note(l->m->roots.root_fd, b, st.pid, &st.exit, NULL, l->m->timeout);
        taskapi_state_release(&st);
}

/* A bundle without its container record whose shim still answers: the task
 * is killed and waited for, so that the shim's Delete (which the real shim
 * refuses for a running task) succeeds and its Shutdown is obeyed. True when
 * the shim deleted the task itself. */
static bool stop_orphan_task(struct shimconn *sc, double timeout)
{
        struct taskapi_deleted del;
        struct taskapi_exit ex;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        /* a task that is not running refuses the kill: wait and Delete still apply */
        (void) taskapi_kill(&sc->api, sc->id, SIGKILL, true, timefmt_mono() + timeout, NULL);
        if (taskapi_wait(&sc->api, sc->id, timefmt_mono() + timeout, &ex, &e) < 0 ||
            taskapi_delete(&sc->api, sc->id, timefmt_mono() + timeout, &del, &e) < 0) {
                log_info("task %s without a record: %s", sc->id, e->msg);
                return false;
        }
        return true;
}

/* The shim binary B records (shim-binary-path) is gone: its delete action,
 * which ends what a dead shim left running, cannot run. */
static bool shim_binary_missing(const struct bundle *b, struct tc_err **err)
{
        _cleanup_free_ char *binary = NULL;

        if (shim_read_binary_path(b->fd, &binary, NULL) < 0 || access(binary, X_OK) == 0)
                return false;
        (void) tc_fail_sys(err, TC_UNAVAILABLE, errno, "shim binary %s", binary);
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
        clean = a == LOAD_REMOVE_NO_RECORD && sc->conn && stop_orphan_task(sc, BOUND_LOAD_TEARDOWN);
        shimconn_teardown(sc, b, binary, clean, &TEARDOWN_BOUNDS_LOAD);
        taskio_release(b, BOUND_LOG_HELPER); /* the task's log helper (core/taskio.h) */
        /* an exit nobody recorded yet: its status died with the shim */
        if (a == LOAD_CLEANUP_DEAD)
                exitmark_note(l->m->roots.root_fd, b, pid, NULL, "shim dead: exit status unknown",
                              l->m->timeout);
        if (bundle_delete(b, err) < 0)
                return -1;
        if (a == LOAD_CLEANUP_DEAD)
                event_dead(l->m, b->ns, b->id, pid);
        return 0;
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

/* What load saw of one bundle, and what it holds while deciding. */
struct observed {
        struct load_seen seen;
        struct tasklock lock;
        struct bundle *b;
        struct shimconn sc;
        const char *mnt; /* the mount point inside, if any */
};

/* A create SIGKILLed between the shim's start and its Create leaves a shim
 * with no container: Connect names no task pid, and State says not found. */
static bool shim_holds_no_task(struct loader *l, struct observed *o)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        struct taskapi_state st = { 0 };
        int r;

        if (o->sc.task_pid != 0)
                return false;
        r = taskapi_state(&o->sc.api, o->b->id, timefmt_mono() + l->m->timeout, &st, &e);
        taskapi_state_release(&st);
        return r < 0 && tc_err_is(e, TC_NOT_FOUND);
}

/* Asks the shim whether it is alive (Connect). A shim that does not answer
 * counts as dead only when its process is gone or proven not to be ours: one
 * whose Connect timed out, or whose recorded pid is still our shim, is left. */
static void probe_shim(struct loader *l, struct observed *o)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        int pid = 0;

        /* shimconn_connect reports through *err: never pass NULL */
        o->sc.locked = true; /* we hold the task lock: it may write shim.pid */
        o->seen.shim_alive = shimconn_connect(&o->sc, o->b, l->m->timeout, &e) == 0;
        if (e)
                log_debug("load %s/%s: shim not alive: %s", o->b->ns, o->b->id, e->msg);
        if (o->seen.shim_alive) {
                o->seen.shim_no_task = shim_holds_no_task(l, o);
                note_stopped(l, o->b, &o->sc);
                return;
        }
        if (bundle_read_shim_pid(o->b, &pid, NULL) < 0)
                pid = 0;
        o->seen.shim_not_answering =
                o->sc.hung || tc_err_is(e, TC_DEADLINE_EXCEEDED) ||
                (pid > 0 && shimconn_pid_is_ours(&o->sc, pid, bundle_read_shim_start(o->b)));
        if (o->seen.shim_not_answering && !o->sc.shim_pid && pid > 0)
                o->sc.shim_pid = (uint32_t) pid;
        shimconn_release(&o->sc);
}

/* Fills O with the facts about bundle NS/ID, changing nothing (apart from
 * taking its lock). 1: observed, 0: the bundle is gone (nothing to load),
 * -1: failed (*err). */
static int observe(struct loader *l, const char *ns, const char *id, struct observed *o,
                   struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        int r = lock_task(l, ns, id, &o->lock, err);

        if (r < 0)
                return -1;
        o->seen.locked = r == 0;
        if (o->seen.locked)
                return 1;
        if (bundle_load(&l->m->roots, ns, id, &o->b, &e) < 0)
                /* deleted (or a create rolled back) between the scan and the
                 * lock: nothing to load; its work dir is the sweep's */
                return tc_err_is(e, TC_NOT_FOUND) ? 0 : tc_err_move(err, &e);
        o->seen.empty = dir_empty(o->b->fd);
        if (!o->seen.empty) {
                r = record_state(l->m, ns, id, err);
                o->seen.has_record = r == 1;
                o->seen.record_unreadable = r < 0;
        }
        o->mnt = mount_inside(l, o->b);
        o->seen.has_mount = o->mnt != NULL;
        return 1;
}

/* The row's action word and detail text for decision A. */
static const char *describe(struct loader *l, const char *ns, const char *id, enum load_action a,
                            const struct observed *o, char *detail, size_t size)
{
        switch (a) {
        case LOAD_SKIP_BUSY: busy_detail(l, ns, id, detail, size); return "skip";
        case LOAD_REMOVE_EMPTY: (void) snprintf(detail, size, "empty bundle"); return "remove";
        case LOAD_REMOVE_NO_RECORD:
                (void) snprintf(detail, size, "no container record");
                return "remove";
        case LOAD_CLEANUP_DEAD: (void) snprintf(detail, size, "shim dead"); return "cleanup";
        case LOAD_REMOVE_NO_TASK:
                (void) snprintf(detail, size, "shim pid %u runs no task (create interrupted)",
                                o->sc.shim_pid);
                return "remove";
        case LOAD_KEEP_LIVE: (void) snprintf(detail, size, "shim pid %u", o->sc.shim_pid); return "load";
        case LOAD_LEAVE_MOUNT:
                (void) snprintf(detail, size, "mount point inside, left in place: %s", o->mnt);
                return "left";
        case LOAD_SKIP_SLOW:
                if (o->sc.shim_pid)
                        (void) snprintf(detail, size, "shim pid %u not answering: left for the next run",
                                        o->sc.shim_pid);
                else
                        (void) snprintf(detail, size, "shim not answering: left for the next run");
                return "skip";
        case LOAD_FAIL_RECORD: break;
        }
        return "error";
}

static void visit_bundle(struct loader *l, const char *ns, const char *id)
{
        struct observed o = { .lock = TASKLOCK_NONE };
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        char detail[PATH_MAX + 64] = "";
        enum load_action a = LOAD_FAIL_RECORD;
        const char *word;
        int r;

        shimconn_init(&o.sc, &l->m->roots, ns, id);
        r = observe(l, ns, id, &o, &e);
        if (r == 0)
                goto out;
        /* from here the bundle's row speaks for its work dir too */
        keep(l, id);
        if (r == 1 && !o.seen.locked && !o.seen.empty && !o.seen.record_unreadable)
                probe_shim(l, &o);
        if (r == 1)
                a = load_decide(&o.seen);
        if (a == LOAD_CLEANUP_DEAD && shim_binary_missing(o.b, &e))
                a = LOAD_FAIL_RECORD;
        l->unavailable |= a == LOAD_FAIL_RECORD && e && tc_err_is(e, TC_UNAVAILABLE);
        word = describe(l, ns, id, a, &o, detail, sizeof detail);
        if (a == LOAD_FAIL_RECORD || a == LOAD_LEAVE_MOUNT || a == LOAD_SKIP_SLOW) {
                emit(l, word, ns, id, a != LOAD_FAIL_RECORD ? detail : e ? e->msg : "failed", true);
        } else if (a != LOAD_SKIP_BUSY && a != LOAD_KEEP_LIVE && !l->o->dry_run &&
                   act(l, o.b, &o.sc, a, &e) < 0) {
                a = LOAD_FAIL_RECORD;
                emit(l, "error", ns, id, e->msg, true);
        } else {
                emit(l, word, ns, id, detail, false);
        }
out:
        shimconn_release(&o.sc);
        bundle_free(o.b);
        /* a failed or left row changes nothing */
        tasklock_release_unused(&o.lock, a != LOAD_FAIL_RECORD && a != LOAD_LEAVE_MOUNT &&
                                                 a != LOAD_SKIP_SLOW);
}

/* A ".ID" bundle left by an interrupted delete: finished unless a command
 * holds ID's lock (then that delete is still running). */
static void visit_hidden(struct loader *l, int state_ns_fd, const char *ns, const char *hidden)
{
        _cleanup_(tasklock_release_unusedp) struct tasklock lock = TASKLOCK_NONE;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        const char *id = hidden + 1;
        struct stat st;
        int r = lock_task(l, ns, id, &lock, &e);

        if (r == 1 && fstatat(state_ns_fd, hidden, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return; /* the delete that left it finished it meanwhile */
        lock.made = false; /* finishing .ID also takes ID's orphaned work dir */
        keep(l, id);
        if (r == 0) {
                char detail[128];

                busy_detail(l, ns, id, detail, sizeof detail);
                emit(l, "skip", ns, hidden, detail, false);
        } else if (r < 0 || (!l->o->dry_run && bundle_finish_hidden(&l->m->roots, ns, hidden, &e) < 0)) {
                emit(l, "error", ns, hidden, e ? e->msg : "failed", true);
        } else {
                emit(l, "remove", ns, hidden, "half-deleted bundle", false);
        }
}

/* cleanupWorkDirs (core/sweep.c) for NS: every work dir whose task was not
 * kept. A bundle that appeared after the bundle scan (a create that finished
 * meanwhile) is checked for under the lock: its work dir is not an orphan. */
static void sweep_work_dirs(struct loader *l, const char *ns)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_close_ int tasks_fd = -1;
        _cleanup_free_ char *tasks_path = NULL;
        const char *root = l->m->roots.root_path;
        size_t n = strlen(root);
        struct sweep s = { .out = &l->out, .state_fd = l->m->roots.state_fd,
                           .state_path = l->m->roots.state_path, .mounts = &l->mounts,
                           .dry_run = l->o->dry_run, .remove_detail = "work dir without a task",
                           .kept = kept, .kept_user = l };

        if (fs_open_dir(l->m->roots.root_fd, "tasks", false, 0, &tasks_fd, NULL) < 0)
                return;
        while (n > 0 && root[n - 1] == '/')
                n--;
        if (asprintf(&tasks_path, "%.*s/tasks", (int) n, root) < 0) {
                tasks_path = NULL;
                emit(l, "error", ns, "-", "out of memory", true);
                return;
        }
        s.tasks_path = tasks_path;
        if (sweep_ns(&s, tasks_fd, ns, &e) < 0)
                emit(l, "error", ns, "-", e->msg, true);
}

static int ns_failed(struct loader *l, const char *ns, int sys, const char *what)
{
        char msg[256];

        (void) snprintf(msg, sizeof msg, "%s bundles of %s: %s", what, ns, strerror(sys));
        emit(l, "error", ns, "-", msg, true);
        return 0;
}

/* ---- visiting bundles in parallel, rows in order ---------------------------- */

enum { BATCH_MAX = 1024 }; /* bundles named and held at once */

/* One bundle (or ".ID") as a worker visits it: the worker's loader is a copy
 * of the run's whose rows and kept IDs go to the item, replayed in order. */
struct item {
        char *name;
        ssize_t after; /* the earlier item of the same task ID (ID and .ID), or -1 */
        bool finished;
        struct taskmgr m; /* the run's, with the shim deadline cut to the run's */
        struct loader wl;
        struct scan_row *rows;
        size_t n_rows;
};

struct batch {
        pthread_mutex_t mu; /* guards the items' finished */
        pthread_cond_t finished;
        struct loader *l;
        const char *ns;
        int state_ns_fd;
        struct item items[BATCH_MAX];
        size_t n;
};

static bool past_deadline(const struct loader *l)
{
        return l->o->deadline > 0 && timefmt_mono() >= l->o->deadline;
}

static char *dup_or_empty(const char *s)
{
        return strdup(s ? s : "");
}

static void buffer_row(const struct scan_row *row, void *user)
{
        struct item *it = user;
        struct scan_row *r = realloc(it->rows, (it->n_rows + 1) * sizeof *r);

        if (!r)
                return;
        it->rows = r;
        r[it->n_rows++] = (struct scan_row){ .action = dup_or_empty(row->action), .ns = row->ns,
                                             .id = dup_or_empty(row->id),
                                             .detail = dup_or_empty(row->detail),
                                             .failed = row->failed };
}

/* ID and .ID take the same task lock: the later of the two in the batch waits
 * for the earlier one (handed out first, so running or done), as a sequential
 * run would have it, instead of finding the lock held by itself. */
static void wait_after(struct batch *bt, struct item *it)
{
        if (it->after < 0)
                return;
        pthread_mutex_lock(&bt->mu);
        while (!bt->items[it->after].finished)
                pthread_cond_wait(&bt->finished, &bt->mu);
        pthread_mutex_unlock(&bt->mu);
}

static void item_finished(struct batch *bt, struct item *it)
{
        pthread_mutex_lock(&bt->mu);
        it->finished = true;
        pthread_cond_broadcast(&bt->finished);
        pthread_mutex_unlock(&bt->mu);
}

static void visit_item(void *user, size_t i)
{
        struct batch *bt = user;
        struct item *it = &bt->items[i];
        double left;

        wait_after(bt, it);
        left = bt->l->o->deadline - timefmt_mono();

        it->m = *bt->l->m;
        if (bt->l->o->deadline > 0 && left < it->m.timeout)
                it->m.timeout = left > 0.001 ? left : 0.001;
        it->wl = *bt->l;
        it->wl.m = &it->m;
        it->wl.out = (struct scan_sink){ .fn = buffer_row, .user = it };
        it->wl.kept = NULL;
        it->wl.n_kept = 0;
        if (it->name[0] == '.')
                visit_hidden(&it->wl, bt->state_ns_fd, bt->ns, it->name);
        else
                visit_bundle(&it->wl, bt->ns, it->name);
        item_finished(bt, it);
}

/* Links each item to an earlier one of the same task ID (ID and .ID). */
static void link_same_ids(struct batch *bt)
{
        for (size_t j = 0; j < bt->n; j++) {
                const char *a = bt->items[j].name;

                bt->items[j].after = -1;
                for (size_t i = 0; i < j && a[0] == '.'; i++)
                        if (strcmp(bt->items[i].name, a + 1) == 0)
                                bt->items[j].after = (ssize_t) i;
                for (size_t i = 0; i < j && a[0] != '.'; i++)
                        if (bt->items[i].name[0] == '.' && strcmp(bt->items[i].name + 1, a) == 0)
                                bt->items[j].after = (ssize_t) i;
        }
}

/* Item I's rows and kept IDs into the run, in order; freed. */
static void replay(struct loader *l, struct item *it, bool ran, const char *ns)
{
        const char *id = it->name[0] == '.' ? it->name + 1 : it->name;

        if (!ran) {
                l->skipped++;
                keep(l, id); /* never visited: its work dir is not an orphan */
                emit(l, "skip", ns, it->name, "deadline exceeded", false);
        }
        for (size_t k = 0; k < it->n_rows; k++) {
                struct scan_row *r = &it->rows[k];

                if (r->action && r->id && r->detail)
                        emit(l, r->action, ns, r->id, r->detail, r->failed);
                else
                        emit(l, "error", ns, it->name, "out of memory", true);
                free((char *) r->action);
                free((char *) r->id);
                free((char *) r->detail);
        }
        l->unavailable |= ran && it->wl.unavailable; /* a missing shim binary: exit 6 */
        for (size_t k = 0; k < it->wl.n_kept; k++)
                keep(l, it->wl.kept[k]);
        forget_kept(&it->wl);
        free(it->rows);
        free(it->name);
}

/* Up to BATCH_MAX entries of D visited by the pool, their rows emitted in
 * order. *RET_MORE: the last entry read (NULL at the end of D). */
static int visit_batch(struct loader *l, const char *ns, DIR *d, struct dirent **ret_more)
{
        _cleanup_free_ struct batch *bt = calloc(1, sizeof *bt);
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        struct pool *p = NULL;
        struct dirent *de = NULL;

        if (!bt) {
                emit(l, "error", ns, "-", "out of memory", true);
                return -1;
        }
        *bt = (struct batch){ .mu = PTHREAD_MUTEX_INITIALIZER,
                              .finished = PTHREAD_COND_INITIALIZER,
                              .l = l, .ns = ns, .state_ns_fd = dirfd(d) };
        while (bt->n < BATCH_MAX && (de = readdir(d))) {
                const char *id = de->d_name[0] == '.' ? de->d_name + 1 : de->d_name;

                if (ident_valid(id) && (bt->items[bt->n].name = strdup(de->d_name)))
                        bt->n++;
        }
        *ret_more = de;
        link_same_ids(bt);
        if (pool_start(bt->n, l->o->parallel, l->o->deadline, visit_item, bt, &p, &e) < 0) {
                emit(l, "error", ns, "-", e->msg, true);
                for (size_t i = 0; i < bt->n; i++)
                        free(bt->items[i].name);
                return -1;
        }
        for (size_t i = 0; i < bt->n; i++) {
                bool ran = pool_wait(p, i);

                if (!ran)
                        item_finished(bt, &bt->items[i]); /* nobody waits on a skipped one */
                replay(l, &bt->items[i], ran, ns);
        }
        pool_free(p);
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
        while (d && visit_batch(l, ns, d, &de) == 0 && de)
                ;
        if (!past_deadline(l))
                sweep_work_dirs(l, ns);
        else
                l->skipped++; /* the namespace's sweep counts as an item not visited */
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
             unsigned *ret_failed, unsigned *ret_skipped, struct tc_err **err)
{
        struct loader l = { .m = m, .o = o, .out = { .fn = fn, .user = user } };
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_close_ int state_tasks_fd = -1;
        int r;

        /* only a missing STATE/tasks means "no bundles": any other error stops
         * load before it could take live tasks for orphans */
        if (m->roots.state_fd >= 0 &&
            fs_open_dir(m->roots.state_fd, "tasks", false, 0, &state_tasks_fd, &e) < 0 &&
            !tc_err_is(e, TC_NOT_FOUND))
                return tc_err_pass(err, &e, "STATE %s", m->roots.state_path);
        if (mounts_load("", &l.mounts, err) < 0)
                return tc_wrap(err, "mounts");
        r = o->all_namespaces ? for_each_ns(&l, state_tasks_fd, err)
                              : load_ns(&l, state_tasks_fd, m->ns, err);
        forget_kept(&l);
        mounts_release(&l.mounts);
        *ret_failed = l.out.failed;
        if (r == 0 && l.unavailable)
                r = tc_fail(err, TC_UNAVAILABLE, "%u item%s failed", l.out.failed,
                            l.out.failed == 1 ? "" : "s");
        *ret_skipped = l.skipped;
        return r;
}
