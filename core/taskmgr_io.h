/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The interactive side of the TaskManager (issue 9): a connection to a
 * task's shim kept for a foreground session (run, exec, attach), and the
 * process-level calls it makes: Exec, Start, Wait, Delete, Kill of an exec
 * id, ResizePty, CloseIO. */

#include <stdbool.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/bundle.h"
#include "core/shimconn.h"
#include "core/taskmgr.h"

struct taskmgr_io {
        struct bundle *b;
        struct shimconn sc;
        const struct taskmgr *m;
        char *exec_id; /* NULL: the init process */
};

/* Opens task NS/ID's bundle and connects to its shim. */
int taskmgr_io_open(const struct taskmgr *m, const char *ns, const char *id,
                    struct taskmgr_io *ret, struct tc_err **err);
void taskmgr_io_close(struct taskmgr_io *io);

/* The task's OCI process object (from the bundle's config.json), JSON text. */
int taskmgr_io_process(const struct taskmgr_io *io, char **ret_json, struct tc_err **err);
/* Whether the task's process has a terminal (config.json process.terminal). */
bool taskmgr_io_terminal(const struct taskmgr_io *io);

int taskmgr_io_kill(const struct taskmgr_io *io, int signal, struct tc_err **err);
int taskmgr_io_resize(const struct taskmgr_io *io, unsigned cols, unsigned rows,
                      struct tc_err **err);
int taskmgr_io_close_stdin(const struct taskmgr_io *io, struct tc_err **err);
/* Wait with no deadline for the process's exit status. */
int taskmgr_io_wait(const struct taskmgr_io *io, uint32_t *ret_status, struct tc_err **err);

/* Exec + Start of a new process EXEC_ID in the task; io->exec_id is set. */
int taskmgr_io_exec(struct taskmgr_io *io, const char *exec_id, const struct taskapi_exec_req *req,
                    uint32_t *ret_pid, struct tc_err **err);
/* Delete of the exec process (after its exit). */
int taskmgr_io_exec_delete(const struct taskmgr_io *io, struct tc_err **err);
