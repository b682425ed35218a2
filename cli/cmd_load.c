/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/scan_output.h"
#include "cli/tasks.h"
#include "core/load.h"

enum { OPT_DRY_RUN = 0x100 };

static const struct option load_opts[] = {
        { "all-namespaces", no_argument, NULL, 'A' },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { 0 },
};

static const struct cli_cmd load_cmd = {
        .name = "load",
        .args = "[-A] [--dry-run]",
        .summary =
                "Reload existing tasks after a restart (containerd's loadExistingTasks), safe\n"
                "to run at any time: every bundle under STATE/tasks/NS is visited. An empty\n"
                "bundle is removed; a bundle whose container record is gone has its shim told\n"
                "to delete and shut down and is removed; a bundle whose shim is dead is cleaned\n"
                "up through the shim binary's delete action (an exit event with an unknown\n"
                "status is recorded); a live one is loaded. Half-deleted .ID bundles are\n"
                "finished. Then the work dirs with no task are removed. Tasks locked by a\n"
                "concurrent command are skipped. One row per action: ACTION (load, remove,\n"
                "cleanup, skip, left, error) NAMESPACE ID DETAIL. Exit 1 if any item failed.",
        .options = "  -A, --all-namespaces    every namespace\n"
                   "      --dry-run           print the rows a real run would print, change nothing\n",
        .shortopts = "A",
        .longopts = load_opts,
        .min_args = 0,
        .max_args = 0,
};

static int on_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct load_opts *o = st;

        switch (c) {
        case 'A': o->all_namespaces = true; return 0;
        case OPT_DRY_RUN: o->dry_run = true; return 0;
        default: return tc_fail(err, TC_INTERNAL, "unhandled option");
        }
}

int cmd_load(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct load_opts o = { 0 };
        struct scan_output out = { .ctx = ctx, .quiet_action = "load" };
        struct taskmgr m;
        unsigned failed = 0;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &load_cmd, argc, argv, on_opt, &o, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr(ctx, &m, err) < 0)
                return -1;
        scan_output_begin(&out);
        r = load_run(&m, &o, scan_output_row, &out, &failed, err);
        scan_output_end(&out);
        if (r < 0)
                return tc_wrap(err, "load");
        if (failed)
                return tc_fail(err, TC_INTERNAL, "load: %u item%s failed", failed,
                               failed == 1 ? "" : "s");
        return 0;
}
