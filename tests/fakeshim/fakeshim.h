/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * fakeshim: a runtime-v2 shim binary of our own, for tests only. It follows
 * the binary contract of containerd-shim-runc-v2 (docs/shim-protocol.md §2:
 * Go-style flags, `start` and `delete` actions, cwd = bundle, `log` and
 * `address` files, a daemon serving containerd.task.v2.Task over ttrpc) and
 * injects one fault on demand, the ones the real shim cannot produce.
 *
 * Configuration, all from the environment (taskctl passes its own through):
 *   FAKESHIM_FAULT         one word, see enum fault; unset or empty: none
 *   FAKESHIM_SOCKDIR       socket directory (default /run/taskctl-fakeshim)
 *   FAKESHIM_MAX_LIFETIME  seconds any process of ours lives at most (120)
 *   FAKESHIM_PIDFILE       every process we make appends "PID ROLE\n" here,
 *                          ROLE one of start, delete, daemon, task
 *   FAKESHIM_SOCKLOG       every socket we bind appends "PATH\n" here
 *
 * Files: tests/fakeshim/fakeshim.c (argv, env, the start and delete actions),
 * serve.c (the daemon: poll loop, ttrpc framing, replies), tasks.c (the task
 * service methods and the sleeping process standing in for a container).
 */

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* what our errors start with, as "io.containerd.runc.v2: " for the real one */
#define FAKESHIM_RUNTIME "io.containerd.fake.v1"
/* comm of the process standing in for a container, so `delete` knows its own */
#define FAKESHIM_TASK_COMM "fakeshim-task"
#define FAKESHIM_SERVICE "containerd.task.v2.Task"
#define FAKESHIM_MAX_TASKS 8
#define FAKESHIM_MAX_CONNS 32
#define FAKESHIM_MAX_WAITS 64

enum fault {
        FAULT_NONE,
        FAULT_START_HANG,            /* `start` never exits */
        FAULT_START_FAIL,            /* `start` fails with exit 1 */
        FAULT_START_GARBAGE_ADDRESS, /* `start` prints "not-an-address", exit 0 */
        FAULT_REPLY_GARBAGE,         /* every reply body is undecodable */
        FAULT_REPLY_OVERSIZE,        /* every reply header claims > 4 MiB */
        FAULT_CREATE_FAIL,           /* Create leaks a process, then fails (code 2) */
        FAULT_CREATE_HANG,           /* Create never answers; nothing after it does */
        FAULT_DIE_MID_CALL,          /* SIGKILL ourselves on Create */
        FAULT_DIE_AFTER_CREATE,      /* Create succeeds, then SIGKILL ourselves */
        FAULT_CONNECT_REFUSE,        /* the daemon exits before `start` returns */
        FAULT_START_GARBAGE_AFTER_DAEMON, /* daemon up, `address` written, then `start`
                                           * prints "not-an-address", exit 0 */
        FAULT_START_FAIL_AFTER_DAEMON,    /* daemon up, then `start` exits 1 */
        FAULT_START_HANG_AFTER_DAEMON,    /* daemon up, then `start` never exits */
        FAULT_SHIM_PID_UNWRITABLE,        /* `start` makes BUNDLE/shim.pid a non-empty
                                           * directory: taskctl cannot write it */
};

struct fakeshim {
        const char *ns;
        const char *id;
        const char *address;
        const char *publish_binary;
        const char *bundle; /* -bundle: parsed, ignored (the real one uses cwd) */
        bool debug;
        enum fault fault;
        unsigned lifetime; /* seconds */
        const char *sockdir;
        const char *pidfile; /* NULL: none */
        const char *socklog; /* NULL: none */
        char **argv;         /* main's, to retitle the task process */
        int argc;
};

enum task_status {
        TASK_CREATED = 1, /* containerd.v1.types.Status values */
        TASK_RUNNING = 2,
        TASK_STOPPED = 3,
};

struct task {
        bool used;
        char *id;
        char *bundle;
        char *stdin_path;
        char *stdout_path;
        char *stderr_path;
        bool terminal;
        pid_t pid;
        enum task_status status;
        uint32_t exit_status;
        struct timespec exited_at;
};

struct conn {
        int fd; /* -1: free slot */
        uint8_t head[10];
        size_t head_got;
        uint8_t *body; /* once the header is in */
        uint32_t body_len;
        uint32_t body_got;
        uint32_t stream;
        uint8_t type;
};

/* A Wait not answered yet: the reply goes to FD on STREAM when TASK exits. */
struct waiter {
        bool used;
        int fd;
        uint32_t stream;
        const struct task *task;
};

struct daemon {
        const struct fakeshim *f;
        const char *sock_path;
        int listen_fd;
        int signal_fd;
        double end;   /* monotonic time the lifetime ends */
        bool quit;    /* Shutdown with no task left: exit once the reply is out */
        bool stalled; /* create-hang: no request is answered any more */
        struct conn conns[FAKESHIM_MAX_CONNS];
        struct waiter waits[FAKESHIM_MAX_WAITS];
        struct task tasks[FAKESHIM_MAX_TASKS];
};

/* fakeshim.c */
void fakeshim_note_pid(const struct fakeshim *f, pid_t pid, const char *role);
void fakeshim_log(const struct fakeshim *f, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* strerror() the way Go spells errno: "no such file or directory" */
const char *fakeshim_strerror(int e, char buf[128]);
struct timespec fakeshim_now(void);

/* serve.c: takes over the process, never returns. LISTEN_FD is bound and
 * listening; SOCK_PATH is removed on a clean exit. */
_Noreturn void serve_run(const struct fakeshim *f, int listen_fd, const char *sock_path);
/* Replies on FD/STREAM: a message (NULL: empty body), or a status. Failures
 * to send are logged and otherwise ignored (the client went away). */
void serve_reply(struct daemon *d, int fd, uint32_t stream, const ProtobufCMessage *m);
void serve_reply_status(struct daemon *d, int fd, uint32_t stream, int code, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/* tasks.c */
/* Handles one decoded ttrpc.Request of our service. */
void tasks_call(struct daemon *d, int fd, uint32_t stream, const char *method,
                const ProtobufCBinaryData *payload);
/* A child of ours ended (from waitpid). */
void tasks_reaped(struct daemon *d, pid_t pid, int wstatus);
/* FD was closed: forget its pending Waits. */
void tasks_conn_closed(struct daemon *d, int fd);
/* SIGKILLs and reaps every task process; for SIGTERM and the lifetime end. */
void tasks_kill_all(struct daemon *d);
/* The stand-in for a container: a child that sleeps in its own session until
 * signalled (or LIFETIME passes). Returns its pid, -1 with errno on failure. */
pid_t tasks_spawn_sleeper(const struct fakeshim *f);
