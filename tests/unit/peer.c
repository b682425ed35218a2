/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/unit/peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool peer_pair(struct ttrpc_conn **ret_conn, int *ret_peer)
{
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return false;
        if (ttrpc_conn_from_fd(sv[0], ret_conn, NULL) < 0) {
                (void) close(sv[1]);
                return false;
        }
        *ret_peer = sv[1];
        return true;
}

bool peer_write(int fd, const void *buf, size_t len)
{
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return false;
                p += n;
                len -= (size_t) n;
        }
        return true;
}

bool peer_write_frame(int fd, uint32_t stream, uint8_t type, const void *body, size_t len)
{
        uint8_t h[TTRPC_HEADER_LEN];

        ttrpc_frame_encode_header(
                &(struct ttrpc_header){.length = (uint32_t) len, .stream_id = stream, .type = type},
                h);
        return peer_write(fd, h, sizeof h) && peer_write(fd, body, len);
}

static bool write_packed(int fd, uint32_t stream, const Tcpb__Response *r)
{
        size_t len = tcpb__response__get_packed_size(r);
        uint8_t *buf = malloc(len ? len : 1);
        bool ok;

        if (!buf)
                return false;
        (void) tcpb__response__pack(r, buf);
        ok = peer_write_frame(fd, stream, TTRPC_TYPE_RESPONSE, buf, len);
        free(buf);
        return ok;
}

bool peer_write_response(int fd, uint32_t stream, const ProtobufCMessage *payload)
{
        Tcpb__Response r = TCPB__RESPONSE__INIT;
        uint8_t *buf = NULL;
        bool ok;

        if (payload) {
                r.payload.len = protobuf_c_message_get_packed_size(payload);
                buf = malloc(r.payload.len ? r.payload.len : 1);
                if (!buf)
                        return false;
                (void) protobuf_c_message_pack(payload, buf);
                r.payload.data = buf;
        }
        ok = write_packed(fd, stream, &r);
        free(buf);
        return ok;
}

bool peer_write_status(int fd, uint32_t stream, int code, const char *message)
{
        Tcpb__Response r = TCPB__RESPONSE__INIT;
        Tcpb__Status st = TCPB__STATUS__INIT;

        st.code = code;
        st.message = (char *) message;
        r.status = &st;
        return write_packed(fd, stream, &r);
}

static bool read_full(int fd, uint8_t *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = read(fd, buf, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return false;
                buf += n;
                len -= (size_t) n;
        }
        return true;
}

Tcpb__Request *peer_read_request(int fd, struct ttrpc_header *ret_h)
{
        uint8_t hb[TTRPC_HEADER_LEN];
        static const uint8_t empty[1];
        Tcpb__Request *r;
        uint8_t *body;

        if (!read_full(fd, hb, sizeof hb) || ttrpc_frame_parse_header(hb, ret_h, NULL) < 0)
                return NULL;
        body = malloc(ret_h->length ? ret_h->length : 1);
        if (!body || !read_full(fd, body, ret_h->length)) {
                free(body);
                return NULL;
        }
        r = tcpb__request__unpack(NULL, ret_h->length, ret_h->length ? body : empty);
        free(body);
        return r;
}

ssize_t peer_read_pending(int fd, uint8_t *buf, size_t len)
{
        return recv(fd, buf, len, MSG_DONTWAIT);
}
