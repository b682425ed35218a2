/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/err.h"
#include "core/base/flock.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/timefmt.h"

static char root[64];
static int root_fd = -1;

static void make_root(void)
{
        strcpy(root, "/tmp/tc-base-XXXXXX");
        cr_assert(not(eq(ptr, mkdtemp(root), NULL)));
        root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(root_fd >= 0);
}

static void remove_root(void)
{
        (void) fs_rmtree_at(AT_FDCWD, root, NULL, NULL);
        (void) close(root_fd);
}

Test(ident, table)
{
        static const struct {
                const char *s;
                bool ok;
        } rows[] = {
                { "web", true },      { "a", true },       { "a.b-c_d", true }, { "A1.b2", true },
                { "", false },        { ".a", false },     { "a.", false },     { "a..b", false },
                { "a-_b", false },    { "-a", false },     { "a/b", false },    { "a b", false },
                { "ä", false },       { "..", false },     { "a:b", false },
        };
        char long76[77], long77[78];

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                cr_expect(eq(int, ident_valid(rows[i].s), rows[i].ok), "ident %s", rows[i].s);
        memset(long76, 'a', 76);
        long76[76] = '\0';
        memset(long77, 'a', 77);
        long77[77] = '\0';
        cr_expect(ident_valid(long76));
        cr_expect(not(ident_valid(long77)));
}

