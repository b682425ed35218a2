/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The foreground side of run, exec and attach: the task's output to our
 * stdout/stderr (from its log, or from an exec's own FIFOs), our stdin to
 * its stdin FIFO (CloseIO at our EOF), signals forwarded with Kill, and with
 * a terminal: raw mode (restored on every return), ResizePty on SIGWINCH,
 * and the detach keys (core/detachkeys.h). */

#include <stdbool.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/logfollow.h"
#include "core/taskmgr_io.h"

struct session {
        struct taskmgr_io *io;
        bool tty;              /* the process has a terminal */
        bool forward_in;       /* copy our stdin to IN_FD */
        int in_fd;             /* write end of the stdin FIFO, -1 */
        struct logfollow *log; /* output from the log (init process), or NULL */
        int out_fds[2];        /* or from these FIFO read ends (exec), -1 */
        bool detached;         /* set when the detach keys were typed */
};

/* Runs until the output has ended, then waits for the process's exit status
 * (in *RET_STATUS), or until the detach keys (s->detached, no status). */
int session_run(struct session *s, uint32_t *ret_status, struct tc_err **err);

/* The stdin FIFO of bundle dir DIR_FD named NAME for writing, or -1 if the
 * task has none or nobody reads it any more. */
int session_open_stdin(int dir_fd, const char *name);
