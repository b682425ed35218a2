/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/base/err.h"

/* The per-task lock: flock(LOCK_EX) on STATE/locks/NS/ID.lock (dirs 0711 and
 * 0700, made as needed). It lives outside STATE/tasks, so scans of bundles
 * never see it and renaming a bundle to ".ID" never moves it. Whoever creates,
 * starts, deletes or cleans up task NS/ID holds it; the fd is O_CLOEXEC (no
 * shim inherits it) and closing it unlocks. */

/* Waits at most TIMEOUT seconds; then TC_DEADLINE_EXCEEDED naming the holder
 * pid. NS and ID are checked (TC_INVALID_ARGUMENT) before any path is made. */
int task_lock(int state_fd, const char *ns, const char *id, double timeout, int *ret_fd,
              struct tc_err **err);
/* Never waits: 1 with *ret_fd when taken, 0 when someone else holds it. */
int task_lock_try(int state_fd, const char *ns, const char *id, int *ret_fd,
                  struct tc_err **err);
/* Once the task is gone: removes the lock file while still holding it, then
 * closes *FD (set to -1). Takers check that the file they locked is still the
 * one at the path, so this never lets two holders in. */
void task_unlock_remove(int state_fd, const char *ns, const char *id, int *fd);
