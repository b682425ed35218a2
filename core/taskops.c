/* SPDX-License-Identifier: Apache-2.0 */
/* Operating a running task: stop (containerd's client Task.Kill + Wait with a
 * grace, as `docker stop`), pause, resume, ps, stats, update. */
#include "core/taskops.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "core/base/json.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"
#include "core/bundle.h"
#include "core/events.h"
#include "core/exitmark.h"
#include "core/shimconn.h"

/* A task's bundle and a connection to its shim, for one operation. */
struct live {
        struct bundle *b;
        struct shimconn sc;
};

static int live_open(const struct taskmgr *m, const char *id, struct live *l, struct tc_err **err)
{
        shimconn_init(&l->sc, &m->roots, m->ns, id);
        if (ident_check(id, "task id", err) < 0 || bundle_load(&m->roots, m->ns, id, &l->b, err) < 0)
                return -1;
        return shimconn_connect(&l->sc, l->b, m->timeout, err);
}

static void live_close(struct live *l)
{
        shimconn_release(&l->sc);
        bundle_free(l->b);
        l->b = NULL;
}

static int fail_task(const struct taskmgr *m, const char *id, struct tc_err **err)
{
        return tc_wrap(err, "task \"%s\" in namespace \"%s\"", id, m->ns);
}

static double deadline(const struct taskmgr *m)
{
        return timefmt_mono() + m->timeout;
}

static void exit_of(struct task_exit *ret, uint32_t pid, const struct taskapi_exit *ex)
{
        ret->pid = pid;
        ret->known = true;
        ret->status = ex->status;
        ret->at[0] = '\0';
        if (ex->exited)
                timefmt_rfc3339(&ex->at, ret->at);
}

/* Past the grace: SIGKILL to every process (runc thaws a frozen cgroup for
 * it), then wait on the task manager's own bound. */
static int stop_kill(const struct taskmgr *m, struct live *l, struct taskapi_exit *ex,
                     struct tc_err **err)
{
        struct tc_err *e = NULL;

        if (taskapi_kill(&l->sc.api, l->b->id, SIGKILL, true, deadline(m), &e) < 0) {
                if (e->kind != TC_NOT_FOUND) { /* NOT_FOUND: it exited meanwhile */
                        tc_err_free(*err);
                        *err = e;
                        return tc_wrap(err, "kill");
                }
                tc_err_free(e);
        }
        return taskapi_wait(&l->sc.api, l->b->id, deadline(m), ex, err);
}

static int stop_live(const struct taskmgr *m, struct live *l, int signal, double grace,
                     struct task_stopped *ret, struct tc_err **err)
{
        struct taskapi_state st = { 0 };
        struct taskapi_exit ex = { 0 };
        struct tc_err *e = NULL;
        enum taskapi_status status;
        uint32_t pid;

        if (taskapi_state(&l->sc.api, l->b->id, deadline(m), &st, err) < 0)
                return -1;
        status = st.status;
        pid = st.pid;
        ex = st.exit;
        taskapi_state_release(&st);
        if (status == TASKAPI_STATUS_STOPPED) {
                ret->already = true;
        } else {
                if (taskapi_kill(&l->sc.api, l->b->id, (uint32_t) signal, false, deadline(m), &e) < 0) {
                        if (e->kind != TC_NOT_FOUND) { /* NOT_FOUND: "process already finished" */
                                tc_err_free(*err);
                                *err = e;
                                return tc_wrap(err, "kill");
                        }
                        tc_err_freep(&e);
                }
                /* a paused task gets the signal only once thawed */
                if (status == TASKAPI_STATUS_PAUSED || status == TASKAPI_STATUS_PAUSING)
                        (void) taskapi_resume(&l->sc.api, l->b->id, deadline(m), NULL);
                if (taskapi_wait(&l->sc.api, l->b->id, timefmt_mono() + grace, &ex, &e) < 0) {
                        if (e->kind != TC_DEADLINE_EXCEEDED) {
                                tc_err_free(*err);
                                *err = e;
                                return -1;
                        }
                        tc_err_freep(&e);
                        ret->killed = true;
                        if (stop_kill(m, l, &ex, err) < 0)
                                return -1;
                }
        }
        exit_of(&ret->exit, pid, &ex);
        exitmark_note(m->roots.root_fd, l->b, pid, &ex, ret->killed ? "stop: killed after the grace time" : NULL, m->timeout);
        return 0;
}

