/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/scan_output.h"
#include "core/base/timefmt.h"
#include "core/cleanup.h"

enum { OPT_DRY_RUN = 0x100, OPT_OLDER_THAN };

static const struct option cleanup_opts[] = {
        { "all-namespaces", no_argument, NULL, 'A' },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "older-than", required_argument, NULL, OPT_OLDER_THAN },
        { 0 },
};

static const struct cli_cmd cleanup_cmd = {
        .name = "cleanup",
        .args = "[-A] [--dry-run] [--older-than DURATION]",
        .summary =
                "Remove the work dirs under ROOT/tasks/NS whose task has no bundle under\n"
                "STATE/tasks/NS (containerd's cleanupWorkDirs), for cron. Never talks to a\n"
                "shim, never follows a symlink, never removes through a mount point (a work dir\n"
                "with a mount inside is reported as \"left\"), skips work dirs locked by a\n"
                "concurrent command. One row per work dir it removed, skipped, left or failed\n"
                "on: ACTION (remove, skip, left, error) NAMESPACE ID DETAIL; nothing at all when\n"
                "there was nothing to do (so cron mails only when something happened). With\n"
                "-q the ID of each row (NS/ID with -A). Exit 1 if any row failed.",
        .options = "  -A, --all-namespaces    every namespace\n"
                   "      --dry-run           print the rows a real run would print, change nothing\n"
                   "      --older-than DUR    only work dirs not modified for DUR (e.g. 1h, 30m)\n",
        .shortopts = "A",
        .longopts = cleanup_opts,
        .min_args = 0,
        .max_args = 0,
};

struct cleanup_args {
        bool all;
        struct cleanup_opts o;
};

static int on_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct cleanup_args *a = st;

        switch (c) {
        case 'A': a->all = true; return 0;
        case OPT_DRY_RUN: a->o.dry_run = true; return 0;
        case OPT_OLDER_THAN:
                if (!timefmt_parse_duration(arg, &a->o.older_than))
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "--older-than \"%s\": expected a duration such as 1h or 30m",
                                       arg);
                return 0;
        default: return tc_fail(err, TC_INTERNAL, "unhandled option");
        }
}

int cmd_cleanup(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct cleanup_args a = { 0 };
        struct scan_output out = { .ctx = ctx };
        struct tc_err *e = NULL;
        unsigned failed = 0;
        int nargs, r, root_fd, state_fd = -1;
        char **args;

        if ((r = cli_parse(ctx, &cleanup_cmd, argc, argv, on_opt, &a, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        a.o.ns = a.all ? NULL : ctx->ns;
        out.all = a.all;
        if (scan_output_begin(&out, err) < 0)
                return -1;
        a.o.state_path = ctx->state;
        if (cli_root_fd(ctx, false, &root_fd, &e) < 0) {
                if (e->kind != TC_NOT_FOUND) {
                        *err = e;
                        return -1;
                }
                tc_err_free(e); /* no root: nothing to clean */
                scan_output_end(&out);
                return 0;
        }
        if (cli_state_fd(ctx, false, &state_fd, &e) < 0) {
                if (e->kind != TC_NOT_FOUND) {
                        *err = e;
                        return -1;
                }
                tc_err_free(e); /* no state dir (after a reboot): no bundle exists */
                state_fd = -1;
        }
        r = cleanup_run(root_fd, state_fd, &a.o, scan_output_row, &out, &failed, err);
        scan_output_end(&out);
        if (r < 0)
                return tc_wrap(err, "cleanup");
        if (failed)
                return tc_fail(err, TC_INTERNAL, "cleanup: %u work dir%s could not be removed",
                               failed, failed == 1 ? "" : "s");
        return 0;
}