Test(ident, check_messages)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        cr_assert(eq(int, ident_check("a/b", "container id", &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(not(eq(ptr, strstr(err->msg, "container id \"a/b\" must match"), NULL)));
        cr_assert(eq(int, ident_check("", "namespace", &err), -1));
        cr_assert(eq(str, err->msg, "namespace must not be empty"));
}

Test(err, wrap_keeps_kind_and_chains)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        tc_fail(&err, TC_NOT_FOUND, "not found");
        tc_wrap(&err, "container \"%s\" in namespace \"%s\"", "web", "default");
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        cr_assert(eq(str, err->msg, "container \"web\" in namespace \"default\": not found"));
        tc_fail_sys(&err, TC_INTERNAL, ENOENT, "open %s", "x");
        cr_assert(eq(str, err->msg, "open x: No such file or directory"));
        cr_assert(eq(int, err->sys, ENOENT));
}

Test(timefmt, format_and_parse)
{
        struct timespec ts = { 1795866701, 266303072 }, back;
        char buf[TIMEFMT_LEN];

        timefmt_rfc3339(&ts, buf);
        cr_assert(eq(str, buf, "2026-11-28T11:51:41.266303072Z"));
        cr_assert(timefmt_parse(buf, &back));
        cr_assert(eq(i64, back.tv_sec, ts.tv_sec));
        cr_assert(eq(i64, back.tv_nsec, ts.tv_nsec));
        cr_assert(timefmt_parse("2026-11-28T12:51:41+01:00", &back));
        cr_assert(eq(i64, back.tv_sec, 1795866701));
        cr_assert(not(timefmt_parse("2026-11-28 11:51:41Z", &back)));
        cr_assert(not(timefmt_parse("2026-13-28T11:51:41Z", &back)));
        cr_assert(not(timefmt_parse("yesterday", &back)));
}

/* As Go's time.Parse: days the month has, offsets up to 24 hours; and only
 * what RFC 3339 can write back (years 0000-9999 in UTC). */
Test(timefmt, parse_ranges)
{
        struct timespec back;

        cr_assert(timefmt_parse("2024-02-29T00:00:00Z", &back));
        cr_assert(not(timefmt_parse("2023-02-29T00:00:00Z", &back)));
        cr_assert(not(timefmt_parse("2026-04-31T00:00:00Z", &back)));
        cr_assert(not(timefmt_parse("1900-02-29T00:00:00Z", &back)));
        cr_assert(timefmt_parse("2000-02-29T00:00:00Z", &back));
        cr_assert(timefmt_parse("2026-11-28T00:00:00+24:00", &back));
        cr_assert(not(timefmt_parse("2026-11-28T00:00:00+25:00", &back)));
        cr_assert(not(timefmt_parse("2026-11-28T00:00:00-39:59", &back)));
        cr_assert(not(timefmt_parse("2026-11-28T00:00:00+01:60", &back)));
        cr_assert(timefmt_parse("9999-12-31T23:59:59.999999999Z", &back));
        cr_assert(not(timefmt_parse("9999-12-31T23:59:59.2-01:00", &back)));
        cr_assert(timefmt_parse("0000-01-01T00:00:00Z", &back));
        cr_assert(not(timefmt_parse("0000-01-01T00:00:00+00:01", &back)));
}

/* gmtime_r fails for a year past int: the result is checked (it was used
 * uninitialised) and the zero time is printed. */
Test(timefmt, format_out_of_range)
{
        char buf[TIMEFMT_LEN];
        struct timespec ts = { .tv_sec = INT64_MAX, .tv_nsec = 5 };

        memset(buf, 'x', sizeof buf);
        timefmt_rfc3339(&ts, buf);
        cr_assert(eq(str, buf, "0001-01-01T00:00:00.000000000Z"));
}

Test(timefmt, durations)
{
        static const struct {
                const char *s;
                bool ok;
                double secs;
        } rows[] = {
                { "1h", true, 3600 },  { "90s", true, 90 },      { "1h30m", true, 5400 },
                { "500ms", true, 0.5 }, { "1.5h", true, 5400 },  { "0", true, 0 },
                { "2m3s", true, 123 }, { "", false, 0 },         { "h", false, 0 },
                { "10", false, 0 },    { "1d", false, 0 },       { "-1h", false, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                double v = -1;

                cr_expect(eq(int, timefmt_parse_duration(rows[i].s, &v), rows[i].ok), "%s",
                          rows[i].s);
                if (rows[i].ok)
                        cr_expect(eq(dbl, v, rows[i].secs), "%s", rows[i].s);
        }
}

Test(fs, replace_is_atomic_and_mode, .init = make_root, .fini = remove_root)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *buf = NULL;
        struct stat st;

        cr_assert(eq(int, fs_replace(root_fd, "r.json", "{}", 2, 0600, &err), 0));
        cr_assert(eq(int, fs_replace(root_fd, "r.json", "[1]", 3, 0600, &err), 0));
        cr_assert(eq(int, fs_read_at(root_fd, "r.json", 100, &buf, NULL, &err), 0));
        cr_assert(eq(str, buf, "[1]"));
        cr_assert(eq(int, fstatat(root_fd, "r.json", &st, 0), 0));
        cr_assert(eq(u32, st.st_mode & 07777, 0600));
        cr_assert(eq(int, fs_read_at(root_fd, "missing", 100, &buf, NULL, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
}

static int dir_fsync_calls;

static int failing_dir_fsync(int fd)
{
        (void) fd;
        dir_fsync_calls++;
        errno = EIO;
        return -1;
}

static void make_root_redirect(void)
{
        make_root();
        cr_redirect_stderr();
}

/* Only the directory fsync after the rename fails: the rename took effect, so
 * fs_replace warns and succeeds (issue 8), with the new content in place and
 * no temp file left. */
Test(fs, replace_succeeds_when_only_the_dir_fsync_fails, .init = make_root_redirect,
     .fini = remove_root)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *buf = NULL;
        char tmp[64];

        cr_assert(eq(int, fs_replace(root_fd, "r.json", "{}", 2, 0600, &err), 0));
        fs_replace_dir_fsync = failing_dir_fsync;
        cr_expect(eq(int, fs_replace(root_fd, "r.json", "[1]", 3, 0600, &err), 0));
        fs_replace_dir_fsync = fsync;
        cr_expect(eq(ptr, err, NULL));
        cr_expect(eq(int, dir_fsync_calls, 1));
        cr_assert(eq(int, fs_read_at(root_fd, "r.json", 100, &buf, NULL, &err), 0));
        cr_expect(eq(str, buf, "[1]"));
        (void) snprintf(tmp, sizeof tmp, ".r.json.%d", (int) getpid());
        cr_expect(eq(int, faccessat(root_fd, tmp, F_OK, AT_SYMLINK_NOFOLLOW), -1));
        fflush(stderr);
        cr_assert_stderr_eq_str("taskctl: warning: r.json replaced, but syncing its directory "
                                "failed: Input/output error\n");
}

Test(fs, read_refuses_symlink_and_size, .init = make_root, .fini = remove_root)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        char *buf = NULL;

        cr_assert(eq(int, symlinkat("/etc/passwd", root_fd, "link"), 0));
        cr_assert(eq(int, fs_read_at(root_fd, "link", 1 << 20, &buf, NULL, &err), -1));
        cr_assert(eq(int, err->kind, TC_INTERNAL));
        cr_assert(eq(int, fs_replace(root_fd, "big", "0123456789", 10, 0600, &err), 0));
        cr_assert(eq(int, fs_read_at(root_fd, "big", 5, &buf, NULL, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
}

Test(fs, open_dir_refuses_symlink, .init = make_root, .fini = remove_root)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        int fd = -1;
        struct stat st;

        cr_assert(eq(int, symlinkat("/tmp", root_fd, "l"), 0));
        cr_assert(eq(int, fs_open_dir(root_fd, "l", true, 0711, &fd, &err), -1));
        cr_assert(eq(int, fs_open_dir(root_fd, "d", false, 0711, &fd, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        cr_assert(eq(int, fs_open_dir(root_fd, "d", true, 0711, &fd, &err), 0));
        cr_assert(eq(int, fstat(fd, &st), 0));
        cr_assert(eq(u32, st.st_mode & 07777, 0711));
        close(fd);
}

Test(fs, rmtree_keeps_link_targets_and_mounts, .init = make_root, .fini = remove_root)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *mnt = NULL;
        char outside[128], canary[160], target[160];
        struct stat st;
        int fd;

        snprintf(outside, sizeof outside, "%s/outside", root);
        cr_assert(eq(int, mkdir(outside, 0700), 0));
        snprintf(canary, sizeof canary, "%s/canary", outside);
        fd = open(canary, O_CREAT | O_WRONLY, 0600);
        cr_assert(fd >= 0);
        close(fd);
        cr_assert(eq(int, mkdirat(root_fd, "t", 0700), 0));
        cr_assert(eq(int, mkdirat(root_fd, "t/sub", 0700), 0));
        cr_assert(eq(int, mkdirat(root_fd, "t/m", 0700), 0));
        cr_assert(eq(int, symlinkat(outside, root_fd, "t/sub/out"), 0));
        snprintf(target, sizeof target, "%s/t/m", root);
        cr_assert(eq(int, mount(outside, target, NULL, MS_BIND, NULL), 0), "mount: %s",
                  strerror(errno));
        cr_assert(eq(int, fs_is_mountpoint_at(root_fd, "t/m"), 1));
        cr_assert(eq(int, fs_is_mountpoint_at(root_fd, "t/sub"), 0));
        cr_assert(eq(int, fs_rmtree_at(root_fd, "t", &mnt, &err), -1));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION));
        cr_assert(eq(str, mnt, "t/m"));
        cr_assert(eq(int, stat(canary, &st), 0)); /* through the mount and the link: intact */
        cr_assert(eq(int, fstatat(root_fd, "t/sub", &st, AT_SYMLINK_NOFOLLOW), -1));
        cr_assert(eq(int, umount2(target, MNT_DETACH), 0));
        cr_assert(eq(int, fs_rmtree_at(root_fd, "t", NULL, &err), 0));
        cr_assert(eq(int, fstatat(root_fd, "t", &st, AT_SYMLINK_NOFOLLOW), -1));
        cr_assert(eq(int, stat(canary, &st), 0));
}

/* Builds ROOT/t with DEPTH nested directories d/d/d/..., each holding a file
 * and a symlink to OUTSIDE (which must survive). Built through fds: the path
 * is far longer than PATH_MAX. */
static void make_deep(int depth, const char *outside)
{
        int fd = dup(root_fd);

        cr_assert(ge(int, fd, 0));
        for (int i = 0; i <= depth; i++) {
                const char *name = i == 0 ? "t" : "d";
                int next;

                cr_assert(eq(int, mkdirat(fd, name, 0700), 0), "level %d: %s", i, strerror(errno));
                next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                cr_assert(ge(int, next, 0));
                (void) close(fd);
                fd = next;
                (void) close(openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
                cr_assert(eq(int, symlinkat(outside, fd, "link"), 0));
        }
        (void) close(fd);
}

static void check_deep_removed(const char *outside)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct stat st;

        cr_assert(eq(int, fs_rmtree_at(root_fd, "t", NULL, &err), 0), "%s", err ? err->msg : "");
        cr_assert(eq(int, fstatat(root_fd, "t", &st, AT_SYMLINK_NOFOLLOW), -1));
        cr_assert(eq(int, stat(outside, &st), 0), "a link target outside was removed");
        cr_assert(eq(int, fstatat(root_fd, "outside/keep", &st, 0), 0));
}

/* 2,500 levels: the recursive removal (a PATH_MAX buffer per level) crashed. */
Test(fs, rmtree_deep_tree, .init = make_root, .fini = remove_root)
{
        char outside[128];

        (void) snprintf(outside, sizeof outside, "%s/outside", root);
        cr_assert(eq(int, mkdirat(root_fd, "outside", 0700), 0));
        (void) close(openat(root_fd, "outside/keep", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        make_deep(2500, outside);
        check_deep_removed(outside);
}

/* 700 levels with 64 fds: the recursive removal held two fds per level. */
Test(fs, rmtree_deep_tree_few_fds, .init = make_root, .fini = remove_root)
{
        char outside[128];
        struct rlimit rl = { 64, 64 };

        (void) snprintf(outside, sizeof outside, "%s/outside", root);
        cr_assert(eq(int, mkdirat(root_fd, "outside", 0700), 0));
        (void) close(openat(root_fd, "outside/keep", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        make_deep(700, outside);
        cr_assert(eq(int, setrlimit(RLIMIT_NOFILE, &rl), 0));
        check_deep_removed(outside);
}

Test(flock, timeout_names_holder, .init = make_root, .fini = remove_root)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        int pipefd[2], fd = -1;
        pid_t pid;
        char c, want[64];

        cr_assert(eq(int, pipe(pipefd), 0));
        pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                int lfd = -1;

                if (flock_take(root_fd, ".lock", LOCK_EX, 1, "test", &lfd, NULL) < 0)
                        _exit(1);
                (void) write(pipefd[1], "x", 1);
                pause();
                _exit(0);
        }
        cr_assert(eq(int, (int) read(pipefd[0], &c, 1), 1));
        cr_assert(flock_is_held(root_fd, ".lock"));
        cr_assert(eq(int, flock_take(root_fd, ".lock", LOCK_SH, 0.1, "namespace \"x\"", &fd, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
        snprintf(want, sizeof want, "locked by pid %d", (int) pid);
        cr_assert(not(eq(ptr, strstr(err->msg, want), NULL)), "%s", err->msg);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        cr_assert(not(flock_is_held(root_fd, ".lock")));
        cr_assert(eq(int, flock_take(root_fd, ".lock", LOCK_EX, 1, "test", &fd, &err), 0));
        close(fd);
        close(pipefd[0]);
        close(pipefd[1]);
}
