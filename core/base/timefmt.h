/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TIMEFMT_LEN 64

/* RFC 3339 UTC with nanoseconds, as Go's time.RFC3339Nano but with all nine
 * digits kept: "2026-11-28T11:38:21.266303072Z". */
void timefmt_rfc3339(const struct timespec *ts, char buf[TIMEFMT_LEN]);
void timefmt_now(char buf[TIMEFMT_LEN]);
/* Parses RFC 3339 (any offset, optional fraction); false if malformed. */
bool timefmt_parse(const char *s, struct timespec *ret);
/* Go-style durations: "90s", "1h30m", "2h", "500ms", "1.5h"; false if malformed. */
bool timefmt_parse_duration(const char *s, double *ret_seconds);
/* A --since value: an RFC 3339 time, or a duration meaning "that long before
 * now"; false if it is neither. */
bool timefmt_parse_since(const char *s, struct timespec *ret);
/* Monotonic seconds, for deadlines. */
double timefmt_mono(void);
