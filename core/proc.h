/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"

/* Captured output per stream when proc_spec.out_max is 0. */
#define PROC_OUT_MAX (64 * 1024)
/* After the child has exited, how long we still wait for EOF on its pipes
 * (a grandchild may hold them open). */
#define PROC_DRAIN_GRACE 0.25
/* After SIGKILL, how long we wait to reap the child before we report it and
 * leave it (a child stuck in the kernel, D state, never becomes reapable). */
#define PROC_REAP_GRACE 3.0

enum proc_flags {
        PROC_NEW_SESSION = 1 << 0, /* setsid() in the child */
};

/* One program run: no shell, everything resolved before fork(). */
struct proc_spec {
        const char *path;   /* file to execve: absolute, already resolved */
        char *const *argv;  /* NULL-terminated, argv[0] included */
        char *const *envp;  /* NULL-terminated; NULL: our environment */
        int dir_fd;         /* the child's cwd; -1: ours */
        const void *stdin_buf; /* written to the child's stdin, then closed; NULL: /dev/null */
        size_t stdin_len;
        size_t out_max;     /* bytes kept per stream; 0: PROC_OUT_MAX */
        enum proc_flags flags;
};

struct proc_result {
        int status;     /* as from waitpid() */
        char *out;      /* stdout, NUL-terminated (may hold NULs itself) */
        size_t out_len;
        char *err;      /* stderr, NUL-terminated */
        size_t err_len;
        bool out_truncated; /* more than out_max bytes came and were dropped */
        bool err_truncated;
};

/* Runs SPEC to completion: feeds stdin, captures stdout and stderr until EOF,
 * reaps the child. DEADLINE is absolute, on timefmt_mono()'s clock. Past it the
 * child is SIGKILLed, reaped (waiting at most PROC_REAP_GRACE: one that cannot
 * die is logged and left) and the call fails with TC_DEADLINE_EXCEEDED. An
 * exec failure is TC_UNAVAILABLE "exec PATH: strerror". A non-zero exit is NOT
 * an error here: look at ret->status. */
int proc_run(const struct proc_spec *spec, double deadline, struct proc_result *ret,
             struct tc_err **err);
void proc_result_release(struct proc_result *r);

/* Go's ExitError text for a waitpid status: "exit status 1", "signal: killed". */
void proc_status_str(int status, char *buf, size_t len);
/* True when STATUS is a normal exit with code 0. */
bool proc_status_ok(int status);
/* The first non-empty line of BUF (whitespace trimmed, at most 512 bytes),
 * malloc'd; "" when there is none. NULL only when out of memory. */
char *proc_first_line(const char *buf, size_t len);
/* The same for the last non-empty line: where a Go program's fatal error is,
 * after any log lines it wrote first. */
char *proc_last_line(const char *buf, size_t len);

/* A copy of BASE (NULL: our environment) without any variable named in SET,
 * then SET's "NAME=value" entries appended. Free with strvfreep(). */
int proc_env_new(char *const *base, const char *const *set, char ***ret_env,
                 struct tc_err **err);
