/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakeshim's task service: the methods of containerd.task.v2.Task that
 * taskctl calls, with the answers the 1.6 runc shim gives (shim-protocol.md
 * §6, §7), around a sleeping child process standing in for the container.
 * The Create faults (create-fail, create-hang, die-mid-call,
 * die-after-create) live here.
 */
#include "tests/fakeshim/fakeshim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/proto/task.pb-c.h"
#include "core/proto/wellknown.pb-c.h"

/* Go's zero time, what the shim sends as exited_at before an exit */
#define GO_ZERO_TIME (-62135596800LL)

enum {
        CODE_UNKNOWN = 2,
        CODE_NOT_FOUND = 5,
        CODE_RESOURCE_EXHAUSTED = 8,
        CODE_UNIMPLEMENTED = 12,
        CODE_INTERNAL = 13,
};

/* ---- the task table ---- */

static struct task *task_find(struct daemon *d, const char *id)
{
        for (size_t i = 0; i < FAKESHIM_MAX_TASKS; i++)
                if (d->tasks[i].used && strcmp(d->tasks[i].id, id) == 0)
                        return &d->tasks[i];
        return NULL;
}

static bool tasks_any(const struct daemon *d)
{
        for (size_t i = 0; i < FAKESHIM_MAX_TASKS; i++)
                if (d->tasks[i].used)
                        return true;
        return false;
}

static void task_forget(struct daemon *d, struct task *t)
{
        for (size_t i = 0; i < FAKESHIM_MAX_WAITS; i++)
                if (d->waits[i].used && d->waits[i].task == t)
                        d->waits[i].used = false;
        free(t->id);
        free(t->bundle);
        free(t->stdin_path);
        free(t->stdout_path);
        free(t->stderr_path);
        *t = (struct task){0};
}

/* The task ID (init process only), or NULL after replying NotFound as the
 * real shim does. */
static struct task *task_get(struct daemon *d, int fd, uint32_t stream, const char *id,
                             const char *exec_id)
{
        struct task *t;

        if (exec_id && *exec_id) {
                serve_reply_status(d, fd, stream, CODE_NOT_FOUND,
                                   "process does not exist %s: not found", exec_id);
                return NULL;
        }
        t = task_find(d, id);
        if (!t)
                serve_reply_status(d, fd, stream, CODE_NOT_FOUND,
                                   "container not created: not found");
        return t;
}

static Tcpb__Timestamp exited_at(const struct task *t)
{
        Tcpb__Timestamp ts = TCPB__TIMESTAMP__INIT;

        ts.seconds = GO_ZERO_TIME;
        if (t && t->status == TASK_STOPPED) {
                ts.seconds = t->exited_at.tv_sec;
                ts.nanos = (int32_t) t->exited_at.tv_nsec;
        }
        return ts;
}

/* ---- the stand-in for a container ---- */

/* Overwrites our argv in place (setproctitle), so that /proc/PID/cmdline
 * reads NAME: forked from the daemon, the task would otherwise show the
 * shim's "-namespace NS -id ID" command line and pass for a shim. The
 * strings of F (flags point into argv) are gone afterwards. */
static void retitle(const struct fakeshim *f, const char *name)
{
        char *start = f->argv[0], *end = f->argv[f->argc - 1] + strlen(f->argv[f->argc - 1]);

        memset(start, 0, (size_t) (end - start));
        (void) snprintf(start, (size_t) (end - start) + 1, "%s", name);
}

/* The child: named so that `delete` knows it, in its own session, holding
 * none of the daemon's fds (a container must not keep the shim's socket
 * alive), then ready is reported on READY. */
static _Noreturn void sleeper_main(const struct fakeshim *f, int ready)
{
        sigset_t none;

        /* whatever taskctl ignored: a container gets default dispositions */
        for (int sig = 1; sig < NSIG; sig++)
                (void) signal(sig, SIG_DFL);
        (void) sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) prctl(PR_SET_NAME, FAKESHIM_TASK_COMM, 0, 0, 0);
        retitle(f, FAKESHIM_TASK_COMM);
        (void) setsid();
        if (ready > 3)
                (void) close_range(3, (unsigned) ready - 1, 0);
        (void) close_range((unsigned) ready + 1, ~0u, 0);
        (void) write(ready, "", 1);
        (void) close(ready);
        alarm(f->lifetime); /* safety net for a task nobody cleans up */
        for (;;)
                pause();
}

