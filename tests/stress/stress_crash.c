/* SPDX-License-Identifier: Apache-2.0 */
/* Crash: a writer is SIGKILLed at random moments, many times. The writer
 * cycles, for n = 1, 2, ...: create "c-n", update "stable" to v=n, delete
 * "c-n", announcing each step in shared memory before (and after) doing it.
 * After each kill, whatever the moment:
 *   - every record file parses and validates (list reports no bad item);
 *   - "stable" holds the last acknowledged version, or the one being written;
 *   - "c-n" exists exactly when its create was acknowledged and its delete not
 *     begun, may exist while either is in flight, and is then complete;
 *   - a writer after the crash works (temp files of the dead one in the way
 *     or not), and store_sweep_temps removes those temp files.
 * The kill moments are random; what is asserted holds for every moment. The
 * kills must also land inside writes (a temp file left behind) at least
 * MIN_IN_WRITE times: each kill waits until the writer began its first create,
 * then a random delay within twice the time one create takes on this build
 * (measured first: a sanitizer build writes slower), and the runs go on until
 * enough kills landed inside writes (bounded by MAX_RUNS and MAX_SECONDS). */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "tests/stress/stress.h"

#define NS "crash"
#define ITERATIONS 100  /* at least this many kills */
#define MIN_IN_WRITE 30  /* at least this many of them inside a write */
#define MAX_RUNS 3000
#define MAX_SECONDS 60.0
#define PAD (256 * 1024) /* a big record, so that kills land inside writes too */

enum phase { IDLE, CREATING, UPDATING, DELETING };

struct shared {
        long stable; /* last acknowledged version of "stable" */
        long cur;    /* n of the cycle in progress */
        int phase;
};

static struct shared *sh;

static void announce(long cur, int phase)
{
        __atomic_store_n(&sh->cur, cur, __ATOMIC_SEQ_CST);
        __atomic_store_n(&sh->phase, phase, __ATOMIC_SEQ_CST);
}

static void version_label(long n, char buf[24])
{
        (void) snprintf(buf, 24, "%ld", n);
}

static _Noreturn void writer(int root_fd)
{
        struct store *s = stress_open(root_fd, NS, 30);
        const char *paths[] = {"labels.v"};

        for (long n = sh->stable + 1;; n++) {
                _cleanup_(record_freep) struct record *c = NULL, *patch = NULL;
                struct tc_err *err = NULL;
                char id[32], v[24];

                (void) snprintf(id, sizeof id, "c-%ld", n);
                version_label(n, v);
                c = stress_record(id, "v", v, PAD);
                patch = stress_record("stable", "v", v, 0);
                announce(n, CREATING);
                if (store_create(s, c, &err) < 0)
                        _exit(10);
                announce(n, UPDATING);
                if (store_update(s, "stable", patch, paths, 1, NULL, &err) < 0)
                        _exit(11);
                __atomic_store_n(&sh->stable, n, __ATOMIC_SEQ_CST);
                announce(n, DELETING);
                if (store_delete(s, id, &err) < 0)
                        _exit(12);
                announce(n, IDLE);
        }
}

struct seen {
        long stable_v;
        long c_n; /* -1: no c-* record */
        int bad, others;
};

static int seen_item(const struct store_item *item, void *user, struct tc_err **err)
{
        struct seen *seen = user;
        const char *v = item->rec ? record_label(item->rec, "v") : NULL;
        long n;
        char tail;

        if (!item->rec) {
                fprintf(stderr, "stress: bad item: %s\n", item->error->msg);
                seen->bad++;
        } else if (strcmp(item->id, "stable") == 0) {
                seen->stable_v = v ? atol(v) : -2;
        } else if (sscanf(item->id, "c-%ld%c", &n, &tail) == 1) {
                CHECK(seen->c_n < 0, "two c-* records: c-%ld and c-%ld", seen->c_n, n);
                CHECK(v && atol(v) == n, "%s is incomplete (v=%s)", item->id, v ? v : "none");
                seen->c_n = n;
        } else {
                seen->others++;
        }
        return 0;
}

