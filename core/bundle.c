/* SPDX-License-Identifier: Apache-2.0 */
/* Task bundles: containerd 1.6 runtime/v2/bundle.go (NewBundle, LoadBundle,
 * Bundle.Delete, atomicDelete), with STATE/tasks/NS/ID as the bundle and
 * ROOT/tasks/NS/ID as the work dir. */
#include "core/bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/trust.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/log.h"
#include "core/unmount.h"

void bundle_free(struct bundle *b)
{
        if (!b)
                return;
        closep(&b->fd);
        closep(&b->ns_fd);
        closep(&b->work_ns_fd);
        free(b->ns);
        free(b->id);
        free(b->path);
        free(b->work_path);
        free(b);
}

void bundle_freep(struct bundle **b)
{
        bundle_free(*b);
        *b = NULL;
}

/* ROOT/tasks/NS/ID as a string (for the `work` link, the shim and messages). */
static char *task_path(const char *root, const char *ns, const char *id)
{
        size_t n = strlen(root);
        char *ret = NULL;

        while (n > 0 && root[n - 1] == '/')
                n--;
        if (asprintf(&ret, "%.*s/tasks/%s/%s", (int) n, root, ns, id) < 0)
                return NULL;
        return ret;
}

static int bundle_alloc(const struct bundle_roots *r, const char *ns, const char *id,
                        struct bundle **ret, struct tc_err **err)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;

        if (ident_check(ns, "namespace", err) < 0 || ident_check(id, "container id", err) < 0)
                return -1;
        if (!r->state_path || r->state_path[0] != '/' || !r->root_path || r->root_path[0] != '/')
                return tc_fail(err, TC_INVALID_ARGUMENT, "state and root dirs must be absolute");
        b = calloc(1, sizeof *b);
        if (!b)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        b->fd = b->ns_fd = b->work_ns_fd = -1;
        b->ns = strdup(ns);
        b->id = strdup(id);
        b->path = task_path(r->state_path, ns, id);
        b->work_path = task_path(r->root_path, ns, id);
        if (!b->ns || !b->id || !b->path || !b->work_path)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        *ret = steal_ptr(b);
        return 0;
}

/* ROOT_FD/tasks/NS, made 0711 with its parent when CREATE. */
static int open_tasks_ns(int root_fd, const char *ns, bool create, int *ret_fd,
                         struct tc_err **err)
{
        _cleanup_close_ int tasks_fd = -1;

        if (fs_open_dir(root_fd, "tasks", create, 0711, &tasks_fd, err) < 0)
                return -1;
        return fs_open_dir(tasks_fd, ns, create, 0711, ret_fd, err);
}

/* mkdir applies the umask; the modes are those of docs/layout.md. */
static int mkdir_exact(int dfd, const char *name, mode_t mode, int *ret_fd, struct tc_err **err)
{
        _cleanup_close_ int fd = -1;

        if (mkdirat(dfd, name, mode) < 0)
                return tc_fail_sys(err, errno == EEXIST ? TC_ALREADY_EXISTS : TC_INTERNAL, errno,
                                   "mkdir %s", name);
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchmod(fd, mode) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", name);
        if (ret_fd)
                *ret_fd = steal_fd(fd);
        return 0;
}

/* As NewBundle: a work dir that exists without its bundle is stale and is
 * emptied (never through a mount). The directory itself stays: the caller
 * holds the task lock on it (core/tasklock.h). */
static int make_work_dir(struct bundle *b, struct tc_err **err)
{
        _cleanup_close_ int fd = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dfd;

        if (mkdirat(b->work_ns_fd, b->id, 0711) < 0 && errno != EEXIST)
                return tc_fail_sys(err, TC_INTERNAL, errno, "mkdir %s", b->work_path);
        fd = openat(b->work_ns_fd, b->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchmod(fd, 0711) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", b->work_path);
        dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0 || !(d = fdopendir(dfd))) {
                if (dfd >= 0)
                        (void) close(dfd);
                return tc_fail_sys(err, TC_INTERNAL, errno, "read %s", b->work_path);
        }
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                log_debug("removing stale %s/%s", b->work_path, de->d_name);
                if (fs_rmtree_at(fd, de->d_name, NULL, err) < 0)
                        return tc_wrap(err, "stale work dir %s", b->work_path);
        }
        return fs_sync_dir(b->work_ns_fd, err);
}

