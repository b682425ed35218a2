/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The inner loop of every JSON string scan we do per record (the strict check
 * of a spec, the JSON printer): the run of bytes that need no attention, found
 * eight at a time. A listing spends most of its time in it (docs/performance.md). */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define JSONSCAN_ONES 0x0101010101010101ULL
#define JSONSCAN_HIGHS 0x8080808080808080ULL

/* A byte of V below N (N <= 128) sets that byte's high bit; the lowest one set
 * is exact (borrows only reach the bytes above a match). */
static inline uint64_t jsonscan_less(uint64_t v, unsigned n)
{
        return (v - JSONSCAN_ONES * n) & ~v & JSONSCAN_HIGHS;
}

static inline uint64_t jsonscan_eq(uint64_t v, unsigned char c)
{
        return jsonscan_less(v ^ (JSONSCAN_ONES * c), 1);
}

/* The first byte at or after P that is '"', '\\' or a control (below 0x20);
 * with ASCII also DEL and every byte from 0x80. END when there is none. */
static inline const unsigned char *jsonscan_plain(const unsigned char *p, const unsigned char *end,
                                                  bool ascii)
{
        while (end - p >= 8) {
                uint64_t v, stop;

                memcpy(&v, p, 8);
                stop = jsonscan_eq(v, '"') | jsonscan_eq(v, '\\') | jsonscan_less(v, 0x20);
                if (ascii)
                        stop |= (v & JSONSCAN_HIGHS) | jsonscan_eq(v, 0x7f);
                if (stop)
                        return p + __builtin_ctzll(stop) / 8;
                p += 8;
        }
        while (p < end && *p != '"' && *p != '\\' && *p >= 0x20 && (!ascii || *p < 0x7f))
                p++;
        return p;
}
