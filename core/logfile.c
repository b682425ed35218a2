/* SPDX-License-Identifier: Apache-2.0 */
/* The task output log: CRI-format records, size-bounded with one rotation. */
#include "core/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/timefmt.h"

/* closes *FD if open and marks it closed */
static void fd_close(int *fd)
{
        if (*fd >= 0)
                (void) close(*fd);
        *fd = -1;
}

int logfile_writer_open(int dir_fd, off_t max, struct logfile_writer *w, struct tc_err **err)
{
        struct stat st;

        *w = (struct logfile_writer){ .dir_fd = dir_fd, .fd = -1, .max = max };
        if (w->max < LOGFILE_MIN_MAX)
                w->max = LOGFILE_MIN_MAX;
        w->fd = openat(dir_fd, LOGFILE_NAME,
                       O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (w->fd < 0 || fstat(w->fd, &st) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", LOGFILE_NAME);
        w->size = st.st_size;
        return 0;
}

void logfile_writer_close(struct logfile_writer *w)
{
        fd_close(&w->fd);
}

/* output.log becomes .output.log.1 (replacing the previous one), a new one starts. */
static int rotate(struct logfile_writer *w, struct tc_err **err)
{
        int fd;

        if (renameat(w->dir_fd, LOGFILE_NAME, w->dir_fd, LOGFILE_OLD) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "rotate %s", LOGFILE_NAME);
        fd = openat(w->dir_fd, LOGFILE_NAME,
                    O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", LOGFILE_NAME);
        (void) close(w->fd);
        w->fd = fd;
        w->size = 0;
        return 0;
}

/* Records of one chunk are gathered and written with one write(): a chunk
 * of short lines costs one system call, not one per line; a follower never
 * sees half a record (a rotation flushes first). */
struct batch {
        char buf[128 * 1024];
        size_t len;
};

static int flush(struct logfile_writer *w, struct batch *b, struct tc_err **err)
{
        if (b->len > 0 && write_all(w->fd, b->buf, b->len) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "write %s", LOGFILE_NAME);
        w->size += (off_t) b->len;
        b->len = 0;
        return 0;
}

static int put_record(struct logfile_writer *w, struct batch *b, const char *prefix, size_t plen,
                      char tag, const char *data, size_t len, struct tc_err **err)
{
        size_t total = plen + 2 + len + 1;

        if (w->size + (off_t) (b->len + total) > w->max && w->size + (off_t) b->len > 0 &&
            (flush(w, b, err) < 0 || rotate(w, err) < 0))
                return -1;
        if (b->len + total > sizeof b->buf && flush(w, b, err) < 0)
                return -1;
        if (total > sizeof b->buf) { /* only with a huge limit: straight through */
                char tagsp[2] = { tag, ' ' };

                if (write_all(w->fd, prefix, plen) < 0 || write_all(w->fd, tagsp, 2) < 0 ||
                    write_all(w->fd, data, len) < 0 || write_all(w->fd, "\n", 1) < 0)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "write %s", LOGFILE_NAME);
                w->size += (off_t) total;
                return 0;
        }
        memcpy(b->buf + b->len, prefix, plen);
        b->buf[b->len + plen] = tag;
        b->buf[b->len + plen + 1] = ' ';
        memcpy(b->buf + b->len + plen + 2, data, len);
        b->buf[b->len + total - 1] = '\n';
        b->len += total;
        return 0;
}

int logfile_write(struct logfile_writer *w, enum logfile_stream stream, const struct timespec *ts,
                  const char *buf, size_t len, struct tc_err **err)
{
        static struct batch b;
        char prefix[TIMEFMT_LEN + 16];
        char when[TIMEFMT_LEN];
        size_t plen;

        b.len = 0;
        timefmt_rfc3339(ts, when);
        plen = (size_t) snprintf(prefix, sizeof prefix, "%s %s ", when,
                                 stream == LOGFILE_STDERR ? "stderr" : "stdout");
        while (len > 0) {
                const char *nl = memchr(buf, '\n', len);
                size_t n = nl ? (size_t) (nl - buf) : len;
                /* a record stays well under the size limit */
                size_t chunk = n > (size_t) w->max / 2 ? (size_t) w->max / 2 : n;
                bool full = nl && chunk == n;

                if (put_record(w, &b, prefix, plen, full ? 'F' : 'P', buf, chunk, err) < 0)
                        return -1;
                w->line_open[stream] = !full;
                buf += chunk + (full ? 1 : 0);
                len -= chunk + (full ? 1 : 0);
        }
        return flush(w, &b, err);
}

bool logfile_parse(const char *line, size_t len, struct logfile_rec *ret)
{
        const char *sp1 = memchr(line, ' ', len), *p;
        char when[TIMEFMT_LEN];
        size_t rest;

        if (!sp1 || (size_t) (sp1 - line) >= sizeof when)
                return false;
        memcpy(when, line, (size_t) (sp1 - line));
        when[sp1 - line] = '\0';
        if (!timefmt_parse(when, &ret->ts))
                return false;
        p = sp1 + 1;
        rest = len - (size_t) (p - line);
        if (rest >= 7 && memcmp(p, "stdout ", 7) == 0)
                ret->stream = LOGFILE_STDOUT;
        else if (rest >= 7 && memcmp(p, "stderr ", 7) == 0)
                ret->stream = LOGFILE_STDERR;
        else
                return false;
        p += 7;
        rest -= 7;
        if (rest < 2 || (p[0] != 'F' && p[0] != 'P') || p[1] != ' ')
                return false;
        ret->partial = p[0] == 'P';
        ret->data = p + 2;
        ret->len = rest - 2;
        return true;
}

size_t logfile_tail_start(const struct logfile_rec *recs, size_t n_recs, long tail)
{
        size_t i = n_recs;

        if (tail < 0)
                return 0;
        /* each step takes one line off the end: its last record (an F, or
         * the trailing P of an unfinished line) and the P records before it */
        for (long lines = 0; i > 0 && lines < tail; lines++) {
                i--;
                while (i > 0 && recs[i - 1].partial)
                        i--;
        }
        return i;
}
