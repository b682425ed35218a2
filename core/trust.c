/* SPDX-License-Identifier: Apache-2.0 */
#include "core/trust.h"

#include <errno.h>
#include <unistd.h>

int trust_check_stat(const struct stat *st, const char *what, struct tc_err **err)
{
        if (st->st_uid != 0 && st->st_uid != geteuid())
                return tc_fail(err, TC_FAILED_PRECONDITION,
                               "%s is owned by uid %u, neither root nor us: nothing in it is "
                               "trusted",
                               what, (unsigned) st->st_uid);
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return tc_fail(err, TC_FAILED_PRECONDITION,
                               "%s is writable by its group or others (mode %04o): nothing in "
                               "it is trusted (chmod go-w it)",
                               what, (unsigned) (st->st_mode & 07777));
        return 0;
}

int trust_check_fd(int fd, const char *what, struct tc_err **err)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "stat %s", what);
        return trust_check_stat(&st, what, err);
}
