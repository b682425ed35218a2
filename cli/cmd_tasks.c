/* SPDX-License-Identifier: Apache-2.0 */
/* The top-level task commands: start, get, kill, wait, delete, list (create is
 * in cmd_task_create.c). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/multi.h"
#include "cli/signals.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "core/base/json.h"
#include "core/base/timefmt.h"
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

/* tasks_mgr for a command on the tasks ARGS (ID or NS/ID each): when no
 * argument is a valid reference, the first one's error is returned before ROOT
 * or STATE is made (exit 2, nothing written); otherwise each invalid one is
 * reported in turn by cli_each_ref. */
int tasks_mgr_refs(struct cli_ctx *ctx, char **args, int nargs, struct taskmgr *m,
                   struct tc_err **err)
{
        struct cli_ref ref;

        ctx->ref_what = "task id";
        for (int i = 0; i < nargs; i++)
                if (cli_ref_parse(ctx, args[i], &ref, NULL) == 0)
                        return tasks_mgr(ctx, m, err);
        return cli_ref_parse(ctx, args[0], &ref, err);
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
        .args = "ID...",
        .summary = "Start created tasks (the shim's Start). Prints the PID (\"ID PID\" for\n"
                   "several; nothing with -q). A task that is running or stopped already: exit 5.",
        .min_args = 1,
        .max_args = -1,
};

static int start_one(struct cli_each *e, const struct cli_ref *ref, void *user,
                     struct tc_err **err)
{
        struct taskmgr *m = user;
        char num[16];
        uint32_t pid = 0;

        m->ns = ref->ns;
        if (taskmgr_start(m, ref->id, &pid, err) < 0)
                return -1;
        /* the -q rule (man taskctl, OUTPUT): start's PID is not a value a script needs (get has it) */
        if (e->ctx->quiet)
                return 0;
        if (output_is_json(e->ctx)) {
                cJSON *o = cJSON_CreateObject();

                cJSON_AddStringToObject(o, "id", ref->id);
                cJSON_AddStringToObject(o, "namespace", ref->ns);
                cJSON_AddNumberToObject(o, "pid", pid);
                return cli_each_json(e, o, err);
        }
        (void) snprintf(num, sizeof num, "%u", pid);
        cli_each_value(e, num);
        return 0;
}

int cmd_task_start(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct taskmgr m;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &start_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr_refs(ctx, args, nargs, &m, err) < 0)
                return -1;
        return cli_each_ref(ctx, args, nargs, start_one, &m, err);
}

/* ---- get ---- */

static const struct cli_cmd get_cmd = {
        .name = "get",
        .args = "ID...",
        .summary = "Show a task's state as its shim reports it: pid, status, exit status and\n"
                   "time, bundle, runtime, stdio paths, shim address and PID. A shim that does\n"
                   "not answer is an error (exit 6). Several IDs: one block (or JSON array\n"
                   "element) each.",
        .min_args = 1,
        .max_args = -1,
};

void tasks_exit_ago(const struct task_info *t, char *buf, size_t size)
{
        struct timespec at, now;
        double secs;

        buf[0] = '\0';
        if (!t->exited || !timefmt_parse(t->exited_at, &at))
                return;
        clock_gettime(CLOCK_REALTIME, &now);
        secs = (double) (now.tv_sec - at.tv_sec);
        if (secs < 0)
                secs = 0;
        if (secs < 120)
                (void) snprintf(buf, size, "%.0fs ago", secs);
        else if (secs < 7200)
                (void) snprintf(buf, size, "%.0fm ago", secs / 60);
        else if (secs < 172800)
                (void) snprintf(buf, size, "%.0fh ago", secs / 3600);
        else
                (void) snprintf(buf, size, "%.0fd ago", secs / 86400);
}

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
        if (t->exited) {
                char ago[32], line[TIMEFMT_LEN + 48];

                tasks_exit_ago(t, ago, sizeof ago);
                (void) snprintf(line, sizeof line, "%s (%s)", t->exited_at, ago);
                print_kv("EXITED AT", line);
        } else {
                print_kv("EXITED AT", NULL);
        }
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
                return 0; /* the -q rule (man taskctl, OUTPUT): not a list, not a value: nothing */
        if (output_is_json(ctx)) {
                _cleanup_json_ cJSON *o = tasks_info_json(t);

                return o ? output_json(o, err) : tc_fail(err, TC_INTERNAL, "out of memory");
        }
        print_info_table(t);
        return 0;
}

struct get_args {
        struct taskmgr m;
        bool printed;
};

static int get_one(struct cli_each *e, const struct cli_ref *ref, void *user, struct tc_err **err)
{
        struct get_args *g = user;
        struct task_info t = { 0 };
        int r;

        g->m.ns = ref->ns;
        if (taskmgr_get(&g->m, ref->id, &t, err) < 0)
                return -1;
        if (e->many && output_is_json(e->ctx) && !e->ctx->quiet) {
                r = cli_each_json(e, tasks_info_json(&t), err);
        } else {
                /* several blocks of key/value lines: a blank line between */
                if (e->many && g->printed && !e->ctx->quiet && !output_is_json(e->ctx))
                        putchar('\n');
                g->printed = true;
                r = tasks_print_info(e->ctx, &t, err);
        }
        task_info_release(&t);
        return r;
}

int cmd_task_get(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct get_args g = { 0 };
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &get_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr_refs(ctx, args, nargs, &g.m, err) < 0)
                return -1;
        return cli_each_ref(ctx, args, nargs, get_one, &g, err);
}

/* ---- kill ---- */

