/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/containers.h"
#include "cli/tasks.h"
#include "core/taskmgr.h"

/* `containers delete --force` of a container with a task: the task goes first,
 * exactly as `taskctl delete --force ID` (kill, wait, shim Delete, bundle and
 * work dir removal). */
int cli_containers_delete_task(struct cli_ctx *ctx, const char *id, struct tc_err **err)
{
        struct task_exit ex;
        struct taskmgr m;

        if (tasks_mgr(ctx, &m, err) < 0)
                return -1;
        return taskmgr_delete(&m, id, true, &ex, err);
}
