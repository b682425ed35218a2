/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The time bounds of shim teardown, in seconds, named once, each next to the
 * containerd setting it mirrors. Every other wait is the command's --timeout. */

/* io.containerd.timeout.shim.shutdown (containerd's default 3 s): each call of
 * a teardown after a failed create, or of delete (dial, Delete, Shutdown). */
#define BOUND_SHIM_SHUTDOWN 3.0
/* io.containerd.timeout.shim.cleanup (containerd's default 5 s): the shim
 * binary's delete action (core/shim.c). */
#define BOUND_SHIM_CLEANUP 5.0
/* load's teardown of a dead task or one without its record: containerd's
 * loadExistingTasks cleans such a task up under the cleanup timeout, so every
 * call of that teardown gets io.containerd.timeout.shim.cleanup as well. */
#define BOUND_LOAD_TEARDOWN BOUND_SHIM_CLEANUP
/* How long a shim that accepted Shutdown is given to exit before SIGKILL (at
 * most: never longer than the call bound). No containerd setting: the real
 * shim exits ~50 ms after an accepted Shutdown, so a second is plenty. */
#define BOUND_SHIM_EXIT 1.0
/* How long delete, a create's rollback and load wait for a task's log helper
 * (core/taskio.h) to drain and exit once the shim has closed the output FIFOs,
 * before SIGKILL. containerd's pkg/process waits 2 s for IO copying to drain
 * (Delete); we give the helper the shutdown bound. */
#define BOUND_LOG_HELPER BOUND_SHIM_SHUTDOWN

/* What shimconn_teardown waits for, at most. */
struct teardown_bounds {
        double call;          /* dial, Delete, Shutdown: each */
        double exit_wait;     /* the shim's exit after Shutdown, before SIGKILL */
        double kill_wait;     /* a SIGKILLed shim closing its socket */
        double delete_action; /* the binary's delete action */
};

/* After a failed create, and in delete. A SIGKILLed shim gets the cleanup
 * bound to die (returned from as soon as it is gone): a big process (a
 * sanitizer build's) unmaps slowly on a loaded machine, and its socket can be
 * removed only once it no longer listens. */
#define TEARDOWN_BOUNDS_SHUTDOWN                                                       \
        ((struct teardown_bounds){ .call = BOUND_SHIM_SHUTDOWN,                        \
                                   .exit_wait = BOUND_SHIM_EXIT,                       \
                                   .kill_wait = BOUND_SHIM_CLEANUP,                    \
                                   .delete_action = BOUND_SHIM_SHUTDOWN })
/* In load. */
#define TEARDOWN_BOUNDS_LOAD                                                           \
        ((struct teardown_bounds){ .call = BOUND_LOAD_TEARDOWN,                        \
                                   .exit_wait = BOUND_SHIM_EXIT,                       \
                                   .kill_wait = BOUND_LOAD_TEARDOWN,                   \
                                   .delete_action = BOUND_LOAD_TEARDOWN })
