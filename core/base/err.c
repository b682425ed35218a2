/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set(struct tc_err **err, enum tc_kind kind, int sys, char *msg)
{
        struct tc_err *e;

        if (!err) {
                free(msg);
                return -1;
        }
        tc_err_free(*err);
        *err = NULL;
        e = calloc(1, sizeof *e);
        if (!e) {
                free(msg);
                return -1;
        }
        e->kind = kind;
        e->sys = sys;
        e->msg = msg ? msg : strdup("out of memory");
        *err = e;
        return -1;
}

int tc_fail(struct tc_err **err, enum tc_kind kind, const char *fmt, ...)
{
        va_list ap;
        char *msg = NULL;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        return set(err, kind, 0, msg);
}

int tc_fail_sys(struct tc_err **err, enum tc_kind kind, int sys, const char *fmt, ...)
{
        va_list ap;
        char *head = NULL, *msg = NULL, buf[128];

        va_start(ap, fmt);
        if (vasprintf(&head, fmt, ap) < 0)
                head = NULL;
        va_end(ap);
        /* strerror_r (GNU): strerror's static buffer is not thread-safe */
        if (head && asprintf(&msg, "%s: %s", head, strerror_r(sys, buf, sizeof buf)) < 0)
                msg = NULL;
        free(head);
        return set(err, kind, sys, msg);
}

__attribute__((format(printf, 2, 0))) static int vwrap(struct tc_err **err, const char *fmt,
                                                     va_list ap)
{
        char *head = NULL, *msg = NULL;

        if (!err)
                return -1;
        if (!*err)
                return set(err, TC_INTERNAL, 0, strdup("unknown error"));
        if (vasprintf(&head, fmt, ap) < 0)
                head = NULL;
        if (head && asprintf(&msg, "%s: %s", head, (*err)->msg) >= 0) {
                free((*err)->msg);
                (*err)->msg = msg;
        }
        free(head);
        return -1;
}

int tc_wrap(struct tc_err **err, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void) vwrap(err, fmt, ap);
        va_end(ap);
        return -1;
}

int tc_err_move(struct tc_err **err, struct tc_err **src)
{
        struct tc_err *e = *src;

        *src = NULL;
        if (!err) {
                tc_err_free(e);
                return -1;
        }
        if (!e)
                return set(err, TC_INTERNAL, 0, strdup("unknown error"));
        if (*err != e)
                tc_err_free(*err);
        *err = e;
        return -1;
}

int tc_err_pass(struct tc_err **err, struct tc_err **src, const char *fmt, ...)
{
        va_list ap;

        if (tc_err_move(err, src) < 0 && err && *err) {
                va_start(ap, fmt);
                (void) vwrap(err, fmt, ap);
                va_end(ap);
        }
        return -1;
}

bool tc_err_is(const struct tc_err *e, enum tc_kind kind)
{
        return e && e->kind == kind;
}

void tc_err_free(struct tc_err *e)
{
        if (!e)
                return;
        free(e->msg);
        free(e);
}

void tc_err_freep(struct tc_err **e)
{
        tc_err_free(*e);
        *e = NULL;
}

const char *tc_kind_name(enum tc_kind kind)
{
        static const char *const names[] = {
                [TC_INTERNAL] = "internal",
                [TC_INVALID_ARGUMENT] = "invalid argument",
                [TC_NOT_FOUND] = "not found",
                [TC_ALREADY_EXISTS] = "already exists",
                [TC_FAILED_PRECONDITION] = "failed precondition",
                [TC_UNAVAILABLE] = "unavailable",
                [TC_DEADLINE_EXCEEDED] = "deadline exceeded",
        };
        if ((unsigned) kind < sizeof names / sizeof names[0] && names[kind])
                return names[kind];
        return "unknown";
}

enum tc_kind tc_kind_worst(enum tc_kind a, enum tc_kind b)
{
        /* the kinds are numbered as their exit codes: the worse is the larger */
        if ((int) a <= 0)
                return b;
        if ((int) b <= 0)
                return a;
        return a > b ? a : b;
}
