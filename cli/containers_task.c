/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/containers.h"

/* Not wired yet: core has no task manager to delete a task with. Refusing here
 * keeps `containers delete --force` from removing a record under a live task. */
int cli_containers_delete_task(struct cli_ctx *ctx, const char *id, struct tc_err **err)
{
        return tc_fail(err, TC_FAILED_PRECONDITION,
                       "it has a task, and task deletion is not available in this build");
}
