/* SPDX-License-Identifier: Apache-2.0 */
/* containerd's runtime v2 TaskManager, one call per process: create (bundle,
 * shim start, Connect, Create, with rollback), start, get, kill, wait, delete. */
#include "core/taskmgr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/json.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"
#include "core/binding.h"
#include "core/events.h"
#include "core/exitmark.h"
#include "core/logfile.h"
#include "core/shim.h"
#include "core/shimconn.h"
#include "core/taskio.h"
#include "core/taskapi.h"
#include "core/tasklock.h"
#include "store/record.h"
#include "store/spec_text.h"
#include "store/store.h"

static int fail_task(struct tc_err **err, const char *ns, const char *id)
{
        return tc_wrap(err, "task \"%s\" in namespace \"%s\"", id, ns);
}

void task_info_release(struct task_info *t)
{
        free(t->id);
        free(t->ns);
        free(t->bundle);
        free(t->runtime);
        free(t->stdin_path);
        free(t->stdout_path);
        free(t->stderr_path);
        free(t->address);
        free(t->error);
        memset(t, 0, sizeof *t);
}

static void append_task_event(const struct taskmgr *m, const char *ns, const char *topic,
                         const char *id, uint32_t pid, const struct task_exit *ex,
                         const char *detail)
{
        struct event ev = { .ns = ns, .topic = topic, .id = id, .pid = pid, .detail = detail };
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        if (ex) {
                ev.exit_known = ex->known;
                ev.exit_status = ex->status;
        }
        /* the operation itself succeeded: a failed log write is a warning */
        if (events_append(m->roots.root_fd, &ev, m->timeout, &e) < 0)
                log_warn("%s", e->msg);
}

/* The first command that observes an exit records it (core/exitmark.h). */
static void note_exit(const struct taskmgr *m, const struct bundle *b, uint32_t pid,
                      const struct taskapi_exit *ex, const char *detail)
{
        exitmark_note(m->roots.root_fd, b, pid, ex, detail, m->timeout);
}

bool taskmgr_exists(const struct taskmgr *m, const char *id)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;

        return ident_valid(id) && bundle_load(&m->roots, m->ns, id, &b, NULL) == 0;
}

/* ---- create ---------------------------------------------------------------- */

struct creating {
        const struct taskmgr *m;
        const struct task_create_req *req;
        const struct record *rec;
        struct bundle *b;
        struct shimconn sc;
        char *binary;
        bool started;
        bool made_stdio[3];
        struct taskio_paths fifos; /* the bundle's FIFOs (core/taskio.h) */
        int held_fifo[3]; /* our writer on a --stdout/--stderr FIFO, kept until the
                           * shim has its own: closing it at once would give the
                           * reader EOF before the container writes; -1: none */
};

/* --rootfs: the shim mounts it on BUNDLE/rootfs, so the spec must point there. */
/* What spec_set does when the spec has no member OBJ. */
enum spec_missing { SPEC_SKIP, SPEC_ADD, SPEC_FAIL };

/* *SPEC with OBJ.NAME set to VALUE (JSON text; kept as it is when KEEP), by
 * text edits: the rest of the spec keeps its bytes (docs/layout.md). OBJ
 * present but not an object: skipped (SPEC_SKIP) or the error WHAT. */
static int spec_set(char **spec, const char *obj, const char *name, const char *value, bool keep,
                    enum spec_missing missing, const char *what, struct tc_err **err)
{
        _cleanup_free_ char *inner = NULL;
        char *out = NULL;
        const char *vs;
        size_t n;
        int r;

        if (!spec_text_member(*spec, strlen(*spec), obj, &vs, &n)) {
                if (missing == SPEC_SKIP)
                        return 0;
                if (missing == SPEC_FAIL)
                        return tc_fail(err, TC_INVALID_ARGUMENT, "%s", what);
                r = asprintf(&inner, "{\"%s\":%s}", name, value) < 0 ? -2 : 0;
        } else {
                r = spec_text_with_member(vs, n, name, value, keep, &inner);
        }
        if (r == -1)
                return missing == SPEC_SKIP ? 0 : tc_fail(err, TC_INVALID_ARGUMENT, "%s", what);
        if (r < 0 || spec_text_with_member(*spec, strlen(*spec), obj, inner, false, &out) < 0)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        free(*spec);
        *spec = out;
        return 0;
}

/* The bundle's config.json: the record's spec with what the task needs set
 * in it, edited as text (reprinted by cJSON, a 64-bit number such as
 * 9223372036854775807 would come out as a double that runc refuses). */
