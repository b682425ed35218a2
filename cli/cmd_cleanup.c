/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "core/base/log.h"
#include "store/store.h"
#include "cli/scan_output.h"
#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "core/binding.h"
#include "core/mounts.h"
#include "core/sweep.h"

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
                "-q the ID of each row (NS/ID with -A). Exit 1 if any row failed; exit 5,\n"
                "changing nothing, if ROOT and STATE do not belong together (a wrong --root or\n"
                "--state, a STATE missing in the boot it was bound in).",
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

/* The temp files (.ID.json.PID) that writers killed mid-write left in the
 * record store of NS: store_sweep_temps removes them under the namespace's
 * exclusive lock, which every writer holds while its temp file exists. */
static int sweep_temps_ns(const struct cli_ctx *ctx, int root_fd, const char *ns, struct tc_err **err)
{
        _cleanup_(store_freep) struct store *s = NULL;
        size_t removed = 0;

        if (store_open(root_fd, ns, false, ctx->timeout, &s, err) < 0)
                return -1;
        if (store_sweep_temps(s, &removed, err) < 0)
                return -1;
        if (removed)
                log_info("cleanup: removed %zu abandoned temp file%s of namespace %s", removed,
                         removed == 1 ? "" : "s", ns);
        return 0;
}

static int sweep_temps(const struct cli_ctx *ctx, int root_fd, const char *ns,
                       struct tc_err **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (ns)
                return sweep_temps_ns(ctx, root_fd, ns, err);
        fd = openat(root_fd, "containers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : tc_fail_sys(err, TC_INTERNAL, errno, "containers");
        if (!(d = fdopendir(fd))) {
                (void) close(fd);
                return tc_fail_sys(err, TC_INTERNAL, errno, "containers");
        }
        while ((de = readdir(d)))
                if (ident_valid(de->d_name) && sweep_temps_ns(ctx, root_fd, de->d_name, err) < 0)
                        return -1;
        return 0;
}

/* ROOT and STATE belong together (core/binding.h): checked before anything
 * is removed. */
static int check_binding(struct cli_ctx *ctx, int root_fd, int state_fd, bool dry_run,
                         struct tc_err **err)
{
        _cleanup_free_ char *root = NULL, *state = NULL;
        struct bundle_roots r = { .root_fd = root_fd, .state_fd = state_fd };

        if (fd_path(root_fd, &root, err) < 0)
                return -1;
        if (state_fd >= 0 ? fd_path(state_fd, &state, err) < 0 : !(state = strdup(ctx->state)))
                return state_fd >= 0 ? -1 : tc_fail(err, TC_INTERNAL, "out of memory");
        r.root_path = root;
        r.state_path = state;
        return binding_check(&r, dry_run, err);
}

int cmd_cleanup(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct cleanup_args a = { 0 };
        struct scan_output out = { .ctx = ctx };
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
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
                if (!tc_err_is(e, TC_NOT_FOUND))
                        return tc_err_move(err, &e);
                /* no root: nothing to clean */
                scan_output_end(&out);
                return 0;
        }
        if (cli_state_fd(ctx, false, &state_fd, &e) < 0) {
                if (!tc_err_is(e, TC_NOT_FOUND))
                        return tc_err_move(err, &e);
                tc_err_freep(&e); /* no state dir: the binding tells whether after a reboot */
                state_fd = -1;
        }
        if (check_binding(ctx, root_fd, state_fd, a.o.dry_run, err) < 0)
                return tc_wrap(err, "cleanup");
        r = cleanup_run(root_fd, state_fd, &a.o, scan_output_row, &out, &failed, err);
        scan_output_end(&out);
        if (r < 0)
                return tc_wrap(err, "cleanup");
        if (!a.o.dry_run && sweep_temps(ctx, root_fd, a.o.ns, &e) < 0) {
                if (!tc_err_is(e, TC_NOT_FOUND)) {
                        (void) tc_err_move(err, &e);
                        return tc_wrap(err, "cleanup: record store");
                }
                tc_err_freep(&e); /* no record store for the namespace */
        }
        if (failed)
                return tc_fail(err, TC_INTERNAL, "cleanup: %u work dir%s could not be removed",
                               failed, failed == 1 ? "" : "s");
        return 0;
}
