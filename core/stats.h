/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

#define STATS_V1_TYPE "io.containerd.cgroups.v1.Metrics"
#define STATS_V2_TYPE "io.containerd.cgroups.v2.Metrics"

/* What `stats` shows of a task's cgroup metrics (the Any of the shim's
 * Stats), the same for cgroup v1 and v2. A limit of 0 means none. */
struct task_stats {
        int cgroup;            /* 1 or 2 */
        uint64_t cpu_ns;       /* CPU time used, user + system */
        uint64_t cpu_user_ns;
        uint64_t cpu_system_ns;
        uint64_t mem_usage;    /* bytes, as the cgroup counts them (page cache included) */
        uint64_t mem_inactive_file; /* what docker subtracts for its MEM USAGE */
        uint64_t mem_limit;
        uint64_t pids;
        uint64_t pids_limit;
        uint64_t io_read_bytes;
        uint64_t io_write_bytes;
        int64_t oom_kills;     /* -1: not reported */
};

/* Decodes the Any (TYPE_URL, VALUE) of the shim's Stats. Another type_url:
 * TC_UNAVAILABLE (a runtime taskctl cannot read); undecodable bytes too. */
int stats_decode(const char *type_url, const uint8_t *value, size_t len, struct task_stats *ret,
                 struct tc_err **err);

/* CPU use between two samples WALL_SECONDS apart, in percent of one CPU (as
 * `docker stats`: 200% is two CPUs busy). 0 when it cannot be told (no time
 * passed, or the counter went back). */
double stats_cpu_percent(uint64_t prev_cpu_ns, uint64_t cpu_ns, double wall_seconds);
