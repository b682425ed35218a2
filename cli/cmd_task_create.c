/* SPDX-License-Identifier: Apache-2.0 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/containers.h"
#include "cli/interactive.h"
#include "cli/hint.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "core/base/json.h"
#include "store/record.h"
#include "store/store.h"

enum { OPT_ROOTFS = 0x200, OPT_STDIN, OPT_STDOUT, OPT_STDERR, OPT_TERMINAL, OPT_LOG_MAX };

static const struct option create_opts[] = {
        { "spec", required_argument, NULL, OPT_SPEC },
        { "runtime", required_argument, NULL, OPT_RUNTIME },
        { "label", required_argument, NULL, OPT_LABEL },
        { "image", required_argument, NULL, OPT_IMAGE },
        { "snapshotter", required_argument, NULL, OPT_SNAPSHOTTER },
        { "snapshot-key", required_argument, NULL, OPT_SNAPSHOT_KEY },
        { "runtime-options", required_argument, NULL, OPT_RUNTIME_OPTIONS },
        { "rootfs", required_argument, NULL, OPT_ROOTFS },
        { "stdin", required_argument, NULL, OPT_STDIN },
        { "stdout", required_argument, NULL, OPT_STDOUT },
        { "stderr", required_argument, NULL, OPT_STDERR },
        { "terminal", no_argument, NULL, 't' },
        { "tty", no_argument, NULL, 't' },
        { "interactive", no_argument, NULL, 'i' },
        { "log-max-size", required_argument, NULL, OPT_LOG_MAX },
        { 0 },
};

static const struct cli_cmd create_cmd = {
        .name = "create",
        .args = "ID [--spec FILE|- [--runtime NAME] [RECORD OPTIONS]] [--rootfs DIR]\n"
                "       [--stdin PATH] [--stdout PATH] [--stderr PATH] [-i] [-t]\n"
                "       [--log-max-size SIZE]",
        .summary =
                "Create a task (containerd's TaskManager.Create): write the bundle, start the\n"
                "shim binary, call its Create. With --spec the container record is created\n"
                "first (exit 4 if it exists); without, the existing record's spec and runtime\n"
                "are used (exit 3 if none). Any failure rolls back everything this call made.\n"
                "Prints the task: ID, PID, status created.",
        .options =
                "      --spec FILE|-            the OCI spec: also create the container record\n"
                "      --runtime NAME           with --spec: runtime name or absolute shim path\n"
                "      --label K=V, --image REF, --snapshotter NAME, --snapshot-key KEY\n"
                "                               with --spec: as in `containers create`\n"
                "      --runtime-options FILE   with --spec: runc shim options as JSON\n"
                "                               ({\"binary_name\": \"crun\", ...}) or a JSON Any\n"
                "      --rootfs DIR             bind-mounted (rbind) on the bundle's rootfs;\n"
                "                               the spec's root.path then becomes \"rootfs\"\n"
                "      --stdin PATH             a FIFO the container reads\n"
                "      --stdout PATH            file (created 0600) the container appends to\n"
                "      --stderr PATH            likewise; a stream not given goes to the\n"
                "                               task's log (`taskctl logs`)\n"
                "  -i, --interactive            a stdin FIFO that `attach` writes to\n"
                "  -t, --terminal, --tty        a pseudo-terminal (process.terminal)\n"
                "      --log-max-size SIZE      rotate the log at SIZE (default 1m; k, m, g)\n",
        .shortopts = "it",
        .longopts = create_opts,
        .min_args = 1,
        .max_args = 1,
};

struct create_args {
        struct edit_opts rec;
        const char *rootfs, *stdin_path, *stdout_path, *stderr_path;
        bool terminal, in;
        long long log_max;
};

static int on_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct create_args *a = st;

        switch (c) {
        case OPT_ROOTFS: a->rootfs = arg; return 0;
        case OPT_STDIN: a->stdin_path = arg; return 0;
        case OPT_STDOUT: a->stdout_path = arg; return 0;
        case OPT_STDERR: a->stderr_path = arg; return 0;
        case 't': a->terminal = true; return 0;
        case 'i': a->in = true; return 0;
        case OPT_LOG_MAX: return interactive_parse_size(arg, &a->log_max, err);
        default: return containers_record_opt(&a->rec, c, arg, err);
        }
}

/* The shim runs in the bundle: every path we hand it must be absolute. A
 * file that does not exist yet is made absolute through its directory. */
