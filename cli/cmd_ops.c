/* SPDX-License-Identifier: Apache-2.0 */
/* Operating running tasks: stop, pause, resume, ps, update (stats is in
 * cmd_stats.c). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/multi.h"
#include "cli/ops.h"
#include "cli/signals.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/base/json.h"
#include "core/taskops.h"
#include "store/record.h"
#include "store/store.h"

#define STOP_GRACE_DEFAULT 10.0 /* seconds, as docker stop and nerdctl stop */

/* ---- stop ---- */

static const struct option stop_opts[] = {
        { "time", required_argument, NULL, 't' },
        { 0 },
};

static const struct cli_cmd stop_cmd = {
        .name = "stop",
        .args = "[-t|--time SECONDS] ID...",
        .summary =
                "Stop tasks: send the stop signal to the init process (SIGTERM, or the signal\n"
                "named by the container record's label io.containerd.image.config.stop-signal),\n"
                "wait up to the grace time, then SIGKILL every process. A paused task is\n"
                "resumed so that it gets the signal. Prints the exit status (\"ID STATUS\" for\n"
                "several); a task that has exited already is a success.",
        .options = "  -t, --time SECONDS   grace time before SIGKILL (default 10; 0: at once)\n",
        .shortopts = "t:",
        .longopts = stop_opts,
        .min_args = 1,
        .max_args = -1,
};

struct stop_args {
        double grace;
        struct taskmgr m;
};

static int stop_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct stop_args *s = st;
        char *end = NULL;

        if (c != 't')
                return tc_fail(err, TC_INTERNAL, "unhandled option");
        errno = 0;
        s->grace = strtod(arg, &end);
        if (errno || end == arg || *end || !(s->grace >= 0) || s->grace > 86400)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--time \"%s\": expected a number of seconds from 0 to 86400", arg);
        return 0;
}

/* The record's stop signal label, or SIGTERM (no record: SIGTERM too). */
static int stop_signal(const struct taskmgr *m, const char *id, int *ret, struct tc_err **err)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(record_freep) struct record *rec = NULL;

        if (store_open(m->roots.root_fd, m->ns, false, m->timeout, &s, NULL) < 0 ||
            store_get(s, id, &rec, NULL) < 0)
                return signal_stop(NULL, ret, err);
        if (signal_stop(record_label(rec, SIGNAL_STOP_LABEL), ret, err) < 0)
                return tc_wrap(err, "container \"%s\" in namespace \"%s\"", id, m->ns);
        return 0;
}

static int stop_one(struct cli_each *e, const struct cli_ref *ref, void *user, struct tc_err **err)
{
        struct stop_args *s = user;
        struct task_stopped st;
        int sig;

        s->m.ns = ref->ns;
        if (stop_signal(&s->m, ref->id, &sig, err) < 0 ||
            taskops_stop(&s->m, ref->id, sig, s->grace, &st, err) < 0)
                return -1;
        return tasks_print_exit(e, ref, &st.exit, err);
}

int cmd_task_stop(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct stop_args s = { .grace = STOP_GRACE_DEFAULT };
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &stop_cmd, argc, argv, stop_opt, &s, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr_refs(ctx, args, nargs, &s.m, err) < 0)
                return -1;
        return cli_each_ref(ctx, args, nargs, stop_one, &s, err);
}

/* ---- pause, resume ---- */

static const struct cli_cmd pause_cmd = {
        .name = "pause",
        .args = "ID...",
        .summary = "Pause tasks (the shim's Pause: every process of the container is frozen).\n"
                   "get and list then show the status paused.",
        .min_args = 1,
        .max_args = -1,
};

static const struct cli_cmd resume_cmd = {
        .name = "resume",
        .args = "ID...",
        .summary = "Resume paused tasks (the shim's Resume).",
        .min_args = 1,
        .max_args = -1,
};

static int pause_one(struct cli_each *e, const struct cli_ref *ref, void *user, struct tc_err **err)
{
        struct taskmgr *m = user;

        (void) e;
        m->ns = ref->ns;
        return taskops_pause(m, ref->id, err);
}

static int resume_one(struct cli_each *e, const struct cli_ref *ref, void *user,
                      struct tc_err **err)
{
        struct taskmgr *m = user;

        (void) e;
        m->ns = ref->ns;
        return taskops_resume(m, ref->id, err);
}

int cmd_task_pause(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct taskmgr m;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &pause_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr_refs(ctx, args, nargs, &m, err) < 0)
                return -1;
        return cli_each_ref(ctx, args, nargs, pause_one, &m, err);
}

int cmd_task_resume(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct taskmgr m;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &resume_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr_refs(ctx, args, nargs, &m, err) < 0)
                return -1;
        return cli_each_ref(ctx, args, nargs, resume_one, &m, err);
}

/* ---- ps ---- */

static const struct cli_cmd ps_cmd = {
        .name = "ps",
        .args = "ID",
        .summary = "List a task's processes (the shim's Pids): PID and, for a process started\n"
                   "with exec, its exec ID. With -q the PIDs only.",
        .min_args = 1,
        .max_args = 1,
};

static const struct table_col ps_cols[] = { { "PID", 8 }, { "EXEC ID", 0 } };

