/* SPDX-License-Identifier: Apache-2.0 */
#include "core/taskapi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "core/proto/runc.pb-c.h"
#include "core/proto/task.pb-c.h"
#include "core/proto/wellknown.pb-c.h"

static void messagep(ProtobufCMessage **m)
{
        if (*m)
                protobuf_c_message_free_unpacked(*m, NULL);
}

static void anyp(Tcpb__Any **a)
{
        if (*a)
                tcpb__any__free_unpacked(*a, NULL);
}

#define _cleanup_message_ _cleanup_(messagep)

/* protobuf-c takes char *; proto3 sends "" as nothing */
static char *str(const char *s)
{
        return (char *) (s ? s : "");
}

static int pack(const ProtobufCMessage *m, uint8_t **ret_buf, size_t *ret_len, struct tc_err **err)
{
        size_t len = protobuf_c_message_get_packed_size(m);
        uint8_t *buf = malloc(len ? len : 1);

        if (!buf)
                return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "encode %s", m->descriptor->name);
        (void) protobuf_c_message_pack(m, buf);
        *ret_buf = buf;
        *ret_len = len;
        return 0;
}

static const char *service(const struct taskapi *t)
{
        return t->service ? t->service : TASKAPI_SERVICE_V2;
}

/* The reply RESP of METHOD decoded as DESC. */
static int decode_reply(const char *method, const ProtobufCMessageDescriptor *desc,
                        const uint8_t *resp, size_t len, ProtobufCMessage **ret,
                        struct tc_err **err)
{
        static const uint8_t empty[1];
        ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, resp ? resp : empty);

        if (!m)
                return tc_fail(err, TC_UNAVAILABLE, "malformed %s response from shim", method);
        *ret = m;
        return 0;
}

/* Encodes REQ, calls METHOD, decodes the reply as DESC (the client stubs of
 * containerd's shim.pb.go do the same for each method). */
static int call(const struct taskapi *t, const char *method, const ProtobufCMessage *req,
                const ProtobufCMessageDescriptor *desc, double deadline, ProtobufCMessage **ret,
                struct tc_err **err)
{
        _cleanup_free_ uint8_t *buf = NULL, *resp = NULL;
        size_t len = 0, resp_len = 0;

        if (pack(req, &buf, &len, err) < 0 ||
            ttrpc_call(t->conn, service(t), method, buf, len, deadline, &resp, &resp_len, err) < 0)
                return -1;
        return decode_reply(method, desc, resp, resp_len, ret, err);
}

/* call() of a METHOD whose reply is google.protobuf.Empty. */
static int call_empty(const struct taskapi *t, const char *method, const ProtobufCMessage *req,
                      double deadline, struct tc_err **err)
{
        _cleanup_message_ ProtobufCMessage *m = NULL;

        return call(t, method, req, &tcpb__empty__descriptor, deadline, &m, err);
}

const char *taskapi_service_for_version(int version)
{
        switch (version) {
        case 2:
                return TASKAPI_SERVICE_V2;
        case 3:
                return TASKAPI_SERVICE_V3;
        default:
                return NULL;
        }
}

const char *taskapi_status_name(int status)
{
        static const char *const names[] = {
                [TASKAPI_STATUS_CREATED] = "created", [TASKAPI_STATUS_RUNNING] = "running",
                [TASKAPI_STATUS_STOPPED] = "stopped", [TASKAPI_STATUS_PAUSED] = "paused",
                [TASKAPI_STATUS_PAUSING] = "pausing",
        };

        if (status > 0 && (size_t) status < ELEMENTSOF(names))
                return names[status];
        return "unknown";
}

static void exit_from_pb(uint32_t status, const Tcpb__Timestamp *at, struct taskapi_exit *ret)
{
        *ret = (struct taskapi_exit){.status = status};
        if (!at || at->seconds <= 0)
                return;
        ret->exited = true;
        ret->at.tv_sec = (time_t) at->seconds;
        /* the peer's value: keep the timespec valid whatever it sent */
        ret->at.tv_nsec = at->nanos >= 0 && at->nanos < 1000000000 ? at->nanos : 0;
}

