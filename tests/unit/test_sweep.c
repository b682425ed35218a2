/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "core/base/cleanup.h"
#include "core/sweep.h"

/* one row per case, as containerd's TestShouldCleanupShim */
Test(cleanup, decide_table)
{
        static const struct {
                struct cleanup_seen seen;
                enum cleanup_action want;
        } rows[] = {
                { { .has_bundle = true }, CLEANUP_KEEP_BUNDLE },
                { { .has_bundle = true, .locked = true }, CLEANUP_KEEP_BUNDLE },
                { { .has_bundle = true, .has_mount = true }, CLEANUP_KEEP_BUNDLE },
                { { 0 }, CLEANUP_REMOVE },
                { { .age = 10, .older_than = 3600 }, CLEANUP_KEEP_RECENT },
                { { .age = 7200, .older_than = 3600 }, CLEANUP_REMOVE },
                { { .age = 3600, .older_than = 3600 }, CLEANUP_REMOVE },
                { { .locked = true }, CLEANUP_SKIP_BUSY },
                { { .locked = true, .age = 10, .older_than = 60 }, CLEANUP_KEEP_RECENT },
                { { .has_mount = true }, CLEANUP_LEAVE_MOUNT },
                { { .has_mount = true, .locked = true }, CLEANUP_SKIP_BUSY },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                cr_expect(eq(int, cleanup_decide(&rows[i].seen), rows[i].want), "row %zu", i);
}
