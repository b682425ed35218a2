/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup metrics of a runc shim's Stats (containerd's cgroups packages:
 * stats/v1 Metrics, cgroup2/stats Metrics), reduced to what `stats` shows. */
#include "core/stats.h"

#include <string.h>
#include <strings.h>

#include "core/proto/metrics.pb-c.h"

/* a "limit" this large is the kernel's "no limit" (v1: PAGE_COUNTER_MAX pages,
 * v2: "max" read as MaxUint64) */
#define NO_LIMIT (UINT64_C(1) << 62)

static uint64_t limit_of(uint64_t v)
{
        return v >= NO_LIMIT ? 0 : v;
}

static void from_v1(const Tcpb__V1Metrics *m, struct task_stats *s)
{
        s->cgroup = 1;
        if (m->cpu && m->cpu->usage) {
                s->cpu_ns = m->cpu->usage->total;
                s->cpu_user_ns = m->cpu->usage->user;
                s->cpu_system_ns = m->cpu->usage->kernel;
        }
        if (m->memory) {
                if (m->memory->usage) {
                        s->mem_usage = m->memory->usage->usage;
                        s->mem_limit = limit_of(m->memory->usage->limit);
                }
                s->mem_inactive_file = m->memory->total_inactive_file;
        }
        if (m->pids) {
                s->pids = m->pids->current;
                s->pids_limit = limit_of(m->pids->limit);
        }
        for (size_t i = 0; m->blkio && i < m->blkio->n_io_service_bytes_recursive; i++) {
                const Tcpb__V1BlkIOEntry *e = m->blkio->io_service_bytes_recursive[i];

                if (e->op && strcasecmp(e->op, "read") == 0)
                        s->io_read_bytes += e->value;
                else if (e->op && strcasecmp(e->op, "write") == 0)
                        s->io_write_bytes += e->value;
        }
        if (m->memory_oom_control)
                s->oom_kills = (int64_t) m->memory_oom_control->oom_kill;
}

static void from_v2(const Tcpb__V2Metrics *m, struct task_stats *s)
{
        s->cgroup = 2;
        if (m->cpu) {
                s->cpu_ns = m->cpu->usage_usec * 1000;
                s->cpu_user_ns = m->cpu->user_usec * 1000;
                s->cpu_system_ns = m->cpu->system_usec * 1000;
        }
        if (m->memory) {
                s->mem_usage = m->memory->usage;
                s->mem_limit = limit_of(m->memory->usage_limit);
                s->mem_inactive_file = m->memory->inactive_file;
        }
        if (m->pids) {
                s->pids = m->pids->current;
                s->pids_limit = limit_of(m->pids->limit);
        }
        for (size_t i = 0; m->io && i < m->io->n_usage; i++) {
                s->io_read_bytes += m->io->usage[i]->rbytes;
                s->io_write_bytes += m->io->usage[i]->wbytes;
        }
        if (m->memory_events)
                s->oom_kills = (int64_t) m->memory_events->oom_kill;
}

int stats_decode(const char *type_url, const uint8_t *value, size_t len, struct task_stats *ret,
                 struct tc_err **err)
{
        static const uint8_t empty[1];
        const uint8_t *v = len ? value : empty;

        memset(ret, 0, sizeof *ret);
        ret->oom_kills = -1;
        if (type_url && strcmp(type_url, STATS_V1_TYPE) == 0) {
                Tcpb__V1Metrics *m = tcpb__v1_metrics__unpack(NULL, len, v);

                if (!m)
                        return tc_fail(err, TC_UNAVAILABLE, "malformed %s from shim", type_url);
                from_v1(m, ret);
                tcpb__v1_metrics__free_unpacked(m, NULL);
                return 0;
        }
        if (type_url && strcmp(type_url, STATS_V2_TYPE) == 0) {
                Tcpb__V2Metrics *m = tcpb__v2_metrics__unpack(NULL, len, v);

                if (!m)
                        return tc_fail(err, TC_UNAVAILABLE, "malformed %s from shim", type_url);
                from_v2(m, ret);
                tcpb__v2_metrics__free_unpacked(m, NULL);
                return 0;
        }
        return tc_fail(err, TC_UNAVAILABLE, "metrics of type \"%s\" are not supported",
                       type_url ? type_url : "");
}

double stats_cpu_percent(uint64_t prev_cpu_ns, uint64_t cpu_ns, double wall_seconds)
{
        if (!(wall_seconds > 0) || cpu_ns < prev_cpu_ns)
                return 0.0;
        return (double) (cpu_ns - prev_cpu_ns) / (wall_seconds * 1e9) * 100.0;
}
