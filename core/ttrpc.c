/* SPDX-License-Identifier: Apache-2.0 */
#include "core/ttrpc.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "core/base/cleanup.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"
#include "core/proto/ttrpc.pb-c.h"

struct ttrpc_conn {
        int fd;
        uint32_t next_stream; /* odd ids, +2 per call, as ttrpc's client */
        char *ns;
        bool closed; /* by the peer or by ttrpc_close() */
        bool broken; /* a frame was cut short or invalid: byte stream out of step */
};

/* What one call needs for its I/O: the deadline and the words for messages. */
struct call {
        const char *method;
        double deadline;
        double timeout; /* deadline - start, for "within Ns" */
};

static void response_freep(Tcpb__Response **r)
{
        if (*r)
                tcpb__response__free_unpacked(*r, NULL);
}

/* ---- framing ---- */

void ttrpc_frame_encode_header(const struct ttrpc_header *h, uint8_t ret_buf[TTRPC_HEADER_LEN])
{
        for (int i = 0; i < 4; i++) {
                ret_buf[i] = (uint8_t) (h->length >> (24 - 8 * i));
                ret_buf[4 + i] = (uint8_t) (h->stream_id >> (24 - 8 * i));
        }
        ret_buf[8] = h->type;
        ret_buf[9] = h->flags;
}

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

int ttrpc_frame_parse_header(const uint8_t buf[TTRPC_HEADER_LEN], struct ttrpc_header *ret_h,
                             struct tc_err **err)
{
        struct ttrpc_header h = {
                .length = be32(buf),
                .stream_id = be32(buf + 4),
                .type = buf[8],
                .flags = buf[9],
        };

        if (h.length > TTRPC_MAX_MESSAGE)
                return tc_fail(err, TC_UNAVAILABLE,
                               "invalid frame from shim: length %u exceeds the limit of %u bytes",
                               h.length, TTRPC_MAX_MESSAGE);
        *ret_h = h;
        return 0;
}

int ttrpc_frame_encode_request(uint32_t stream_id, const char *service, const char *method,
                               const uint8_t *payload, size_t payload_len, int64_t timeout_nano,
                               const char *ns, uint8_t **ret_frame, size_t *ret_len,
                               struct tc_err **err)
{
        Tcpb__Request req = TCPB__REQUEST__INIT;
        Tcpb__KeyValue kv = TCPB__KEY_VALUE__INIT;
        Tcpb__KeyValue *md[1] = {&kv};
        _cleanup_free_ uint8_t *frame = NULL;
        size_t body_len;

        if (payload_len > TTRPC_MAX_MESSAGE)
                goto too_large;
        req.service = (char *) service;
        req.method = (char *) method;
        req.payload.data = (uint8_t *) payload;
        req.payload.len = payload_len;
        req.timeout_nano = timeout_nano;
        if (ns) {
                kv.key = (char *) TTRPC_NAMESPACE_KEY;
                kv.value = (char *) ns;
                req.metadata = md;
                req.n_metadata = 1;
        }
        body_len = tcpb__request__get_packed_size(&req);
        if (body_len > TTRPC_MAX_MESSAGE)
                goto too_large;
        frame = malloc(TTRPC_HEADER_LEN + body_len);
        if (!frame)
                return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "encode %s request", method);
        ttrpc_frame_encode_header(&(struct ttrpc_header){.length = (uint32_t) body_len,
                                                         .stream_id = stream_id,
                                                         .type = TTRPC_TYPE_REQUEST},
                                  frame);
        (void) tcpb__request__pack(&req, frame + TTRPC_HEADER_LEN);
        *ret_frame = steal_ptr(frame);
        *ret_len = TTRPC_HEADER_LEN + body_len;
        return 0;

too_large:
        return tc_fail(err, TC_INVALID_ARGUMENT,
                       "%s request exceeds the maximum message size of %u bytes", method,
                       TTRPC_MAX_MESSAGE);
}

