/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "core/base/cleanup.h"
#include "core/load.h"

/* one row per case, as containerd's TestShouldCleanupShim: what load does with
 * one bundle, from what it saw */
Test(load, decide_table)
{
        static const struct {
                const char *name;
                struct load_seen seen;
                enum load_action want;
        } rows[] = {
                /* a live task with its record is loaded */
                { "live", { .has_record = true, .shim_alive = true }, LOAD_KEEP_LIVE },
                /* a mount in a live task's work dir is none of load's business */
                { "live with a mount",
                  { .has_record = true, .shim_alive = true, .has_mount = true },
                  LOAD_KEEP_LIVE },
                /* the task lock is held by a create/delete: never touched */
                { "locked", { .locked = true }, LOAD_SKIP_BUSY },
                { "locked beats everything",
                  { .locked = true, .empty = true, .record_unreadable = true, .has_mount = true },
                  LOAD_SKIP_BUSY },
                { "locked live", { .locked = true, .has_record = true, .shim_alive = true },
                  LOAD_SKIP_BUSY },
                /* an empty bundle goes, whatever the record says */
                { "empty", { .empty = true }, LOAD_REMOVE_EMPTY },
                { "empty with a record", { .empty = true, .has_record = true }, LOAD_REMOVE_EMPTY },
                { "empty, record unreadable", { .empty = true, .record_unreadable = true },
                  LOAD_REMOVE_EMPTY },
                { "empty, mount in its work dir", { .empty = true, .has_mount = true },
                  LOAD_LEAVE_MOUNT },
                /* the container record is gone: removed (a live shim told to go) */
                { "no record, shim dead", { 0 }, LOAD_REMOVE_NO_RECORD },
                /* a shim whose create was interrupted holds no container */
                { "alive, no task", { .has_record = true, .shim_alive = true, .shim_no_task = true },
                  LOAD_REMOVE_NO_TASK },
                /* slow is not dead: a shim not proven dead is left, record or not */
                { "not answering", { .has_record = true, .shim_not_answering = true },
                  LOAD_SKIP_SLOW },
                { "not answering, no record", { .shim_not_answering = true }, LOAD_SKIP_SLOW },
                { "not answering, mount inside",
                  { .has_record = true, .shim_not_answering = true, .has_mount = true },
                  LOAD_SKIP_SLOW },
                { "no record, shim alive", { .shim_alive = true }, LOAD_REMOVE_NO_RECORD },
                { "no record, mount inside", { .has_mount = true }, LOAD_LEAVE_MOUNT },
                /* the shim does not answer: cleaned up through the binary's delete */
                { "dead", { .has_record = true }, LOAD_CLEANUP_DEAD },
                { "dead, mount inside", { .has_record = true, .has_mount = true },
                  LOAD_LEAVE_MOUNT },
                /* an unreadable record is reported and its bundle left alone */
                { "record unreadable", { .record_unreadable = true }, LOAD_FAIL_RECORD },
                { "record unreadable, shim alive", { .record_unreadable = true, .shim_alive = true },
                  LOAD_FAIL_RECORD },
                { "record unreadable, mount inside",
                  { .record_unreadable = true, .has_mount = true }, LOAD_FAIL_RECORD },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                cr_expect(eq(int, load_decide(&rows[i].seen), rows[i].want), "row %zu: %s", i,
                          rows[i].name);
}