int taskops_stop(const struct taskmgr *m, const char *id, int signal, double grace,
                 struct task_stopped *ret, struct tc_err **err)
{
        struct live l = { 0 };
        int r;

        memset(ret, 0, sizeof *ret);
        r = live_open(m, id, &l, err);
        if (r == 0)
                r = stop_live(m, &l, signal, grace, ret, err);
        live_close(&l);
        return r < 0 ? fail_task(m, id, err) : 0;
}

static void note(const struct taskmgr *m, const char *topic, const char *id)
{
        struct event ev = { .ns = m->ns, .topic = topic, .id = id };
        struct tc_err *e = NULL;

        if (events_append(m->roots.root_fd, &ev, m->timeout, &e) < 0) {
                log_warn("%s", e->msg);
                tc_err_free(e);
        }
}

int taskops_pause(const struct taskmgr *m, const char *id, struct tc_err **err)
{
        struct live l = { 0 };
        int r = live_open(m, id, &l, err);

        if (r == 0)
                r = taskapi_pause(&l.sc.api, id, deadline(m), err);
        if (r == 0)
                note(m, EVENT_TASK_PAUSED, id);
        live_close(&l);
        return r < 0 ? fail_task(m, id, err) : 0;
}

int taskops_resume(const struct taskmgr *m, const char *id, struct tc_err **err)
{
        struct live l = { 0 };
        int r = live_open(m, id, &l, err);

        if (r == 0)
                r = taskapi_resume(&l.sc.api, id, deadline(m), err);
        if (r == 0)
                note(m, EVENT_TASK_RESUMED, id);
        live_close(&l);
        return r < 0 ? fail_task(m, id, err) : 0;
}

int taskops_ps(const struct taskmgr *m, const char *id, struct taskapi_process **ret,
               size_t *ret_n, struct tc_err **err)
{
        struct live l = { 0 };
        int r = live_open(m, id, &l, err);

        if (r == 0)
                r = taskapi_pids_info(&l.sc.api, id, deadline(m), ret, ret_n, err);
        live_close(&l);
        return r < 0 ? fail_task(m, id, err) : 0;
}

int taskops_stats(const struct taskmgr *m, const char *id, struct task_stats *ret,
                  struct tc_err **err)
{
        _cleanup_free_ char *type_url = NULL;
        _cleanup_free_ uint8_t *value = NULL;
        struct live l = { 0 };
        size_t len = 0;
        int r = live_open(m, id, &l, err);

        if (r == 0)
                r = taskapi_stats(&l.sc.api, id, deadline(m), &type_url, &value, &len, err);
        if (r == 0)
                r = stats_decode(type_url, value, len, ret, err);
        live_close(&l);
        return r < 0 ? fail_task(m, id, err) : 0;
}

char *taskops_resources_json(const struct task_resources *r)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        cJSON *sub;

        if (!o)
                return NULL;
        if (r->has_memory && (sub = cJSON_AddObjectToObject(o, "memory")))
                cJSON_AddNumberToObject(sub, "limit", (double) r->memory);
        if (r->has_cpus && (sub = cJSON_AddObjectToObject(o, "cpu"))) {
                cJSON_AddNumberToObject(sub, "quota",
                                        (double) (int64_t) (r->cpus * TASKOPS_CPU_PERIOD + 0.5));
                cJSON_AddNumberToObject(sub, "period", TASKOPS_CPU_PERIOD);
        }
        if (r->has_pids && (sub = cJSON_AddObjectToObject(o, "pids")))
                cJSON_AddNumberToObject(sub, "limit", (double) r->pids_limit);
        return cJSON_PrintUnformatted(o);
}

int taskops_update(const struct taskmgr *m, const char *id, const struct task_resources *res,
                   struct tc_err **err)
{
        _cleanup_free_ char *json = taskops_resources_json(res);
        struct live l = { 0 };
        int r;

        if (!json)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        r = live_open(m, id, &l, err);
        if (r == 0)
                r = taskapi_update(&l.sc.api, id, json, deadline(m), err);
        live_close(&l);
        return r < 0 ? fail_task(m, id, err) : 0;
}
