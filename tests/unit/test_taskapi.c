/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "core/proto/runc.pb-c.h"
#include "core/proto/task.pb-c.h"
#include "core/taskapi.h"
#include "tests/unit/peer.h"

#define GO_ZERO_TIME (-62135596800LL)

static struct ttrpc_conn *conn;
static int peer = -1;
static struct tc_err *err;
static struct taskapi api;

static void setup(void)
{
        cr_assert(peer_pair(&conn, &peer));
        api = (struct taskapi){.conn = conn, .service = TASKAPI_SERVICE_V2};
}

static void teardown(void)
{
        ttrpc_conn_freep(&conn);
        if (peer >= 0)
                (void) close(peer);
        tc_err_freep(&err);
}

static double soon(void)
{
        return timefmt_mono() + 5;
}

/* The request the client sent, checked for SERVICE and METHOD. */
static Tcpb__Request *sent(const char *service, const char *method)
{
        struct ttrpc_header h;
        Tcpb__Request *r = peer_read_request(peer, &h);

        cr_assert_not_null(r);
        cr_assert(eq(str, r->service, (char *) service));
        cr_assert(eq(str, r->method, (char *) method));
        return r;
}

static void request_freep(Tcpb__Request **r)
{
        if (*r)
                tcpb__request__free_unpacked(*r, NULL);
}

TestSuite(taskapi, .init = setup, .fini = teardown);
TestSuite(taskapi_codec, .fini = teardown);

/* ---- codecs ---- */

Test(taskapi_codec, delete_response_vector)
{
        /* shim-protocol.md §2.4: what the `delete` action printed */
        const uint8_t b[] = {0x08, 0xdb, 0x9b, 0x01, 0x10, 0x89, 0x01, 0x1a, 0x0c, 0x08, 0xd7,
                             0xff, 0xaa, 0xd8, 0x06, 0x10, 0xc1, 0xda, 0xc6, 0xc4, 0x03};
        struct taskapi_deleted d;

        cr_assert(eq(int, taskapi_decode_delete_response(b, sizeof b, &d, &err), 0));
        cr_assert(eq(u32, d.pid, 19931));
        cr_assert(eq(u32, d.exit.status, 137));
        cr_assert(d.exit.exited);
        cr_assert(eq(i64, (int64_t) d.exit.at.tv_sec, 1795866583));
        cr_assert(eq(long, d.exit.at.tv_nsec, 949071169));
}

