/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "core/base/err.h"

/* One output row of load or cleanup: ACTION NAMESPACE ID DETAIL. */
struct scan_row {
        const char *action; /* remove, keep, skip, left, error (cleanup); see load.h */
        const char *ns;
        const char *id;
        const char *detail;
        bool failed; /* counts towards exit 1 */
};
typedef void (*scan_row_fn)(const struct scan_row *row, void *user);

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
