/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakeshim's daemon: serves containerd.task.v2.Task over ttrpc on the socket
 * `start` bound, several connections at once with poll() (a pending Wait must
 * not block the Kill that ends it), child exits and SIGTERM through a
 * signalfd. The reply faults (reply-garbage, reply-oversize) live here; the
 * methods still run, so a Shutdown still ends a shim that talks garbage.
 */
#include "tests/fakeshim/fakeshim.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "core/proto/ttrpc.pb-c.h"
#include "core/ttrpc.h"

/* a bound on a reply to a client that stopped reading */
#define SEND_TIMEOUT_SEC 5

/* ---- sending ---- */

static int send_all(int fd, const uint8_t *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

static int send_frame(int fd, uint32_t stream, uint32_t length, const uint8_t *body,
                      size_t body_len)
{
        struct ttrpc_header h = {
                .length = length, .stream_id = stream, .type = TTRPC_TYPE_RESPONSE};
        uint8_t head[TTRPC_HEADER_LEN];

        ttrpc_frame_encode_header(&h, head);
        if (send_all(fd, head, sizeof head) < 0)
                return -1;
        return send_all(fd, body, body_len);
}

/* reply-garbage: random bytes that ttrpc.Response cannot decode. The first
 * one is a tag with wire type 7, which does not exist; checked anyway. */
static int send_garbage(int fd, uint32_t stream)
{
        uint8_t body[48];

        for (;;) {
                Tcpb__Response *r;

                if (getrandom(body, sizeof body, 0) != (ssize_t) sizeof body)
                        return -1;
                body[0] = 0x0f;
                r = tcpb__response__unpack(NULL, sizeof body, body);
                if (!r)
                        break;
                tcpb__response__free_unpacked(r, NULL);
        }
        return send_frame(fd, stream, sizeof body, body, sizeof body);
}

static void send_response(struct daemon *d, int fd, uint32_t stream, const Tcpb__Response *resp)
{
        _cleanup_free_ uint8_t *body = NULL;
        size_t len = tcpb__response__get_packed_size(resp);
        char eb[128];
        int r;

        if (d->f->fault == FAULT_REPLY_GARBAGE) {
                r = send_garbage(fd, stream);
        } else if (d->f->fault == FAULT_REPLY_OVERSIZE) {
                /* the header alone: a client must refuse it before reading on */
                r = send_frame(fd, stream, TTRPC_MAX_MESSAGE + 1, NULL, 0);
        } else {
                body = malloc(len ? len : 1);
                if (!body) {
                        fakeshim_log(d->f, "reply on stream %u: out of memory", stream);
                        return;
                }
                len = tcpb__response__pack(resp, body);
                r = send_frame(fd, stream, (uint32_t) len, body, len);
        }
        if (r < 0)
                fakeshim_log(d->f, "reply on stream %u: %s", stream, fakeshim_strerror(errno, eb));
}

void serve_reply(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        Tcpb__Response resp = TCPB__RESPONSE__INIT;
        _cleanup_free_ uint8_t *payload = NULL;

        if (m) {
                size_t len = protobuf_c_message_get_packed_size(m);

                payload = malloc(len ? len : 1);
                if (!payload) {
                        serve_reply_status(d, fd, stream, 8, "out of memory");
                        return;
                }
                resp.payload.len = protobuf_c_message_pack(m, payload);
                resp.payload.data = payload;
        }
        send_response(d, fd, stream, &resp);
}

void serve_reply_status(struct daemon *d, int fd, uint32_t stream, int code, const char *fmt, ...)
{
        Tcpb__Response resp = TCPB__RESPONSE__INIT;
        Tcpb__Status status = TCPB__STATUS__INIT;
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        status.code = code;
        status.message = msg;
        resp.status = &status;
        if (d->f->debug)
                fakeshim_log(d->f, "stream %u: code %d %s", stream, code, msg);
        send_response(d, fd, stream, &resp);
}

/* ---- connections ---- */

static void conn_reset_frame(struct conn *c)
{
        free(c->body);
        c->body = NULL;
        c->head_got = 0;
        c->body_len = c->body_got = 0;
}

static void conn_close(struct daemon *d, struct conn *c)
{
        tasks_conn_closed(d, c->fd);
        (void) close(c->fd);
        conn_reset_frame(c);
        c->fd = -1;
}

static void conn_accept(struct daemon *d)
{
        struct timeval tv = {.tv_sec = SEND_TIMEOUT_SEC};
        int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);

        if (fd < 0)
                return;
        for (size_t i = 0; i < FAKESHIM_MAX_CONNS; i++) {
                if (d->conns[i].fd >= 0)
                        continue;
                (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
                d->conns[i].fd = fd;
                return;
        }
        fakeshim_log(d->f, "too many connections, closing a new one");
        (void) close(fd);
}

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/* A header is in: take the body length, refusing what ttrpc refuses. */
static int conn_header(struct daemon *d, struct conn *c)
{
        struct tc_err *err = NULL;
        struct ttrpc_header h;

        if (ttrpc_frame_parse_header(c->head, &h, &err) < 0) {
                tc_err_freep(&err);
                /* as ttrpc's server; the byte stream is then out of step: hang up */
                serve_reply_status(d, c->fd, be32(c->head + 4), 8,
                                   "message length %u exceed maximum message size of %u",
                                   be32(c->head), TTRPC_MAX_MESSAGE);
                conn_close(d, c);
                return -1;
        }
        c->stream = h.stream_id;
        c->type = h.type;
        c->body_len = h.length;
        c->body = malloc(h.length ? h.length : 1);
        if (!c->body) {
                conn_close(d, c);
                return -1;
        }
        return 0;
}

static void conn_frame(struct daemon *d, struct conn *c)
{
        Tcpb__Request *req;

        if (c->type != TTRPC_TYPE_REQUEST)
                return; /* not for a server; ttrpc ignores it too */
        req = tcpb__request__unpack(NULL, c->body_len, c->body);
        if (!req) {
                serve_reply_status(d, c->fd, c->stream, 13,
                                   "ttrpc: error unmarshalling request: bad protobuf");
                return;
        }
        if (d->f->debug || d->stalled)
                fakeshim_log(d->f, "request %s/%s stream %u%s", req->service, req->method,
                             c->stream, d->stalled ? ": stalled, not answering" : "");
        if (d->stalled)
                ; /* create-hang: as a shim stuck under its Create lock */
        else if (c->stream % 2 == 0)
                serve_reply_status(d, c->fd, c->stream, 3,
                                   "StreamID must be odd for client initiated streams");
        else if (strcmp(req->service, FAKESHIM_SERVICE) != 0)
                serve_reply_status(d, c->fd, c->stream, 12, "service %s", req->service);
        else
                tasks_call(d, c->fd, c->stream, req->method, &req->payload);
        tcpb__request__free_unpacked(req, NULL);
}

/* One read() (poll said there is something); a whole frame is handled. */
static void conn_read(struct daemon *d, struct conn *c)
{
        bool in_head = c->head_got < TTRPC_HEADER_LEN;
        uint8_t *dst = in_head ? c->head + c->head_got : c->body + c->body_got;
        size_t want = in_head ? TTRPC_HEADER_LEN - c->head_got : c->body_len - c->body_got;
        ssize_t n = read(c->fd, dst, want);

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                conn_close(d, c);
                return;
        }
        if (in_head) {
                c->head_got += (size_t) n;
                if (c->head_got == TTRPC_HEADER_LEN && conn_header(d, c) < 0)
                        return;
        } else {
                c->body_got += (uint32_t) n;
        }
        if (c->head_got == TTRPC_HEADER_LEN && c->body_got == c->body_len) {
                conn_frame(d, c);
                conn_reset_frame(c);
        }
}

