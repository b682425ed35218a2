/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/tasklock.h"

static char tmp[] = "/tmp/tc-lock-XXXXXX";
static int state_fd = -1;
static pid_t holder_pid = -1;

static void setup(void)
{
        cr_assert(not(eq(ptr, mkdtemp(tmp), NULL)));
        state_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(state_fd >= 0);
}

static void end(pid_t pid)
{
        if (pid <= 0)
                return;
        (void) kill(pid, SIGKILL); /* our own child, by pid */
        (void) waitpid(pid, NULL, 0);
        holder_pid = -1;
}

static void teardown(void)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        end(holder_pid); /* also when an assertion ended the test early */
        (void) close(state_fd);
        (void) fs_rmtree_at(AT_FDCWD, tmp, NULL, &err);
}

/* The child: takes the lock, reports "1" (or "0" on failure) on W and then
 * sleeps until we kill it. INHERITED is a lock fd of ours that fork() copied:
 * the copy shares our flock, so the child must drop it. */
static _Noreturn void holder_child(const char *id, int inherited, int w)
{
        int fd = -1;
        struct stat a, b;
        char path[300];
        bool ok;

        if (inherited >= 0)
                (void) close(inherited);
        ok = task_lock(state_fd, "ns1", id, 5, &fd, NULL) == 0;
        (void) snprintf(path, sizeof path, "%s/locks/ns1/%s.lock", tmp, id);
        ok = ok && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino;
        (void) write(w, ok ? "1" : "0", 1);
        pause();
        _exit(0);
}

static pid_t holder(const char *id, int inherited, int *ret_pipe)
{
        int p[2];
        pid_t pid;

        cr_assert(eq(int, pipe2(p, O_CLOEXEC), 0));
        pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0)
                holder_child(id, inherited, p[1]);
        holder_pid = pid;
        (void) close(p[1]);
        *ret_pipe = p[0];
        return pid;
}

Test(tasklock, layout_and_modes, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        char path[300];

        cr_assert(eq(int, task_lock(state_fd, "ns1", "t1", 1, &fd, &err), 0));
        (void) snprintf(path, sizeof path, "%s/locks", tmp);
        cr_assert(eq(int, stat(path, &st), 0));
        cr_assert(eq(u32, st.st_mode & 07777, 0711));
        (void) snprintf(path, sizeof path, "%s/locks/ns1", tmp);
        cr_assert(eq(int, stat(path, &st), 0));
        cr_assert(eq(u32, st.st_mode & 07777, 0700));
        (void) snprintf(path, sizeof path, "%s/locks/ns1/t1.lock", tmp);
        cr_assert(eq(int, stat(path, &st), 0));
        cr_assert(eq(u32, st.st_mode & S_IFMT, S_IFREG));
        (void) snprintf(path, sizeof path, "%s/tasks", tmp);
        cr_assert(eq(int, stat(path, &st), -1), "locks are outside STATE/tasks");
        cr_assert(eq(int, fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC));
}

Test(tasklock, invalid_names_touch_nothing, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        int fd = -1;
        struct stat st;
        char path[300];

        cr_assert(eq(int, task_lock(state_fd, "ns1", "../x", 1, &fd, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(int, task_lock_try(state_fd, ".ns", "t1", &fd, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        (void) snprintf(path, sizeof path, "%s/locks", tmp);
        cr_assert(eq(int, stat(path, &st), -1));
}

Test(tasklock, contention_times_out_naming_the_holder, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_close_ int fd = -1, other = -1, rp = -1;
        char want[64], c = 0;
        pid_t pid = holder("t1", -1, &rp);

        cr_assert(eq(int, (int) read(rp, &c, 1), 1));
        cr_assert(eq(chr, c, '1'));
        cr_assert(eq(int, task_lock(state_fd, "ns1", "t1", 0.3, &fd, &err), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
        (void) snprintf(want, sizeof want, "locked by pid %d", (int) pid);
        cr_assert(not(eq(ptr, strstr(err->msg, want), NULL)), "%s", err->msg);
        cr_assert(not(eq(ptr, strstr(err->msg, "task \"t1\" in namespace \"ns1\""), NULL)));
        cr_assert(eq(int, task_lock_try(state_fd, "ns1", "t1", &fd, &err), 0));
        /* another task is never blocked by it */
        cr_assert(eq(int, task_lock_try(state_fd, "ns1", "t2", &other, &err), 1));
        end(pid);
        cr_assert(eq(int, task_lock(state_fd, "ns1", "t1", 1, &fd, &err), 0));
}

Test(tasklock, try_sees_our_own_other_holder, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_close_ int fd = -1, fd2 = -1;

        cr_assert(eq(int, task_lock_try(state_fd, "ns1", "t1", &fd, &err), 1));
        cr_assert(eq(int, task_lock_try(state_fd, "ns1", "t1", &fd2, &err), 0));
        closep(&fd);
        fd = -1; /* unlocked */
        cr_assert(eq(int, task_lock_try(state_fd, "ns1", "t1", &fd2, &err), 1));
}

Test(tasklock, removing_the_file_never_lets_two_in, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_close_ int rp = -1, again = -1;
        int fd = -1;
        char c = 0;
        pid_t pid;

        cr_assert(eq(int, task_lock(state_fd, "ns1", "t1", 1, &fd, &err), 0));
        pid = holder("t1", fd, &rp); /* opens the file and waits for it */
        (void) usleep(200000);
        task_unlock_remove(state_fd, "ns1", "t1", &fd);
        cr_assert(eq(int, fd, -1));
        /* the waiter got the old, unlinked inode first, noticed and took a new one */
        cr_assert(eq(int, (int) read(rp, &c, 1), 1));
        cr_assert(eq(chr, c, '1'));
        cr_assert(eq(int, task_lock_try(state_fd, "ns1", "t1", &again, &err), 0));
        end(pid);
}
