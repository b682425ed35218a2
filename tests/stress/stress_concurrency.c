/* SPDX-License-Identifier: Apache-2.0 */
/* Concurrency: WORKERS processes create, update and delete records in one
 * namespace at once through the store API, while a reader lists and gets.
 * Afterwards every record must be valid, and the set of records and their
 * labels must be exactly what the operations imply:
 *   - every worker tries to create each of SHARED ids: each is created once;
 *   - every worker sets its own label on each shared record: none is lost
 *     (the read-modify-write of store_update is atomic);
 *   - worker w creates OWN ids "wW-J", updates each, deletes those with J%3==0;
 *   - the reader never sees a bad file;
 *   - no temp file is left behind. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "tests/stress/stress.h"

#define WORKERS 6
#define SHARED 12
#define OWN 24
#define NS "stress"

struct tally {
        int created_shared;
        int errors;
};

static int worker_fail(struct tally *t, const char *what, const char *id, struct tc_err *err)
{
        fprintf(stderr, "stress: worker %d: %s %s: %s\n", (int) getpid(), what, id,
                err ? err->msg : "?");
        t->errors++;
        return -1;
}

static void shared_phase(struct store *s, int w, struct tally *t)
{
        char id[32], key[16], val[16];

        (void) snprintf(val, sizeof val, "%d", w);
        for (int k = 0; k < SHARED; k++) {
                _cleanup_(record_freep) struct record *r = NULL;
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;

                (void) snprintf(id, sizeof id, "shared-%d", k);
                r = stress_record(id, "owner", val, 64);
                if (store_create(s, r, &err) == 0)
                        t->created_shared++;
                else if (!err || err->kind != TC_ALREADY_EXISTS)
                        (void) worker_fail(t, "create", id, err);
        }
        (void) snprintf(key, sizeof key, "w%d", w);
        for (int k = 0; k < SHARED; k++) {
                _cleanup_(record_freep) struct record *patch = NULL;
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;
                char path[32];
                const char *paths[] = {path};

                (void) snprintf(id, sizeof id, "shared-%d", k);
                (void) snprintf(path, sizeof path, "labels.%s", key);
                patch = stress_record(id, key, val, 0);
                if (store_update(s, id, patch, paths, 1, NULL, &err) < 0)
                        (void) worker_fail(t, "update", id, err);
        }
}

static void own_phase(struct store *s, int w, struct tally *t)
{
        const char *paths[] = {"labels.n"};
        char id[32], n[16];

        for (int j = 0; j < OWN; j++) {
                _cleanup_(record_freep) struct record *r = NULL, *patch = NULL;
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;

                (void) snprintf(id, sizeof id, "w%d-%d", w, j);
                (void) snprintf(n, sizeof n, "%d", j);
                r = stress_record(id, "n", n, 512);
                if (store_create(s, r, &err) < 0) {
                        (void) worker_fail(t, "create", id, err);
                        continue;
                }
                (void) snprintf(n, sizeof n, "%d", j + 1);
                patch = stress_record(id, "n", n, 0);
                if (store_update(s, id, patch, paths, 1, NULL, &err) < 0)
                        (void) worker_fail(t, "update", id, err);
                if (j % 3 == 0 && store_delete(s, id, &err) < 0)
                        (void) worker_fail(t, "delete", id, err);
        }
}

/* Waits for the start signal (EOF on GO), works, reports its tally on OUT. */
static _Noreturn void worker(int root_fd, int w, int go, int out)
{
        struct store *s = stress_open(root_fd, NS, 60);
        struct tally t = {0};
        char c;

        (void) read(go, &c, 1);
        shared_phase(s, w, &t);
        own_phase(s, w, &t);
        store_free(s);
        _exit(write(out, &t, sizeof t) == sizeof t ? 0 : 3);
}

static int reader_item(const struct store_item *item, void *user, struct tc_err **err)
{
        if (item->error) {
                fprintf(stderr, "stress: reader: %s\n", item->error->msg);
                (*(int *) user)++;
        }
        return 0;
}

/* Lists and gets until STOP reads EOF; exits with the number of bad items seen. */
static _Noreturn void reader(int root_fd, int go, int stop)
{
        struct store *s = stress_open(root_fd, NS, 60);
        struct pollfd p = {.fd = stop, .events = POLLIN};
        int bad = 0;
        char c;

        (void) read(go, &c, 1);
        while (poll(&p, 1, 0) == 0) {
                struct tc_err *err = NULL;
                struct record *r = NULL;

                if (store_list(s, reader_item, &bad, &err) < 0)
                        bad++;
                tc_err_freep(&err);
                if (store_get(s, "shared-0", &r, &err) < 0 && err && err->kind != TC_NOT_FOUND)
                        bad++;
                record_free(r);
                tc_err_free(err);
        }
        store_free(s);
        _exit(bad > 100 ? 100 : bad);
}

struct final {
        size_t n;
        bool seen_shared[SHARED], seen_own[WORKERS][OWN];
};

static void check_shared(const struct record *r, int k)
{
        char key[16], val[16];

        CHECK(record_label(r, "owner") != NULL, "shared-%d has no owner", k);
        for (int w = 0; w < WORKERS; w++) {
                const char *v;

                (void) snprintf(key, sizeof key, "w%d", w);
                (void) snprintf(val, sizeof val, "%d", w);
                v = record_label(r, key);
                CHECK(v && strcmp(v, val) == 0, "shared-%d: label %s lost", k, key);
        }
}

