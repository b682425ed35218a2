/* SPDX-License-Identifier: Apache-2.0 */
/* The task event log: what containerd's event service would have carried,
 * kept as JSON lines per namespace since there is no daemon to publish to. */
#include "core/events.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/flock.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/json.h"
#include "core/base/timefmt.h"

#define EVENTS_DIR "events"
#define LINE_MAX_BYTES (64u << 10)

static char *event_line(const struct event *ev)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        char now[TIMEFMT_LEN];
        char *text, *line = NULL;

        if (!o)
                return NULL;
        timefmt_now(now);
        cJSON_AddStringToObject(o, "time", ev->time && *ev->time ? ev->time : now);
        cJSON_AddStringToObject(o, "namespace", ev->ns);
        cJSON_AddStringToObject(o, "topic", ev->topic);
        cJSON_AddStringToObject(o, "id", ev->id);
        cJSON_AddNumberToObject(o, "pid", ev->pid);
        if (ev->exit_known)
                cJSON_AddNumberToObject(o, "exit_status", ev->exit_status);
        else
                cJSON_AddNullToObject(o, "exit_status");
        if (ev->detail)
                cJSON_AddStringToObject(o, "detail", ev->detail);
        else
                cJSON_AddNullToObject(o, "detail");
        text = cJSON_PrintUnformatted(o);
        if (text && asprintf(&line, "%s\n", text) < 0)
                line = NULL;
        free(text);
        return line;
}

static int rotate_if_big(int dfd, const char *name, struct tc_err **err)
{
        char old[NAME_MAX + 1];
        struct stat st;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_size < EVENTS_ROTATE_BYTES)
                return 0;
        (void) snprintf(old, sizeof old, "%s.1", name);
        if (renameat(dfd, name, dfd, old) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "rotate %s", name);
        return 0;
}

/* One write(2) of the whole line under the log's lock, so that readers never
 * see half a line; a short write (ENOSPC, EFBIG, a signal) is undone by
 * truncating back to the size before it: half a line would swallow the next
 * event. errno is set on failure. */
static int append_whole(int fd, const char *line, size_t len)
{
        struct stat st;
        ssize_t n;
        int e;

        if (fstat(fd, &st) < 0)
                return -1;
        do
                n = write(fd, line, len);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t) len)
                return 0;
        e = n < 0 ? errno : ENOSPC;
        if (n > 0 && ftruncate(fd, st.st_size) < 0)
                e = errno; /* could not undo: the log ends with a partial line */
        errno = e;
        return -1;
}

/* Appends EV's line; the caller holds the log's lock on DFD. */
static int append_locked(int dfd, const struct event *ev, struct tc_err **err)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *line = event_line(ev);
        char name[NAME_MAX + 1];

        if (!line)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (!ident_valid(ev->ns))
                return tc_fail(err, TC_INVALID_ARGUMENT, "invalid namespace");
        (void) snprintf(name, sizeof name, "%s.jsonl", ev->ns);
        if (rotate_if_big(dfd, name, err) < 0)
                return tc_wrap(err, "event log");
        fd = openat(dfd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "event log %s", name);
        if (append_whole(fd, line, strlen(line)) < 0 || fdatasync(fd) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "event log %s", name);
        return 0;
}

static int take_lock(int root_fd, double lock_timeout, int *dfd, int *lfd, struct tc_err **err)
{
        if (fs_open_dir(root_fd, EVENTS_DIR, true, 0711, dfd, err) < 0 ||
            flock_take(*dfd, ".lock", LOCK_EX, lock_timeout, "event log", lfd, err) < 0)
                return tc_wrap(err, "event log");
        return 0;
}

int events_append(int root_fd, const struct event *ev, double lock_timeout, struct tc_err **err)
{
        _cleanup_close_ int dfd = -1, lfd = -1;

        if (take_lock(root_fd, lock_timeout, &dfd, &lfd, err) < 0)
                return -1;
        return append_locked(dfd, ev, err);
}

int events_append_once(int root_fd, const struct event *evs, size_t n, int marker_dfd,
                       const char *marker, double lock_timeout, struct tc_err **err)
{
        _cleanup_close_ int dfd = -1, lfd = -1, mfd = -1;

        if (take_lock(root_fd, lock_timeout, &dfd, &lfd, err) < 0)
                return -1;
        mfd = openat(marker_dfd, marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600);
        if (mfd < 0) {
                /* EEXIST: recorded already; ENOENT: its directory is being deleted */
                if (errno == EEXIST || errno == ENOENT)
                        return 0;
                return tc_fail_sys(err, TC_INTERNAL, errno, "create %s", marker);
        }
        for (size_t i = 0; i < n; i++)
                if (append_locked(dfd, &evs[i], err) < 0) {
                        /* none of them is in the log (a line is whole or not
                         * there): without the marker, the next writer appends
                         * them; a marker left would lose them for good */
                        if (i == 0)
                                (void) unlinkat(marker_dfd, marker, 0);
                        return -1;
                }
        return 1;
}

static bool event_before(cJSON *ev, const struct timespec *since)
{
        struct timespec t;
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "time"));

        if (!since)
                return false;
        if (!s || !timefmt_parse(s, &t))
                return true;
        return t.tv_sec < since->tv_sec || (t.tv_sec == since->tv_sec && t.tv_nsec < since->tv_nsec);
}

