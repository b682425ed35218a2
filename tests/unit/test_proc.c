/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "core/proc.h"

static int run(const char *path, char *const *argv, const struct proc_spec *extra, double secs,
               struct proc_result *ret, struct tc_err **err)
{
        struct proc_spec s = { .dir_fd = -1 };

        if (extra)
                s = *extra;
        s.path = path;
        s.argv = argv;
        return proc_run(&s, timefmt_mono() + secs, ret, err);
}

static char *status_str(int status)
{
        static char buf[64];

        proc_status_str(status, buf, sizeof buf);
        return buf;
}

Test(proc, true_exits_zero)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;

        cr_assert(eq(int, run("/bin/true", (char *[]){ "true", NULL }, NULL, 5, &r, &err), 0));
        cr_assert(proc_status_ok(r.status));
        cr_assert(eq(str, status_str(r.status), "exit status 0"));
        cr_assert(eq(sz, r.out_len, 0));
        cr_assert(eq(str, r.out, ""));
        proc_result_release(&r);
}

Test(proc, false_is_a_result_not_an_error)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;

        cr_assert(eq(int, run("/bin/false", (char *[]){ "false", NULL }, NULL, 5, &r, &err), 0));
        cr_assert(not(proc_status_ok(r.status)));
        cr_assert(eq(str, status_str(r.status), "exit status 1"));
        proc_result_release(&r);
}

Test(proc, killed_by_signal)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;
        char *argv[] = { "sh", "-c", "kill -9 $$", NULL };

        cr_assert(eq(int, run("/bin/sh", argv, NULL, 5, &r, &err), 0));
        cr_assert(eq(str, status_str(r.status), "signal: killed"));
        proc_result_release(&r);
}

/* The children we have as a subreaper: kills each by pid and reaps it.
 * Returns how many of them were zombies (i.e. not reaped by proc_run). */
static int kill_own_children(void)
{
        _cleanup_closedir_ DIR *d = opendir("/proc/self/task");
        struct dirent *de;
        int zombies = 0;

        cr_assert(not(eq(ptr, d, NULL)));
        while ((de = readdir(d))) {
                char path[300], stat[512];
                _cleanup_fclose_ FILE *f = NULL;
                int pid;

                if (de->d_name[0] == '.')
                        continue;
                (void) snprintf(path, sizeof path, "/proc/self/task/%s/children", de->d_name);
                f = fopen(path, "re");
                while (f && fscanf(f, "%d", &pid) == 1) {
                        _cleanup_fclose_ FILE *s = NULL;

                        (void) snprintf(path, sizeof path, "/proc/%d/stat", pid);
                        s = fopen(path, "re");
                        if (s && fgets(stat, sizeof stat, s) && strstr(stat, ") Z "))
                                zombies++;
                        (void) kill(pid, SIGKILL);
                        (void) waitpid(pid, NULL, 0);
                }
        }
        return zombies;
}

Test(proc, deadline_kills_and_reaps)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;
        char *argv[] = { "sh", "-c", "sleep 5", NULL };

        /* dash forks sleep; as subreaper the orphan comes to us and we end it */
        cr_assert(eq(int, prctl(PR_SET_CHILD_SUBREAPER, 1), 0));
        cr_assert(eq(int, run("/bin/sh", argv, NULL, 0.3, &r, &err), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
        cr_assert(not(eq(ptr, strstr(err->msg, "/bin/sh"), NULL)), "%s", err->msg);
        cr_assert(eq(int, kill_own_children(), 0));
}

Test(proc, missing_binary_is_unavailable)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;

        cr_assert(eq(int, run("/nonexistent/shim", (char *[]){ "shim", NULL }, NULL, 5, &r, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg, "exec /nonexistent/shim: No such file or directory"));
        cr_assert(eq(int, waitpid(-1, NULL, WNOHANG), -1));
        cr_assert(eq(int, errno, ECHILD));
}

Test(proc, captures_stdout_and_stderr)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;
        char *argv[] = { "sh", "-c", "printf 'out\\n'; printf 'line one\\nline two\\n' >&2; exit 3",
                         NULL };
        _cleanup_free_ char *first = NULL;

        cr_assert(eq(int, run("/bin/sh", argv, NULL, 5, &r, &err), 0));
        cr_assert(eq(str, r.out, "out\n"));
        cr_assert(eq(str, r.err, "line one\nline two\n"));
        cr_assert(eq(str, status_str(r.status), "exit status 3"));
        first = proc_first_line(r.err, r.err_len);
        cr_assert(eq(str, first, "line one"));
        proc_result_release(&r);
}