int taskapi_connect(const struct taskapi *t, const char *id, double deadline,
                    uint32_t *ret_shim_pid, uint32_t *ret_task_pid, struct tc_err **err)
{
        Tcpb__ConnectRequest req = TCPB__CONNECT_REQUEST__INIT;
        _cleanup_message_ ProtobufCMessage *m = NULL;
        const Tcpb__ConnectResponse *r;

        req.id = str(id);
        if (call(t, "Connect", &req.base, &tcpb__connect_response__descriptor, deadline, &m, err) <
            0)
                return -1;
        r = (const Tcpb__ConnectResponse *) m;
        if (ret_shim_pid)
                *ret_shim_pid = r->shim_pid;
        if (ret_task_pid)
                *ret_task_pid = r->task_pid;
        return 0;
}

/* The rootfs mounts as protobuf-c wants them: an array of pointers into
 * RET_MOUNTS. The strings stay the caller's. */
static int mounts_to_pb(const struct taskapi_mount *in, size_t n, Tcpb__Mount **ret_mounts,
                        Tcpb__Mount ***ret_ptrs, struct tc_err **err)
{
        _cleanup_free_ Tcpb__Mount *ms = calloc(n ? n : 1, sizeof *ms);
        _cleanup_free_ Tcpb__Mount **ptrs = calloc(n ? n : 1, sizeof *ptrs);

        if (!ms || !ptrs)
                return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "encode rootfs mounts");
        for (size_t i = 0; i < n; i++) {
                size_t k = 0;

                tcpb__mount__init(&ms[i]);
                ms[i].type = str(in[i].type);
                ms[i].source = str(in[i].source);
                while (in[i].options && in[i].options[k])
                        k++;
                ms[i].options = (char **) in[i].options;
                ms[i].n_options = k;
                ptrs[i] = &ms[i];
        }
        *ret_mounts = steal_ptr(ms);
        *ret_ptrs = steal_ptr(ptrs);
        return 0;
}

int taskapi_create(const struct taskapi *t, const struct taskapi_create_req *req, double deadline,
                   uint32_t *ret_pid, struct tc_err **err)
{
        Tcpb__CreateTaskRequest pb = TCPB__CREATE_TASK_REQUEST__INIT;
        _cleanup_(anyp) Tcpb__Any *options = NULL;
        _cleanup_message_ ProtobufCMessage *m = NULL;
        _cleanup_free_ Tcpb__Mount *mounts = NULL;
        _cleanup_free_ Tcpb__Mount **mount_ptrs = NULL;

        if (req->options_any_len > 0) {
                options = tcpb__any__unpack(NULL, req->options_any_len, req->options_any);
                if (!options)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "runtime options are not an encoded google.protobuf.Any");
        }
        if (mounts_to_pb(req->rootfs, req->n_rootfs, &mounts, &mount_ptrs, err) < 0)
                return -1;
        pb.rootfs = mount_ptrs;
        pb.n_rootfs = req->n_rootfs;
        pb.id = str(req->id);
        pb.bundle = str(req->bundle);
        pb.terminal = req->terminal;
        pb.stdin = str(req->stdin_path);
        pb.stdout = str(req->stdout_path);
        pb.stderr = str(req->stderr_path);
        pb.options = options;
        if (call(t, "Create", &pb.base, &tcpb__create_task_response__descriptor, deadline, &m,
                 err) < 0)
                return -1;
        *ret_pid = ((const Tcpb__CreateTaskResponse *) m)->pid;
        return 0;
}

int taskapi_start(const struct taskapi *t, const char *id, double deadline, uint32_t *ret_pid,
                  struct tc_err **err)
{
        return taskapi_start_exec(t, id, NULL, deadline, ret_pid, err);
}

void taskapi_state_release(struct taskapi_state *s)
{
        free(s->id);
        free(s->bundle);
        free(s->stdin_path);
        free(s->stdout_path);
        free(s->stderr_path);
        *s = (struct taskapi_state){0};
}

static int state_from_pb(const Tcpb__StateResponse *r, struct taskapi_state *ret,
                         struct tc_err **err)
{
        struct taskapi_state s = {
                .id = strdup(r->id),
                .bundle = strdup(r->bundle),
                .pid = r->pid,
                .status = (enum taskapi_status) r->status,
                .stdin_path = strdup(r->stdin),
                .stdout_path = strdup(r->stdout),
                .stderr_path = strdup(r->stderr),
                .terminal = r->terminal,
        };

        if (!s.id || !s.bundle || !s.stdin_path || !s.stdout_path || !s.stderr_path) {
                taskapi_state_release(&s);
                return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "decode State response");
        }
        exit_from_pb(r->exit_status, r->exited_at, &s.exit);
        *ret = s;
        return 0;
}

