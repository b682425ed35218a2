/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "core/base/err.h"

/* The namespace's record lock, ROOT/containers/NS/.lock (docs/locking.md):
 * LOCK_SH to read a record, LOCK_EX for a write or read-modify-write, held only
 * for that moment. */

/* Opens the lock file in the namespace directory NSFD. A writer (WRITER true)
 * creates it 0600. A reader also creates it when it can; on a tree it may not
 * write (read-only mount, no permission) it opens it read-only, and if there
 * is no lock file there at all, *ret_fd is -1 and the read goes unlocked:
 * nobody can be writing there. */
int nslock_open(int nsfd, bool writer, int *ret_fd, struct tc_err **err);

/* Opens and takes the lock (OP: LOCK_SH or LOCK_EX) within TIMEOUT seconds;
 * TC_DEADLINE_EXCEEDED names the holder's pid. Closing *ret_fd unlocks. NS is
 * for messages. */
int nslock_take(int nsfd, const char *ns, int op, double timeout, int *ret_fd, struct tc_err **err);