static int final_item(const struct store_item *item, void *user, struct tc_err **err)
{
        struct final *f = user;
        int a, b;
        char tail;

        CHECK(item->rec != NULL, "bad file: %s", item->error ? item->error->msg : "?");
        if (!item->rec)
                return 0;
        f->n++;
        if (sscanf(item->id, "shared-%d%c", &a, &tail) == 1 && a >= 0 && a < SHARED) {
                CHECK(!f->seen_shared[a], "shared-%d twice", a);
                f->seen_shared[a] = true;
                check_shared(item->rec, a);
        } else if (sscanf(item->id, "w%d-%d%c", &a, &b, &tail) == 2 && a >= 0 && a < WORKERS &&
                   b >= 0 && b < OWN) {
                char want[16];
                const char *n = record_label(item->rec, "n");

                f->seen_own[a][b] = true;
                (void) snprintf(want, sizeof want, "%d", b + 1);
                CHECK(b % 3 != 0, "%s should have been deleted", item->id);
                CHECK(n && strcmp(n, want) == 0, "%s: label n is %s, not %s", item->id,
                      n ? n : "(none)", want);
        } else {
                CHECK(false, "unexpected record %s", item->id);
        }
        return 0;
}

static size_t verify(int root_fd, const char *root)
{
        struct store *s = stress_open(root_fd, NS, 10);
        struct final f = {0};
        struct tc_err *err = NULL;

        CHECK(store_list(s, final_item, &f, &err) == 0, "list: %s", err ? err->msg : "");
        for (int k = 0; k < SHARED; k++)
                CHECK(f.seen_shared[k], "shared-%d missing", k);
        for (int w = 0; w < WORKERS; w++)
                for (int j = 0; j < OWN; j++)
                        CHECK(f.seen_own[w][j] == (j % 3 != 0), "w%d-%d: present=%d", w, j,
                              f.seen_own[w][j]);
        CHECK(stress_count_temps(root, NS) == 0, "temp files left behind");
        tc_err_free(err);
        store_free(s);
        return f.n;
}

/* Collects the workers' tallies and statuses, then stops and reaps the reader. */
static void collect(pid_t *pids, int *outs, int stop_w)
{
        int created = 0, status;

        for (int w = 0; w < WORKERS; w++) {
                struct tally t = {0, 1};

                CHECK(read(outs[w], &t, sizeof t) == sizeof t, "worker %d sent no tally", w);
                CHECK(t.errors == 0, "worker %d: %d errors", w, t.errors);
                created += t.created_shared;
                CHECK(waitpid(pids[w], &status, 0) == pids[w] && WIFEXITED(status) &&
                              WEXITSTATUS(status) == 0,
                      "worker %d exit status %d", w, status);
                pids[w] = 0;
        }
        CHECK(created == SHARED, "%d shared creates succeeded, expected exactly %d", created,
              SHARED);
        (void) close(stop_w);
        CHECK(waitpid(pids[WORKERS], &status, 0) == pids[WORKERS] && WIFEXITED(status) &&
                      WEXITSTATUS(status) == 0,
              "reader saw %d bad items", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        pids[WORKERS] = 0;
}

static pid_t pids[WORKERS + 1];

/* A hung run must not leave processes behind when meson gives up on it. */
static void watchdog(int sig)
{
        static const char msg[] = "stress: FAIL: timed out, killing the workers\n";

        for (size_t i = 0; i < ELEMENTSOF(pids); i++)
                if (pids[i] > 0)
                        (void) kill(pids[i], SIGKILL);
        (void) write(2, msg, sizeof msg - 1);
        _exit(1);
}

int main(void)
{
        char *root;
        int root_fd = stress_make_root("conc", &root);
        int outs[WORKERS], go[2], stop[2];
        size_t n;

        if (pipe2(go, O_CLOEXEC) < 0 || pipe2(stop, O_CLOEXEC) < 0)
                return 2;
        (void) signal(SIGALRM, watchdog);
        (void) alarm(100);
        for (int w = 0; w <= WORKERS; w++) {
                int out[2];

                if (w < WORKERS && pipe(out) < 0)
                        return 2;
                pids[w] = fork();
                if (pids[w] < 0) {
                        stress_kill_all(pids, WORKERS + 1);
                        return 2;
                }
                if (pids[w] == 0) {
                        (void) alarm(0);
                        (void) close(go[1]);   /* so that the start line is EOF */
                        (void) close(stop[1]); /* so that the stop signal is EOF */
                        if (w < WORKERS)
                                worker(root_fd, w, go[0], out[1]);
                        reader(root_fd, go[0], stop[0]);
                }
                if (w < WORKERS) {
                        (void) close(out[1]);
                        outs[w] = out[0];
                }
        }
        (void) close(go[1]); /* start line */
        (void) close(stop[0]);
        collect(pids, outs, stop[1]);
        stress_kill_all(pids, WORKERS + 1); /* only those a failed check left running */
        n = verify(root_fd, root);
        stress_remove_root(root);
        return stress_finish("concurrency", n);
}
