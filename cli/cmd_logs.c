/* SPDX-License-Identifier: Apache-2.0 */
/* `taskctl logs ID`: a task's kept output (core/logfile.h), -f follows it
 * until the task's output ends (its log helper has exited). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/interactive.h"
#include "cli/ref.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/timefmt.h"
#include "core/logfollow.h"
#include "core/taskio.h"

enum { OPT_FOLLOW = 0x200, OPT_TAIL, OPT_SINCE, OPT_TIMESTAMPS };

static const struct option logs_opts[] = {
        { "follow", no_argument, NULL, 'f' },
        { "tail", required_argument, NULL, OPT_TAIL },
        { "since", required_argument, NULL, OPT_SINCE },
        { "timestamps", no_argument, NULL, OPT_TIMESTAMPS },
        { 0 },
};

static const struct cli_cmd logs_cmd = {
        .name = "logs",
        .args = "[-f] [--tail N] [--since TIME] [--timestamps] ID",
        .summary = "Print a task's output: stdout to stdout, stderr to stderr. The log is kept\n"
                   "(rotated at --log-max-size, one old file kept) until the task is deleted.",
        .options = "  -f, --follow        print new output as it comes, until the task's output\n"
                   "                      ends (it exited)\n"
                   "      --tail N        only the last N lines\n"
                   "      --since TIME    only output at or after TIME (RFC 3339, or a duration\n"
                   "                      such as 10m: that long ago)\n"
                   "      --timestamps    prefix each line with its time (RFC 3339)\n",
        .shortopts = "f",
        .longopts = logs_opts,
        .min_args = 1,
        .max_args = 1,
};

struct logs_opts {
        bool follow, timestamps, has_since;
        long tail;
        struct timespec since;
};

static int on_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct logs_opts *o = st;
        const char *bad = NULL;

        switch (c) {
        case 'f': o->follow = true; return 0;
        case OPT_TIMESTAMPS: o->timestamps = true; return 0;
        case OPT_TAIL:
                o->tail = (long) strtonum(arg, 0, 1L << 30, &bad);
                return bad ? tc_fail(err, TC_INVALID_ARGUMENT,
                                     "--tail \"%s\": expected a number of lines", arg)
                           : 0;
        case OPT_SINCE:
                o->has_since = true;
                return cli_parse_since(arg, &o->since, err);
        default: return tc_fail(err, TC_INTERNAL, "unhandled option");
        }
}

/* The history, kept whole so that --tail can count lines from the end. */
struct history {
        struct logfile_rec *recs;
        size_t n, cap;
        const struct logs_opts *o;
        bool line_start[3];
        bool broken;
};

static bool before_since(const struct logs_opts *o, const struct logfile_rec *r)
{
        return o->has_since && (r->ts.tv_sec < o->since.tv_sec ||
                                (r->ts.tv_sec == o->since.tv_sec && r->ts.tv_nsec < o->since.tv_nsec));
}

static int keep(const struct logfile_rec *rec, void *user, struct tc_err **err)
{
        struct history *h = user;
        char *copy;

        if (before_since(h->o, rec))
                return 0;
        if (h->n == h->cap) {
                size_t cap = h->cap ? 2 * h->cap : 256;
                struct logfile_rec *nr = realloc(h->recs, cap * sizeof *nr);

                if (!nr)
                        return tc_fail(err, TC_INTERNAL, "out of memory");
                h->recs = nr;
                h->cap = cap;
        }
        if (!(copy = malloc(rec->len + 1)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        memcpy(copy, rec->data, rec->len);
        h->recs[h->n] = *rec;
        h->recs[h->n++].data = copy;
        return 0;
}

static int print_rec(const struct logfile_rec *rec, void *user, struct tc_err **err)
{
        struct history *h = user;
        int fd = rec->stream == LOGFILE_STDERR ? 2 : 1;

        (void) err;
        if (h->broken || before_since(h->o, rec))
                return 0;
        if (h->o->timestamps && h->line_start[rec->stream]) {
                char when[TIMEFMT_LEN + 1];

                timefmt_rfc3339(&rec->ts, when);
                strcat(when, " ");
                h->broken |= write_all(fd, when, strlen(when)) < 0;
        }
        h->broken |= write_all(fd, rec->data, rec->len) < 0;
        if (!rec->partial)
                h->broken |= write_all(fd, "\n", 1) < 0;
        h->line_start[rec->stream] = !rec->partial;
        return 0;
}

static int follow(struct logfollow *f, struct history *h, struct tc_err **err)
{
        for (;;) {
                bool done = !taskio_logger_running(f->dir_fd);

                if (logfollow_read(f, print_rec, h, err) < 0)
                        return -1;
                if (done || h->broken)
                        return 0;
                if (logfollow_wait(f, 100, err) < 0)
                        return -1;
        }
}

static int show(int bundle_fd, const struct logs_opts *o, struct tc_err **err)
{
        struct history h = { .o = o, .line_start = { true, true, true } };
        struct logfollow f;
        int r;

        if (logfollow_open(bundle_fd, true, &f, err) < 0)
                return -1;
        r = logfollow_read(&f, keep, &h, err) < 0 ? -1 : 0;
        for (size_t i = r == 0 ? logfile_tail_start(h.recs, h.n, o->tail) : h.n; i < h.n; i++)
                (void) print_rec(&h.recs[i], &h, NULL);
        if (r == 0 && o->follow)
                r = follow(&f, &h, err);
        for (size_t i = 0; i < h.n; i++)
                free((char *) h.recs[i].data);
        free(h.recs);
        logfollow_close(&f);
        return r;
}

int cmd_logs(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct logs_opts o = { .tail = -1 };
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        struct cli_ref ref;
        struct taskmgr m;
        char **args;
        int nargs, r;

        r = cli_parse(ctx, &logs_cmd, argc, argv, on_opt, &o, &args, &nargs, err);
        if (r != 0)
                return r < 0 ? -1 : 0;
        ctx->ref_what = "task id";
        if (cli_ref_parse(ctx, args[0], &ref, err) < 0 || tasks_mgr(ctx, &m, err) < 0)
                return -1;
        if (bundle_load(&m.roots, ref.ns, ref.id, &b, err) < 0)
                return tc_wrap(err, "task \"%s\" in namespace \"%s\"", ref.id, ref.ns);
        if (faccessat(b->fd, LOGFILE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
            faccessat(b->fd, TASKIO_LOGGER_PID, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return tc_fail(err, TC_NOT_FOUND,
                               "task \"%s\" in namespace \"%s\": no log: its output goes to the "
                               "files given to create (--stdout/--stderr)", ref.id, ref.ns);
        if (show(b->fd, &o, err) < 0)
                return tc_wrap(err, "task \"%s\" in namespace \"%s\"", ref.id, ref.ns);
        return 0;
}
