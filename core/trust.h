/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Whether a directory of STATE may be trusted. A bundle's shim-binary-path
 * (a program we run as root), address (a socket we talk to and whose answers
 * name pids we signal) and shim.pid are only as trustworthy as the
 * directories that hold them: each of STATE, STATE/tasks, STATE/tasks/NS and
 * the bundle must be owned by root or by our effective uid and not writable
 * by its group or others. Otherwise TC_FAILED_PRECONDITION, naming the
 * directory, its owner or mode, and nothing in it is used.
 */
#include <sys/stat.h>

#include "core/base/err.h"

/* ST (a directory's stat) passes the check; WHAT names it in the message. */
int trust_check_stat(const struct stat *st, const char *what, struct tc_err **err);
/* The directory open as FD passes the check. */
int trust_check_fd(int fd, const char *what, struct tc_err **err);