int taskapi_state(const struct taskapi *t, const char *id, double deadline,
                  struct taskapi_state *ret_state, struct tc_err **err)
{
        Tcpb__StateRequest req = TCPB__STATE_REQUEST__INIT;
        _cleanup_message_ ProtobufCMessage *m = NULL;

        req.id = str(id);
        if (call(t, "State", &req.base, &tcpb__state_response__descriptor, deadline, &m, err) < 0)
                return -1;
        return state_from_pb((const Tcpb__StateResponse *) m, ret_state, err);
}

/* The halves of call() for a caller that polls many connections: REQ sent to
 * METHOD (*RET_STREAM its stream id), then its reply decoded as DESC (SPAN:
 * the wait a deadline error names). */
static int send_half(const struct taskapi *t, const char *method, const ProtobufCMessage *req,
                     double deadline, uint32_t *ret_stream, struct tc_err **err)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0;

        if (pack(req, &buf, &len, err) < 0)
                return -1;
        return ttrpc_call_send(t->conn, service(t), method, buf, len, deadline, ret_stream, err);
}

static int recv_half(const struct taskapi *t, uint32_t stream, const char *method,
                     const ProtobufCMessageDescriptor *desc, double deadline, double span,
                     ProtobufCMessage **ret, struct tc_err **err)
{
        _cleanup_free_ uint8_t *resp = NULL;
        size_t len = 0;

        if (ttrpc_call_recv(t->conn, stream, method, deadline, span, &resp, &len, err) < 0)
                return -1;
        return decode_reply(method, desc, resp, len, ret, err);
}

int taskapi_state_send(const struct taskapi *t, const char *id, double deadline,
                       uint32_t *ret_stream, struct tc_err **err)
{
        Tcpb__StateRequest req = TCPB__STATE_REQUEST__INIT;

        req.id = str(id);
        return send_half(t, "State", &req.base, deadline, ret_stream, err);
}

int taskapi_state_recv(const struct taskapi *t, uint32_t stream, double deadline, double span,
                       struct taskapi_state *ret_state, struct tc_err **err)
{
        _cleanup_message_ ProtobufCMessage *m = NULL;

        if (recv_half(t, stream, "State", &tcpb__state_response__descriptor, deadline, span, &m,
                      err) < 0)
                return -1;
        return state_from_pb((const Tcpb__StateResponse *) m, ret_state, err);
}

/* Kill of the process EXEC_ID ("" or NULL: the init process; ALL: every
 * process of the task). */
static int kill_process(const struct taskapi *t, const char *id, const char *exec_id,
                        uint32_t signal, bool all, double deadline, struct tc_err **err)
{
        Tcpb__KillRequest req = TCPB__KILL_REQUEST__INIT;

        req.id = str(id);
        req.exec_id = str(exec_id);
        req.signal = signal;
        req.all = all;
        return call_empty(t, "Kill", &req.base, deadline, err);
}

int taskapi_kill(const struct taskapi *t, const char *id, uint32_t signal, bool all,
                 double deadline, struct tc_err **err)
{
        return kill_process(t, id, NULL, signal, all, deadline, err);
}

int taskapi_wait(const struct taskapi *t, const char *id, double deadline,
                 struct taskapi_exit *ret_exit, struct tc_err **err)
{
        return taskapi_wait_exec(t, id, NULL, deadline, ret_exit, err);
}

static void deleted_from_pb(const Tcpb__DeleteResponse *r, struct taskapi_deleted *ret)
{
        ret->pid = r->pid;
        exit_from_pb(r->exit_status, r->exited_at, &ret->exit);
}

int taskapi_delete(const struct taskapi *t, const char *id, double deadline,
                   struct taskapi_deleted *ret_deleted, struct tc_err **err)
{
        return taskapi_delete_exec(t, id, NULL, deadline, ret_deleted, err);
}

int taskapi_pids(const struct taskapi *t, const char *id, double deadline, uint32_t **ret_pids,
                 size_t *ret_n, struct tc_err **err)
{
        Tcpb__PidsRequest req = TCPB__PIDS_REQUEST__INIT;
        _cleanup_message_ ProtobufCMessage *m = NULL;
        const Tcpb__PidsResponse *r;
        uint32_t *pids = NULL;

        req.id = str(id);
        if (call(t, "Pids", &req.base, &tcpb__pids_response__descriptor, deadline, &m, err) < 0)
                return -1;
        r = (const Tcpb__PidsResponse *) m;
        if (r->n_processes > 0) {
                pids = calloc(r->n_processes, sizeof *pids);
                if (!pids)
                        return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "decode Pids response");
                for (size_t i = 0; i < r->n_processes; i++)
                        pids[i] = r->processes[i]->pid;
        }
        *ret_pids = pids;
        *ret_n = r->n_processes;
        return 0;
}