/* ---- status ---- */

enum tc_kind ttrpc_status_kind(int code)
{
        switch (code) {
        case 3:
                return TC_INVALID_ARGUMENT;
        case 4:
                return TC_DEADLINE_EXCEEDED;
        case 5:
                return TC_NOT_FOUND;
        case 6:
                return TC_ALREADY_EXISTS;
        case 9:
                return TC_FAILED_PRECONDITION;
        case 12:
        case 14:
                return TC_UNAVAILABLE;
        default:
                return TC_INTERNAL;
        }
}

/* The text of the errdefs class containerd's FromGRPC picks for CODE. */
static const char *status_class(int code)
{
        static const char *const classes[] = {
                [1] = "context canceled",
                [3] = "invalid argument",
                [4] = "context deadline exceeded",
                [5] = "not found",
                [6] = "already exists",
                [9] = "failed precondition",
                [12] = "not implemented",
                [14] = "unavailable",
        };

        if (code >= 0 && (size_t) code < ELEMENTSOF(classes) && classes[code])
                return classes[code];
        return "unknown";
}

/* As errdefs.FromGRPC's rebaseMessage: the kind carries the class, so a
 * trailing ": <class>" is dropped ("container not created: not found" ->
 * "container not created"). A message that is only the class is kept.
 * Unimplemented has no kind of its own, so its class stays in the text
 * ("service containerd.task.v3.Task: not implemented"). */
static int status_error(int code, const char *message, struct tc_err **err)
{
        const char *cls = status_class(code);
        size_t n = strlen(message), c = strlen(cls);

        if (n == 0)
                return tc_fail(err, ttrpc_status_kind(code), "%s (code %d)", cls, code);
        if (n > c + 2 && strcmp(message + n - c, cls) == 0 &&
            strncmp(message + n - c - 2, ": ", 2) == 0)
                n -= c + 2;
        if (code == 12)
                return tc_fail(err, TC_UNAVAILABLE, "%.*s: %s", (int) n, message, cls);
        return tc_fail(err, ttrpc_status_kind(code), "%.*s", (int) n, message);
}

int ttrpc_decode_response(const uint8_t *body, size_t len, uint8_t **ret_payload, size_t *ret_len,
                          struct tc_err **err)
{
        static const uint8_t empty[1];
        _cleanup_(response_freep) Tcpb__Response *r = NULL;
        uint8_t *payload = NULL;

        r = tcpb__response__unpack(NULL, len, len ? body : empty);
        if (!r)
                return tc_fail(err, TC_UNAVAILABLE,
                               "invalid response from shim: not a ttrpc.Response");
        if (r->status && r->status->code != 0)
                return status_error(r->status->code, r->status->message, err);
        if (r->payload.len > 0) {
                payload = malloc(r->payload.len);
                if (!payload)
                        return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "decode response");
                memcpy(payload, r->payload.data, r->payload.len);
        }
        *ret_payload = payload;
        *ret_len = r->payload.len;
        return 0;
}

/* ---- connection ---- */

int ttrpc_conn_from_fd(int fd, struct ttrpc_conn **ret_conn, struct tc_err **err)
{
        struct ttrpc_conn *c = calloc(1, sizeof *c);

        if (!c) {
                (void) close(fd);
                return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "allocate connection");
        }
        c->fd = fd;
        c->next_stream = 1;
        *ret_conn = c;
        return 0;
}

int ttrpc_set_namespace(struct ttrpc_conn *c, const char *ns, struct tc_err **err)
{
        char *copy = NULL;

        if (ns && !(copy = strdup(ns)))
                return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "set namespace");
        free(c->ns);
        c->ns = copy;
        return 0;
}

bool ttrpc_closed(const struct ttrpc_conn *c)
{
        return c->closed;
}

void ttrpc_close(struct ttrpc_conn *c)
{
        if (c->fd >= 0)
                (void) close(c->fd);
        c->fd = -1;
        c->closed = true;
}

