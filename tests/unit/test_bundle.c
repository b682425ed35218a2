/* SPDX-License-Identifier: Apache-2.0 */
/* core/bundle and core/unmount. Runs as root, each test in a private mount
 * namespace, so that no mount made here can outlive the test. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/bundle.h"
#include "core/unmount.h"

static char tmp[] = "/tmp/tc-bundle-XXXXXX";
static char state[256], rootdir[256], outside[256];
static struct bundle_roots roots = { -1, -1, state, rootdir };
static const char spec[] = "{\"ociVersion\":\"1.0.2\"}";

/* TMP/REL, in one of a few rotating buffers */
static char *P(const char *rel)
{
        static char bufs[8][512];
        static int i;
        char *b = bufs[i++ % 8];

        (void) snprintf(b, 512, "%s/%s", tmp, rel);
        return b;
}

static void setup(void)
{
        cr_assert(eq(int, unshare(CLONE_NEWNS), 0), "unshare: %s", strerror(errno));
        cr_assert(eq(int, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0));
        cr_assert(not(eq(ptr, mkdtemp(tmp), NULL)));
        (void) snprintf(state, sizeof state, "%s/state", tmp);
        (void) snprintf(rootdir, sizeof rootdir, "%s/root", tmp);
        (void) snprintf(outside, sizeof outside, "%s/outside", tmp);
        cr_assert(eq(int, mkdir(state, 0755), 0));
        cr_assert(eq(int, mkdir(rootdir, 0755), 0));
        cr_assert(eq(int, mkdir(outside, 0755), 0));
        cr_assert(eq(int, close(open(P("outside/canary"), O_CREAT | O_WRONLY, 0600)), 0));
        roots.state_fd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        roots.root_fd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(roots.state_fd >= 0 && roots.root_fd >= 0);
}

static void teardown(void)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_close_ int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        (void) close(roots.state_fd);
        (void) close(roots.root_fd);
        /* our namespace dies with the test; detach so that the tree can go */
        (void) unmount_recursive(fd, tmp + 5, &err);
        (void) fs_rmtree_at(AT_FDCWD, tmp, NULL, &err);
}

static bool exists(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0;
}

static mode_t mode_of(const char *path)
{
        struct stat st;

        cr_assert(eq(int, lstat(path, &st), 0), "%s: %s", path, strerror(errno));
        return st.st_mode;
}

static struct bundle *make(const char *id)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct bundle *b = NULL;

        cr_assert(eq(int, bundle_new(&roots, "ns1", id, spec, strlen(spec), &b, &err), 0), "%s",
                  err ? err->msg : "");
        return b;
}

static void bind(const char *src, const char *dst)
{
        cr_assert(eq(int, mount(src, dst, NULL, MS_BIND, NULL), 0), "bind %s %s: %s", src, dst,
                  strerror(errno));
}

static int mounts_under(const char *dir, const char *name)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? 0 : unmount_count_under(fd, name);
}

Test(bundle, new_layout_and_modes, .init = setup, .fini = teardown)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *cfg = NULL;
        char link[512];
        ssize_t n;

        (void) umask(077); /* the modes are SPEC's, whatever the umask */
        b = make("t1");
        cr_assert(eq(str, b->path, P("state/tasks/ns1/t1")));
        cr_assert(eq(str, b->work_path, P("root/tasks/ns1/t1")));
        cr_assert(eq(u32, mode_of(P("state/tasks")), S_IFDIR | 0711));
        cr_assert(eq(u32, mode_of(P("state/tasks/ns1")), S_IFDIR | 0711));
        cr_assert(eq(u32, mode_of(b->path), S_IFDIR | 0700));
        cr_assert(eq(u32, mode_of(P("state/tasks/ns1/t1/rootfs")), S_IFDIR | 0711));
        cr_assert(eq(u32, mode_of(P("state/tasks/ns1/t1/config.json")), S_IFREG | 0600));
        cr_assert(eq(u32, mode_of(P("state/tasks/ns1/t1/log")), S_IFREG | 0600));
        cr_assert(eq(u32, mode_of(P("root/tasks")), S_IFDIR | 0711));
        cr_assert(eq(u32, mode_of(P("root/tasks/ns1")), S_IFDIR | 0711));
        cr_assert(eq(u32, mode_of(b->work_path), S_IFDIR | 0711));
        n = readlink(P("state/tasks/ns1/t1/work"), link, sizeof link - 1);
        cr_assert(gt(sz, (size_t) (n + 1), 1));
        link[n] = '\0';
        cr_assert(eq(str, link, b->work_path));
        cr_assert(eq(int, fs_read_at(b->fd, "config.json", 4096, &cfg, NULL, &err), 0));
        cr_assert(eq(str, cfg, (char *) spec));
        cr_assert(eq(sz, (size_t) lseek(open(P("state/tasks/ns1/t1/log"), O_RDONLY),
                                         0, SEEK_END),
                     0));
}

