/* SPDX-License-Identifier: Apache-2.0 */
/* `containers prune [FILTER]...`: removes the records that have no task, as
 * `docker container prune` removes the stopped containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/containers.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/tasklock.h"
#include "core/taskmgr.h"
#include "store/filter.h"
#include "store/record.h"

static const struct cli_cmd prune_cmd = {
        .name = "containers prune",
        .args = "[FILTER]...",
        .summary = "Remove the namespace's container records that have no task (and match a\n"
                   "FILTER, as for containers list). Prints the IDs removed. A record whose task\n"
                   "is being created or deleted right now (its lock is held) is left.",
        .min_args = 0,
        .max_args = -1,
};

struct prune_list {
        const struct filter *filter;
        char **ids;
        size_t n;
};

static int collect(const struct store_item *item, void *user, struct tc_err **err)
{
        struct prune_list *l = user;
        char **ids;

        if (item->error || !filter_match(l->filter, record_field, (void *) item->rec))
                return 0; /* an unreadable record is not pruned: it may have a task */
        if (!(ids = realloc(l->ids, (l->n + 1) * sizeof *ids)) ||
            !(ids[l->n] = strdup(item->rec->id))) {
                if (ids)
                        l->ids = ids;
                return tc_fail(err, TC_INTERNAL, "out of memory");
        }
        l->ids = ids;
        l->n++;
        return 0;
}

/* Under the task's lock (a create takes it before making the bundle), so a
 * record does not lose its record while its task is being made. Returns 1 if
 * removed, 0 if left. */
static int prune_one(struct cli_ctx *ctx, struct taskmgr *m, struct store *s, const char *id,
                     struct tc_err **err)
{
        struct tasklock lock = { .ns_fd = -1, .dir_fd = -1 };
        bool made = false;
        int r;

        if (tasklock_take(m->roots.root_fd, ctx->ns, id, 0.0, &lock, &made, NULL) < 0)
                return 0; /* busy: a create or delete is at work on it */
        r = taskmgr_exists(m, id) ? 0 : 1;
        if (r == 1 && store_delete(s, id, err) < 0)
                r = containers_wrap(ctx, id, err);
        if (made && !taskmgr_exists(m, id))
                (void) tasklock_remove_dir(&lock, NULL, NULL); /* taking the lock made it */
        tasklock_release(&lock);
        return r;
}

int cmd_containers_prune(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(filter_freep) struct filter *f = NULL;
        struct prune_list l = { 0 };
        struct taskmgr m;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &prune_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (filter_parse_all((const char *const *) args, (size_t) nargs, &f, err) < 0 ||
            containers_store(ctx, false, &s, err) < 0)
                return -1;
        if (!s)
                return 0; /* no ROOT: nothing to prune */
        l.filter = f;
        r = store_list(s, collect, &l, err);
        if (r == 0)
                r = tasks_mgr(ctx, &m, err);
        for (size_t i = 0; i < l.n; i++) {
                if (r == 0) {
                        int p = prune_one(ctx, &m, s, l.ids[i], err);

                        if (p < 0)
                                r = -1;
                        else if (p == 1)
                                printf("%s\n", l.ids[i]); /* -q too: a list of keys */
                }
                free(l.ids[i]);
        }
        free(l.ids);
        return r;
}
