/* SPDX-License-Identifier: Apache-2.0 */
/* `taskctl run`: record (from --spec, or --rootfs with the default spec),
 * create, start, then in the foreground the task's output, our stdin and
 * signals, and its exit status as ours (ctr run). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/containers.h"
#include "cli/interactive.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "core/base/log.h"
#include "core/runspec.h"
#include "store/record.h"

enum { OPT_ROOTFS = 0x200, OPT_STDOUT, OPT_STDERR, OPT_RM, OPT_LOG_MAX };

static const struct option run_opts[] = {
        { "spec", required_argument, NULL, OPT_SPEC },
        { "runtime", required_argument, NULL, OPT_RUNTIME },
        { "label", required_argument, NULL, OPT_LABEL },
        { "image", required_argument, NULL, OPT_IMAGE },
        { "runtime-options", required_argument, NULL, OPT_RUNTIME_OPTIONS },
        { "rootfs", required_argument, NULL, OPT_ROOTFS },
        { "stdout", required_argument, NULL, OPT_STDOUT },
        { "stderr", required_argument, NULL, OPT_STDERR },
        { "log-max-size", required_argument, NULL, OPT_LOG_MAX },
        { "rm", no_argument, NULL, OPT_RM },
        { "detach", no_argument, NULL, 'd' },
        { "interactive", no_argument, NULL, 'i' },
        { "tty", no_argument, NULL, 't' },
        { "terminal", no_argument, NULL, 't' },
        { 0 },
};

static const struct cli_cmd run_cmd = {
        .name = "run",
        .args = "[-d] [-i] [-t] [--rm] [--spec FILE|- | --rootfs DIR] [OPTIONS] ID [-- CMD [ARG]...]",
        .summary =
                "Create and start a task (as `ctr run`), then stream its output (stdout to\n"
                "stdout, stderr to stderr; one stream with -t), forward stdin (-i) and the\n"
                "signals we get, and exit with its exit status (128+N for signal N).\n"
                "--rootfs DIR without --spec runs CMD in a default spec (containerd's);\n"
                "with neither, the existing record is used. Detach from a -t session with\n"
                "ctrl-p ctrl-q: the task goes on (see `attach`).",
        .options =
                "  -d, --detach                 return once the task has started\n"
                "  -i, --interactive            keep stdin open: ours goes to the task\n"
                "  -t, --tty                    a pseudo-terminal (stdin FIFO too)\n"
                "      --rm                     delete the task and its record when it ends\n"
                "      --spec FILE|-            the OCI spec (creates the record)\n"
                "      --rootfs DIR             the root filesystem (bind-mounted)\n"
                "      --runtime NAME, --label K=V, --image REF, --runtime-options FILE\n"
                "                               as in `create`\n"
                "      --stdout PATH, --stderr PATH\n"
                "                               files instead of the task's log\n"
                "      --log-max-size SIZE      rotate the log at SIZE (default 1m; k, m, g)\n",
        .shortopts = "dit",
        .longopts = run_opts,
        .min_args = 1,
        .max_args = -1,
};

struct run_args {
        struct edit_opts rec;
        const char *rootfs, *stdout_path, *stderr_path;
        bool detach, in, tty, rm;
        long long log_max;
};

static int on_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct run_args *a = st;

        switch (c) {
        case 'd': a->detach = true; return 0;
        case 'i': a->in = true; return 0;
        case 't': a->tty = true; return 0;
        case OPT_RM: a->rm = true; return 0;
        case OPT_ROOTFS: a->rootfs = arg; return 0;
        case OPT_STDOUT: a->stdout_path = arg; return 0;
        case OPT_STDERR: a->stderr_path = arg; return 0;
        case OPT_LOG_MAX: return interactive_parse_size(arg, &a->log_max, err);
        default: return containers_record_opt(&a->rec, c, arg, err);
        }
}

/* The record run makes: --spec's, or the default spec for --rootfs + CMD. */
static int run_record(struct cli_ctx *ctx, const struct run_args *a, const char *id,
                      char **cmd, struct record **ret, struct tc_err **err)
{
        _cleanup_free_ char *spec = NULL;

        *ret = NULL;
        if (!a->rec.spec && !a->rootfs) {
                if (cmd[0] || containers_has_record_flags(&a->rec))
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "run: a command and record flags need --spec or --rootfs");
                return 0;
        }
        if (a->rec.spec && cmd[0])
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "run: a command goes with --rootfs, not --spec (the spec has one)");
        if (containers_record_build(ctx, &a->rec, id, ret, err) < 0)
                return tc_wrap(err, "run");
        if (!a->rec.spec && (runspec_default(id, cmd, a->tty, &spec, err) < 0 ||
                             record_set_spec(*ret, spec, strlen(spec), err) < 0))
                return tc_wrap(err, "run");
        if (record_validate(*ret, err) < 0)
                return tc_wrap(err, "container \"%s\" in namespace \"%s\"", id, ctx->ns);
        return 0;
}