Test(proc, stdin_is_fed_then_closed)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;
        struct proc_spec s = { .dir_fd = -1, .stdin_buf = "hello\nworld", .stdin_len = 11 };

        cr_assert(eq(int, run("/bin/cat", (char *[]){ "cat", NULL }, &s, 5, &r, &err), 0));
        cr_assert(eq(sz, r.out_len, 11));
        cr_assert(eq(str, r.out, "hello\nworld"));
        proc_result_release(&r);
}

Test(proc, stdin_default_is_dev_null)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;

        cr_assert(eq(int, run("/bin/cat", (char *[]){ "cat", NULL }, NULL, 5, &r, &err), 0));
        cr_assert(proc_status_ok(r.status));
        cr_assert(eq(sz, r.out_len, 0));
        proc_result_release(&r);
}

Test(proc, big_io_is_bounded_and_drained)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *big = malloc(1 << 20);
        struct proc_result r;
        struct proc_spec s = { .dir_fd = -1, .stdin_len = 1 << 20, .out_max = 1000 };

        memset(big, 'x', 1 << 20);
        s.stdin_buf = big;
        cr_assert(eq(int, run("/bin/cat", (char *[]){ "cat", NULL }, &s, 10, &r, &err), 0));
        cr_assert(proc_status_ok(r.status));
        cr_assert(eq(sz, r.out_len, 1000));
        cr_assert(r.out_truncated);
        cr_assert(not(r.err_truncated));
        proc_result_release(&r);
}

Test(proc, child_that_ignores_stdin_does_not_kill_us)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *big = calloc(1, 1 << 20);
        struct proc_result r;
        struct proc_spec s = { .dir_fd = -1, .stdin_len = 1 << 20 };

        s.stdin_buf = big;
        cr_assert(eq(int, run("/bin/true", (char *[]){ "true", NULL }, &s, 10, &r, &err), 0));
        cr_assert(proc_status_ok(r.status));
        proc_result_release(&r);
}

Test(proc, cwd_from_dir_fd_and_new_session)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        char tmpl[] = "/tmp/tc-proc-XXXXXX", expect[64];
        _cleanup_close_ int dfd = -1;
        struct proc_result r;
        struct proc_spec s = { .flags = PROC_NEW_SESSION };
        char *argv[] = { "sh", "-c", "pwd; cut -d' ' -f6 /proc/$$/stat; echo $$", NULL };
        int sid = 0, pid = 0;

        cr_assert(not(eq(ptr, mkdtemp(tmpl), NULL)));
        dfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        s.dir_fd = dfd;
        cr_assert(eq(int, run("/bin/sh", argv, &s, 5, &r, &err), 0));
        (void) snprintf(expect, sizeof expect, "%s\n", tmpl);
        cr_assert(eq(int, strncmp(r.out, expect, strlen(expect)), 0), "%s", r.out);
        cr_assert(eq(int, sscanf(r.out + strlen(expect), "%d %d", &sid, &pid), 2), "%s", r.out);
        cr_assert(eq(int, sid, pid));
        proc_result_release(&r);
        (void) rmdir(tmpl);
}

Test(proc, our_fds_do_not_leak)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;
        char *argv[] = { "sh", "-c", "test -e /proc/$$/fd/77 && echo leaked || echo clean", NULL };
        int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */

        cr_assert(eq(int, dup2(fd, 77), 77));
        cr_assert(eq(int, run("/bin/sh", argv, NULL, 5, &r, &err), 0));
        cr_assert(eq(str, r.out, "clean\n"));
        proc_result_release(&r);
        (void) close(77);
        (void) close(fd);
}

Test(proc, ignored_sigpipe_is_reset_for_the_child)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;
        char *argv[] = { "sh", "-c", "grep SigIgn /proc/self/status", NULL };

        (void) signal(SIGPIPE, SIG_IGN);
        cr_assert(eq(int, run("/bin/sh", argv, NULL, 5, &r, &err), 0));
        cr_assert(eq(str, r.out, "SigIgn:\t0000000000000000\n"));
        proc_result_release(&r);
}

Test(proc, grandchild_holding_stdout_does_not_stall_us)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct proc_result r;
        char *argv[] = { "sh", "-c", "sleep 30 & echo $!", NULL };
        int pid = 0;

        cr_assert(eq(int, run("/bin/sh", argv, NULL, 20, &r, &err), 0), "%s", err->msg);
        cr_assert(proc_status_ok(r.status));
        cr_assert(eq(int, sscanf(r.out, "%d", &pid), 1));
        cr_assert(gt(int, pid, 1));
        (void) kill(pid, SIGKILL); /* the sleep we started, by its pid */
        proc_result_release(&r);
}

