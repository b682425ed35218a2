/* SPDX-License-Identifier: Apache-2.0 */
/* `taskctl attach ID`: the caller to a running task's output from now on,
 * its stdin (if it has a stdin FIFO) and terminal; ctrl-p ctrl-q detaches.
 * Several attaches at once all see the output (each follows the log); what
 * they type goes to the same stdin, interleaved. */
#include <stdio.h>

#include "cli/interactive.h"
#include "cli/ref.h"
#include "cli/tasks.h"

static const struct option attach_opts[] = {
        { "no-stdin", no_argument, NULL, 'N' },
        { 0 },
};

static const struct cli_cmd attach_cmd = {
        .name = "attach",
        .args = "[--no-stdin] ID",
        .summary = "Attach to a task: its output from now on (stdout to stdout, stderr to\n"
                   "stderr), our stdin to its stdin when it was created with -i or -t, its\n"
                   "terminal in raw mode with -t (window size followed). Detach with ctrl-p\n"
                   "ctrl-q: the task goes on. Exits with the task's exit status when it ends.",
        .options = "      --no-stdin   do not send our stdin to the task\n",
        .longopts = attach_opts,
        .min_args = 1,
        .max_args = 1,
};

static int on_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        (void) arg;
        if (c != 'N')
                return tc_fail(err, TC_INTERNAL, "unhandled option");
        *(bool *) st = true;
        return 0;
}

int cmd_attach(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct cli_ref ref;
        struct taskmgr m;
        bool no_stdin = false, detached = false;
        char **args;
        int nargs, r;

        r = cli_parse(ctx, &attach_cmd, argc, argv, on_opt, &no_stdin, &args, &nargs, err);
        if (r != 0)
                return r < 0 ? -1 : 0;
        ctx->ref_what = "task id";
        if (cli_ref_parse(ctx, args[0], &ref, err) < 0 || tasks_mgr(ctx, &m, err) < 0)
                return -1;
        m.ns = ref.ns;
        r = interactive_attach_init(ctx, &m, ref.id, !no_stdin, false, NULL, NULL, &detached, err);
        if (r == 0 && detached)
                fprintf(stderr, "taskctl: detached from task \"%s\": it goes on\n", ref.id);
        return r;
}