void ttrpc_conn_free(struct ttrpc_conn *c)
{
        if (!c)
                return;
        ttrpc_close(c);
        free(c->ns);
        free(c);
}

void ttrpc_conn_freep(struct ttrpc_conn **c)
{
        ttrpc_conn_free(*c);
        *c = NULL;
}

/* ---- dialing ---- */

/* containerd's socket.path(): "unix://" names a filesystem path, no scheme an
 * abstract socket. A plain absolute path is taken as a filesystem path too. */
static int parse_address(const char *address, struct sockaddr_un *ret_sa, socklen_t *ret_len,
                         struct tc_err **err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        const char *path = address;
        bool abstract = false;
        size_t n;

        if (strncmp(address, "unix://", 7) == 0)
                path = address + 7;
        else if (strstr(address, "://"))
                return tc_fail(err, TC_INVALID_ARGUMENT, "unsupported shim address \"%s\"",
                               address);
        else if (address[0] != '/')
                abstract = true;
        n = strlen(path);
        if (n == 0)
                return tc_fail(err, TC_INVALID_ARGUMENT, "empty shim address");
        if (n >= sizeof sa.sun_path)
                return tc_fail(err, TC_INVALID_ARGUMENT, "shim address too long: \"%s\"", address);
        memcpy(sa.sun_path + abstract, path, n);
        *ret_sa = sa;
        *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + abstract + n + !abstract);
        return 0;
}

/* Milliseconds left until DEADLINE for poll(), rounded up; -1 for none, 0 when past. */
static int ms_left(double deadline)
{
        double left;
        int ms;

        if (deadline == TTRPC_NO_DEADLINE)
                return -1;
        left = (deadline - timefmt_mono()) * 1000.0;
        if (left <= 0)
                return 0;
        if (left > 1e9)
                return 1000000000;
        ms = (int) left;
        return ms < left ? ms + 1 : ms;
}

static int connect_until(int fd, const struct sockaddr_un *sa, socklen_t len, const char *address,
                         double deadline, struct tc_err **err)
{
        /* A non-blocking AF_UNIX connect fails with EAGAIN only while the
         * listener's backlog is full: retry until the deadline. */
        while (connect(fd, (const struct sockaddr *) sa, len) < 0) {
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return tc_fail_sys(err, TC_UNAVAILABLE, errno, "shim not reachable at %s",
                                           address);
                if (ms_left(deadline) == 0)
                        return tc_fail(err, TC_DEADLINE_EXCEEDED,
                                       "shim at %s did not accept the connection in time", address);
                (void) poll(NULL, 0, 10);
        }
        return 0;
}

int ttrpc_dial(const char *address, double deadline, struct ttrpc_conn **ret_conn,
               struct tc_err **err)
{
        _cleanup_close_ int fd = -1;
        struct sockaddr_un sa;
        socklen_t len = 0;

        if (parse_address(address, &sa, &len, err) < 0)
                return -1;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "create socket");
        if (connect_until(fd, &sa, len, address, deadline, err) < 0)
                return -1;
        return ttrpc_conn_from_fd(steal_fd(fd), ret_conn, err);
}

/* ---- I/O with a deadline ---- */

static int fail_closed(struct ttrpc_conn *c, struct tc_err **err)
{
        c->closed = true;
        return tc_fail(err, TC_UNAVAILABLE, "connection closed by shim");
}

static int wait_ready(struct ttrpc_conn *c, short events, const struct call *k, struct tc_err **err)
{
        struct pollfd p = {.fd = c->fd, .events = events};
        int r;

        for (;;) {
                r = poll(&p, 1, ms_left(k->deadline));
                if (r > 0)
                        return 0; /* also on POLLHUP/POLLERR: send/recv tell what */
                if (r == 0)
                        return tc_fail(err, TC_DEADLINE_EXCEEDED,
                                       "shim did not answer %s within %gs", k->method,
                                       (double) (long long) (k->timeout * 1000.0 + 0.5) / 1000.0);
                if (errno != EINTR)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "poll shim connection");
        }
}

