/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by run, exec, attach and logs (issue 9). */

#include "cli/cli.h"
#include "cli/session.h"
#include "core/taskmgr.h"

/* Our own executable, absolute: the shim-independent log helper runs it. */
int interactive_self_exe(char **ret, struct tc_err **err);
/* --log-max-size: bytes, with an optional k/K, m/M or g/G suffix (1024s). */
int interactive_parse_size(const char *arg, long long *ret, struct tc_err **err);
/* The foreground session on task ID's init process, its log as output; our
 * stdin goes to its stdin FIFO when FORWARD_IN and it has one. Sets
 * ctx->status to its exit status unless detached. */
int interactive_attach_init(struct cli_ctx *ctx, const struct taskmgr *m, const char *id,
                            bool forward_in, bool from_start, int (*before)(void *user, struct tc_err **err), void *user,
                            bool *ret_detached, struct tc_err **err);
