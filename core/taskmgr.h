/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/base/timefmt.h"
#include "core/bundle.h"

struct record;

/* containerd's runtime v2 TaskManager for one namespace, daemonless: every
 * call does its work and returns; what a daemon would keep in memory is read
 * back from the bundle (address, shim.pid, shim-binary-path). */
struct taskmgr {
        struct bundle_roots roots; /* STATE and ROOT, opened by the caller */
        const char *ns;
        double timeout;      /* bound on each shim interaction and lock wait */
        bool wait_unbounded; /* wait: no deadline (no --timeout given) */
};

struct task_create_req {
        const char *id;
        struct record *new_record; /* --spec given: create this record first (rolled back) */
        const char *rootfs;        /* --rootfs DIR (absolute), bind-mounted on bundle/rootfs */
        const char *stdin_path;    /* absolute or NULL */
        const char *stdout_path;   /* absolute or NULL: /dev/null */
        const char *stderr_path;
        bool terminal;      /* process.terminal = true; the shim makes the pty */
        /* interactive (issue 9): a stream with no path above goes to the
         * task's log through a FIFO and the log helper (core/stdio.h) */
        bool stdin_fifo;    /* a stdin FIFO in the bundle (run -i/-t, create -i) */
        long long log_max;  /* bytes per log file; 0: LOGFILE_DEFAULT_MAX */
        const char *self_exe; /* our executable, run as the log helper */
};

/* What get and list report of a task. Strings are owned. */
struct task_info {
        char *id;
        char *ns;
        uint32_t pid;
        const char *status; /* created|running|stopped|paused|pausing|unknown */
        bool exited;
        uint32_t exit_status;
        char exited_at[TIMEFMT_LEN];
        char *bundle;
        char *runtime;
        char *stdin_path, *stdout_path, *stderr_path;
        char *address;
        uint32_t shim_pid;
        char *error; /* status unknown: why */
};
void task_info_release(struct task_info *t);

/* Exit status as delete reports it: observed, or unknown (dead shim). */
struct task_exit {
        uint32_t pid; /* the task's init pid, 0 if unknown */
        bool known;
        uint32_t status;
        char at[TIMEFMT_LEN];
};

int taskmgr_create(const struct taskmgr *m, const struct task_create_req *req,
                   struct task_info *ret, struct tc_err **err);
int taskmgr_start(const struct taskmgr *m, const char *id, uint32_t *ret_pid, struct tc_err **err);
/* The state from the shim. A shim that does not answer: TC_UNAVAILABLE. */
int taskmgr_get(const struct taskmgr *m, const char *id, struct task_info *ret,
                struct tc_err **err);
int taskmgr_kill(const struct taskmgr *m, const char *id, int signal, bool all,
                 struct tc_err **err);
int taskmgr_wait(const struct taskmgr *m, const char *id, struct task_exit *ret,
                 struct tc_err **err);
/* TaskManager.Delete; a running task without FORCE: TC_FAILED_PRECONDITION. */
int taskmgr_delete(const struct taskmgr *m, const char *id, bool force, struct task_exit *ret,
                   struct tc_err **err);
/* Whether the task (its bundle) exists. */
bool taskmgr_exists(const struct taskmgr *m, const char *id);

/* Every task of the namespace (NS NULL: every namespace). A task whose shim does
 * not answer is reported as "unknown", never dropped. FN gets each one, sorted
 * by namespace, then ID (bytewise, as ctr t ls). */
typedef int (*taskmgr_list_fn)(const struct task_info *t, void *user, struct tc_err **err);
struct taskmgr_list_opts {
        bool all_namespaces;
        unsigned parallel; /* shims asked at once (0, 1: one at a time) */
        double deadline;   /* timefmt_mono() bound on the whole list, 0: none */
};
/* The shims are asked by up to O->parallel workers, FN called in readdir order
 * (as a sequential run). Tasks not asked by O->deadline are listed as unknown
 * ("deadline exceeded"), then TC_DEADLINE_EXCEEDED is returned. */
int taskmgr_list(const struct taskmgr *m, const struct taskmgr_list_opts *o, taskmgr_list_fn fn,
                 void *user, struct tc_err **err);