static int send_all(struct ttrpc_conn *c, const uint8_t *buf, size_t len, const struct call *k,
                    struct tc_err **err)
{
        size_t off = 0;
        ssize_t n;

        while (off < len) {
                n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n >= 0) {
                        off += (size_t) n;
                        continue;
                }
                if (errno == EINTR)
                        continue;
                if (errno == EPIPE || errno == ECONNRESET)
                        return fail_closed(c, err);
                if (errno != EAGAIN) {
                        c->broken = true;
                        return tc_fail_sys(err, TC_UNAVAILABLE, errno, "send %s request",
                                           k->method);
                }
                if (wait_ready(c, POLLOUT, k, err) < 0) {
                        if (off > 0) /* half a frame went out */
                                c->broken = true;
                        return -1;
                }
        }
        return 0;
}

/* Reads exactly LEN bytes; *GOT says how many arrived, even on failure. */
static int recv_all(struct ttrpc_conn *c, uint8_t *buf, size_t len, const struct call *k,
                    size_t *got, struct tc_err **err)
{
        ssize_t n;

        *got = 0;
        while (*got < len) {
                n = recv(c->fd, buf + *got, len - *got, MSG_DONTWAIT);
                if (n > 0) {
                        *got += (size_t) n;
                } else if (n == 0 || errno == ECONNRESET) {
                        return fail_closed(c, err);
                } else if (errno == EAGAIN) {
                        if (wait_ready(c, POLLIN, k, err) < 0)
                                return -1;
                } else if (errno != EINTR) {
                        return tc_fail_sys(err, TC_UNAVAILABLE, errno, "receive %s response",
                                           k->method);
                }
        }
        return 0;
}

/* Reads one frame; the body is malloc'd (NULL when empty). Failing after part
 * of a frame was read leaves the stream out of step: the connection is broken.
 * Failing before its first byte (the deadline) leaves it usable. */
static int read_frame(struct ttrpc_conn *c, const struct call *k, struct ttrpc_header *ret_h,
                      uint8_t **ret_body, struct tc_err **err)
{
        uint8_t hb[TTRPC_HEADER_LEN];
        _cleanup_free_ uint8_t *body = NULL;
        struct ttrpc_header h;
        size_t got;

        if (recv_all(c, hb, sizeof hb, k, &got, err) < 0) {
                if (got > 0)
                        c->broken = true;
                return -1;
        }
        if (ttrpc_frame_parse_header(hb, &h, err) < 0) {
                c->broken = true;
                return -1;
        }
        if (h.length > 0) {
                body = malloc(h.length);
                if (!body) {
                        c->broken = true;
                        return tc_fail_sys(err, TC_INTERNAL, ENOMEM, "receive %s response",
                                           k->method);
                }
                if (recv_all(c, body, h.length, k, &got, err) < 0) {
                        c->broken = true;
                        return -1;
                }
        }
        *ret_h = h;
        *ret_body = steal_ptr(body);
        return 0;
}

/* As ttrpc's client receive loop: frames for other stream ids (calls we gave
 * up on) are dropped; ours must be a response. */
static int await_response(struct ttrpc_conn *c, uint32_t id, const struct call *k,
                          uint8_t **ret_body, size_t *ret_len, struct tc_err **err)
{
        for (;;) {
                _cleanup_free_ uint8_t *body = NULL;
                struct ttrpc_header h = {0};

                if (read_frame(c, k, &h, &body, err) < 0)
                        return -1;
                if (h.stream_id != id) {
                        log_debug("ttrpc: dropping a frame for stream %u while waiting for %u",
                                  h.stream_id, id);
                        continue;
                }
                if (h.type != TTRPC_TYPE_RESPONSE)
                        return tc_fail(err, TC_UNAVAILABLE,
                                       "invalid frame from shim: message type %u for %s", h.type,
                                       k->method);
                *ret_body = steal_ptr(body);
                *ret_len = h.length;
                return 0;
        }
}