/* As runc create, returns once the process is set up. */
pid_t tasks_spawn_sleeper(const struct fakeshim *f)
{
        int p[2], e;
        pid_t pid;
        char c;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                (void) close(p[0]);
                sleeper_main(f, p[1]);
        }
        e = errno;
        (void) close(p[1]);
        while (pid > 0 && read(p[0], &c, 1) < 0 && errno == EINTR)
                ;
        (void) close(p[0]);
        errno = e;
        return pid;
}

/* BUNDLE/NAME (cwd when BUNDLE is empty, as runc) := TEXT */
static int write_bundle_file(const char *bundle, const char *name, const char *text)
{
        char path[4096];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(text);

        if (*bundle)
                (void) snprintf(path, sizeof path, "%s/%s", bundle, name);
        else
                (void) snprintf(path, sizeof path, "%s", name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, text, len) != (ssize_t) len)
                return -1;
        return 0;
}

void tasks_reaped(struct daemon *d, pid_t pid, int wstatus)
{
        Tcpb__WaitResponse resp = TCPB__WAIT_RESPONSE__INIT;
        Tcpb__Timestamp at;
        struct task *t = NULL;

        for (size_t i = 0; i < FAKESHIM_MAX_TASKS && !t; i++)
                if (d->tasks[i].used && d->tasks[i].pid == pid &&
                    d->tasks[i].status != TASK_STOPPED)
                        t = &d->tasks[i];
        if (!t) {
                fakeshim_log(d->f, "reaped pid %d, not a task of ours", (int) pid);
                return;
        }
        t->status = TASK_STOPPED;
        t->exit_status = WIFEXITED(wstatus) ? (uint32_t) WEXITSTATUS(wstatus)
                                            : 128u + (uint32_t) WTERMSIG(wstatus);
        t->exited_at = fakeshim_now();
        fakeshim_log(d->f, "task %s pid %d exited with %u", t->id, (int) pid, t->exit_status);
        at = exited_at(t);
        resp.exit_status = t->exit_status;
        resp.exited_at = &at;
        for (size_t i = 0; i < FAKESHIM_MAX_WAITS; i++) {
                struct waiter *w = &d->waits[i];

                if (!w->used || w->task != t)
                        continue;
                serve_reply(d, w->fd, w->stream, &resp.base);
                w->used = false;
        }
}

void tasks_conn_closed(struct daemon *d, int fd)
{
        for (size_t i = 0; i < FAKESHIM_MAX_WAITS; i++)
                if (d->waits[i].used && d->waits[i].fd == fd)
                        d->waits[i].used = false;
}

void tasks_kill_all(struct daemon *d)
{
        for (size_t i = 0; i < FAKESHIM_MAX_TASKS; i++) {
                struct task *t = &d->tasks[i];

                if (!t->used || t->status == TASK_STOPPED)
                        continue;
                (void) kill(t->pid, SIGKILL);
                (void) waitpid(t->pid, NULL, 0);
                t->status = TASK_STOPPED;
        }
}

/* ---- methods ---- */

typedef void method_fn(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m);

static void m_connect(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        const Tcpb__ConnectRequest *r = (const Tcpb__ConnectRequest *) m;
        Tcpb__ConnectResponse resp = TCPB__CONNECT_RESPONSE__INIT;
        const struct task *t = task_find(d, r->id);

        resp.shim_pid = (uint32_t) getpid();
        resp.task_pid = t ? (uint32_t) t->pid : 0;
        serve_reply(d, fd, stream, &resp.base);
}

