/* SPDX-License-Identifier: Apache-2.0 */
/* The foreground loop of run, exec and attach. */
#include "cli/session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/log.h"
#include "core/detachkeys.h"
#include "core/taskio.h"

/* closes *FD if open and marks it closed */
static void fd_close(int *fd)
{
        if (*fd >= 0)
                (void) close(*fd);
        *fd = -1;
}

/* How often a follower looks whether the log helper has finished: its exit
 * makes no inotify event. */
#define SESSION_POLL_MS 100

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

struct loop {
        struct session *s;
        int sig_fd;
        bool in_open;
        bool out_done;
        struct detachkeys keys;
        struct termios saved;
        bool raw;
        bool out_broken; /* our stdout is gone: the task's output is dropped */
};

/* The shim opens an exec's stdin FIFO for reading in the background: Start can
 * return before it has (then a non-blocking open for writing fails with ENXIO,
 * and a stdin never opened never ends: `exec -i` hung). So ENXIO is retried,
 * for STDIN_OPEN_TRIES x 10 ms at most. */
#define STDIN_OPEN_TRIES 300

int session_open_stdin(int dir_fd, const char *name)
{
        int fd = -1;

        for (int i = 0; i < STDIN_OPEN_TRIES; i++) {
                fd = openat(dir_fd, name, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0 || errno != ENXIO)
                        break;
                (void) nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
        }
        if (fd < 0)
                return -1;
        /* the shim reads it: blocking writes from here on */
        (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        return fd;
}

static void put(struct loop *l, int fd, const char *buf, size_t len)
{
        if (!l->out_broken && write_all(fd, buf, len) < 0)
                l->out_broken = true;
}

static int on_record(const struct logfile_rec *rec, void *user, struct tc_err **err)
{
        struct loop *l = user;
        int fd = l->s->tty || rec->stream == LOGFILE_STDOUT ? 1 : 2;

        (void) err;
        put(l, fd, rec->data, rec->len);
        if (!rec->partial)
                put(l, fd, "\n", 1);
        return 0;
}

static void resize(struct loop *l)
{
        struct winsize ws;
        struct tc_err *e = NULL;

        if (!l->s->tty || ioctl(0, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
                return;
        if (taskmgr_io_resize(l->s->io, ws.ws_col, ws.ws_row, &e) < 0) {
                log_debug("%s", e->msg);
                tc_err_free(e);
        }
}

static int setup(struct loop *l, sigset_t *old, struct tc_err **err)
{
        sigset_t set;

        sigemptyset(&set);
        for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
                sigaddset(&set, forwarded[i]);
        sigaddset(&set, SIGWINCH);
        (void) signal(SIGPIPE, SIG_IGN);
        if (sigprocmask(SIG_BLOCK, &set, old) < 0 ||
            (l->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "signalfd");
        if (l->s->tty && isatty(0) && tcgetattr(0, &l->saved) == 0) {
                struct termios raw = l->saved;

                cfmakeraw(&raw);
                if (tcsetattr(0, TCSANOW, &raw) == 0)
                        l->raw = true;
        }
        resize(l);
        return 0;
}

static void teardown(struct loop *l, const sigset_t *old)
{
        if (l->raw)
                (void) tcsetattr(0, TCSANOW, &l->saved);
        fd_close(&l->sig_fd);
        (void) sigprocmask(SIG_SETMASK, old, NULL);
}

static void on_signal(struct loop *l)
{
        struct signalfd_siginfo si;
        struct tc_err *e = NULL;

        while (read(l->sig_fd, &si, sizeof si) == (ssize_t) sizeof si) {
                if (si.ssi_signo == SIGWINCH) {
                        resize(l);
                        continue;
                }
                if (taskmgr_io_kill(l->s->io, (int) si.ssi_signo, &e) < 0) {
                        /* the process is gone, yet its output has not ended (a
                         * child of it holds it): the caller's signal ends us */
                        if (e->kind == TC_NOT_FOUND)
                                l->out_done = true;
                        else
                                log_warn("forward signal %u: %s", si.ssi_signo, e->msg);
                        tc_err_freep(&e);
                }
        }
}

/* Our stdin at its end: the task's stdin ends too (CloseIO). */
static void stdin_eof(struct loop *l)
{
        struct tc_err *e = NULL;

        l->in_open = false;
        if (l->s->in_fd < 0)
                return;
        fd_close(&l->s->in_fd);
        if (taskmgr_io_close_stdin(l->s->io, &e) < 0) {
                log_warn("close stdin: %s", e->msg);
                tc_err_free(e);
        }
}

static void on_stdin(struct loop *l)
{
        char buf[4096], out[4097];
        ssize_t n = read(0, buf, sizeof buf);
        size_t len;
        bool detach = false;

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                stdin_eof(l);
                return;
        }
        len = (size_t) n;
        if (l->s->tty) {
                len = detachkeys_feed(&l->keys, buf, len, out, &detach);
                memcpy(buf, out, len);
        }
        if (l->s->in_fd >= 0 && len > 0 && write_all(l->s->in_fd, buf, len) < 0)
                fd_close(&l->s->in_fd); /* the task's stdin is gone: keep the output */
        if (detach)
                l->s->detached = true;
}

/* An exec's own FIFOs: copy what is there; EOF once every writer is gone. */
static void on_fifo(struct loop *l, int i, short revents)
{
        char buf[65536];
        ssize_t n = read(l->s->out_fds[i], buf, sizeof buf);

        if (n > 0) {
                put(l, l->s->tty || i == 0 ? 1 : 2, buf, (size_t) n);
                return;
        }
        if ((n == 0 && (revents & POLLHUP)) || (n < 0 && errno != EAGAIN && errno != EINTR))
                fd_close(&l->s->out_fds[i]);
}

static int log_step(struct loop *l, struct tc_err **err)
{
        bool done = !taskio_logger_running(l->s->log->dir_fd);

        /* read after the check: once the helper is gone, this read is the last */
        if (logfollow_read(l->s->log, on_record, l, err) < 0)
                return -1;
        l->out_done = l->out_done || done;
        return 0;
}

static int iterate(struct loop *l, struct tc_err **err)
{
        struct pollfd p[5] = { { .fd = l->sig_fd, .events = POLLIN } };
        int n = 1, in_at = -1, fifo_at = -1;

        if (l->in_open)
                in_at = n, p[n++] = (struct pollfd){ .fd = 0, .events = POLLIN };
        if (l->s->log)
                p[n++] = (struct pollfd){ .fd = l->s->log->notify_fd, .events = POLLIN };
        else {
                /* poll() skips a negative fd: a closed stream stays in place */
                fifo_at = n;
                p[n++] = (struct pollfd){ .fd = l->s->out_fds[0], .events = POLLIN };
                p[n++] = (struct pollfd){ .fd = l->s->out_fds[1], .events = POLLIN };
        }
        if (poll(p, (nfds_t) n, l->s->log ? SESSION_POLL_MS : -1) < 0 && errno != EINTR)
                return tc_fail_sys(err, TC_INTERNAL, errno, "poll");
        if (p[0].revents)
                on_signal(l);
        if (in_at > 0 && p[in_at].revents)
                on_stdin(l);
        if (l->s->log) {
                char drain[4096];

                while (read(l->s->log->notify_fd, drain, sizeof drain) > 0)
                        ;
                return log_step(l, err);
        }
        for (int i = 0; i < 2; i++)
                if (l->s->out_fds[i] >= 0 && p[fifo_at + i].revents)
                        on_fifo(l, i, p[fifo_at + i].revents);
        l->out_done = l->out_done || (l->s->out_fds[0] < 0 && l->s->out_fds[1] < 0);
        return 0;
}

int session_run(struct session *s, uint32_t *ret_status, struct tc_err **err)
{
        struct loop l = { .s = s, .sig_fd = -1 };
        sigset_t old;
        int r;

        l.in_open = s->forward_in || s->tty;
        r = setup(&l, &old, err);
        if (r == 0 && s->log)
                r = log_step(&l, err);
        while (r == 0 && !l.out_done && !s->detached)
                r = iterate(&l, err);
        teardown(&l, &old);
        if (r < 0 || s->detached)
                return r;
        return taskmgr_io_wait(s->io, ret_status, err);
}