static int write_task_spec(const struct creating *c, char **ret, struct tc_err **err)
{
        _cleanup_free_ char *spec = strdup(c->rec->spec);
        char path[2 * IDENT_BUF + 8];

        if (!spec)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (spec[strspn(spec, " \t\r\n")] != '{')
                return tc_fail(err, TC_INVALID_ARGUMENT, "the container's spec is not a JSON object");
        /* as containerd's default spec: a container's cgroup is /NS/ID, so that the
         * same ID in two namespaces never shares one (runc's default is /ID);
         * NS and ID are identifiers, nothing in them needs escaping */
        (void) snprintf(path, sizeof path, "\"/%s/%s\"", c->m->ns, c->req->id);
        if (spec_set(&spec, "linux", "cgroupsPath", path, true, SPEC_SKIP, NULL, err) < 0)
                return -1;
        if (c->req->terminal &&
            spec_set(&spec, "process", "terminal", "true", false, SPEC_FAIL,
                     "spec: --terminal needs a \"process\" object", err) < 0)
                return -1;
        if (c->req->rootfs && spec_set(&spec, "root", "path", "\"rootfs\"", false, SPEC_ADD,
                                       "spec: \"root\" is not an object", err) < 0)
                return -1;
        *ret = steal_ptr(spec);
        return 0;
}

/* The container appends to --stdout/--stderr: create them 0600 when missing. */
static int open_stdio(struct creating *c, struct tc_err **err)
{
        const char *paths[3] = { NULL, c->req->stdout_path, c->req->stderr_path };

        if (c->req->stdin_path && access(c->req->stdin_path, R_OK) < 0)
                return tc_fail_sys(err, TC_INVALID_ARGUMENT, errno, "--stdin %s",
                                   c->req->stdin_path);
        for (int i = 1; i < 3; i++) {
                struct stat st;
                int fd;

                if (!paths[i])
                        continue;
                fd = open(paths[i], O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd >= 0)
                        c->made_stdio[i] = true;
                else if (errno == EEXIST) /* O_NONBLOCK: a FIFO must not hang us here */
                        fd = open(paths[i], O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
                if (fd < 0 && errno == ENXIO)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "%s %s: a FIFO with no reader (open it for reading "
                                       "before create, or name a file)",
                                       i == 1 ? "--stdout" : "--stderr", paths[i]);
                if (fd < 0)
                        return tc_fail_sys(err, TC_INVALID_ARGUMENT, errno, "%s %s",
                                           i == 1 ? "--stdout" : "--stderr", paths[i]);
                if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
                        c->held_fifo[i] = fd;
                else
                        (void) close(fd);
        }
        return 0;
}

static bool is_runc_shim(const char *binary)
{
        const char *base = strrchr(binary, '/');

        return strcmp(base ? base + 1 : binary, "containerd-shim-runc-v2") == 0;
}

/* The runtime options for `start` and Create, as an encoded Any. For the runc
 * shim, runc's state goes under STATE/runc unless the options name a root:
 * with runc's default (/run/containerd/runc/NS) two taskctl roots, or taskctl
 * and containerd, would share container IDs, and the rollback of a create that
 * collided would `runc delete --force` the other's container. */
static int encode_options(const struct creating *c, uint8_t **ret, size_t *ret_len,
                          struct tc_err **err)
{
        const struct record_any *o = c->rec->runtime_options;
        _cleanup_free_ char *root = NULL;
        _cleanup_free_ uint8_t *value = NULL;
        size_t len = 0;
        bool runc_type = o && o->type_url && strcmp(o->type_url, TASKAPI_RUNC_OPTIONS_TYPE) == 0;

        *ret = NULL;
        *ret_len = 0;
        if (!runc_type && !(!o && is_runc_shim(c->binary))) {
                if (!o || !o->type_url || !*o->type_url)
                        return 0;
                return taskapi_encode_any(o->type_url, o->value, o->value_len, ret, ret_len, err);
        }
        if (asprintf(&root, "%s/runc", c->m->roots.state_path) < 0)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (taskapi_runc_options_default_root(o ? o->value : NULL, o ? o->value_len : 0, root,
                                              &value, &len, err) < 0)
                return -1;
        return taskapi_encode_any(TASKAPI_RUNC_OPTIONS_TYPE, value, len, ret, ret_len, err);
}

