/* SPDX-License-Identifier: Apache-2.0 */
/* The log helper's loop: a task's stdout/stderr FIFOs into its output log. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/logfile.h"
#include "core/taskio.h"

#define LOGGER_BUF (64 * 1024)

static void write_pid(int lock_fd)
{
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%d\n", (int) getpid());

        if (ftruncate(lock_fd, 0) == 0)
                (void) pwrite(lock_fd, buf, (size_t) n, 0);
}

/* One read from FD into the log; false at EOF (every writer gone). */
static bool pump(struct logfile_writer *w, int fd, enum logfile_stream stream, short revents)
{
        static char buf[LOGGER_BUF];
        struct timespec now;
        ssize_t n = read(fd, buf, sizeof buf);

        if (n < 0)
                return errno == EAGAIN || errno == EINTR;
        if (n == 0)
                return !(revents & POLLHUP);
        (void) clock_gettime(CLOCK_REALTIME, &now);
        /* a failed write (full disk) loses this chunk; the task never waits */
        (void) logfile_write(w, stream, &now, buf, (size_t) n, NULL);
        return true;
}

/*
 * The helper is a pair: the active process copies, a standby (its child)
 * holds the same FIFO read ends and lock and waits on a socket to it. If the
 * active one dies (even SIGKILL) the standby sees EOF and takes over (with a
 * new standby), so a killed helper never leaves the task blocked on a full
 * FIFO; if the standby dies, the active one starts another. A normal end
 * sends one byte: the standby then ends too.
 */
enum { LINK_DONE = 'x' };

/* Returns in the process that is to copy now: the caller, or later the
 * standby once the active one died. -1: no standby could be made (copy on
 * alone). *LINK is the active side's end of the socket. */
static int make_standby(int *link, pid_t *ret_pid)
{
        int sv[2];
        pid_t pid;
        char c;
        ssize_t n;

        *link = -1;
        *ret_pid = -1;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -1;
        pid = fork();
        if (pid < 0) {
                (void) close(sv[0]);
                (void) close(sv[1]);
                return -1;
        }
        if (pid > 0) {
                (void) close(sv[1]);
                *link = sv[0];
                *ret_pid = pid;
                return 0;
        }
        (void) close(sv[0]);
        do
                n = read(sv[1], &c, 1);
        while (n < 0 && errno == EINTR);
        if (n == 1)
                _exit(0); /* the active one finished normally */
        (void) close(sv[1]);
        return 1; /* it died: we copy now */
}

static int copy_loop(struct logfile_writer *w, int out_fd, int err_fd, int lock_fd)
{
        struct pollfd pfd[3] = { { .fd = out_fd, .events = POLLIN },
                                 { .fd = err_fd, .events = POLLIN },
                                 { .fd = -1, .events = POLLIN } };
        pid_t standby = -1;

        for (;;) {
                /* (again) a standby; in a standby that took over, this returns
                 * when it became the active one */
                while (pfd[2].fd < 0 && standby != -2) {
                        int r = make_standby(&pfd[2].fd, &standby);

                        if (r < 0) {
                                standby = -2; /* alone from now on */
                        } else if (r == 1) {
                                /* the log may have rotated since we forked */
                                logfile_writer_close(w);
                                if (logfile_writer_open(w->dir_fd, w->max, w, NULL) < 0)
                                        return -1;
                                write_pid(lock_fd);
                        }
                }
                if (pfd[0].fd < 0 && pfd[1].fd < 0)
                        break;
                if (poll(pfd, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                for (int i = 0; i < 2; i++) {
                        if (pfd[i].fd < 0 || !pfd[i].revents)
                                continue;
                        if (!pump(w, pfd[i].fd, i == 0 ? LOGFILE_STDOUT : LOGFILE_STDERR,
                                  pfd[i].revents)) {
                                (void) close(pfd[i].fd);
                                pfd[i].fd = -1;
                        }
                }
                if (pfd[2].fd >= 0 && pfd[2].revents) { /* the standby died */
                        (void) close(pfd[2].fd);
                        pfd[2].fd = -1;
                        (void) waitpid(standby, NULL, 0);
                }
        }
        if (pfd[2].fd >= 0) {
                char c = LINK_DONE;

                (void) write(pfd[2].fd, &c, 1);
                (void) close(pfd[2].fd);
                (void) waitpid(standby, NULL, 0);
        }
        return 0;
}

int taskio_logger_run(int dir_fd, int out_fd, int err_fd, int lock_fd, off_t max,
                      struct tc_err **err)
{
        struct logfile_writer w;
        int r;

        /* logger.pid already holds our pid (written by our parent) */
        if (logfile_writer_open(dir_fd, max, &w, err) < 0)
                return -1;
        r = copy_loop(&w, out_fd, err_fd, lock_fd);
        logfile_writer_close(&w);
        return r < 0 ? tc_fail_sys(err, TC_INTERNAL, errno, "poll") : 0;
}