static const struct option kill_opts[] = {
        { "signal", required_argument, NULL, 's' },
        { "all", no_argument, NULL, 'a' },
        { 0 },
};

static const struct cli_cmd kill_cmd = {
        .name = "kill",
        .args = "[-s|--signal SIG] [-a|--all] ID...",
        .summary = "Signal tasks' init processes (default SIGTERM).",
        .options = "  -s, --signal SIG   a name (SIGKILL, KILL, kill) or a number\n"
                   "  -a, --all          signal every process of the container\n",
        .shortopts = "s:a",
        .longopts = kill_opts,
        .min_args = 1,
        .max_args = -1,
};

struct kill_args {
        int signal;
        bool all;
        struct taskmgr m;
};

static int kill_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct kill_args *k = st;

        if (c == 'a') {
                k->all = true;
                return 0;
        }
        if (c == 's')
                return signal_parse(arg, &k->signal, err) < 0 ? tc_wrap(err, "--signal") : 0;
        return tc_fail(err, TC_INTERNAL, "unhandled option");
}

static int kill_one(struct cli_each *e, const struct cli_ref *ref, void *user, struct tc_err **err)
{
        struct kill_args *k = user;

        (void) e;
        k->m.ns = ref->ns;
        return taskmgr_kill(&k->m, ref->id, k->signal, k->all, err);
}

int cmd_task_kill(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct kill_args k = { .signal = 15 };
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &kill_cmd, argc, argv, kill_opt, &k, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr_refs(ctx, args, nargs, &k.m, err) < 0)
                return -1;
        return cli_each_ref(ctx, args, nargs, kill_one, &k, err);
}

/* ---- wait and delete: both print an exit status ---- */

int tasks_print_exit(struct cli_each *e, const struct cli_ref *ref, const struct task_exit *ex,
                     struct tc_err **err)
{
        char num[16];

        if (output_is_json(e->ctx) && !e->ctx->quiet) {
                cJSON *o = cJSON_CreateObject();

                if (!o)
                        return tc_fail(err, TC_INTERNAL, "out of memory");
                cJSON_AddStringToObject(o, "id", ref->id);
                cJSON_AddStringToObject(o, "namespace", ref->ns);
                if (ex->known)
                        cJSON_AddNumberToObject(o, "exit_status", ex->status);
                else
                        cJSON_AddNullToObject(o, "exit_status");
                if (ex->at[0])
                        cJSON_AddStringToObject(o, "exited_at", ex->at);
                else
                        cJSON_AddNullToObject(o, "exited_at");
                return cli_each_json(e, o, err);
        }
        if (ex->known)
                (void) snprintf(num, sizeof num, "%u", ex->status);
        cli_each_value(e, ex->known ? num : "unknown");
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

static int wait_one(struct cli_each *e, const struct cli_ref *ref, void *user, struct tc_err **err)
{
        struct taskmgr *m = user;
        struct task_exit ex = { 0 };

        m->ns = ref->ns;
        if (taskmgr_wait(m, ref->id, &ex, err) < 0)
                return -1;
        return tasks_print_exit(e, ref, &ex, err);
}

int cmd_task_wait(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct taskmgr m;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &wait_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr_refs(ctx, args, nargs, &m, err) < 0)
                return -1;
        return cli_each_ref(ctx, args, nargs, wait_one, &m, err);
}

static const struct option delete_opts[] = {
        { "force", no_argument, NULL, 'f' },
        { 0 },
};

static const struct cli_cmd delete_cmd = {
        .name = "delete",
        .args = "[-f|--force] ID...",
        .summary =
                "Delete tasks (TaskManager.Delete): the shim's Delete gives the exit status,\n"
                "then the shim is shut down, the rootfs unmounted, the bundle and work dir\n"
                "removed. A running or paused task is refused (exit 5) unless --force (kill,\n"
                "wait, delete). A task whose shim is dead is cleaned up through the shim\n"
                "binary's delete action and its exit status is reported as unknown. The\n"
                "container record stays. Prints the exit status (\"ID STATUS\" for several).\n"
                "With --force a task that does not exist is no error and prints nothing.",
        .options = "  -f, --force   kill a running task first; a missing task is fine\n",
        .shortopts = "f",
        .longopts = delete_opts,
        .min_args = 1,
        .max_args = -1,
};

struct delete_args {
        bool force;
        struct taskmgr m;
};

static int force_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        (void) arg;
        if (c != 'f')
                return tc_fail(err, TC_INTERNAL, "unhandled option");
        ((struct delete_args *) st)->force = true;
        return 0;
}

static int delete_one(struct cli_each *e, const struct cli_ref *ref, void *user,
                      struct tc_err **err)
{
        struct delete_args *d = user;
        struct task_exit ex = { 0 };

        d->m.ns = ref->ns;
        /* as `docker rm -f` and `runc delete --force`: repeating it is no error */
        if (d->force && !taskmgr_exists(&d->m, ref->id))
                return 0;
        if (taskmgr_delete(&d->m, ref->id, d->force, &ex, err) < 0) {
                if (d->force && (*err)->kind == TC_NOT_FOUND && !taskmgr_exists(&d->m, ref->id)) {
                        tc_err_freep(err); /* deleted meanwhile by someone else */
                        return 0;
                }
                return -1;
        }
        return tasks_print_exit(e, ref, &ex, err);
}

int cmd_task_delete(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct delete_args d = { 0 };
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &delete_cmd, argc, argv, force_opt, &d, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr_refs(ctx, args, nargs, &d.m, err) < 0)
                return -1;
        return cli_each_ref(ctx, args, nargs, delete_one, &d, err);
}