int taskapi_shutdown(const struct taskapi *t, const char *id, bool now, double deadline,
                     struct tc_err **err)
{
        Tcpb__ShutdownRequest req = TCPB__SHUTDOWN_REQUEST__INIT;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        req.id = str(id);
        req.now = now;
        if (call_empty(t, "Shutdown", &req.base, deadline, &e) == 0)
                return 0;
        /* as shim.Shutdown: errors.Is(err, ttrpc.ErrClosed) is success */
        if (ttrpc_closed(t->conn))
                return 0;
        return tc_err_move(err, &e);
}

int taskapi_encode_any(const char *type_url, const uint8_t *value, size_t value_len,
                       uint8_t **ret_buf, size_t *ret_len, struct tc_err **err)
{
        Tcpb__Any any = TCPB__ANY__INIT;

        any.type_url = str(type_url);
        any.value.data = (uint8_t *) value;
        any.value.len = value_len;
        return pack(&any.base, ret_buf, ret_len, err);
}

int taskapi_encode_runc_options_value(const struct taskapi_runc_options *o, uint8_t **ret_buf,
                                      size_t *ret_len, struct tc_err **err)
{
        Tcpb__RuncOptions pb = TCPB__RUNC_OPTIONS__INIT;

        pb.no_pivot_root = o->no_pivot_root;
        pb.no_new_keyring = o->no_new_keyring;
        pb.shim_cgroup = str(o->shim_cgroup);
        pb.io_uid = o->io_uid;
        pb.io_gid = o->io_gid;
        pb.binary_name = str(o->binary_name);
        pb.root = str(o->root);
        pb.criu_path = str(o->criu_path);
        pb.systemd_cgroup = o->systemd_cgroup;
        pb.criu_image_path = str(o->criu_image_path);
        pb.criu_work_path = str(o->criu_work_path);
        return pack(&pb.base, ret_buf, ret_len, err);
}

int taskapi_runc_options_default_root(const uint8_t *value, size_t len, const char *root,
                                      uint8_t **ret_buf, size_t *ret_len, struct tc_err **err)
{
        static const uint8_t empty[1];
        Tcpb__RuncOptions *o = tcpb__runc_options__unpack(NULL, len, len ? value : empty);
        char *old;
        int r;

        if (!o)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "runtime options: not a containerd.runc.v1.Options message");
        old = o->root;
        if (!old || !*old)
                o->root = (char *) root;
        r = pack(&o->base, ret_buf, ret_len, err);
        o->root = old;
        tcpb__runc_options__free_unpacked(o, NULL);
        return r;
}

int taskapi_encode_runc_options(const struct taskapi_runc_options *o, uint8_t **ret_buf,
                                size_t *ret_len, struct tc_err **err)
{
        _cleanup_free_ uint8_t *value = NULL;
        size_t len = 0;

        if (taskapi_encode_runc_options_value(o, &value, &len, err) < 0)
                return -1;
        return taskapi_encode_any(TASKAPI_RUNC_OPTIONS_TYPE, value, len, ret_buf, ret_len, err);
}

int taskapi_decode_delete_response(const uint8_t *buf, size_t len,
                                   struct taskapi_deleted *ret_deleted, struct tc_err **err)
{
        static const uint8_t empty[1];
        _cleanup_message_ ProtobufCMessage *m = NULL;

        m = protobuf_c_message_unpack(&tcpb__delete_response__descriptor, NULL, len,
                                      len ? buf : empty);
        if (!m)
                return tc_fail(err, TC_UNAVAILABLE,
                               "malformed DeleteResponse from the shim's delete action");
        deleted_from_pb((const Tcpb__DeleteResponse *) m, ret_deleted);
        return 0;
}

/* ---- interactive (issue 9): exec processes, terminals, stdin --------------- */

int taskapi_exec(const struct taskapi *t, const struct taskapi_exec_req *req, double deadline,
                 struct tc_err **err)
{
        Tcpb__ExecProcessRequest pb = TCPB__EXEC_PROCESS_REQUEST__INIT;
        Tcpb__Any spec = TCPB__ANY__INIT;

