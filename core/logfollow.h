/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Reading a task's output log (core/logfile.h) while its helper may still
 * write it: `logs [-f]`, `attach` and `run` are followers. A follower keeps
 * file descriptors, so a rotation (output.log renamed to .output.log.1) loses
 * nothing: the old file is read to its end, then the new one from its start.
 * Followers wake on inotify events on the bundle directory. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/base/err.h"
#include "core/logfile.h"

struct logfollow {
        int dir_fd;    /* the bundle (dup'ed) */
        int fd;        /* the file being read, -1 before output.log exists */
        int old_fd;    /* .output.log.1 at open, read first (FROM_START only) */
        int notify_fd; /* inotify on the bundle directory */
        ino_t ino;
        char *buf;
        size_t len, cap;
};

/* FROM_START: from the oldest record kept; else from the current end. */
int logfollow_open(int bundle_fd, bool from_start, struct logfollow *f, struct tc_err **err);
void logfollow_close(struct logfollow *f);

typedef int (*logfollow_fn)(const struct logfile_rec *rec, void *user, struct tc_err **err);
/* Every complete record available now, to FN; returns the number read. */
int logfollow_read(struct logfollow *f, logfollow_fn fn, void *user, struct tc_err **err);
/* Waits up to TIMEOUT_MS for the log to change (or another fd of EXTRA to be
 * ready: poll()-style array the caller owns, may be NULL). */
int logfollow_wait(struct logfollow *f, int timeout_ms, struct tc_err **err);
