/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/base/timefmt.h"

enum { ITEM_PENDING, ITEM_RUNNING, ITEM_DONE, ITEM_SKIPPED };

struct pool {
        pthread_mutex_t mu;
        pthread_cond_t done; /* an item finished (or was skipped) */
        size_t n, next;      /* items; the next one to hand out */
        unsigned char *state;
        bool stop;
        double deadline;
        pool_fn fn;
        void *user;
        pthread_t *threads;
        unsigned n_threads;
};

unsigned pool_default_parallel(void)
{
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);

        /* the work is mostly waiting on shims and their binaries: 4 per core */
        if (cpus < 1)
                cpus = 1;
        return cpus > 16 ? 64 : (unsigned) cpus * 4;
}

static bool past(double deadline)
{
        return deadline > 0 && timefmt_mono() >= deadline;
}

/* Under p->mu: the next item to run, or n when none is left. Items whose turn
 * comes after the deadline are marked skipped. */
static size_t take(struct pool *p)
{
        while (p->next < p->n && !p->stop) {
                size_t i = p->next++;

                if (!past(p->deadline)) {
                        p->state[i] = ITEM_RUNNING;
                        return i;
                }
                p->state[i] = ITEM_SKIPPED;
                pthread_cond_broadcast(&p->done);
        }
        return p->n;
}

static void *worker(void *arg)
{
        struct pool *p = arg;

        pthread_mutex_lock(&p->mu);
        for (;;) {
                size_t i = take(p);

                if (i == p->n)
                        break;
                pthread_mutex_unlock(&p->mu);
                p->fn(p->user, i);
                pthread_mutex_lock(&p->mu);
                p->state[i] = ITEM_DONE;
                pthread_cond_broadcast(&p->done);
        }
        pthread_mutex_unlock(&p->mu);
        return NULL;
}

static int start_threads(struct pool *p, unsigned parallel, struct tc_err **err)
{
        p->threads = calloc(parallel, sizeof *p->threads);
        if (!p->threads)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        for (unsigned t = 0; t < parallel; t++) {
                int r = pthread_create(&p->threads[t], NULL, worker, p);

                if (r != 0) {
                        if (t > 0)
                                break; /* fewer workers still do the work */
                        return tc_fail_sys(err, TC_INTERNAL, r, "start worker thread");
                }
                p->n_threads++;
        }
        return 0;
}

/* The wait for a finished item wakes at the deadline (CLOCK_MONOTONIC, as
 * timefmt_mono), to skip what the busy workers could not start. */
static void init_sync(struct pool *p)
{
        pthread_condattr_t ca;

        pthread_mutex_init(&p->mu, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&p->done, &ca);
        pthread_condattr_destroy(&ca);
}

int pool_start(size_t n, unsigned parallel, double deadline, pool_fn fn, void *user,
               struct pool **ret, struct tc_err **err)
{
        struct pool *p = calloc(1, sizeof *p);

        if (!p || !(p->state = calloc(n ? n : 1, 1))) {
                free(p);
                return tc_fail(err, TC_INTERNAL, "out of memory");
        }
        init_sync(p);
        p->n = n;
        p->deadline = deadline;
        p->fn = fn;
        p->user = user;
        if (parallel > n)
                parallel = (unsigned) n;
        if (parallel > 1 && start_threads(p, parallel, err) < 0) {
                pool_free(p);
                return -1;
        }
        *ret = p;
        return 0;
}

/* Under p->mu: waits for a change; once the deadline has passed, item I and
 * the ones before it that no worker started are skipped here (the workers
 * may all be busy until their own shim deadlines). */
static void wait_item(struct pool *p, size_t i)
{
        struct timespec ts;

        if (p->state[i] == ITEM_PENDING && past(p->deadline)) {
                while (p->next <= i)
                        p->state[p->next++] = ITEM_SKIPPED;
                return;
        }
        if (p->deadline <= 0 || p->state[i] != ITEM_PENDING) {
                pthread_cond_wait(&p->done, &p->mu);
                return;
        }
        ts.tv_sec = (time_t) p->deadline;
        ts.tv_nsec = (long) ((p->deadline - (double) ts.tv_sec) * 1e9);
        (void) pthread_cond_timedwait(&p->done, &p->mu, &ts);
}

bool pool_wait(struct pool *p, size_t i)
{
        bool ran;

        pthread_mutex_lock(&p->mu);
        if (p->n_threads == 0 && p->state[i] == ITEM_PENDING) {
                /* sequential: run it here */
                size_t k = take(p);

                pthread_mutex_unlock(&p->mu);
                if (k < p->n)
                        p->fn(p->user, k);
                pthread_mutex_lock(&p->mu);
                if (k < p->n)
                        p->state[k] = ITEM_DONE;
        }
        while (p->state[i] == ITEM_PENDING || p->state[i] == ITEM_RUNNING)
                wait_item(p, i);
        ran = p->state[i] == ITEM_DONE;
        pthread_mutex_unlock(&p->mu);
        return ran;
}

void pool_free(struct pool *p)
{
        if (!p)
                return;
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        pthread_mutex_unlock(&p->mu);
        for (unsigned t = 0; t < p->n_threads; t++)
                (void) pthread_join(p->threads[t], NULL);
        pthread_cond_destroy(&p->done);
        pthread_mutex_destroy(&p->mu);
        free(p->threads);
        free(p->state);
        free(p);
}
