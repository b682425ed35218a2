/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "cli/cli.h"
#include "cli/ref.h"

struct cJSON;

/* One run of a command over several ID arguments (man taskctl, EXIT STATUS: each is
 * handled and reported, a failure does not stop the rest, the exit code is the
 * worst one met, see tc_kind_worst()). */
struct cli_each {
        struct cli_ctx *ctx;
        bool many;         /* more than one ID: values are printed as "ID VALUE" */
        bool json_started; /* -o json with several IDs: one array */
        const char *label; /* this ID as the user named it, for "ID VALUE" */
};

typedef int (*cli_each_fn)(struct cli_each *e, const struct cli_ref *ref, void *user,
                           struct tc_err **err);

/* Parses each of ARGS as an ID or NS/ID and calls FN for it. Each failure is
 * printed on stderr as it happens ("taskctl: <message>"), except the last,
 * which is returned in *ERR with the worst kind met, so that main prints it
 * and exits with that code. With one ID this is exactly that ID's error. */
int cli_each_ref(struct cli_ctx *ctx, char **args, int nargs, cli_each_fn fn, void *user,
                 struct tc_err **err);

/* Prints O (consumed) as this ID's JSON result: the object itself for one
 * ID, an element of one array for several. */
int cli_each_json(struct cli_each *e, struct cJSON *o, struct tc_err **err);
/* Prints a value result: "VALUE" for one ID, "ID VALUE" for several. */
void cli_each_value(struct cli_each *e, const char *value);
