/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Typed calls of the runtime v2 task service (containerd's shim task client,
 * runtime/v2/task/shim.pb.go's taskClient) over a ttrpc connection, plus the
 * protobuf helpers for what goes to and comes from the shim binary itself.
 * Only the init process is addressed (exec_id is always empty).
 *
 * Every call takes an absolute DEADLINE (timefmt_mono() seconds, or
 * TTRPC_NO_DEADLINE). Errors are those of ttrpc_call(): a shim status becomes
 * its kind with the shim's message (e.g. TC_NOT_FOUND "container not created");
 * a reply that does not decode is TC_UNAVAILABLE "malformed <Method> response
 * from shim". Nothing is wrapped with task context here: the caller owns it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/base/err.h"
#include "core/ttrpc.h"

#define TASKAPI_SERVICE_V2 "containerd.task.v2.Task" /* containerd 1.6/1.7 shims */
#define TASKAPI_SERVICE_V3 "containerd.task.v3.Task" /* bootstrap "version": 3 */
#define TASKAPI_RUNC_OPTIONS_TYPE "containerd.runc.v1.Options"

/* A shim's task service: a borrowed connection plus the service name, which
 * depends on the version the shim's `start` announced. */
struct taskapi {
        struct ttrpc_conn *conn;
        const char *service; /* TASKAPI_SERVICE_V2 (also when NULL) or _V3 */
};

/* Service name for a bootstrap protocol version (2 or 3); NULL otherwise. */
const char *taskapi_service_for_version(int version);

/* containerd.v1.types.Status */
enum taskapi_status {
        TASKAPI_STATUS_UNKNOWN = 0,
        TASKAPI_STATUS_CREATED = 1,
        TASKAPI_STATUS_RUNNING = 2,
        TASKAPI_STATUS_STOPPED = 3,
        TASKAPI_STATUS_PAUSED = 4,
        TASKAPI_STATUS_PAUSING = 5,
};

/* created|running|stopped|paused|pausing, "unknown" for anything else */
const char *taskapi_status_name(int status);

/* An exit as the shim reports it. The shim always sends exited_at; before an
 * exit it is Go's zero time (seconds -62135596800): EXITED is seconds > 0. */
struct taskapi_exit {
        uint32_t status;
        bool exited;
        struct timespec at; /* zero unless EXITED */
};

struct taskapi_mount {
        const char *type;
        const char *source;
        const char *const *options; /* NULL-terminated; NULL for none */
};

struct taskapi_create_req {
        const char *id;
        const char *bundle; /* absolute; an empty one makes runc use the shim's cwd */
        const struct taskapi_mount *rootfs; /* mounted on BUNDLE/rootfs by the shim */
        size_t n_rootfs;
        bool terminal;
        const char *stdin_path; /* NULL or "" for none */
        const char *stdout_path;
        const char *stderr_path;
        /* an encoded google.protobuf.Any (taskapi_encode_any(),
         * taskapi_encode_runc_options()), the bytes also given to `start` on
         * stdin; NULL/0 for none */
        const uint8_t *options_any;
        size_t options_any_len;
};

/* StateResponse. Strings are malloc'd; release with taskapi_state_release(). */
struct taskapi_state {
        char *id;
        char *bundle;
        uint32_t pid;
        enum taskapi_status status; /* a value outside the enum is kept as is */
        char *stdin_path;
        char *stdout_path;
        char *stderr_path;
        bool terminal;
        struct taskapi_exit exit;
};

struct taskapi_deleted {
        uint32_t pid;
        struct taskapi_exit exit;
};

/* containerd.runc.v1.Options; NULL strings are sent as empty (absent) */
struct taskapi_runc_options {
        bool no_pivot_root;
        bool no_new_keyring;
        const char *shim_cgroup;
        uint32_t io_uid;
        uint32_t io_gid;
        const char *binary_name;
        const char *root;
        const char *criu_path;
        bool systemd_cgroup;
        const char *criu_image_path;
        const char *criu_work_path;
};

/* Connect: the shim's pid and the task's init pid (0 before Create, after
 * Delete, or for an id the shim does not hold). Either out pointer may be NULL. */
int taskapi_connect(const struct taskapi *t, const char *id, double deadline,
                    uint32_t *ret_shim_pid, uint32_t *ret_task_pid, struct tc_err **err);
/* Create: an undecodable options_any is TC_INVALID_ARGUMENT, nothing sent. */
int taskapi_create(const struct taskapi *t, const struct taskapi_create_req *req, double deadline,
                   uint32_t *ret_pid, struct tc_err **err);
int taskapi_start(const struct taskapi *t, const char *id, double deadline, uint32_t *ret_pid,
                  struct tc_err **err);
int taskapi_state(const struct taskapi *t, const char *id, double deadline,
                  struct taskapi_state *ret_state, struct tc_err **err);
/* State in two halves, for a caller that asks many shims at once: send it,
 * then, once ttrpc_conn_fd() is readable (or at DEADLINE), receive the reply.
 * SPAN: the wait a deadline error names (the caller's timeout). */
int taskapi_state_send(const struct taskapi *t, const char *id, double deadline,
                       uint32_t *ret_stream, struct tc_err **err);
int taskapi_state_recv(const struct taskapi *t, uint32_t stream, double deadline, double span,
                       struct taskapi_state *ret_state, struct tc_err **err);
int taskapi_kill(const struct taskapi *t, const char *id, uint32_t signal, bool all,
                 double deadline, struct tc_err **err);
/* Wait blocks in the shim until the exit and ignores timeout_nano there: only
 * DEADLINE bounds it (its late answer is dropped by the next call's read). */
int taskapi_wait(const struct taskapi *t, const char *id, double deadline,
                 struct taskapi_exit *ret_exit, struct tc_err **err);
int taskapi_delete(const struct taskapi *t, const char *id, double deadline,
                   struct taskapi_deleted *ret_deleted, struct tc_err **err);
/* Pids: the container's processes, a malloc'd array (NULL when empty). */
int taskapi_pids(const struct taskapi *t, const char *id, double deadline, uint32_t **ret_pids,
                 size_t *ret_n, struct tc_err **err);
/* Shutdown: as containerd's shim.Shutdown, a connection closed by the shim
 * during the call counts as success (the shim exits right after answering).
 * The 1.6 shim ignores it while it still holds any task. */
int taskapi_shutdown(const struct taskapi *t, const char *id, bool now, double deadline,
                     struct tc_err **err);

void taskapi_state_release(struct taskapi_state *s);

/* An encoded google.protobuf.Any{TYPE_URL, VALUE}: what `start` reads on stdin
 * and what taskapi_create_req.options_any takes. */
int taskapi_encode_any(const char *type_url, const uint8_t *value, size_t value_len,
                       uint8_t **ret_buf, size_t *ret_len, struct tc_err **err);
/* containerd.runc.v1.Options as an encoded Any with type_url
 * TASKAPI_RUNC_OPTIONS_TYPE (no "type.googleapis.com/" prefix: the shim
 * rejects that). */
/* VALUE (an encoded containerd.runc.v1.Options, possibly empty) with its
 * `root` set to ROOT when it has none. Undecodable: TC_INVALID_ARGUMENT. */
int taskapi_runc_options_default_root(const uint8_t *value, size_t len, const char *root,
                                      uint8_t **ret_buf, size_t *ret_len, struct tc_err **err);
/* The containerd.runc.v1.Options message alone (an Any's value, as a record's
 * runtime.options keeps it). */
int taskapi_encode_runc_options_value(const struct taskapi_runc_options *o, uint8_t **ret_buf,
                                      size_t *ret_len, struct tc_err **err);
int taskapi_encode_runc_options(const struct taskapi_runc_options *o, uint8_t **ret_buf,
                                size_t *ret_len, struct tc_err **err);
/* The DeleteResponse the shim binary's `delete` action prints on stdout.
 * Its exit status is always a made-up 137; its pid is 0xffffffff (Go's -1 as
 * uint32) when the bundle has no init.pid, i.e. Create never ran runc.
 * Garbage is TC_UNAVAILABLE (the shim binary misbehaved). */
int taskapi_decode_delete_response(const uint8_t *buf, size_t len,
                                   struct taskapi_deleted *ret_deleted, struct tc_err **err);

/* ---- interactive (issue 9): exec processes, terminals, stdin --------------- */

/* ExecProcessRequest.spec's type: the process JSON of the OCI runtime spec */
#define TASKAPI_PROCESS_SPEC_TYPE "types.containerd.io/opencontainers/runtime-spec/1/Process"

struct taskapi_exec_req {
        const char *id;
        const char *exec_id;
        bool terminal;
        const char *stdin_path; /* NULL or "" for none */
        const char *stdout_path;
        const char *stderr_path;
        const char *process_json; /* the OCI process object, JSON text */
};

/* Exec adds a process to the task (it starts with Start(exec_id)). */
int taskapi_exec(const struct taskapi *t, const struct taskapi_exec_req *req, double deadline,
                 struct tc_err **err);
/* Start, Wait, Delete and Kill of the process EXEC_ID ("" or NULL: the init process). */
int taskapi_start_exec(const struct taskapi *t, const char *id, const char *exec_id,
                       double deadline, uint32_t *ret_pid, struct tc_err **err);
int taskapi_wait_exec(const struct taskapi *t, const char *id, const char *exec_id,
                      double deadline, struct taskapi_exit *ret_exit, struct tc_err **err);
int taskapi_delete_exec(const struct taskapi *t, const char *id, const char *exec_id,
                        double deadline, struct taskapi_deleted *ret_deleted, struct tc_err **err);
int taskapi_kill_exec(const struct taskapi *t, const char *id, const char *exec_id,
                      uint32_t signal, double deadline, struct tc_err **err);
/* ResizePty of the process's terminal (columns WIDTH, rows HEIGHT). */
int taskapi_resize_pty(const struct taskapi *t, const char *id, const char *exec_id,
                       uint32_t width, uint32_t height, double deadline, struct tc_err **err);
/* CloseIO{stdin: true}: the shim closes its write end of the stdin FIFO, so
 * the process reads EOF once what was written is consumed. */
int taskapi_close_stdin(const struct taskapi *t, const char *id, const char *exec_id,
                        double deadline, struct tc_err **err);

/* ---- operations (issue 10): Pause, Resume, Stats, Update, Pids details, and
 * Wait in two halves ---- */

#define TASKAPI_LINUX_RESOURCES_TYPE "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"
#define TASKAPI_PROCESS_DETAILS_TYPE "containerd.runc.v1.ProcessDetails"

int taskapi_pause(const struct taskapi *t, const char *id, double deadline, struct tc_err **err);
int taskapi_resume(const struct taskapi *t, const char *id, double deadline, struct tc_err **err);

/* Stats: the shim's Any as is (type_url and value, both malloc'd; the value
 * may be NULL with length 0). core/stats.c decodes it. */
int taskapi_stats(const struct taskapi *t, const char *id, double deadline, char **ret_type_url,
                  uint8_t **ret_value, size_t *ret_len, struct tc_err **err);

/* Update: RESOURCES_JSON (an OCI LinuxResources object) as an Any of
 * TASKAPI_LINUX_RESOURCES_TYPE; the runc shim unmarshals its value as JSON. */
int taskapi_update(const struct taskapi *t, const char *id, const char *resources_json,
                   double deadline, struct tc_err **err);

/* One process of Pids: its pid and, for an exec process, its exec id (from
 * ProcessInfo.info, a containerd.runc.v1.ProcessDetails; "" for the init and
 * for any other info). */
struct taskapi_process {
        uint32_t pid;
        char exec_id[128];
};
int taskapi_pids_info(const struct taskapi *t, const char *id, double deadline,
                      struct taskapi_process **ret, size_t *ret_n, struct tc_err **err);
/* Decodes a ProcessInfo.info Any (TYPE_URL, VALUE) into EXEC_ID ("" if not
 * ProcessDetails). Pure, for tests. */
void taskapi_process_exec_id(const char *type_url, const uint8_t *value, size_t len,
                             char *exec_id, size_t size);

/* Wait in two halves: send it (it stays pending in the shim until the exit),
 * then, once the connection's fd is readable, read its answer. */
int taskapi_wait_send(const struct taskapi *t, const char *id, uint32_t *ret_stream,
                      struct tc_err **err);
int taskapi_wait_recv(const struct taskapi *t, uint32_t stream, double deadline,
                      struct taskapi_exit *ret_exit, struct tc_err **err);
