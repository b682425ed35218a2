/* SPDX-License-Identifier: Apache-2.0 */
/* fork/exec/wait with a deadline, no shell: what Go's os/exec.Cmd gives
 * containerd when it runs a shim binary (binary.Start, binary.Delete). */
#include "core/proc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"

extern char **environ;

/* Everything the child needs, made before fork() so that the child itself
 * only makes async-signal-safe calls. */
struct spawn {
        int child_in, child_out, child_err, notify_w; /* the child's ends */
        int in, out, err, notify_r;                   /* ours */
        char *const *envp;
        sigset_t empty;
        struct sigaction dfl;
        int fd_limit; /* for the close-on-exec sweep when close_range() is missing */
};

static void spawn_close(struct spawn *s)
{
        int *fds[] = { &s->child_in, &s->child_out, &s->child_err, &s->notify_w,
                       &s->in,       &s->out,       &s->err,       &s->notify_r };

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                if (*fds[i] >= 0) {
                        (void) close(*fds[i]);
                        *fds[i] = -1;
                }
}

/* Moves FD above 0..2, so that dup2() onto stdio in the child cannot clobber
 * another of the child's fds (our own stdio may be closed). */
static int fd_above_stdio(int *fd)
{
        int n;

        if (*fd > 2)
                return 0;
        n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
        if (n < 0)
                return -1;
        (void) close(*fd);
        *fd = n;
        return 0;
}

/* A CLOEXEC pipe, both ends above stdio: [0] read, [1] write. */
static int pipe_above_stdio(int *ret_r, int *ret_w)
{
        int p[2];

        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        if (fd_above_stdio(&p[0]) < 0 || fd_above_stdio(&p[1]) < 0) {
                int e = errno;

                (void) close(p[0]);
                (void) close(p[1]);
                errno = e;
                return -1;
        }
        *ret_r = p[0];
        *ret_w = p[1];
        return 0;
}

static int spawn_prepare(const struct proc_spec *spec, struct spawn *s, struct tc_err **err)
{
        struct rlimit rl;

        if (spec->stdin_buf) {
                if (pipe_above_stdio(&s->child_in, &s->in) < 0 ||
                    fcntl(s->in, F_SETFL, O_NONBLOCK) < 0)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "stdin pipe");
        } else {
                s->child_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (s->child_in < 0 || fd_above_stdio(&s->child_in) < 0)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "open /dev/null");
        }
        if (pipe_above_stdio(&s->out, &s->child_out) < 0 ||
            pipe_above_stdio(&s->err, &s->child_err) < 0 ||
            pipe_above_stdio(&s->notify_r, &s->notify_w) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "pipe");
        s->envp = spec->envp ? spec->envp : environ;
        sigemptyset(&s->empty);
        s->dfl = (struct sigaction){ .sa_handler = SIG_DFL };
        s->fd_limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ?
                              (int) rl.rlim_cur :
                              65536;
        return 0;
}

/* Only async-signal-safe calls from here to execve(): after fork() in a
 * process that may have threads, nothing else is safe (no malloc, no stdio). */
