/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parts of interactive tasks: the output log's records, rotation and
 * --tail (core/logfile), the detach keys (core/detachkeys), the default spec
 * of `run --rootfs` (core/runspec). */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/json.h"
#include "core/detachkeys.h"
#include "core/logfile.h"
#include "core/runspec.h"

static char dir[] = "/tmp/test_interactive.XXXXXX";
static int dir_fd = -1;

static void make_dir(void)
{
        cr_assert(mkdtemp(dir) != NULL);
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(dir_fd >= 0);
}

static void remove_dir(void)
{
        (void) fs_rmtree_at(AT_FDCWD, dir, NULL, NULL);
        (void) close(dir_fd);
}

static char *slurp(const char *name, size_t *len)
{
        char *buf = NULL;

        cr_assert(eq(int, fs_read_at(dir_fd, name, 1 << 24, &buf, len, NULL), 0), "%s", name);
        return buf;
}

Test(logfile, records_split_at_newlines_and_keep_partial_lines, .init = make_dir, .fini = remove_dir)
{
        struct logfile_writer w;
        struct timespec ts = { .tv_sec = 1700000000, .tv_nsec = 5 };
        _cleanup_free_ char *text = NULL;
        size_t len;

        cr_assert(eq(int, logfile_writer_open(dir_fd, 1 << 20, &w, NULL), 0));
        cr_assert(eq(int, logfile_write(&w, LOGFILE_STDOUT, &ts, "a\nbc", 4, NULL), 0));
        cr_assert(eq(int, logfile_write(&w, LOGFILE_STDERR, &ts, "x\n", 2, NULL), 0));
        logfile_writer_close(&w);
        text = slurp(LOGFILE_NAME, &len);
        cr_assert(eq(str, text,
                     "2023-11-14T22:13:20.000000005Z stdout F a\n"
                     "2023-11-14T22:13:20.000000005Z stdout P bc\n"
                     "2023-11-14T22:13:20.000000005Z stderr F x\n"));
}

Test(logfile, parse_takes_records_and_refuses_garbage)
{
        static const char good[] = "2023-11-14T22:13:20.000000005Z stderr P he llo";
        static const char *const bad[] = {
                "", "garbage", "2023-11-14T22:13:20Z stdin F x", "2023-11-14T22:13:20Z stdout X x",
                "notatime stdout F x", "2023-11-14T22:13:20Z stdout F",
        };
        struct logfile_rec r;

        cr_assert(logfile_parse(good, strlen(good), &r));
        cr_assert(eq(int, r.stream, LOGFILE_STDERR));
        cr_assert(r.partial);
        cr_assert(eq(sz, r.len, 6));
        cr_assert(eq(int, memcmp(r.data, "he llo", 6), 0));
        cr_assert(eq(i64, r.ts.tv_sec, 1700000000));
        cr_assert(eq(i64, r.ts.tv_nsec, 5));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                cr_assert(not(logfile_parse(bad[i], strlen(bad[i]), &r)), "%s", bad[i]);
}

Test(logfile, rotates_before_passing_the_limit_and_keeps_one_old_file, .init = make_dir,
     .fini = remove_dir)
{
        struct logfile_writer w;
        struct timespec ts = { .tv_sec = 1700000000 };
        char line[101];
        struct stat st;

        memset(line, 'x', 99);
        line[99] = '\n';
        cr_assert(eq(int, logfile_writer_open(dir_fd, 4096, &w, NULL), 0));
        for (int i = 0; i < 200; i++)
                cr_assert(eq(int, logfile_write(&w, LOGFILE_STDOUT, &ts, line, 100, NULL), 0));
        logfile_writer_close(&w);
        cr_assert(eq(int, fstatat(dir_fd, LOGFILE_NAME, &st, 0), 0));
        cr_assert(le(i64, st.st_size, 4096));
        cr_assert(gt(i64, st.st_size, 0));
        cr_assert(eq(int, fstatat(dir_fd, LOGFILE_OLD, &st, 0), 0));
        cr_assert(le(i64, st.st_size, 4096));
        cr_assert(gt(i64, st.st_size, 4096 - 200), "the old file was full when it rotated");
}

Test(logfile, a_line_longer_than_the_limit_is_cut_into_partial_records, .init = make_dir,
     .fini = remove_dir)
{
        struct logfile_writer w;
        struct timespec ts = { .tv_sec = 1700000000 };
        _cleanup_free_ char *big = malloc(10000);
        struct stat st;

        memset(big, 'y', 10000);
        cr_assert(eq(int, logfile_writer_open(dir_fd, 4096, &w, NULL), 0));
        cr_assert(eq(int, logfile_write(&w, LOGFILE_STDOUT, &ts, big, 10000, NULL), 0));
        logfile_writer_close(&w);
        cr_assert(eq(int, fstatat(dir_fd, LOGFILE_NAME, &st, 0), 0));
        cr_assert(le(i64, st.st_size, 4096));
}

