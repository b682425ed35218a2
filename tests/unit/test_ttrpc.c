/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "core/ttrpc.h"
#include "tests/unit/peer.h"

#define SVC "containerd.task.v2.Task"

/* shim-protocol.md §4: Connect with an empty id and namespace "shimctl" */
static const uint8_t connect_vector[] = {
        0x00, 0x00, 0x00, 0x49, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x0a, 0x17, 'c', 'o',
        'n',  't',  'a',  'i',  'n',  'e',  'r',  'd',  '.',  't',  'a',  's',  'k', '.',
        'v',  '2',  '.',  'T',  'a',  's',  'k',  0x12, 0x07, 'C',  'o',  'n',  'n', 'e',
        'c',  't',  0x2a, 0x25, 0x0a, 0x1a, 'c',  'o',  'n',  't',  'a',  'i',  'n', 'e',
        'r',  'd',  '-',  'n',  'a',  'm',  'e',  's',  'p',  'a',  'c',  'e',  '-', 't',
        't',  'r',  'p',  'c',  0x12, 0x07, 's',  'h',  'i',  'm',  'c',  't',  'l',
};
/* ConnectResponse{shim_pid=11353} in a Response */
static const uint8_t connect_reply[] = {0x12, 0x03, 0x08, 0xd9, 0x58};

static struct ttrpc_conn *conn;
static int peer = -1;
static struct tc_err *err;
static uint8_t *resp;
static size_t resp_len;

static void setup(void)
{
        cr_assert(peer_pair(&conn, &peer));
}

static void teardown(void)
{
        ttrpc_conn_freep(&conn);
        if (peer >= 0)
                (void) close(peer);
        tc_err_freep(&err);
        free(resp);
}

static int call_in(double seconds)
{
        return ttrpc_call(conn, SVC, "Connect", NULL, 0, timefmt_mono() + seconds, &resp, &resp_len,
                          &err);
}

/* ---- framing ---- */

TestSuite(ttrpc_frame, .fini = teardown);
TestSuite(ttrpc_status, .fini = teardown);

Test(ttrpc_frame, header_encode)
{
        uint8_t b[TTRPC_HEADER_LEN];
        const uint8_t want[] = {0x00, 0x00, 0x00, 0x49, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00};

        ttrpc_frame_encode_header(
                &(struct ttrpc_header){.length = 0x49, .stream_id = 1, .type = TTRPC_TYPE_REQUEST},
                b);
        cr_assert(eq(int, memcmp(b, want, sizeof want), 0));
}

Test(ttrpc_frame, header_parse_big_endian)
{
        const uint8_t b[] = {0x00, 0x01, 0x02, 0x26, 0x80, 0x00, 0x00, 0x03, 0x02, 0x04};
        struct ttrpc_header h;

        cr_assert(eq(int, ttrpc_frame_parse_header(b, &h, &err), 0));
        cr_assert(eq(u32, h.length, 0x10226));
        cr_assert(eq(u32, h.stream_id, 0x80000003u));
        cr_assert(eq(u8, h.type, 2));
        cr_assert(eq(u8, h.flags, 4));
}