struct starter {
        const struct taskmgr *m;
        const char *id;
};

static int start_task(void *user, struct tc_err **err)
{
        const struct starter *st = user;
        uint32_t pid;

        return taskmgr_start(st->m, st->id, &pid, err);
}

/* --rm: the task, then its record; failures are reported, the status stays. */
static void remove_all(struct cli_ctx *ctx, const struct taskmgr *m, const char *id)
{
        _cleanup_(store_freep) struct store *s = NULL;
        struct task_exit ex;
        struct tc_err *e = NULL;

        if (taskmgr_delete(m, id, true, &ex, &e) < 0 ||
            containers_store(ctx, false, &s, &e) < 0 || (s && store_delete(s, id, &e) < 0)) {
                fprintf(stderr, "taskctl: --rm: %s\n", e->msg);
                tc_err_free(e);
        }
}

static int run_task(struct cli_ctx *ctx, const struct run_args *a, const struct taskmgr *m,
                    const char *id, bool *detached, struct tc_err **err)
{
        struct starter st = { m, id };
        uint32_t pid;
        int r;

        if (a->detach)
                return taskmgr_start(m, id, &pid, err);
        r = interactive_attach_init(ctx, m, id, a->in || a->tty, true, start_task, &st,
                                    detached, err);
        if (*detached)
                fprintf(stderr, "taskctl: detached from task \"%s\": it goes on "
                                "(taskctl attach %s)\n", id, id);
        return r;
}

int cmd_run(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct run_args a = { 0 };
        _cleanup_(record_freep) struct record *rec = NULL;
        _cleanup_free_ char *self = NULL, *rootfs = NULL, *out = NULL, *errp = NULL;
        struct task_info t = { 0 };
        struct taskmgr m;
        bool detached = false;
        char **args;
        int nargs, r;

        r = cli_parse(ctx, &run_cmd, argc, argv, on_opt, &a, &args, &nargs, err);
        if (r != 0) {
                edit_opts_release(&a.rec);
                return r < 0 ? -1 : 0;
        }
        if (a.detach && a.rm)
                r = tc_fail(err, TC_INVALID_ARGUMENT, "run: --rm and -d do not go together "
                                                      "(delete the task with `delete`)");
        if (r == 0 && (ident_check(args[0], "task id", err) < 0 ||
                       run_record(ctx, &a, args[0], args + 1, &rec, err) < 0 ||
                       tasks_absolute("--rootfs", a.rootfs, true, &rootfs, err) < 0 ||
                       tasks_absolute("--stdout", a.stdout_path, false, &out, err) < 0 ||
                       tasks_absolute("--stderr", a.stderr_path, false, &errp, err) < 0 ||
                       interactive_self_exe(&self, err) < 0 || tasks_mgr(ctx, &m, err) < 0))
                r = -1;
        if (r == 0) {
                struct task_create_req req = {
                        .id = args[0], .new_record = rec, .rootfs = rootfs, .stdout_path = out,
                        .stderr_path = errp, .terminal = a.tty, .stdin_fifo = a.in || a.tty,
                        .log_max = a.log_max, .self_exe = self,
                };

                r = taskmgr_create(&m, &req, &t, err);
        }
        if (r == 0) {
                r = run_task(ctx, &a, &m, args[0], &detached, err);
                if (a.rm && !detached)
                        remove_all(ctx, &m, args[0]);
        }
        task_info_release(&t);
        edit_opts_release(&a.rec);
        return r < 0 ? -1 : 0;
}
