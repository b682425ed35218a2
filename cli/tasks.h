/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "cli/cli.h"
#include "core/taskmgr.h"

struct cJSON;

/* The task manager of the command's namespace on ROOT and STATE (made if missing). */
int tasks_mgr(struct cli_ctx *ctx, struct taskmgr *m, struct tc_err **err);
struct cJSON *tasks_info_json(const struct task_info *t);
/* get's output: key/value lines, JSON, or with -q the ID. */
int tasks_print_info(struct cli_ctx *ctx, const struct task_info *t, struct tc_err **err);

/* start's result: the PID (JSON {"id", "pid"}); nothing with -q. */
int tasks_print_started(struct cli_ctx *ctx, const char *id, uint32_t pid, struct tc_err **err);
/* wait's and delete's result: the exit status ("unknown" when nobody saw
 * it), as JSON {"id", "exit_status", "exited_at"}; with -q too, since it is
 * the command's value. SEVERAL (more than one ID given): "ID STATUS". */
int tasks_print_exit(struct cli_ctx *ctx, const char *id, const struct task_exit *ex, bool several,
                     struct tc_err **err);

int cmd_task_create(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_start(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_get(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_kill(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_wait(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_delete(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_list(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
