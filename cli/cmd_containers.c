/* SPDX-License-Identifier: Apache-2.0 */
/* `taskctl containers` (alias `c`): dispatch, get, list, delete. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/containers.h"
#include "cli/multi.h"
#include "cli/ref.h"
#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "core/base/json.h"
#include "cli/ref.h"
#include "store/filter.h"

static int containers_get(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
static int containers_list(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
static int containers_delete(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);

static const struct cli_entry subcommands[] = {
        {"create", cmd_containers_create, "define a container record"},
        {"get", containers_get, "print a record"},
        {"list", containers_list, "list the namespace's records, optionally filtered (alias ls)"},
        {"ls", containers_list, NULL},
        {"update", cmd_containers_update, "change fields of a record (containerd's field mask)"},
        {"delete", containers_delete, "remove a record, refused while it has a task (alias rm)"},
        {"rm", containers_delete, NULL},
        {"prune", cmd_containers_prune, "remove the records that have no task"},
};

static void containers_usage(void)
{
        fputs("Usage: taskctl containers COMMAND [ARGS]...   (alias: taskctl c)\n\n"
              "Container records: containerd's container metadata, one JSON file per record\n"
              "under ROOT/containers/NS.\n\nCommands:\n",
              stdout);
        for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
                if (subcommands[i].summary)
                        printf("  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
        fputs("\nRun 'taskctl containers COMMAND --help' for a command's options.\n\n", stdout);
        cli_print_global_help();
}

static bool wants_help(int argc, char **argv)
{
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
                        return true;
        return false;
}

int cmd_containers(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        const char *word = cli_take_word(&argc, argv);

        if (!word && wants_help(argc, argv)) {
                containers_usage();
                return 0;
        }
        if (!word)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "containers: missing command (create, get, list, update, "
                               "delete or prune; see 'taskctl containers --help')");
        for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
                if (strcmp(word, subcommands[i].name) == 0) {
                        argv[0] = (char *) word;
                        return subcommands[i].fn(ctx, argc, argv, err);
                }
        return tc_fail(err, TC_INVALID_ARGUMENT,
                       "containers: unknown command \"%s\" (see 'taskctl containers --help')",
                       word);
}

int containers_store(struct cli_ctx *ctx, bool create, struct store **ret, struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        int root_fd;

        *ret = NULL;
        if (cli_root_fd(ctx, create, &root_fd, &e) < 0) {
                if (!create && tc_err_is(e, TC_NOT_FOUND))
                        return 0; /* no ROOT yet: no records */
                return tc_err_move(err, &e);
        }
        return store_open(root_fd, ctx->ns, create, ctx->timeout, ret, err);
}

int containers_wrap(struct cli_ctx *ctx, const char *id, struct tc_err **err)
{
        return tc_wrap(err, "container \"%s\" in namespace \"%s\"", id, ctx->ns);
}

static const struct table_col cols[] = {
        {"CONTAINER", 24},
        {"IMAGE", 40},
        {"RUNTIME", 0},
};

static void print_row(const struct record *rec)
{
        const char *cells[] = {rec->id, rec->image, rec->runtime_name};

        table_row(cols, ELEMENTSOF(cols), cells);
}

int containers_print_one(struct cli_ctx *ctx, const struct record *rec, struct tc_err **err)
{
        _cleanup_json_ cJSON *j = NULL;

        if (ctx->quiet)
                return 0; /* the -q rule (man taskctl, OUTPUT): not a list, not a value: nothing */
        if (ctx->output == OUT_TABLE) {
                table_header(cols, ELEMENTSOF(cols));
                print_row(rec);
                return 0;
        }
        j = record_to_json(rec);
        if (!j)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return output_json(j, err);
}

/* The store of a namespace that may hold record REF ("ID" or "NS/ID", as
 * cli/ref.h parses it): the command's namespace becomes NS, and *RET_ID points to the ID.
 * A missing ROOT means the record is not found. */
int containers_open_existing(struct cli_ctx *ctx, const char *ref, struct cli_ref *r,
                             const char **ret_id, struct store **ret, struct tc_err **err)
{
        const char *id = r->id;

        *ret = NULL;
        if (cli_ref_parse(ctx, ref, r, err) < 0)
                return -1;
        ctx->ns = r->ns; /* messages, the task lookup and the store all use it */
        *ret_id = id;
        if (containers_store(ctx, false, ret, err) < 0)
                return -1;
        if (!*ret)
                return tc_fail(err, TC_NOT_FOUND, "container \"%s\" in namespace \"%s\": not found",
                               id, ctx->ns);
        return 0;
}