/* The shim daemon opens `log` O_WRONLY without O_CREAT as its stderr; without
 * it the daemon dies while `start` still succeeds (docs/shim-protocol.md). */
static int make_log(struct bundle *b, struct tc_err **err)
{
        int fd = openat(b->fd, "log", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "create log");
        (void) close(fd);
        return 0;
}

static int populate(const struct bundle_roots *r, struct bundle *b, const char *spec,
                    size_t spec_len, bool *made_work, struct tc_err **err)
{
        if (open_tasks_ns(r->root_fd, b->ns, true, &b->work_ns_fd, err) < 0)
                return -1;
        if (make_work_dir(b, err) < 0)
                return -1;
        *made_work = true;
        if (symlinkat(b->work_path, b->fd, "work") < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "symlink work");
        if (mkdir_exact(b->fd, "rootfs", 0711, NULL, err) < 0 ||
            fs_replace(b->fd, "config.json", spec, spec_len, 0600, err) < 0 ||
            make_log(b, err) < 0)
                return -1;
        if (fs_sync_dir(b->fd, err) < 0 || fs_sync_dir(b->ns_fd, err) < 0)
                return -1;
        return 0;
}

/* Rollback of bundle_new: only what it made. Failures are logged; the first
 * error is what the caller reports. */
static void bundle_undo(struct bundle *b, bool made_work)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        if (fs_rmtree_at(b->ns_fd, b->id, NULL, &e) < 0)
                log_warn("rollback of bundle %s: %s", b->path, e->msg);
        if (made_work && fs_rmtree_at(b->work_ns_fd, b->id, NULL, &e) < 0)
                log_warn("rollback of work dir %s: %s", b->work_path, e->msg);
}

int bundle_new(const struct bundle_roots *r, const char *ns, const char *id, const char *spec,
               size_t spec_len, struct bundle **ret, struct tc_err **err)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        bool made_work = false;

        if (bundle_alloc(r, ns, id, &b, err) < 0)
                return -1;
        if (open_tasks_ns(r->state_fd, ns, true, &b->ns_fd, err) < 0)
                return tc_wrap(err, "bundle %s", b->path);
        if (mkdir_exact(b->ns_fd, id, 0700, &b->fd, &e) < 0) {
                if (e->kind == TC_ALREADY_EXISTS)
                        return tc_fail(err, TC_ALREADY_EXISTS, "bundle %s already exists", b->path);
                return tc_fail(err, e->kind, "bundle %s: %s", b->path, e->msg);
        }
        if (populate(r, b, spec, spec_len, &made_work, err) < 0) {
                bundle_undo(b, made_work);
                return tc_wrap(err, "bundle %s", b->path);
        }
        *ret = steal_ptr(b);
        return 0;
}

/* STATE, STATE/tasks, STATE/tasks/NS and the bundle: owned by root or us and
 * not group/other-writable, before anything in the bundle is believed. */
static int bundle_trusted(const struct bundle_roots *r, const struct bundle *b,
                          struct tc_err **err)
{
        struct stat st;

        if (trust_check_fd(r->state_fd, r->state_path ? r->state_path : "STATE", err) < 0)
                return -1;
        if (fstatat(r->state_fd, "tasks", &st, AT_SYMLINK_NOFOLLOW) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "STATE/tasks");
        if (trust_check_stat(&st, "STATE/tasks", err) < 0 ||
            trust_check_fd(b->ns_fd, "STATE/tasks/NS", err) < 0 ||
            trust_check_fd(b->fd, "the bundle", err) < 0)
                return tc_wrap(err, "bundle %s", b->path);
        return 0;
}

