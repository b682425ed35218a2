/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/ops.h"
#include "cli/signals.h"
#include "cli/tasks.h"
#include "cli/hint.h"
#include "core/base/cleanup.h"

static int cmd_help(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);

/* git-style command table; "containers" has its own sub-table */
static const struct cli_entry commands[] = {
        { "_logger", cmd_logger, NULL }, /* the log helper (core/taskio.h), not for users */
        { "attach", cmd_attach, "attach to a running task's output, input and terminal" },
        { "c", cmd_containers, NULL },
        { "cleanup", cmd_cleanup, "remove orphaned work dirs (for cron)" },
        { "containers", cmd_containers, "container records: create, get, list, update, delete" },
        { "create", cmd_task_create, "create a task: bundle, shim, Create" },
        { "delete", cmd_task_delete, "delete a task (--force: also a running one)" },
        { "events", cmd_events, "print task lifecycle events" },
        { "exec", cmd_exec, "run another process in a running task" },
        { "get", cmd_task_get, "show a task's state from its shim" },
        { "help", cmd_help, "show help for taskctl or a command" },
        { "info", cmd_info, "show version, directories, platforms and shims" },
        { "kill", cmd_task_kill, "signal tasks" },
        { "list", cmd_task_list, "list tasks (alias: ls)" },
        { "load", cmd_load, "reload existing tasks, clean up dead ones (after a restart)" },
        { "logs", cmd_logs, "print a task's output (-f: follow it)" },
        { "ls", cmd_task_list, NULL },
        { "pause", cmd_task_pause, "pause tasks (freeze their processes)" },
        { "ps", cmd_task_ps, "list a task's processes" },
        { "resume", cmd_task_resume, "resume paused tasks" },
        { "run", cmd_run, "create and start a task, stream its output, exit with its status" },
        { "start", cmd_task_start, "start created tasks" },
        { "stats", cmd_task_stats, "show tasks' CPU, memory, PIDs and block I/O" },
        { "stop", cmd_task_stop, "stop tasks: stop signal, grace time, SIGKILL" },
        { "update", cmd_task_update, "change a running task's resource limits" },
        { "wait", cmd_task_wait, "wait for a task to exit" },
};

static void usage(FILE *f)
{
        fputs("Usage: taskctl [OPTIONS] COMMAND [ARGS]...\n\n"
              "A daemonless task manager for containerd runtime-v2 shims.\n\nCommands:\n",
              f);
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (commands[i].summary)
                        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
        fputs("\nRun 'taskctl COMMAND --help' for a command's options.\n\n", f);
}

/* The buffered table goes out after the handler: in full on success, and on
 * failure only if it holds rows (a listing that failed part-way), never a
 * lone header. */
static void finish_table(int r)
{
        if (r < 0 && !table_has_rows())
                table_discard();
        else
                table_end();
}

static int finish(struct cli_ctx *ctx, int r, struct tc_err *err)
{
        int code = 0;

        if (r == 0 && output_columns_error()) {
                r = tc_fail(&err, TC_INVALID_ARGUMENT, "%s", output_columns_error());
                table_discard();
        }
        finish_table(r);
        if (r < 0) {
                fprintf(stderr, "taskctl: %s\n", err ? err->msg : "unknown error");
                cli_hint_for_error(ctx->ns ? ctx->ns : "default", err);
                cli_hint_print();
                code = cli_exit_code(err ? err->kind : TC_INTERNAL);
        } else if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "taskctl: write output: %s\n", strerror(errno));
                code = 1;
        } else {
                code = ctx->status;
        }
        tc_err_free(err);
        config_release(&ctx->cfg);
        free(ctx->args);
        free(ctx->root_real);
        free(ctx->state_real);
        if (ctx->root_fd >= 0)
                (void) close(ctx->root_fd);
        if (ctx->state_fd >= 0)
                (void) close(ctx->state_fd);
        return code;
}

static bool only_version_or_help(int argc, char **argv, bool *ret_version)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--version") == 0) {
                        *ret_version = true;
                        return true;
                }
                if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
                        *ret_version = false;
                        return true;
                }
        }
        return false;
}

/* `taskctl help [COMMAND [SUBCOMMAND]]`: the same text as COMMAND --help. */
static int cmd_help(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        _cleanup_free_ char **args = calloc((size_t) argc + 2, sizeof(char *));
        int n = 0, words = 0;

        if (!args)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        for (int i = 1; i < argc; i++) { /* COMMAND, then a containers subcommand */
                int j = i;

                if (argv[i][0] == '-' && cli_is_global_option(argv[i], &j))
                        i = j; /* skip its value */
                else if (argv[i][0] != '-')
                        args[words++] = argv[i];
        }
        n = words;
        for (int i = 1; i < argc; i++) {
                int at = i;

                if (argv[i][0] != '-') {
                        continue;
                } else if (cli_is_global_option(argv[i], &i)) {
                        for (; at <= i && at < argc; at++)
                                args[n++] = argv[at];
                } else {
                        return tc_fail(err, TC_INVALID_ARGUMENT, "help: unknown option %s", argv[i]);
                }
        }
        if (words == 0) {
                usage(stdout);
                cli_print_global_help();
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(args[0], commands[i].name) == 0 && commands[i].fn != cmd_help) {
                        args[n++] = (char *) "--help";
                        return commands[i].fn(ctx, n, args, err);
                }
        return tc_fail(err, TC_INVALID_ARGUMENT,
                       "help: unknown command \"%s\" (see 'taskctl --help')", args[0]);
}

/* With no command word: the first option that is not a global one, so that
 * `taskctl -v` says "unknown option -v" rather than printing the usage. */
static const char *unknown_global(int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0)
                        return NULL;
                if (argv[i][0] != '-')
                        continue;
                if (!cli_is_global_option(argv[i], &i))
                        return argv[i];
        }
        return NULL;
}

int main(int argc, char **argv)
{
        struct cli_ctx ctx = { .root_fd = -1, .state_fd = -1 };
        struct tc_err *err = NULL;
        const char *word;
        bool version;

        signals_reset_inherited();
        word = cli_take_word(&argc, argv);

        if (!word) {
                if (only_version_or_help(argc, argv, &version)) {
                        if (version)
                                printf("taskctl %s\n", TASKCTL_VERSION);
                        else
                                usage(stdout), cli_print_global_help();
                        return 0;
                }
                if (unknown_global(argc, argv)) {
                        fprintf(stderr, "taskctl: unknown option %s (see 'taskctl --help')\n",
                                unknown_global(argc, argv));
                        return 2;
                }
                usage(stderr);
                fputs("taskctl: missing command\n", stderr);
                return 2;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                if (strcmp(word, commands[i].name) == 0) {
                        int r;

                        argv[0] = (char *) word;
                        r = commands[i].fn(&ctx, argc, argv, &err);
                        return finish(&ctx, r, err);
                }
        }
        fprintf(stderr, "taskctl: unknown command \"%s\" (see 'taskctl --help')\n", word);
        return 2;
}
