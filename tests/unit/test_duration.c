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
