/* SPDX-License-Identifier: Apache-2.0 */
/* `stats`: a task's cgroup metrics from its shim, live like `docker stats` /
 * `nerdctl stats` (refreshed every second until SIGINT), or once. */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/multi.h"
#include "cli/ops.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/base/json.h"
#include "core/base/timefmt.h"
#include "core/taskops.h"

#define STATS_INTERVAL 1.0     /* seconds between live samples */
#define STATS_FIRST_GAP 0.5    /* --no-stream: the two samples CPU % is measured over */

enum { OPT_NO_STREAM = 0x100 };

static const struct option stats_opts[] = {
        { "no-stream", no_argument, NULL, OPT_NO_STREAM },
        { 0 },
};

static const struct cli_cmd stats_cmd = {
        .name = "stats",
        .args = "[--no-stream] ID...",
        .summary =
                "Show tasks' resource use from their cgroup (the shim's Stats; cgroup v1 and\n"
                "v2): CPU % (between two samples, of one CPU: 200% is two CPUs busy), memory\n"
                "usage and limit, PIDs, block I/O. Refreshed every second until interrupted;\n"
                "--no-stream prints once (the CPU % is measured over half a second). With\n"
                "-o json the raw figures (bytes, nanoseconds).",
        .options = "      --no-stream   print one sample and exit\n",
        .longopts = stats_opts,
        .min_args = 1,
        .max_args = -1,
};

struct sample {
        bool ok;
        struct task_stats s;
        double at; /* timefmt_mono() */
};

struct stats_run {
        struct taskmgr m;
        struct sample *prev; /* one per ID, in argument order */
        int index;           /* of the ID being handled */
        bool no_stream;
};

static const struct table_col cols[] = {
        { "ID", 20 }, { "CPU %", 7 }, { "MEM USAGE / LIMIT", 21 }, { "MEM %", 6 },
        { "BLOCK I/O", 19 }, { "PIDS", 0 },
};

static void human(uint64_t v, char *buf, size_t size)
{
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
        double d = (double) v;
        size_t u = 0;

        while (d >= 1024 && u + 1 < ELEMENTSOF(units)) {
                d /= 1024;
                u++;
        }
        (void) snprintf(buf, size, u ? "%.2f%s" : "%.0f%s", d, units[u]);
}

static cJSON *stats_json(const char *label, const struct task_stats *s, double cpu)
{
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return NULL;
        cJSON_AddStringToObject(o, "id", label);
        cJSON_AddNumberToObject(o, "cgroup", s->cgroup);
        cJSON_AddNumberToObject(o, "cpu_percent", cpu);
        cJSON_AddNumberToObject(o, "cpu_ns", (double) s->cpu_ns);
        cJSON_AddNumberToObject(o, "cpu_user_ns", (double) s->cpu_user_ns);
        cJSON_AddNumberToObject(o, "cpu_system_ns", (double) s->cpu_system_ns);
        cJSON_AddNumberToObject(o, "memory_usage", (double) s->mem_usage);
        cJSON_AddNumberToObject(o, "memory_inactive_file", (double) s->mem_inactive_file);
        cJSON_AddNumberToObject(o, "memory_limit", (double) s->mem_limit);
        cJSON_AddNumberToObject(o, "pids", (double) s->pids);
        cJSON_AddNumberToObject(o, "pids_limit", (double) s->pids_limit);
        cJSON_AddNumberToObject(o, "io_read_bytes", (double) s->io_read_bytes);
        cJSON_AddNumberToObject(o, "io_write_bytes", (double) s->io_write_bytes);
        if (s->oom_kills >= 0)
                cJSON_AddNumberToObject(o, "oom_kills", (double) s->oom_kills);
        else
                cJSON_AddNullToObject(o, "oom_kills");
        return o;
}

static void stats_row(const char *label, const struct task_stats *s, double cpu)
{
        char c[16], use[16], lim[16], mem[40], memp[16], rd[16], wr[16], io[40], pids[24];
        /* as docker: the page cache the kernel may drop is not "used" */
        uint64_t used = s->mem_usage > s->mem_inactive_file ? s->mem_usage - s->mem_inactive_file : 0;
        const char *cells[] = { label, c, mem, memp, io, pids };

        (void) snprintf(c, sizeof c, "%.2f%%", cpu);
        human(used, use, sizeof use);
        if (s->mem_limit)
                human(s->mem_limit, lim, sizeof lim);
        (void) snprintf(mem, sizeof mem, "%s / %s", use, s->mem_limit ? lim : "-");
        if (s->mem_limit)
                (void) snprintf(memp, sizeof memp, "%.2f%%", 100.0 * (double) used / (double) s->mem_limit);
        else
                (void) snprintf(memp, sizeof memp, "-");
        human(s->io_read_bytes, rd, sizeof rd);
        human(s->io_write_bytes, wr, sizeof wr);
        (void) snprintf(io, sizeof io, "%s / %s", rd, wr);
        (void) snprintf(pids, sizeof pids, "%llu", (unsigned long long) s->pids);
        table_row(cols, ELEMENTSOF(cols), cells);
}