int tasks_absolute(const char *flag, const char *path, bool must_exist, char **ret,
                    struct tc_err **err)
{
        char buf[PATH_MAX];
        _cleanup_free_ char *dir = NULL;
        const char *slash;

        if (!path) {
                *ret = NULL;
                return 0;
        }
        if (realpath(path, buf)) {
                *ret = strdup(buf);
                return *ret ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
        }
        if (must_exist || errno != ENOENT)
                return tc_fail_sys(err, TC_INVALID_ARGUMENT, errno, "%s %s", flag, path);
        slash = strrchr(path, '/');
        dir = slash ? strndup(path, (size_t) (slash - path + (slash == path))) : strdup(".");
        if (!dir)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (!realpath(dir, buf))
                return tc_fail_sys(err, TC_INVALID_ARGUMENT, errno, "%s %s", flag, path);
        if (asprintf(ret, "%s/%s", strcmp(buf, "/") == 0 ? "" : buf, slash ? slash + 1 : path) < 0)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return 0;
}

static int print_created(struct cli_ctx *ctx, const struct task_info *t, struct tc_err **err)
{
        static const struct table_col cols[] = { { "ID", 24 }, { "PID", 8 }, { "STATUS", 0 } };
        char pid[16];
        const char *cells[] = { t->id, pid, t->status };

        if (ctx->quiet)
                return 0;
        if (output_is_json(ctx)) {
                _cleanup_json_ cJSON *o = tasks_info_json(t);

                return o ? output_json(o, err) : tc_fail(err, TC_INTERNAL, "out of memory");
        }
        (void) snprintf(pid, sizeof pid, "%u", t->pid);
        table_header(cols, ELEMENTSOF(cols));
        table_row(cols, ELEMENTSOF(cols), cells);
        return 0;
}

/* The runc shim's runtimes: a name io.containerd.runc.*, or a path to a
 * containerd-shim-runc-* binary. Other shims may treat root.path otherwise. */
static bool runc_runtime(const char *name)
{
        const char *base = name ? strrchr(name, '/') : NULL;

        if (!name)
                return false;
        if (strncmp(name, "io.containerd.runc.", 19) == 0)
                return true;
        return base && strncmp(base + 1, "containerd-shim-runc-", 21) == 0;
}

