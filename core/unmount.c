/* SPDX-License-Identifier: Apache-2.0 */
/* Unmounting what a shim mounted in a bundle (containerd's mount.UnmountAll /
 * UnmountRecursive), by mountinfo and by fd. */
#include "core/unmount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/log.h"

#define UNMOUNT_ROUNDS 8

/* mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo */
static void unescape_octal(char *s)
{
        char *w = s;

        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char) (((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
                        r += 4;
                } else {
                        *w++ = *r++;
                }
        }
        *w = '\0';
}

/* The absolute path (as the kernel sees it) of DIR_FD/NAME; NULL if the
 * directory is gone ("(deleted)") or unknown. */
static char *path_of(int dir_fd, const char *name)
{
        char link[64], buf[PATH_MAX];
        ssize_t n;
        char *ret = NULL;

        (void) snprintf(link, sizeof link, "/proc/self/fd/%d", dir_fd);
        n = readlink(link, buf, sizeof buf - 1);
        if (n <= 0 || buf[0] != '/')
                return NULL;
        buf[n] = '\0';
        if (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0)
                return NULL;
        if (asprintf(&ret, "%s/%s", strcmp(buf, "/") == 0 ? "" : buf, name) < 0)
                return NULL;
        return ret;
}

static bool is_under(const char *mp, const char *path)
{
        size_t n = strlen(path);

        return strncmp(mp, path, n) == 0 && (mp[n] == '\0' || mp[n] == '/');
}

static int append(char ***v, size_t *n, char *s)
{
        char **nv = realloc(*v, (*n + 2) * sizeof **v);

        if (!nv) {
                free(s);
                return -1;
        }
        nv[(*n)++] = s;
        nv[*n] = NULL;
        *v = nv;
        return 0;
}

/* Mount points at or below PATH, one entry per mount (stacked ones repeat). */
static int list_under(const char *path, char ***ret, size_t *ret_n)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        _cleanup_strv_ char **v = NULL;
        size_t cap = 0, n = 0;

        if (!f)
                return -1;
        while (getline(&line, &cap, f) > 0) {
                char *save = NULL, *mp = strtok_r(line, " ", &save);

                /* id parent major:minor root MOUNTPOINT ... */
                for (int i = 0; i < 4 && mp; i++)
                        mp = strtok_r(NULL, " ", &save);
                if (!mp)
                        continue;
                unescape_octal(mp);
                if (is_under(mp, path) && append(&v, &n, strdup(mp)) < 0)
                        return -1;
        }
        *ret = steal_ptr(v);
        *ret_n = n;
        return 0;
}

static int deeper_first(const void *a, const void *b)
{
        size_t la = strlen(*(char *const *) a), lb = strlen(*(char *const *) b);

        return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Opens directory REL under DIR_FD one component at a time, O_NOFOLLOW. */
static int open_dir_nofollow(int dir_fd, const char *rel)
{
        _cleanup_free_ char *copy = strdup(rel);
        char *save = NULL;
        int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);

        if (!copy || fd < 0) {
                if (fd >= 0)
                        (void) close(fd);
                return -1;
        }
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                (void) close(fd);
                if (next < 0)
                        return -1;
                fd = next;
        }
        return fd;
}

/* Unmounts the top mount at DIR_FD/REL ("rootfs/a/b"): through an fd on its
 * parent and UMOUNT_NOFOLLOW, so no symlink on the way is ever followed. The
 * fd pins only the parent's mount, not the one we unmount. */
static int unmount_one(int dir_fd, const char *rel)
{
        _cleanup_free_ char *parent = strdup(rel);
        _cleanup_close_ int pfd = -1;
        char *slash, path[PATH_MAX];
        const char *leaf = rel;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (slash) {
                *slash = '\0';
                leaf = rel + (slash - parent) + 1;
        }
        pfd = slash ? open_dir_nofollow(dir_fd, parent) : fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (pfd < 0)
                return -errno;
        (void) snprintf(path, sizeof path, "/proc/self/fd/%d/%s", pfd, leaf);
        if (umount2(path, UMOUNT_NOFOLLOW) == 0)
                return 0;
        if (errno == EBUSY && umount2(path, UMOUNT_NOFOLLOW | MNT_DETACH) == 0)
                return 0;
        return -errno;
}

/* One pass over the current mounts: 0 when there were none, how many went,
 * -1 when none of them would go, -2 when mountinfo is unreadable. */
static int unmount_round(int dir_fd, const char *name, const char *path, char **ret_stuck)
{
        _cleanup_strv_ char **mps = NULL;
        size_t n = 0, base = strlen(path) - strlen(name);
        int done = 0;

        if (list_under(path, &mps, &n) < 0)
                return -2;
        if (n == 0)
                return 0;
        qsort(mps, n, sizeof *mps, deeper_first);
        for (size_t i = 0; i < n; i++) {
                int r = unmount_one(dir_fd, mps[i] + base);

                if (r == 0) {
                        log_debug("unmounted %s", mps[i]);
                        done++;
                } else if (r != -EINVAL && r != -ENOENT && !*ret_stuck) {
                        *ret_stuck = strdup(mps[i]);
                        errno = -r;
                }
        }
        return done > 0 ? done : -1;
}

int unmount_recursive(int dir_fd, const char *name, struct tc_err **err)
{
        _cleanup_free_ char *path = path_of(dir_fd, name);
        _cleanup_free_ char *stuck = NULL;
        int e = 0;

        if (!*name || strchr(name, '/'))
                return tc_fail(err, TC_INVALID_ARGUMENT, "unmount: bad name \"%s\"", name);
        if (!path)
                return 0; /* the directory is gone: nothing can be mounted in it */
        for (int round = 0; round < UNMOUNT_ROUNDS; round++) {
                int r = unmount_round(dir_fd, name, path, &stuck);

                e = errno;
                if (r == 0)
                        return 0;
                if (r == -2)
                        return tc_fail_sys(err, TC_INTERNAL, e, "read /proc/self/mountinfo");
                if (r < 0)
                        break;
        }
        if (stuck)
                return tc_fail_sys(err, TC_FAILED_PRECONDITION, e, "unmount %s", stuck);
        return tc_fail(err, TC_FAILED_PRECONDITION, "cannot unmount everything under %s", path);
}

int unmount_count_under(int dir_fd, const char *name)
{
        _cleanup_free_ char *path = path_of(dir_fd, name);
        _cleanup_strv_ char **mps = NULL;
        size_t n = 0;

        if (!path)
                return 0;
        if (list_under(path, &mps, &n) < 0)
                return -1;
        return (int) n;
}
