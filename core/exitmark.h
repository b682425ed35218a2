/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/base/err.h"

struct bundle;
struct taskapi_exit;

/* A task's exit, recorded in the event log once, with the shim's own exit
 * time, by whichever taskctl command observes it first (get, list, wait,
 * kill, stop, delete, load, or an `events --follow` watching the task). */
struct exitmark {
        const char *ns;
        const char *id;
        uint32_t pid;
        bool known;         /* false: "exit_status": null (nobody observed it) */
        uint32_t status;
        const char *at;     /* RFC 3339, the shim's exited_at; NULL or "": now */
        const char *detail; /* NULL for none */
};

/* The marker in the bundle (STATE/tasks/NS/ID/EXITMARK_FILE) that says the
 * exit is in the log: created with O_EXCL, so that of two commands observing
 * the exit at once exactly one records it; it goes with the bundle. */
#define EXITMARK_FILE "exit-recorded"

/* Records X unless it was already: under the event log's lock, creates the
 * marker in BUNDLE_FD and appends /tasks/exit to ROOT_FD's event log,
 * preceded by /tasks/oom when the status is 137 and the task's memory cgroup
 * counted an OOM kill (events_append_once). Returns 1 if this call recorded
 * it, 0 if another had (or the bundle is being deleted: its deleter records
 * it), -1 on error. */
int exitmark_record(int root_fd, int bundle_fd, const struct exitmark *x, double timeout,
                    struct tc_err **err);

/* Whether the exit of the task in BUNDLE_FD is recorded already. */
bool exitmark_done(int bundle_fd);

/* OOM kills counted by the memory cgroup of the task in BUNDLE_FD (its
 * config.json's absolute linux.cgroupsPath): cgroup v1 memory.oom_control, v2
 * memory.events, "oom_kill N". -1 when unknown (no such cgroup any more, a
 * systemd-style path, an old kernel). CGROUP_ROOT: NULL for /sys/fs/cgroup. */
long exitmark_oom_kills(int bundle_fd, const char *cgroup_root);

/* The N of the "oom_kill N" line of TEXT, or -1. Pure, for tests. */
long exitmark_parse_oom_kill(const char *text);

/* exitmark_record() for the task of bundle B from what the shim said (EX;
 * NULL: nobody observed the status, the shim died). A failure is logged as a
 * warning: the command that observed the exit did its own job. */
void exitmark_note(int root_fd, const struct bundle *b, uint32_t pid,
                   const struct taskapi_exit *ex, const char *detail, double timeout);
