/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A task's default stdio: FIFOs in its bundle (stdin, stdout, stderr) handed
 * to the shim, and the log helper, `taskctl _logger`, that reads stdout and
 * stderr for the task's whole life and writes BUNDLE/output.log
 * (core/logfile.h). The helper holds a flock on BUNDLE/logger.pid while it
 * runs: unlocked means every byte the task wrote is in the log.
 *
 * The helper's life is the task's: it holds the FIFOs' read ends, opened
 * before the shim's Create (so Create never waits for a reader), and exits
 * when the last writer (the shim's copy of the task's output) has gone.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "core/base/err.h"
#include "core/bundle.h"

#define TASKIO_STDIN "stdin"
#define TASKIO_STDOUT "stdout"
#define TASKIO_STDERR "stderr"
#define TASKIO_LOGGER_PID "logger.pid"
#define TASKIO_LOGGER_CMD "_logger" /* the hidden subcommand */

struct taskio_plan {
        bool in;          /* a stdin FIFO (-i, -t) */
        bool log_out;     /* stdout goes to the log (no --stdout) */
        bool log_err;     /* stderr goes to the log (no --stderr, no terminal) */
        off_t log_max;    /* bytes per log file */
        const char *self; /* our executable (absolute), run as the helper */
};

/* Absolute paths for the shim (NULL: not ours). */
struct taskio_paths {
        char *in, *out, *err;
};
void taskio_paths_release(struct taskio_paths *p);

/* Makes the FIFOs the plan asks for in bundle B and starts the helper. On
 * failure nothing is left running (the FIFOs go with the bundle). */
int taskio_prepare(const struct bundle *b, const struct taskio_plan *plan, struct taskio_paths *ret,
                  struct tc_err **err);

/* Ends the helper once the task's output is closed (after the shim's Delete,
 * or a failed Create): hangs up its FIFOs, waits up to BOUND seconds for its
 * lock, then SIGKILLs it (after proving from /proc that it is the helper of
 * this bundle). Logs, never fails: this is cleanup. */
void taskio_release(const struct bundle *b, double bound);

/* Whether bundle dir DIR_FD has a helper that still runs (holds its lock). */
bool taskio_logger_running(int dir_fd);

/* The helper's main loop (fds OUT_FD/ERR_FD, -1 for none, are the FIFOs'
 * read ends; LOCK_FD is logger.pid, locked): copies into the log until both
 * FIFOs are hung up. Write errors (a full disk) drop output, never block. */
int taskio_logger_run(int dir_fd, int out_fd, int err_fd, int lock_fd, off_t max,
                     struct tc_err **err);
