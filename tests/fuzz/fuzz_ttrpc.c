/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the ttrpc frame reader (core/ttrpc.c). The input is what
 * a shim sends back on the socket (frames: header + ttrpc.Response body, for
 * stream ids 1 and 3) before it closes its side; two calls are made on the
 * connection, as taskctl makes several on one. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/timefmt.h"
#include "core/ttrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_all(int fd, const uint8_t *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);

                if (w <= 0)
                        abort(); /* the harness sets a buffer that holds any input */
                p += w;
                n -= (size_t) w;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        int sv[2], big = 1 << 20;
        struct ttrpc_conn *c = NULL;
        struct ttrpc_header h;

        if (size > 256 * 1024)
                return 0;
        if (size >= TTRPC_HEADER_LEN)
                (void) ttrpc_frame_parse_header(data, &h, NULL);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        (void) setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
        (void) setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
        write_all(sv[1], data, size);
        (void) shutdown(sv[1], SHUT_WR); /* EOF after the input; requests still go in */
        if (ttrpc_conn_from_fd(sv[0], &c, NULL) < 0)
                abort();
        (void) ttrpc_set_namespace(c, "fuzz", NULL);
        for (int i = 0; i < 2; i++) {
                uint8_t *resp = NULL;
                size_t len = 0;
                struct tc_err *err = NULL;

                (void) ttrpc_call(c, "containerd.task.v2.Task", "State", (const uint8_t *) "\n\1x",
                                  3, timefmt_mono() + 10.0, &resp, &len, &err);
                free(resp);
                tc_err_free(err);
        }
        ttrpc_conn_free(c);
        (void) close(sv[1]);
        return 0;
}
