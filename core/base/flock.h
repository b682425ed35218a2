/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <sys/file.h>

#include "core/base/err.h"

/* Opens (creating 0600) the lock file DFD/NAME and takes flock OP (LOCK_SH or
 * LOCK_EX), waiting at most TIMEOUT seconds (0: try once). On timeout fails with
 * TC_DEADLINE_EXCEEDED naming the holder's PID from /proc/locks. The returned
 * fd is O_CLOEXEC: close it to unlock. WHAT names the lock in messages. */
int flock_take(int dfd, const char *name, int op, double timeout, const char *what, int *ret_fd,
               struct tc_err **err);
/* As flock_take, on an fd the caller already opened (for re-locking the same
 * file many times, e.g. once per record while listing). */
int flock_wait(int fd, int op, double timeout, const char *what, struct tc_err **err);
/* As flock_wait, up to an absolute DEADLINE (timefmt_mono clock); TIMEOUT is
 * what the message says was waited. */
int flock_wait_until(int fd, int op, double deadline, double timeout, const char *what,
                     struct tc_err **err);
/* Non-blocking probe: true if someone holds a conflicting lock on DFD/NAME
 * (a missing file is not held). */
bool flock_is_held(int dfd, const char *name);
/* PID holding a lock on the inode of FD, per /proc/locks; 0 if unknown. */
int flock_holder_pid(int fd);
/* As flock_holder_pid, for the file or directory DFD/NAME (not followed). */
int flock_holder_pid_at(int dfd, const char *name);