static const struct cli_cmd get_cmd = {
        .name = "containers get",
        .args = "ID",
        .summary = "Print the container record ID: a CONTAINER IMAGE RUNTIME row, with -o json\n"
                   "the whole record as JSON (id, labels, image, runtime {name, options},\n"
                   "spec, snapshotter, snapshot_key, extensions, created_at, updated_at;\n"
                   "options and extensions as {\"type_url\", \"value\": base64}); with -q\n"
                   "nothing (exit status only). ID may be NS/ID: the record ID in namespace NS\n"
                   "(what list -A -q prints).",
        .min_args = 1,
        .max_args = 1,
};

static int containers_get(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(record_freep) struct record *rec = NULL;
        struct cli_ref ref;
        const char *id;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &get_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (containers_open_existing(ctx, args[0], &ref, &id, &s, err) < 0)
                return -1;
        if (store_get(s, id, &rec, err) < 0)
                return containers_wrap(ctx, id, err);
        return containers_print_one(ctx, rec, err);
}

static const struct option list_opts[] = {
        {"all-namespaces", no_argument, NULL, 'A'},
        {0},
};

static const struct cli_cmd list_cmd = {
        .name = "containers list",
        .args = "[-A|--all-namespaces] [FILTER]...",
        .summary = "List the namespace's container records that match any FILTER (containerd's\n"
                   "filter syntax; fields id, image, runtime.name, snapshotter, labels.KEY), e.g.\n"
                   "  taskctl containers list 'labels.env==prod,image~=busybox' id==db\n"
                   "Rows are sorted by ID. A field that is not one of these is refused (exit 2).\n"
                   "With -q one ID per line (NS/ID with -A, which get, update and delete take).\n"
                   "A record file that cannot be read is reported on stderr and skipped; the\n"
                   "others are listed, and the exit status is then 1.",
        .options = "  -A, --all-namespaces   records of every namespace (sorted by namespace,\n"
                   "                         then ID; JSON objects then carry \"namespace\")\n",
        .shortopts = "A",
        .longopts = list_opts,
        .min_args = 0,
        .max_args = -1,
};

static const struct table_col cols_all[] = {
        {"NAMESPACE", 0},
        {"CONTAINER", 0},
        {"IMAGE", 0},
        {"RUNTIME", 0},
};

struct list_state {
        struct cli_ctx *ctx;
        const struct filter *filter;
        bool json, started, all;
        unsigned bad;
};

/* The header (or "[") goes out with the first row, so that a listing that
 * fails before any row (a lock wait that timed out) leaves stdout empty. */
static void list_start(struct list_state *st)
{
        if (st->started)
                return;
        st->started = true;
        if (st->json)
                output_json_begin();
        else if (!st->ctx->quiet && st->all)
                table_header(cols_all, ELEMENTSOF(cols_all));
        else if (!st->ctx->quiet)
                table_header(cols, ELEMENTSOF(cols));
}

static int list_item(const struct store_item *item, void *user, struct tc_err **err)
{
        struct list_state *st = user;
        const struct record *rec = item->rec;

        if (item->error) {
                fprintf(stderr, "taskctl: %s\n", item->error->msg);
                st->bad++;
                return 0;
        }
        if (!filter_match(st->filter, record_field, (void *) rec))
                return 0;
        list_start(st);
        if (st->ctx->quiet) {
                output_key(st->ctx->ns, rec->id, st->all);
        } else if (!st->json && st->all) {
                const char *cells[] = {st->ctx->ns, rec->id, rec->image, rec->runtime_name};

                table_row(cols_all, ELEMENTSOF(cols_all), cells);
        } else if (!st->json) {
                print_row(rec);
        } else {
                return output_json_item_record(rec, st->all ? st->ctx->ns : NULL, err);
        }
        return 0;
}

static int list_ns(struct list_state *st, struct tc_err **err)
{
        _cleanup_(store_freep) struct store *s = NULL;

        if (containers_store(st->ctx, false, &s, err) < 0)
                return -1;
        return s ? store_list(s, list_item, st, err) : 0;
}

static int visible_ident(const struct dirent *de)
{
        return de->d_name[0] != '.' && ident_valid(de->d_name);
}

