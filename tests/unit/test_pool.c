/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "core/base/pool.h"
#include "core/base/timefmt.h"

enum { N = 1000 };

struct counts {
        atomic_uint runs[N];
        atomic_uint in_flight, max_in_flight, total;
        size_t out[N];
        pthread_t caller;
        atomic_bool other_thread;
};

static void count_item(void *user, size_t i)
{
        struct counts *c = user;
        unsigned now = atomic_fetch_add(&c->in_flight, 1) + 1;
        unsigned max = atomic_load(&c->max_in_flight);

        while (now > max && !atomic_compare_exchange_weak(&c->max_in_flight, &max, now))
                ;
        atomic_fetch_add(&c->runs[i], 1);
        c->out[i] = i * 3 + 1;
        if (!pthread_equal(pthread_self(), c->caller))
                atomic_store(&c->other_thread, true);
        atomic_fetch_add(&c->total, 1);
        atomic_fetch_sub(&c->in_flight, 1);
}

static struct counts *run_counts(unsigned parallel)
{
        struct counts *c = calloc(1, sizeof *c);
        struct pool *p = NULL;

        cr_assert(not(eq(ptr, c, NULL)));
        c->caller = pthread_self();
        cr_assert(eq(int, pool_start(N, parallel, 0, count_item, c, &p, NULL), 0));
        for (size_t i = 0; i < N; i++) {
                cr_assert(pool_wait(p, i), "item %zu did not run", i);
                /* its result is there when it is waited for */
                cr_assert(eq(sz, c->out[i], i * 3 + 1));
        }
        pool_free(p);
        for (size_t i = 0; i < N; i++)
                cr_assert(eq(uint, atomic_load(&c->runs[i]), 1), "item %zu ran %u times", i,
                          atomic_load(&c->runs[i]));
        return c;
}

Test(pool, every_item_once_in_order_bounded)
{
        struct counts *c = run_counts(8);

        cr_assert(le(uint, atomic_load(&c->max_in_flight), 8));
        cr_assert(atomic_load(&c->other_thread), "no item ran on a worker");
        free(c);
}

Test(pool, parallel_one_runs_in_the_caller)
{
        struct counts *c = run_counts(1);

        cr_assert(eq(uint, atomic_load(&c->max_in_flight), 1));
        cr_assert(not(atomic_load(&c->other_thread)), "parallel 1 started a thread");
        free(c);
}

/* Items that block until GATE opens; the test sees how many are in at once. */
struct gated {
        pthread_mutex_t mu;
        pthread_cond_t cv;
        unsigned entered, ran;
        bool open;
};

static void gated_item(void *user, size_t i)
{
        struct gated *g = user;

        pthread_mutex_lock(&g->mu);
        g->entered++;
        g->ran++;
        pthread_cond_broadcast(&g->cv);
        while (!g->open)
                pthread_cond_wait(&g->cv, &g->mu);
        pthread_mutex_unlock(&g->mu);
}

/* Waits (bounded, 30 s: a failure, not a measurement) for WANT items inside. */
static bool wait_entered(struct gated *g, unsigned want)
{
        struct timespec ts;
        bool ok;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 30;
        pthread_mutex_lock(&g->mu);
        while (g->entered < want && pthread_cond_timedwait(&g->cv, &g->mu, &ts) == 0)
                ;
        ok = g->entered >= want;
        pthread_mutex_unlock(&g->mu);
        return ok;
}

static void open_gate(struct gated *g)
{
        pthread_mutex_lock(&g->mu);
        g->open = true;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
}

Test(pool, parallel_items_really_overlap)
{
        struct gated g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, false };
        struct pool *p = NULL;

        cr_assert(eq(int, pool_start(10, 4, 0, gated_item, &g, &p, NULL), 0));
        /* 4 items blocked at once: only a pool running 4 in parallel gets there */
        cr_assert(wait_entered(&g, 4), "only %u items in flight", g.entered);
        pthread_mutex_lock(&g.mu);
        cr_assert(eq(uint, g.entered, 4), "more items than --parallel in flight");
        pthread_mutex_unlock(&g.mu);
        open_gate(&g);
        for (size_t i = 0; i < 10; i++)
                cr_assert(pool_wait(p, i));
        pool_free(p);
        cr_assert(eq(uint, g.ran, 10));
}

Test(pool, deadline_skips_what_was_not_started)
{
        struct gated g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, false };
        struct pool *p = NULL;
        double deadline = timefmt_mono() + 0.05;

        cr_assert(eq(int, pool_start(6, 2, deadline, gated_item, &g, &p, NULL), 0));
        cr_assert(wait_entered(&g, 2));
        while (timefmt_mono() < deadline) /* the event: the clock passed it */
                (void) nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
        open_gate(&g);
        cr_assert(pool_wait(p, 0), "a started item must finish");
        cr_assert(pool_wait(p, 1), "a started item must finish");
        for (size_t i = 2; i < 6; i++)
                cr_assert(not(pool_wait(p, i)), "item %zu ran after the deadline", i);
        pool_free(p);
        cr_assert(eq(uint, g.ran, 2));
}

Test(pool, past_deadline_runs_nothing_even_sequentially)
{
        struct gated g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, true };
        struct pool *p = NULL;

        cr_assert(eq(int, pool_start(3, 1, timefmt_mono() - 1, gated_item, &g, &p, NULL), 0));
        for (size_t i = 0; i < 3; i++)
                cr_assert(not(pool_wait(p, i)));
        pool_free(p);
        cr_assert(eq(uint, g.ran, 0));
}

Test(pool, free_without_waiting_joins_and_stops)
{
        struct gated g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, true };
        struct pool *p = NULL;

        cr_assert(eq(int, pool_start(0, 4, 0, gated_item, &g, &p, NULL), 0));
        pool_free(p);
        cr_assert(eq(int, pool_start(100, 4, 0, gated_item, &g, &p, NULL), 0));
        cr_assert(pool_wait(p, 0));
        pool_free(p); /* the rest may or may not run; none after this returns */
        pthread_mutex_lock(&g.mu);
        cr_assert(le(uint, g.ran, 100));
        pthread_mutex_unlock(&g.mu);
}