static int create_in_shim(struct creating *c, struct task_info *ret, struct tc_err **err)
{
        static const char *const bind_opts[] = { "rbind", "rw", NULL };
        const struct task_create_req *q = c->req;
        struct taskapi_mount mnt = { "bind", q->rootfs, bind_opts };
        struct taskapi_create_req cr = {
                .id = q->id,
                .bundle = c->b->path,
                .rootfs = q->rootfs ? &mnt : NULL,
                .n_rootfs = q->rootfs ? 1 : 0,
                .terminal = q->terminal,
                .stdin_path = q->stdin_path ? q->stdin_path : c->fifos.in,
                .stdout_path = q->stdout_path ? q->stdout_path : c->fifos.out,
                .stderr_path = q->stderr_path ? q->stderr_path : c->fifos.err,
        };
        _cleanup_free_ uint8_t *opts = NULL;
        size_t opts_len = 0;
        uint32_t pid = 0;

        if (encode_options(c, &opts, &opts_len, err) < 0)
                return tc_wrap(err, "runtime options");
        cr.options_any = opts;
        cr.options_any_len = opts_len;
        /* set before `start` runs: it may spawn the daemon and still fail
         * (garbage on stdout, killed at the deadline, our write of the
         * bootstrap failing), and the rollback must tear that daemon down */
        c->started = true;
        if (shimconn_start(&c->sc, c->b, c->binary, opts, opts_len, c->m->timeout, err) < 0)
                return -1;
        if (shimconn_connect(&c->sc, c->b, c->m->timeout, err) < 0)
                return -1;
        if (taskapi_create(&c->sc.api, &cr, timefmt_mono() + c->m->timeout, &pid, err) < 0) {
                /* a Create that timed out holds the shim's lock: it would let the
                 * rollback's Delete and Shutdown time out too (docs/shim-protocol.md, Hangs) */
                c->sc.hung = (*err)->kind == TC_DEADLINE_EXCEEDED;
                return tc_wrap(err, "shim create");
        }
        ret->pid = pid;
        return 0;
}

/* As TaskManager.Create's deferred cleanup: Delete, Shutdown, the delete
 * action for what runc may have left, then the bundle and work dir. Each step
 * on its own short bound, whatever the deadline that made us fail. */
static void create_rollback(struct creating *c)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        if (c->started)
                shimconn_teardown(&c->sc, c->b, c->binary, false, &TEARDOWN_BOUNDS_SHUTDOWN);
        if (c->b)
                taskio_release(c->b, BOUND_LOG_HELPER);
        if (c->b && bundle_delete(c->b, &e) < 0)
                log_warn("rollback: %s", e->msg);
        if (c->made_stdio[1])
                (void) unlink(c->req->stdout_path);
        if (c->made_stdio[2])
                (void) unlink(c->req->stderr_path);
}

static int create_locked(const struct taskmgr *m, const struct task_create_req *req,
                         const struct record *rec, struct task_info *ret, struct tc_err **err)
{
        struct creating c = { .m = m, .req = req, .rec = rec, .held_fifo = { -1, -1, -1 } };
        _cleanup_free_ char *spec = NULL;
        int r = -1;

        shimconn_init(&c.sc, &m->roots, m->ns, req->id);
        c.sc.locked = true;
        if (shim_resolve_binary(rec->runtime_name, &c.binary, err) < 0 ||
            write_task_spec(&c, &spec, err) < 0 || open_stdio(&c, err) < 0)
                goto out;
        /* load and cleanup trust this pair only once it is recorded */
        if (binding_record(&m->roots, m->timeout, err) < 0)
                goto out;
        if (bundle_new(&m->roots, m->ns, req->id, spec, strlen(spec), &c.b, err) < 0)
                goto out;
        if (taskio_prepare(c.b, &(struct taskio_plan){
                                  .in = req->stdin_fifo && !req->stdin_path,
                                  .log_out = !req->stdout_path,
                                  .log_err = !req->stderr_path && !req->terminal,
                                  .log_max = req->log_max > 0 ? req->log_max : LOGFILE_DEFAULT_MAX,
                                  .self = req->self_exe },
                          &c.fifos, err) < 0)
                goto out;
        if (create_in_shim(&c, ret, err) < 0)
                goto out;
        ret->status = "created";
        ret->shim_pid = c.sc.shim_pid;
        if (!(ret->id = strdup(req->id)) || !(ret->ns = strdup(m->ns)) ||
            !(ret->bundle = strdup(c.b->path)) || !(ret->runtime = strdup(rec->runtime_name)))
                goto out_oom;
        r = 0;
        append_task_event(m, m->ns, EVENT_TASK_CREATE, req->id, ret->pid, NULL, NULL);
        goto out;
out_oom:
        tc_fail(err, TC_INTERNAL, "out of memory");
out:
        if (r < 0) {
                create_rollback(&c);
                task_info_release(ret);
        }
        for (int i = 1; i < 3; i++)
                if (c.held_fifo[i] >= 0)
                        (void) close(c.held_fifo[i]);
        shimconn_release(&c.sc);
        taskio_paths_release(&c.fifos);
        bundle_free(c.b);
        free(c.binary);
        return r;
}

