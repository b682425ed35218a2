/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "core/base/err.h"
#include "core/scanrow.h"
#include "core/taskmgr.h"

/* What load does with one bundle: containerd's loadExistingTasks decisions as
 * a pure function of what it saw (tested table-driven). */
enum load_action {
        LOAD_SKIP_BUSY,      /* a create/delete holds the task lock */
        LOAD_REMOVE_EMPTY,   /* an empty bundle dir */
        LOAD_REMOVE_NO_RECORD, /* the container record is gone */
        LOAD_CLEANUP_DEAD,   /* the shim does not answer */
        LOAD_KEEP_LIVE,      /* loaded */
        LOAD_FAIL_RECORD,    /* the container record is unreadable: reported, untouched */
        LOAD_LEAVE_MOUNT,    /* would be removed, but a mount point is inside: left */
        LOAD_SKIP_SLOW,      /* the shim did not answer but is not proven dead: left */
        LOAD_REMOVE_NO_TASK, /* the shim answers but holds no container (create interrupted) */
};
struct load_seen {
        bool locked; /* by someone else */
        bool empty;
        bool has_record;
        bool record_unreadable; /* there, but cannot be read or parsed */
        bool shim_alive;
        /* not alive, yet not proven dead: Connect timed out, or the process
         * at shim.pid is still our shim (core/shimconn.h) */
        bool shim_not_answering;
        /* alive, but the shim says it holds no container of this ID */
        bool shim_no_task;
        bool has_mount; /* in the work dir, or in the bundle outside rootfs/ */
};
enum load_action load_decide(const struct load_seen *s);

struct load_opts {
        bool all_namespaces; /* else M->ns only */
        bool dry_run;
        unsigned parallel; /* bundles visited at once (0, 1: one at a time) */
        double deadline;   /* timefmt_mono() bound on the whole run, 0: none */
};

/* containerd's loadExistingTasks for the namespace(s) of M: every bundle is
 * visited and acted on (rows: load, remove, cleanup, skip, left, error), then
 * the work dirs with no loaded task are removed. --dry-run prints the same rows
 * and changes nothing; in a dry run M's root_fd or state_fd may be -1 (that
 * directory does not exist: no records, work dirs or bundles). *ret_failed
 * counts failed rows. Bundles are visited by up to O->parallel workers, each on
 * its own shim deadlines (M->timeout, never beyond O->deadline); the rows come
 * in the order of a sequential run. A bundle not started by O->deadline gets a
 * "skip ... deadline exceeded" row (its work dir stays), a namespace's work-dir
 * sweep is not run once it has passed, and *ret_skipped counts both. */
int load_run(const struct taskmgr *m, const struct load_opts *o, scan_row_fn fn, void *user,
             unsigned *ret_failed, unsigned *ret_skipped, struct tc_err **err);
