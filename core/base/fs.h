/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/base/err.h"

int write_all(int fd, const void *buf, size_t len);
/* Reads the whole of FD into a NUL-terminated malloc'd buffer; fails with
 * TC_INVALID_ARGUMENT past MAX bytes. */
int read_all(int fd, size_t max, char **ret_buf, size_t *ret_len, struct tc_err **err);
/* Reads NAME under DFD (O_NOFOLLOW). ENOENT -> TC_NOT_FOUND. */
int fs_read_at(int dfd, const char *name, size_t max, char **ret_buf, size_t *ret_len,
               struct tc_err **err);

/* Atomic, durable replace of DFD/NAME: temp ".NAME.PID", fsync, rename, fsync dir.
 * The caller holds whatever lock makes a temp named with our pid ours. */
int fs_replace(int dfd, const char *name, const void *buf, size_t len, mode_t mode,
               struct tc_err **err);
/* The fsync(2) fs_replace calls on DFD after its rename (fsync unless a unit
 * test, tests/unit/test_base.c, makes it fail: nothing else may set it). */
extern int (*fs_replace_dir_fsync)(int fd);

/* Opens directory NAME under DFD (O_NOFOLLOW|O_DIRECTORY|O_CLOEXEC, O_RDONLY).
 * With CREATE, makes it first with MODE if missing (and fsyncs DFD).
 * A missing dir without CREATE is TC_NOT_FOUND; a symlink is refused. */
int fs_open_dir(int dfd, const char *name, bool create, mode_t mode, int *ret_fd,
                struct tc_err **err);
/* Opens (creating with mode 0711 each missing component) the absolute or
 * relative path PATH. Used only for ROOT/STATE given by the user. */
int fs_open_path_dir(const char *path, bool create, int *ret_fd, struct tc_err **err);

/* True when DFD/NAME is a mount point (different st_dev or a mountinfo entry). */
bool fs_is_mountpoint_at(int dfd, const char *name);

/* Recursively removes DFD/NAME without following symlinks and without crossing
 * a mount point: a mount found inside is left in place and reported through
 * ret_mount (the first one found, relative path, malloc'd), and the call then
 * fails with TC_FAILED_PRECONDITION. A missing NAME is success. */
int fs_rmtree_at(int dfd, const char *name, char **ret_mount, struct tc_err **err);

/* fsync a directory fd, ignoring EINVAL/EROFS. */
int fs_sync_dir(int dfd, struct tc_err **err);