int taskmgr_create(const struct taskmgr *m, const struct task_create_req *req,
                   struct task_info *ret, struct tc_err **err)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(record_freep) struct record *rec = NULL;
        struct tasklock lock = TASKLOCK_NONE;
        bool made_record = false;
        int r;

        memset(ret, 0, sizeof *ret);
        if (ident_check(req->id, "task id", err) < 0)
                return -1;
        if (store_open(m->roots.root_fd, m->ns, true, m->timeout, &s, err) < 0)
                return -1;
        if (req->new_record) {
                if (store_create(s, req->new_record, err) < 0)
                        return tc_wrap(err, "container \"%s\" in namespace \"%s\"", req->id, m->ns);
                made_record = true;
        }
        if (store_get(s, req->id, &rec, err) < 0)
                return tc_wrap(err, "container \"%s\" in namespace \"%s\"", req->id, m->ns);
        r = tasklock_take(m->roots.root_fd, m->ns, req->id, m->timeout, &lock, NULL, err);
        if (r == 0 && taskmgr_exists(m, req->id))
                r = tc_fail(err, TC_ALREADY_EXISTS, "already exists");
        if (r == 0)
                r = create_locked(m, req, rec, ret, err);
        if (r < 0 && made_record) {
                _cleanup_(tc_err_freep) struct tc_err *e = NULL;

                if (store_delete(s, req->id, &e) < 0)
                        log_warn("rollback: %s", e->msg);
        }
        /* a failed create leaves no work dir: remove the one the lock made */
        tasklock_release_unused(&lock, r == 0 || taskmgr_exists(m, req->id));
        return r < 0 ? fail_task(err, m->ns, req->id) : 0;
}

/* ---- operations on an existing task ------------------------------------------ */

/* Opens the bundle and connects to its shim. */
static int open_task(const struct taskmgr *m, const char *ns, const char *id,
                     struct bundle **ret_b, struct shimconn *sc, struct tc_err **err)
{
        if (ident_check(id, "task id", err) < 0)
                return -1;
        if (bundle_load(&m->roots, ns, id, ret_b, err) < 0)
                return -1;
        shimconn_init(sc, &m->roots, ns, id);
        return shimconn_connect(sc, *ret_b, m->timeout, err);
}

/* The real shim answers Start of a running or stopped task with code Unknown
 * ("cannot start a running process"): ask the state, and call it what it is,
 * a failed precondition (exit 5), as delete does for a running task. */
static int start_failed(const struct taskmgr *m, struct shimconn *sc, const char *id,
                        struct tc_err **err)
{
        struct taskapi_state st = { 0 };
        enum taskapi_status status;
        int r;

        if ((*err)->kind != TC_INTERNAL)
                return -1;
        r = taskapi_state(&sc->api, id, timefmt_mono() + m->timeout, &st, NULL);
        status = st.status;
        taskapi_state_release(&st);
        if (r < 0 || status == TASKAPI_STATUS_CREATED)
                return -1;
        return tc_fail(err, TC_FAILED_PRECONDITION, "task is %s: only a created task can be started",
                       taskapi_status_name(status));
}

int taskmgr_start(const struct taskmgr *m, const char *id, uint32_t *ret_pid, struct tc_err **err)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        struct tasklock lock = TASKLOCK_NONE;
        struct shimconn sc = { 0 };
        int r;

        shimconn_init(&sc, &m->roots, m->ns, id);
        r = tasklock_take(m->roots.root_fd, m->ns, id, m->timeout, &lock, NULL, err);
        if (r == 0)
                r = open_task(m, m->ns, id, &b, &sc, err);
        if (r == 0 && taskapi_start(&sc.api, id, timefmt_mono() + m->timeout, ret_pid, err) < 0)
                r = start_failed(m, &sc, id, err);
        if (r == 0)
                append_task_event(m, m->ns, EVENT_TASK_START, id, *ret_pid, NULL, NULL);
        shimconn_release(&sc);
        /* a missing task: remove the work dir that taking the lock made */
        tasklock_release_unused(&lock, r == 0 || taskmgr_exists(m, id));
        return r < 0 ? fail_task(err, m->ns, id) : 0;
}

static int dup_str(char **dst, const char *s)
{
        return (*dst = strdup(s ? s : "")) ? 0 : -1;
}

/* The runtime name: the container record's, else the shim binary's path. */
static char *task_runtime(const struct taskmgr *m, const char *ns, const struct bundle *b)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(record_freep) struct record *rec = NULL;
        char *path = NULL;

        if (store_open(m->roots.root_fd, ns, false, m->timeout, &s, NULL) == 0 &&
            store_get(s, b->id, &rec, NULL) == 0 && rec->runtime_name)
                return strdup(rec->runtime_name);
        if (shim_read_binary_path(b->fd, &path, NULL) == 0)
                return path;
        return strdup("");
}

static int fill_state(struct task_info *t, const struct taskapi_state *st)
{
        t->pid = st->pid;
        t->status = taskapi_status_name(st->status);
        t->exited = st->exit.exited;
        t->exit_status = st->exit.status;
        if (st->exit.exited)
                timefmt_rfc3339(&st->exit.at, t->exited_at);
        return dup_str(&t->stdin_path, st->stdin_path) | dup_str(&t->stdout_path, st->stdout_path) |
               dup_str(&t->stderr_path, st->stderr_path);
}

/* task_info_load in two halves, so that list can have many shims asked at
 * once on one thread: what we know without the shim and State sent, then its
 * reply. */
