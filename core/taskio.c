/* SPDX-License-Identifier: Apache-2.0 */
/* Default task stdio: bundle FIFOs and the per-task log helper. */
#include "core/taskio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"
#include "core/logfile.h"

void taskio_paths_release(struct taskio_paths *p)
{
        free(p->in);
        free(p->out);
        free(p->err);
        *p = (struct taskio_paths){ 0 };
}

static int make_fifo(const struct bundle *b, const char *name, char **ret_path,
                     struct tc_err **err)
{
        if (mkfifoat(b->fd, name, 0600) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "mkfifo %s", name);
        if (asprintf(ret_path, "%s/%s", b->path, name) < 0)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return 0;
}

/* A read end that does not wait for a writer: poll() reports POLLHUP only
 * after a writer came and went, so the helper waits for the shim's. */
static int open_reader(const struct bundle *b, const char *name, int *ret_fd, struct tc_err **err)
{
        int fd = openat(b->fd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", name);
        *ret_fd = fd;
        return 0;
}

/* In the child: fds 3, 4, 5, 6 = stdout, stderr, lock, bundle dir; only
 * async-signal-safe calls until execve; a second fork detaches the helper
 * from us (pid 1 or the nearest subreaper reaps it). */
/* The decimal PID into FD (logger.pid), async-signal-safe. */
static void put_pid(int fd, pid_t pid)
{
        char buf[24];
        size_t i = sizeof buf;

        buf[--i] = '\n';
        do
                buf[--i] = (char) ('0' + pid % 10);
        while ((pid /= 10) > 0 && i > 0);
        (void) pwrite(fd, buf + i, sizeof buf - i, 0);
}

static _Noreturn void child(const int fds[4], const char *self, char *const *argv)
{
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        int tmp[4];
        pid_t pid;

        if (setsid() < 0 || devnull < 0)
                _exit(127);
        pid = fork();
        if (pid != 0) {
                /* written before create returns: the bundle does not change
                 * under a reader after that (a helper that takes over later
                 * rewrites it) */
                if (pid > 0)
                        put_pid(fds[2], pid);
                _exit(pid > 0 ? 0 : 127);
        }
        for (int i = 0; i < 4; i++)
                tmp[i] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD, 10) : -1;
        (void) dup2(devnull, 0), (void) dup2(devnull, 1), (void) dup2(devnull, 2);
        for (int i = 0; i < 4; i++)
                if (tmp[i] >= 0)
                        (void) dup2(tmp[i], 3 + i);
                else
                        (void) close(3 + i);
        (void) close_range(7, ~0U, 0);
        (void) signal(SIGPIPE, SIG_IGN);
        execv(self, argv);
        _exit(127);
}

static int spawn(const struct bundle *b, const struct taskio_plan *plan, const int fds[4],
                 struct tc_err **err)
{
        char max[32];
        char *argv[] = { (char *) "taskctl", (char *) TASKIO_LOGGER_CMD, b->path, max, NULL };
        pid_t pid;
        int status;

        (void) snprintf(max, sizeof max, "%lld", (long long) plan->log_max);
        pid = fork();
        if (pid < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "fork log helper");
        if (pid == 0)
                child(fds, plan->self, argv);
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return tc_fail(err, TC_INTERNAL, "start log helper %s", plan->self);
        return 0;
}

int taskio_prepare(const struct bundle *b, const struct taskio_plan *plan, struct taskio_paths *ret,
                  struct tc_err **err)
{
        _cleanup_close_ int out = -1, errfd = -1, lock = -1;
        int fds[4], fd;

        *ret = (struct taskio_paths){ 0 };
        if (plan->in && make_fifo(b, TASKIO_STDIN, &ret->in, err) < 0)
                goto fail;
        if (plan->log_out && (make_fifo(b, TASKIO_STDOUT, &ret->out, err) < 0 ||
                              open_reader(b, TASKIO_STDOUT, &out, err) < 0))
                goto fail;
        if (plan->log_err && (make_fifo(b, TASKIO_STDERR, &ret->err, err) < 0 ||
                              open_reader(b, TASKIO_STDERR, &errfd, err) < 0))
                goto fail;
        if (out < 0 && errfd < 0)
                return 0;
        /* locked here, before the helper exists: a follower that looks
         * right after create sees it running; the child inherits the lock */
        lock = openat(b->fd, TASKIO_LOGGER_PID, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      0600);
        if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
                tc_fail_sys(err, TC_INTERNAL, errno, "lock %s", TASKIO_LOGGER_PID);
                goto fail;
        }
        /* the log exists before create returns, for the same reason */
        if ((fd = openat(b->fd, LOGFILE_NAME, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
                tc_fail_sys(err, TC_INTERNAL, errno, "create %s", LOGFILE_NAME);
                goto fail;
        }
        (void) close(fd);
        fds[0] = out, fds[1] = errfd, fds[2] = lock, fds[3] = b->fd;
        if (spawn(b, plan, fds, err) < 0)
                goto fail;
        return 0;
fail:
        taskio_paths_release(ret);
        return tc_wrap(err, "task stdio");
}

bool taskio_logger_running(int dir_fd)
{
        _cleanup_close_ int fd = openat(dir_fd, TASKIO_LOGGER_PID, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return false;
        return flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

/* A writer that comes and goes: the helper sees POLLHUP once no other
 * writer (the shim) holds the FIFO. No reader (ENXIO): the helper is gone. */
static void hang_up(const struct bundle *b, const char *name)
{
        int fd = openat(b->fd, name, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

        if (fd >= 0)
                (void) close(fd);
}

/* The pid in logger.pid is a hint: it is the helper of this bundle only if
 * its command line is ours, `taskctl _logger BUNDLE ...`. */
static bool is_our_logger(int pid, const char *bundle_path)
{
        char path[64], buf[4096];
        _cleanup_close_ int fd = -1;
        ssize_t n;
        size_t off;

        (void) snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (n = read(fd, buf, sizeof buf - 1)) <= 0)
                return false;
        buf[n] = '\0';
        off = strlen(buf) + 1;
        if (off >= (size_t) n || strcmp(buf + off, TASKIO_LOGGER_CMD) != 0)
                return false;
        off += strlen(buf + off) + 1;
        return off < (size_t) n && strcmp(buf + off, bundle_path) == 0;
}

void taskio_release(const struct bundle *b, double bound)
{
        double deadline = timefmt_mono() + bound;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        const char *bad = NULL;
        int pid = 0;

        hang_up(b, TASKIO_STDOUT);
        hang_up(b, TASKIO_STDERR);
        while (taskio_logger_running(b->fd)) {
                if (timefmt_mono() >= deadline)
                        break;
                (void) usleep(10 * 1000);
        }
        if (!taskio_logger_running(b->fd))
                return;
        if (fs_read_at(b->fd, TASKIO_LOGGER_PID, 64, &text, &len, NULL) < 0 ||
            (pid = (int) strtonum(text, 1, INT32_MAX, &bad)) <= 0 || bad ||
            !is_our_logger(pid, b->path)) {
                log_warn("task %s: log helper still runs and is not proven ours: left", b->id);
                return;
        }
        log_info("task %s: log helper %d did not exit: killing it", b->id, pid);
        (void) kill(pid, SIGKILL);
}

