/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the Go-style duration parser and the RFC 3339 parser
 * (core/base/timefmt.c). A parsed time is formatted and parsed back. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);
        double d;
        struct timespec ts, ts2;

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        if (timefmt_parse_duration(s, &d) && (isnan(d) || d < 0))
                abort();
        if (timefmt_parse(s, &ts)) {
                char buf[TIMEFMT_LEN];

                if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
                        abort();
                timefmt_rfc3339(&ts, buf);
                if (!timefmt_parse(buf, &ts2) || ts2.tv_sec != ts.tv_sec || ts2.tv_nsec != ts.tv_nsec)
                        abort();
        }
        free(s);
        return 0;
}