Test(proc, env_new_replaces_and_appends)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_strv_ char **env = NULL;
        char *base[] = { "A=1", "TTRPC_ADDRESS=/x.sock", "GOMAXPROCS=8", "TTRPC_ADDRESSX=keep",
                         NULL };
        const char *set[] = { "TTRPC_ADDRESS=", "GOMAXPROCS=2", NULL };
        struct proc_result r;
        struct proc_spec s = { .dir_fd = -1 };

        cr_assert(eq(int, proc_env_new(base, set, &env, &err), 0));
        s.envp = env;
        cr_assert(eq(int, run("/usr/bin/env", (char *[]){ "env", NULL }, &s, 5, &r, &err), 0));
        cr_assert(eq(str, r.out, "A=1\nTTRPC_ADDRESSX=keep\nTTRPC_ADDRESS=\nGOMAXPROCS=2\n"));
        proc_result_release(&r);
}

struct line_case {
        const char *in, *want;
};

Test(proc, first_line_table)
{
        static const struct line_case cases[] = {
                { "", "" },
                { "\n\n  \n", "" },
                { "io.containerd.runc.v2: boom", "io.containerd.runc.v2: boom" },
                { "\n  first  \nsecond\n", "first" },
                { "a\r\nb", "a" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *l = proc_first_line(cases[i].in, strlen(cases[i].in));

                cr_assert(eq(str, l, (char *) cases[i].want), "case %zu", i);
        }
}

/* A child that SIGKILL cannot make reapable: a tracer (a forked helper,
 * PTRACE_SEIZE) holds it and never waits for it, as a process stuck in the
 * kernel (D state) would never exit. proc_run must give up after
 * PROC_REAP_GRACE and return, leaving it; before the bound, the reap waited
 * forever (the Criterion timeout fails this test). The child writes its pid
 * to DIR/pid; the tracer attaches, writes DIR/attached and lives until killed
 * (60 s at most). */
static pid_t start_tracer(const char *dir)
{
        pid_t t = fork();
        char path[128];

        cr_assert(ge(int, t, 0));
        if (t > 0)
                return t;
        (void) snprintf(path, sizeof path, "%s/pid", dir);
        for (int i = 0; i < 6000; i++) {
                FILE *f = fopen(path, "re");
                int pid = 0;

                if (f && fscanf(f, "%d", &pid) == 1 && pid > 0 &&
                    ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0) {
                        (void) snprintf(path, sizeof path, "%s/attached", dir);
                        (void) fclose(fopen(path, "we"));
                        (void) sleep(60);
                        _exit(0);
                }
                if (f)
                        (void) fclose(f);
                (void) usleep(10000);
        }
        _exit(1);
}

Test(proc, child_that_cannot_be_reaped_is_left_after_a_bound, .timeout = 40)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        char dir[] = "/tmp/test-proc-XXXXXX", script[600], path[128];
        char *argv[] = { "sh", "-c", script, NULL };
        struct proc_result r;
        pid_t tracer;

        cr_assert(not(eq(ptr, mkdtemp(dir), NULL)));
        (void) snprintf(script, sizeof script,
                        "echo $$ > %s/pid.tmp && mv %s/pid.tmp %s/pid && "
                        "while [ ! -e %s/attached ]; do sleep 0.01; done; exec sleep 30",
                        dir, dir, dir, dir);
        tracer = start_tracer(dir);
        cr_assert(eq(int, prctl(PR_SET_CHILD_SUBREAPER, 1), 0));
        cr_assert(eq(int, run("/bin/sh", argv, NULL, 5.0, &r, &err), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED), "%s", err->msg);
        (void) snprintf(path, sizeof path, "%s/attached", dir);
        cr_assert(eq(int, access(path, F_OK), 0), "the tracer never attached");
        /* the tracer goes: the killed child becomes a zombie we reap */
        (void) kill(tracer, SIGKILL);
        (void) waitpid(tracer, NULL, 0);
        (void) unlink(path);
        (void) snprintf(path, sizeof path, "%s/pid", dir);
        (void) unlink(path);
        (void) rmdir(dir);
        cr_assert(ge(int, kill_own_children(), 1), "the child was reaped: it was never stuck");
}
