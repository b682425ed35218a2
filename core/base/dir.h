/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <dirent.h>

/* Opens a directory stream on a duplicate of FD (FD itself stays open and
 * owned by the caller). -1 with errno set on failure. */
int dir_open_dup(int fd, DIR **ret);