struct info_call {
        struct bundle *b;
        struct shimconn sc;
        uint32_t stream;
        double deadline, span; /* of the State call; span: the timeout it had */
};

static void info_call_release(struct info_call *ic)
{
        shimconn_release(&ic->sc);
        bundle_freep(&ic->b);
}

static int task_info_begin(const struct taskmgr *m, const char *ns, const char *id,
                           struct task_info *t, struct info_call *ic, struct tc_err **err)
{
        int pid = 0, r;

        memset(t, 0, sizeof *t);
        t->status = "unknown";
        if (dup_str(&t->id, id) < 0 || dup_str(&t->ns, ns) < 0)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (bundle_load(&m->roots, ns, id, &ic->b, err) < 0)
                return -1;
        if (dup_str(&t->bundle, ic->b->path) < 0 || !(t->runtime = task_runtime(m, ns, ic->b)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (bundle_read_shim_pid(ic->b, &pid, NULL) == 0)
                t->shim_pid = (uint32_t) pid;
        shimconn_init(&ic->sc, &m->roots, ns, id);
        /* State answers for the shim: a Connect first would only double the calls */
        r = shimconn_dial(&ic->sc, ic->b, m->timeout, err);
        if (ic->sc.boot.address)
                (void) dup_str(&t->address, ic->sc.boot.address);
        if (r < 0)
                return -1;
        ic->span = m->timeout;
        ic->deadline = timefmt_mono() + m->timeout;
        return taskapi_state_send(&ic->sc.api, id, ic->deadline, &ic->stream, err);
}

static int task_info_end(const struct taskmgr *m, struct task_info *t, struct info_call *ic,
                         struct tc_err **err)
{
        struct taskapi_state st = { 0 };
        int r = taskapi_state_recv(&ic->sc.api, ic->stream, ic->deadline, ic->span, &st, err);

        if (r == 0 && fill_state(t, &st) < 0)
                r = tc_fail(err, TC_INTERNAL, "out of memory");
        if (r == 0 && st.status == TASKAPI_STATUS_STOPPED && st.exit.exited)
                note_exit(m, ic->b, st.pid, &st.exit, NULL);
        taskapi_state_release(&st);
        return r;
}

/* Everything we know without the shim, then what the shim says. */
static int task_info_load(const struct taskmgr *m, const char *ns, const char *id,
                          struct task_info *t, struct tc_err **err)
{
        struct info_call ic = { 0 };
        int r = task_info_begin(m, ns, id, t, &ic, err);

        if (r == 0)
                r = task_info_end(m, t, &ic, err);
        info_call_release(&ic);
        return r;
}

int taskmgr_get(const struct taskmgr *m, const char *id, struct task_info *ret,
                struct tc_err **err)
{
        if (ident_check(id, "task id", err) < 0 || task_info_load(m, m->ns, id, ret, err) < 0) {
                task_info_release(ret);
                return fail_task(err, m->ns, id);
        }
        return 0;
}

int taskmgr_kill(const struct taskmgr *m, const char *id, int signal, bool all,
                 struct tc_err **err)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        struct shimconn sc = { 0 };
        int r;

        shimconn_init(&sc, &m->roots, m->ns, id);
        r = open_task(m, m->ns, id, &b, &sc, err);
        if (r == 0)
                r = taskapi_kill(&sc.api, id, (uint32_t) signal, all, timefmt_mono() + m->timeout,
                                 err);
        if (r < 0 && b && sc.conn && (*err)->kind == TC_NOT_FOUND) {
                struct taskapi_state st = { 0 };

                /* "process already finished": an exit to record if nobody has */
                if (taskapi_state(&sc.api, id, timefmt_mono() + m->timeout, &st, NULL) == 0 &&
                    st.status == TASKAPI_STATUS_STOPPED && st.exit.exited)
                        note_exit(m, b, st.pid, &st.exit, NULL);
                taskapi_state_release(&st);
        }
        shimconn_release(&sc);
        return r < 0 ? fail_task(err, m->ns, id) : 0;
}

static void exit_from(struct task_exit *ret, const struct taskapi_exit *ex)
{
        ret->known = true;
        ret->status = ex->status;
        ret->at[0] = '\0';
        if (ex->exited)
                timefmt_rfc3339(&ex->at, ret->at);
}

int taskmgr_wait(const struct taskmgr *m, const char *id, struct task_exit *ret,
                 struct tc_err **err)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        struct taskapi_exit ex = { 0 };
        struct shimconn sc = { 0 };
        int r;

        shimconn_init(&sc, &m->roots, m->ns, id);
        r = open_task(m, m->ns, id, &b, &sc, err);
        /* --timeout bounds the Wait itself, not what connecting took */
        if (r == 0)
                r = taskapi_wait(&sc.api, id,
                                 m->wait_unbounded ? TTRPC_NO_DEADLINE : timefmt_mono() + m->timeout,
                                 &ex, err);
        if (r == 0) {
                exit_from(ret, &ex);
                note_exit(m, b, bundle_read_init_pid(b), &ex, NULL);
        }
        shimconn_release(&sc);
        return r < 0 ? fail_task(err, m->ns, id) : 0;
}

