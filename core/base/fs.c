/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/base/cleanup.h"

int write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int read_all(int fd, size_t max, char **ret_buf, size_t *ret_len, struct tc_err **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                ssize_t n;

                if (cap - len < 4096) {
                        size_t ncap = cap ? cap * 2 : 8192;
                        char *nb = realloc(buf, ncap + 1);

                        if (!nb)
                                return tc_fail(err, TC_INTERNAL, "out of memory");
                        buf = nb;
                        cap = ncap;
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return tc_fail_sys(err, TC_INTERNAL, errno, "read");
                }
                if (n == 0)
                        break;
                len += (size_t) n;
                if (len > max)
                        return tc_fail(err, TC_INVALID_ARGUMENT, "larger than %zu bytes", max);
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return tc_fail(err, TC_INTERNAL, "out of memory");
        }
        buf[len] = '\0';
        *ret_buf = steal_ptr(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int fs_read_at(int dfd, const char *name, size_t max, char **ret_buf, size_t *ret_len,
               struct tc_err **err)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0) {
                if (errno == ENOENT)
                        return tc_fail(err, TC_NOT_FOUND, "not found");
                return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", name);
        }
        if (read_all(fd, max, ret_buf, ret_len, err) < 0)
                return tc_wrap(err, "%s", name);
        return 0;
}

int fs_sync_dir(int dfd, struct tc_err **err)
{
        if (fsync(dfd) < 0 && errno != EINVAL && errno != EROFS)
                return tc_fail_sys(err, TC_INTERNAL, errno, "sync directory");
        return 0;
}

int fs_replace(int dfd, const char *name, const void *buf, size_t len, mode_t mode,
               struct tc_err **err)
{
        _cleanup_close_ int fd = -1;
        char tmp[NAME_MAX + 1];

        if ((size_t) snprintf(tmp, sizeof tmp, ".%s.%d", name, (int) getpid()) >= sizeof tmp)
                return tc_fail(err, TC_INVALID_ARGUMENT, "name too long");
        (void) unlinkat(dfd, tmp, 0); /* left by a crashed run with our pid */
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "create %s", tmp);
        if (write_all(fd, buf, len) < 0 || fsync(fd) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
                int e = errno;

                (void) unlinkat(dfd, tmp, 0);
                return tc_fail_sys(err, TC_INTERNAL, e, "write %s", name);
        }
        if (fsync(dfd) < 0 && errno != EINVAL)
                return tc_fail_sys(err, TC_INTERNAL, errno, "sync directory for %s", name);
        return 0;
}

int fs_open_dir(int dfd, const char *name, bool create, mode_t mode, int *ret_fd,
                struct tc_err **err)
{
        int fd;

        for (int tries = 0; tries < 2; tries++) {
                fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0) {
                        *ret_fd = fd;
                        return 0;
                }
                if (errno == ELOOP || errno == ENOTDIR)
                        return tc_fail(err, TC_INTERNAL, "%s: not a directory (refusing a symlink)",
                                       name);
                if (errno != ENOENT)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", name);
                if (!create)
                        return tc_fail(err, TC_NOT_FOUND, "%s: not found", name);
                if (mkdirat(dfd, name, mode) < 0 && errno != EEXIST)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "mkdir %s", name);
                /* mkdir applies the umask; make the mode the one asked for (docs/layout.md) */
                fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0) {
                        (void) fchmod(fd, mode);
                        (void) fsync(dfd);
                        *ret_fd = fd;
                        return 0;
                }
        }
        return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", name);
}

int fs_open_path_dir(const char *path, bool create, int *ret_fd, struct tc_err **err)
{
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int fd = -1;
        char *save = NULL;

        if (!copy)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (!create) {
                fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0) {
                        if (errno == ENOENT)
                                return tc_fail(err, TC_NOT_FOUND, "%s: not found", path);
                        return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", path);
                }
                *ret_fd = steal_fd(fd);
                return 0;
        }
        fd = open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", path);
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (next < 0 && errno == ENOENT) {
                        if (mkdirat(fd, c, 0711) < 0 && errno != EEXIST)
                                return tc_fail_sys(err, TC_INTERNAL, errno, "mkdir %s", path);
                        next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (next >= 0)
                                (void) fchmod(next, 0711);
                }
                if (next < 0)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", path);
                (void) close(fd);
                fd = next;
        }
        *ret_fd = steal_fd(fd);
        return 0;
}

static int mnt_id_of(int fd)
{
        char path[64], line[256];
        _cleanup_fclose_ FILE *f = NULL;

        (void) snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, "mnt_id:", 7) == 0)
                        return (int) strtol(line + 7, NULL, 10);
        return -1;
}

