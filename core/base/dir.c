/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base/dir.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int dir_open_dup(int fd, DIR **ret)
{
        int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        DIR *d;

        if (dfd < 0)
                return -1;
        d = fdopendir(dfd);
        if (!d) {
                int sys = errno;

                (void) close(dfd);
                errno = sys;
                return -1;
        }
        *ret = d;
        return 0;
}