/* ---- delete ------------------------------------------------------------------ */

static bool still_running(enum taskapi_status s)
{
        return s == TASKAPI_STATUS_RUNNING || s == TASKAPI_STATUS_PAUSED ||
               s == TASKAPI_STATUS_PAUSING;
}

/* With a live shim: refuse a running task unless FORCE (kill, wait), then the
 * shim's Delete gives the observed exit status. */
static int delete_live(const struct taskmgr *m, struct shimconn *sc, const struct bundle *b,
                       bool force, struct task_exit *ret, struct tc_err **err)
{
        const char *id = b->id;
        struct taskapi_state st = { 0 };
        struct taskapi_deleted del = { 0 };
        struct taskapi_exit ex;
        int r = taskapi_state(&sc->api, b->id, timefmt_mono() + m->timeout, &st, err);
        enum taskapi_status status = st.status;

        if (r == 0 && status == TASKAPI_STATUS_STOPPED && st.exit.exited)
                note_exit(m, b, st.pid, &st.exit, NULL);
        taskapi_state_release(&st);
        if (r < 0)
                return (*err)->kind == TC_NOT_FOUND ? 1 : -1; /* the shim has no such task */
        /* the real shim answers Delete of a running task with Unknown: check first */
        if (still_running(status) && !force)
                return tc_fail(err, TC_FAILED_PRECONDITION,
                               "task is %s: stop it first or use --force",
                               taskapi_status_name(status));
        if (still_running(status) &&
            taskapi_kill(&sc->api, id, SIGKILL, true, timefmt_mono() + m->timeout, err) < 0)
                return tc_wrap(err, "force");
        /* a paused task: thaw it, so that the SIGKILL is delivered */
        if (still_running(status) && status != TASKAPI_STATUS_RUNNING)
                (void) taskapi_resume(&sc->api, id, timefmt_mono() + m->timeout, NULL);
        if (still_running(status)) {
                if (taskapi_wait(&sc->api, id, timefmt_mono() + m->timeout, &ex, err) < 0)
                        return tc_wrap(err, "force");
                note_exit(m, b, bundle_read_init_pid(b), &ex, NULL);
        }
        if (taskapi_delete(&sc->api, id, timefmt_mono() + m->timeout, &del, err) < 0)
                return (*err)->kind == TC_NOT_FOUND ? 1 : tc_wrap(err, "shim delete");
        exit_from(ret, &del.exit);
        ret->pid = del.pid;
        return 0;
}

static int delete_locked(const struct taskmgr *m, const char *id, bool force,
                         struct task_exit *ret, struct tc_err **err)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        _cleanup_free_ char *binary = NULL;
        struct shimconn sc = { 0 };
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        const char *detail = NULL;
        bool clean = false;
        int r;

        memset(ret, 0, sizeof *ret);
        if (bundle_load(&m->roots, m->ns, id, &b, err) < 0)
                return -1;
        ret->pid = bundle_read_init_pid(b); /* before the shim's delete action removes it */
        shimconn_init(&sc, &m->roots, m->ns, id);
        sc.locked = true;
        r = shimconn_connect(&sc, b, m->timeout, &e);
        if (r == 0) {
                r = delete_live(m, &sc, b, force, ret, err);
                if (r < 0) {
                        shimconn_release(&sc);
                        return -1;
                }
                clean = r == 0;
        } else {
                detail = "shim dead: exit status unknown";
                log_info("task %s: %s", id, e->msg);
        }
        tc_err_freep(&e);
        /* what containerd's on-close hook does after every shim: Shutdown, and
         * the binary's delete action for whatever runc left behind */
        if (shim_read_binary_path(b->fd, &binary, NULL) < 0)
                binary = NULL;
        shimconn_teardown(&sc, b, binary, clean, &TEARDOWN_BOUNDS_SHUTDOWN);
        shimconn_release(&sc);
        taskio_release(b, BOUND_LOG_HELPER); /* the log helper (core/taskio.h) */
        if (!ret->pid)
                ret->pid = bundle_read_init_pid(b);
        /* an exit nobody recorded yet (a dead shim, or Delete gave it first) */
        if (!exitmark_done(b->fd)) {
                struct taskapi_exit ex = { .status = ret->status };

                if (ret->at[0] && timefmt_parse(ret->at, &ex.at))
                        ex.exited = true;
                note_exit(m, b, ret->pid, ret->known ? &ex : NULL, detail);
        }
        if (bundle_delete(b, err) < 0)
                return -1;
        append_task_event(m, m->ns, EVENT_TASK_DELETE, id, ret->pid, ret, detail);
        return 0;
}

