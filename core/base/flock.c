/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base/flock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"

int flock_holder_pid(int fd)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/locks", "re");
        struct stat st;
        char line[512];

        if (!f || fstat(fd, &st) < 0)
                return 0;
        /* 1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF   ("->" lines are waiters) */
        while (fgets(line, sizeof line, f)) {
                char type[16], adv[16], mode[16];
                unsigned maj, min;
                unsigned long ino;
                int pid;

                if (strstr(line, "->"))
                        continue;
                if (sscanf(line, "%*d: %15s %15s %15s %d %x:%x:%lu", type, adv, mode, &pid, &maj,
                           &min, &ino) != 7)
                        continue;
                if (strcmp(type, "FLOCK") == 0 && ino == st.st_ino && maj == major(st.st_dev) &&
                    min == minor(st.st_dev) && pid != getpid())
                        return pid;
        }
        return 0;
}

int flock_wait(int fd, int op, double timeout, const char *what, struct tc_err **err)
{
        return flock_wait_until(fd, op, timefmt_mono() + timeout, timeout, what, err);
}

int flock_wait_until(int fd, int op, double deadline, double timeout, const char *what,
                     struct tc_err **err)
{
        long sleep_ns = 1000000; /* 1 ms, doubling to 50 ms */

        for (;;) {
                if (flock(fd, op | LOCK_NB) == 0)
                        return 0;
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "lock %s", what);
                if (timefmt_mono() >= deadline) {
                        int pid = flock_holder_pid(fd);

                        if (pid > 0)
                                return tc_fail(err, TC_DEADLINE_EXCEEDED,
                                               "%s is locked by pid %d (waited %gs)", what, pid,
                                               timeout);
                        return tc_fail(err, TC_DEADLINE_EXCEEDED,
                                       "%s is locked by another process (waited %gs)", what,
                                       timeout);
                }
                nanosleep(&(struct timespec){ 0, sleep_ns }, NULL);
                if (sleep_ns < 50000000)
                        sleep_ns *= 2;
        }
}

int flock_take(int dfd, const char *name, int op, double timeout, const char *what, int *ret_fd,
               struct tc_err **err)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "open lock for %s", what);
        if (flock_wait(fd, op, timeout, what, err) < 0)
                return -1;
        *ret_fd = steal_fd(fd);
        return 0;
}

bool flock_is_held(int dfd, const char *name)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return false;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                (void) flock(fd, LOCK_UN);
                return false;
        }
        return errno == EWOULDBLOCK;
}

int flock_holder_pid_at(int dfd, const char *name)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        return fd < 0 ? 0 : flock_holder_pid(fd);
}
