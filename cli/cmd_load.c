/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/scan_output.h"
#include "core/base/cleanup.h"
#include "core/base/pool.h"
#include "cli/tasks.h"
#include "core/binding.h"
#include "core/load.h"
#include "core/mounts.h"

enum { OPT_DRY_RUN = 0x100, OPT_PARALLEL, OPT_DEADLINE };

static const struct option load_opts[] = {
        { "all-namespaces", no_argument, NULL, 'A' },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "parallel", required_argument, NULL, OPT_PARALLEL },
        { "deadline", required_argument, NULL, OPT_DEADLINE },
        { 0 },
};

static const struct cli_cmd load_cmd = {
        .name = "load",
        .args = "[-A] [--dry-run] [--parallel N] [--deadline SECONDS]",
        .summary =
                "Reload existing tasks after a restart (containerd's loadExistingTasks), safe\n"
                "to run at any time: every bundle under STATE/tasks/NS is visited. An empty\n"
                "bundle is removed; a bundle whose container record is gone has its shim told\n"
                "to delete and shut down and is removed; a bundle whose shim is dead is cleaned\n"
                "up through the shim binary's delete action (an exit event with an unknown\n"
                "status is recorded); a live one is loaded. Half-deleted .ID bundles are\n"
                "finished. Then the work dirs with no task are removed. Tasks locked by a\n"
                "concurrent command are skipped, and so is a shim that does not answer in\n"
                "time (never killed: exit 1). A pid is signalled only when proven to be our\n"
                "shim (start time, -address). Up to N bundles are visited at once; rows come\n"
                "in the order of a sequential run. One row per action: ACTION (load, remove,\n"
                "cleanup, skip, left, error) NAMESPACE ID DETAIL; nothing at all when there was\n"
                "nothing to do; with -q the ID of each row (NS/ID with -A). Exit 1 if any item\n"
                "failed, 5 (changing nothing) if ROOT and STATE do not belong together, 6 if a\n"
                "dead shim's binary is missing (its bundle is kept), 7 if the deadline passed\n"
                "(the bundles not visited by then get a skip row, their work dirs and the\n"
                "work-dir sweep are left for later).",
        .options = "  -A, --all-namespaces    every namespace\n"
                   "      --dry-run           print the rows a real run would print, change nothing\n"
                   "      --parallel N        bundles visited at once (default 4 per core)\n"
                   "      --deadline SECONDS  bound on the whole run (each shim: --timeout)\n",
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
        case OPT_PARALLEL: return cli_parse_parallel(arg, &o->parallel, err);
        case OPT_DEADLINE: return cli_parse_deadline(arg, &o->deadline, err);
        default: return tc_fail(err, TC_INTERNAL, "unhandled option");
        }
}

/* ROOT or STATE without creating it: a missing one is -1 (and its given
 * path is kept for messages). */
static int open_existing(struct cli_ctx *ctx, bool state, int *ret_fd, char **ret_real,
                         struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        int r = state ? cli_state_fd(ctx, false, ret_fd, &e) : cli_root_fd(ctx, false, ret_fd, &e);

        if (r < 0) {
                if (!tc_err_is(e, TC_NOT_FOUND))
                        return tc_err_move(err, &e);
                *ret_fd = -1;
                *ret_real = strdup(state ? ctx->state : ctx->root);
                return *ret_real ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
        }
        return fd_path(*ret_fd, ret_real, err);
}

/* --dry-run changes nothing, not even by making ROOT or STATE: a missing one
 * is handled by load_run as holding no records, work dirs or bundles. */
static int dry_run_mgr(struct cli_ctx *ctx, struct taskmgr *m, struct tc_err **err)
{
        int root_fd, state_fd;

        memset(m, 0, sizeof *m);
        free(ctx->root_real);
        free(ctx->state_real);
        ctx->root_real = ctx->state_real = NULL;
        if (open_existing(ctx, false, &root_fd, &ctx->root_real, err) < 0 ||
            open_existing(ctx, true, &state_fd, &ctx->state_real, err) < 0)
                return -1;
        m->roots = (struct bundle_roots){ .state_fd = state_fd, .root_fd = root_fd,
                                          .state_path = ctx->state_real,
                                          .root_path = ctx->root_real };
        m->ns = ctx->ns;
        m->timeout = ctx->timeout;
        return 0;
}

int cmd_load(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct load_opts o = { .parallel = pool_default_parallel() };
        struct scan_output out = { .ctx = ctx };
        struct taskmgr m;
        unsigned failed = 0, skipped = 0;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &load_cmd, argc, argv, on_opt, &o, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        out.all = o.all_namespaces;
        /* the binding is checked on ROOT and STATE as they are, before a
         * real run makes a missing one */
        if (dry_run_mgr(ctx, &m, err) < 0 || binding_check(&m.roots, o.dry_run, err) < 0)
                return tc_wrap(err, "load");
        if (scan_output_begin(&out, err) < 0 || (!o.dry_run && tasks_mgr(ctx, &m, err) < 0))
                return -1;
        r = load_run(&m, &o, scan_output_row, &out, &failed, &skipped, err);
        scan_output_end(&out);
        if (r < 0)
                return tc_wrap(err, "load");
        if (skipped)
                return tc_fail(err, TC_DEADLINE_EXCEEDED,
                               "load: deadline exceeded: %u item%s not visited%s", skipped,
                               skipped == 1 ? "" : "s", failed ? ", others failed" : "");
        if (failed)
                return tc_fail(err, TC_INTERNAL, "load: %u item%s failed", failed,
                               failed == 1 ? "" : "s");
        return 0;
}