/* Feeds complete lines of FD from *OFF on; a trailing partial line waits. */
static int read_lines(int fd, off_t *off, const struct timespec *since, events_fn fn, void *user,
                      struct tc_err **err)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

        if (dup_fd < 0 || !(f = fdopen(dup_fd, "r"))) {
                if (dup_fd >= 0)
                        (void) close(dup_fd);
                return tc_fail_sys(err, TC_INTERNAL, errno, "read event log");
        }
        if (fseeko(f, *off, SEEK_SET) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "read event log");
        while ((n = getline(&line, &cap, f)) > 0) {
                cJSON *ev;
                int r = 0;

                if (line[n - 1] != '\n')
                        break;
                *off += n;
                if ((size_t) n > LINE_MAX_BYTES || !(ev = json_parse(line, strlen(line) + 1, NULL, true)))
                        continue;
                if (!event_before(ev, since))
                        r = fn(ev, user, err);
                cJSON_Delete(ev);
                if (r < 0)
                        return -1;
        }
        return 0;
}

static size_t cursor_slot(struct events_cursor *cur, const char *ns)
{
        size_t i;

        for (i = 0; i < cur->n; i++)
                if (strcmp(cur->names[i], ns) == 0)
                        return i;
        cur->names = realloc(cur->names, (i + 1) * sizeof *cur->names);
        cur->offs = realloc(cur->offs, (i + 1) * sizeof *cur->offs);
        cur->inos = realloc(cur->inos, (i + 1) * sizeof *cur->inos);
        if (!cur->names || !cur->offs || !cur->inos)
                abort(); /* out of memory in a CLI reading its log: nothing sane to do */
        cur->names[i] = strdup(ns);
        cur->offs[i] = -1; /* first read: include the rotated generation */
        cur->inos[i] = 0;
        cur->n = i + 1;
        return i;
}

/* The lines appended to the file we were following (inode INO, read up to
 * OFF) between our last read and its rotation to OLD. */
static int finish_rotated(int dfd, const char *old, ino_t ino, off_t off,
                          const struct timespec *since, events_fn fn, void *user,
                          struct tc_err **err)
{
        _cleanup_close_ int ofd = openat(dfd, old, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;

        if (ofd < 0 || fstat(ofd, &st) < 0 || st.st_ino != ino)
                return 0; /* rotated twice meanwhile: that generation is gone */
        return read_lines(ofd, &off, since, fn, user, err);
}

static int read_ns(int dfd, const char *ns, const struct timespec *since, struct events_cursor *cur,
                   events_fn fn, void *user, struct tc_err **err)
{
        char name[NAME_MAX + 1], old[NAME_MAX + 1];
        size_t i = cursor_slot(cur, ns);
        _cleanup_close_ int fd = -1;
        struct stat st;

        (void) snprintf(name, sizeof name, "%s.jsonl", ns);
        (void) snprintf(old, sizeof old, "%s.jsonl.1", ns);
        if (cur->offs[i] < 0) {
                _cleanup_close_ int ofd = openat(dfd, old, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                off_t o = 0;

                if (ofd >= 0 && read_lines(ofd, &o, since, fn, user, err) < 0)
                        return -1;
                cur->offs[i] = 0;
        }
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : tc_fail_sys(err, TC_INTERNAL, errno, "open %s", name);
        if (fstat(fd, &st) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "stat %s", name);
        if (cur->inos[i] && cur->inos[i] != st.st_ino) {
                /* rotated since the last read: finish the file we followed,
                 * now NS.jsonl.1, then start the new one */
                if (finish_rotated(dfd, old, cur->inos[i], cur->offs[i], since, fn, user, err) < 0)
                        return -1;
                cur->offs[i] = 0;
        }
        cur->inos[i] = st.st_ino;
        return read_lines(fd, &cur->offs[i], since, fn, user, err);
}

static bool is_log_name(const char *d, char *ns, size_t sz)
{
        size_t n = strlen(d);

        if (d[0] == '.' || n <= 6 || strcmp(d + n - 6, ".jsonl") != 0 || n - 6 >= sz)
                return false;
        memcpy(ns, d, n - 6);
        ns[n - 6] = '\0';
        return ident_valid(ns);
}

int events_read(int root_fd, const char *ns, const struct timespec *since,
                struct events_cursor *cur, events_fn fn, void *user, struct tc_err **err)
{
        _cleanup_close_ int dfd = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        struct tc_err *e2 = NULL;
        int dup_fd;

        if (fs_open_dir(root_fd, EVENTS_DIR, false, 0711, &dfd, &e2) < 0) {
                bool missing = e2->kind == TC_NOT_FOUND;

                tc_err_free(e2);
                return missing ? 0 : tc_fail(err, TC_INTERNAL, "open event log directory");
        }
        if (ns)
                return read_ns(dfd, ns, since, cur, fn, user, err);
        dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0 || !(d = fdopendir(dup_fd)))
                return tc_fail_sys(err, TC_INTERNAL, errno, "read event log directory");
        while ((de = readdir(d))) {
                char name[NAME_MAX + 1];

                if (is_log_name(de->d_name, name, sizeof name) &&
                    read_ns(dfd, name, since, cur, fn, user, err) < 0)
                        return -1;
        }
        return 0;
}

void events_cursor_release(struct events_cursor *cur)
{
        for (size_t i = 0; i < cur->n; i++)
                free(cur->names[i]);
        free(cur->names);
        free(cur->offs);
        free(cur->inos);
        memset(cur, 0, sizeof *cur);
}
