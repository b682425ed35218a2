/* SPDX-License-Identifier: Apache-2.0 */
/* Exit events when the exit happens: the first command that observes a
 * task's exit records it, once (containerd's shim publishes /tasks/exit to the
 * daemon at the exit; there is no daemon here). */
#include "core/exitmark.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/json.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"
#include "core/bundle.h"
#include "core/events.h"
#include "core/taskapi.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define SPEC_MAX (4u << 20)

bool exitmark_done(int bundle_fd)
{
        return faccessat(bundle_fd, EXITMARK_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

long exitmark_parse_oom_kill(const char *text)
{
        const char *p = text;

        while (p && *p) {
                char *end = NULL;
                long n;

                if (strncmp(p, "oom_kill ", 9) == 0) {
                        errno = 0;
                        n = strtol(p + 9, &end, 10);
                        if (!errno && end != p + 9 && n >= 0 && (*end == '\n' || !*end))
                                return n;
                        return -1;
                }
                p = strchr(p, '\n');
                if (p)
                        p++;
        }
        return -1;
}

/* linux.cgroupsPath of the bundle's config.json, if absolute and plain. */
static char *cgroup_path(int bundle_fd)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_json_ cJSON *spec = NULL;
        const char *path;
        size_t len = 0;

        if (fs_read_at(bundle_fd, "config.json", SPEC_MAX, &buf, &len, NULL) < 0 ||
            !(spec = json_parse(buf, len, NULL, false)))
                return NULL;
        path = cJSON_GetStringValue(
                cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "linux"), "cgroupsPath"));
        /* runc's default is /ID; "slice:prefix:name" is systemd's, not followed here */
        if (!path || path[0] != '/' || strchr(path, ':') || strstr(path, "/../"))
                return NULL;
        return strdup(path);
}

static long read_counter(const char *file)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;

        if (fs_read_at(AT_FDCWD, file, 1 << 16, &text, &len, NULL) < 0)
                return -1;
        return exitmark_parse_oom_kill(text);
}

long exitmark_oom_kills(int bundle_fd, const char *cgroup_root)
{
        _cleanup_free_ char *path = cgroup_path(bundle_fd);
        char file[4096];
        const char *root = cgroup_root ? cgroup_root : CGROUP_ROOT;
        long n;

        if (!path)
                return -1;
        /* v1 (or the v1 memory controller of a hybrid layout), then v2 */
        (void) snprintf(file, sizeof file, "%s/memory%s/memory.oom_control", root, path);
        if ((n = read_counter(file)) >= 0)
                return n;
        (void) snprintf(file, sizeof file, "%s%s/memory.events", root, path);
        return read_counter(file);
}

int exitmark_record(int root_fd, int bundle_fd, const struct exitmark *x, double timeout,
                    struct tc_err **err)
{
        struct event evs[2];
        size_t n = 0;
        char detail[64];
        long ooms = -1;

        if (exitmark_done(bundle_fd))
                return 0;
        if (x->known && x->status == 137)
                ooms = exitmark_oom_kills(bundle_fd, NULL);
        if (ooms > 0) {
                (void) snprintf(detail, sizeof detail, "memory cgroup oom_kill %ld", ooms);
                evs[n++] = (struct event){ .ns = x->ns, .topic = EVENT_TASK_OOM, .id = x->id,
                                           .pid = x->pid, .time = x->at, .detail = detail };
        }
        evs[n++] = (struct event){ .ns = x->ns, .topic = EVENT_TASK_EXIT, .id = x->id,
                                   .pid = x->pid, .exit_known = x->known,
                                   .exit_status = x->status, .time = x->at,
                                   .detail = x->detail ? x->detail
                                                       : (ooms > 0 ? "oom killed" : NULL) };
        return events_append_once(root_fd, evs, n, bundle_fd, EXITMARK_FILE, timeout, err);
}

void exitmark_note(int root_fd, const struct bundle *b, uint32_t pid,
                   const struct taskapi_exit *ex, const char *detail, double timeout)
{
        struct exitmark x = { .ns = b->ns, .id = b->id, .pid = pid, .detail = detail };
        char at[TIMEFMT_LEN] = "";
        struct tc_err *e = NULL;

        if (ex) {
                x.known = true;
                x.status = ex->status;
                if (ex->exited)
                        timefmt_rfc3339(&ex->at, at);
        }
        x.at = at;
        if (exitmark_record(root_fd, b->fd, &x, timeout, &e) < 0) {
                log_warn("%s", e->msg);
                tc_err_free(e);
        }
}
