/* SPDX-License-Identifier: Apache-2.0 */
/* Commands over several IDs: start, kill, stop, delete, pause, resume, get,
 * containers delete. */
#include "cli/multi.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/base/json.h"

static void print_held(struct tc_err **held)
{
        if (*held) {
                fprintf(stderr, "taskctl: %s\n", (*held)->msg);
                tc_err_freep(held);
        }
}

int cli_each_ref(struct cli_ctx *ctx, char **args, int nargs, cli_each_fn fn, void *user,
                 struct tc_err **err)
{
        struct cli_each e = { .ctx = ctx, .many = nargs > 1 };
        struct tc_err *held = NULL;
        enum tc_kind worst = 0;
        const char *ns = ctx->ns;

        for (int i = 0; i < nargs; i++) {
                struct tc_err *e1 = NULL;
                struct cli_ref ref;

                ctx->ns = ns; /* FN may set it to the ref's namespace */
                e.label = args[i];
                if (cli_ref_parse(ctx, args[i], &ref, &e1) == 0 && fn(&e, &ref, user, &e1) == 0)
                        continue;
                (void) fflush(stdout); /* keep stdout and stderr in step for a reader of both */
                print_held(&held);
                worst = tc_kind_worst(worst, e1 ? e1->kind : TC_INTERNAL);
                held = e1 ? e1 : NULL;
                if (!held)
                        tc_fail(&held, TC_INTERNAL, "%s: unknown error", args[i]);
        }
        ctx->ns = ns;
        if (e.json_started)
                output_json_end();
        if (!held)
                return 0;
        held->kind = worst;
        tc_err_free(*err);
        *err = held;
        return -1;
}

int cli_each_json(struct cli_each *e, cJSON *o, struct tc_err **err)
{
        _cleanup_json_ cJSON *owned = o;

        if (!o)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (!e->many)
                return output_json(o, err);
        if (!e->json_started) {
                output_json_begin();
                e->json_started = true;
        }
        return output_json_item(o, err);
}

void cli_each_value(struct cli_each *e, const char *value)
{
        if (e->many)
                printf("%s %s\n", e->label, value);
        else
                printf("%s\n", value);
}