Test(bundle, invalid_names_touch_nothing, .init = setup, .fini = teardown)
{
        static const char *const bad[][2] = { { "ns1", "../x" }, { "ns1", "" },    { "ns1", ".t1" },
                                              { "a/b", "t1" },   { "ns1", "a/b" }, { "", "t1" } };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;
                struct bundle *b = NULL;

                cr_assert(eq(int, bundle_new(&roots, bad[i][0], bad[i][1], spec, 2, &b, &err), -1));
                cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT), "%zu: %s", i, err->msg);
        }
        cr_assert(not(exists(P("state/tasks"))));
        cr_assert(not(exists(P("root/tasks"))));
}

Test(bundle, existing_bundle_is_already_exists_and_untouched, .init = setup, .fini = teardown)
{
        _cleanup_(bundle_freep) struct bundle *b = make("t1");
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct bundle *b2 = NULL;

        cr_assert(eq(int, close(open(P("root/tasks/ns1/t1/keep"), O_CREAT | O_WRONLY,
                                     0600)),
                     0));
        cr_assert(eq(int, bundle_new(&roots, "ns1", "t1", "{}", 2, &b2, &err), -1));
        cr_assert(eq(int, err->kind, TC_ALREADY_EXISTS));
        cr_assert(exists(P("state/tasks/ns1/t1/config.json")));
        cr_assert(exists(P("root/tasks/ns1/t1/keep")), "the work dir is not ours");
}

Test(bundle, stale_work_dir_is_made_fresh, .init = setup, .fini = teardown)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;

        cr_assert(eq(int, mkdir(P("root/tasks"), 0711), 0));
        cr_assert(eq(int, mkdir(P("root/tasks/ns1"), 0711), 0));
        cr_assert(eq(int, mkdir(P("root/tasks/ns1/t1"), 0755), 0));
        cr_assert(eq(int, mkdir(P("root/tasks/ns1/t1/junk"), 0755), 0));
        b = make("t1");
        cr_assert(not(exists(P("root/tasks/ns1/t1/junk"))));
        cr_assert(eq(u32, mode_of(b->work_path), S_IFDIR | 0711));
}

Test(bundle, failure_rolls_back_the_bundle, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct bundle *b = NULL;

        /* ROOT/tasks is a file: the work dir cannot be made after the bundle dir was */
        cr_assert(eq(int, close(open(P("root/tasks"), O_CREAT | O_WRONLY, 0600)), 0));
        cr_assert(eq(int, bundle_new(&roots, "ns1", "t1", spec, 2, &b, &err), -1));
        cr_assert(exists(P("state/tasks/ns1")));
        cr_assert(not(exists(P("state/tasks/ns1/t1"))), "half bundle left");
}

