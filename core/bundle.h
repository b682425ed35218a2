/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

/* The two roots, opened once by the CLI. The paths are absolute and canonical:
 * they end up in the `work` link, in the shim's -bundle and in Create. */
struct bundle_roots {
        int state_fd;           /* STATE */
        int root_fd;            /* ROOT */
        const char *state_path;
        const char *root_path;
};

/* A task's bundle STATE/tasks/NS/ID and its work dir ROOT/tasks/NS/ID.
 * Every function here expects the caller to hold task_lock(NS, ID). */
struct bundle {
        char *ns;
        char *id;
        char *path;      /* STATE/tasks/NS/ID: the shim's cwd, -bundle, Create's bundle */
        char *work_path; /* ROOT/tasks/NS/ID */
        int fd;          /* the bundle directory */
        int ns_fd;       /* STATE/tasks/NS */
        int work_ns_fd;  /* ROOT/tasks/NS; -1 if it does not exist */
};

/* containerd's NewBundle, daemonless: bundle (0700; parents 0711) with
 * config.json = the OCI spec (0600), rootfs/ (0711), `work` -> the work dir (made
 * fresh, 0711: a stale one is removed first), and `log`, the empty regular file
 * the shim daemon opens as its stderr. NS and ID are checked before any path
 * is made. An existing bundle is TC_ALREADY_EXISTS. On failure nothing that
 * this call made is left. */
int bundle_new(const struct bundle_roots *r, const char *ns, const char *id, const char *spec,
               size_t spec_len, struct bundle **ret, struct tc_err **err);

/* containerd's LoadBundle: opens an existing bundle (TC_NOT_FOUND if none). */
int bundle_load(const struct bundle_roots *r, const char *ns, const char *id, struct bundle **ret,
                struct tc_err **err);

/* containerd's Bundle.Delete: unmount everything under rootfs (deepest first),
 * rmdir rootfs, rename the bundle to ".ID" and remove it (a ".ID" left by an
 * older interrupted delete is finished first), then remove the work dir, found
 * by name under ROOT/tasks/NS (the `work` link is not followed) and removed in
 * place, so that one that cannot go stays visible to `cleanup`. Removal never
 * crosses a mount point or follows a symlink: a mount elsewhere in the bundle
 * or work dir is left and reported (TC_FAILED_PRECONDITION). Idempotent: what
 * is already gone is fine. */
int bundle_delete(struct bundle *b, struct tc_err **err);

/* Finishes STATE/tasks/NS/HIDDEN (".ID", left by an interrupted delete):
 * unmounts its rootfs, removes it, and removes ROOT/tasks/NS/.ID and, if no
 * bundle ID exists any more, the work dir ROOT/tasks/NS/ID. The caller holds
 * task_lock(NS, ID). Missing is success. */
int bundle_finish_hidden(const struct bundle_roots *r, const char *ns, const char *hidden,
                         struct tc_err **err);

/* shim.pid: the shim daemon's pid from its Connect reply. */
int bundle_write_shim_pid(struct bundle *b, int pid, struct tc_err **err);
/* TC_NOT_FOUND when the file is missing. */
int bundle_read_shim_pid(struct bundle *b, int *ret_pid, struct tc_err **err);

/* shim.start: the shim daemon's start time (field 22 of /proc/PID/stat, clock
 * ticks since boot), written with shim.pid: with the pid it names one process
 * (core/shimconn.c checks it before any signal). 0 when missing or invalid. */
int bundle_write_shim_start(struct bundle *b, unsigned long long start, struct tc_err **err);
unsigned long long bundle_read_shim_start(const struct bundle *b);

/* runc's --pid-file (init.pid): the task's init pid, 0 when missing or unreadable. */
uint32_t bundle_read_init_pid(const struct bundle *b);

void bundle_free(struct bundle *b);
void bundle_freep(struct bundle **b);
