/* SPDX-License-Identifier: Apache-2.0 */
/* Process-level calls of a foreground session on one task's shim. */
#include "core/taskmgr_io.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/json.h"
#include "core/base/timefmt.h"

#define CONFIG_MAX (4 * 1024 * 1024)

static int fail_task(const struct taskmgr_io *io, const char *ns, const char *id,
                     struct tc_err **err)
{
        if (io->exec_id)
                return tc_wrap(err, "exec \"%s\" of task \"%s\" in namespace \"%s\"", io->exec_id,
                               id, ns);
        return tc_wrap(err, "task \"%s\" in namespace \"%s\"", id, ns);
}

int taskmgr_io_open(const struct taskmgr *m, const char *ns, const char *id,
                    struct taskmgr_io *ret, struct tc_err **err)
{
        *ret = (struct taskmgr_io){ .m = m };
        shimconn_init(&ret->sc, &m->roots, ns, id);
        if (ident_check(id, "task id", err) < 0 || bundle_load(&m->roots, ns, id, &ret->b, err) < 0 ||
            shimconn_connect(&ret->sc, ret->b, m->timeout, err) < 0) {
                taskmgr_io_close(ret);
                return tc_wrap(err, "task \"%s\" in namespace \"%s\"", id, ns);
        }
        return 0;
}

void taskmgr_io_close(struct taskmgr_io *io)
{
        shimconn_release(&io->sc);
        bundle_freep(&io->b);
        free(io->exec_id);
        io->exec_id = NULL;
}

static int read_spec(const struct taskmgr_io *io, cJSON **ret, struct tc_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;

        if (fs_read_at(io->b->fd, "config.json", CONFIG_MAX, &text, &len, err) < 0)
                return -1;
        *ret = cJSON_ParseWithLength(text, len);
        if (!*ret || !cJSON_IsObject(cJSON_GetObjectItem(*ret, "process"))) {
                cJSON_Delete(*ret);
                return tc_fail(err, TC_INTERNAL, "config.json has no process object");
        }
        return 0;
}

int taskmgr_io_process(const struct taskmgr_io *io, char **ret_json, struct tc_err **err)
{
        _cleanup_json_ cJSON *spec = NULL;

        if (read_spec(io, &spec, err) < 0)
                return -1;
        *ret_json = cJSON_PrintUnformatted(cJSON_GetObjectItem(spec, "process"));
        return *ret_json ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
}

bool taskmgr_io_terminal(const struct taskmgr_io *io)
{
        _cleanup_json_ cJSON *spec = NULL;

        if (read_spec(io, &spec, NULL) < 0)
                return false;
        return cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "process"), "terminal"));
}

static double deadline(const struct taskmgr_io *io)
{
        return timefmt_mono() + io->m->timeout;
}

int taskmgr_io_kill(const struct taskmgr_io *io, int signal, struct tc_err **err)
{
        if (taskapi_kill_exec(&io->sc.api, io->b->id, io->exec_id, (uint32_t) signal, deadline(io),
                              err) < 0)
                return fail_task(io, io->b->ns, io->b->id, err);
        return 0;
}

int taskmgr_io_resize(const struct taskmgr_io *io, unsigned cols, unsigned rows,
                      struct tc_err **err)
{
        if (taskapi_resize_pty(&io->sc.api, io->b->id, io->exec_id, cols, rows, deadline(io),
                               err) < 0)
                return fail_task(io, io->b->ns, io->b->id, err);
        return 0;
}

int taskmgr_io_close_stdin(const struct taskmgr_io *io, struct tc_err **err)
{
        if (taskapi_close_stdin(&io->sc.api, io->b->id, io->exec_id, deadline(io), err) < 0)
                return fail_task(io, io->b->ns, io->b->id, err);
        return 0;
}

int taskmgr_io_wait(const struct taskmgr_io *io, uint32_t *ret_status, struct tc_err **err)
{
        struct taskapi_exit ex = { 0 };

        if (taskapi_wait_exec(&io->sc.api, io->b->id, io->exec_id, TTRPC_NO_DEADLINE, &ex, err) < 0)
                return fail_task(io, io->b->ns, io->b->id, err);
        *ret_status = ex.status;
        return 0;
}

int taskmgr_io_exec(struct taskmgr_io *io, const char *exec_id, const struct taskapi_exec_req *req,
                    uint32_t *ret_pid, struct tc_err **err)
{
        if (!(io->exec_id = strdup(exec_id)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (taskapi_exec(&io->sc.api, req, deadline(io), err) < 0)
                return fail_task(io, io->b->ns, io->b->id, err);
        if (taskapi_start_exec(&io->sc.api, io->b->id, exec_id, deadline(io), ret_pid, err) < 0) {
                (void) taskmgr_io_exec_delete(io, NULL);
                return fail_task(io, io->b->ns, io->b->id, err);
        }
        return 0;
}

int taskmgr_io_exec_delete(const struct taskmgr_io *io, struct tc_err **err)
{
        struct taskapi_deleted del;

        if (taskapi_delete_exec(&io->sc.api, io->b->id, io->exec_id, deadline(io), &del, err) < 0)
                return fail_task(io, io->b->ns, io->b->id, err);
        return 0;
}