Test(bundle, stale_work_dir_with_a_mount_fails_and_rolls_back, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct bundle *b = NULL;

        cr_assert(eq(int, mkdir(P("root/tasks"), 0711), 0));
        cr_assert(eq(int, mkdir(P("root/tasks/ns1"), 0711), 0));
        cr_assert(eq(int, mkdir(P("root/tasks/ns1/t1"), 0711), 0));
        cr_assert(eq(int, mkdir(P("root/tasks/ns1/t1/m"), 0711), 0));
        bind(outside, P("root/tasks/ns1/t1/m"));
        cr_assert(eq(int, bundle_new(&roots, "ns1", "t1", spec, 2, &b, &err), -1));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION), "%s", err->msg);
        cr_assert(not(exists(P("state/tasks/ns1/t1"))), "half bundle left");
        cr_assert(exists(P("outside/canary")));
        cr_assert(eq(int, mounts_under(P("root/tasks/ns1/t1"), "m"), 1));
}

Test(bundle, load_and_shim_pid, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = NULL, *made = NULL;
        int pid = 0;

        cr_assert(eq(int, bundle_load(&roots, "ns1", "t1", &b, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        made = make("t1");
        cr_assert(eq(int, bundle_load(&roots, "ns1", "t1", &b, &err), 0));
        cr_assert(eq(str, b->path, made->path));
        cr_assert(eq(str, b->work_path, made->work_path));
        cr_assert(eq(int, bundle_read_shim_pid(b, &pid, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        cr_assert(eq(int, bundle_write_shim_pid(made, 4242, &err), 0));
        cr_assert(eq(int, bundle_read_shim_pid(b, &pid, &err), 0));
        cr_assert(eq(int, pid, 4242));
        cr_assert(eq(int, bundle_write_shim_pid(made, 0, &err), -1));
}

Test(bundle, delete_unmounts_rootfs_deepest_first_and_removes_all, .init = setup,
     .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = make("t1");
        struct bundle *gone = NULL;
        char *rootfs = P("state/tasks/ns1/t1/rootfs");

        cr_assert(eq(int, mkdir(P("outside/sub"), 0755), 0));
        bind(outside, rootfs);
        bind(outside, rootfs); /* stacked */
        cr_assert(eq(int, mount("tmpfs", P("state/tasks/ns1/t1/rootfs/sub"), "tmpfs", 0,
                                NULL),
                     0));
        cr_assert(eq(int, mounts_under(b->path, "rootfs"), 3));
        cr_assert(eq(int, bundle_delete(b, &err), 0), "%s", err ? err->msg : "");
        cr_assert(not(exists(b->path)));
        cr_assert(not(exists(P("state/tasks/ns1/.t1"))));
        cr_assert(not(exists(b->work_path)));
        cr_assert(not(exists(P("root/tasks/ns1/.t1"))));
        cr_assert(exists(P("outside/canary")), "removed through the rootfs mount");
        cr_assert(exists(P("outside/sub")));
        cr_assert(eq(int, mounts_under(tmp, "state"), 0));
        /* idempotent */
        cr_assert(eq(int, bundle_delete(b, &err), 0), "%s", err ? err->msg : "");
        cr_assert(eq(int, bundle_load(&roots, "ns1", "t1", &gone, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
}

Test(bundle, a_mount_inside_the_work_dir_is_never_removed_through, .init = setup,
     .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = make("t1");
        char *m = P("root/tasks/ns1/t1/m");
        char *f = P("root/tasks/ns1/t1/f");

        cr_assert(eq(int, mkdir(m, 0755), 0));
        bind(outside, m);
        cr_assert(eq(int, close(open(f, O_CREAT | O_WRONLY, 0600)), 0));
        bind(P("outside/canary"), f); /* a file mount is a mount too */
        cr_assert(eq(int, bundle_delete(b, &err), -1));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION), "%s", err->msg);
        cr_assert(not(eq(ptr, strstr(err->msg, "mount point"), NULL)), "%s", err->msg);
        cr_assert(not(exists(b->path)), "the bundle itself goes");
        cr_assert(exists(P("outside/canary")));
        /* left under its own name, where `cleanup` finds and reports it */
        cr_assert(eq(int, mounts_under(P("root/tasks/ns1/t1"), "m"), 1));
        cr_assert(eq(int, mounts_under(P("root/tasks/ns1/t1"), "f"), 1));
}

Test(bundle, symlinks_out_of_the_work_dir_are_not_followed, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = make("t1");

        cr_assert(eq(int, symlink(outside, P("root/tasks/ns1/t1/evil")), 0));
        cr_assert(eq(int, mkdir(P("root/tasks/ns1/t1/d"), 0755), 0));
        cr_assert(eq(int, symlink(outside, P("root/tasks/ns1/t1/d/evil2")), 0));
        cr_assert(eq(int, bundle_delete(b, &err), 0), "%s", err ? err->msg : "");
        cr_assert(not(exists(b->work_path)));
        cr_assert(exists(P("outside/canary")));
}

Test(bundle, a_retargeted_work_link_is_not_followed, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = make("t1");
        char *link = P("state/tasks/ns1/t1/work");

        cr_assert(eq(int, unlink(link), 0));
        cr_assert(eq(int, symlink(outside, link), 0));
        cr_assert(eq(int, bundle_delete(b, &err), 0), "%s", err ? err->msg : "");
        cr_assert(exists(P("outside/canary")));
        cr_assert(not(exists(b->work_path)), "the work dir is found by name under ROOT");
}

Test(bundle, a_mount_elsewhere_in_the_bundle_stays, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = make("t1");

        cr_assert(eq(int, mkdir(P("state/tasks/ns1/t1/m"), 0755), 0));
        bind(outside, P("state/tasks/ns1/t1/m"));
        cr_assert(eq(int, bundle_delete(b, &err), -1));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION), "%s", err->msg);
        cr_assert(exists(P("outside/canary")));
        /* renamed, then left for `load` to finish */
        cr_assert(eq(int, mounts_under(P("state/tasks/ns1/.t1"), "m"), 1));
}

Test(bundle, finish_hidden, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = make("t1");
        char *hidden = P("state/tasks/ns1/.t1");

        /* a delete interrupted right after its rename, rootfs still mounted */
        bind(outside, P("state/tasks/ns1/t1/rootfs"));
        cr_assert(eq(int, rename(b->path, hidden), 0));
        cr_assert(eq(int, bundle_finish_hidden(&roots, "ns1", ".t1", &err), 0), "%s",
                  err ? err->msg : "");
        cr_assert(not(exists(hidden)));
        cr_assert(not(exists(b->work_path)), "orphaned work dir goes too");
        cr_assert(exists(P("outside/canary")));
        cr_assert(eq(int, mounts_under(tmp, "state"), 0));
        /* missing is fine */
        cr_assert(eq(int, bundle_finish_hidden(&roots, "ns1", ".t1", &err), 0));
        cr_assert(eq(int, bundle_finish_hidden(&roots, "nsx", ".t1", &err), 0));
}

Test(bundle, finish_hidden_keeps_the_work_dir_of_a_new_bundle, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *old = make("t1"), *b = NULL;

        cr_assert(eq(int, rename(old->path, P("state/tasks/ns1/.t1")), 0));
        cr_assert(eq(int, rmdir(old->work_path), 0));
        b = make("t1");
        cr_assert(eq(int, bundle_finish_hidden(&roots, "ns1", ".t1", &err), 0));
        cr_assert(not(exists(P("state/tasks/ns1/.t1"))));
        cr_assert(exists(b->work_path));
        cr_assert(exists(b->path));
}

Test(bundle, finish_hidden_rejects_other_names, .init = setup, .fini = teardown)
{
        static const char *const bad[] = { "t1", ".", "..", ".a/b", ".-x", "" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;

                cr_assert(eq(int, bundle_finish_hidden(&roots, "ns1", bad[i], &err), -1));
                cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        }
}

Test(bundle, delete_finishes_an_older_hidden_bundle_first, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *old = make("t1"), *b = NULL;

        cr_assert(eq(int, rename(old->path, P("state/tasks/ns1/.t1")), 0));
        cr_assert(eq(int, rmdir(old->work_path), 0));
        b = make("t1");
        cr_assert(eq(int, bundle_delete(b, &err), 0), "%s", err ? err->msg : "");
        cr_assert(not(exists(P("state/tasks/ns1/.t1"))));
        cr_assert(not(exists(b->path)));
        cr_assert(not(exists(b->work_path)));
}