/* Create's faults that strike before anything is done; true if one did. */
static bool create_fault_first(struct daemon *d)
{
        switch (d->f->fault) {
        case FAULT_DIE_MID_CALL:
                fakeshim_log(d->f, "die-mid-call: SIGKILL on Create");
                (void) kill(getpid(), SIGKILL);
                return true;
        case FAULT_CREATE_HANG:
                fakeshim_log(d->f, "create-hang: never answering Create, nor anything after it");
                d->stalled = true;
                return true;
        case FAULT_NONE:
        case FAULT_START_HANG:
        case FAULT_START_FAIL:
        case FAULT_START_GARBAGE_ADDRESS:
        case FAULT_REPLY_GARBAGE:
        case FAULT_REPLY_OVERSIZE:
        case FAULT_CREATE_FAIL:
        case FAULT_DIE_AFTER_CREATE:
        case FAULT_CONNECT_REFUSE:
        case FAULT_START_GARBAGE_AFTER_DAEMON:
        case FAULT_START_FAIL_AFTER_DAEMON:
        case FAULT_START_HANG_AFTER_DAEMON:
        case FAULT_SHIM_PID_UNWRITABLE:
                break;
        }
        return false;
}

static bool task_fill(struct task *t, const Tcpb__CreateTaskRequest *r, pid_t pid)
{
        t->id = strdup(r->id);
        t->bundle = strdup(r->bundle);
        t->stdin_path = strdup(r->stdin);
        t->stdout_path = strdup(r->stdout);
        t->stderr_path = strdup(r->stderr);
        t->terminal = r->terminal;
        t->pid = pid;
        t->status = TASK_CREATED;
        t->used = true;
        return t->id && t->bundle && t->stdin_path && t->stdout_path && t->stderr_path;
}

/* As the runc shim's Create: `runtime` is written, runc create leaves an
 * init process and init.pid; create-fail then fails the way an IO setup
 * error does after runc create (pitfall 5): the process is leaked, not
 * tracked, and only the `delete` action ends it. */
/* What the shim and runc create leave: `runtime`, a process, init.pid.
 * Returns the pid, or -1 after replying the error. */
static pid_t runc_create(struct daemon *d, int fd, uint32_t stream, const char *bundle)
{
        char pidtext[32], eb[128];
        pid_t pid;

        if (write_bundle_file(bundle, "runtime", "") < 0) {
                serve_reply_status(d, fd, stream, CODE_UNKNOWN, "write runtime: %s",
                                   fakeshim_strerror(errno, eb));
                return -1;
        }
        pid = tasks_spawn_sleeper(d->f);
        if (pid < 0) {
                serve_reply_status(d, fd, stream, CODE_UNKNOWN,
                                   "OCI runtime create failed: fork: %s",
                                   fakeshim_strerror(errno, eb));
                return -1;
        }
        fakeshim_note_pid(d->f, pid, "task");
        (void) snprintf(pidtext, sizeof pidtext, "%d", (int) pid);
        if (write_bundle_file(bundle, "init.pid", pidtext) < 0)
                fakeshim_log(d->f, "write init.pid: %s", fakeshim_strerror(errno, eb));
        return pid;
}

static struct task *task_slot(struct daemon *d)
{
        for (size_t i = 0; i < FAKESHIM_MAX_TASKS; i++)
                if (!d->tasks[i].used)
                        return &d->tasks[i];
        return NULL;
}

/* As the runc shim's Create. create-fail then fails the way an IO setup
 * error after runc create does (pitfall 5): the process is leaked, not
 * tracked, and only the `delete` action ends it. */
