/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "cli/cli.h"
#include "core/taskmgr.h"

struct cJSON;
struct cli_each;
struct cli_ref;

/* The task manager of the command's namespace on ROOT and STATE (made if missing). */
int tasks_mgr(struct cli_ctx *ctx, struct taskmgr *m, struct tc_err **err);
/* tasks_mgr for a command on the tasks ARGS (ID or NS/ID each; errors say
 * "task id"): when none is a valid reference, the first one's error, before
 * ROOT or STATE is made. */
int tasks_mgr_refs(struct cli_ctx *ctx, char **args, int nargs, struct taskmgr *m,
                   struct tc_err **err);
struct cJSON *tasks_info_json(const struct task_info *t);
/* get's output: key/value lines, JSON, or with -q nothing. */
int tasks_print_info(struct cli_ctx *ctx, const struct task_info *t, struct tc_err **err);

/* FLAG's PATH made absolute (the shim runs in the bundle); a file that does
 * not exist yet (unless MUST_EXIST) through its directory. NULL stays NULL. */
int tasks_absolute(const char *flag, const char *path, bool must_exist, char **ret,
                   struct tc_err **err);
/* wait's, delete's and stop's result: the exit status ("ID STATUS" for several
 * IDs; "unknown" when nobody observed it), or a JSON object. */
int tasks_print_exit(struct cli_each *e, const struct cli_ref *ref, const struct task_exit *ex,
                     struct tc_err **err);

/* "12s ago", "3m ago", ... since T's exit; "" when it has not exited. */
void tasks_exit_ago(const struct task_info *t, char *buf, size_t size);

int cmd_task_create(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_start(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_get(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_kill(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_wait(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_delete(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_list(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
