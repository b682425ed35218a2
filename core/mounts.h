/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"

/* The mount points of our mount namespace under one directory, read once from
 * /proc/self/mountinfo (octal escapes decoded), sorted. */
struct mounts {
        char **paths;
        size_t n;
};

/* Loads every mount point strictly below PREFIX (an absolute, symlink-free path). */
int mounts_load(const char *prefix, struct mounts *ret, struct tc_err **err);
/* The first mount point at or below DIR (absolute), or NULL. */
const char *mounts_find_under(const struct mounts *m, const char *dir);
void mounts_release(struct mounts *m);
/* The absolute path of an open directory (readlink /proc/self/fd/N), malloc'd. */
int fd_path(int fd, char **ret, struct tc_err **err);