/* Whether DFD/NAME is the root of a mount. With NAME "" the question is about
 * DFD itself (AT_EMPTY_PATH) and PARENT_FD is its parent directory; asking about
 * an open fd leaves no window for a mount to appear between check and use. */
static bool mount_root_at(int dfd, const char *name, int parent_fd)
{
        struct statx sx;
        struct stat parent;
        _cleanup_close_ int fd = -1;
        int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH);
        int a, b;

        if (statx(dfd, name, flags, STATX_TYPE, &sx) < 0)
                return false;
        if (S_ISLNK(sx.stx_mode))
                return false;
        if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
        /* old kernel: a different device, or (bind mount of the same fs) a different mount id */
        if (fstat(parent_fd, &parent) < 0)
                return false;
        if (makedev(sx.stx_dev_major, sx.stx_dev_minor) != parent.st_dev)
                return true;
        if (*name) {
                fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return false;
        }
        a = mnt_id_of(parent_fd);
        b = mnt_id_of(*name ? fd : dfd);
        return a >= 0 && b >= 0 && a != b;
}

bool fs_is_mountpoint_at(int dfd, const char *name)
{
        return mount_root_at(dfd, name, dfd);
}

struct rm_state {
        char *mount; /* first mount point found, relative path */
        int failed_errno;
        char *failed_path;
};

static void rm_note_fail(struct rm_state *st, const char *path, int e)
{
        if (!st->failed_path) {
                st->failed_path = strdup(path);
                st->failed_errno = e;
        }
}

static void rm_note_mount(struct rm_state *st, const char *path)
{
        if (!st->mount)
                st->mount = strdup(path);
}

static void rm_children(int fd, const char *path, struct rm_state *st);

/* Removes the directory FD/NAME and what it holds. The mount check is made on
 * the opened fd, so a mount that appears after the check is never entered. */
static void rm_subdir(int fd, const char *name, const char *sub, struct rm_state *st)
{
        _cleanup_close_ int cfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (cfd < 0) {
                if (errno != ENOENT)
                        rm_note_fail(st, sub, errno);
                return;
        }
        if (mount_root_at(cfd, "", fd)) {
                rm_note_mount(st, sub);
                return;
        }
        rm_children(cfd, sub, st);
        if (unlinkat(fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
            !(st->mount && (errno == ENOTEMPTY || errno == EBUSY)))
                rm_note_fail(st, sub, errno);
}

/* What rm_entry needs to know of a mode: directory, symlink, or other. */
static unsigned char dtype_of(mode_t mode)
{
        return S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : DT_REG;
}

/* Removes one entry of directory FD: never a mount point (a file can be a
 * bind-mount target too), never through a symlink (unlinkat removes the link). */
static void rm_entry(int fd, const char *name, unsigned char type, const char *sub,
                     struct rm_state *st)
{
        if (type == DT_UNKNOWN) {
                struct stat s;

                if (fstatat(fd, name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                rm_note_fail(st, sub, errno);
                        return;
                }
                type = dtype_of(s.st_mode);
        }
        if (type == DT_DIR) {
                rm_subdir(fd, name, sub, st);
                return;
        }
        if (type != DT_LNK && mount_root_at(fd, name, fd)) {
                rm_note_mount(st, sub);
                return;
        }
        if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
                rm_note_fail(st, sub, errno);
}

/* Removes everything inside directory FD; PATH is for messages. */
static void rm_children(int fd, const char *path, struct rm_state *st)
{
        _cleanup_closedir_ DIR *d = NULL;
        int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        struct dirent *de;

        if (dupfd < 0) {
                rm_note_fail(st, path, errno);
                return;
        }
        d = fdopendir(dupfd);
        if (!d) {
                rm_note_fail(st, path, errno);
                (void) close(dupfd);
                return;
        }
        while ((de = readdir(d))) {
                char sub[PATH_MAX];

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                (void) snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                rm_entry(fd, de->d_name, de->d_type, sub, st);
        }
}

int fs_rmtree_at(int dfd, const char *name, char **ret_mount, struct tc_err **err)
{
        struct rm_state st = { 0 };
        struct stat s;
        int r = 0;

        if (fstatat(dfd, name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return tc_fail_sys(err, TC_INTERNAL, errno, "stat %s", name);
        }
        rm_entry(dfd, name, dtype_of(s.st_mode), name, &st);
        if (st.mount) {
                r = tc_fail(err, TC_FAILED_PRECONDITION, "%s is a mount point, left in place",
                            st.mount);
                if (ret_mount)
                        *ret_mount = steal_ptr(st.mount);
        } else if (st.failed_path) {
                r = tc_fail_sys(err, TC_INTERNAL, st.failed_errno, "remove %s", st.failed_path);
        }
        free(st.mount);
        free(st.failed_path);
        return r;
}
