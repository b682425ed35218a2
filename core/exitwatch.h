/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What lets `events --follow` see an exit when it happens, with no daemon:
 * the follower itself holds one connection per live task's shim with a Wait
 * pending on it (the shim answers it at the exit), polls them all, and
 * records each exit it sees (core/exitmark.h: once, with the shim's exit
 * time, whoever observes it first). A rescan picks up new tasks.
 *
 * Cost per live task: one socket (one fd) in the follower and one pending
 * Wait (a goroutine) in its shim; no CPU while nothing happens. A rescan
 * reads the namespace's bundle directory, and connects only to tasks it does
 * not watch yet. */

#include <stdbool.h>

#include "core/base/err.h"
#include "core/bundle.h"

struct exitwatch;

/* NS: the namespace to watch, NULL for all. TIMEOUT bounds each shim call.
 * Raises the soft limit on open files to the hard one (a socket per task). */
int exitwatch_new(const struct bundle_roots *roots, const char *ns, double timeout,
                  struct exitwatch **ret, struct tc_err **err);
/* Starts watching the live tasks not watched yet; records the exit of those
 * that have exited already. Tasks whose shim does not answer are skipped
 * (delete and load record what is left of them). */
void exitwatch_scan(struct exitwatch *w);
/* Waits up to MS milliseconds for exits and records those that came. */
void exitwatch_poll(struct exitwatch *w, int ms);
/* How many tasks are watched. */
size_t exitwatch_count(const struct exitwatch *w);
void exitwatch_free(struct exitwatch *w);