static int check_usable(const struct ttrpc_conn *c, struct tc_err **err)
{
        if (c->fd < 0)
                return tc_fail(err, TC_UNAVAILABLE, "connection to shim is closed");
        if (c->closed)
                return tc_fail(err, TC_UNAVAILABLE, "connection closed by shim");
        if (c->broken)
                return tc_fail(err, TC_UNAVAILABLE,
                               "connection to shim is unusable after an earlier error");
        return 0;
}

int ttrpc_call(struct ttrpc_conn *c, const char *service, const char *method, const uint8_t *req,
               size_t req_len, double deadline, uint8_t **ret_resp, size_t *ret_len,
               struct tc_err **err)
{
        struct call k = {.method = method, .deadline = deadline};
        _cleanup_free_ uint8_t *frame = NULL, *body = NULL;
        size_t frame_len = 0, body_len = 0;
        int64_t timeout_nano = 0;
        uint32_t id;

        if (check_usable(c, err) < 0)
                return -1;
        if (deadline != TTRPC_NO_DEADLINE) {
                k.timeout = deadline - timefmt_mono();
                if (k.timeout <= 0)
                        return tc_fail(err, TC_DEADLINE_EXCEEDED,
                                       "deadline passed before calling %s", method);
                /* rounded up, so that a tiny rest is not 0 = "no timeout" */
                timeout_nano = k.timeout < 9e9 ? (int64_t) (k.timeout * 1e9) + 1 : INT64_MAX;
        }
        id = c->next_stream;
        if (ttrpc_frame_encode_request(id, service, method, req, req_len, timeout_nano, c->ns,
                                       &frame, &frame_len, err) < 0)
                return -1;
        c->next_stream += 2;
        if (send_all(c, frame, frame_len, &k, err) < 0 ||
            await_response(c, id, &k, &body, &body_len, err) < 0)
                return -1;
        return ttrpc_decode_response(body, body_len, ret_resp, ret_len, err);
}

/* ---- a call in two halves, for a caller that polls many connections ---- */

int ttrpc_conn_fd(const struct ttrpc_conn *c)
{
        return c->fd;
}

int ttrpc_call_send(struct ttrpc_conn *c, const char *service, const char *method,
                    const uint8_t *req, size_t req_len, double deadline, uint32_t *ret_stream,
                    struct tc_err **err)
{
        struct call k = {.method = method, .deadline = deadline};
        _cleanup_free_ uint8_t *frame = NULL;
        size_t frame_len = 0;
        uint32_t id;

        if (check_usable(c, err) < 0)
                return -1;
        if (deadline != TTRPC_NO_DEADLINE)
                k.timeout = deadline - timefmt_mono();
        id = c->next_stream;
        /* no timeout_nano: the server would only cancel its side of the call */
        if (ttrpc_frame_encode_request(id, service, method, req, req_len, 0, c->ns, &frame,
                                       &frame_len, err) < 0)
                return -1;
        c->next_stream += 2;
        if (send_all(c, frame, frame_len, &k, err) < 0)
                return -1;
        *ret_stream = id;
        return 0;
}

int ttrpc_call_recv(struct ttrpc_conn *c, uint32_t stream, const char *method, double deadline,
                    double span, uint8_t **ret_resp, size_t *ret_len, struct tc_err **err)
{
        struct call k = {.method = method, .deadline = deadline, .timeout = span};
        _cleanup_free_ uint8_t *body = NULL;
        size_t body_len = 0;

        if (check_usable(c, err) < 0)
                return -1;
        if (await_response(c, stream, &k, &body, &body_len, err) < 0)
                return -1;
        return ttrpc_decode_response(body, body_len, ret_resp, ret_len, err);
}
