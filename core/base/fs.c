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
#include "core/base/log.h"

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

int (*fs_replace_dir_fsync)(int fd) = fsync;

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
        /* the rename took effect: the new content is what every reader sees
         * now, so a failed directory sync (only the durability of the rename
         * across a crash is in doubt) is a warning, not a failure that would
         * make the caller undo or report a change that happened */
        if (fs_replace_dir_fsync(dfd) < 0 && errno != EINVAL)
                log_warn("%s replaced, but syncing its directory failed: %s", name,
                         strerror(errno));
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

/* What rm_entry needs to know of a mode: directory, symlink, or other. */
static unsigned char dtype_of(mode_t mode)
{
        return S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : DT_REG;
}

/* Removes one non-directory entry of directory FD: never a mount point (a file
 * can be a bind-mount target too), never through a symlink (unlinkat removes
 * the link). */
static void rm_file(int fd, const char *name, unsigned char type, const char *sub,
                    struct rm_state *st)
{
        if (type != DT_LNK && mount_root_at(fd, name, fd)) {
                rm_note_mount(st, sub);
                return;
        }
        if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
                rm_note_fail(st, sub, errno);
}

/*
 * The removal is iterative, so that its stack, fds and memory do not grow
 * with the depth of the tree (a 2,500-level tree crashed the recursive one;
 * 700 levels ran out of fds): one directory fd is open at a time, going up
 * goes through "..", checked against the (dev, ino) recorded on the way down
 * (a directory moved meanwhile stops the removal rather than let it leave
 * the tree). Per level the heap keeps the subdirectory names still to visit.
 */
struct rm_level {
        dev_t dev;
        ino_t ino;
        char **subdirs; /* still to visit, from the one scan of this directory */
        size_t n, next;
        size_t path_len; /* of the path of this directory, in rm_walk.path */
};

struct rm_walk {
        struct rm_level *lv;
        size_t depth, cap;
        char *path; /* relative path of the current directory, for messages */
        size_t path_cap;
        struct rm_state *st;
};

static void level_release(struct rm_level *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->subdirs[i]);
        free(l->subdirs);
        *l = (struct rm_level){ 0 };
}

/* PATH/NAME in w->path (grown as needed); false when out of memory. */
static bool walk_path(struct rm_walk *w, size_t base, const char *name)
{
        size_t need = base + 1 + strlen(name) + 1;

        if (need > w->path_cap) {
                char *p = realloc(w->path, need * 2);

                if (!p)
                        return false;
                w->path = p;
                w->path_cap = need * 2;
        }
        w->path[base] = '/';
        strcpy(w->path + base + 1, name);
        return true;
}

/* Removes the non-directories in FD and lists its subdirectories in L. */
static int scan_dir(struct rm_walk *w, int fd, struct rm_level *l)
{
        _cleanup_closedir_ DIR *d = NULL;
        int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        size_t cap = 0;
        struct dirent *de;

        if (dupfd < 0 || !(d = fdopendir(dupfd))) {
                if (dupfd >= 0)
                        (void) close(dupfd);
                rm_note_fail(w->st, w->path, errno);
                return -1;
        }
        while ((de = readdir(d))) {
                unsigned char type = de->d_type;
                struct stat s;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (!walk_path(w, l->path_len, de->d_name))
                        return rm_note_fail(w->st, w->path, ENOMEM), -1;
                if (type == DT_UNKNOWN) {
                        if (fstatat(fd, de->d_name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
                                if (errno != ENOENT)
                                        rm_note_fail(w->st, w->path, errno);
                                continue;
                        }
                        type = dtype_of(s.st_mode);
                }
                if (type != DT_DIR) {
                        rm_file(fd, de->d_name, type, w->path, w->st);
                        continue;
                }
                if (l->n == cap) {
                        char **n = realloc(l->subdirs, (cap = cap ? 2 * cap : 8) * sizeof *n);

                        if (!n)
                                return rm_note_fail(w->st, w->path, ENOMEM), -1;
                        l->subdirs = n;
                }
                if (!(l->subdirs[l->n] = strdup(de->d_name)))
                        return rm_note_fail(w->st, w->path, ENOMEM), -1;
                l->n++;
        }
        w->path[l->path_len] = '\0';
        return 0;
}
/* Opens subdirectory NAME of FD (the current directory, at depth > 0):
 * its fd, or -1 when it vanished, failed (noted) or is a mount (noted, left). */
static int walk_enter(struct rm_walk *w, int fd, const char *name)
{
        int cfd;

        if (!walk_path(w, w->lv[w->depth - 1].path_len, name)) {
                rm_note_fail(w->st, w->path, ENOMEM);
                return -1;
        }
        cfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0) {
                if (errno != ENOENT)
                        rm_note_fail(w->st, w->path, errno);
                return -1;
        }
        /* checked on the open fd: a mount that appears later is never entered */
        if (mount_root_at(cfd, "", fd)) {
                rm_note_mount(w->st, w->path);
                (void) close(cfd);
                return -1;
        }
        return cfd;
}

