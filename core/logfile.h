/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A task's output log, BUNDLE/output.log, in the CRI log format (what the
 * kubelet and containerd's CRI write): one record per line,
 *     <RFC 3339 time> <stdout|stderr> <F|P> <bytes without newline>\n
 * F ends a line (the newline was in the output), P is a partial line (a
 * chunk without its newline yet, e.g. a terminal prompt). The writer rotates
 * to output.log.1 when output.log would pass its size limit, so a task keeps
 * at most twice the limit on disk; readers read output.log.1 then output.log.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "core/base/err.h"

#define LOGFILE_NAME "output.log"
#define LOGFILE_OLD ".output.log.1" /* the rotated file, a dot-name: never a task */
#define LOGFILE_DEFAULT_MAX (1024 * 1024) /* bytes per file */
#define LOGFILE_MIN_MAX 4096

enum logfile_stream { LOGFILE_STDOUT = 1, LOGFILE_STDERR = 2 };

struct logfile_writer {
        int dir_fd; /* borrowed */
        int fd;
        off_t size;
        off_t max;
        bool line_open[3]; /* per stream: last record was P */
};

/* Opens (appends to) DIR_FD/output.log. */
int logfile_writer_open(int dir_fd, off_t max, struct logfile_writer *w, struct tc_err **err);
/* Appends BUF (one chunk of STREAM's output read at TS) as records: one F per
 * newline, a P for a trailing piece. Rotates first when needed. */
int logfile_write(struct logfile_writer *w, enum logfile_stream stream, const struct timespec *ts,
                  const char *buf, size_t len, struct tc_err **err);
void logfile_writer_close(struct logfile_writer *w);

/* One parsed record; DATA points into the parsed line. */
struct logfile_rec {
        struct timespec ts;
        enum logfile_stream stream;
        bool partial;
        const char *data;
        size_t len;
};

/* Parses LINE (LEN bytes, without its newline); false if it is not a record. */
bool logfile_parse(const char *line, size_t len, struct logfile_rec *ret);

/* --tail N over N_RECS records: the index of the first record to print so
 * that the last TAIL lines (a line is a run of P records ended by an F, or a
 * trailing run of P records) are printed. TAIL < 0: all (0). */
size_t logfile_tail_start(const struct logfile_rec *recs, size_t n_recs, long tail);