static void m_create(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        const Tcpb__CreateTaskRequest *r = (const Tcpb__CreateTaskRequest *) m;
        Tcpb__CreateTaskResponse resp = TCPB__CREATE_TASK_RESPONSE__INIT;
        struct task *t = task_slot(d);
        pid_t pid;

        if (create_fault_first(d))
                return;
        if (task_find(d, r->id) || !t) {
                serve_reply_status(d, fd, stream, CODE_UNKNOWN, "OCI runtime create failed: %s",
                                   t ? "runc create failed: container with given ID already exists"
                                     : "fakeshim holds too many tasks");
                return;
        }
        pid = runc_create(d, fd, stream, r->bundle);
        if (pid < 0)
                return;
        if (d->f->fault == FAULT_CREATE_FAIL) {
                fakeshim_log(d->f, "create-fail: leaving task process %d behind", (int) pid);
                serve_reply_status(d, fd, stream, CODE_UNKNOWN,
                                   "OCI runtime create failed: injected");
                return;
        }
        if (!task_fill(t, r, pid)) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                task_forget(d, t);
                serve_reply_status(d, fd, stream, CODE_UNKNOWN, "out of memory");
                return;
        }
        fakeshim_log(d->f, "created task %s pid %d", t->id, (int) pid);
        resp.pid = (uint32_t) pid;
        serve_reply(d, fd, stream, &resp.base);
        if (d->f->fault == FAULT_DIE_AFTER_CREATE) {
                fakeshim_log(d->f, "die-after-create: SIGKILL after the Create reply");
                (void) kill(getpid(), SIGKILL);
        }
}

static void m_start(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        const Tcpb__StartRequest *r = (const Tcpb__StartRequest *) m;
        Tcpb__StartResponse resp = TCPB__START_RESPONSE__INIT;
        struct task *t = task_get(d, fd, stream, r->id, r->exec_id);

        if (!t)
                return;
        if (t->status != TASK_CREATED) {
                serve_reply_status(d, fd, stream, CODE_UNKNOWN, "cannot start a %s process",
                                   t->status == TASK_RUNNING ? "running" : "stopped");
                return;
        }
        t->status = TASK_RUNNING;
        resp.pid = (uint32_t) t->pid;
        serve_reply(d, fd, stream, &resp.base);
}

static void m_state(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        const Tcpb__StateRequest *r = (const Tcpb__StateRequest *) m;
        Tcpb__StateResponse resp = TCPB__STATE_RESPONSE__INIT;
        struct task *t = task_get(d, fd, stream, r->id, r->exec_id);
        Tcpb__Timestamp at = exited_at(t);

        if (!t)
                return;
        resp.id = t->id;
        resp.bundle = t->bundle;
        resp.pid = (uint32_t) t->pid;
        resp.status = (Tcpb__TaskStatus) t->status;
        resp.stdin = t->stdin_path;
        resp.stdout = t->stdout_path;
        resp.stderr = t->stderr_path;
        resp.terminal = t->terminal;
        resp.exit_status = t->exit_status;
        resp.exited_at = &at;
        serve_reply(d, fd, stream, &resp.base);
}

static void m_kill(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        const Tcpb__KillRequest *r = (const Tcpb__KillRequest *) m;
        struct task *t = task_get(d, fd, stream, r->id, r->exec_id);
        char eb[128];

        if (!t)
                return;
        if (t->status != TASK_STOPPED && kill(r->all ? -t->pid : t->pid, (int) r->signal) == 0) {
                serve_reply(d, fd, stream, NULL);
                return;
        }
        /* ESRCH: it died and its SIGCHLD is not handled yet */
        if (t->status == TASK_STOPPED || errno == ESRCH) {
                serve_reply_status(d, fd, stream, CODE_NOT_FOUND,
                                   "process already finished: not found");
                return;
        }
        serve_reply_status(d, fd, stream, CODE_UNKNOWN, "kill: %s", fakeshim_strerror(errno, eb));
}

static void m_wait(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        const Tcpb__WaitRequest *r = (const Tcpb__WaitRequest *) m;
        Tcpb__WaitResponse resp = TCPB__WAIT_RESPONSE__INIT;
        struct task *t = task_get(d, fd, stream, r->id, r->exec_id);
        Tcpb__Timestamp at = exited_at(t);

        if (!t)
                return;
        if (t->status != TASK_STOPPED) {
                for (size_t i = 0; i < FAKESHIM_MAX_WAITS; i++) {
                        if (d->waits[i].used)
                                continue;
                        d->waits[i] = (struct waiter){true, fd, stream, t};
                        return; /* answered by tasks_reaped() */
                }
                serve_reply_status(d, fd, stream, CODE_RESOURCE_EXHAUSTED,
                                   "too many pending Waits");
                return;
        }
        resp.exit_status = t->exit_status;
        resp.exited_at = &at;
        serve_reply(d, fd, stream, &resp.base);
}

