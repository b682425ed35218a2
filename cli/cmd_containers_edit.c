/* SPDX-License-Identifier: Apache-2.0 */
/* `taskctl containers create` and `update`: records built from flags or JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/containers.h"
#include "cli/ref.h"
#include "cli/runc_options.h"
#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/ident.h"

void edit_opts_release(struct edit_opts *o)
{
        free(o->labels);
        free(o->fields);
}

static int push(void *arrp, size_t *n, size_t size, const void *item, struct tc_err **err)
{
        char **arr = arrp;
        char *grown = realloc(*arr, (*n + 1) * size);

        if (!grown)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        memcpy(grown + *n * size, item, size);
        *arr = grown;
        (*n)++;
        return 0;
}

int containers_record_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct edit_opts *o = st;

        switch (c) {
        case OPT_SPEC:
                o->spec = arg;
                return 0;
        case OPT_RUNTIME:
                o->runtime = arg;
                return 0;
        case OPT_IMAGE:
                o->image = arg;
                return 0;
        case OPT_SNAPSHOTTER:
                o->snapshotter = arg;
                return 0;
        case OPT_SNAPSHOT_KEY:
                o->snapshot_key = arg;
                return 0;
        case OPT_RUNTIME_OPTIONS:
                o->runtime_options = arg;
                return 0;
        case OPT_FROM_JSON:
                o->from_json = arg;
                return 0;
        case OPT_LABEL:
        case OPT_UNLABEL:
                return push(&o->labels, &o->n_labels, sizeof *o->labels,
                            &(struct label_op){arg, c == OPT_UNLABEL}, err);
        case OPT_FIELD:
                return push(&o->fields, &o->n_fields, sizeof *o->fields, &arg, err);
        default:
                return tc_fail(err, TC_INTERNAL, "unhandled option");
        }
}

/* Reads the file a flag names ("-": stdin). A file the user names that cannot
 * be read is an invalid argument. */
static int read_input(const char *flag, const char *path, char **ret, size_t *ret_len,
                      struct tc_err **err)
{
        _cleanup_close_ int fd = -1;

        if (strcmp(path, "-") == 0) {
                if (read_all(STDIN_FILENO, RECORD_JSON_MAX, ret, ret_len, err) < 0)
                        return tc_wrap(err, "%s -", flag);
                return 0;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return tc_fail_sys(err, TC_INVALID_ARGUMENT, errno, "%s \"%s\"", flag, path);
        if (read_all(fd, RECORD_JSON_MAX, ret, ret_len, err) < 0) {
                if (*err)
                        (*err)->kind = TC_INVALID_ARGUMENT;
                return tc_wrap(err, "%s \"%s\"", flag, path);
        }
        return 0;
}

static int read_spec(struct record *r, const char *path, struct tc_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (read_input("--spec", path, &text, &len, err) < 0)
                return -1;
        if (record_set_spec(r, text, len, err) < 0)
                return tc_wrap(err, "--spec \"%s\"", path);
        return 0;
}

static int read_runtime_options(struct record *r, const char *path, struct tc_err **err)
{
        _cleanup_free_ char *text = NULL;
        struct record_any a;
        size_t len;
        int k;
        bool runc = false;

        if (read_input("--runtime-options", path, &text, &len, err) < 0)
                return -1;
        /* the runc shim's own options ({"binary_name": "crun"}), or a JSON Any */
        if (runc_options_any(text, len, &a, &runc, err) < 0 ||
            (!runc && record_any_from_json(text, len, "runtime.options", &a, err) < 0))
                return tc_wrap(err, "--runtime-options \"%s\"", path);
        k = record_set_runtime_options(r, &a, err);
        record_any_release(&a);
        return k;
}

/* The record in --from-json; its "id", when given, must be ID. */
static int read_from_json(const char *path, const char *id, struct record **ret,
                          struct tc_err **err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_(record_freep) struct record *r = NULL;
        size_t len;

        if (read_input("--from-json", path, &text, &len, err) < 0)
                return -1;
        if (record_from_json(text, len, &r, err) < 0)
                return tc_wrap(err, "--from-json \"%s\"", path);
        if (r->id && *r->id && strcmp(r->id, id) != 0)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--from-json \"%s\": the record's id \"%s\" is not \"%s\"", path,
                               r->id, id);
        if (record_set_string(&r->id, id, err) < 0)
                return -1;
        *ret = steal_ptr(r);
        return 0;
}

