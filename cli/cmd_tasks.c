/* SPDX-License-Identifier: Apache-2.0 */
/* The top-level task commands: start, get, kill, wait, delete, list (create is
 * in cmd_task_create.c). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/signals.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/base/json.h"
#include "core/mounts.h"
#include "core/taskmgr.h"
#include "store/filter.h"
#include "store/record.h"
#include "store/store.h"

/* The task manager of the command's namespace, on ROOT and STATE (created). */
int tasks_mgr(struct cli_ctx *ctx, struct taskmgr *m, struct tc_err **err)
{
        int root_fd, state_fd;

        memset(m, 0, sizeof *m);
        if (cli_root_fd(ctx, true, &root_fd, err) < 0 || cli_state_fd(ctx, true, &state_fd, err) < 0)
                return -1;
        free(ctx->root_real);
        free(ctx->state_real);
        ctx->root_real = ctx->state_real = NULL;
        if (fd_path(root_fd, &ctx->root_real, err) < 0 || fd_path(state_fd, &ctx->state_real, err) < 0)
                return -1;
        m->roots = (struct bundle_roots){ .state_fd = state_fd, .root_fd = root_fd,
                                          .state_path = ctx->state_real, .root_path = ctx->root_real };
        m->ns = ctx->ns;
        m->timeout = ctx->timeout;
        m->wait_unbounded = !ctx->flag_timeout && !(ctx->cfg.timeout > 0);
        return 0;
}

cJSON *tasks_info_json(const struct task_info *t)
{
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return NULL;
        cJSON_AddStringToObject(o, "id", t->id ? t->id : "");
        cJSON_AddStringToObject(o, "namespace", t->ns ? t->ns : "");
        cJSON_AddNumberToObject(o, "pid", t->pid);
        cJSON_AddStringToObject(o, "status", t->status ? t->status : "unknown");
        if (t->exited) {
                cJSON_AddNumberToObject(o, "exit_status", t->exit_status);
                cJSON_AddStringToObject(o, "exited_at", t->exited_at);
        } else {
                cJSON_AddNullToObject(o, "exit_status");
                cJSON_AddNullToObject(o, "exited_at");
        }
        cJSON_AddStringToObject(o, "bundle", t->bundle ? t->bundle : "");
        cJSON_AddStringToObject(o, "runtime", t->runtime ? t->runtime : "");
        cJSON_AddStringToObject(o, "stdin", t->stdin_path ? t->stdin_path : "");
        cJSON_AddStringToObject(o, "stdout", t->stdout_path ? t->stdout_path : "");
        cJSON_AddStringToObject(o, "stderr", t->stderr_path ? t->stderr_path : "");
        cJSON_AddStringToObject(o, "address", t->address ? t->address : "");
        cJSON_AddNumberToObject(o, "shim_pid", t->shim_pid);
        if (t->error)
                cJSON_AddStringToObject(o, "error", t->error);
        return o;
}

/* ---- start ---- */

static const struct cli_cmd start_cmd = {
        .name = "start",
        .args = "ID",
        .summary = "Start a created task (the shim's Start). Prints its PID. A task that is\n"
                   "running or stopped already: exit 5.",
        .min_args = 1,
        .max_args = 1,
};

int cmd_task_start(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct taskmgr m;
        uint32_t pid = 0;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &start_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr(ctx, &m, err) < 0 || taskmgr_start(&m, args[0], &pid, err) < 0)
                return -1;
        return tasks_print_started(ctx, args[0], pid, err);
}

/* start's output: the PID, as JSON {"id", "pid"}, or with -q nothing (SPEC
 * -q: start's result is not a value a script needs; `get` has it). */
int tasks_print_started(struct cli_ctx *ctx, const char *id, uint32_t pid, struct tc_err **err)
{
        _cleanup_json_ cJSON *o = NULL;

        if (ctx->quiet)
                return 0;
        if (!output_is_json(ctx)) {
                printf("%u\n", pid);
                return 0;
        }
        o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "id", id) || !cJSON_AddNumberToObject(o, "pid", pid))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return output_json(o, err);
}

/* ---- get ---- */

static const struct cli_cmd get_cmd = {
        .name = "get",
        .args = "ID",
        .summary = "Show a task's state as its shim reports it: pid, status, exit status and\n"
                   "time, bundle, runtime, stdio paths, shim address and PID. A shim that does\n"
                   "not answer is an error (exit 6).",
        .min_args = 1,
        .max_args = 1,
};

static void print_kv(const char *k, const char *v)
{
        printf("%-12s %s\n", k, v && *v ? v : "-");
}

static void print_info_table(const struct task_info *t)
{
        char num[32];

        print_kv("ID", t->id);
        print_kv("NAMESPACE", t->ns);
        (void) snprintf(num, sizeof num, "%u", t->pid);
        print_kv("PID", num);
        print_kv("STATUS", t->status);
        (void) snprintf(num, sizeof num, "%u", t->exit_status);
        print_kv("EXIT STATUS", t->exited ? num : NULL);
        print_kv("EXITED AT", t->exited ? t->exited_at : NULL);
        print_kv("BUNDLE", t->bundle);
        print_kv("RUNTIME", t->runtime);
        print_kv("STDIN", t->stdin_path);
        print_kv("STDOUT", t->stdout_path);
        print_kv("STDERR", t->stderr_path);
        print_kv("ADDRESS", t->address);
        (void) snprintf(num, sizeof num, "%u", t->shim_pid);
        print_kv("SHIM PID", t->shim_pid ? num : NULL);
}

