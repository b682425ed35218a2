/* SPDX-License-Identifier: Apache-2.0 */
/* `taskctl containers` (alias `c`): the record store's commands, split over
 * cmd_containers.c (dispatch, get, list, delete) and cmd_containers_edit.c
 * (create, update: the commands that build a record from flags or JSON). */
#pragma once

#include "cli/cli.h"
#include "store/store.h"

enum {
        OPT_SPEC = 0x100,
        OPT_RUNTIME,
        OPT_LABEL,
        OPT_UNLABEL,
        OPT_IMAGE,
        OPT_SNAPSHOTTER,
        OPT_SNAPSHOT_KEY,
        OPT_RUNTIME_OPTIONS,
        OPT_FROM_JSON,
        OPT_FIELD,
};

/* --label and --unlabel, in command-line order (the last one for a key wins). */
struct label_op {
        const char *arg;
        bool unset;
};

struct edit_opts {
        const char *spec, *runtime, *image, *snapshotter, *snapshot_key, *runtime_options,
                *from_json;
        struct label_op *labels;
        size_t n_labels;
        const char **fields;
        size_t n_fields;
};

/* The record flags shared by `containers create|update` and the task `create`. */
int containers_record_opt(void *st, int c, const char *arg, struct tc_err **err);
void edit_opts_release(struct edit_opts *o);
bool containers_has_record_flags(const struct edit_opts *o);
/* The record that create's flags (or --from-json) describe, not yet validated. */
int containers_record_build(struct cli_ctx *ctx, const struct edit_opts *o, const char *id,
                            struct record **ret, struct tc_err **err);

int cmd_containers_create(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_containers_prune(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_containers_update(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);

/* Opens the namespace's store. Reads (CREATE false) of a missing ROOT get
 * *ret NULL: there is nothing to read. */
int containers_store(struct cli_ctx *ctx, bool create, struct store **ret, struct tc_err **err);
struct cli_ref;
/* The store holding record REF ("ID" or "NS/ID"): sets ctx->ns to NS (R must
 * outlive its use) and *RET_ID to the ID; a missing one is TC_NOT_FOUND. */
int containers_open_existing(struct cli_ctx *ctx, const char *ref, struct cli_ref *r,
                             const char **ret_id, struct store **ret, struct tc_err **err);
/* Prefixes the error context: container "ID" in namespace "NS". */
int containers_wrap(struct cli_ctx *ctx, const char *id, struct tc_err **err);
/* Prints REC as -o says (a table row with header, JSON, or with -q its ID). */
int containers_print_one(struct cli_ctx *ctx, const struct record *rec, struct tc_err **err);

/* Hook for `containers delete --force` when the container has a task: deletes
 * the task (kill, wait, shim Delete, bundle and work dir removal) as `delete
 * --force ID` does. Defined in containers_task.c; until core's task manager
 * exists it fails with TC_FAILED_PRECONDITION and deletes nothing. */
int cli_containers_delete_task(struct cli_ctx *ctx, const char *id, struct tc_err **err);
