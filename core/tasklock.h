/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "core/base/err.h"

/* The per-task lock is flock(2) on the task's persistent work dir
 * ROOT/tasks/NS/ID itself: create, delete, load and cleanup of one task
 * exclude each other, while different tasks never wait for each other, and
 * no lock file is left behind (the lock goes away with the work dir). Whoever
 * removes the work dir does so while holding its lock; a waiter that then gets
 * the lock notices that the directory it locked is no longer linked at that
 * name (st_ino changed or gone) and starts again. */

struct tasklock {
        int ns_fd;  /* ROOT/tasks/NS */
        int dir_fd; /* ROOT/tasks/NS/ID, locked LOCK_EX */
        char id[80];
        bool made; /* tasklock_take made the work dir */
};
#define TASKLOCK_NONE { .ns_fd = -1, .dir_fd = -1 }

/* Takes the lock, creating ROOT/tasks, ROOT/tasks/NS (0711) and the work dir
 * (0711) when missing. Waits at most TIMEOUT seconds, then TC_DEADLINE_EXCEEDED
 * naming the holder's pid. ret->made (and *ret_created, when non-NULL) tell
 * whether the work dir is new: see tasklock_release_unused. */
int tasklock_take(int root_fd, const char *ns, const char *id, double timeout,
                  struct tasklock *ret, bool *ret_created, struct tc_err **err);

/* For scans (load, cleanup): locks the existing work dir NS_FD/ID without
 * waiting. Returns 1 when locked, 0 when someone else holds it (*ret untouched),
 * TC_NOT_FOUND when it does not exist (or vanished meanwhile), -1 on error. */
int tasklock_try(int ns_fd, const char *id, struct tasklock *ret, struct tc_err **err);

/* Removes the work dir (never through a mount point, never following a link)
 * while still holding its lock, then releases. Only the directory this lock
 * holds is removed: when ID names another one by now, that one is left. A mount found inside is left
 * and reported (TC_FAILED_PRECONDITION, *ret_mount set when non-NULL). */
int tasklock_remove_dir(struct tasklock *l, char **ret_mount, struct tc_err **err);

void tasklock_release(struct tasklock *l); /* also a _cleanup_ function */

/* Releases, first removing the work dir when tasklock_take made it and USED
 * is false (no task came to use it: the command failed, or found no task).
 * The one owner of that rule; see docs/locking.md. */
void tasklock_release_unused(struct tasklock *l, bool used);
/* The _cleanup_ form: a lock still held at scope exit was not used (call
 * tasklock_release on success, or clear ->made once a task uses the dir). */
void tasklock_release_unusedp(struct tasklock *l);
