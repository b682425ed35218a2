/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/tasklock.h"

static char tmp[64];
static int root_fd = -1;
static pid_t holder_pid = -1;

static void setup(void)
{
        strcpy(tmp, "/tmp/tc-lock-XXXXXX");
        cr_assert(not(eq(ptr, mkdtemp(tmp), NULL)));
        root_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(root_fd >= 0);
}

static void teardown(void)
{
        if (holder_pid > 0) {
                (void) kill(holder_pid, SIGKILL); /* our own child, by pid */
                (void) waitpid(holder_pid, NULL, 0);
        }
        (void) close(root_fd);
        (void) fs_rmtree_at(AT_FDCWD, tmp, NULL, NULL);
}

/* A child that takes the lock of ns1/ID, says so on a pipe, then waits to be killed. */
static pid_t hold(const char *id)
{
        int p[2];
        char c = 0;
        pid_t pid;

        cr_assert(eq(int, pipe(p), 0));
        pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
                struct tasklock l;

                if (tasklock_take(root_fd, "ns1", id, 5, &l, NULL, NULL) == 0)
                        (void) write(p[1], "1", 1);
                pause();
                _exit(0);
        }
        holder_pid = pid;
        cr_assert(eq(int, (int) read(p[0], &c, 1), 1));
        cr_assert(eq(chr, c, '1'));
        close(p[0]);
        close(p[1]);
        return pid;
}

Test(tasklock, take_makes_the_work_dir, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct tasklock l;
        struct stat st;
        bool created = false;

        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "web", 1, &l, &created, &err), 0));
        cr_assert(created);
        cr_assert(eq(int, fstatat(root_fd, "tasks/ns1/web", &st, 0), 0));
        cr_assert(eq(u32, st.st_mode & 07777, 0711));
        tasklock_release(&l);
        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "web", 1, &l, &created, &err), 0));
        cr_assert(not(created));
        tasklock_release(&l);
        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "../x", 1, &l, NULL, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
}

Test(tasklock, contention_names_the_holder, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_close_ int ns_fd = -1;
        struct tasklock l;
        char want[64];
        pid_t pid = hold("web");

        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "web", 0.2, &l, NULL, &err), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
        snprintf(want, sizeof want, "locked by pid %d", (int) pid);
        cr_assert(not(eq(ptr, strstr(err->msg, want), NULL)), "%s", err->msg);
        ns_fd = openat(root_fd, "tasks/ns1", O_RDONLY | O_DIRECTORY);
        cr_assert(eq(int, tasklock_try(ns_fd, "web", &l, &err), 0));
        /* other tasks never wait for it */
        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "db", 0.2, &l, NULL, &err), 0));
        tasklock_release(&l);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        holder_pid = -1;
        cr_assert(eq(int, tasklock_try(ns_fd, "web", &l, &err), 1));
        tasklock_release(&l);
        cr_assert(eq(int, tasklock_try(ns_fd, "none", &l, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
}

Test(tasklock, remove_dir_while_held_and_symlink_refused, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct tasklock l;
        struct stat st;

        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "web", 1, &l, NULL, &err), 0));
        cr_assert(eq(int, mkdirat(l.dir_fd, "sub", 0700), 0));
        cr_assert(eq(int, tasklock_remove_dir(&l, NULL, &err), 0));
        cr_assert(eq(int, fstatat(root_fd, "tasks/ns1/web", &st, 0), -1));
        cr_assert(eq(int, symlinkat("/tmp", root_fd, "tasks/ns1/evil"), 0));
        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "evil", 1, &l, NULL, &err), -1));
        cr_assert(eq(int, err->kind, TC_INTERNAL));
}

static bool exists(const char *rel)
{
        struct stat st;

        return fstatat(root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The lock owns the work dir it made: released unused, it is removed; used,
 * or not made by this lock, it stays. */
Test(tasklock, release_unused_removes_only_what_it_made, .init = setup, .fini = teardown)
{
        struct tasklock l = TASKLOCK_NONE;

        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "a", 5, &l, NULL, NULL), 0));
        cr_assert(l.made);
        tasklock_release_unused(&l, true);
        cr_assert(exists("tasks/ns1/a"), "a used work dir stays");
        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "a", 5, &l, NULL, NULL), 0));
        cr_assert(not(l.made));
        tasklock_release_unused(&l, false);
        cr_assert(exists("tasks/ns1/a"), "a work dir the lock did not make stays");
        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "b", 5, &l, NULL, NULL), 0));
        tasklock_release_unused(&l, false);
        cr_assert(not(exists("tasks/ns1/b")), "an unused work dir the lock made goes");
        {
                _cleanup_(tasklock_release_unusedp) struct tasklock c = TASKLOCK_NONE;

                cr_assert(eq(int, tasklock_take(root_fd, "ns1", "c", 5, &c, NULL, NULL), 0));
        }
        cr_assert(not(exists("tasks/ns1/c")), "the _cleanup_ form removes it too");
}

/* A directory made at the name after ours was lost is not ours to remove. */
Test(tasklock, removal_spares_a_directory_made_since, .init = setup, .fini = teardown)
{
        struct tasklock l = TASKLOCK_NONE;
        struct stat st;

        cr_assert(eq(int, tasklock_take(root_fd, "ns1", "x", 5, &l, NULL, NULL), 0));
        cr_assert(eq(int, renameat(root_fd, "tasks/ns1/x", root_fd, "tasks/ns1/.old"), 0));
        cr_assert(eq(int, mkdirat(root_fd, "tasks/ns1/x", 0711), 0));
        cr_assert(eq(int, mkdirat(root_fd, "tasks/ns1/x/keep", 0700), 0));
        tasklock_release_unused(&l, false);
        cr_assert(eq(int, fstatat(root_fd, "tasks/ns1/x/keep", &st, 0), 0),
                  "the new directory and its content stay");
        cr_assert(eq(int, l.dir_fd, -1), "released all the same");
}
