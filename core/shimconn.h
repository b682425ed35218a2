/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/base/ident.h"
#include "core/bounds.h"
#include "core/bundle.h"
#include "core/shim.h"
#include "core/taskapi.h"
#include "core/ttrpc.h"

/* One task's shim as taskctl sees it during one command: started (create) or
 * found through the bundle's address, connected, and finally torn down. */
struct shimconn {
        const struct bundle_roots *roots;
        char ns[IDENT_BUF], id[IDENT_BUF];
        struct shim_bootstrap boot;
        struct ttrpc_conn *conn;
        struct taskapi api;
        uint32_t shim_pid; /* from Connect, or the bundle's shim.pid */
        uint32_t task_pid; /* from Connect: 0 when the shim holds no container */
        bool hung;         /* Connect or Create timed out: it takes calls, answers none */
        bool locked;       /* the caller holds the task lock: Connect may write shim.pid */
};

void shimconn_init(struct shimconn *sc, const struct bundle_roots *roots, const char *ns,
                   const char *id);
/* Runs the shim binary's start in bundle B (options: an encoded Any, or none). */
int shimconn_start(struct shimconn *sc, const struct bundle *b, const char *binary,
                   const void *options, size_t options_len, double timeout, struct tc_err **err);
/* Dials the address (from start, or the bundle), sends Connect, records
 * shim.pid. A shim that does not answer: TC_UNAVAILABLE (or DEADLINE_EXCEEDED). */
int shimconn_connect(struct shimconn *sc, struct bundle *b, double timeout, struct tc_err **err);
/* Only dials (as shimconn_connect, without its Connect call): for a caller
 * whose first call answers for the shim anyway and that needs neither pid
 * Connect gives (get, list: State has the task's pid; shim_pid stays 0). */
int shimconn_dial(struct shimconn *sc, struct bundle *b, double timeout, struct tc_err **err);
/* After the task is gone from the shim (or the shim is dead): Delete (errors
 * ignored), Shutdown, wait briefly for the shim to exit and SIGKILL it if it
 * does not (verified to be this task's shim by its command line), then, unless
 * CLEAN (the shim's own Delete succeeded), the binary's delete action for what
 * runc may have left, and removal of a stale socket. Each step bounded by
 * BOUNDS (core/bounds.h). Failures are logged, never returned: this is cleanup. */
void shimconn_teardown(struct shimconn *sc, const struct bundle *b, const char *binary,
                       bool clean, const struct teardown_bounds *bounds);
void shimconn_release(struct shimconn *sc);

/* Whether PID is alive (not a zombie) and is the shim daemon taskctl started
 * for SC's task in this root: its command line names SC's namespace, ID and
 * this STATE's -address, and (when START, the bundle's shim.start, is not 0)
 * its start time is START. Checked before every signal to a shim. */
bool shimconn_pid_is_ours(const struct shimconn *sc, int pid, unsigned long long start);
