/* SPDX-License-Identifier: Apache-2.0 */
/* `taskctl exec ID -- CMD...`: another process in a running task (the
 * shim's Exec, Start, Wait, Delete for an exec id). Its stdio are FIFOs in
 * the bundle that this foreground command owns (exec-EXECID.{stdin,stdout,
 * stderr}), removed when it ends; `exec -d` discards the output. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/interactive.h"
#include "cli/ref.h"
#include "cli/tasks.h"
#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "core/base/json.h"

/* closes *FD if open and marks it closed */
static void fd_close(int *fd)
{
        if (*fd >= 0)
                (void) close(*fd);
        *fd = -1;
}

enum { OPT_USER = 0x200, OPT_CWD, OPT_ENV, OPT_EXEC_ID };

static const struct option exec_opts[] = {
        { "detach", no_argument, NULL, 'd' },
        { "interactive", no_argument, NULL, 'i' },
        { "tty", no_argument, NULL, 't' },
        { "terminal", no_argument, NULL, 't' },
        { "user", required_argument, NULL, OPT_USER },
        { "cwd", required_argument, NULL, OPT_CWD },
        { "env", required_argument, NULL, OPT_ENV },
        { "exec-id", required_argument, NULL, OPT_EXEC_ID },
        { 0 },
};

static const struct cli_cmd exec_cmd = {
        .name = "exec",
        .args = "[-d] [-i] [-t] [--user UID[:GID]] [--cwd DIR] [--env K=V]... [--exec-id NAME]\n"
                "       ID -- CMD [ARG]...",
        .summary = "Run another process in a running task, with the task's process spec\n"
                   "changed by the options; stream its output, forward stdin (-i) and signals,\n"
                   "exit with its exit status (128+N for signal N).",
        .options = "  -d, --detach          return once it has started (its output is discarded)\n"
                   "  -i, --interactive     our stdin goes to it (EOF closes its stdin)\n"
                   "  -t, --tty             a pseudo-terminal (detach keys: ctrl-p ctrl-q)\n"
                   "      --user UID[:GID]  run as this numeric user (and group)\n"
                   "      --cwd DIR         working directory inside the task\n"
                   "      --env K=V         add or replace an environment variable (repeatable)\n"
                   "      --exec-id NAME    the exec id (default: exec-PID of this command)\n",
        .shortopts = "dit",
        .longopts = exec_opts,
        .min_args = 2,
        .max_args = -1,
};

struct exec_args {
        bool detach, in, tty;
        const char *user, *cwd, *exec_id;
        const char *env[64];
        size_t n_env;
};

static int on_opt(void *st, int c, const char *arg, struct tc_err **err)
{
        struct exec_args *a = st;

        switch (c) {
        case 'd': a->detach = true; return 0;
        case 'i': a->in = true; return 0;
        case 't': a->tty = true; return 0;
        case OPT_USER: a->user = arg; return 0;
        case OPT_CWD: a->cwd = arg; return 0;
        case OPT_EXEC_ID: a->exec_id = arg; return 0;
        case OPT_ENV:
                if (!strchr(arg, '=') || arg[0] == '=')
                        return tc_fail(err, TC_INVALID_ARGUMENT, "--env \"%s\": expected K=V", arg);
                if (a->n_env == ELEMENTSOF(a->env))
                        return tc_fail(err, TC_INVALID_ARGUMENT, "--env: too many");
                a->env[a->n_env++] = arg;
                return 0;
        default: return tc_fail(err, TC_INTERNAL, "unhandled option");
        }
}

static int set_user(cJSON *proc, const char *spec, struct tc_err **err)
{
        const char *bad = NULL, *colon = strchr(spec, ':');
        _cleanup_free_ char *uid_s = strndup(spec, colon ? (size_t) (colon - spec) : strlen(spec));
        long long uid, gid = 0;
        cJSON *user = cJSON_CreateObject();

        uid = uid_s ? strtonum(uid_s, 0, UINT32_MAX - 1, &bad) : -1;
        if (!bad && colon)
                gid = strtonum(colon + 1, 0, UINT32_MAX - 1, &bad);
        if (bad || uid < 0 || !user) {
                cJSON_Delete(user);
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--user \"%s\": expected a numeric UID[:GID]", spec);
        }
        cJSON_AddNumberToObject(user, "uid", (double) uid);
        cJSON_AddNumberToObject(user, "gid", (double) gid);
        cJSON_DeleteItemFromObject(proc, "user");
        cJSON_AddItemToObject(proc, "user", user);
        return 0;
}

