/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "cli/cli.h"

int cmd_task_stop(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_pause(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_resume(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_ps(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_update(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_task_stats(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);

/* "64m", "1g", "1048576": bytes (k, m, g count 1024s). */
int cli_parse_bytes(const char *s, int64_t *ret, struct tc_err **err);
