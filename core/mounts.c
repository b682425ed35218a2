/* SPDX-License-Identifier: Apache-2.0 */
#include "core/mounts.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/cleanup.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

static bool below(const char *path, const char *dir, bool or_equal)
{
        size_t n = strlen(dir);

        if (strncmp(path, dir, n) != 0)
                return false;
        return path[n] == '/' || (or_equal && path[n] == '\0');
}

static int cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int mounts_load(const char *prefix, struct mounts *ret, struct tc_err **err)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        struct mounts m = { 0 };
        size_t cap = 0, alloc = 0;

        if (!f)
                return tc_fail_sys(err, TC_INTERNAL, errno, "read /proc/self/mountinfo");
        while (getline(&line, &cap, f) > 0) {
                char mp[PATH_MAX];

                /* id parent major:minor root mount-point ... */
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
                        continue;
                unescape(mp);
                if (!below(mp, prefix, false))
                        continue;
                if (m.n == alloc) {
                        char **np = realloc(m.paths, (alloc = alloc ? alloc * 2 : 8) * sizeof *np);

                        if (!np) {
                                mounts_release(&m);
                                return tc_fail(err, TC_INTERNAL, "out of memory");
                        }
                        m.paths = np;
                }
                if (!(m.paths[m.n] = strdup(mp))) {
                        mounts_release(&m);
                        return tc_fail(err, TC_INTERNAL, "out of memory");
                }
                m.n++;
        }
        if (m.n)
                qsort(m.paths, m.n, sizeof *m.paths, cmp);
        *ret = m;
        return 0;
}

const char *mounts_find_under(const struct mounts *m, const char *dir)
{
        for (size_t i = 0; i < m->n; i++)
                if (below(m->paths[i], dir, true))
                        return m->paths[i];
        return NULL;
}

void mounts_release(struct mounts *m)
{
        for (size_t i = 0; i < m->n; i++)
                free(m->paths[i]);
        free(m->paths);
        m->paths = NULL;
        m->n = 0;
}

int fd_path(int fd, char **ret, struct tc_err **err)
{
        char link[64], buf[PATH_MAX];
        ssize_t n;

        (void) snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        n = readlink(link, buf, sizeof buf - 1);
        if (n < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "readlink %s", link);
        buf[n] = '\0';
        *ret = strdup(buf);
        return *ret ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
}
