/* SPDX-License-Identifier: Apache-2.0 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "core/base/pool.h"
#include "core/base/json.h"
#include "store/filter.h"
#include "store/record.h"
#include "store/store.h"

enum { OPT_PARALLEL = 0x100, OPT_DEADLINE };

static const struct option list_opts[] = {
        { "all-namespaces", no_argument, NULL, 'A' },
        { "parallel", required_argument, NULL, OPT_PARALLEL },
        { "deadline", required_argument, NULL, OPT_DEADLINE },
        { 0 },
};

static const struct cli_cmd list_cmd = {
        .name = "list",
        .args = "[-A|--all-namespaces] [--parallel N] [--deadline SECONDS] [FILTER]...",
        .summary = "List tasks: NAMESPACE ID PID STATUS RUNTIME. A task whose shim does not\n"
                   "answer is listed as unknown. Filters (containerd syntax, OR'ed; selectors\n"
                   "inside one AND'ed) on id, namespace, status, runtime.name, pid and the\n"
                   "container's labels.KEY, e.g. 'status==running,labels.env==prod'; any\n"
                   "other field is refused (exit 2). Sorted by namespace, then ID. With -q one\n"
                   "ID per line (NS/ID with -A, which every task command takes back). Up to N\n"
                   "shims are asked at once. Exit 7 if the deadline passed (the tasks not asked\n"
                   "by then are listed as unknown).",
        .options = "  -A, --all-namespaces   tasks of every namespace\n"
                   "      --parallel N       shims asked at once (default 4 per core)\n"
                   "      --deadline SECONDS bound on the whole list (each shim: --timeout)\n",
        .shortopts = "A",
        .longopts = list_opts,
        .min_args = 0,
        .max_args = -1,
};

static const struct table_col cols[] = {
        { "NAMESPACE", 12 }, { "ID", 24 }, { "PID", 8 }, { "STATUS", 8 }, { "RUNTIME", 0 },
};

struct lister {
        struct cli_ctx *ctx;
        struct taskmgr *m;
        struct filter *filter;
        bool want_labels, all;
        size_t shown;
};

#define TASK_FIELDS "id, namespace, status, runtime.name, pid, labels.KEY"

static bool task_field_known(const char *const *path, size_t n)
{
        static const char *const scalar[] = { "id", "namespace", "status", "pid" };

        for (size_t i = 0; n == 1 && i < ELEMENTSOF(scalar); i++)
                if (strcmp(path[0], scalar[i]) == 0)
                        return true;
        if (n == 2 && strcmp(path[0], "runtime") == 0)
                return strcmp(path[1], "name") == 0;
        return n >= 2 && strcmp(path[0], "labels") == 0;
}

/* The object a task filter sees: the task and its container's labels. */
struct task_obj {
        const struct task_info *t;
        struct record *rec;
        char pid[16];
};

static bool task_field(void *obj, const char *const *path, size_t n, const char **ret)
{
        struct task_obj *o = obj;

        if (n == 1 && strcmp(path[0], "id") == 0)
                *ret = o->t->id;
        else if (n == 1 && strcmp(path[0], "namespace") == 0)
                *ret = o->t->ns;
        else if (n == 1 && strcmp(path[0], "status") == 0)
                *ret = o->t->status;
        else if (n == 1 && strcmp(path[0], "pid") == 0)
                *ret = o->pid;
        else if (n == 2 && strcmp(path[0], "runtime") == 0 && strcmp(path[1], "name") == 0)
                *ret = o->t->runtime;
        else if (n >= 2 && strcmp(path[0], "labels") == 0 && o->rec)
                return record_field(o->rec, path, n, ret);
        else
                return false;
        return *ret && **ret;
}

static void load_record(struct lister *l, struct task_obj *o)
{
        _cleanup_(store_freep) struct store *s = NULL;

        if (store_open(l->m->roots.root_fd, o->t->ns, false, l->m->timeout, &s, NULL) == 0)
                (void) store_get(s, o->t->id, &o->rec, NULL);
}