static struct logfile_rec rec(bool partial)
{
        return (struct logfile_rec){ .partial = partial, .data = "", .stream = LOGFILE_STDOUT };
}

Test(logfile, tail_counts_lines_from_the_end)
{
        /* lines: [F] [P P F] [F] [P] -> 4 lines, the last one unfinished */
        struct logfile_rec r[] = { rec(false), rec(true), rec(true), rec(false), rec(false),
                                   rec(true) };
        static const struct {
                long tail;
                size_t start;
        } cases[] = { { -1, 0 }, { 0, 6 }, { 1, 5 }, { 2, 4 }, { 3, 1 }, { 4, 0 }, { 99, 0 } };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                cr_assert(eq(sz, logfile_tail_start(r, ELEMENTSOF(r), cases[i].tail),
                             cases[i].start), "tail %ld", cases[i].tail);
        cr_assert(eq(sz, logfile_tail_start(r, 0, 3), 0));
}

struct keys_case {
        const char *chunks[3]; /* fed in turn */
        const char *forwarded; /* everything that went to the task */
        bool detached;
};

Test(detachkeys, ctrl_p_ctrl_q_detaches_anything_else_goes_through)
{
        static const struct keys_case cases[] = {
                { { "abc" }, "abc", false },
                { { "ab\x10\x11" "cd" }, "ab", true },
                { { "ab\x10", "\x11" }, "ab", true },            /* split over two reads */
                { { "\x10x" }, "\x10x", false },                 /* ctrl-p then other */
                { { "\x10\x10\x11" }, "\x10", true },            /* ctrl-p ctrl-p ctrl-q */
                { { "\x11" }, "\x11", false },                   /* ctrl-q alone */
                { { "a\x10", "b" }, "a\x10" "b", false },         /* held, then released */
                { { "\x10" }, "", false },                       /* held at the end */
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct detachkeys d = { 0 };
                char all[64] = "", out[64];
                bool detached = false;

                for (size_t k = 0; k < 3 && cases[i].chunks[k] && !detached; k++) {
                        size_t n = detachkeys_feed(&d, cases[i].chunks[k],
                                                   strlen(cases[i].chunks[k]), out, &detached);

                        strncat(all, out, n);
                }
                cr_assert(eq(str, all, (char *) cases[i].forwarded), "case %zu", i);
                cr_assert(eq(int, detached, cases[i].detached), "case %zu", i);
        }
}

Test(runspec, default_spec_runs_the_command_in_the_usual_namespaces)
{
        char *args[] = { "sh", "-c", "echo hi", NULL };
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ cJSON *spec = NULL;
        cJSON *p, *ns, *m;
        const char *want_ns[] = { "pid", "ipc", "uts", "mount", "network" };
        const char *want_mounts[] = { "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys" };

        cr_assert(eq(int, runspec_default("web", args, true, &text, NULL), 0));
        spec = cJSON_Parse(text);
        cr_assert(spec != NULL);
        p = cJSON_GetObjectItem(spec, "process");
        cr_assert(eq(int, cJSON_GetArraySize(cJSON_GetObjectItem(p, "args")), 3));
        cr_assert(eq(str, cJSON_GetArrayItem(cJSON_GetObjectItem(p, "args"), 2)->valuestring,
                     "echo hi"));
        cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(p, "terminal")));
        cr_assert(eq(str, cJSON_GetObjectItem(spec, "hostname")->valuestring, "web"));
        cr_assert(eq(str, cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "root"), "path")->valuestring,
                     "rootfs"));
        ns = cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "linux"), "namespaces");
        for (size_t i = 0; i < ELEMENTSOF(want_ns); i++)
                cr_assert(eq(str, cJSON_GetObjectItem(cJSON_GetArrayItem(ns, (int) i), "type")->valuestring,
                             (char *) want_ns[i]));
        m = cJSON_GetObjectItem(spec, "mounts");
        for (size_t i = 0; i < ELEMENTSOF(want_mounts); i++)
                cr_assert(eq(str, cJSON_GetObjectItem(cJSON_GetArrayItem(m, (int) i), "destination")->valuestring,
                             (char *) want_mounts[i]));
        {
                int ncaps = cJSON_GetArraySize(
                        cJSON_GetObjectItem(cJSON_GetObjectItem(p, "capabilities"), "bounding"));

                cr_assert(eq(int, ncaps, 14));
        }
}

Test(runspec, no_command_is_an_invalid_argument)
{
        char *args[] = { NULL };
        char *text = NULL;
        struct tc_err *err = NULL;

        cr_assert(eq(int, runspec_default("web", args, false, &text, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        tc_err_free(err);
}
