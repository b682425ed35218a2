/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/fakeshim, driven through core/taskapi as taskctl drives a shim: the
 * binary contract, a normal lifecycle, and that each fault does what it says.
 * Every process the fake makes is ended by PID (fakerun_cleanup).
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "core/taskapi.h"
#include "tests/unit/fakerun.h"

static struct fakerun fr;
static struct tc_err *err;

static void setup(void)
{
        cr_assert(fakerun_init(&fr), "fakerun_init: %s", strerror(errno));
        cr_assert_not_null(getenv("FAKESHIM"), "FAKESHIM must name the fake shim binary");
}

static void teardown(void)
{
        tc_err_freep(&err);
        fakerun_cleanup(&fr);
}

TestSuite(fakeshim, .init = setup, .fini = teardown, .timeout = 30);

/* the exit code, or -1 if killed by a signal */
static int exit_code(int wstatus)
{
        return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

/* the killing signal, or 0 if it exited */
static int term_signal(int wstatus)
{
        return WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
}

static double soon(void)
{
        return timefmt_mono() + 5;
}

/* `start` with FAULT; asserts exit 0 and returns the address it printed. */
static void start_ok(const char *fault, char address[256])
{
        struct fakeresult r;

        cr_assert(fakerun_action(&fr, fault, "start", 5, &r));
        cr_assert(r.exited, "start did not exit");
        cr_assert(eq(int, r.wstatus, 0), "start: status %d, stderr %s", r.wstatus, r.err);
        cr_assert(eq(int, strncmp(r.out, "unix://", 7), 0), "address %s", r.out);
        (void) snprintf(address, 256, "%s", r.out);
}

static struct ttrpc_conn *dial(const char *address)
{
        struct ttrpc_conn *c = NULL;

        cr_assert(eq(int, ttrpc_dial(address, soon(), &c, &err), 0), "dial: %s",
                  err ? err->msg : "");
        return c;
}

static struct taskapi api_of(struct ttrpc_conn *c)
{
        return (struct taskapi){.conn = c, .service = TASKAPI_SERVICE_V2};
}

static uint32_t create(struct taskapi *t)
{
        struct taskapi_create_req req = {.id = FAKE_ID, .bundle = fr.bundle};
        uint32_t pid = 0;

        cr_assert(eq(int, taskapi_create(t, &req, soon(), &pid, &err), 0), "create: %s",
                  err ? err->msg : "");
        return pid;
}

static void assert_reaped(pid_t pid, int want_exit, int want_signal)
{
        int ws = 0;

        cr_assert(gt(int, pid, 0));
        cr_assert(fakerun_reap(pid, 5, &ws), "pid %d did not end", (int) pid);
        cr_assert(eq(int, term_signal(ws), want_signal), "pid %d", (int) pid);
        if (!want_signal)
                cr_assert(eq(int, exit_code(ws), want_exit), "pid %d", (int) pid);
}

/* The `delete` action: exit 0 and the DeleteResponse it printed. */
static struct taskapi_deleted delete_action(void)
{
        struct taskapi_deleted d;
        struct fakeresult r;

        cr_assert(fakerun_action(&fr, NULL, "delete", 5, &r));
        cr_assert(r.exited && r.wstatus == 0, "delete: status %d, stderr %s", r.wstatus, r.err);
        cr_assert(
                eq(int, taskapi_decode_delete_response((uint8_t *) r.out, r.out_len, &d, &err), 0));
        cr_assert(eq(u32, d.exit.status, 137));
        cr_assert(d.exit.exited);
        return d;
}

/* ---- the binary contract ---- */

#define USAGE_START "flag provided but not defined: -bogus\nUsage of "

Test(fakeshim, unknown_flag_is_usage_error_exit_2)
{
        const char *argv[] = {"fakeshim", "-namespace", "default", "-bogus", "start", NULL};
        struct fakeresult r;

        cr_assert(fakerun_argv(&fr, NULL, argv, 5, &r) && r.exited);
        cr_assert(eq(int, exit_code(r.wstatus), 2), "stderr: %s", r.err);
        cr_assert(eq(int, strncmp(r.err, USAGE_START, strlen(USAGE_START)), 0), "stderr: %s",
                  r.err);
}

Test(fakeshim, missing_namespace_exit_1)
{
        const char *argv[] = {"fakeshim", "--id", FAKE_ID, "start", NULL};
        struct fakeresult r;

        cr_assert(fakerun_argv(&fr, NULL, argv, 5, &r) && r.exited);
        cr_assert(eq(int, exit_code(r.wstatus), 1), "stderr: %s", r.err);
        cr_assert(eq(str, r.err, "io.containerd.fake.v1: shim namespace cannot be empty"));
}

Test(fakeshim, unknown_fault_exit_1)
{
        struct fakeresult r;

        cr_assert(fakerun_action(&fr, "bogus", "start", 5, &r) && r.exited);
        cr_assert(eq(int, exit_code(r.wstatus), 1), "stderr: %s", r.err);
        cr_assert(eq(str, r.err, "io.containerd.fake.v1: unknown FAKESHIM_FAULT bogus"));
}

Test(fakeshim, start_writes_address_and_reuses_a_live_shim)
{
        char a1[256], a2[256], file[256] = "";
        pid_t daemon;
        FILE *f;

        start_ok(NULL, a1);
        daemon = fakerun_pid(&fr, "daemon");
        cr_assert(fakerun_alive(daemon));
        (void) snprintf(file, sizeof file, "%s/address", fr.bundle);
        f = fopen(file, "re");
        cr_assert_not_null(f);
        cr_assert_not_null(fgets(file, sizeof file, f));
        (void) fclose(f);
        cr_assert(eq(str, file, a1));
        f = fopen(fr.socklog, "re"); /* FAKESHIM_SOCKLOG names the socket */
        cr_assert_not_null(f);
        cr_assert_not_null(fgets(file, sizeof file, f));
        (void) fclose(f);
        file[strcspn(file, "\n")] = '\0';
        cr_assert(eq(str, file, (char *) a1 + strlen("unix://")));
        start_ok(NULL, a2); /* as the real one: same address, no second daemon */
        cr_assert(eq(str, a2, a1));
        cr_assert(eq(int, fakerun_pid(&fr, "daemon"), daemon));
        cr_assert(eq(int, fakerun_sockets(&fr), 1));
}

Test(fakeshim, delete_without_runtime_exit_1)
{
        char want[512];
        struct fakeresult r;

        cr_assert(fakerun_action(&fr, NULL, "delete", 5, &r) && r.exited);
        cr_assert(eq(int, exit_code(r.wstatus), 1), "stderr: %s", r.err);
        (void) snprintf(want, sizeof want,
                        "io.containerd.fake.v1: open %s/runtime: no such file or directory",
                        fr.bundle);
        cr_assert(eq(str, r.err, want));
        cr_assert(eq(sz, r.out_len, 0));
}

Test(fakeshim, missing_log_daemon_exits_1_start_still_succeeds)
{
        char address[256], log[256];

        (void) snprintf(log, sizeof log, "%s/log", fr.bundle);
        cr_assert(eq(int, unlink(log), 0));
        start_ok(NULL, address);
        assert_reaped(fakerun_pid(&fr, "daemon"), 1, 0);
        cr_assert(eq(int, ttrpc_dial(address, soon(), &(struct ttrpc_conn *){NULL}, &err), -1));
        cr_assert(eq(int, err->sys, ECONNREFUSED));
}

/* ---- a normal lifecycle ---- */

struct waiter {
        struct taskapi api;
        int r;
        struct taskapi_exit exit;
};

static void *wait_thread(void *p)
{
        struct waiter *w = p;
        struct tc_err *e = NULL;

        w->r = taskapi_wait(&w->api, FAKE_ID, soon(), &w->exit, &e);
        tc_err_free(e);
        return NULL;
}

Test(fakeshim, lifecycle_and_nothing_left)
{
        _cleanup_(ttrpc_conn_freep) struct ttrpc_conn *c = NULL, *c2 = NULL;
        struct taskapi_state st = {0};
        struct taskapi_deleted del;
        struct waiter w = {0};
        _cleanup_free_ uint32_t *pids = NULL;
        uint32_t shim_pid, task_pid, pid, n;
        char address[256], comm[32], cmdline[256];
        struct taskapi t;
        size_t npids;
        pthread_t th;

        start_ok(NULL, address);
        c = dial(address);
        t = api_of(c);
        cr_assert(eq(int, taskapi_connect(&t, FAKE_ID, soon(), &shim_pid, &task_pid, &err), 0));
        cr_assert(eq(int, (int) shim_pid, fakerun_pid(&fr, "daemon")));
        cr_assert(eq(u32, task_pid, 0));
        cr_assert(eq(int, taskapi_state(&t, FAKE_ID, soon(), &st, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        tc_err_freep(&err);

        pid = create(&t);
        cr_assert(eq(int, (int) pid, fakerun_pid(&fr, "task")));
        fakerun_comm((pid_t) pid, comm);
        cr_assert(eq(str, comm, "fakeshim-task"));
        /* not "-namespace default -id t1": the task must not pass for a shim */
        fakerun_cmdline((pid_t) pid, cmdline);
        cr_assert(eq(str, cmdline, "fakeshim-task"));
        fakerun_cmdline((pid_t) shim_pid, cmdline);
        cr_assert_not_null(strstr(cmdline, " -namespace default "), "%s", cmdline);
        cr_assert(fakerun_bundle_has(&fr, "runtime") && fakerun_bundle_has(&fr, "init.pid"));
        cr_assert(eq(int, taskapi_state(&t, FAKE_ID, soon(), &st, &err), 0));
        cr_assert(eq(int, st.status, TASKAPI_STATUS_CREATED));
        cr_assert(eq(str, st.bundle, fr.bundle));
        cr_assert(not(st.exit.exited));
        taskapi_state_release(&st);
        cr_assert(eq(int, taskapi_start(&t, FAKE_ID, soon(), &n, &err), 0));
        cr_assert(eq(u32, n, pid));
        cr_assert(eq(int, taskapi_pids(&t, FAKE_ID, soon(), &pids, &npids, &err), 0));
        cr_assert(eq(sz, npids, 1));
        cr_assert(eq(u32, pids[0], pid));

        /* a Wait pending on a second connection, ended by a Kill on the first */
        c2 = dial(address);
        w.api = api_of(c2);
        cr_assert(eq(int, pthread_create(&th, NULL, wait_thread, &w), 0));
        (void) usleep(200000);
        cr_assert(eq(int, taskapi_kill(&t, FAKE_ID, SIGKILL, false, soon(), &err), 0));
        cr_assert(eq(int, pthread_join(th, NULL), 0));
        cr_assert(eq(int, w.r, 0));
        cr_assert(eq(u32, w.exit.status, 137));
        cr_assert(w.exit.exited);
        cr_assert(eq(int, taskapi_state(&t, FAKE_ID, soon(), &st, &err), 0));
        cr_assert(eq(int, st.status, TASKAPI_STATUS_STOPPED));
        cr_assert(eq(u32, st.exit.status, 137));
        taskapi_state_release(&st);
        cr_assert(eq(int, taskapi_kill(&t, FAKE_ID, SIGTERM, false, soon(), &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        tc_err_freep(&err);

        cr_assert(eq(int, taskapi_delete(&t, FAKE_ID, soon(), &del, &err), 0));
        cr_assert(eq(u32, del.pid, pid));
        cr_assert(eq(u32, del.exit.status, 137));
        cr_assert(eq(int, taskapi_connect(&t, FAKE_ID, soon(), NULL, &task_pid, &err), 0));
        cr_assert(eq(u32, task_pid, 0));
        cr_assert(eq(int, taskapi_shutdown(&t, FAKE_ID, false, soon(), &err), 0));
        assert_reaped((pid_t) shim_pid, 0, 0);
        cr_assert(not(fakerun_alive((pid_t) pid)));
        cr_assert(eq(int, fakerun_sockets(&fr), 0));
}

Test(fakeshim, shutdown_ignored_while_a_task_remains_sigterm_ends_both)
{
        _cleanup_(ttrpc_conn_freep) struct ttrpc_conn *c = NULL;
        char address[256];
        struct taskapi t;
        pid_t daemon, task;

        start_ok(NULL, address);
        c = dial(address);
        t = api_of(c);
        task = (pid_t) create(&t);
        cr_assert(eq(int, taskapi_shutdown(&t, FAKE_ID, true, soon(), &err), 0));
        cr_assert(eq(int, taskapi_connect(&t, FAKE_ID, soon(), NULL, NULL, &err), 0));
        daemon = fakerun_pid(&fr, "daemon");
        cr_assert(eq(int, kill(daemon, SIGTERM), 0));
        assert_reaped(daemon, 0, 0);
        cr_assert(not(fakerun_alive(task)));
        cr_assert(eq(int, fakerun_sockets(&fr), 0));
}

Test(fakeshim, max_lifetime_ends_daemon_and_task)
{
        _cleanup_(ttrpc_conn_freep) struct ttrpc_conn *c = NULL;
        char address[256];
        struct taskapi t;
        pid_t task;

        fr.lifetime = "1";
        start_ok(NULL, address);
        c = dial(address);
        t = api_of(c);
        task = (pid_t) create(&t);
        assert_reaped(fakerun_pid(&fr, "daemon"), 0, 0);
        cr_assert(not(fakerun_alive(task)));
        cr_assert(eq(int, fakerun_sockets(&fr), 0));
}

Test(fakeshim, unknown_method_is_unimplemented)
{
        _cleanup_(ttrpc_conn_freep) struct ttrpc_conn *c = NULL;
        uint8_t *resp = NULL;
        size_t len;
        char address[256];

        start_ok(NULL, address);
        c = dial(address);
        cr_assert(eq(int,
                     ttrpc_call(c, TASKAPI_SERVICE_V2, "Bogus", NULL, 0, soon(), &resp, &len, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert_not_null(strstr(err->msg, "method Bogus"), "%s", err->msg);
}

/* ---- the faults ---- */

Test(fakeshim, start_fail_exit_1_with_message)
{
        struct fakeresult r;

        cr_assert(fakerun_action(&fr, "start-fail", "start", 5, &r) && r.exited);
        cr_assert(eq(int, exit_code(r.wstatus), 1), "stderr: %s", r.err);
        cr_assert(eq(str, r.err, "io.containerd.fake.v1: injected start failure"));
        cr_assert(eq(sz, r.out_len, 0));
        cr_assert(not(fakerun_bundle_has(&fr, "address")));
        cr_assert(eq(int, fakerun_sockets(&fr), 0));
}

Test(fakeshim, start_hang_does_not_exit_until_killed)
{
        struct fakeresult r;

        cr_assert(fakerun_action(&fr, "start-hang", "start", 1, &r));
        cr_assert(not(r.exited), "start-hang exited");
        cr_assert(eq(int, r.pid, fakerun_pid(&fr, "start")));
        cr_assert(eq(int, kill(r.pid, SIGKILL), 0));
        assert_reaped(r.pid, 0, SIGKILL);
        cr_assert(eq(int, fakerun_pid(&fr, "daemon"), -1));
}

Test(fakeshim, start_garbage_address)
{
        struct fakeresult r;

        cr_assert(fakerun_action(&fr, "start-garbage-address", "start", 5, &r) && r.exited);
        cr_assert(eq(int, r.wstatus, 0));
        cr_assert(eq(str, r.out, "not-an-address"));
        cr_assert(eq(int, fakerun_pid(&fr, "daemon"), -1));
}

Test(fakeshim, connect_refuse)
{
        char address[256];

        start_ok("connect-refuse", address);
        cr_assert(not(fakerun_alive(fakerun_pid(&fr, "daemon"))));
        cr_assert(eq(int, ttrpc_dial(address, soon(), &(struct ttrpc_conn *){NULL}, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(int, err->sys, ECONNREFUSED));
}

/* reply-garbage and reply-oversize: every answer is unusable, yet the
 * methods still run, so a Shutdown still ends the daemon. */
static void bad_replies(const char *fault, const char *words)
{
        _cleanup_(ttrpc_conn_freep) struct ttrpc_conn *c = NULL, *c2 = NULL;
        char address[256];
        struct taskapi t;

        start_ok(fault, address);
        c = dial(address);
        t = api_of(c);
        cr_assert(eq(int, taskapi_connect(&t, FAKE_ID, soon(), NULL, NULL, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert_not_null(strstr(err->msg, words), "%s", err->msg);
        tc_err_freep(&err);
        c2 = dial(address);
        t = api_of(c2);
        cr_assert(eq(int, taskapi_shutdown(&t, FAKE_ID, false, soon(), &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        assert_reaped(fakerun_pid(&fr, "daemon"), 0, 0);
        cr_assert(eq(int, fakerun_sockets(&fr), 0));
}

Test(fakeshim, reply_garbage_is_unavailable)
{
        bad_replies("reply-garbage", "not a ttrpc.Response");
}

Test(fakeshim, reply_oversize_is_unavailable)
{
        bad_replies("reply-oversize", "length 4194305");
}

Test(fakeshim, create_fail_leaks_a_process_that_delete_action_kills)
{
        _cleanup_(ttrpc_conn_freep) struct ttrpc_conn *c = NULL;
        struct taskapi_create_req req = {.id = FAKE_ID, .bundle = fr.bundle};
        struct taskapi_deleted d;
        char address[256];
        struct taskapi t;
        pid_t task;
        uint32_t pid;

        start_ok("create-fail", address);
        c = dial(address);
        t = api_of(c);
        cr_assert(eq(int, taskapi_create(&t, &req, soon(), &pid, &err), -1));
        cr_assert(eq(int, err->kind, TC_INTERNAL)); /* code 2 Unknown */
        cr_assert(eq(str, err->msg, "OCI runtime create failed: injected"));
        task = fakerun_pid(&fr, "task");
        cr_assert(fakerun_alive(task));
        cr_assert(fakerun_bundle_has(&fr, "runtime"));
        /* the shim does not track it: Shutdown works, and the process stays */
        cr_assert(eq(int, taskapi_shutdown(&t, FAKE_ID, false, soon(), &err), 0));
        assert_reaped(fakerun_pid(&fr, "daemon"), 0, 0);
        cr_assert(fakerun_alive(task));
        d = delete_action();
        cr_assert(eq(u32, d.pid, (uint32_t) task));
        assert_reaped(task, 0, SIGKILL);
}

Test(fakeshim, create_hang_answers_nothing_after_create)
{
        _cleanup_(ttrpc_conn_freep) struct ttrpc_conn *c = NULL, *c2 = NULL;
        struct taskapi_create_req req = {.id = FAKE_ID, .bundle = fr.bundle};
        char address[256];
        struct taskapi t;
        pid_t daemon;
        uint32_t pid;

        start_ok("create-hang", address);
        c = dial(address);
        t = api_of(c);
        cr_assert(eq(int, taskapi_create(&t, &req, timefmt_mono() + 0.5, &pid, &err), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
        tc_err_freep(&err);
        c2 = dial(address);
        t = api_of(c2);
        cr_assert(eq(int, taskapi_shutdown(&t, FAKE_ID, false, timefmt_mono() + 0.5, &err), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
        cr_assert(not(fakerun_bundle_has(&fr, "runtime")));
        daemon = fakerun_pid(&fr, "daemon");
        cr_assert(fakerun_alive(daemon));
        cr_assert(eq(int, kill(daemon, SIGKILL), 0));
        assert_reaped(daemon, 0, SIGKILL);
}

Test(fakeshim, die_mid_call_leaves_a_stale_socket)
{
        _cleanup_(ttrpc_conn_freep) struct ttrpc_conn *c = NULL;
        struct taskapi_create_req req = {.id = FAKE_ID, .bundle = fr.bundle};
        char address[256];
        struct taskapi t;
        struct stat st;
        uint32_t pid;

        start_ok("die-mid-call", address);
        c = dial(address);
        t = api_of(c);
        cr_assert(eq(int, taskapi_create(&t, &req, soon(), &pid, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        tc_err_freep(&err);
        assert_reaped(fakerun_pid(&fr, "daemon"), 0, SIGKILL);
        cr_assert(eq(int, stat(address + strlen("unix://"), &st), 0));
        cr_assert(eq(int, st.st_mode &S_IFMT, S_IFSOCK));
        cr_assert(eq(int, ttrpc_dial(address, soon(), &(struct ttrpc_conn *){NULL}, &err), -1));
        cr_assert(eq(int, err->sys, ECONNREFUSED));
        cr_assert(not(fakerun_bundle_has(&fr, "runtime")));
        cr_assert(eq(int, fakerun_pid(&fr, "task"), -1));
}

Test(fakeshim, die_after_create_leaves_the_task_to_delete_action)
{
        _cleanup_(ttrpc_conn_freep) struct ttrpc_conn *c = NULL;
        struct taskapi_deleted d;
        char address[256];
        struct taskapi t;
        pid_t task;

        start_ok("die-after-create", address);
        c = dial(address);
        t = api_of(c);
        task = (pid_t) create(&t);
        assert_reaped(fakerun_pid(&fr, "daemon"), 0, SIGKILL);
        cr_assert(fakerun_alive(task));
        cr_assert(eq(int, ttrpc_dial(address, soon(), &(struct ttrpc_conn *){NULL}, &err), -1));
        cr_assert(eq(int, err->sys, ECONNREFUSED));
        d = delete_action();
        cr_assert(eq(u32, d.pid, (uint32_t) task));
        assert_reaped(task, 0, SIGKILL);
}