/* As the runc shim: a running task is refused with Unknown; a created one is
 * killed and reported with exit 0 and the zero time; a stopped one with its
 * exit. The task is then forgotten. */
static void m_delete(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        const Tcpb__DeleteRequest *r = (const Tcpb__DeleteRequest *) m;
        Tcpb__DeleteResponse resp = TCPB__DELETE_RESPONSE__INIT;
        struct task *t = task_get(d, fd, stream, r->id, r->exec_id);
        Tcpb__Timestamp at = exited_at(NULL);
        int wstatus;

        if (!t)
                return;
        if (t->status == TASK_RUNNING) {
                serve_reply_status(d, fd, stream, CODE_UNKNOWN, "cannot delete a running process");
                return;
        }
        resp.pid = (uint32_t) t->pid;
        if (t->status == TASK_CREATED) {
                (void) kill(t->pid, SIGKILL);
                if (waitpid(t->pid, &wstatus, 0) == t->pid)
                        tasks_reaped(d, t->pid, wstatus);
        } else {
                resp.exit_status = t->exit_status;
                at = exited_at(t);
        }
        resp.exited_at = &at;
        fakeshim_log(d->f, "deleted task %s", t->id);
        task_forget(d, t);
        serve_reply(d, fd, stream, &resp.base);
}

static void m_pids(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        const Tcpb__PidsRequest *r = (const Tcpb__PidsRequest *) m;
        Tcpb__PidsResponse resp = TCPB__PIDS_RESPONSE__INIT;
        Tcpb__ProcessInfo info = TCPB__PROCESS_INFO__INIT;
        Tcpb__ProcessInfo *list[1] = {&info};
        struct task *t = task_get(d, fd, stream, r->id, NULL);

        if (!t)
                return;
        if (t->status != TASK_STOPPED) {
                info.pid = (uint32_t) t->pid;
                resp.processes = list;
                resp.n_processes = 1;
        }
        serve_reply(d, fd, stream, &resp.base);
}

/* As the 1.6 runc shim: ignored while a task remains; otherwise answered,
 * then the daemon removes its socket and exits (serve_run). */
static void m_shutdown(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m)
{
        serve_reply(d, fd, stream, NULL);
        if (tasks_any(d)) {
                fakeshim_log(d->f, "shutdown ignored: tasks remain");
                return;
        }
        d->quit = true;
}

static const struct method {
        const char *name;
        const ProtobufCMessageDescriptor *request;
        method_fn *fn;
} methods[] = {
        {"Connect", &tcpb__connect_request__descriptor, m_connect},
        {"Create", &tcpb__create_task_request__descriptor, m_create},
        {"Start", &tcpb__start_request__descriptor, m_start},
        {"State", &tcpb__state_request__descriptor, m_state},
        {"Kill", &tcpb__kill_request__descriptor, m_kill},
        {"Wait", &tcpb__wait_request__descriptor, m_wait},
        {"Delete", &tcpb__delete_request__descriptor, m_delete},
        {"Pids", &tcpb__pids_request__descriptor, m_pids},
        {"Shutdown", &tcpb__shutdown_request__descriptor, m_shutdown},
};

void tasks_call(struct daemon *d, int fd, uint32_t stream, const char *method,
                const ProtobufCBinaryData *payload)
{
        ProtobufCMessage *m;

        for (size_t i = 0; i < ELEMENTSOF(methods); i++) {
                if (strcmp(methods[i].name, method) != 0)
                        continue;
                m = protobuf_c_message_unpack(methods[i].request, NULL, payload->len,
                                              payload->data);
                if (!m) {
                        serve_reply_status(d, fd, stream, CODE_INTERNAL,
                                           "ttrpc: error unmarshalling payload: "
                                           "cannot decode %s",
                                           methods[i].request->name);
                        return;
                }
                methods[i].fn(d, fd, stream, m);
                protobuf_c_message_free_unpacked(m, NULL);
                return;
        }
        serve_reply_status(d, fd, stream, CODE_UNIMPLEMENTED, "method %s", method);
}