int taskmgr_delete(const struct taskmgr *m, const char *id, bool force, struct task_exit *ret,
                   struct tc_err **err)
{
        struct tasklock lock = TASKLOCK_NONE;
        int r;

        if (ident_check(id, "task id", err) < 0)
                return -1;
        r = tasklock_take(m->roots.root_fd, m->ns, id, m->timeout, &lock, NULL, err);
        if (r == 0)
                r = delete_locked(m, id, force, ret, err);
        tasklock_release_unused(&lock, r == 0 || taskmgr_exists(m, id)); /* the lock made it */
        return r < 0 ? fail_task(err, m->ns, id) : 0;
}

/* ---- list -------------------------------------------------------------------- */

static int visible_ident(const struct dirent *de)
{
        return de->d_name[0] != '.' && ident_valid(de->d_name);
}

static int bytewise(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static void dirents_free(struct dirent **v, int n)
{
        for (int i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* The task (or namespace) names in DFD, sorted bytewise as containerd's bolt
 * keys: ctr lists tasks by namespace, then ID. */
static int sorted_idents(int dfd, struct dirent ***ret, struct tc_err **err)
{
        int n = scandirat(dfd, ".", ret, visible_ident, bytewise);

        return n < 0 ? tc_fail_sys(err, TC_INTERNAL, errno, "read directory") : n;
}

static int list_all(const struct taskmgr *m, const struct taskmgr_list_opts *o,
                    unsigned *skipped, taskmgr_list_fn fn, void *user, struct tc_err **err);

enum { LIST_BATCH = 1024 }; /* tasks named and held at once */

enum item_state { ITEM_WAITING, ITEM_ASKING, ITEM_DONE, ITEM_SKIPPED };

/* One namespace's tasks in batches. The shims of a batch are asked by one
 * thread, up to O->parallel at a time: each item's State is sent, the
 * connections polled together, each reply read as it comes (a shim's own work
 * is the time here, not ours: docs/performance.md). Items are handed to FN in
 * readdir order, as a sequential run gives them. */
struct list_batch {
        const struct taskmgr *m;
        const struct taskmgr_list_opts *o;
        const char *ns;
        char *names[LIST_BATCH];
        struct task_info tasks[LIST_BATCH];
        struct info_call calls[LIST_BATCH];
        unsigned char state[LIST_BATCH];
        bool gone[LIST_BATCH]; /* deleted meanwhile: not listed */
        size_t n;
};

/* What a failed item shows: nothing when its task was deleted meanwhile,
 * else the status unknown and the error. */
static void list_failed(struct list_batch *bt, size_t i, struct tc_err *e)
{
        struct task_info *t = &bt->tasks[i];

        if (e->kind == TC_NOT_FOUND && !t->bundle) {
                bt->gone[i] = true;
                return;
        }
        t->status = "unknown";
        free(t->error);
        t->error = steal_ptr(e->msg);
}

/* Starts item I: true when its State is in flight. */
static bool list_begin(struct list_batch *bt, size_t i)
{
        struct taskmgr m = *bt->m;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        double left = bt->o->deadline - timefmt_mono();

        if (bt->o->deadline > 0 && left < m.timeout)
                m.timeout = left > 0.001 ? left : 0.001; /* never past the run's */
        if (task_info_begin(&m, bt->ns, bt->names[i], &bt->tasks[i], &bt->calls[i], &e) == 0) {
                bt->state[i] = ITEM_ASKING;
                return true;
        }
        list_failed(bt, i, e);
        info_call_release(&bt->calls[i]);
        bt->state[i] = ITEM_DONE;
        return false;
}

static void list_end(struct list_batch *bt, size_t i)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        if (task_info_end(bt->m, &bt->tasks[i], &bt->calls[i], &e) < 0)
                list_failed(bt, i, e);
        info_call_release(&bt->calls[i]);
        bt->state[i] = ITEM_DONE;
}

/* Waits until at least one item being asked has its reply or is past its
 * deadline, and finishes those; *ASKING counts the items in flight. */
static void list_poll(struct list_batch *bt, size_t from, size_t to, size_t *asking)
{
        struct pollfd fds[LIST_BATCH];
        size_t idx[LIST_BATCH], k = 0;
        double now = timefmt_mono(), first = 0;
        int ms;

        for (size_t i = from; i < to; i++) {
                if (bt->state[i] != ITEM_ASKING)
                        continue;
                if (k == 0 || bt->calls[i].deadline < first)
                        first = bt->calls[i].deadline;
                fds[k] = (struct pollfd){ .fd = ttrpc_conn_fd(bt->calls[i].sc.conn), .events = POLLIN };
                idx[k++] = i;
        }
        ms = first <= now ? 0 : (int) ((first - now) * 1000.0) + 1;
        if (poll(fds, k, ms) < 0 && errno != EINTR)
                ms = 0; /* cannot wait: finish what is due, as at a deadline */
        now = timefmt_mono();
        for (size_t j = 0; j < k; j++)
                if (fds[j].revents || bt->calls[idx[j]].deadline <= now) {
                        list_end(bt, idx[j]); /* a deadline passed: its error */
                        (*asking)--;
                }
}

/* Item I, in order: listed (a task the deadline left unasked as unknown). */
static int list_emit(struct list_batch *bt, size_t i, bool ran, unsigned *skipped,
                     taskmgr_list_fn fn, void *user, struct tc_err **err)
{
        struct task_info *t = &bt->tasks[i];
        int r = 0;

        if (!ran) {
                (*skipped)++;
                memset(t, 0, sizeof *t);
                t->status = "unknown";
                if (dup_str(&t->id, bt->names[i]) < 0 || dup_str(&t->ns, bt->ns) < 0 ||
                    dup_str(&t->error, "deadline exceeded") < 0)
                        r = tc_fail(err, TC_INTERNAL, "out of memory");
        }
        if (r == 0 && !bt->gone[i])
                r = fn(t, user, err);
        task_info_release(t);
        return r;
}

static int list_batch_run(struct list_batch *bt, unsigned *skipped, taskmgr_list_fn fn,
                          void *user, struct tc_err **err)
{
        size_t next = 0, done = 0, asking = 0;
        unsigned parallel = bt->o->parallel ? bt->o->parallel : 1;
        int r = 0;

        while (done < bt->n) {
                for (; next < bt->n && asking < parallel; next++) {
                        if (bt->o->deadline > 0 && timefmt_mono() >= bt->o->deadline)
                                bt->state[next] = ITEM_SKIPPED; /* its turn came too late */
                        else if (list_begin(bt, next))
                                asking++;
                }
                for (; done < next && bt->state[done] != ITEM_ASKING; done++) {
                        bool ran = bt->state[done] == ITEM_DONE;

                        if (r == 0)
                                r = list_emit(bt, done, ran, skipped, fn, user, err);
                        else if (ran)
                                task_info_release(&bt->tasks[done]);
                }
                if (asking)
                        list_poll(bt, done, next, &asking);
        }
        return r;
}

static int list_ns(const struct taskmgr *m, const struct taskmgr_list_opts *o, int tasks_fd,
                   const char *ns, unsigned *skipped, taskmgr_list_fn fn, void *user,
                   struct tc_err **err)
{
        _cleanup_close_ int fd = openat(tasks_fd, ns, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ struct list_batch *bt = NULL;
        struct dirent **names = NULL;
        int n, r = 0;

        if (fd < 0)
                return errno == ENOENT ? 0 : tc_fail_sys(err, TC_INTERNAL, errno, "open %s", ns);
        if (!(bt = calloc(1, sizeof *bt)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if ((n = sorted_idents(fd, &names, err)) < 0)
                return tc_wrap(err, "%s", ns);
        /* sorted names, asked of the shims a batch at a time (names stay owned
         * by NAMES) */
        for (int start = 0; start < n && r == 0; start += LIST_BATCH) {
                memset(bt, 0, sizeof *bt); /* in place: it is big */
                bt->m = m;
                bt->o = o;
                bt->ns = ns;
                for (int i = start; i < n && bt->n < LIST_BATCH; i++)
                        bt->names[bt->n++] = names[i]->d_name;
                r = list_batch_run(bt, skipped, fn, user, err);
        }
        dirents_free(names, n);
        return r;
}

int taskmgr_list(const struct taskmgr *m, const struct taskmgr_list_opts *o, taskmgr_list_fn fn,
                 void *user, struct tc_err **err)
{
        unsigned skipped = 0;
        int r = list_all(m, o, &skipped, fn, user, err);

        if (r == 0 && skipped)
                return tc_fail(err, TC_DEADLINE_EXCEEDED,
                               "list: deadline exceeded: %u task%s not asked", skipped,
                               skipped == 1 ? "" : "s");
        return r;
}

static int list_all(const struct taskmgr *m, const struct taskmgr_list_opts *o,
                    unsigned *skipped, taskmgr_list_fn fn, void *user, struct tc_err **err)
{
        _cleanup_close_ int tasks_fd = openat(m->roots.state_fd, "tasks",
                                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct dirent **names = NULL;
        int n, r = 0;

        if (tasks_fd < 0)
                return errno == ENOENT ? 0 : tc_fail_sys(err, TC_INTERNAL, errno, "open tasks");
        if (!o->all_namespaces)
                return list_ns(m, o, tasks_fd, m->ns, skipped, fn, user, err);
        if ((n = sorted_idents(tasks_fd, &names, err)) < 0)
                return tc_wrap(err, "tasks");
        for (int i = 0; i < n && r == 0; i++)
                r = list_ns(m, o, tasks_fd, names[i]->d_name, skipped, fn, user, err);
        dirents_free(names, n);
        return r;
}