static int sample(struct stats_run *st, const struct cli_ref *ref, struct sample *ret,
                  struct tc_err **err)
{
        st->m.ns = ref->ns;
        ret->ok = false;
        if (taskops_stats(&st->m, ref->id, &ret->s, err) < 0)
                return -1;
        ret->ok = true;
        ret->at = timefmt_mono();
        return 0;
}

/* One ID: a new sample, printed against the previous one. */
static int stats_one(struct cli_each *e, const struct cli_ref *ref, void *user,
                     struct tc_err **err)
{
        struct stats_run *st = user;
        struct sample *prev = &st->prev[st->index++];
        struct sample now;
        double cpu = 0;

        if (sample(st, ref, &now, err) < 0) {
                prev->ok = false;
                return -1;
        }
        if (prev->ok)
                cpu = stats_cpu_percent(prev->s.cpu_ns, now.s.cpu_ns, now.at - prev->at);
        *prev = now;
        if (e->ctx->quiet)
                return 0;
        if (output_is_json(e->ctx)) {
                /* every sample is one array, also for one ID */
                e->many = true;
                return cli_each_json(e, stats_json(e->label, &now.s, cpu), err);
        }
        stats_row(e->label, &now.s, cpu);
        return 0;
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
        (void) sig;
        interrupted = 1;
}

/* One screen: the header and a row per ID. Errors (a task that went away)
 * are shown in its row's place and do not end the view. */
static void live_screen(struct cli_ctx *ctx, struct stats_run *st, char **args, int nargs,
                        bool tty)
{
        struct tc_err *e = NULL;

        if (tty)
                fputs("\033[H\033[J", stdout); /* home, clear to the end */
        if (!output_is_json(ctx) && !ctx->quiet)
                table_header(cols, ELEMENTSOF(cols));
        st->index = 0;
        for (int i = 0; i < nargs; i++) {
                if (cli_each_ref(ctx, &args[i], 1, stats_one, st, &e) < 0) {
                        if (!output_is_json(ctx))
                                printf("%-20s   %s\n", args[i], e->msg);
                        tc_err_freep(&e);
                }
        }
        (void) fflush(stdout);
}

static int live(struct cli_ctx *ctx, struct stats_run *st, char **args, int nargs)
{
        struct sigaction sa = { .sa_handler = on_sigint }, old_int, old_term;
        bool tty = isatty(STDOUT_FILENO) && !output_is_json(ctx);

        (void) sigaction(SIGINT, &sa, &old_int);
        (void) sigaction(SIGTERM, &sa, &old_term);
        if (tty)
                fputs("\033[?1049h\033[?25l", stdout); /* alternate screen, no cursor */
        while (!interrupted) {
                double next = timefmt_mono() + STATS_INTERVAL;

                live_screen(ctx, st, args, nargs, tty);
                while (!interrupted && timefmt_mono() < next)
                        (void) nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
        }
        if (tty)
                fputs("\033[?25h\033[?1049l", stdout); /* cursor back, screen restored */
        (void) sigaction(SIGINT, &old_int, NULL);
        (void) sigaction(SIGTERM, &old_term, NULL);
        return 0;
}

static int stats_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        (void) arg;
        if (c != OPT_NO_STREAM)
                return tc_fail(err, TC_INTERNAL, "unhandled option");
        ((struct stats_run *) st)->no_stream = true;
        return 0;
}

int cmd_task_stats(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        _cleanup_free_ struct sample *prev = NULL;
        struct stats_run st = { 0 };
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &stats_cmd, argc, argv, stats_opt, &st, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (tasks_mgr_refs(ctx, args, nargs, &st.m, err) < 0)
                return -1;
        if (!(prev = calloc((size_t) nargs, sizeof *prev)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        st.prev = prev;
        if (!st.no_stream)
                return live(ctx, &st, args, nargs);
        /* a first sample of each (errors show in the second), then the one printed */
        for (int i = 0; i < nargs; i++) {
                struct cli_ref ref;

                if (cli_ref_parse(ctx, args[i], &ref, NULL) == 0)
                        (void) sample(&st, &ref, &prev[i], NULL);
        }
        (void) nanosleep(&(struct timespec){ 0, (long) (STATS_FIRST_GAP * 1e9) }, NULL);
        if (!output_is_json(ctx) && !ctx->quiet)
                table_header(cols, ELEMENTSOF(cols));
        return cli_each_ref(ctx, args, nargs, stats_one, &st, err);
}