static void set_env(cJSON *proc, const char *kv)
{
        cJSON *env = cJSON_GetObjectItem(proc, "env"), *e;
        size_t klen = (size_t) (strchr(kv, '=') - kv) + 1;
        int i = 0;

        if (!cJSON_IsArray(env)) {
                cJSON_DeleteItemFromObject(proc, "env");
                env = cJSON_AddArrayToObject(proc, "env");
        }
        cJSON_ArrayForEach(e, env) {
                if (cJSON_IsString(e) && strncmp(e->valuestring, kv, klen) == 0) {
                        cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
                        return;
                }
                i++;
        }
        cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

/* The task's process with our changes, as the Exec request's spec. */
static int exec_process(const struct taskmgr_io *io, const struct exec_args *a, char **cmd,
                        char **ret, struct tc_err **err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ cJSON *proc = NULL;
        cJSON *args;

        if (taskmgr_io_process(io, &text, err) < 0 || !(proc = cJSON_Parse(text)))
                return tc_fail(err, TC_INTERNAL, "the task's process spec does not parse");
        cJSON_DeleteItemFromObject(proc, "args");
        args = cJSON_AddArrayToObject(proc, "args");
        for (size_t i = 0; cmd[i]; i++)
                cJSON_AddItemToArray(args, cJSON_CreateString(cmd[i]));
        cJSON_DeleteItemFromObject(proc, "terminal");
        cJSON_AddBoolToObject(proc, "terminal", a->tty);
        if (a->user && set_user(proc, a->user, err) < 0)
                return -1;
        if (a->cwd) {
                cJSON_DeleteItemFromObject(proc, "cwd");
                cJSON_AddStringToObject(proc, "cwd", a->cwd);
        }
        for (size_t i = 0; i < a->n_env; i++)
                set_env(proc, a->env[i]);
        *ret = cJSON_PrintUnformatted(proc);
        return *ret ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
}

/* The exec's FIFOs in the bundle, read ends opened before Exec. */
struct fifos {
        int dir_fd;
        char names[3][IDENT_BUF + 16];
        char *paths[3];
        int rd[2];
};

static void fifos_release(struct fifos *f)
{
        for (int i = 0; i < 3; i++) {
                if (f->paths[i])
                        (void) unlinkat(f->dir_fd, f->names[i], 0);
                free(f->paths[i]);
                f->paths[i] = NULL;
        }
        fd_close(&f->rd[0]);
        fd_close(&f->rd[1]);
}

static int fifos_make(struct fifos *f, const struct taskmgr_io *io, const char *exec_id,
                      bool in, bool tty, struct tc_err **err)
{
        static const char *const suffix[3] = { "stdin", "stdout", "stderr" };

        f->dir_fd = io->b->fd;
        for (int i = 0; i < 3; i++) {
                if ((i == 0 && !in) || (i == 2 && tty))
                        continue;
                (void) snprintf(f->names[i], sizeof f->names[i], "exec-%s.%s", exec_id, suffix[i]);
                if (mkfifoat(f->dir_fd, f->names[i], 0600) < 0)
                        return tc_fail_sys(err, errno == EEXIST ? TC_ALREADY_EXISTS : TC_INTERNAL,
                                           errno, "exec id \"%s\": mkfifo %s", exec_id, f->names[i]);
                if (asprintf(&f->paths[i], "%s/%s", io->b->path, f->names[i]) < 0)
                        return tc_fail(err, TC_INTERNAL, "out of memory");
                if (i > 0 && (f->rd[i - 1] = openat(f->dir_fd, f->names[i],
                                                   O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", f->names[i]);
        }
        return 0;
}

static int exec_run(struct cli_ctx *ctx, struct taskmgr_io *io, const struct exec_args *a,
                    const char *exec_id, const char *proc, struct tc_err **err)
{
        struct fifos f = { .rd = { -1, -1 } };
        struct session s = { .io = io, .tty = a->tty, .in_fd = -1 };
        struct taskapi_exec_req req = { .id = io->b->id, .exec_id = exec_id, .terminal = a->tty,
                                        .process_json = proc };
        uint32_t pid, status = 0;
        int r = 0;

        if (!a->detach)
                r = fifos_make(&f, io, exec_id, a->in || a->tty, a->tty, err);
        req.stdin_path = f.paths[0];
        req.stdout_path = f.paths[1];
        req.stderr_path = f.paths[2];
        if (r == 0)
                r = taskmgr_io_exec(io, exec_id, &req, &pid, err);
        if (r == 0 && !a->detach) {
                if (f.paths[0])
                        s.in_fd = session_open_stdin(f.dir_fd, f.names[0]);
                s.forward_in = s.in_fd >= 0;
                s.out_fds[0] = f.rd[0], s.out_fds[1] = f.rd[1];
                f.rd[0] = f.rd[1] = -1;
                r = session_run(&s, &status, err);
                if (s.in_fd >= 0)
                        (void) close(s.in_fd);
                fd_close(&s.out_fds[0]);
                fd_close(&s.out_fds[1]);
                if (!s.detached)
                        (void) taskmgr_io_exec_delete(io, NULL);
                if (r == 0 && !s.detached)
                        ctx->status = status > 255 ? 255 : (int) status;
                if (s.detached)
                        fprintf(stderr, "taskctl: detached from exec \"%s\": it goes on\n", exec_id);
        }
        fifos_release(&f);
        return r;
}

int cmd_exec(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        struct exec_args a = { 0 };
        _cleanup_free_ char *proc = NULL;
        char exec_id[IDENT_BUF];
        struct cli_ref ref;
        struct taskmgr_io io;
        struct taskmgr m;
        char **args;
        int nargs, r;

        r = cli_parse(ctx, &exec_cmd, argc, argv, on_opt, &a, &args, &nargs, err);
        if (r != 0)
                return r < 0 ? -1 : 0;
        if (a.detach && (a.in || a.tty))
                return tc_fail(err, TC_INVALID_ARGUMENT, "exec: -d does not go with -i or -t");
        if (a.exec_id && ident_check(a.exec_id, "exec id", err) < 0)
                return -1;
        (void) snprintf(exec_id, sizeof exec_id, "%s", a.exec_id ? a.exec_id : "");
        if (!a.exec_id)
                (void) snprintf(exec_id, sizeof exec_id, "exec-%d", (int) getpid());
        ctx->ref_what = "task id";
        if (cli_ref_parse(ctx, args[0], &ref, err) < 0 || tasks_mgr(ctx, &m, err) < 0)
                return -1;
        m.ns = ref.ns;
        if (taskmgr_io_open(&m, ref.ns, ref.id, &io, err) < 0)
                return -1;
        r = exec_process(&io, &a, args + 1, &proc, err);
        if (r == 0)
                r = exec_run(ctx, &io, &a, exec_id, proc, err);
        taskmgr_io_close(&io);
        return r;
}