static int bytewise(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* -A: every namespace under ROOT/containers, sorted; ctx->ns is each in turn. */
static int list_all(struct list_state *st, struct tc_err **err)
{
        struct dirent **names = NULL;
        const char *ns = st->ctx->ns;
        _cleanup_close_ int fd = -1;
        int root_fd, n, r = 0;
        struct tc_err *e = NULL;

        if (cli_root_fd(st->ctx, false, &root_fd, &e) < 0) {
                bool missing = e->kind == TC_NOT_FOUND;

                tc_err_free(e);
                return missing ? 0 : cli_root_fd(st->ctx, false, &root_fd, err);
        }
        fd = openat(root_fd, "containers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : tc_fail_sys(err, TC_INTERNAL, errno, "open containers");
        n = scandirat(fd, ".", &names, visible_ident, bytewise);
        if (n < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "read containers");
        for (int i = 0; i < n; i++) {
                st->ctx->ns = names[i]->d_name;
                if (r == 0)
                        r = list_ns(st, err);
        }
        st->ctx->ns = ns;
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

static int on_list_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        (void) arg;
        if (c != 'A')
                return tc_fail(err, TC_INTERNAL, "unhandled option");
        *(bool *) st = true;
        return 0;
}

static int containers_list(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        _cleanup_(filter_freep) struct filter *f = NULL;
        struct list_state st = {.ctx = ctx};
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &list_cmd, argc, argv, on_list_opt, &st.all, &args, &nargs,
                           err)) != 0)
                return r < 0 ? -1 : 0;
        st.json = !ctx->quiet && output_is_json(ctx);
        if (filter_parse_all((const char *const *) args, (size_t) nargs, &f, err) < 0 ||
            filter_check_fields(f, record_field_known, RECORD_FIELDS, err) < 0)
                return -1;
        st.filter = f;
        r = st.all ? list_all(&st, err) : list_ns(&st, err);
        if (r == 0)
                list_start(&st); /* an empty listing still has its header or "[]" */
        if (st.json && st.started)
                output_json_end(); /* rows already out stay parseable */
        if (r < 0)
                return tc_wrap(err, "containers list");
        if (st.bad)
                return tc_fail(err, TC_INTERNAL, "containers list: %u record%s could not be read",
                               st.bad, st.bad == 1 ? "" : "s");
        return 0;
}

static const struct option delete_opts[] = {
        {"force", no_argument, NULL, 'f'},
        {0},
};

static const struct cli_cmd delete_cmd = {
        .name = "containers delete",
        .args = "[-f|--force] ID...",
        .summary = "Remove container records. Refused (exit 5) while the container has a task\n"
                   "(STATE/tasks/NS/ID exists), unless --force, which deletes the task first.\n"
                   "An ID may be NS/ID: the record ID in namespace NS.",
        .options = "  -f, --force   delete the container's task first\n",
        .shortopts = "f",
        .longopts = delete_opts,
        .min_args = 1,
        .max_args = -1,
};

static int on_delete_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        if (c != 'f')
                return tc_fail(err, TC_INTERNAL, "unhandled option");
        *(bool *) st = true;
        return 0;
}

/* A task exists while its bundle directory STATE/tasks/NS/ID does. */
static int has_task(struct cli_ctx *ctx, const char *id, bool *ret, struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        char rel[2 * IDENT_MAX + 16];
        struct stat st;
        int state_fd;

        *ret = false;
        if (cli_state_fd(ctx, false, &state_fd, &e) < 0)
                return tc_err_is(e, TC_NOT_FOUND) ? 0 : tc_err_move(err, &e);
        (void) snprintf(rel, sizeof rel, "tasks/%s/%s", ctx->ns, id);
        *ret = fstatat(state_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
        return 0;
}

static int delete_one(struct cli_each *e, const struct cli_ref *ref, void *user,
                      struct tc_err **err)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(record_freep) struct record *rec = NULL;
        struct cli_ctx *ctx = e->ctx;
        bool force = *(bool *) user, task;

        struct cli_ref r;
        const char *id;

        /* ref is parsed already: this sets ctx->ns (cli_each_ref restores it) */
        if (containers_open_existing(ctx, e->label, &r, &id, &s, err) < 0)
                return -1;
        /* as containerd's client: the record must exist before its task matters */
        if (store_get(s, ref->id, &rec, err) < 0) {
                if (!*err || (*err)->kind != TC_INTERNAL)
                        return containers_wrap(ctx, ref->id, err);
                tc_err_freep(err); /* a corrupt record may still be deleted */
        }
        if (has_task(ctx, ref->id, &task, err) < 0)
                return -1;
        if (task && !force)
                return tc_fail(err, TC_FAILED_PRECONDITION,
                               "container \"%s\" in namespace \"%s\": cannot delete, it has a "
                               "task (delete the task first, or use --force)",
                               ref->id, ctx->ns);
        if ((task && cli_containers_delete_task(ctx, ref->id, err) < 0) ||
            store_delete(s, ref->id, err) < 0)
                return containers_wrap(ctx, ref->id, err);
        return 0;
}

static int containers_delete(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        bool force = false;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &delete_cmd, argc, argv, on_delete_opt, &force, &args, &nargs,
                           err)) != 0)
                return r < 0 ? -1 : 0;
        return cli_each_ref(ctx, args, nargs, delete_one, &force, err);
}
