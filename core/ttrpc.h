/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A ttrpc 1.1 client (github.com/containerd/ttrpc client.go, channel.go) over a
 * unix stream socket: unary calls only, which is all the 1.6 shims speak.
 * Nothing here knows about tasks; core/taskapi.c builds on it.
 *
 * A connection is used by one thread. A call blocks until its own response,
 * so at most one call of ours is in flight; responses to calls given up on
 * (deadline) arrive later and are dropped by stream id.
 *
 * Errors (kinds picked here, since this is the code that knows what failed):
 *   - cannot connect: TC_UNAVAILABLE "shim not reachable at ADDR: <strerror>"
 *   - deadline passed: TC_DEADLINE_EXCEEDED "shim did not answer METHOD within Ns"
 *   - peer closed: TC_UNAVAILABLE "connection closed by shim" (ttrpc_closed() is
 *     then true, as ttrpc.ErrClosed)
 *   - a peer that breaks the protocol (frame over 4 MiB, undecodable Response,
 *     wrong message type): TC_UNAVAILABLE. The fault is the peer's, not ours
 *     (not TC_INTERNAL, which means a taskctl bug) and to the user a shim that
 *     talks garbage is a failing shim: "unavailable" (docs/shim-protocol.md).
 *     After a framing error the connection is unusable and later calls fail
 *     at once with TC_UNAVAILABLE.
 *   - request over 4 MiB: TC_INVALID_ARGUMENT, nothing sent
 *   - a status from the server: see ttrpc_status_kind()
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

#define TTRPC_HEADER_LEN 10
/* ttrpc's messageLengthMax, for the body of a frame, both ways */
#define TTRPC_MAX_MESSAGE (4u << 20)
/* metadata key containerd sends the namespace under on every call */
#define TTRPC_NAMESPACE_KEY "containerd-namespace-ttrpc"
/* a deadline meaning "wait forever" (and send no timeout_nano) */
#define TTRPC_NO_DEADLINE 0.0

enum ttrpc_msg_type {
        TTRPC_TYPE_REQUEST = 1,
        TTRPC_TYPE_RESPONSE = 2,
};

struct ttrpc_conn;

/* Connects to ADDRESS: "unix:///abs/path" (also "unix://rel/path", relative to
 * the cwd, as containerd's socket.path()), a plain "/abs/path", or anything else
 * without a scheme, which names an abstract socket (containerd: an address
 * without "unix://" is abstract). Other "scheme://" forms are TC_INVALID_ARGUMENT.
 * DEADLINE is absolute, in timefmt_mono() seconds, or TTRPC_NO_DEADLINE. */
int ttrpc_dial(const char *address, double deadline, struct ttrpc_conn **ret_conn,
               struct tc_err **err);
/* Wraps a connected stream socket. Takes ownership of FD, even on failure. */
int ttrpc_conn_from_fd(int fd, struct ttrpc_conn **ret_conn, struct tc_err **err);
/* Sends NS as TTRPC_NAMESPACE_KEY metadata on every later call; NULL: none. */
int ttrpc_set_namespace(struct ttrpc_conn *c, const char *ns, struct tc_err **err);

/* One unary call: sends REQ (an encoded request message) to SERVICE/METHOD with
 * timeout_nano = the time left until DEADLINE, and waits until DEADLINE for the
 * response on our stream id. On success *RET_RESP is the malloc'd encoded
 * response message (NULL when it is empty, which is a normal success). */
int ttrpc_call(struct ttrpc_conn *c, const char *service, const char *method, const uint8_t *req,
               size_t req_len, double deadline, uint8_t **ret_resp, size_t *ret_len,
               struct tc_err **err);

/* True once the peer closed the connection (EOF, EPIPE, ECONNRESET) or after
 * ttrpc_close(): containerd's errors.Is(err, ttrpc.ErrClosed). */
bool ttrpc_closed(const struct ttrpc_conn *c);
/* A call in two halves, for one that blocks in the server (Wait) while the
 * caller polls many connections: send the request (RET_STREAM is its stream
 * id), then, once ttrpc_conn_fd() is readable, receive its response (frames
 * of other streams are dropped). No timeout_nano is sent. */
int ttrpc_call_send(struct ttrpc_conn *c, const char *service, const char *method,
                    const uint8_t *req, size_t req_len, double deadline, uint32_t *ret_stream,
                    struct tc_err **err);
/* SPAN: the wait a deadline error names ("within SPANs"), as ttrpc_call's
 * error names the time from its send to DEADLINE. */
int ttrpc_call_recv(struct ttrpc_conn *c, uint32_t stream, const char *method, double deadline,
                    double span, uint8_t **ret_resp, size_t *ret_len, struct tc_err **err);
int ttrpc_conn_fd(const struct ttrpc_conn *c);

/* Closes the socket; later calls fail with TC_UNAVAILABLE. */
void ttrpc_close(struct ttrpc_conn *c);
/* Closes and frees; NULL-safe. */
void ttrpc_conn_free(struct ttrpc_conn *c);
void ttrpc_conn_freep(struct ttrpc_conn **c);

/* ---- framing, as pure functions (no socket), exposed for unit tests ---- */

struct ttrpc_header {
        uint32_t length; /* of the body, header not counted */
        uint32_t stream_id;
        uint8_t type; /* enum ttrpc_msg_type */
        uint8_t flags;
};

/* 10 bytes, big-endian: length, stream id, type, flags */
void ttrpc_frame_encode_header(const struct ttrpc_header *h, uint8_t ret_buf[TTRPC_HEADER_LEN]);
/* Parses a header; a length over TTRPC_MAX_MESSAGE is TC_UNAVAILABLE, so that
 * nothing is ever allocated for it. */
int ttrpc_frame_parse_header(const uint8_t buf[TTRPC_HEADER_LEN], struct ttrpc_header *ret_h,
                             struct tc_err **err);
/* A whole request frame: header plus ttrpc.Request{service, method, payload,
 * timeout_nano (0: none), metadata NS (NULL: none)}. Over TTRPC_MAX_MESSAGE:
 * TC_INVALID_ARGUMENT. */
int ttrpc_frame_encode_request(uint32_t stream_id, const char *service, const char *method,
                               const uint8_t *payload, size_t payload_len, int64_t timeout_nano,
                               const char *ns, uint8_t **ret_frame, size_t *ret_len,
                               struct tc_err **err);
/* Decodes a ttrpc.Response body. A status with a non-zero code becomes the
 * error (see ttrpc_status_kind); otherwise *RET_PAYLOAD is a malloc'd copy of
 * the payload (NULL when empty). An empty body is a success with no payload. */
int ttrpc_decode_response(const uint8_t *body, size_t len, uint8_t **ret_payload, size_t *ret_len,
                          struct tc_err **err);
/* gRPC status code -> kind, as containerd's errdefs.FromGRPC: 3 InvalidArgument,
 * 4 DeadlineExceeded, 5 NotFound, 6 AlreadyExists, 9 FailedPrecondition and
 * 14 Unavailable map to their kinds. 12 Unimplemented (containerd's
 * ErrNotImplemented, which we lack) is TC_UNAVAILABLE: the shim does not offer
 * that service or method, a problem with the runtime, not with taskctl; its
 * message keeps ": not implemented" since the kind does not say it.
 * Anything else, 1 Canceled included, is TC_INTERNAL (containerd's ErrUnknown). */
enum tc_kind ttrpc_status_kind(int code);