/* Makes directory FD (whose path is w->path) the new deepest level. */
static int walk_push(struct rm_walk *w, int fd)
{
        struct stat s;

        if (w->depth == w->cap) {
                struct rm_level *n = realloc(w->lv, (w->cap = w->cap ? 2 * w->cap : 16) * sizeof *n);

                if (!n)
                        return rm_note_fail(w->st, w->path, ENOMEM), -1;
                w->lv = n;
        }
        if (fstat(fd, &s) < 0)
                return rm_note_fail(w->st, w->path, errno), -1;
        w->lv[w->depth] = (struct rm_level){ .dev = s.st_dev, .ino = s.st_ino,
                                             .path_len = strlen(w->path) };
        w->depth++;
        (void) scan_dir(w, fd, &w->lv[w->depth - 1]); /* a failed scan leaves less to visit */
        return 0;
}

/* Done with directory FD (depth >= 2): goes up through "..", which must be
 * the directory we came down from, and removes it. The parent's fd, or -1
 * (noted) when the tree changed under us. FD is closed either way. */
static int walk_leave(struct rm_walk *w, int fd)
{
        struct rm_level *cur = &w->lv[w->depth - 1], *parent = &w->lv[w->depth - 2];
        const char *name = parent->subdirs[parent->next - 1];
        int pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat s;

        (void) close(fd);
        w->path[cur->path_len] = '\0';
        if (pfd < 0 || fstat(pfd, &s) < 0 || s.st_dev != parent->dev || s.st_ino != parent->ino) {
                rm_note_fail(w->st, w->path, pfd < 0 ? errno : ESTALE); /* moved meanwhile */
                if (pfd >= 0)
                        (void) close(pfd);
                return -1;
        }
        level_release(cur);
        w->depth--;
        if (unlinkat(pfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
            !(w->st->mount && (errno == ENOTEMPTY || errno == EBUSY)))
                rm_note_fail(w->st, w->path, errno);
        w->path[parent->path_len] = '\0';
        return pfd;
}

/* Empties directory FD (path PATH), which it closes. */
static void rm_contents(int fd, const char *path, struct rm_state *st)
{
        struct rm_walk w = { .st = st, .path = strdup(path) };

        if (!w.path || (w.path_cap = strlen(path) + 1, walk_push(&w, fd) < 0)) {
                if (!w.path)
                        rm_note_fail(st, path, ENOMEM);
                (void) close(fd);
                free(w.path);
                free(w.lv);
                return;
        }
        while (fd >= 0 && w.depth > 0) {
                struct rm_level *l = &w.lv[w.depth - 1];
                int cfd;

                if (l->next < l->n) {
                        cfd = walk_enter(&w, fd, l->subdirs[l->next++]);
                        if (cfd < 0)
                                continue;
                        (void) close(fd);
                        fd = cfd;
                        if (walk_push(&w, fd) < 0)
                                break;
                } else if (w.depth == 1) {
                        break;
                } else {
                        fd = walk_leave(&w, fd);
                }
        }
        if (fd >= 0)
                (void) close(fd);
        while (w.depth > 0)
                level_release(&w.lv[--w.depth]);
        free(w.lv);
        free(w.path);
}

int fs_rmtree_at(int dfd, const char *name, char **ret_mount, struct tc_err **err)
{
        struct rm_state st = { 0 };
        struct stat s;
        int r = 0, fd;

        if (fstatat(dfd, name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return tc_fail_sys(err, TC_INTERNAL, errno, "stat %s", name);
        }
        if (!S_ISDIR(s.st_mode)) {
                rm_file(dfd, name, dtype_of(s.st_mode), name, &st);
        } else if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
                if (errno != ENOENT)
                        rm_note_fail(&st, name, errno);
        } else if (mount_root_at(fd, "", dfd)) {
                rm_note_mount(&st, name);
                (void) close(fd);
        } else {
                rm_contents(fd, name, &st);
                if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
                    !(st.mount && (errno == ENOTEMPTY || errno == EBUSY)))
                        rm_note_fail(&st, name, errno);
        }
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
