/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the protobuf decoders of the task API replies
 * (core/taskapi.c). The first input byte picks the method; the rest is the
 * payload of a successful ttrpc.Response to it, sent on a socketpair. The
 * rest is also decoded as the shim binary's `delete` output. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/timefmt.h"
#include "core/taskapi.h"
#include "core/ttrpc.h"
#include "core/proto/ttrpc.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_all(int fd, const uint8_t *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);

                if (w <= 0)
                        abort();
                p += w;
                n -= (size_t) w;
        }
}

static void send_response(int fd, const uint8_t *payload, size_t n)
{
        Tcpb__Response r = TCPB__RESPONSE__INIT;
        uint8_t hb[TTRPC_HEADER_LEN];
        size_t len;
        uint8_t *buf;

        r.payload.data = (uint8_t *) payload;
        r.payload.len = n;
        len = tcpb__response__get_packed_size(&r);
        buf = malloc(len + 1);
        if (!buf)
                abort();
        (void) tcpb__response__pack(&r, buf);
        ttrpc_frame_encode_header(&(struct ttrpc_header){.length = (uint32_t) len, .stream_id = 1,
                                                         .type = TTRPC_TYPE_RESPONSE},
                                  hb);
        write_all(fd, hb, sizeof hb);
        write_all(fd, buf, len);
        free(buf);
}

static void one_call(struct taskapi *t, uint8_t which)
{
        double dl = timefmt_mono() + 10.0;
        struct tc_err *err = NULL;
        struct taskapi_state st = {0};
        struct taskapi_exit ex;
        struct taskapi_deleted del;
        uint32_t a, b, *pids = NULL;
        size_t n = 0;

        switch (which % 7) {
        case 0:
                if (taskapi_state(t, "x", dl, &st, &err) == 0)
                        taskapi_state_release(&st);
                break;
        case 1: (void) taskapi_wait(t, "x", dl, &ex, &err); break;
        case 2: (void) taskapi_delete(t, "x", dl, &del, &err); break;
        case 3:
                if (taskapi_pids(t, "x", dl, &pids, &n, &err) == 0)
                        for (size_t i = 0; i < n; i++)
                                a = pids[i];
                free(pids);
                break;
        case 4: (void) taskapi_connect(t, "x", dl, &a, &b, &err); break;
        case 5: (void) taskapi_create(t, &(struct taskapi_create_req){.id = "x"}, dl, &a, &err); break;
        default: (void) taskapi_start(t, "x", dl, &a, &err); break;
        }
        tc_err_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        int sv[2], big = 1 << 20;
        struct ttrpc_conn *c = NULL;
        struct taskapi_deleted del;
        struct tc_err *err = NULL;
        uint8_t *root = NULL;
        size_t root_len = 0;

        if (size < 1 || size > 256 * 1024)
                return 0;
        if (taskapi_decode_delete_response(data + 1, size - 1, &del, &err) < 0)
                tc_err_free(err);
        err = NULL;
        if (taskapi_runc_options_default_root(data + 1, size - 1, "/run/x", &root, &root_len,
                                              &err) == 0)
                free(root);
        tc_err_free(err);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        (void) setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
        (void) setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
        send_response(sv[1], data + 1, size - 1);
        (void) shutdown(sv[1], SHUT_WR);
        if (ttrpc_conn_from_fd(sv[0], &c, NULL) < 0)
                abort();
        one_call(&(struct taskapi){.conn = c}, data[0]);
        ttrpc_conn_free(c);
        (void) close(sv[1]);
        return 0;
}