/* Checks the invariants after a kill and clears the cycle's leftovers. */
static void check_after_kill(struct store *s)
{
        struct seen seen = {.stable_v = -1, .c_n = -1};
        struct tc_err *err = NULL;
        long stable = sh->stable, cur = sh->cur;
        int phase = sh->phase;

        CHECK(store_list(s, seen_item, &seen, &err) == 0, "list: %s", err ? err->msg : "");
        CHECK(seen.bad == 0 && seen.others == 0, "%d bad, %d unexpected records", seen.bad,
              seen.others);
        CHECK(seen.stable_v == stable || (phase == UPDATING && seen.stable_v == stable + 1),
              "stable is v=%ld; acknowledged %ld, phase %d", seen.stable_v, stable, phase);
        if (phase == UPDATING)
                CHECK(seen.c_n == cur, "c-%ld missing while updating", cur);
        else if (phase == IDLE)
                CHECK(seen.c_n < 0, "c-%ld left after its delete", seen.c_n);
        else if (seen.c_n >= 0)
                CHECK(seen.c_n == cur, "c-%ld exists while cycle %ld runs", seen.c_n, cur);
        if (seen.c_n >= 0) {
                char id[32];

                (void) snprintf(id, sizeof id, "c-%ld", seen.c_n);
                CHECK(store_delete(s, id, &err) == 0, "delete after crash: %s",
                      err ? err->msg : "");
        }
        /* the next writer starts after the acknowledged or the written version */
        sh->stable = seen.stable_v >= 0 ? seen.stable_v : stable;
        announce(0, IDLE);
        tc_err_free(err);
}

static pid_t child;

static void watchdog(int sig)
{
        static const char msg[] = "stress: FAIL: timed out, killing the writer\n";

        if (child > 0)
                (void) kill(child, SIGKILL);
        (void) write(2, msg, sizeof msg - 1);
        _exit(1);
}

/* Microseconds one create of a PAD-sized record takes here (then deleted). */
static long create_us(struct store *s)
{
        _cleanup_(record_freep) struct record *c = stress_record("calib", "v", "0", PAD);
        struct tc_err *err = NULL;
        double t0 = timefmt_mono();

        CHECK(store_create(s, c, &err) == 0, "calibrate: %s", err ? err->msg : "");
        t0 = timefmt_mono() - t0;
        CHECK(store_delete(s, "calib", &err) == 0, "calibrate: %s", err ? err->msg : "");
        tc_err_free(err);
        return (long) (t0 * 1e6) + 1;
}

/* Waits (at most 10 s) until the writer announced its first step. */
static bool writer_began(void)
{
        for (int i = 0; i < 200000; i++) {
                if (__atomic_load_n(&sh->phase, __ATOMIC_SEQ_CST) != IDLE)
                        return true;
                (void) nanosleep(&(struct timespec){0, 50 * 1000}, NULL);
        }
        return false;
}

/* One writer life: start, wait until it began writing, let it run a random
 * while (up to WINDOW_US), SIGKILL it, reap it. */
static bool run_once(int root_fd, unsigned *seed, long window_us)
{
        long delay_us = (long) (rand_r(seed) % (unsigned) window_us);
        int status;

        child = fork();
        if (child < 0)
                return false;
        if (child == 0) {
                (void) alarm(0);
                writer(root_fd);
        }
        CHECK(writer_began(), "the writer never began");
        (void) nanosleep(&(struct timespec){delay_us / 1000000, (delay_us % 1000000) * 1000}, NULL);
        (void) kill(child, SIGKILL);
        (void) waitpid(child, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "writer ended on its own (status %d): a store call failed", status);
        child = 0;
        return true;
}

int main(void)
{
        char *root;
        int root_fd = stress_make_root("crash", &root);
        struct store *s = stress_open(root_fd, NS, 30);
        _cleanup_(record_freep) struct record *stable = stress_record("stable", "v", "0", 64);
        struct tc_err *err = NULL;
        double start = timefmt_mono();
        unsigned seed = 1;
        size_t removed = 0, runs = 0;
        int temps_seen = 0, temps_before = 0;
        long window_us;

        sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sh == MAP_FAILED || store_create(s, stable, &err) < 0)
                return 2;
        window_us = 2 * create_us(s);
        (void) signal(SIGALRM, watchdog);
        (void) alarm(100);
        while ((runs < ITERATIONS || temps_seen < MIN_IN_WRITE) && runs < MAX_RUNS &&
               timefmt_mono() - start < MAX_SECONDS && run_once(root_fd, &seed, window_us)) {
                int temps = stress_count_temps(root, NS);

                runs++;
                temps_seen += temps > temps_before; /* this kill landed inside a write */
                temps_before = temps;
                check_after_kill(s);
        }
        CHECK(store_sweep_temps(s, &removed, &err) == 0, "sweep: %s", err ? err->msg : "");
        CHECK(stress_count_temps(root, NS) == 0, "temp files left after the sweep");
        printf("stress crash: %zu kills, %d of them inside a write (a temp file left), %zu swept"
               " (kill window %ld us)\n", runs, temps_seen, removed, window_us);
        CHECK(runs >= ITERATIONS, "only %zu kills", runs);
        CHECK(temps_seen >= MIN_IN_WRITE, "only %d kills inside a write (at least %d wanted)",
              temps_seen, MIN_IN_WRITE);
        tc_err_free(err);
        store_free(s);
        stress_remove_root(root);
        return stress_finish("crash", runs);
}