/* Splits "K=V"; the key is malloc'd, the value points into ARG. */
static int split_label(const char *arg, char **ret_key, const char **ret_value, struct tc_err **err)
{
        const char *eq = strchr(arg, '=');

        if (!eq)
                return tc_fail(err, TC_INVALID_ARGUMENT, "--label \"%s\": expected KEY=VALUE", arg);
        *ret_key = strndup(arg, (size_t) (eq - arg));
        if (!*ret_key)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        *ret_value = eq + 1;
        return 0;
}

static int set_labels(struct record *r, const struct edit_opts *o, struct tc_err **err)
{
        for (size_t i = 0; i < o->n_labels; i++) {
                _cleanup_free_ char *key = NULL;
                const char *value = NULL;

                if (o->labels[i].unset) {
                        (void) record_unset_label(r, o->labels[i].arg);
                        continue;
                }
                if (split_label(o->labels[i].arg, &key, &value, err) < 0 ||
                    record_set_label(r, key, value, err) < 0)
                        return -1;
        }
        return 0;
}

static const struct option create_opts[] = {
        {"spec", required_argument, NULL, OPT_SPEC},
        {"runtime", required_argument, NULL, OPT_RUNTIME},
        {"label", required_argument, NULL, OPT_LABEL},
        {"image", required_argument, NULL, OPT_IMAGE},
        {"snapshotter", required_argument, NULL, OPT_SNAPSHOTTER},
        {"snapshot-key", required_argument, NULL, OPT_SNAPSHOT_KEY},
        {"runtime-options", required_argument, NULL, OPT_RUNTIME_OPTIONS},
        {"from-json", required_argument, NULL, OPT_FROM_JSON},
        {0},
};

static const struct cli_cmd create_cmd = {
        .name = "containers create",
        .args = "ID (--spec FILE|- [OPTIONS] | --from-json FILE|-)",
        .summary = "Define the container record ID, validated as containerd does (exit 4 if it\n"
                   "exists). Prints nothing; with -o json the stored record.",
        .options =
                "      --spec FILE|-            the OCI runtime spec (JSON object), kept verbatim\n"
                "      --runtime NAME           runtime (default: the config's default_runtime,\n"
                "                               io.containerd.runc.v2)\n"
                "      --label K=V              a label; an empty value stores nothing\n"
                "      --image REF              image reference\n"
                "      --snapshotter NAME       snapshotter\n"
                "      --snapshot-key KEY       snapshot key (needs --snapshotter)\n"
                "      --runtime-options FILE   runtime.options as a JSON Any:\n"
                "                               {\"type_url\": \"...\", \"value\": \"<base64>\"}\n"
                "      --from-json FILE|-       the whole record as JSON (id, labels, image,\n"
                "                               runtime, spec, snapshotter, snapshot_key,\n"
                "                               extensions: as printed by get -o json); alone, not with the\n"
                "                               flags above. Its id, if any, must be ID;\n"
                "                               timestamps are ignored.\n",
        .longopts = create_opts,
        .min_args = 1,
        .max_args = 1,
};

bool containers_has_record_flags(const struct edit_opts *o)
{
        return o->spec || o->runtime || o->image || o->snapshotter || o->snapshot_key ||
               o->runtime_options || o->n_labels;
}

static int record_from_flags(struct cli_ctx *ctx, const struct edit_opts *o, const char *id,
                             struct record **ret, struct tc_err **err)
{
        _cleanup_(record_freep) struct record *r = record_new();