        spec.type_url = (char *) TASKAPI_PROCESS_SPEC_TYPE;
        spec.value.data = (uint8_t *) req->process_json;
        spec.value.len = strlen(req->process_json);
        pb.id = str(req->id);
        pb.exec_id = str(req->exec_id);
        pb.terminal = req->terminal;
        pb.stdin = str(req->stdin_path);
        pb.stdout = str(req->stdout_path);
        pb.stderr = str(req->stderr_path);
        pb.spec = &spec;
        return call_empty(t, "Exec", &pb.base, deadline, err);
}

int taskapi_start_exec(const struct taskapi *t, const char *id, const char *exec_id,
                       double deadline, uint32_t *ret_pid, struct tc_err **err)
{
        Tcpb__StartRequest req = TCPB__START_REQUEST__INIT;
        _cleanup_message_ ProtobufCMessage *m = NULL;

        req.id = str(id);
        req.exec_id = str(exec_id);
        if (call(t, "Start", &req.base, &tcpb__start_response__descriptor, deadline, &m, err) < 0)
                return -1;
        *ret_pid = ((const Tcpb__StartResponse *) m)->pid;
        return 0;
}

int taskapi_wait_exec(const struct taskapi *t, const char *id, const char *exec_id,
                      double deadline, struct taskapi_exit *ret_exit, struct tc_err **err)
{
        Tcpb__WaitRequest req = TCPB__WAIT_REQUEST__INIT;
        _cleanup_message_ ProtobufCMessage *m = NULL;
        const Tcpb__WaitResponse *r;

        req.id = str(id);
        req.exec_id = str(exec_id);
        if (call(t, "Wait", &req.base, &tcpb__wait_response__descriptor, deadline, &m, err) < 0)
                return -1;
        r = (const Tcpb__WaitResponse *) m;
        exit_from_pb(r->exit_status, r->exited_at, ret_exit);
        return 0;
}

int taskapi_delete_exec(const struct taskapi *t, const char *id, const char *exec_id,
                        double deadline, struct taskapi_deleted *ret_deleted, struct tc_err **err)
{
        Tcpb__DeleteRequest req = TCPB__DELETE_REQUEST__INIT;
        _cleanup_message_ ProtobufCMessage *m = NULL;

        req.id = str(id);
        req.exec_id = str(exec_id);
        if (call(t, "Delete", &req.base, &tcpb__delete_response__descriptor, deadline, &m, err) < 0)
                return -1;
        deleted_from_pb((const Tcpb__DeleteResponse *) m, ret_deleted);
        return 0;
}

int taskapi_kill_exec(const struct taskapi *t, const char *id, const char *exec_id,
                      uint32_t signal, double deadline, struct tc_err **err)
{
        return kill_process(t, id, exec_id, signal, false, deadline, err);
}

int taskapi_resize_pty(const struct taskapi *t, const char *id, const char *exec_id,
                       uint32_t width, uint32_t height, double deadline, struct tc_err **err)
{
        Tcpb__ResizePtyRequest req = TCPB__RESIZE_PTY_REQUEST__INIT;

        req.id = str(id);
        req.exec_id = str(exec_id);
        req.width = width;
        req.height = height;
        return call_empty(t, "ResizePty", &req.base, deadline, err);
}

int taskapi_close_stdin(const struct taskapi *t, const char *id, const char *exec_id,
                        double deadline, struct tc_err **err)
{
        Tcpb__CloseIORequest req = TCPB__CLOSE_IOREQUEST__INIT;

        req.id = str(id);
        req.exec_id = str(exec_id);
        req.stdin = true;
        return call_empty(t, "CloseIO", &req.base, deadline, err);
}

/* ---- operations (issue 10): Pause, Resume, Stats, Update, Pids details, and
 * Wait in two halves ---- */

int taskapi_pause(const struct taskapi *t, const char *id, double deadline, struct tc_err **err)
{
        Tcpb__PauseRequest req = TCPB__PAUSE_REQUEST__INIT;

        req.id = str(id);
        return call_empty(t, "Pause", &req.base, deadline, err);
}

int taskapi_resume(const struct taskapi *t, const char *id, double deadline, struct tc_err **err)
{
        Tcpb__ResumeRequest req = TCPB__RESUME_REQUEST__INIT;

        req.id = str(id);
        return call_empty(t, "Resume", &req.base, deadline, err);
}