static _Noreturn void child_exec(const struct proc_spec *spec, const struct spawn *s)
{
        int e;

        /* a fresh program gets default signal handling and an empty mask,
         * whatever the CLI ignores or blocks (SIGPIPE) */
        for (int sig = 1; sig < NSIG; sig++)
                (void) sigaction(sig, &s->dfl, NULL);
        (void) sigprocmask(SIG_SETMASK, &s->empty, NULL);
        if ((spec->flags & PROC_NEW_SESSION) && setsid() < 0)
                goto fail;
        if (spec->dir_fd >= 0 && fchdir(spec->dir_fd) < 0)
                goto fail;
        if (dup2(s->child_in, 0) < 0 || dup2(s->child_out, 1) < 0 || dup2(s->child_err, 2) < 0)
                goto fail;
        /* no fd of ours leaks into the program (and on into a shim daemon) */
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                for (int fd = 3; fd < s->fd_limit; fd++)
                        (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
        execve(spec->path, spec->argv, s->envp);
fail:
        e = errno;
        (void) write(s->notify_w, &e, sizeof e);
        _exit(127);
}

static void reap(pid_t pid, int *ret_status)
{
        int status = 0;

        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (ret_status)
                *ret_status = status;
}

/* Reaps PID, which was sent SIGKILL, waiting at most GRACE seconds: a child
 * in uninterruptible sleep (D state), or traced by a tracer that does not
 * wait for it, does not become reapable, and we must not hang on it. True
 * when it was reaped (or is not our child any more). */
static bool reap_bounded(pid_t pid, double grace)
{
        double until = timefmt_mono() + grace;

        for (;;) {
                pid_t r = waitpid(pid, NULL, WNOHANG);

                if (r == pid || (r < 0 && errno != EINTR))
                        return true;
                if (timefmt_mono() >= until)
                        return false;
                (void) nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
        }
}

/* EOF on the notify pipe means execve() succeeded (the pipe was CLOEXEC). */
static int spawn_check_exec(const struct proc_spec *spec, struct spawn *s, pid_t pid,
                            struct tc_err **err)
{
        int e = 0;
        ssize_t n;

        do
                n = read(s->notify_r, &e, sizeof e);
        while (n < 0 && errno == EINTR);
        if (n == 0)
                return 0;
        reap(pid, NULL);
        if (n != (ssize_t) sizeof e)
                return tc_fail_sys(err, TC_INTERNAL, n < 0 ? errno : EIO, "exec %s", spec->path);
        return tc_fail_sys(err, TC_UNAVAILABLE, e, "exec %s", spec->path);
}

static int spawn_start(const struct proc_spec *spec, struct spawn *s, pid_t *ret_pid,
                       struct tc_err **err)
{
        pid_t pid;
        int *child_fds[] = { &s->child_in, &s->child_out, &s->child_err, &s->notify_w };

        if (spawn_prepare(spec, s, err) < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "fork");
        if (pid == 0)
                child_exec(spec, s);
        for (size_t i = 0; i < ELEMENTSOF(child_fds); i++) {
                (void) close(*child_fds[i]);
                *child_fds[i] = -1;
        }
        if (spawn_check_exec(spec, s, pid, err) < 0)
                return -1;
        *ret_pid = pid;
        return 0;
}

struct io_buf {
        char *data;
        size_t len, max;
        bool truncated;
};

struct io {
        pid_t pid;
        int pidfd; /* -1: no pidfd_open(), poll waitpid() on a short tick */
        int in, out, err;
        const char *in_buf;
        size_t in_len, in_off;
        struct io_buf out_b, err_b;
        bool exited; /* and reaped */
        int status;
        double drain_until;
};

static void fd_drop(int *fd)
{
        if (*fd >= 0)
                (void) close(*fd);
        *fd = -1;
}

/* Reads what is there; keeps up to max bytes and drains the rest, so that a
 * chatty child never blocks on a full pipe. */
static int io_read(int *fd, struct io_buf *b, struct tc_err **err)
{
        char tmp[16384];
        ssize_t n = read(*fd, tmp, sizeof tmp);
        size_t keep;

        if (n < 0)
                return errno == EINTR || errno == EAGAIN ?
                               0 :
                               tc_fail_sys(err, TC_INTERNAL, errno, "read child output");
        if (n == 0) {
                fd_drop(fd);
                return 0;
        }
        if (!b->data && !(b->data = malloc(b->max + 1)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        keep = (size_t) n < b->max - b->len ? (size_t) n : b->max - b->len;
        memcpy(b->data + b->len, tmp, keep);
        b->len += keep;
        if (keep < (size_t) n)
                b->truncated = true;
        return 0;
}

static int io_write(struct io *io, struct tc_err **err)
{
        ssize_t n = write(io->in, io->in_buf + io->in_off, io->in_len - io->in_off);

        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return 0;
                if (errno != EPIPE)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "write child input");
                /* the child closed its stdin: it does not want the rest */
                log_debug("child %d closed stdin after %zu bytes", (int) io->pid, io->in_off);
                n = (ssize_t) (io->in_len - io->in_off);
        }
        io->in_off += (size_t) n;
        if (io->in_off == io->in_len)
                fd_drop(&io->in); /* the child sees EOF */
        return 0;
}

static int io_check_exit(struct io *io, struct tc_err **err)
{
        pid_t r = waitpid(io->pid, &io->status, WNOHANG);

        if (r < 0 && errno != EINTR)
                return tc_fail_sys(err, TC_INTERNAL, errno, "waitpid %d", (int) io->pid);
        if (r == io->pid) {
                io->exited = true;
                io->drain_until = timefmt_mono() + PROC_DRAIN_GRACE;
                fd_drop(&io->in);
        }
        return 0;
}

static int ms_until(double t)
{
        double ms = (t - timefmt_mono()) * 1000.0 + 1.0;

        return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int) ms;
}

/* One poll() round over the fds still open. Returns 1 when done (exited and
 * EOF on both pipes, or the drain grace is over), 2 when the deadline passed
 * with the child still running, 0 to go on, -1 on error. */