Test(taskapi_codec, delete_response_garbage)
{
        const uint8_t b[] = {0x08, 0xdb, 0x9b};
        struct taskapi_deleted d = {.pid = 7};

        cr_assert(eq(int, taskapi_decode_delete_response(b, sizeof b, &d, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(u32, d.pid, 7));
        /* empty output is a valid, all-zero message */
        cr_assert(eq(int, taskapi_decode_delete_response(NULL, 0, &d, &err), 0));
        cr_assert(eq(u32, d.pid, 0));
        cr_assert(not(d.exit.exited));
}

Test(taskapi_codec, runc_options_any)
{
        struct taskapi_runc_options o = {.binary_name = "/usr/sbin/runc",
                                         .root = "/run/taskctl/runc",
                                         .systemd_cgroup = true};
        _cleanup_free_ uint8_t *buf = NULL;
        Tcpb__RuncOptions *ro;
        Tcpb__Any *any;
        size_t len = 0;

        cr_assert(eq(int, taskapi_encode_runc_options(&o, &buf, &len, &err), 0));
        any = tcpb__any__unpack(NULL, len, buf);
        cr_assert_not_null(any);
        cr_assert(eq(str, any->type_url, "containerd.runc.v1.Options"));
        ro = tcpb__runc_options__unpack(NULL, any->value.len, any->value.data);
        cr_assert_not_null(ro);
        cr_assert(eq(str, ro->binary_name, "/usr/sbin/runc"));
        cr_assert(eq(str, ro->root, "/run/taskctl/runc"));
        cr_assert(ro->systemd_cgroup);
        cr_assert(eq(str, ro->shim_cgroup, ""));
        tcpb__runc_options__free_unpacked(ro, NULL);
        tcpb__any__free_unpacked(any, NULL);
}

Test(taskapi_codec, empty_runc_options_is_type_url_only)
{
        static const char want[] = "\x0a\x1a"
                                   "containerd.runc.v1.Options";
        struct taskapi_runc_options o = {0};
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0;

        cr_assert(eq(int, taskapi_encode_runc_options(&o, &buf, &len, &err), 0));
        cr_assert(eq(sz, len, sizeof want - 1));
        cr_assert(eq(int, memcmp(buf, want, len), 0));
}

Test(taskapi_codec, any_roundtrip)
{
        const uint8_t v[] = {1, 2, 3};
        _cleanup_free_ uint8_t *buf = NULL;
        Tcpb__Any *any;
        size_t len = 0;

        cr_assert(eq(int, taskapi_encode_any("example.Type", v, sizeof v, &buf, &len, &err), 0));
        any = tcpb__any__unpack(NULL, len, buf);
        cr_assert_not_null(any);
        cr_assert(eq(str, any->type_url, "example.Type"));
        cr_assert(eq(sz, any->value.len, 3));
        tcpb__any__free_unpacked(any, NULL);
}

Test(taskapi_codec, status_names)
{
        static const struct {
                int status;
                const char *name;
        } rows[] = {
                {0, "unknown"}, {1, "created"}, {2, "running"}, {3, "stopped"},
                {4, "paused"},  {5, "pausing"}, {6, "unknown"}, {-1, "unknown"},
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                cr_assert(eq(str, (char *) taskapi_status_name(rows[i].status),
                             (char *) rows[i].name));
}

Test(taskapi_codec, service_for_version)
{
        cr_assert(eq(str, (char *) taskapi_service_for_version(2), TASKAPI_SERVICE_V2));
        cr_assert(eq(str, (char *) taskapi_service_for_version(3), TASKAPI_SERVICE_V3));
        cr_assert_null(taskapi_service_for_version(1));
        cr_assert_null(taskapi_service_for_version(4));
}

/* ---- calls against a fake shim ---- */

Test(taskapi, connect_sends_the_documented_frame)
{
        /* shim-protocol.md §4: the exact Connect frame and its reply */
        static const char want[] = "\x00\x00\x00\x49\x00\x00\x00\x01\x01\x00"
                                   "\x0a\x17"
                                   "containerd.task.v2.Task"
                                   "\x12\x07"
                                   "Connect"
                                   "\x2a\x25\x0a\x1a"
                                   "containerd-namespace-ttrpc"
                                   "\x12\x07"
                                   "shimctl";
        const uint8_t reply[] = {0x12, 0x03, 0x08, 0xd9, 0x58};
        uint32_t shim_pid = 0, task_pid = 1;
        uint8_t got[sizeof want];

        cr_assert(eq(int, ttrpc_set_namespace(conn, "shimctl", &err), 0));
        cr_assert(peer_write_frame(peer, 1, TTRPC_TYPE_RESPONSE, reply, sizeof reply));
        cr_assert(eq(int, taskapi_connect(&api, "", TTRPC_NO_DEADLINE, &shim_pid, &task_pid, &err),
                     0));
        cr_assert(eq(u32, shim_pid, 11353));
        cr_assert(eq(u32, task_pid, 0));
        cr_assert(eq(i64, peer_read_pending(peer, got, sizeof got), sizeof want - 1));
        cr_assert(eq(int, memcmp(got, want, sizeof want - 1), 0));
}

Test(taskapi, create_encodes_the_request)
{
        static const char *const opts[] = {"rbind", "ro", NULL};
        const struct taskapi_mount m = {.type = "bind", .source = "/srv/rootfs", .options = opts};
        _cleanup_free_ uint8_t *any = NULL;
        size_t any_len = 0;
        struct taskapi_runc_options o = {.root = "/run/x"};
        Tcpb__CreateTaskResponse resp = TCPB__CREATE_TASK_RESPONSE__INIT;
        _cleanup_(request_freep) Tcpb__Request *r = NULL;
        Tcpb__CreateTaskRequest *c;
        uint32_t pid = 0;

        cr_assert(eq(int, taskapi_encode_runc_options(&o, &any, &any_len, &err), 0));
        const struct taskapi_create_req req = {
                .id = "web",
                .bundle = "/run/taskctl/tasks/default/web",
                .rootfs = &m,
                .n_rootfs = 1,
                .stdout_path = "/tmp/out",
                .stderr_path = "/dev/null",
                .options_any = any,
                .options_any_len = any_len,
        };
        resp.pid = 4242;
        cr_assert(peer_write_response(peer, 1, &resp.base));
        cr_assert(eq(int, taskapi_create(&api, &req, soon(), &pid, &err), 0), "%s",
                  err ? err->msg : "");
        cr_assert(eq(u32, pid, 4242));
        r = sent(TASKAPI_SERVICE_V2, "Create");
        c = tcpb__create_task_request__unpack(NULL, r->payload.len, r->payload.data);
        cr_assert_not_null(c);
        cr_assert(eq(str, c->id, "web"));
        cr_assert(eq(str, c->bundle, "/run/taskctl/tasks/default/web"));
        cr_assert(eq(sz, c->n_rootfs, 1));
        cr_assert(eq(str, c->rootfs[0]->type, "bind"));
        cr_assert(eq(str, c->rootfs[0]->source, "/srv/rootfs"));
        cr_assert(eq(sz, c->rootfs[0]->n_options, 2));
        cr_assert(eq(str, c->rootfs[0]->options[1], "ro"));
        cr_assert(eq(str, c->stdin, ""));
        cr_assert(eq(str, c->stdout, "/tmp/out"));
        cr_assert(eq(str, c->stderr, "/dev/null"));
        cr_assert(not(c->terminal));
        cr_assert_not_null(c->options);
        cr_assert(eq(str, c->options->type_url, TASKAPI_RUNC_OPTIONS_TYPE));
        tcpb__create_task_request__free_unpacked(c, NULL);
}

Test(taskapi, create_rejects_bad_options_without_sending)
{
        const uint8_t junk[] = {0xff, 0xff};
        const struct taskapi_create_req req = {
                .id = "web", .bundle = "/b", .options_any = junk, .options_any_len = sizeof junk};
        uint32_t pid = 0;
        uint8_t b[8];

        cr_assert(eq(int, taskapi_create(&api, &req, soon(), &pid, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(i64, peer_read_pending(peer, b, sizeof b), -1));
}

Test(taskapi, state_running_with_zero_time)
{
        /* StateResponse{id "web", pid 42, status RUNNING, exited_at = Go's zero
         * time}, the Timestamp bytes as the real shim sends them */
        static const char payload[] = "\x0a\x03web\x18\x2a\x20\x02"
                                      "\x52\x0b\x08\x80\x92\xb8\xc3\x98\xfe\xff\xff\xff\x01";
        Tcpb__Response r = TCPB__RESPONSE__INIT;
        struct taskapi_state st;
        uint8_t body[64];
        size_t n;

        r.payload.data = (uint8_t *) payload;
        r.payload.len = sizeof payload - 1;
        n = tcpb__response__pack(&r, body);
        cr_assert(peer_write_frame(peer, 1, TTRPC_TYPE_RESPONSE, body, n));
        cr_assert(eq(int, taskapi_state(&api, "web", soon(), &st, &err), 0), "%s",
                  err ? err->msg : "");
        cr_assert(eq(str, st.id, "web"));
        cr_assert(eq(u32, st.pid, 42));
        cr_assert(eq(int, st.status, TASKAPI_STATUS_RUNNING));
        cr_assert(not(st.exit.exited));
        cr_assert(eq(i64, (int64_t) st.exit.at.tv_sec, 0));
        cr_assert(eq(str, st.bundle, ""));
        taskapi_state_release(&st);
}

Test(taskapi, state_stopped)
{
        Tcpb__StateResponse s = TCPB__STATE_RESPONSE__INIT;
        Tcpb__Timestamp at = TCPB__TIMESTAMP__INIT;
        struct taskapi_state st;

        s.id = "web";
        s.bundle = "/b/web";
        s.pid = 42;
        s.status = TCPB__TASK_STATUS__TASK_STATUS_STOPPED;
        s.stdout = "file:///tmp/log";
        s.exit_status = 137;
        at.seconds = 1795866583;
        at.nanos = 5;
        s.exited_at = &at;
        cr_assert(peer_write_response(peer, 1, &s.base));
        cr_assert(eq(int, taskapi_state(&api, "web", soon(), &st, &err), 0));
        cr_assert(eq(int, st.status, TASKAPI_STATUS_STOPPED));
        cr_assert(eq(str, (char *) taskapi_status_name(st.status), "stopped"));
        cr_assert(eq(str, st.stdout_path, "file:///tmp/log"));
        cr_assert(eq(u32, st.exit.status, 137));
        cr_assert(st.exit.exited);
        cr_assert(eq(i64, (int64_t) st.exit.at.tv_sec, 1795866583));
        cr_assert(eq(long, st.exit.at.tv_nsec, 5));
        taskapi_state_release(&st);
}

Test(taskapi, not_found_status)
{
        struct taskapi_state st = {0};

        cr_assert(peer_write_status(peer, 1, 5, "container not created: not found"));
        cr_assert(eq(int, taskapi_state(&api, "ghost", soon(), &st, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        cr_assert(eq(str, err->msg, "container not created"));
        cr_assert_null(st.id);
}

Test(taskapi, malformed_payload)
{
        const uint8_t junk[] = {0x12, 0x02, 0xff, 0xff};
        struct taskapi_state st = {0};

        cr_assert(peer_write_frame(peer, 1, TTRPC_TYPE_RESPONSE, junk, sizeof junk));
        cr_assert(eq(int, taskapi_state(&api, "web", soon(), &st, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg, "malformed State response from shim"));
}

Test(taskapi, kill_start_wait_delete)
{
        Tcpb__StartResponse sr = TCPB__START_RESPONSE__INIT;
        Tcpb__WaitResponse wr = TCPB__WAIT_RESPONSE__INIT;
        Tcpb__DeleteResponse dr = TCPB__DELETE_RESPONSE__INIT;
        Tcpb__Timestamp at = TCPB__TIMESTAMP__INIT;
        _cleanup_(request_freep) Tcpb__Request *r = NULL;
        struct taskapi_deleted d;
        struct taskapi_exit ex;
        Tcpb__KillRequest *k;
        uint32_t pid = 0;

        at.seconds = 100;
        sr.pid = 42;
        wr.exit_status = 3;
        wr.exited_at = &at;
        dr.pid = 42;
        dr.exit_status = 3;
        dr.exited_at = &at;
        cr_assert(peer_write_response(peer, 1, &sr.base));
        cr_assert(peer_write_response(peer, 3, NULL));
        cr_assert(peer_write_response(peer, 5, &wr.base));
        cr_assert(peer_write_response(peer, 7, &dr.base));
        cr_assert(eq(int, taskapi_start(&api, "web", soon(), &pid, &err), 0));
        cr_assert(eq(u32, pid, 42));
        cr_assert(eq(int, taskapi_kill(&api, "web", SIGKILL, true, soon(), &err), 0));
        cr_assert(eq(int, taskapi_wait(&api, "web", soon(), &ex, &err), 0));
        cr_assert(eq(u32, ex.status, 3));
        cr_assert(ex.exited);
        cr_assert(eq(int, taskapi_delete(&api, "web", soon(), &d, &err), 0));
        cr_assert(eq(u32, d.pid, 42));
        cr_assert(eq(u32, d.exit.status, 3));
        cr_assert(eq(i64, (int64_t) d.exit.at.tv_sec, 100));

        tcpb__request__free_unpacked(sent(TASKAPI_SERVICE_V2, "Start"), NULL);
        r = sent(TASKAPI_SERVICE_V2, "Kill");
        k = tcpb__kill_request__unpack(NULL, r->payload.len, r->payload.data);
        cr_assert_not_null(k);
        cr_assert(eq(str, k->id, "web"));
        cr_assert(eq(u32, k->signal, SIGKILL));
        cr_assert(k->all);
        tcpb__kill_request__free_unpacked(k, NULL);
        tcpb__request__free_unpacked(sent(TASKAPI_SERVICE_V2, "Wait"), NULL);
        tcpb__request__free_unpacked(sent(TASKAPI_SERVICE_V2, "Delete"), NULL);
}

Test(taskapi, pids)
{
        Tcpb__PidsResponse pr = TCPB__PIDS_RESPONSE__INIT;
        Tcpb__ProcessInfo p1 = TCPB__PROCESS_INFO__INIT, p2 = TCPB__PROCESS_INFO__INIT;
        Tcpb__ProcessInfo *ps[] = {&p1, &p2};
        _cleanup_free_ uint32_t *pids = NULL;
        size_t n = 0;

        p1.pid = 10;
        p2.pid = 11;
        pr.processes = ps;
        pr.n_processes = 2;
        cr_assert(peer_write_response(peer, 1, &pr.base));
        cr_assert(peer_write_response(peer, 3, NULL));
        cr_assert(eq(int, taskapi_pids(&api, "web", soon(), &pids, &n, &err), 0));
        cr_assert(eq(sz, n, 2));
        cr_assert(eq(u32, pids[1], 11));
        free(steal_ptr(pids));
        cr_assert(eq(int, taskapi_pids(&api, "web", soon(), &pids, &n, &err), 0));
        cr_assert(eq(sz, n, 0));
        cr_assert_null(pids);
}

Test(taskapi, v3_service)
{
        _cleanup_(request_freep) Tcpb__Request *r = NULL;

        api.service = TASKAPI_SERVICE_V3;
        cr_assert(peer_write_response(peer, 1, NULL));
        cr_assert(eq(int, taskapi_kill(&api, "web", 0, false, soon(), &err), 0));
        r = sent(TASKAPI_SERVICE_V3, "Kill");
}

Test(taskapi, null_service_is_v2)
{
        _cleanup_(request_freep) Tcpb__Request *r = NULL;

        api.service = NULL;
        cr_assert(peer_write_response(peer, 1, NULL));
        cr_assert(eq(int, taskapi_kill(&api, "web", 0, false, soon(), &err), 0));
        r = sent(TASKAPI_SERVICE_V2, "Kill");
}

Test(taskapi, shutdown_answered)
{
        cr_assert(peer_write_response(peer, 1, NULL));
        cr_assert(eq(int, taskapi_shutdown(&api, "web", false, soon(), &err), 0));
        cr_assert_null(err);
}

Test(taskapi, shutdown_closed_connection_is_success)
{
        cr_assert(eq(int, shutdown(peer, SHUT_WR), 0));
        cr_assert(eq(int, taskapi_shutdown(&api, "web", true, soon(), &err), 0));
        cr_assert_null(err);
}

Test(taskapi, shutdown_error_is_reported)
{
        cr_assert(peer_write_status(peer, 1, 9, "tasks remain: failed precondition"));
        cr_assert(eq(int, taskapi_shutdown(&api, "web", false, soon(), &err), -1));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION));
        cr_assert(eq(str, err->msg, "tasks remain"));
}

Test(taskapi, shutdown_deadline_is_not_success)
{
        cr_assert(eq(int, taskapi_shutdown(&api, "web", false, timefmt_mono() + 0.2, &err), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
}
