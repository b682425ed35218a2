/* SPDX-License-Identifier: Apache-2.0 */
/* The helpers that pass an error up (core/base/err.c). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>

#include "core/base/cleanup.h"
#include "core/base/err.h"

Test(err, move_hands_over_and_clears_the_source)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL, *e = NULL;

        tc_fail_sys(&e, TC_NOT_FOUND, ENOENT, "open %s", "x");
        cr_assert(eq(int, tc_err_move(&err, &e), -1));
        cr_assert(eq(ptr, e, NULL));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        cr_assert(eq(int, err->sys, ENOENT));
        cr_assert(eq(str, err->msg, "open x: No such file or directory"));
}

Test(err, move_replaces_an_older_error)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL, *e = NULL;

        tc_fail(&err, TC_INTERNAL, "old");
        tc_fail(&e, TC_UNAVAILABLE, "new");
        tc_err_move(&err, &e);
        cr_assert(eq(str, err->msg, "new"));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
}

Test(err, move_to_null_drops_and_null_source_is_internal)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL, *e = NULL;

        tc_fail(&e, TC_INTERNAL, "dropped");
        cr_assert(eq(int, tc_err_move(NULL, &e), -1));
        cr_assert(eq(ptr, e, NULL));
        cr_assert(eq(int, tc_err_move(&err, &e), -1));
        cr_assert(eq(int, err->kind, TC_INTERNAL));
        cr_assert(eq(str, err->msg, "unknown error"));
}

Test(err, pass_prefixes_and_keeps_kind_and_sys)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL, *e = NULL;

        tc_fail_sys(&e, TC_FAILED_PRECONDITION, EBUSY, "lock");
        cr_assert(eq(int, tc_err_pass(&err, &e, "task %s", "web"), -1));
        cr_assert(eq(ptr, e, NULL));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION));
        cr_assert(eq(int, err->sys, EBUSY));
        cr_assert(eq(str, err->msg, "task web: lock: Device or resource busy"));
}

Test(err, is_tests_the_kind_and_accepts_null)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        cr_assert(not(tc_err_is(NULL, TC_NOT_FOUND)));
        tc_fail(&e, TC_NOT_FOUND, "gone");
        cr_assert(tc_err_is(e, TC_NOT_FOUND));
        cr_assert(not(tc_err_is(e, TC_INTERNAL)));
}
