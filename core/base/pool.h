/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"

/* A bounded worker pool for N independent items whose results are consumed in
 * item order: FN(USER, i) runs for each i on at most PARALLEL threads at once,
 * items handed out in order; the caller takes the results with pool_wait(i) for
 * i = 0, 1, ... and so sees them in the order of a sequential run. What FN
 * touches must be its item's or read-only (no static buffers, no strerror).
 *
 * DEADLINE (timefmt_mono() seconds, 0: none) bounds the whole run: an item not
 * started by then is never run, and pool_wait says so. PARALLEL 1 runs no
 * thread: pool_wait(i) runs item i itself (a sequential run). */
typedef void (*pool_fn)(void *user, size_t i);

struct pool;

/* The default --parallel: a small multiple of the online cores. */
unsigned pool_default_parallel(void);

int pool_start(size_t n, unsigned parallel, double deadline, pool_fn fn, void *user,
               struct pool **ret, struct tc_err **err);
/* Waits for item I (in order: I is the next one not yet waited for). True if it
 * ran, false if the deadline passed before it started. */
bool pool_wait(struct pool *p, size_t i);
/* Stops handing out items (those not started are never run), waits for the
 * running ones and frees P. NULL is fine. */
void pool_free(struct pool *p);
static inline void pool_freep(struct pool **p)
{
        pool_free(*p);
}