static int io_round(struct io *io, double deadline, struct tc_err **err)
{
        struct pollfd p[4];
        int n = 0, in_i = -1, out_i = -1, err_i = -1, pid_i = -1, timeout;
        double until = io->exited && io->drain_until < deadline ? io->drain_until : deadline;

        if (io->exited && io->out < 0 && io->err < 0)
                return 1;
        if (timefmt_mono() >= until)
                return io->exited ? 1 : 2;
        if (io->in >= 0)
                p[in_i = n++] = (struct pollfd){ .fd = io->in, .events = POLLOUT };
        if (io->out >= 0)
                p[out_i = n++] = (struct pollfd){ .fd = io->out, .events = POLLIN };
        if (io->err >= 0)
                p[err_i = n++] = (struct pollfd){ .fd = io->err, .events = POLLIN };
        if (!io->exited && io->pidfd >= 0)
                p[pid_i = n++] = (struct pollfd){ .fd = io->pidfd, .events = POLLIN };
        timeout = ms_until(until);
        if (!io->exited && io->pidfd < 0 && timeout > 20)
                timeout = 20;
        if (poll(p, (nfds_t) n, timeout) < 0)
                return errno == EINTR ? 0 : tc_fail_sys(err, TC_INTERNAL, errno, "poll");
        if (in_i >= 0 && p[in_i].revents && io_write(io, err) < 0)
                return -1;
        if (out_i >= 0 && p[out_i].revents && io_read(&io->out, &io->out_b, err) < 0)
                return -1;
        if (err_i >= 0 && p[err_i].revents && io_read(&io->err, &io->err_b, err) < 0)
                return -1;
        if (!io->exited && (pid_i < 0 || p[pid_i].revents))
                return io_check_exit(io, err);
        return 0;
}

static void io_release(struct io *io)
{
        fd_drop(&io->in);
        fd_drop(&io->out);
        fd_drop(&io->err);
        fd_drop(&io->pidfd);
        free(io->out_b.data);
        free(io->err_b.data);
}

/* SIGPIPE is blocked while we write the child's stdin (EPIPE is handled), and
 * one raised by us is consumed before the old mask comes back. */
