/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The far end of a socketpair standing in for a shim in ttrpc/taskapi tests.
 * Frames written before a call sit in the socket buffer until the client
 * reads them, so most tests need no thread. None of these assert: they are
 * also used from a peer thread, where Criterion's asserts must not run. */

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/proto/ttrpc.pb-c.h"
#include "core/ttrpc.h"

/* A connected pair: *RET_CONN owns one end, *RET_PEER is the other fd. */
bool peer_pair(struct ttrpc_conn **ret_conn, int *ret_peer);
bool peer_write(int fd, const void *buf, size_t len);
bool peer_write_frame(int fd, uint32_t stream, uint8_t type, const void *body, size_t len);
/* a ttrpc.Response with PAYLOAD (NULL: an empty body, as the shim sends) */
bool peer_write_response(int fd, uint32_t stream, const ProtobufCMessage *payload);
bool peer_write_status(int fd, uint32_t stream, int code, const char *message);
/* Reads one request frame (blocking); NULL on failure. Free with
 * tcpb__request__free_unpacked(r, NULL). */
Tcpb__Request *peer_read_request(int fd, struct ttrpc_header *ret_h);
/* Reads whatever the client sent so far, without blocking; -1 if nothing. */
ssize_t peer_read_pending(int fd, uint8_t *buf, size_t len);
