/* SPDX-License-Identifier: Apache-2.0 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/base/cleanup.h"
#include "core/events.h"
#include "core/exitwatch.h"
#include "core/mounts.h"

enum { OPT_SINCE = 0x100, OPT_FOLLOW };

static const struct option events_opts[] = {
        { "all-namespaces", no_argument, NULL, 'A' },
        { "since", required_argument, NULL, OPT_SINCE },
        { "follow", no_argument, NULL, OPT_FOLLOW },
        { 0 },
};

static const struct cli_cmd events_cmd = {
        .name = "events",
        .args = "[-A] [--since TIME] [--follow]",
        .summary = "Print the task lifecycle events (create, start, exit, delete, oom, paused,\n"
                   "resumed) recorded in ROOT/events/NS.jsonl. -o jsonl: one JSON line per\n"
                   "event; -o json: one pretty object per event (a stream: no enclosing array);\n"
                   "-q: the task of each event (NS/ID with -A). Table times are relative unless\n"
                   "--no-trunc. An exit is recorded once, with the shim's exit time, by the first\n"
                   "command that observes it.",
        .options = "  -A, --all-namespaces  events of every namespace\n"
                   "      --since TIME      only events at or after TIME (RFC 3339, or a\n"
                   "                        duration such as 10m meaning that long ago)\n"
                   "      --follow          keep printing new events until interrupted; the\n"
                   "                        exits of live tasks are watched (a connection\n"
                   "                        with a pending Wait per task) and recorded as\n"
                   "                        they happen\n",
        .shortopts = "A",
        .longopts = events_opts,
        .min_args = 0,
        .max_args = 0,
};

struct events_opts {
        bool all, follow, has_since;
        struct timespec since;
        const struct cli_ctx *ctx;
};

static int on_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct events_opts *o = st;

        switch (c) {
        case 'A': o->all = true; return 0;
        case OPT_FOLLOW: o->follow = true; return 0;
        case OPT_SINCE:
                o->has_since = true;
                return cli_parse_since(arg, &o->since, err);
        default: return tc_fail(err, TC_INTERNAL, "unhandled option");
        }
}

static const struct table_col cols[] = {
        { "TIME", 30 }, { "NAMESPACE", 12 }, { "TOPIC", 13 }, { "ID", 16 },
        { "PID", 7 },   { "EXIT", 4 },       { "DETAIL", 0 },
};

static int print_event(cJSON *ev, void *user, struct tc_err **err)
{
        const struct events_opts *o = user;
        const cJSON *ex = cJSON_GetObjectItem(ev, "exit_status");
        char pid[16], exit_s[16], when[64];
        const char *cells[7];

        if (o->ctx->quiet) {
                output_key(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "namespace")) ?: "-",
                           cJSON_GetStringValue(cJSON_GetObjectItem(ev, "id")) ?: "-", o->all);
                return 0;
        }
        if (output_is_json(o->ctx))
                return output_json(ev, err);
        (void) snprintf(pid, sizeof pid, "%.0f",
                        cJSON_GetNumberValue(cJSON_GetObjectItem(ev, "pid")));
        if (cJSON_IsNumber(ex))
                (void) snprintf(exit_s, sizeof exit_s, "%.0f", ex->valuedouble);
        else if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "topic")) ?: "", EVENT_TASK_EXIT) == 0 ||
                 strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "topic")) ?: "", EVENT_TASK_DELETE) == 0)
                (void) snprintf(exit_s, sizeof exit_s, "?"); /* nobody observed it */
        else
                exit_s[0] = '\0';
        cells[0] = output_time(o->ctx, cJSON_GetStringValue(cJSON_GetObjectItem(ev, "time")), when,
                               sizeof when);
        cells[1] = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "namespace"));
        cells[2] = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "topic"));
        cells[3] = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "id"));
        cells[4] = pid;
        cells[5] = exit_s;
        cells[6] = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "detail"));
        table_row(cols, ELEMENTSOF(cols), cells);
        return 0;
}

/* --follow: the exits of live tasks, seen by this process itself
 * (core/exitwatch.h). Made once STATE and ROOT exist. */
struct follower {
        struct bundle_roots roots;
        char *root_path, *state_path;
        struct exitwatch *w;
};

static void follower_start(struct cli_ctx *ctx, const struct events_opts *o, struct follower *f)
{
        int root_fd, state_fd;

        if (f->w || cli_root_fd(ctx, false, &root_fd, NULL) < 0 ||
            cli_state_fd(ctx, false, &state_fd, NULL) < 0)
                return;
        if (!f->root_path && (fd_path(root_fd, &f->root_path, NULL) < 0 ||
                              fd_path(state_fd, &f->state_path, NULL) < 0))
                return;
        f->roots = (struct bundle_roots){ .state_fd = state_fd, .root_fd = root_fd,
                                          .state_path = f->state_path, .root_path = f->root_path };
        (void) exitwatch_new(&f->roots, o->all ? NULL : ctx->ns, ctx->timeout, &f->w, NULL);
}

static void follower_release(struct follower *f)
{
        exitwatch_free(f->w);
        free(f->root_path);
        free(f->state_path);
}

/* Between two reads of the log: rescan for new tasks once a second, and wait
 * for exits (or just wait) up to 200 ms. */
static void follow_pause(struct cli_ctx *ctx, const struct events_opts *o, struct follower *f,
                         unsigned tick)
{
        follower_start(ctx, o, f);
        if (!f->w) {
                nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
                return;
        }
        if (tick % 5 == 0)
                exitwatch_scan(f->w);
        exitwatch_poll(f->w, 200);
}

int cmd_events(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct events_opts o = { 0 };
        struct events_cursor cur = { 0 };
        struct follower f = { 0 };
        unsigned tick = 0;
        char **args;
        int nargs, r, root_fd;
        struct tc_err *e2 = NULL;

        if ((r = cli_parse(ctx, &events_cmd, argc, argv, on_opt, &o, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        o.ctx = ctx;
        if (cli_root_fd(ctx, false, &root_fd, &e2) < 0) {
                bool missing = e2->kind == TC_NOT_FOUND;

                tc_err_free(e2);
                if (!missing)
                        return cli_root_fd(ctx, false, &root_fd, err);
                root_fd = -1;
        }
        if (ctx->output == OUT_TABLE && !ctx->quiet)
                table_header(cols, ELEMENTSOF(cols));
        do {
                if (root_fd < 0 && cli_root_fd(ctx, false, &root_fd, NULL) < 0)
                        root_fd = -1;
                if (root_fd >= 0 && (r = events_read(root_fd, o.all ? NULL : ctx->ns,
                                                     o.has_since ? &o.since : NULL, &cur,
                                                     print_event, &o, err)) < 0)
                        break;
                if (o.follow)
                        table_flush(); /* a stream: rows go out as they come */
                (void) fflush(stdout);
                if (o.follow)
                        follow_pause(ctx, &o, &f, tick++);
        } while (o.follow);
        follower_release(&f);
        events_cursor_release(&cur);
        return r < 0 ? -1 : 0;
}
