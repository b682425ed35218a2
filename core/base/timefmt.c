/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void timefmt_rfc3339(const struct timespec *ts, char buf[TIMEFMT_LEN])
{
        struct tm tm;
        time_t t = ts->tv_sec;

        if (!gmtime_r(&t, &tm)) { /* a year past int: cannot happen for a clock or a parsed time */
                (void) snprintf(buf, TIMEFMT_LEN, "0001-01-01T00:00:00.000000000Z");
                return;
        }
        (void) snprintf(buf, TIMEFMT_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                        tm.tm_sec, (long) ts->tv_nsec);
}

void timefmt_now(char buf[TIMEFMT_LEN])
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        timefmt_rfc3339(&ts, buf);
}

double timefmt_mono(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static bool digits(const char **p, int n, int *ret)
{
        int v = 0;

        for (int i = 0; i < n; i++) {
                if (!isdigit((unsigned char) (*p)[i]))
                        return false;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

/* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z, in seconds since the epoch */
#define YEAR_0 (-62167219200LL)
#define YEAR_10000 (253402300800LL)

static int days_in(int y, int mo)
{
        static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        return days[mo - 1] + (mo == 2 && leap);
}

bool timefmt_parse(const char *s, struct timespec *ret)
{
        struct tm tm = { 0 };
        int y, mo, d, h, mi, sec, oh = 0, om = 0;
        long nsec = 0;
        const char *p = s;
        int sign = 0;

        if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
            !digits(&p, 2, &d) || (*p != 'T' && *p != 't') || !(p++, digits(&p, 2, &h)) ||
            *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' || !digits(&p, 2, &sec))
                return false;
        if (*p == '.') {
                int n = 0;

                p++;
                while (isdigit((unsigned char) *p)) {
                        if (n < 9) {
                                nsec = nsec * 10 + (*p - '0');
                                n++;
                        }
                        p++;
                }
                if (n == 0)
                        return false;
                for (; n < 9; n++)
                        nsec *= 10;
        }
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                sign = *p == '+' ? 1 : -1;
                p++;
                if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om))
                        return false;
        } else {
                return false;
        }
        /* as Go's time.Parse: a day the month has, an offset of at most 24 hours */
        if (*p || mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo) || h > 23 || mi > 59 ||
            sec > 59 || oh > 24 || om > 59)
                return false;
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = sec;
        ret->tv_sec = timegm(&tm) - sign * (oh * 3600 + om * 60);
        ret->tv_nsec = nsec;
        /* what the offset moves out of years 0000-9999 has no RFC 3339 form to
         * be written back in (Go's MarshalJSON refuses it too; found by
         * fuzz_duration: 9999-12-31T23:59:59.2-39:59) */
        return ret->tv_sec >= YEAR_0 && ret->tv_sec < YEAR_10000;
}

/* Go's time.ParseDuration number: digits with an optional fraction, at least
 * one digit. strtod alone would also take "1e3", "0x10", "inf". */
static bool number_span(const char *p, char **ret_end)
{
        size_t n = 0;

        while (isdigit((unsigned char) *p)) {
                p++;
                n++;
        }
        if (*p == '.')
                for (p++; isdigit((unsigned char) *p); p++)
                        n++;
        *ret_end = (char *) p;
        return n > 0;
}

bool timefmt_parse_duration(const char *s, double *ret_seconds)
{
        static const struct {
                const char *unit;
                double secs;
        } units[] = { { "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 },
                      { "s", 1 },     { "m", 60 },    { "h", 3600 } };
        double total = 0;
        const char *p = s;

        if (!s || !*s)
                return false;
        if (strcmp(s, "0") == 0) {
                *ret_seconds = 0;
                return true;
        }
        while (*p) {
                char *end;
                double v;
                size_t best = 0;
                double mult = 0;

                if (!number_span(p, &end))
                        return false;
                v = strtod(p, NULL);
                p = end;
                for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
                        size_t n = strlen(units[i].unit);

                        if (strncmp(p, units[i].unit, n) == 0 && n > best &&
                            !(n == 1 && units[i].unit[0] == 'm' && p[1] == 's')) {
                                best = n;
                                mult = units[i].secs;
                        }
                }
                if (!best)
                        return false;
                p += best;
                total += v * mult;
        }
        *ret_seconds = total;
        return true;
}

bool timefmt_parse_since(const char *s, struct timespec *ret)
{
        double secs;

        if (timefmt_parse(s, ret))
                return true;
        if (!timefmt_parse_duration(s, &secs))
                return false;
        clock_gettime(CLOCK_REALTIME, ret);
        ret->tv_sec -= (time_t) secs;
        return true;
}