int tasks_print_info(struct cli_ctx *ctx, const struct task_info *t, struct tc_err **err)
{
        if (ctx->quiet)
                return 0; /* SPEC -q: not a list, not a value: nothing */
        if (output_is_json(ctx)) {
                _cleanup_json_ cJSON *o = tasks_info_json(t);

                return o ? output_json(o, err) : tc_fail(err, TC_INTERNAL, "out of memory");
        }
        print_info_table(t);
        return 0;
}

int cmd_task_get(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct task_info t = { 0 };
        struct taskmgr m;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &get_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr(ctx, &m, err) < 0 || taskmgr_get(&m, args[0], &t, err) < 0)
                return -1;
        r = tasks_print_info(ctx, &t, err);
        task_info_release(&t);
        return r;
}

/* ---- kill ---- */

enum { OPT_SIGNAL = 0x100, OPT_ALL, OPT_FORCE };

static const struct option kill_opts[] = {
        { "signal", required_argument, NULL, OPT_SIGNAL },
        { "all", no_argument, NULL, OPT_ALL },
        { 0 },
};

static const struct cli_cmd kill_cmd = {
        .name = "kill",
        .args = "ID [--signal SIG] [--all]",
        .summary = "Signal a task's init process (default SIGTERM).",
        .options = "      --signal SIG   a name (SIGKILL, KILL, kill) or a number\n"
                   "      --all          signal every process of the container\n",
        .longopts = kill_opts,
        .min_args = 1,
        .max_args = 1,
};

struct kill_args {
        int signal;
        bool all;
};

static int kill_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct kill_args *k = st;

        if (c == OPT_ALL) {
                k->all = true;
                return 0;
        }
        if (c == OPT_SIGNAL)
                return signal_parse(arg, &k->signal, err) < 0 ? tc_wrap(err, "--signal") : 0;
        return tc_fail(err, TC_INTERNAL, "unhandled option");
}

int cmd_task_kill(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct kill_args k = { .signal = 15 };
        struct taskmgr m;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &kill_cmd, argc, argv, kill_opt, &k, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr(ctx, &m, err) < 0)
                return -1;
        return taskmgr_kill(&m, args[0], k.signal, k.all, err);
}

/* ---- wait and delete: both print an exit status ---- */

int tasks_print_exit(struct cli_ctx *ctx, const char *id, const struct task_exit *ex, bool several,
                     struct tc_err **err)
{
        if (output_is_json(ctx) && !ctx->quiet) {
                _cleanup_json_ cJSON *o = cJSON_CreateObject();

                cJSON_AddStringToObject(o, "id", id);
                if (ex->known)
                        cJSON_AddNumberToObject(o, "exit_status", ex->status);
                else
                        cJSON_AddNullToObject(o, "exit_status");
                if (ex->at[0])
                        cJSON_AddStringToObject(o, "exited_at", ex->at);
                else
                        cJSON_AddNullToObject(o, "exited_at");
                return output_json(o, err);
        }
        if (several) /* SPEC -q: "ID VALUE" when several IDs were given */
                printf("%s ", id);
        if (ex->known)
                printf("%u\n", ex->status);
        else
                printf("unknown\n");
        return 0;
}

static const struct cli_cmd wait_cmd = {
        .name = "wait",
        .args = "ID",
        .summary = "Wait for a task to exit and print its exit status. Without --timeout it\n"
                   "waits as long as the task runs; with it, at most that long (exit 7).",
        .min_args = 1,
        .max_args = 1,
};

int cmd_task_wait(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct task_exit ex = { 0 };
        struct taskmgr m;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &wait_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr(ctx, &m, err) < 0 || taskmgr_wait(&m, args[0], &ex, err) < 0)
                return -1;
        return tasks_print_exit(ctx, args[0], &ex, false, err);
}

static const struct option delete_opts[] = {
        { "force", no_argument, NULL, OPT_FORCE },
        { 0 },
};

static const struct cli_cmd delete_cmd = {
        .name = "delete",
        .args = "ID [--force]",
        .summary =
                "Delete a task (TaskManager.Delete): the shim's Delete gives the exit status,\n"
                "then the shim is shut down, the rootfs unmounted, the bundle and work dir\n"
                "removed. A running task is refused (exit 5) unless --force (kill, wait,\n"
                "delete). A task whose shim is dead is cleaned up through the shim binary's\n"
                "delete action and its exit status is reported as unknown. The container\n"
                "record stays. Prints the exit status.",
        .options = "      --force   kill a running task first\n",
        .longopts = delete_opts,
        .min_args = 1,
        .max_args = 1,
};

static int force_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        if (c != OPT_FORCE)
                return tc_fail(err, TC_INTERNAL, "unhandled option");
        *(bool *) st = true;
        return 0;
}

int cmd_task_delete(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct task_exit ex = { 0 };
        struct taskmgr m;
        bool force = false;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &delete_cmd, argc, argv, force_opt, &force, &args, &nargs,
                           err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr(ctx, &m, err) < 0 || taskmgr_delete(&m, args[0], force, &ex, err) < 0)
                return -1;
        return tasks_print_exit(ctx, args[0], &ex, false, err);
}
