/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parts of operating tasks: cgroup metrics decoding (v1 and v2, from
 * bytes encoded here by hand, field numbers as containerd's cgroups protos),
 * CPU percent, the worst kind of several outcomes, OOM counters, the resources
 * JSON of update, exec ids of Pids, and the stop signal label. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/signals.h"
#include "core/base/err.h"
#include "core/exitmark.h"
#include "core/stats.h"
#include "core/taskapi.h"
#include "core/taskops.h"

/* ---- a minimal protobuf encoder ---- */

struct buf {
        uint8_t b[512];
        size_t n;
};

static void put_varint(struct buf *o, uint64_t v)
{
        do {
                uint8_t c = v & 0x7f;

                v >>= 7;
                o->b[o->n++] = c | (v ? 0x80 : 0);
        } while (v);
}

static void put_uint(struct buf *o, unsigned field, uint64_t v)
{
        put_varint(o, (uint64_t) field << 3);
        put_varint(o, v);
}

static void put_bytes(struct buf *o, unsigned field, const void *p, size_t len)
{
        put_varint(o, (uint64_t) field << 3 | 2);
        put_varint(o, len);
        memcpy(o->b + o->n, p, len);
        o->n += len;
}

static void put_msg(struct buf *o, unsigned field, const struct buf *m)
{
        put_bytes(o, field, m->b, m->n);
}

Test(stats, v1_metrics)
{
        struct buf pids = { 0 }, usage = { 0 }, cpu = { 0 }, entry = { 0 }, mem = { 0 },
                   rd = { 0 }, wr = { 0 }, blk = { 0 }, oom = { 0 }, m = { 0 };
        struct task_stats s;
        struct tc_err *err = NULL;

        put_uint(&pids, 1, 3);
        put_uint(&pids, 2, 100);
        put_uint(&usage, 1, 5000000000);   /* total ns */
        put_uint(&usage, 2, 2000000000);   /* kernel */
        put_uint(&usage, 3, 3000000000);   /* user */
        put_msg(&cpu, 1, &usage);
        put_uint(&entry, 1, 33554432);     /* limit */
        put_uint(&entry, 2, 52428800);     /* usage */
        put_uint(&mem, 30, 1048576);       /* total_inactive_file */
        put_msg(&mem, 33, &entry);
        put_bytes(&rd, 1, "Read", 4);
        put_uint(&rd, 5, 4096);
        put_bytes(&wr, 1, "Write", 5);
        put_uint(&wr, 5, 8192);
        put_msg(&blk, 1, &rd);
        put_msg(&blk, 1, &wr);
        put_msg(&blk, 1, &rd);             /* a second device: summed */
        put_uint(&oom, 3, 2);
        put_bytes(&m, 1, "\x08\x01", 2);   /* hugetlb {usage 1}: not ours, skipped */
        put_msg(&m, 2, &pids);
        put_msg(&m, 3, &cpu);
        put_msg(&m, 4, &mem);
        put_msg(&m, 5, &blk);
        put_bytes(&m, 7, "x", 1);          /* network: unknown here, skipped */
        put_msg(&m, 9, &oom);
        cr_assert(eq(int, stats_decode(STATS_V1_TYPE, m.b, m.n, &s, &err), 0));
        cr_assert(eq(int, s.cgroup, 1));
        cr_assert(eq(u64, s.cpu_ns, 5000000000));
        cr_assert(eq(u64, s.cpu_user_ns, 3000000000));
        cr_assert(eq(u64, s.cpu_system_ns, 2000000000));
        cr_assert(eq(u64, s.mem_usage, 52428800));
        cr_assert(eq(u64, s.mem_limit, 33554432));
        cr_assert(eq(u64, s.mem_inactive_file, 1048576));
        cr_assert(eq(u64, s.pids, 3));
        cr_assert(eq(u64, s.pids_limit, 100));
        cr_assert(eq(u64, s.io_read_bytes, 8192));
        cr_assert(eq(u64, s.io_write_bytes, 8192));
        cr_assert(eq(i64, s.oom_kills, 2));
}

Test(stats, v1_no_limit_is_zero)
{
        struct buf entry = { 0 }, mem = { 0 }, m = { 0 };
        struct task_stats s;

        put_uint(&entry, 1, UINT64_C(9223372036854771712)); /* the kernel's "unlimited" */
        put_uint(&entry, 2, 4096);
        put_msg(&mem, 33, &entry);
        put_msg(&m, 4, &mem);
        cr_assert(eq(int, stats_decode(STATS_V1_TYPE, m.b, m.n, &s, NULL), 0));
        cr_assert(eq(u64, s.mem_limit, 0));
        cr_assert(eq(u64, s.mem_usage, 4096));
        cr_assert(eq(i64, s.oom_kills, -1)); /* not reported */
}

Test(stats, v2_metrics)
{
        struct buf pids = { 0 }, cpu = { 0 }, mem = { 0 }, io1 = { 0 }, io2 = { 0 }, io = { 0 },
                   ev = { 0 }, m = { 0 };
        struct task_stats s;
        struct tc_err *err = NULL;

        put_uint(&pids, 1, 4);
        put_uint(&pids, 2, 0);
        put_uint(&cpu, 1, 1500000);        /* usage_usec */
        put_uint(&cpu, 2, 1000000);
        put_uint(&cpu, 3, 500000);
        put_uint(&mem, 13, 2048);          /* inactive_file */
        put_uint(&mem, 32, 10485760);      /* usage */
        put_uint(&mem, 33, 20971520);      /* usage_limit */
        put_uint(&io1, 1, 8);
        put_uint(&io1, 3, 100);            /* rbytes */
        put_uint(&io1, 4, 200);            /* wbytes */
        put_uint(&io2, 3, 1);
        put_uint(&io2, 4, 2);
        put_msg(&io, 1, &io1);
        put_msg(&io, 1, &io2);
        put_uint(&ev, 5, 1);               /* oom_kill */
        put_msg(&m, 1, &pids);
        put_msg(&m, 2, &cpu);
        put_msg(&m, 4, &mem);
        put_msg(&m, 6, &io);
        put_msg(&m, 8, &ev);
        cr_assert(eq(int, stats_decode(STATS_V2_TYPE, m.b, m.n, &s, &err), 0));
        cr_assert(eq(int, s.cgroup, 2));
        cr_assert(eq(u64, s.cpu_ns, 1500000000));
        cr_assert(eq(u64, s.cpu_user_ns, 1000000000));
        cr_assert(eq(u64, s.cpu_system_ns, 500000000));
        cr_assert(eq(u64, s.mem_usage, 10485760));
        cr_assert(eq(u64, s.mem_limit, 20971520));
        cr_assert(eq(u64, s.mem_inactive_file, 2048));
        cr_assert(eq(u64, s.pids, 4));
        cr_assert(eq(u64, s.pids_limit, 0));
        cr_assert(eq(u64, s.io_read_bytes, 101));
        cr_assert(eq(u64, s.io_write_bytes, 202));
        cr_assert(eq(i64, s.oom_kills, 1));
}

Test(stats, unknown_type_and_garbage_are_unavailable)
{
        static const uint8_t garbage[] = { 0x22, 0x05, 0x01 }; /* field 4, 5 bytes, 1 given */
        struct task_stats s;
        struct tc_err *err = NULL;

        cr_assert(eq(int, stats_decode("example.Other", NULL, 0, &s, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg, "metrics of type \"example.Other\" are not supported"));
        tc_err_freep(&err);
        cr_assert(eq(int, stats_decode(STATS_V2_TYPE, garbage, sizeof garbage, &s, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        tc_err_freep(&err);
}

static bool near(double a, double b)
{
        return a - b < 1e-9 && b - a < 1e-9;
}

Test(stats, cpu_percent)
{
        /* one CPU busy for a second: 100%; two for half a second: 200% */
        cr_assert(near(stats_cpu_percent(0, 1000000000, 1.0), 100.0), "%g", stats_cpu_percent(0, 1000000000, 1.0));
        cr_assert(near(stats_cpu_percent(500000000, 1500000000, 0.5), 200.0), "%g", stats_cpu_percent(500000000, 1500000000, 0.5));
        cr_assert(near(stats_cpu_percent(10, 10, 1.0), 0.0), "%g", stats_cpu_percent(10, 10, 1.0));
        cr_assert(near(stats_cpu_percent(10, 5, 1.0), 0.0), "%g", stats_cpu_percent(10, 5, 1.0)); /* went back */
        cr_assert(near(stats_cpu_percent(0, 5, 0.0), 0.0), "%g", stats_cpu_percent(0, 5, 0.0));  /* no time */
}

Test(ops, worst_kind_is_the_highest_exit_code)
{
        static const struct {
                int a, b, want;
        } rows[] = {
                { 0, TC_NOT_FOUND, TC_NOT_FOUND },
                { TC_NOT_FOUND, 0, TC_NOT_FOUND },
                { TC_INVALID_ARGUMENT, TC_NOT_FOUND, TC_NOT_FOUND },
                { TC_NOT_FOUND, TC_INVALID_ARGUMENT, TC_NOT_FOUND },
                { TC_INTERNAL, TC_INVALID_ARGUMENT, TC_INVALID_ARGUMENT },
                { TC_DEADLINE_EXCEEDED, TC_UNAVAILABLE, TC_DEADLINE_EXCEEDED },
                { TC_FAILED_PRECONDITION, TC_NOT_FOUND, TC_FAILED_PRECONDITION },
                { 0, 0, 0 },
        };

        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
                cr_assert(eq(int, (int) tc_kind_worst((enum tc_kind) rows[i].a, (enum tc_kind) rows[i].b),
                             rows[i].want), "row %zu", i);
}

Test(ops, oom_kill_counter)
{
        cr_assert(eq(long, exitmark_parse_oom_kill("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"), 3));
        cr_assert(eq(long, exitmark_parse_oom_kill("low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n"), 1));
        cr_assert(eq(long, exitmark_parse_oom_kill("oom_kill_disable 0\nunder_oom 0\n"), -1));
        cr_assert(eq(long, exitmark_parse_oom_kill("oom_kill x\n"), -1));
        cr_assert(eq(long, exitmark_parse_oom_kill(""), -1));
}

Test(ops, resources_json)
{
        struct task_resources r = { .has_memory = true, .memory = 33554432 };
        char *j = taskops_resources_json(&r);

        cr_assert(eq(str, j, "{\"memory\":{\"limit\":33554432}}"));
        free(j);
        r = (struct task_resources){ .has_cpus = true, .cpus = 1.5, .has_pids = true, .pids_limit = -1 };
        j = taskops_resources_json(&r);
        cr_assert(eq(str, j, "{\"cpu\":{\"quota\":150000,\"period\":100000},\"pids\":{\"limit\":-1}}"));
        free(j);
}

Test(ops, exec_id_of_process_info)
{
        struct buf d = { 0 };
        char id[64];

        put_bytes(&d, 1, "e1", 2);
        taskapi_process_exec_id(TASKAPI_PROCESS_DETAILS_TYPE, d.b, d.n, id, sizeof id);
        cr_assert(eq(str, id, "e1"));
        taskapi_process_exec_id("example.Other", d.b, d.n, id, sizeof id);
        cr_assert(eq(str, id, ""));
        taskapi_process_exec_id(NULL, NULL, 0, id, sizeof id);
        cr_assert(eq(str, id, ""));
}

Test(ops, stop_signal_label)
{
        struct tc_err *err = NULL;
        int sig = 0;

        cr_assert(eq(int, signal_stop(NULL, &sig, &err), 0));
        cr_assert(eq(int, sig, SIGTERM));
        cr_assert(eq(int, signal_stop("", &sig, &err), 0));
        cr_assert(eq(int, sig, SIGTERM));
        cr_assert(eq(int, signal_stop("SIGQUIT", &sig, &err), 0));
        cr_assert(eq(int, sig, SIGQUIT));
        cr_assert(eq(int, signal_stop("usr1", &sig, &err), 0));
        cr_assert(eq(int, sig, SIGUSR1));
        cr_assert(eq(int, signal_stop("9", &sig, &err), 0));
        cr_assert(eq(int, sig, SIGKILL));
        cr_assert(eq(int, signal_stop("NOPE", &sig, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(str, err->msg,
                     "label io.containerd.image.config.stop-signal: invalid signal \"NOPE\""));
        tc_err_freep(&err);
}
