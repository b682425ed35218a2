/* SPDX-License-Identifier: Apache-2.0 */
/* Followers of a task's output log across rotations. */
#include "core/logfollow.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"

/* closes *FD if open and marks it closed */
static void fd_close(int *fd)
{
        if (*fd >= 0)
                (void) close(*fd);
        *fd = -1;
}

int logfollow_open(int bundle_fd, bool from_start, struct logfollow *f, struct tc_err **err)
{
        struct stat st;

        *f = (struct logfollow){ .dir_fd = -1, .fd = -1, .old_fd = -1, .notify_fd = -1 };
        f->dir_fd = fcntl(bundle_fd, F_DUPFD_CLOEXEC, 3);
        f->notify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (f->dir_fd < 0 || f->notify_fd < 0)
                goto fail;
        /* the watch goes on the directory through /proc/self/fd: the bundle
         * may be reached only by fd here */
        {
                char path[64];

                (void) snprintf(path, sizeof path, "/proc/self/fd/%d", f->dir_fd);
                if (inotify_add_watch(f->notify_fd, path,
                                      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                              IN_CLOSE_WRITE) < 0)
                        goto fail;
        }
        if (from_start)
                f->old_fd = openat(f->dir_fd, LOGFILE_OLD, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        f->fd = openat(f->dir_fd, LOGFILE_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (f->fd >= 0 && fstat(f->fd, &st) == 0) {
                f->ino = st.st_ino;
                if (!from_start && lseek(f->fd, 0, SEEK_END) < 0)
                        goto fail;
        }
        return 0;
fail:
        tc_fail_sys(err, TC_INTERNAL, errno, "follow %s", LOGFILE_NAME);
        logfollow_close(f);
        return -1;
}

void logfollow_close(struct logfollow *f)
{
        fd_close(&f->dir_fd);
        fd_close(&f->fd);
        fd_close(&f->old_fd);
        fd_close(&f->notify_fd);
        free(f->buf);
        f->buf = NULL;
        f->len = f->cap = 0;
}

/* Hands every complete line in the buffer to FN, keeps the rest. */
static int drain_lines(struct logfollow *f, logfollow_fn fn, void *user, int *count,
                       struct tc_err **err)
{
        size_t off = 0;
        char *nl;

        while ((nl = memchr(f->buf + off, '\n', f->len - off))) {
                struct logfile_rec rec;
                size_t n = (size_t) (nl - (f->buf + off));

                if (logfile_parse(f->buf + off, n, &rec)) {
                        (*count)++;
                        if (fn(&rec, user, err) < 0)
                                return -1;
                }
                off += n + 1;
        }
        memmove(f->buf, f->buf + off, f->len - off);
        f->len -= off;
        return 0;
}

/* Reads FD to its current end through the line buffer. */
static int read_fd(struct logfollow *f, int fd, logfollow_fn fn, void *user, int *count,
                   struct tc_err **err)
{
        for (;;) {
                ssize_t n;

                if (f->cap - f->len < 64 * 1024) {
                        char *nb = realloc(f->buf, f->cap + 128 * 1024);

                        if (!nb)
                                return tc_fail(err, TC_INTERNAL, "out of memory");
                        f->buf = nb;
                        f->cap += 128 * 1024;
                }
                n = read(fd, f->buf + f->len, f->cap - f->len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "read %s", LOGFILE_NAME);
                if (n == 0)
                        return 0;
                f->len += (size_t) n;
                if (drain_lines(f, fn, user, count, err) < 0)
                        return -1;
        }
}

/* After reading our file to its end: has output.log been replaced? */
static bool next_file(struct logfollow *f)
{
        struct stat st;
        int fd = openat(f->dir_fd, LOGFILE_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return false;
        if (fstat(fd, &st) < 0 || (f->fd >= 0 && st.st_ino == f->ino)) {
                (void) close(fd);
                return false;
        }
        fd_close(&f->fd);
        f->fd = fd;
        f->ino = st.st_ino;
        f->len = 0; /* records are written whole: nothing of the old file is pending */
        return true;
}

int logfollow_read(struct logfollow *f, logfollow_fn fn, void *user, struct tc_err **err)
{
        int count = 0;

        if (f->old_fd >= 0) {
                if (read_fd(f, f->old_fd, fn, user, &count, err) < 0)
                        return -1;
                fd_close(&f->old_fd);
                f->len = 0;
        }
        do {
                if (f->fd >= 0 && read_fd(f, f->fd, fn, user, &count, err) < 0)
                        return -1;
        } while (next_file(f));
        return count;
}

int logfollow_wait(struct logfollow *f, int timeout_ms, struct tc_err **err)
{
        struct pollfd p = { .fd = f->notify_fd, .events = POLLIN };
        char buf[4096];

        if (poll(&p, 1, timeout_ms) < 0 && errno != EINTR)
                return tc_fail_sys(err, TC_INTERNAL, errno, "poll");
        while (read(f->notify_fd, buf, sizeof buf) > 0)
                ;
        return 0;
}
