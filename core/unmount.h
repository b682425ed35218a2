/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/base/err.h"

/* containerd's mount.UnmountRecursive for DIR_FD/NAME: unmounts every mount
 * at or below it (stacked ones too), deepest first, as found in
 * /proc/self/mountinfo. Each mount point is reached from DIR_FD by a walk that
 * never follows a symlink, so a path swapped under us cannot redirect the
 * unmount elsewhere. A busy mount is detached (MNT_DETACH). Nothing mounted is
 * success; a mount that stays is TC_FAILED_PRECONDITION. */
int unmount_recursive(int dir_fd, const char *name, struct tc_err **err);

/* Number of mount points at or below DIR_FD/NAME (-1 if unknown). */
int unmount_count_under(int dir_fd, const char *name);