/* ---- the loop ---- */

static _Noreturn void finish(struct daemon *d, const char *why, bool kill_tasks)
{
        if (kill_tasks)
                tasks_kill_all(d);
        (void) unlink(d->sock_path);
        fakeshim_log(d->f, "exiting: %s", why);
        exit(0);
}

static void handle_signals(struct daemon *d)
{
        struct signalfd_siginfo si;
        int wstatus;
        pid_t pid;

        if (read(d->signal_fd, &si, sizeof si) != (ssize_t) sizeof si)
                return;
        if (si.ssi_signo != SIGCHLD)
                finish(d, strsignal((int) si.ssi_signo), true);
        while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
                tasks_reaped(d, pid, wstatus);
}

static void serve_once(struct daemon *d)
{
        struct pollfd pfd[2 + FAKESHIM_MAX_CONNS];
        struct conn *which[FAKESHIM_MAX_CONNS];
        double left = d->end - timefmt_mono();
        nfds_t n = 2;
        int r;

        if (left <= 0)
                finish(d, "FAKESHIM_MAX_LIFETIME passed", true);
        pfd[0] = (struct pollfd){.fd = d->signal_fd, .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = d->listen_fd, .events = POLLIN};
        for (size_t i = 0; i < FAKESHIM_MAX_CONNS; i++) {
                if (d->conns[i].fd < 0)
                        continue;
                which[n - 2] = &d->conns[i];
                pfd[n++] = (struct pollfd){.fd = d->conns[i].fd, .events = POLLIN};
        }
        r = poll(pfd, n, (int) ceil(left * 1000));
        if (r <= 0)
                return; /* EINTR, or the lifetime check above on the next turn */
        if (pfd[0].revents)
                handle_signals(d);
        if (pfd[1].revents & POLLIN)
                conn_accept(d);
        for (nfds_t i = 2; i < n && !d->quit; i++)
                if (pfd[i].revents && which[i - 2]->fd == pfd[i].fd)
                        conn_read(d, which[i - 2]);
}

_Noreturn void serve_run(const struct fakeshim *f, int listen_fd, const char *sock_path)
{
        static struct daemon d;
        sigset_t mask;

        d.f = f;
        d.sock_path = sock_path;
        d.listen_fd = listen_fd;
        d.end = timefmt_mono() + f->lifetime;
        for (size_t i = 0; i < FAKESHIM_MAX_CONNS; i++)
                d.conns[i].fd = -1;
        (void) sigemptyset(&mask);
        (void) sigaddset(&mask, SIGCHLD);
        (void) sigaddset(&mask, SIGTERM);
        (void) sigaddset(&mask, SIGINT);
        (void) sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
            (d.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
                fakeshim_log(f, "signalfd: %s", strerror(errno));
                exit(1);
        }
        fakeshim_log(f, "serving %s on %s (fault: %s)", FAKESHIM_SERVICE, sock_path,
                     getenv("FAKESHIM_FAULT") ? getenv("FAKESHIM_FAULT") : "none");
        for (;;) {
                serve_once(&d);
                if (d.quit)
                        finish(&d, "shutdown", false);
        }
}
