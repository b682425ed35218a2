/* SPDX-License-Identifier: Apache-2.0 */
/* core/base/timefmt durations: only Go's time.ParseDuration numbers. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"

struct dur_case {
        const char *in;
        bool ok;
        double secs;
};

Test(duration, go_numbers_only)
{
        static const struct dur_case cases[] = {
                { "90s", true, 90 },   { "1h30m", true, 5400 }, { "1.5h", true, 5400 },
                { "500ms", true, 0.5 }, { ".5s", true, 0.5 },    { "0", true, 0 },
                { "1e3s", false, 0 },  { "0x10s", false, 0 },   { "inf", false, 0 },
                { ".s", false, 0 },    { "s", false, 0 },       { "1", false, 0 },
                { "", false, 0 },      { "-1s", false, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                double got = -1;

                cr_assert(eq(int, timefmt_parse_duration(cases[i].in, &got), cases[i].ok), "%s",
                          cases[i].in);
                if (cases[i].ok)
                        cr_assert(eq(dbl, got, cases[i].secs), "%s", cases[i].in);
        }
}

/* --since (events, logs): an RFC 3339 time as is, or a duration before now */
Test(duration, since_time_or_duration)
{
        struct timespec ts, before, after;

        cr_assert(timefmt_parse_since("2026-01-02T03:04:05.5Z", &ts));
        cr_assert(eq(i64, (int64_t) ts.tv_sec, 1767323045));
        cr_assert(eq(long, ts.tv_nsec, 500000000L));
        clock_gettime(CLOCK_REALTIME, &before);
        cr_assert(timefmt_parse_since("1h30m", &ts));
        clock_gettime(CLOCK_REALTIME, &after);
        cr_assert(ge(i64, (int64_t) ts.tv_sec, (int64_t) before.tv_sec - 5400));
        cr_assert(le(i64, (int64_t) ts.tv_sec, (int64_t) after.tv_sec - 5400));
        cr_assert(not(timefmt_parse_since("yesterday", &ts)));
        cr_assert(not(timefmt_parse_since("", &ts)));
}