static int print_ps(struct cli_ctx *ctx, const struct taskapi_process *ps, size_t n,
                    struct tc_err **err)
{
        char pid[16];

        if (output_is_json(ctx) && !ctx->quiet) {
                output_json_begin();
                for (size_t i = 0; i < n; i++) {
                        _cleanup_json_ cJSON *o = cJSON_CreateObject();

                        if (!o)
                                return tc_fail(err, TC_INTERNAL, "out of memory");
                        cJSON_AddNumberToObject(o, "pid", ps[i].pid);
                        cJSON_AddStringToObject(o, "exec_id", ps[i].exec_id);
                        if (output_json_item(o, err) < 0)
                                return -1;
                }
                output_json_end();
                return 0;
        }
        if (!ctx->quiet)
                table_header(ps_cols, ELEMENTSOF(ps_cols));
        for (size_t i = 0; i < n; i++) {
                const char *cells[] = { pid, ps[i].exec_id };

                (void) snprintf(pid, sizeof pid, "%u", ps[i].pid);
                if (ctx->quiet)
                        printf("%s\n", pid);
                else
                        table_row(ps_cols, ELEMENTSOF(ps_cols), cells);
        }
        return 0;
}

int cmd_task_ps(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        _cleanup_free_ struct taskapi_process *ps = NULL;
        struct cli_ref ref;
        struct taskmgr m;
        size_t n = 0;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &ps_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        ctx->ref_what = "task id";
        if (cli_ref_parse(ctx, args[0], &ref, err) < 0 || tasks_mgr(ctx, &m, err) < 0)
                return -1;
        m.ns = ref.ns;
        if (taskops_ps(&m, ref.id, &ps, &n, err) < 0)
                return -1;
        return print_ps(ctx, ps, n, err);
}

/* ---- update ---- */

enum { OPT_MEMORY = 0x100, OPT_CPUS, OPT_PIDS_LIMIT };

static const struct option update_opts[] = {
        { "memory", required_argument, NULL, OPT_MEMORY },
        { "cpus", required_argument, NULL, OPT_CPUS },
        { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
        { 0 },
};

static const struct cli_cmd update_cmd = {
        .name = "update",
        .args = "ID [--memory BYTES] [--cpus N] [--pids-limit N]",
        .summary = "Change a running task's resource limits (the shim's Update with the OCI\n"
                   "LinuxResources given; as `ctr task update`, the container record's spec\n"
                   "is not rewritten, so a new task of the record gets the old limits).",
        .options = "      --memory BYTES     memory limit; a suffix k, m or g counts 1024s\n"
                   "      --cpus N           CPU quota in CPUs (e.g. 0.5: half of one CPU)\n"
                   "      --pids-limit N     most processes at once; -1 for no limit\n",
        .longopts = update_opts,
        .min_args = 1,
        .max_args = 1,
};

int cli_parse_bytes(const char *s, int64_t *ret, struct tc_err **err)
{
        char *end = NULL;
        double v, mul = 1;

        errno = 0;
        v = strtod(s, &end);
        if (!errno && end != s && *end && !end[1]) {
                switch (tolower((unsigned char) *end)) {
                case 'b': mul = 1; end++; break;
                case 'k': mul = 1024; end++; break;
                case 'm': mul = 1024.0 * 1024; end++; break;
                case 'g': mul = 1024.0 * 1024 * 1024; end++; break;
                default: break;
                }
        }
        if (errno || end == s || *end || !(v > 0) || !isfinite(v) || v * mul >= 9.2e18 ||
            v * mul < 1)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "\"%s\": expected a positive number of bytes (suffix k, m or g)", s);
        *ret = (int64_t) (v * mul);
        return 0;
}

static int update_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct task_resources *r = st;
        const char *errstr = NULL;
        char *end = NULL;

        switch (c) {
        case OPT_MEMORY:
                r->has_memory = true;
                return cli_parse_bytes(arg, &r->memory, err) < 0 ? tc_wrap(err, "--memory") : 0;
        case OPT_CPUS:
                r->has_cpus = true;
                errno = 0;
                r->cpus = strtod(arg, &end);
                if (errno || end == arg || *end || !(r->cpus > 0) || r->cpus > 4096)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "--cpus \"%s\": expected a positive number of CPUs", arg);
                return 0;
        case OPT_PIDS_LIMIT:
                r->has_pids = true;
                r->pids_limit = strtonum(arg, -1, INT32_MAX, &errstr);
                if (errstr || r->pids_limit == 0)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "--pids-limit \"%s\": expected a positive number, or -1", arg);
                return 0;
        default:
                return tc_fail(err, TC_INTERNAL, "unhandled option");
        }
}

int cmd_task_update(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct task_resources res = { 0 };
        struct cli_ref ref;
        struct taskmgr m;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &update_cmd, argc, argv, update_opt, &res, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (!res.has_memory && !res.has_cpus && !res.has_pids)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "update: nothing to change (give --memory, --cpus or --pids-limit)");
        ctx->ref_what = "task id";
        if (cli_ref_parse(ctx, args[0], &ref, err) < 0 || tasks_mgr(ctx, &m, err) < 0)
                return -1;
        m.ns = ref.ns;
        return taskops_update(&m, ref.id, &res, err);
}
