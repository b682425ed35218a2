/* SPDX-License-Identifier: Apache-2.0 */
/* The log helper's loop: a task's stdout/stderr FIFOs into its output log. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
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

int taskio_logger_run(int dir_fd, int out_fd, int err_fd, int lock_fd, off_t max,
                     struct tc_err **err)
{
        struct logfile_writer w;
        struct pollfd pfd[2] = { { .fd = out_fd, .events = POLLIN },
                                 { .fd = err_fd, .events = POLLIN } };

        write_pid(lock_fd);
        if (logfile_writer_open(dir_fd, max, &w, err) < 0)
                return -1;
        while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
                if (poll(pfd, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        logfile_writer_close(&w);
                        return tc_fail_sys(err, TC_INTERNAL, errno, "poll");
                }
                for (int i = 0; i < 2; i++) {
                        if (pfd[i].fd < 0 || !pfd[i].revents)
                                continue;
                        if (!pump(&w, pfd[i].fd, i == 0 ? LOGFILE_STDOUT : LOGFILE_STDERR,
                                  pfd[i].revents)) {
                                (void) close(pfd[i].fd);
                                pfd[i].fd = -1;
                        }
                }
        }
        logfile_writer_close(&w);
        return 0;
}