static bool sigpipe_block(sigset_t *old)
{
        sigset_t set, pending;

        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        (void) sigpending(&pending);
        (void) pthread_sigmask(SIG_BLOCK, &set, old);
        return sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_restore(const sigset_t *old, bool was_pending)
{
        sigset_t set, pending;
        const struct timespec zero = { 0, 0 };

        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        if (!was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1)
                (void) sigtimedwait(&set, NULL, &zero);
        (void) pthread_sigmask(SIG_SETMASK, old, NULL);
}

static void io_to_result(struct io *io, struct proc_result *ret)
{
        *ret = (struct proc_result){
                .status = io->status,
                .out = steal_ptr(io->out_b.data),
                .out_len = io->out_b.len,
                .err = steal_ptr(io->err_b.data),
                .err_len = io->err_b.len,
                .out_truncated = io->out_b.truncated,
                .err_truncated = io->err_b.truncated,
        };
        if (!ret->out)
                ret->out = calloc(1, 1);
        else
                ret->out[ret->out_len] = '\0';
        if (!ret->err)
                ret->err = calloc(1, 1);
        else
                ret->err[ret->err_len] = '\0';
}

static int io_run(struct io *io, double deadline, struct tc_err **err)
{
        sigset_t old;
        bool blocked = io->in >= 0, was_pending = false;
        int r;

        if (blocked)
                was_pending = sigpipe_block(&old);
        while ((r = io_round(io, deadline, err)) == 0)
                ;
        if (blocked)
                sigpipe_restore(&old, was_pending);
        return r;
}

/* Starts the child and hands our ends of its pipes to IO. */
static int io_start(const struct proc_spec *spec, struct io *io, struct tc_err **err)
{
        struct spawn s = { .child_in = -1, .child_out = -1, .child_err = -1, .notify_w = -1,
                           .in = -1, .out = -1, .err = -1, .notify_r = -1 };
        size_t max = spec->out_max ? spec->out_max : PROC_OUT_MAX;
        int r = spawn_start(spec, &s, &io->pid, err);

        if (r == 0) {
                io->pidfd = pidfd_open(io->pid, 0);
                io->in = steal_fd(s.in);
                io->out = steal_fd(s.out);
                io->err = steal_fd(s.err);
                io->in_buf = spec->stdin_buf;
                io->in_len = spec->stdin_len;
                io->out_b.max = io->err_b.max = max;
                if (io->in >= 0 && io->in_len == 0)
                        fd_drop(&io->in);
        }
        spawn_close(&s);
        return r;
}

int proc_run(const struct proc_spec *spec, double deadline, struct proc_result *ret,
             struct tc_err **err)
{
        struct io io = { .pidfd = -1, .in = -1, .out = -1, .err = -1 };
        int r;

        if (io_start(spec, &io, err) < 0)
                return -1;
        r = io_run(&io, deadline, err);
        if (r != 1 && !io.exited) {
                /* past the deadline (or broken): kill what we started, by its pid */
                (void) kill(io.pid, SIGKILL);
                if (!reap_bounded(io.pid, PROC_REAP_GRACE))
                        log_warn("%s (pid %d) did not end within %gs of SIGKILL (stuck in the "
                                 "kernel, or traced): left it unreaped",
                                 spec->path, (int) io.pid, PROC_REAP_GRACE);
        }
        if (r == 2)
                (void) tc_fail(err, TC_DEADLINE_EXCEEDED,
                               "%s did not finish in time and was killed", spec->path);
        if (r == 1)
                io_to_result(&io, ret);
        io_release(&io);
        if (r != 1)
                return -1;
        if (!ret->out || !ret->err) {
                proc_result_release(ret);
                return tc_fail(err, TC_INTERNAL, "out of memory");
        }
        return 0;
}

void proc_result_release(struct proc_result *r)
{
        if (!r)
                return;
        free(r->out);
        free(r->err);
        r->out = r->err = NULL;
        r->out_len = r->err_len = 0;
}

void proc_status_str(int status, char *buf, size_t len)
{
        if (WIFEXITED(status)) {
                (void) snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
        } else if (WIFSIGNALED(status)) {
                /* sigdescr_np: strsignal's text without its static buffer
                 * (this may run in a load worker thread) */
                const char *name = sigdescr_np(WTERMSIG(status));
                char lower[64];

                (void) snprintf(lower, sizeof lower, "%s", name ? name : "unknown signal");
                lower[0] = (char) tolower((unsigned char) lower[0]);
                (void) snprintf(buf, len, "signal: %s%s", lower,
                                WCOREDUMP(status) ? " (core dumped)" : "");
        } else {
                (void) snprintf(buf, len, "wait status %#x", (unsigned) status);
        }
}

bool proc_status_ok(int status)
{
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* BUF[I..END) trimmed and capped: a line for a message. */
static char *line_dup(const char *buf, size_t i, size_t end)
{
        while (i < end && isspace((unsigned char) buf[i]))
                i++;
        while (end > i && isspace((unsigned char) buf[end - 1]))
                end--;
        if (end - i > 512)
                end = i + 512;
        return strndup(buf + i, end - i);
}

static bool line_break(char c)
{
        return c == '\n' || c == '\r' || c == '\0';
}

char *proc_first_line(const char *buf, size_t len)
{
        size_t i = 0, end;

        while (i < len && isspace((unsigned char) buf[i]))
                i++;
        for (end = i; end < len && !line_break(buf[end]); end++)
                ;
        return line_dup(buf, i, end);
}

char *proc_last_line(const char *buf, size_t len)
{
        size_t end = len, i;

        while (end > 0 && isspace((unsigned char) buf[end - 1]))
                end--;
        for (i = end; i > 0 && !line_break(buf[i - 1]); i--)
                ;
        return line_dup(buf, i, end);
}

static bool env_overridden(const char *entry, const char *const *set)
{
        for (; set && *set; set++) {
                const char *eq = strchr(*set, '=');
                size_t n = eq ? (size_t) (eq - *set) : strlen(*set);

                if (strncmp(entry, *set, n) == 0 && entry[n] == '=')
                        return true;
        }
        return false;
}

int proc_env_new(char *const *base, const char *const *set, char ***ret_env,
                 struct tc_err **err)
{
        _cleanup_strv_ char **env = NULL;
        size_t nb = 0, ns = 0, n = 0;

        if (!base)
                base = environ;
        while (base && base[nb])
                nb++;
        while (set && set[ns])
                ns++;
        env = calloc(nb + ns + 1, sizeof *env);
        if (!env)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        for (size_t i = 0; i < nb; i++)
                if (!env_overridden(base[i], set) && !(env[n++] = strdup(base[i])))
                        return tc_fail(err, TC_INTERNAL, "out of memory");
        for (size_t i = 0; i < ns; i++)
                if (!(env[n++] = strdup(set[i])))
                        return tc_fail(err, TC_INTERNAL, "out of memory");
        *ret_env = steal_ptr(env);
        return 0;
}