int bundle_load(const struct bundle_roots *r, const char *ns, const char *id, struct bundle **ret,
                struct tc_err **err)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;

        if (bundle_alloc(r, ns, id, &b, err) < 0)
                return -1;
        if (open_tasks_ns(r->state_fd, ns, false, &b->ns_fd, &e) < 0 ||
            fs_open_dir(b->ns_fd, id, false, 0, &b->fd, &e) < 0) {
                if (e->kind == TC_NOT_FOUND)
                        return tc_fail(err, TC_NOT_FOUND, "not found");
                return tc_fail(err, e->kind, "bundle %s: %s", b->path, e->msg);
        }
        if (bundle_trusted(r, b, err) < 0)
                return -1;
        /* root_fd -1: no ROOT at all (load --dry-run), hence no work dir */
        if (r->root_fd >= 0 && open_tasks_ns(r->root_fd, ns, false, &b->work_ns_fd, &e) < 0 &&
            e->kind != TC_NOT_FOUND)
                return tc_fail(err, e->kind, "work dir %s: %s", b->work_path, e->msg);
        *ret = steal_ptr(b);
        return 0;
}

/* Removes DFD/HIDDEN (a ".ID" bundle or work dir). A bundle's rootfs is
 * unmounted first: an interrupted delete may have renamed it still mounted. */
static int remove_hidden(int dfd, const char *hidden, bool is_bundle, struct tc_err **err)
{
        _cleanup_close_ int fd = -1;

        if (is_bundle) {
                fd = openat(dfd, hidden, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0 && unmount_recursive(fd, "rootfs", err) < 0)
                        return -1;
        }
        if (fs_rmtree_at(dfd, hidden, NULL, err) < 0)
                return -1;
        return fs_sync_dir(dfd, err);
}

/* atomicDelete: rename NAME to ".NAME" (a reader never sees half a bundle; a
 * crash leaves a dot-name that scans skip and `load` finishes), then remove. */
static int atomic_delete(int dfd, const char *name, struct tc_err **err)
{
        char hidden[NAME_MAX + 1];

        (void) snprintf(hidden, sizeof hidden, ".%s", name);
        if (renameat(dfd, name, dfd, hidden) < 0) {
                if (errno == EEXIST || errno == ENOTEMPTY) {
                        /* an older interrupted delete's ".ID": finish it first */
                        if (remove_hidden(dfd, hidden, true, err) < 0)
                                return -1;
                        if (renameat(dfd, name, dfd, hidden) < 0 && errno != ENOENT)
                                return tc_fail_sys(err, TC_INTERNAL, errno, "rename to %s",
                                                   hidden);
                } else if (errno != ENOENT) {
                        return tc_fail_sys(err, TC_INTERNAL, errno, "rename to %s", hidden);
                }
        }
        return remove_hidden(dfd, hidden, true, err);
}

static void note_work_link(const struct bundle *b)
{
        char buf[PATH_MAX];
        ssize_t n = readlinkat(b->fd, "work", buf, sizeof buf - 1);

        if (n < 0)
                return;
        buf[n] = '\0';
        if (strcmp(buf, b->work_path) != 0)
                log_debug("bundle %s: work link points to %s; removing %s by name", b->path, buf,
                          b->work_path);
}

/* Bundle.Delete's first half: nothing may stay mounted under rootfs. */
static int clear_rootfs(struct bundle *b, struct tc_err **err)
{
        if (unmount_recursive(b->fd, "rootfs", err) < 0)
                return tc_wrap(err, "unmount rootfs");
        if (unlinkat(b->fd, "rootfs", AT_REMOVEDIR) < 0 && errno != ENOENT) {
                if (errno != ENOTEMPTY && errno != EEXIST)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "remove rootfs");
                /* left content, nothing mounted: the mount-safe removal below takes it */
                log_debug("bundle %s: rootfs not empty after unmount", b->path);
        }
        return 0;
}

int bundle_delete(struct bundle *b, struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *werr = NULL;
        int r = 0;

        if (b->fd >= 0) {
                note_work_link(b);
                if (clear_rootfs(b, err) < 0)
                        return tc_wrap(err, "bundle %s", b->path);
        }
        if (atomic_delete(b->ns_fd, b->id, err) < 0)
                r = tc_wrap(err, "bundle %s", b->path);
        /* Unlike containerd, the work dir is removed in place: one that cannot
         * go (a mount inside) keeps its name, so `cleanup` finds and reports
         * it; under ".ID" every scan would skip it. */
        if (b->work_ns_fd >= 0 && fs_rmtree_at(b->work_ns_fd, b->id, NULL, &werr) < 0) {
                /* as Bundle.Delete: the work dir is tried even when the bundle failed */
                if (r == 0)
                        return tc_fail(err, werr->kind, "work dir %s: %s", b->work_path,
                                       werr->msg);
                log_warn("work dir %s: %s", b->work_path, werr->msg);
        }
        return r;
}