Test(ttrpc_frame, header_length_limit)
{
        const uint8_t max[] = {0x00, 0x40, 0x00, 0x00, 0, 0, 0, 1, 2, 0};
        const uint8_t over[] = {0x00, 0x40, 0x00, 0x01, 0, 0, 0, 1, 2, 0};
        const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 2, 0};
        struct ttrpc_header h = {0};

        cr_assert(eq(int, ttrpc_frame_parse_header(max, &h, &err), 0));
        cr_assert(eq(u32, h.length, TTRPC_MAX_MESSAGE));
        h.length = 7;
        cr_assert(eq(int, ttrpc_frame_parse_header(over, &h, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(u32, h.length, 7)); /* untouched on failure */
        cr_assert(eq(int, ttrpc_frame_parse_header(huge, &h, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
}

Test(ttrpc_frame, connect_request_vector)
{
        _cleanup_free_ uint8_t *f = NULL;
        size_t len = 0;

        cr_assert(eq(int,
                     ttrpc_frame_encode_request(1, SVC, "Connect", NULL, 0, 0, "shimctl", &f, &len,
                                                &err),
                     0));
        cr_assert(eq(sz, len, sizeof connect_vector));
        cr_assert(eq(int, memcmp(f, connect_vector, len), 0));
}

Test(ttrpc_frame, request_fields)
{
        const uint8_t payload[] = {0x0a, 0x03, 'w', 'e', 'b'};
        _cleanup_free_ uint8_t *f = NULL;
        struct ttrpc_header h;
        Tcpb__Request *r;
        size_t len = 0;

        cr_assert(eq(int,
                     ttrpc_frame_encode_request(7, SVC, "State", payload, sizeof payload, -1, NULL,
                                                &f, &len, &err),
                     0));
        cr_assert(eq(int, ttrpc_frame_parse_header(f, &h, &err), 0));
        cr_assert(eq(u32, h.stream_id, 7));
        cr_assert(eq(u8, h.type, TTRPC_TYPE_REQUEST));
        cr_assert(eq(sz, h.length + TTRPC_HEADER_LEN, len));
        r = tcpb__request__unpack(NULL, h.length, f + TTRPC_HEADER_LEN);
        cr_assert_not_null(r);
        cr_assert(eq(str, r->method, "State"));
        cr_assert(eq(sz, r->payload.len, sizeof payload));
        cr_assert(eq(i64, r->timeout_nano, -1)); /* a negative int64 survives */
        cr_assert(eq(sz, r->n_metadata, 0));
        tcpb__request__free_unpacked(r, NULL);
}

Test(ttrpc_frame, request_too_large)
{
        uint8_t *big = calloc(TTRPC_MAX_MESSAGE + 1, 1);
        uint8_t *f = NULL;
        size_t len = 0;

        cr_assert_not_null(big);
        /* the payload alone fits, the Request around it does not */
        cr_assert(eq(int,
                     ttrpc_frame_encode_request(1, SVC, "Create", big, TTRPC_MAX_MESSAGE, 0, NULL,
                                                &f, &len, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(int,
                     ttrpc_frame_encode_request(1, SVC, "Create", big, TTRPC_MAX_MESSAGE + 1, 0,
                                                NULL, &f, &len, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert_null(f);
        free(big);
}

Test(ttrpc_frame, response_payload)
{
        const uint8_t want[] = {0x08, 0xd9, 0x58};

        cr_assert(eq(
                int,
                ttrpc_decode_response(connect_reply, sizeof connect_reply, &resp, &resp_len, &err),
                0));
        cr_assert(eq(sz, resp_len, 3));
        cr_assert(eq(int, memcmp(resp, want, sizeof want), 0));
}

Test(ttrpc_frame, response_empty_body_is_success)
{
        resp_len = 99;
        cr_assert(eq(int, ttrpc_decode_response(NULL, 0, &resp, &resp_len, &err), 0));
        cr_assert_null(resp);
        cr_assert(eq(sz, resp_len, 0));
}

Test(ttrpc_frame, response_status)
{
        static const char body[] = "\x0a\x24\x08\x05\x12\x20"
                                   "container not created: not found";

        cr_assert(eq(int,
                     ttrpc_decode_response((const uint8_t *) body, sizeof body - 1, &resp,
                                           &resp_len, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        cr_assert(eq(str, err->msg, "container not created"));
        cr_assert_null(resp);
}

Test(ttrpc_frame, response_garbage_and_truncated)
{
        const uint8_t garbage[] = {0xff, 0xff, 0xff};
        const uint8_t wire7[] = {0x0f, 0x00};
        const uint8_t truncated[] = {0x12, 0x05, 0x08, 0xd9};

        cr_assert(eq(int, ttrpc_decode_response(garbage, sizeof garbage, &resp, &resp_len, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(int, ttrpc_decode_response(wire7, sizeof wire7, &resp, &resp_len, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(int,
                     ttrpc_decode_response(truncated, sizeof truncated, &resp, &resp_len, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert_null(resp);
}

Test(ttrpc_status, code_to_kind)
{
        static const struct {
                int code;
                enum tc_kind kind;
        } rows[] = {
                {1, TC_INTERNAL}, /* Canceled: no such kind */
                {2, TC_INTERNAL}, /* Unknown: the shim's usual error */
                {3, TC_INVALID_ARGUMENT},
                {4, TC_DEADLINE_EXCEEDED},
                {5, TC_NOT_FOUND},
                {6, TC_ALREADY_EXISTS},
                {7, TC_INTERNAL}, /* PermissionDenied */
                {8, TC_INTERNAL}, /* ResourceExhausted */
                {9, TC_FAILED_PRECONDITION},
                {11, TC_INTERNAL},
                {12, TC_UNAVAILABLE}, /* Unimplemented: wrong service/method */
                {13, TC_INTERNAL},
                {14, TC_UNAVAILABLE},
                {16, TC_INTERNAL},
                {-1, TC_INTERNAL},
                {1000, TC_INTERNAL},
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                cr_assert(eq(int, ttrpc_status_kind(rows[i].code), rows[i].kind), "code %d",
                          rows[i].code);
}

Test(ttrpc_status, message_suffix)
{
        static const struct {
                int code;
                const char *in, *out;
        } rows[] = {
                {5, "container not created: not found", "container not created"},
                {5, "process does not exist ghost: not found", "process does not exist ghost"},
                {5, "not found", "not found"}, /* only the class: kept */
                {6, "x: already exists", "x"},
                {6, "x: not found", "x: not found"}, /* another class: kept */
                {2, "cannot start a running process", "cannot start a running process"},
                {2, "boom: unknown", "boom"},
                {12, "method Bogus", "method Bogus: not implemented"},
                {12, "x: not implemented", "x: not implemented"},
                {9, "x: failed precondition", "x"},
                {5, "", "not found (code 5)"},
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                Tcpb__Response r = TCPB__RESPONSE__INIT;
                Tcpb__Status st = TCPB__STATUS__INIT;
                uint8_t buf[256];
                size_t n;

                st.code = rows[i].code;
                st.message = (char *) rows[i].in;
                r.status = &st;
                n = tcpb__response__pack(&r, buf);
                cr_assert(eq(int, ttrpc_decode_response(buf, n, &resp, &resp_len, &err), -1));
                cr_assert(eq(str, err->msg, (char *) rows[i].out));
                cr_assert(eq(int, err->kind, ttrpc_status_kind(rows[i].code)));
        }
}

/* ---- calls over a socketpair ---- */

TestSuite(ttrpc_call, .init = setup, .fini = teardown);

Test(ttrpc_call, success_and_request_contents)
{
        struct ttrpc_header h;
        Tcpb__Request *r;

        cr_assert(ttrpc_set_namespace(conn, "tctest", &err) == 0);
        cr_assert(peer_write_frame(peer, 1, TTRPC_TYPE_RESPONSE, connect_reply,
                                   sizeof connect_reply));
        cr_assert(eq(int, call_in(5), 0), "%s", err ? err->msg : "");
        cr_assert(eq(sz, resp_len, 3));
        r = peer_read_request(peer, &h);
        cr_assert_not_null(r);
        cr_assert(eq(u32, h.stream_id, 1));
        cr_assert(eq(str, r->service, SVC));
        cr_assert(eq(str, r->method, "Connect"));
        cr_assert(gt(i64, r->timeout_nano, 0));
        cr_assert(le(i64, r->timeout_nano, 5000000000));
        cr_assert(eq(sz, r->n_metadata, 1));
        cr_assert(eq(str, r->metadata[0]->key, TTRPC_NAMESPACE_KEY));
        cr_assert(eq(str, r->metadata[0]->value, "tctest"));
        tcpb__request__free_unpacked(r, NULL);
}

Test(ttrpc_call, stream_ids_odd_and_increasing)
{
        for (uint32_t id = 1; id <= 7; id += 2) {
                struct ttrpc_header h;
                Tcpb__Request *r;

                cr_assert(peer_write_response(peer, id, NULL));
                cr_assert(eq(int, call_in(5), 0));
                cr_assert_null(resp); /* an empty body is a success */
                r = peer_read_request(peer, &h);
                cr_assert_not_null(r);
                cr_assert(eq(u32, h.stream_id, id));
                tcpb__request__free_unpacked(r, NULL);
        }
}

Test(ttrpc_call, out_of_order_responses_are_dropped)
{
        const uint8_t junk[] = {0xff, 0xff};

        /* a late answer for a call given up on, a frame of another type, then ours */
        cr_assert(peer_write_status(peer, 7, 5, "stale: not found"));
        cr_assert(peer_write_frame(peer, 9, 3, junk, sizeof junk));
        cr_assert(peer_write_frame(peer, 1, TTRPC_TYPE_RESPONSE, connect_reply,
                                   sizeof connect_reply));
        cr_assert(eq(int, call_in(5), 0), "%s", err ? err->msg : "");
        cr_assert(eq(sz, resp_len, 3));
}

Test(ttrpc_call, status_error)
{
        cr_assert(peer_write_status(peer, 1, 2, "cannot start a running process"));
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_INTERNAL));
        cr_assert(eq(str, err->msg, "cannot start a running process"));
        /* the connection stays usable */
        cr_assert(peer_write_response(peer, 3, NULL));
        cr_assert(eq(int, call_in(5), 0));
}

Test(ttrpc_call, peer_closes_mid_header)
{
        const uint8_t half[] = {0x00, 0x00, 0x00};

        cr_assert(peer_write(peer, half, sizeof half));
        cr_assert(eq(int, shutdown(peer, SHUT_WR), 0));
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg, "connection closed by shim"));
        cr_assert(ttrpc_closed(conn));
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
}

Test(ttrpc_call, peer_closes_mid_body)
{
        uint8_t h[TTRPC_HEADER_LEN];

        ttrpc_frame_encode_header(
                &(struct ttrpc_header){.length = 5, .stream_id = 1, .type = TTRPC_TYPE_RESPONSE},
                h);
        cr_assert(peer_write(peer, h, sizeof h));
        cr_assert(peer_write(peer, connect_reply, 2));
        cr_assert(eq(int, shutdown(peer, SHUT_WR), 0));
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg, "connection closed by shim"));
        cr_assert(ttrpc_closed(conn));
}

Test(ttrpc_call, peer_gone_before_send)
{
        (void) close(peer);
        peer = -1;
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg, "connection closed by shim"));
        cr_assert(ttrpc_closed(conn));
}

Test(ttrpc_call, deadline_exceeded_then_late_answer_dropped)
{
        cr_assert(eq(int, call_in(0.2), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
        cr_assert(not(eq(ptr, strstr(err->msg, "did not answer Connect within"), NULL)), "%s",
                  err->msg);
        cr_assert(not(ttrpc_closed(conn)));
        /* the shim answers stream 1 after all, then our next call (3) */
        cr_assert(peer_write_status(peer, 1, 4, "late"));
        cr_assert(peer_write_frame(peer, 3, TTRPC_TYPE_RESPONSE, connect_reply,
                                   sizeof connect_reply));
        cr_assert(eq(int, call_in(5), 0), "%s", err ? err->msg : "");
        cr_assert(eq(sz, resp_len, 3));
}

Test(ttrpc_call, deadline_already_passed_sends_nothing)
{
        uint8_t b[16];

        cr_assert(eq(int, call_in(-1), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
        cr_assert(eq(i64, peer_read_pending(peer, b, sizeof b), -1));
}

Test(ttrpc_call, request_too_large_sends_nothing)
{
        uint8_t *big = calloc(TTRPC_MAX_MESSAGE, 1);
        uint8_t b[16];

        cr_assert_not_null(big);
        cr_assert(eq(int,
                     ttrpc_call(conn, SVC, "Create", big, TTRPC_MAX_MESSAGE, timefmt_mono() + 5,
                                &resp, &resp_len, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(i64, peer_read_pending(peer, b, sizeof b), -1));
        free(big);
}

Test(ttrpc_call, oversized_frame_breaks_the_connection)
{
        const uint8_t h[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1, 2, 0};

        cr_assert(peer_write(peer, h, sizeof h));
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(not(eq(ptr, strstr(err->msg, "exceeds the limit"), NULL)), "%s", err->msg);
        cr_assert(peer_write_response(peer, 3, NULL));
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(not(eq(ptr, strstr(err->msg, "unusable"), NULL)), "%s", err->msg);
}

Test(ttrpc_call, wrong_message_type)
{
        cr_assert(
                peer_write_frame(peer, 1, TTRPC_TYPE_REQUEST, connect_reply, sizeof connect_reply));
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
}

Test(ttrpc_call, garbage_body)
{
        const uint8_t junk[] = {0x0a, 0x7f, 0x01};

        cr_assert(peer_write_frame(peer, 1, TTRPC_TYPE_RESPONSE, junk, sizeof junk));
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        /* the frame itself was whole: the next call works */
        cr_assert(peer_write_response(peer, 3, NULL));
        cr_assert(eq(int, call_in(5), 0));
}

Test(ttrpc_call, closed_locally)
{
        ttrpc_close(conn);
        cr_assert(ttrpc_closed(conn));
        cr_assert(eq(int, call_in(5), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
}

/* A peer thread that answers only after the client has blocked in poll(),
 * first for a stream nobody waits for. */
static void *slow_peer(void *arg)
{
        int fd = *(int *) arg;
        struct ttrpc_header h;
        Tcpb__Request *r = peer_read_request(fd, &h);
        bool ok = r != NULL;

        if (r)
                tcpb__request__free_unpacked(r, NULL);
        (void) usleep(50 * 1000);
        ok = ok && peer_write_response(fd, h.stream_id + 2, NULL);
        (void) usleep(20 * 1000);
        ok = ok && peer_write_frame(fd, h.stream_id, TTRPC_TYPE_RESPONSE, connect_reply,
                                    sizeof connect_reply);
        return ok ? arg : NULL;
}

Test(ttrpc_call, threaded_peer)
{
        pthread_t t;
        void *ok = NULL;

        cr_assert(eq(int, pthread_create(&t, NULL, slow_peer, &peer), 0));
        cr_assert(eq(int, call_in(5), 0), "%s", err ? err->msg : "");
        cr_assert(eq(int, pthread_join(t, &ok), 0));
        cr_assert_not_null(ok);
        cr_assert(eq(sz, resp_len, 3));
}

/* ---- dialing ---- */

static char dir[] = "/tmp/tc-ttrpc-XXXXXX";

static void make_dir(void)
{
        cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
        char p[256];

        (void) snprintf(p, sizeof p, "%s/s.sock", dir);
        (void) unlink(p);
        (void) rmdir(dir);
        tc_err_freep(&err);
        ttrpc_conn_freep(&conn);
}

/* A socket bound at NAME (abstract when it starts with NUL); listening or not. */
static int bound(const char *name, size_t len, bool listening)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        cr_assert(ge(int, fd, 0));
        memcpy(sa.sun_path, name, len);
        cr_assert(eq(int, bind(fd, (struct sockaddr *) &sa, (socklen_t) (2 + len)), 0), "%s",
                  strerror(errno));
        if (listening)
                cr_assert(eq(int, listen(fd, 4), 0));
        return fd;
}

TestSuite(ttrpc_dial, .init = make_dir, .fini = remove_dir);

Test(ttrpc_dial, missing_socket_is_unavailable)
{
        char addr[256];

        (void) snprintf(addr, sizeof addr, "unix://%s/nope.sock", dir);
        cr_assert(eq(int, ttrpc_dial(addr, timefmt_mono() + 1, &conn, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(int, err->sys, ENOENT));
        cr_assert(not(eq(ptr, strstr(err->msg, "shim not reachable at unix://"), NULL)), "%s",
                  err->msg);
}

Test(ttrpc_dial, stale_socket_is_refused)
{
        char path[200], addr[256];
        _cleanup_close_ int fd = -1;

        (void) snprintf(path, sizeof path, "%s/s.sock", dir);
        fd = bound(path, strlen(path), false);
        (void) snprintf(addr, sizeof addr, "unix://%s", path);
        cr_assert(eq(int, ttrpc_dial(addr, timefmt_mono() + 1, &conn, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(int, err->sys, ECONNREFUSED));
}

Test(ttrpc_dial, unix_scheme_and_plain_path)
{
        char path[200], addr[256];
        _cleanup_close_ int fd = -1;

        (void) snprintf(path, sizeof path, "%s/s.sock", dir);
        fd = bound(path, strlen(path), true);
        (void) snprintf(addr, sizeof addr, "unix://%s", path);
        cr_assert(eq(int, ttrpc_dial(addr, timefmt_mono() + 1, &conn, &err), 0));
        ttrpc_conn_freep(&conn);
        cr_assert(eq(int, ttrpc_dial(path, TTRPC_NO_DEADLINE, &conn, &err), 0));
}

Test(ttrpc_dial, no_scheme_is_abstract)
{
        char name[64];
        _cleanup_close_ int fd = -1;

        (void) snprintf(name, sizeof name, "%ctc-ttrpc-test-%d", 0, (int) getpid());
        fd = bound(name, strlen(name + 1) + 1, true);
        cr_assert(eq(int, ttrpc_dial(name + 1, timefmt_mono() + 1, &conn, &err), 0), "%s",
                  err ? err->msg : "");
}

Test(ttrpc_dial, bad_addresses)
{
        char longp[200];

        memset(longp, 'a', sizeof longp - 1);
        longp[0] = '/';
        longp[sizeof longp - 1] = '\0';
        cr_assert(eq(int, ttrpc_dial("tcp://127.0.0.1:1", 0, &conn, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(int, ttrpc_dial("unix://", 0, &conn, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(int, ttrpc_dial(longp, 0, &conn, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert_null(conn);
}
