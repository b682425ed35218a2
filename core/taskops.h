/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Operating a running task (issue 10): stop, pause, resume, ps, stats,
 * update. Each is one connection to the task's shim, in M's namespace. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/stats.h"
#include "core/taskapi.h"
#include "core/taskmgr.h"

/* stop: what happened */
struct task_stopped {
        struct task_exit exit;
        bool already;  /* it had exited before we signalled it */
        bool killed;   /* the grace time passed: SIGKILL */
};

/* SIGNAL to the init process (a paused task is resumed so that it gets it),
 * wait up to GRACE seconds, then SIGKILL to every process and wait up to
 * m->timeout. A task that has exited already is a success. */
int taskops_stop(const struct taskmgr *m, const char *id, int signal, double grace,
                 struct task_stopped *ret, struct tc_err **err);
int taskops_pause(const struct taskmgr *m, const char *id, struct tc_err **err);
int taskops_resume(const struct taskmgr *m, const char *id, struct tc_err **err);
/* The shim's Pids: a malloc'd array (NULL when empty). */
int taskops_ps(const struct taskmgr *m, const char *id, struct taskapi_process **ret,
               size_t *ret_n, struct tc_err **err);
int taskops_stats(const struct taskmgr *m, const char *id, struct task_stats *ret,
                  struct tc_err **err);

/* update: what to change; a field not HAS_ is left as it is */
struct task_resources {
        bool has_memory, has_cpus, has_pids;
        int64_t memory;     /* bytes */
        double cpus;        /* CPUs: quota = cpus * period */
        int64_t pids_limit; /* -1: no limit */
};
#define TASKOPS_CPU_PERIOD 100000 /* microseconds, as docker's --cpus */
/* The OCI LinuxResources JSON for R (malloc'd; NULL when out of memory). Pure. */
char *taskops_resources_json(const struct task_resources *r);
int taskops_update(const struct taskmgr *m, const char *id, const struct task_resources *r,
                   struct tc_err **err);