        if (!r)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (record_set_string(&r->id, id, err) < 0 ||
            record_set_string(&r->runtime_name, o->runtime ? o->runtime : ctx->cfg.default_runtime,
                              err) < 0 ||
            (o->spec && read_spec(r, o->spec, err) < 0) || set_labels(r, o, err) < 0 ||
            (o->image && record_set_string(&r->image, o->image, err) < 0) ||
            (o->snapshotter && record_set_string(&r->snapshotter, o->snapshotter, err) < 0) ||
            (o->snapshot_key && record_set_string(&r->snapshot_key, o->snapshot_key, err) < 0) ||
            (o->runtime_options && read_runtime_options(r, o->runtime_options, err) < 0))
                return -1;
        *ret = steal_ptr(r);
        return 0;
}

int containers_record_build(struct cli_ctx *ctx, const struct edit_opts *o, const char *id,
                        struct record **ret, struct tc_err **err)
{
        if (!o->from_json)
                return record_from_flags(ctx, o, id, ret, err);
        if (containers_has_record_flags(o))
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--from-json takes the whole record: it cannot be combined with "
                               "--spec, --runtime, --label, --image, --snapshotter, "
                               "--snapshot-key or --runtime-options");
        if (read_from_json(o->from_json, id, ret, err) < 0)
                return -1;
        /* an absent runtime is the default one; an explicitly empty one stays invalid */
        if (!(*ret)->runtime_name)
                return record_set_string(&(*ret)->runtime_name, ctx->cfg.default_runtime, err);
        return 0;
}

int cmd_containers_create(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        _cleanup_(edit_opts_release) struct edit_opts o = {0};
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(record_freep) struct record *rec = NULL;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &create_cmd, argc, argv, containers_record_opt, &o, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (ident_check(args[0], "container id", err) < 0)
                return -1;
        if (containers_record_build(ctx, &o, args[0], &rec, err) < 0)
                return tc_wrap(err, "containers create");
        /* validate before anything (ROOT itself included) is made on disk */
        if (record_validate(rec, err) < 0)
                return containers_wrap(ctx, args[0], err);
        if (containers_store(ctx, true, &s, err) < 0)
                return -1;
        if (store_create(s, rec, err) < 0)
                return containers_wrap(ctx, args[0], err);
        return output_is_json(ctx) && !ctx->quiet ? containers_print_one(ctx, rec, err) : 0;
}

static const struct option update_opts[] = {
        {"label", required_argument, NULL, OPT_LABEL},
        {"unlabel", required_argument, NULL, OPT_UNLABEL},
        {"image", required_argument, NULL, OPT_IMAGE},
        {"spec", required_argument, NULL, OPT_SPEC},
        {"snapshot-key", required_argument, NULL, OPT_SNAPSHOT_KEY},
        {"from-json", required_argument, NULL, OPT_FROM_JSON},
        {"field", required_argument, NULL, OPT_FIELD},
        {0},
};

static const struct cli_cmd update_cmd = {
        .name = "containers update",
        .args = "ID ([--label K=V]... [--unlabel K]... [OPTIONS] | --from-json FILE|- "
                "[--field PATH]...)",
        .summary = "Change fields of the container record ID with containerd's field mask\n"
                   "(containerStore.Update). Each flag names its field path; --from-json with\n"
                   "no --field replaces labels, spec, extensions, image and snapshot_key, and\n"
                   "its runtime.name and snapshotter must equal the stored ones (immutable).\n"
                   "created_at is kept, updated_at set to now; the result is validated before\n"
                   "it is written. Prints nothing; with -o json the stored record. ID may be\n"
                   "NS/ID: the record ID in namespace NS.",
        .options = "      --label K=V          set label K (path labels.K)\n"
                   "      --unlabel K          remove label K (path labels.K, no value)\n"
                   "      --image REF          path image\n"
                   "      --spec FILE|-        path spec\n"
                   "      --snapshot-key KEY   path snapshotkey\n"
                   "      --from-json FILE|-   the new values as a record in JSON (the shape\n"
                   "                           get -o json prints); not with the flags above\n"
                   "      --field PATH         with --from-json, update only PATH: labels,\n"
                   "                           labels.K, extensions, extensions.K, spec, image\n"
                   "                           or snapshotkey / snapshot_key (repeatable)\n",
        .longopts = update_opts,
        .min_args = 1,
        .max_args = 1,
};

