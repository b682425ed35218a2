/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

/* containerd errdefs kinds; cli/exit.c maps them to the exit codes (0-7,
 * listed in the man page). */
enum tc_kind {
        TC_INTERNAL = 1,
        TC_INVALID_ARGUMENT,
        TC_NOT_FOUND,
        TC_ALREADY_EXISTS,
        TC_FAILED_PRECONDITION,
        TC_UNAVAILABLE,
        TC_DEADLINE_EXCEEDED,
};

struct tc_err {
        enum tc_kind kind;
        int sys;   /* errno that caused it, 0 if none */
        char *msg; /* "outer: inner" */
};

/* Each returns -1 so that a failure path is one line. A NULL err is allowed
 * (the error is then dropped). If *err is already set it is replaced. */
int tc_fail(struct tc_err **err, enum tc_kind kind, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* appends ": strerror(sys)" */
int tc_fail_sys(struct tc_err **err, enum tc_kind kind, int sys, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* prefixes "ctx: " to the message, keeps the kind */
int tc_wrap(struct tc_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Passing an error up. Each takes *SRC (the callee's error), leaves it NULL
 * and returns -1; a NULL ERR drops it. A NULL *SRC becomes TC_INTERNAL
 * "unknown error". */
int tc_err_move(struct tc_err **err, struct tc_err **src);
/* the same, prefixing "ctx: " and keeping kind and sys */
int tc_err_pass(struct tc_err **err, struct tc_err **src, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Is E (possibly NULL) an error of KIND? */
bool tc_err_is(const struct tc_err *e, enum tc_kind kind);

void tc_err_free(struct tc_err *e);
void tc_err_freep(struct tc_err **e);
const char *tc_kind_name(enum tc_kind kind);

/* Of two outcomes of a command over several IDs, the one whose exit code is
 * the higher (the exit-code table of man taskctl: 7 deadline exceeded > 6 unavailable > 5 failed
 * precondition > 4 already exists > 3 not found > 2 invalid argument > 1
 * internal). 0 stands for success and never wins over a failure. */
enum tc_kind tc_kind_worst(enum tc_kind a, enum tc_kind b);