/* Whether STATE/tasks/NS/ID exists: the task does. */
static bool task_exists(struct cli_ctx *ctx, const char *id)
{
        char rel[2 * IDENT_MAX + 16];
        struct stat st;
        int state_fd;

        if (cli_state_fd(ctx, false, &state_fd, NULL) < 0)
                return false;
        (void) snprintf(rel, sizeof rel, "tasks/%s/%s", ctx->ns, id);
        return fstatat(state_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Without --rootfs, runc runs the container on the spec's root.path: a
 * relative one names the bundle's rootfs/, which taskctl makes empty, and a
 * missing absolute one cannot work either. Said here, before a shim starts,
 * rather than by runc's "exec: ...: executable file not found". REC is the
 * record create makes, or NULL: then the stored one (a missing one is
 * create's own not-found error later). */
static int check_root(struct cli_ctx *ctx, const struct record *rec, const char *id,
                      struct tc_err **err)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(record_freep) struct record *stored = NULL;
        _cleanup_json_ cJSON *spec = NULL;
        const char *root;
        struct stat st;

        /* an existing record (with --spec) or task is create's own exit 4 */
        if (containers_store(ctx, false, &s, NULL) < 0 || task_exists(ctx, id) ||
            (s && store_get(s, id, &stored, NULL) == 0 && rec))
                return 0;
        if (!rec && !stored)
                return 0;
        rec = rec ? rec : stored;
        if (!runc_runtime(rec->runtime_name) || !rec->spec || !(spec = cJSON_Parse(rec->spec)))
                return 0;
        root = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "root"), "path"));
        if (!root || (root[0] == '/' && stat(root, &st) == 0))
                return 0;
        cli_hint("pass --rootfs DIR: the container's root filesystem, bind-mounted on the bundle's "
                 "rootfs");
        if (root[0] != '/')
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "create: container \"%s\" in namespace \"%s\": the spec's root.path "
                               "\"%s\" is in the bundle, which has no root filesystem without --rootfs",
                               id, ctx->ns, root);
        return tc_fail(err, TC_INVALID_ARGUMENT,
                       "create: container \"%s\" in namespace \"%s\": the spec's root.path \"%s\" "
                       "does not exist",
                       id, ctx->ns, root);
}

static int build_record(struct cli_ctx *ctx, const struct create_args *a, const char *id,
                        struct record **ret, struct tc_err **err)
{
        *ret = NULL;
        if (!a->rec.spec) {
                if (containers_has_record_flags(&a->rec))
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "create: --runtime, --label, --image, --snapshotter, "
                                       "--snapshot-key and --runtime-options need --spec");
                return 0;
        }
        if (containers_record_build(ctx, &a->rec, id, ret, err) < 0)
                return tc_wrap(err, "create");
        if (record_validate(*ret, err) < 0)
                return tc_wrap(err, "container \"%s\" in namespace \"%s\"", id, ctx->ns);
        return 0;
}

int cmd_task_create(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct create_args a = { 0 };
        _cleanup_(record_freep) struct record *rec = NULL;
        _cleanup_free_ char *rootfs = NULL, *in = NULL, *out = NULL, *errp = NULL, *self = NULL;
        struct task_info t = { 0 };
        struct task_create_req req = { 0 };
        struct taskmgr m;
        char **args;
        int nargs, r;

        r = cli_parse(ctx, &create_cmd, argc, argv, on_opt, &a, &args, &nargs, err);
        if (r == 0 && (ident_check(args[0], "task id", err) < 0 ||
                       build_record(ctx, &a, args[0], &rec, err) < 0 ||
                       tasks_absolute("--rootfs", a.rootfs, true, &rootfs, err) < 0 ||
                       tasks_absolute("--stdin", a.stdin_path, true, &in, err) < 0 ||
                       tasks_absolute("--stdout", a.stdout_path, false, &out, err) < 0 ||
                       tasks_absolute("--stderr", a.stderr_path, false, &errp, err) < 0 ||
                       interactive_self_exe(&self, err) < 0))
                r = -1;
        if (r == 0 && a.in && a.stdin_path)
                r = tc_fail(err, TC_INVALID_ARGUMENT, "create: -i and --stdin do not go together");
        if (r == 0 && !rootfs && check_root(ctx, rec, args[0], err) < 0)
                r = -1;
        if (r == 0) {
                req = (struct task_create_req){ .id = args[0], .new_record = rec, .rootfs = rootfs,
                                                .stdin_path = in, .stdout_path = out,
                                                .stderr_path = errp, .terminal = a.terminal,
                                                .stdin_fifo = a.in || a.terminal,
                                                .log_max = a.log_max, .self_exe = self };
                r = tasks_mgr(ctx, &m, err) < 0 || taskmgr_create(&m, &req, &t, err) < 0 ? -1 : 0;
        }
        if (r == 0)
                r = print_created(ctx, &t, err);
        task_info_release(&t);
        edit_opts_release(&a.rec);
        return r < 0 ? -1 : 0;
}