int bundle_finish_hidden(const struct bundle_roots *r, const char *ns, const char *hidden,
                         struct tc_err **err)
{
        _cleanup_close_ int ns_fd = -1, work_ns_fd = -1;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        const char *id = hidden + (hidden && hidden[0] == '.');
        struct stat st;

        if (!hidden || hidden[0] != '.' || !ident_valid(id) || !ident_valid(ns))
                return tc_fail(err, TC_INVALID_ARGUMENT, "\"%s\" is not a hidden bundle name",
                               hidden ? hidden : "");
        if (open_tasks_ns(r->state_fd, ns, false, &ns_fd, &e) < 0 && !tc_err_is(e, TC_NOT_FOUND))
                return tc_err_move(err, &e);
        if (ns_fd >= 0 && remove_hidden(ns_fd, hidden, true, err) < 0)
                return tc_wrap(err, "hidden bundle %s of namespace %s", hidden, ns);
        tc_err_freep(&e);
        if (open_tasks_ns(r->root_fd, ns, false, &work_ns_fd, &e) < 0)
                return tc_err_is(e, TC_NOT_FOUND) ? 0 : tc_err_move(err, &e);
        if (remove_hidden(work_ns_fd, hidden, false, err) < 0)
                return tc_wrap(err, "hidden work dir %s of namespace %s", hidden, ns);
        /* the work dir of ID is orphaned unless a new bundle ID owns it */
        if (ns_fd >= 0 && fstatat(ns_fd, id, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return 0;
        if (fs_rmtree_at(work_ns_fd, id, NULL, err) < 0)
                return tc_wrap(err, "work dir of %s in namespace %s", id, ns);
        return 0;
}

int bundle_write_shim_pid(struct bundle *b, int pid, struct tc_err **err)
{
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%d", pid);

        if (pid <= 0)
                return tc_fail(err, TC_INVALID_ARGUMENT, "invalid shim pid %d", pid);
        if (fs_replace(b->fd, "shim.pid", buf, (size_t) n, 0600, err) < 0)
                return tc_wrap(err, "bundle %s", b->path);
        return 0;
}

int bundle_read_shim_pid(struct bundle *b, int *ret_pid, struct tc_err **err)
{
        _cleanup_free_ char *buf = NULL;
        char *end = NULL;
        long pid;

        if (fs_read_at(b->fd, "shim.pid", 64, &buf, NULL, err) < 0)
                return tc_wrap(err, "bundle %s", b->path);
        errno = 0;
        pid = strtol(buf, &end, 10);
        if (errno || end == buf || (*end && *end != '\n') || pid <= 0 || pid > INT_MAX)
                return tc_fail(err, TC_INTERNAL, "bundle %s: shim.pid: invalid content", b->path);
        *ret_pid = (int) pid;
        return 0;
}

int bundle_write_shim_start(struct bundle *b, unsigned long long start, struct tc_err **err)
{
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%llu", start);

        if (fs_replace(b->fd, "shim.start", buf, (size_t) n, 0600, err) < 0)
                return tc_wrap(err, "bundle %s", b->path);
        return 0;
}

unsigned long long bundle_read_shim_start(const struct bundle *b)
{
        _cleanup_free_ char *buf = NULL;
        char *end = NULL;
        unsigned long long v;

        if (fs_read_at(b->fd, "shim.start", 64, &buf, NULL, NULL) < 0)
                return 0;
        errno = 0;
        v = strtoull(buf, &end, 10);
        return errno || end == buf || (*end && *end != '\n') ? 0 : v;
}

uint32_t bundle_read_init_pid(const struct bundle *b)
{
        _cleanup_free_ char *buf = NULL;
        unsigned long v;

        if (fs_read_at(b->fd, "init.pid", 64, &buf, NULL, NULL) < 0)
                return 0;
        v = strtoul(buf, NULL, 10);
        return v > 0 && v < (1ul << 22) ? (uint32_t) v : 0;
}