int taskapi_stats(const struct taskapi *t, const char *id, double deadline, char **ret_type_url,
                  uint8_t **ret_value, size_t *ret_len, struct tc_err **err)
{
        Tcpb__StatsRequest req = TCPB__STATS_REQUEST__INIT;
        _cleanup_message_ ProtobufCMessage *m = NULL;
        _cleanup_free_ char *type_url = NULL;
        _cleanup_free_ uint8_t *value = NULL;
        const Tcpb__StatsResponse *r;

        req.id = str(id);
        if (call(t, "Stats", &req.base, &tcpb__stats_response__descriptor, deadline, &m, err) < 0)
                return -1;
        r = (const Tcpb__StatsResponse *) m;
        if (!r->stats)
                return tc_fail(err, TC_UNAVAILABLE, "the shim's Stats returned no metrics");
        type_url = strdup(r->stats->type_url ? r->stats->type_url : "");
        if (r->stats->value.len && (value = malloc(r->stats->value.len)))
                memcpy(value, r->stats->value.data, r->stats->value.len);
        if (!type_url || (r->stats->value.len && !value))
                return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "decode Stats response");
        *ret_type_url = steal_ptr(type_url);
        *ret_value = steal_ptr(value);
        *ret_len = r->stats->value.len;
        return 0;
}

int taskapi_update(const struct taskapi *t, const char *id, const char *resources_json,
                   double deadline, struct tc_err **err)
{
        Tcpb__UpdateTaskRequest req = TCPB__UPDATE_TASK_REQUEST__INIT;
        Tcpb__Any any = TCPB__ANY__INIT;

        any.type_url = (char *) TASKAPI_LINUX_RESOURCES_TYPE;
        any.value.data = (uint8_t *) resources_json;
        any.value.len = strlen(resources_json);
        req.id = str(id);
        req.resources = &any;
        return call_empty(t, "Update", &req.base, deadline, err);
}

void taskapi_process_exec_id(const char *type_url, const uint8_t *value, size_t len,
                             char *exec_id, size_t size)
{
        static const uint8_t empty[1];
        Tcpb__ProcessDetails *d;

        exec_id[0] = '\0';
        if (!type_url || strcmp(type_url, TASKAPI_PROCESS_DETAILS_TYPE) != 0)
                return;
        d = tcpb__process_details__unpack(NULL, len, len ? value : empty);
        if (!d)
                return;
        (void) snprintf(exec_id, size, "%s", d->exec_id ? d->exec_id : "");
        tcpb__process_details__free_unpacked(d, NULL);
}

int taskapi_pids_info(const struct taskapi *t, const char *id, double deadline,
                      struct taskapi_process **ret, size_t *ret_n, struct tc_err **err)
{
        Tcpb__PidsRequest req = TCPB__PIDS_REQUEST__INIT;
        _cleanup_message_ ProtobufCMessage *m = NULL;
        const Tcpb__PidsResponse *r;
        struct taskapi_process *ps = NULL;

        req.id = str(id);
        if (call(t, "Pids", &req.base, &tcpb__pids_response__descriptor, deadline, &m, err) < 0)
                return -1;
        r = (const Tcpb__PidsResponse *) m;
        if (r->n_processes > 0 && !(ps = calloc(r->n_processes, sizeof *ps)))
                return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "decode Pids response");
        for (size_t i = 0; i < r->n_processes; i++) {
                const Tcpb__Any *info = r->processes[i]->info;

                ps[i].pid = r->processes[i]->pid;
                if (info)
                        taskapi_process_exec_id(info->type_url, info->value.data, info->value.len,
                                                ps[i].exec_id, sizeof ps[i].exec_id);
        }
        *ret = ps;
        *ret_n = r->n_processes;
        return 0;
}

int taskapi_wait_send(const struct taskapi *t, const char *id, uint32_t *ret_stream,
                      struct tc_err **err)
{
        Tcpb__WaitRequest req = TCPB__WAIT_REQUEST__INIT;

        req.id = str(id);
        return send_half(t, "Wait", &req.base, timefmt_mono() + 5.0, ret_stream, err);
}

int taskapi_wait_recv(const struct taskapi *t, uint32_t stream, double deadline,
                      struct taskapi_exit *ret_exit, struct tc_err **err)
{
        _cleanup_message_ ProtobufCMessage *m = NULL;
        /* the wait from now, named in a deadline error */
        double span = deadline != TTRPC_NO_DEADLINE ? deadline - timefmt_mono() : 0;
        const Tcpb__WaitResponse *r;

        if (recv_half(t, stream, "Wait", &tcpb__wait_response__descriptor, deadline, span, &m,
                      err) < 0)
                return -1;
        r = (const Tcpb__WaitResponse *) m;
        exit_from_pb(r->exit_status, r->exited_at, ret_exit);
        return 0;
}