/* The patch and field paths that the flags name, in order. */
static int patch_from_flags(const struct edit_opts *o, const char *id, struct record **ret,
                            char ***ret_paths, size_t *ret_n, struct tc_err **err)
{
        _cleanup_(record_freep) struct record *p = record_new();
        _cleanup_strv_ char **paths = calloc(o->n_labels + 4, sizeof(char *));
        size_t n = 0;

        if (!p || !paths || record_set_string(&p->id, id, err) < 0 || set_labels(p, o, err) < 0)
                return *err ? -1 : tc_fail(err, TC_INTERNAL, "out of memory");
        for (size_t i = 0; i < o->n_labels; i++) {
                const char *a = o->labels[i].arg, *eq = strchr(a, '=');
                int len = o->labels[i].unset || !eq ? (int) strlen(a) : (int) (eq - a);

                if (asprintf(&paths[n++], "labels.%.*s", len, a) < 0)
                        return tc_fail(err, TC_INTERNAL, "out of memory");
        }
        if ((o->image && (record_set_string(&p->image, o->image, err) < 0 ||
                          !(paths[n++] = strdup("image")))) ||
            (o->spec && (read_spec(p, o->spec, err) < 0 || !(paths[n++] = strdup("spec")))) ||
            (o->snapshot_key && (record_set_string(&p->snapshot_key, o->snapshot_key, err) < 0 ||
                                 !(paths[n++] = strdup("snapshotkey")))))
                return *err ? -1 : tc_fail(err, TC_INTERNAL, "out of memory");
        if (n == 0)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "nothing to update (give --label, --unlabel, --image, --spec, "
                               "--snapshot-key or --from-json)");
        *ret = steal_ptr(p);
        *ret_paths = steal_ptr(paths);
        *ret_n = n;
        return 0;
}

static int build_update(const struct edit_opts *o, const char *id, struct record **ret,
                        char ***ret_paths, size_t *ret_n, struct tc_err **err)
{
        char **paths;

        if (!o->from_json) {
                if (o->n_fields)
                        return tc_fail(err, TC_INVALID_ARGUMENT, "--field needs --from-json");
                return patch_from_flags(o, id, ret, ret_paths, ret_n, err);
        }
        if (o->spec || o->image || o->snapshot_key || o->n_labels)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--from-json cannot be combined with --label, --unlabel, --image, "
                               "--spec or --snapshot-key (use --field to pick its fields)");
        paths = calloc(o->n_fields + 1, sizeof(char *));
        if (!paths)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        for (size_t i = 0; i < o->n_fields; i++)
                if (!(paths[i] = strdup(o->fields[i]))) {
                        strvfreep(&paths);
                        return tc_fail(err, TC_INTERNAL, "out of memory");
                }
        if (read_from_json(o->from_json, id, ret, err) < 0) {
                strvfreep(&paths);
                return -1;
        }
        *ret_paths = paths;
        *ret_n = o->n_fields;
        return 0;
}

int cmd_containers_update(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        _cleanup_(edit_opts_release) struct edit_opts o = {0};
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(record_freep) struct record *patch = NULL, *res = NULL;
        _cleanup_strv_ char **paths = NULL;
        size_t npaths = 0;
        struct cli_ref ref;
        const char *id;
        char **args;
        int nargs, r;

        if ((r = cli_parse(ctx, &update_cmd, argc, argv, containers_record_opt, &o, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        if (cli_ref_parse(ctx, args[0], &ref, err) < 0)
                return -1;
        id = ref.id;
        if (build_update(&o, id, &patch, &paths, &npaths, err) < 0)
                return tc_wrap(err, "containers update");
        if (containers_open_existing(ctx, args[0], &ref, &id, &s, err) < 0)
                return -1;
        if (store_update(s, id, patch, (const char *const *) paths, npaths, &res, err) < 0)
                return containers_wrap(ctx, id, err);
        return output_is_json(ctx) && !ctx->quiet ? containers_print_one(ctx, res, err) : 0;
}
