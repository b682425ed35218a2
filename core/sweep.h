/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "core/base/err.h"
#include "core/mounts.h"
#include "core/scanrow.h"

/* containerd's cleanupWorkDirs, owned once: the sweep of ROOT/tasks/NS that
 * removes every work dir whose task has no bundle, each under its task lock
 * (see docs/locking.md). `taskctl cleanup` runs it on its own (cleanup_run);
 * `taskctl load` runs it after its bundle scan, passing the IDs it loaded. */

/* What cleanup does with one work dir: containerd's cleanupWorkDirs, as a pure
 * function of what the scan saw (tested table-driven). */
enum cleanup_action {
        CLEANUP_KEEP_BUNDLE, /* its task has a bundle */
        CLEANUP_KEEP_RECENT, /* modified within --older-than */
        CLEANUP_SKIP_BUSY,   /* a create/delete/load holds the task lock */
        CLEANUP_LEAVE_MOUNT, /* a mount point inside: never removed through */
        CLEANUP_REMOVE,
};
struct cleanup_seen {
        bool has_bundle;
        bool locked; /* by someone else */
        bool has_mount;
        double age;        /* seconds since the work dir was modified */
        double older_than; /* 0: no age limit */
};
enum cleanup_action cleanup_decide(const struct cleanup_seen *s);

struct cleanup_opts {
        const char *ns; /* NULL: every namespace (-A) */
        bool dry_run;
        double older_than;
        /* STATE as given, for the re-check under the lock when STATE did
         * not exist at the start (state_fd -1); NULL: no re-check by path */
        const char *state_path;
};

/* Visits ROOT/tasks/NS/ID for the namespace(s), emits one row per work dir
 * and removes the orphans (unless dry_run: same rows, nothing touched).
 * STATE_FD may be -1 when the state dir does not exist (no bundles at all).
 * *ret_failed counts the rows that failed. */
int cleanup_run(int root_fd, int state_fd, const struct cleanup_opts *o, scan_row_fn fn,
                void *user, unsigned *ret_failed, struct tc_err **err);

/* One sweep of work dirs. Rows: keep, skip, left, remove, error. */
struct sweep {
        struct scan_sink *out;
        int state_fd;           /* STATE, -1 when it does not exist */
        const char *state_path; /* STATE as given, for the re-check by path; NULL: none */
        const char *tasks_path; /* absolute ROOT/tasks, as the mount table spells it */
        const struct mounts *mounts;
        bool dry_run;           /* the same rows, nothing touched */
        double older_than;      /* 0: no age limit */
        const char *remove_detail; /* the detail of a remove row */
        /* load's sweep: the IDs it loaded or must leave are not visited, and a
         * work dir with a bundle, or with a name that is no task ID, is passed
         * over without a row. NULL for cleanup. */
        bool (*kept)(const char *id, void *user);
        void *kept_user;
};

/* Visits every work dir TASKS_FD/NS/ID. A namespace without work dirs is no
 * error; one that cannot be opened is an error row; -1 when it cannot be read. */
int sweep_ns(const struct sweep *s, int tasks_fd, const char *ns, struct tc_err **err);
