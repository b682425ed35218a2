/* SPDX-License-Identifier: Apache-2.0 */
/* Live exits for `events --follow`: a pending Wait per live task, polled. */
#include "core/exitwatch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"
#include "core/exitmark.h"
#include "core/shimconn.h"
#include "core/taskapi.h"

struct watched {
        char ns[IDENT_BUF];
        char id[IDENT_BUF];
        struct shimconn sc;
        uint32_t stream; /* of the pending Wait */
        uint32_t pid;
};

struct exitwatch {
        struct bundle_roots roots;
        char *ns;
        double timeout;
        struct watched **t;
        size_t n, cap;
};

size_t exitwatch_count(const struct exitwatch *w)
{
        return w->n;
}

int exitwatch_new(const struct bundle_roots *roots, const char *ns, double timeout,
                  struct exitwatch **ret, struct tc_err **err)
{
        struct exitwatch *w = calloc(1, sizeof *w);
        struct rlimit rl;

        if (!w || (ns && !(w->ns = strdup(ns)))) {
                free(w);
                return tc_fail(err, TC_INTERNAL, "out of memory");
        }
        w->roots = *roots;
        w->timeout = timeout;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        *ret = w;
        return 0;
}

static void watched_free(struct watched *t)
{
        if (!t)
                return;
        shimconn_release(&t->sc);
        free(t);
}

void exitwatch_free(struct exitwatch *w)
{
        if (!w)
                return;
        for (size_t i = 0; i < w->n; i++)
                watched_free(w->t[i]);
        free(w->t);
        free(w->ns);
        free(w);
}

static bool watching(const struct exitwatch *w, const char *ns, const char *id)
{
        for (size_t i = 0; i < w->n; i++)
                if (strcmp(w->t[i]->id, id) == 0 && strcmp(w->t[i]->ns, ns) == 0)
                        return true;
        return false;
}

static void record(const struct exitwatch *w, const char *ns, const char *id, uint32_t pid,
                   const struct taskapi_exit *ex)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;

        /* a bundle gone meanwhile: its delete recorded the exit */
        if (bundle_load(&w->roots, ns, id, &b, NULL) == 0)
                exitmark_note(w->roots.root_fd, b, pid, ex, NULL, w->timeout);
}

/* Connects to a task's shim: an exit already there is recorded at once,
 * a live task gets a pending Wait and is kept. Returns the watch, or NULL. */
static struct watched *watch_task(const struct exitwatch *w, const char *ns, const char *id)
{
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        struct watched *t = calloc(1, sizeof *t);
        struct taskapi_state st = { 0 };
        bool keep = false;

        if (!t || bundle_load(&w->roots, ns, id, &b, NULL) < 0 || exitmark_done(b->fd)) {
                free(t);
                return NULL;
        }
        (void) snprintf(t->ns, sizeof t->ns, "%s", ns);
        (void) snprintf(t->id, sizeof t->id, "%s", id);
        shimconn_init(&t->sc, &w->roots, ns, id);
        if (shimconn_connect(&t->sc, b, w->timeout, NULL) == 0 &&
            taskapi_state(&t->sc.api, id, timefmt_mono() + w->timeout, &st, NULL) == 0) {
                t->pid = st.pid;
                if (st.status == TASKAPI_STATUS_STOPPED)
                        exitmark_note(w->roots.root_fd, b, st.pid, &st.exit, NULL, w->timeout);
                else
                        keep = taskapi_wait_send(&t->sc.api, id, &t->stream, NULL) == 0;
        }
        taskapi_state_release(&st);
        if (!keep) {
                watched_free(t);
                return NULL;
        }
        return t;
}

static void add(struct exitwatch *w, struct watched *t)
{
        if (w->n == w->cap) {
                size_t cap = w->cap ? 2 * w->cap : 16;
                struct watched **nt = realloc(w->t, cap * sizeof *nt);

                if (!nt) {
                        watched_free(t);
                        return;
                }
                w->t = nt;
                w->cap = cap;
        }
        w->t[w->n++] = t;
}

static void scan_ns(struct exitwatch *w, int tasks_fd, const char *ns)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd = openat(tasks_fd, ns, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return;
        if (!(d = fdopendir(fd))) {
                (void) close(fd);
                return;
        }
        while ((de = readdir(d))) {
                struct watched *t;

                if (de->d_name[0] == '.' || !ident_valid(de->d_name) ||
                    watching(w, ns, de->d_name))
                        continue;
                if ((t = watch_task(w, ns, de->d_name)))
                        add(w, t);
        }
}

void exitwatch_scan(struct exitwatch *w)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int tasks_fd = openat(w->roots.state_fd, "tasks",
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (tasks_fd < 0)
                return;
        if (w->ns) {
                scan_ns(w, tasks_fd, w->ns);
                (void) close(tasks_fd);
                return;
        }
        if (!(d = fdopendir(tasks_fd))) {
                (void) close(tasks_fd);
                return;
        }
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && ident_valid(de->d_name))
                        scan_ns(w, dirfd(d), de->d_name);
}

/* The pending Wait of T answered (or its shim went away). */
static void settle(struct exitwatch *w, struct watched *t)
{
        struct taskapi_exit ex = { 0 };
        struct tc_err *e = NULL;

        if (taskapi_wait_recv(&t->sc.api, t->stream, timefmt_mono() + w->timeout, &ex, &e) == 0)
                record(w, t->ns, t->id, t->pid, &ex);
        else
                log_debug("task %s/%s: no exit from its shim: %s", t->ns, t->id, e->msg);
        tc_err_free(e);
}

void exitwatch_poll(struct exitwatch *w, int ms)
{
        _cleanup_free_ struct pollfd *p = calloc(w->n ? w->n : 1, sizeof *p);
        size_t kept = 0;

        if (!p) {
                (void) poll(NULL, 0, ms);
                return;
        }
        for (size_t i = 0; i < w->n; i++)
                p[i] = (struct pollfd){ .fd = ttrpc_conn_fd(w->t[i]->sc.conn), .events = POLLIN };
        if (poll(p, w->n, ms) <= 0)
                return;
        for (size_t i = 0; i < w->n; i++) {
                if (!p[i].revents) {
                        w->t[kept++] = w->t[i];
                        continue;
                }
                settle(w, w->t[i]);
                watched_free(w->t[i]);
        }
        w->n = kept;
}
