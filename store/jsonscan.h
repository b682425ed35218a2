/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The inner loop of every JSON string scan we do per record (the strict check
 * of a spec, the JSON printer): the run of bytes that need no attention, found
 * sixteen (SSE2) or eight (a 64-bit word) at a time. A listing spends most of its time in it (docs/performance.md). */

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

#ifdef __SSE2__
#include <emmintrin.h>

/* Sixteen bytes at a time (SSE2 is in every x86-64): the offset of the first
 * stop in the 16 bytes at P, or 16. */
static inline unsigned jsonscan_16(const unsigned char *p, bool ascii)
{
        __m128i v = _mm_loadu_si128((const __m128i *) (const void *) p);
        __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        unsigned m;

        if (ascii) /* signed: below 0x20 or from 0x80; and DEL */
                stop = _mm_or_si128(stop, _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                                       _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
        else /* unsigned below 0x20, through the sign flip */
                stop = _mm_or_si128(stop,
                                    _mm_cmplt_epi8(_mm_xor_si128(v, _mm_set1_epi8((char) 0x80)),
                                                   _mm_set1_epi8((char) (0x20 ^ 0x80))));
        m = (unsigned) _mm_movemask_epi8(stop);
        return m ? (unsigned) __builtin_ctz(m) : 16;
}
#endif

/* The first byte at or after P that is '"', '\\' or a control (below 0x20);
 * with ASCII also DEL and every byte from 0x80. END when there is none. */
static inline const unsigned char *jsonscan_plain(const unsigned char *p, const unsigned char *end,
                                                  bool ascii)
{
#ifdef __SSE2__
        while (end - p >= 16) {
                unsigned k = jsonscan_16(p, ascii);

                if (k < 16)
                        return p + k;
                p += 16;
        }
#endif
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
