/* SPDX-License-Identifier: Apache-2.0 */
/* The floor for `containers list`: open, read and close every record file of
 * one namespace directory, nothing else. Built and run by scripts/bench-store.
 * Usage: bench-floor DIR */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        static char buf[1 << 16];
        size_t files = 0, bytes = 0;
        struct dirent *de;
        DIR *d;

        if (argc != 2 || !(d = opendir(argv[1]))) {
                fprintf(stderr, "usage: bench-floor DIR\n");
                return 2;
        }
        while ((de = readdir(d))) {
                int fd;
                ssize_t n;

                if (de->d_name[0] == '.')
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                while ((n = read(fd, buf, sizeof buf)) > 0)
                        bytes += (size_t) n;
                close(fd);
                files++;
        }
        closedir(d);
        printf("%zu files, %zu bytes\n", files, bytes);
        return 0;
}