static int print_task(const struct task_info *t, void *user, struct tc_err **err)
{
        struct lister *l = user;
        struct task_obj o = { .t = t };
        char pid[16];
        int r = 0;

        (void) snprintf(o.pid, sizeof o.pid, "%u", t->pid);
        if (l->want_labels)
                load_record(l, &o);
        if (l->filter && !filter_match(l->filter, task_field, &o))
                goto out;
        l->shown++;
        if (l->ctx->quiet) {
                output_key(t->ns, t->id, l->all);
        } else if (output_is_json(l->ctx)) {
                _cleanup_json_ cJSON *j = tasks_info_json(t);

                r = j ? output_json_item(j, err) : tc_fail(err, TC_INTERNAL, "out of memory");
        } else {
                char status[80], ago[32];
                const char *cells[] = { t->ns, t->id, pid, status, t->runtime };

                /* as `docker ps`: how it ended and how long ago */
                tasks_exit_ago(t, ago, sizeof ago);
                if (t->exited)
                        (void) snprintf(status, sizeof status, "%s (%u) %s", t->status,
                                        t->exit_status, ago);
                else
                        (void) snprintf(status, sizeof status, "%s", t->status);

                if (t->pid)
                        (void) snprintf(pid, sizeof pid, "%u", t->pid);
                else
                        pid[0] = '\0'; /* shown as "-": no pid known */
                table_row(cols, ELEMENTSOF(cols), cells);
        }
out:
        record_free(o.rec);
        return r;
}

/* Whether NS under STATE/tasks holds a task (a visible, valid entry). */
static bool ns_has_tasks(int tasks_fd, const char *ns)
{
        _cleanup_close_ int fd = openat(tasks_fd, ns, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (d)
                fd = -1;
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.' && ident_valid(de->d_name))
                        return true;
        return false;
}

static int list_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct taskmgr_list_opts *o = st;

        switch (c) {
        case 'A': o->all_namespaces = true; return 0;
        case OPT_PARALLEL: return cli_parse_parallel(arg, &o->parallel, err);
        case OPT_DEADLINE: return cli_parse_deadline(arg, &o->deadline, err);
        default: return tc_fail(err, TC_INTERNAL, "unhandled option");
        }
}

/* Nothing listed in one namespace while others have tasks: say so on stderr
 * (stdout stays the empty result), naming -A. */
static void hint_other_namespaces(struct lister *l)
{
        struct taskmgr *m = l->m;
        _cleanup_close_ int fd = openat(m->roots.state_fd, "tasks",
                                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        unsigned others = 0;

        if (d)
                fd = -1; /* the DIR owns it now */
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.' && strcmp(de->d_name, m->ns) != 0 &&
                    ns_has_tasks(dirfd(d), de->d_name))
                        others++;
        if (others)
                fprintf(stderr,
                        "hint: no tasks in namespace \"%s\"; %u other namespace%s %s tasks "
                        "(taskctl list -A)\n",
                        m->ns, others, others == 1 ? "" : "s", others == 1 ? "has" : "have");
}

int cmd_task_list(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        _cleanup_(filter_freep) struct filter *f = NULL;
        struct lister l = { .ctx = ctx };
        struct taskmgr m;
        struct taskmgr_list_opts o = { .parallel = pool_default_parallel() };
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &list_cmd, argc, argv, list_opt, &o, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (nargs && (filter_parse_all((const char *const *) args, (size_t) nargs, &f, err) < 0 ||
                      filter_check_fields(f, task_field_known, TASK_FIELDS, err) < 0))
                return -1;
        l.all = o.all_namespaces;
        if (tasks_mgr(ctx, &m, err) < 0)
                return -1;
        l.m = &m;
        l.filter = f;
        for (int i = 0; i < nargs; i++)
                l.want_labels = l.want_labels || strstr(args[i], "labels") != NULL;
        if (!ctx->quiet && output_is_json(ctx))
                output_json_begin();
        else if (!ctx->quiet)
                table_header(cols, ELEMENTSOF(cols));
        r = taskmgr_list(&m, &o, print_task, &l, err);
        if (!ctx->quiet && output_is_json(ctx))
                output_json_end();
        if (r == 0 && l.shown == 0 && !o.all_namespaces && nargs == 0)
                hint_other_namespaces(&l);
        return r;
}
