/* SPDX-License-Identifier: Apache-2.0 */
/* store/store: files, modes, errors, listing, locking, in a mkdtemp root per test. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "store/store.h"

static char root[] = "/tmp/tc-store-XXXXXX";
static int root_fd = -1;

static void make_root(void)
{
        umask(022);
        cr_assert(not(eq(ptr, mkdtemp(root), NULL)));
        root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(ge(int, root_fd, 0));
}

static void remove_root(void)
{
        (void) fs_rmtree_at(AT_FDCWD, root, NULL, NULL);
        (void) close(root_fd);
}

static struct store *open_ns(const char *ns, bool create)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct store *s = NULL;

        cr_assert(eq(int, store_open(root_fd, ns, create, 0.3, &s, &err), 0));
        return s;
}

static struct record *rec_new(const char *id, const char *label)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct record *r = record_new();

        cr_assert(eq(int, record_set_string(&r->id, id, &err), 0));
        cr_assert(eq(int, record_set_string(&r->runtime_name, "io.containerd.runc.v2", &err), 0));
        cr_assert(eq(int, record_set_spec(r, "{\"ociVersion\":\"1.1.0\"}", 22, &err), 0));
        if (label)
                cr_assert(eq(int, record_set_label(r, "l", label, &err), 0));
        return r;
}

static void create_ok(struct store *s, const char *id, const char *label)
{
        _cleanup_(record_freep) struct record *r = rec_new(id, label);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        cr_assert(eq(int, store_create(s, r, &err), 0), "%s", err ? err->msg : "");
}

static bool exists(const char *rel)
{
        struct stat st;

        return fstatat(root_fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static mode_t mode_of(const char *rel)
{
        struct stat st;

        cr_assert(eq(int, fstatat(root_fd, rel, &st, AT_SYMLINK_NOFOLLOW), 0), "%s", rel);
        return st.st_mode & 07777;
}

static void write_file(const char *rel, const char *text)
{
        int fd = openat(root_fd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        cr_assert(ge(int, fd, 0), "%s", rel);
        cr_assert(eq(int, write_all(fd, text, strlen(text)), 0));
        close(fd);
}

Test(store, create_get_round_trip_and_modes, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(record_freep) struct record *r = rec_new("web", "prod");
        _cleanup_(record_freep) struct record *got = NULL;
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        cr_assert(eq(int, store_create(s, r, &err), 0));
        cr_assert(ne(str, r->created_at, ""));
        cr_assert(eq(str, r->created_at, r->updated_at));
        cr_assert(eq(int, store_get(s, "web", &got, &err), 0));
        cr_assert(eq(str, got->created_at, r->created_at));
        cr_assert(eq(str, (char *) record_label(got, "l"), "prod"));
        cr_assert(eq(str, got->spec, "{\"ociVersion\":\"1.1.0\"}"));
        cr_assert(eq(u32, mode_of("containers"), 0711));
        cr_assert(eq(u32, mode_of("containers/default"), 0711));
        cr_assert(eq(u32, mode_of("containers/default/web.json"), 0600));
        cr_assert(eq(u32, mode_of("containers/default/.lock"), 0600));
}

Test(store, already_exists_keeps_the_original, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(record_freep) struct record *again = rec_new("web", "second");
        _cleanup_(record_freep) struct record *got = NULL;
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        create_ok(s, "web", "first");
        cr_assert(eq(int, store_create(s, again, &err), -1));
        cr_assert(eq(int, err->kind, TC_ALREADY_EXISTS));
        cr_assert(eq(str, err->msg, "already exists"));
        cr_assert(eq(int, store_get(s, "web", &got, &err), 0));
        cr_assert(eq(str, (char *) record_label(got, "l"), "first"));
}

Test(store, missing_is_not_found_and_reads_create_nothing, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", false);
        _cleanup_(record_freep) struct record *patch = rec_new("web", NULL);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct record *got = NULL;

        cr_assert(eq(int, store_get(s, "web", &got, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        cr_assert(eq(str, err->msg, "not found"));
        cr_assert(eq(int, store_update(s, "web", patch, NULL, 0, NULL, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        cr_assert(eq(int, store_delete(s, "web", &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        cr_assert(not(exists("containers")), "a read made directories");
}

static int count_cb(const struct store_item *item, void *user, struct tc_err **err)
{
        (*(size_t *) user)++;
        return 0;
}

Test(store, list_of_missing_namespace_is_empty, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("nothing", false);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        size_t n = 0;

        cr_assert(eq(int, store_list(s, count_cb, &n, &err), 0));
        cr_assert(eq(sz, n, 0));
        cr_assert(not(exists("containers")));
}

Test(store, invalid_names_touch_nothing, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(record_freep) struct record *r = rec_new("../etc", NULL);
        _cleanup_(record_freep) struct record *norun = rec_new("web", NULL);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct store *bad = NULL;
        struct record *got = NULL;

        cr_assert(eq(int, store_open(root_fd, "a/b", true, 1, &bad, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(str, err->msg,
                     "namespace \"a/b\" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$"));
        cr_assert(eq(int, store_get(s, ".hidden", &got, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(int, store_create(s, r, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(str, err->msg,
                     "container.ID: identifier \"../etc\" must match "
                     "^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$"));
        free(norun->runtime_name);
        norun->runtime_name = NULL;
        cr_assert(eq(int, store_create(s, norun, &err), -1));
        cr_assert(eq(str, err->msg, "container.Runtime.Name must be set"));
        cr_assert(not(exists("containers")), "a refused create made directories");
}

Test(store, update_keeps_created_and_delete_removes, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(record_freep) struct record *patch = rec_new("web", "v2");
        _cleanup_(record_freep) struct record *res = NULL, *got = NULL;
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        const char *paths[] = { "labels.l" };

        create_ok(s, "web", "v1");
        cr_assert(eq(int, store_get(s, "web", &got, &err), 0));
        cr_assert(eq(int, store_update(s, "web", patch, paths, 1, &res, &err), 0));
        cr_assert(eq(str, res->created_at, got->created_at));
        cr_assert(gt(str, res->updated_at, got->updated_at));
        cr_assert(eq(str, (char *) record_label(res, "l"), "v2"));
        cr_assert(eq(u32, mode_of("containers/default/web.json"), 0600));
        cr_assert(eq(int, store_delete(s, "web", &err), 0));
        cr_assert(not(exists("containers/default/web.json")));
        cr_assert(eq(int, store_delete(s, "web", &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
}

Test(store, symlink_record_is_refused_not_followed, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(record_freep) struct record *again = rec_new("evil", NULL);
        struct record *got = NULL;

        create_ok(s, "web", NULL);
        /* a valid record behind the link: following it would "work" */
        cr_assert(eq(int, symlinkat("web.json", root_fd, "containers/default/evil.json"), 0));
        cr_assert(eq(int, store_get(s, "evil", &got, &err), -1));
        cr_assert(eq(int, err->kind, TC_INTERNAL));
        cr_assert(eq(str, err->msg,
                     "containers/default/evil.json: is a symlink, refusing to follow it"));
        cr_assert(eq(int, store_create(s, again, &err), -1));
        cr_assert(eq(int, err->kind, TC_ALREADY_EXISTS));
        /* delete removes the link itself, never its target */
        cr_assert(eq(int, store_delete(s, "evil", &err), 0));
        cr_assert(exists("containers/default/web.json"));
}

Test(store, symlinked_namespace_dir_is_refused, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("other", true);
        _cleanup_(store_freep) struct store *t = open_ns("default", true);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct record *got = NULL;

        create_ok(s, "web", NULL);
        cr_assert(eq(int, symlinkat("other", root_fd, "containers/default"), 0));
        cr_assert(eq(int, store_get(t, "web", &got, &err), -1));
        cr_assert(eq(int, err->kind, TC_INTERNAL));
        cr_assert(eq(str, err->msg,
                     "containers: default: not a directory (refusing a symlink)"));
}

Test(store, corrupt_and_odd_files_get_clear_errors, .init = make_root, .fini = remove_root)
{
        static const struct {
                const char *id, *content, *msg;
        } cases[] = {
                { "bad", "{\"id\": \"bad\", ", "containers/default/bad.json: corrupt record: invalid JSON at byte 13" },
                { "empty", "", "containers/default/empty.json: corrupt record: invalid JSON at byte 0" },
                { "typed", "{\"id\":\"typed\",\"labels\":[]}",
                  "containers/default/typed.json: corrupt record: field \"labels\": expected an "
                  "object, got an array" },
                { "nospec", "{\"id\":\"nospec\",\"runtime\":{\"name\":\"r\"}}",
                  "containers/default/nospec.json: corrupt record: container.Spec must be set" },
                { "moved", "{\"id\":\"other\",\"runtime\":{\"name\":\"r\"},\"spec\":{}}",
                  "containers/default/moved.json: corrupt record: holds container \"other\"" },
        };
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        char rel[128];

        create_ok(s, "web", NULL);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;
                struct record *got = NULL;

                snprintf(rel, sizeof rel, "containers/default/%s.json", cases[i].id);
                write_file(rel, cases[i].content);
                cr_expect(eq(int, store_get(s, cases[i].id, &got, &err), -1), "%s", cases[i].id);
                cr_expect(eq(int, err->kind, TC_INTERNAL), "%s", cases[i].id);
                cr_expect(eq(str, err->msg, (char *) cases[i].msg));
        }
}

Test(store, fifo_or_directory_record_does_not_block, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct record *got = NULL;

        create_ok(s, "web", NULL);
        cr_assert(eq(int, mkfifoat(root_fd, "containers/default/pipe.json", 0600), 0));
        cr_assert(eq(int, mkdirat(root_fd, "containers/default/dir.json", 0700), 0));
        cr_assert(eq(int, store_get(s, "pipe", &got, &err), -1));
        cr_assert(eq(str, err->msg, "containers/default/pipe.json: not a regular file"));
        cr_assert(eq(int, store_get(s, "dir", &got, &err), -1));
        cr_assert(eq(str, err->msg, "containers/default/dir.json: not a regular file"));
}

Test(store, oversized_record_is_refused_by_its_size, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct record *got = NULL;
        int fd;

        create_ok(s, "web", NULL);
        fd = openat(root_fd, "containers/default/big.json", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        cr_assert(fd >= 0);
        cr_assert(eq(int, ftruncate(fd, (off_t) RECORD_JSON_MAX + 1), 0));
        close(fd);
        cr_assert(eq(int, store_get(s, "big", &got, &err), -1));
        cr_assert(eq(int, err->kind, TC_INTERNAL));
        cr_assert(eq(str, err->msg,
                     "containers/default/big.json: corrupt record: larger than 16777216 bytes"));
}

struct seen {
        size_t recs, errors;
        char names[8][64];
        char msgs[8][256];
};

static int collect_cb(const struct store_item *item, void *user, struct tc_err **err)
{
        struct seen *seen = user;

        if (item->rec) {
                cr_assert(eq(str, item->rec->id, (char *) item->id));
                snprintf(seen->names[seen->recs++], 64, "%s", item->id);
        } else {
                cr_assert(ne(ptr, (void *) item->error, NULL));
                snprintf(seen->msgs[seen->errors++], 256, "%s", item->error->msg);
        }
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(a, b);
}

Test(store, list_reports_bad_files_and_lists_the_rest, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct seen seen = { 0 };

        create_ok(s, "a", NULL);
        create_ok(s, "b", NULL);
        create_ok(s, "c", NULL);
        write_file("containers/default/corrupt.json", "{");
        cr_assert(eq(int, symlinkat("a.json", root_fd, "containers/default/link.json"), 0));
        write_file("containers/default/.a.json.4242", "{"); /* a crashed writer's temp file */
        write_file("containers/default/notes.txt", "x");
        write_file("containers/default/bad name.json", "{}");
        cr_assert(eq(int, store_list(s, collect_cb, &seen, &err), 0));
        cr_assert(eq(sz, seen.recs, 3));
        qsort(seen.names, seen.recs, sizeof seen.names[0], cmp_str);
        cr_assert(eq(str, seen.names[0], "a"));
        cr_assert(eq(str, seen.names[2], "c"));
        cr_assert(eq(sz, seen.errors, 3));
        qsort(seen.msgs, seen.errors, sizeof seen.msgs[0], cmp_str);
        cr_assert(eq(str, seen.msgs[0], "containers/default/bad name.json: not a valid container id"));
        cr_assert(eq(str, seen.msgs[1],
                     "containers/default/corrupt.json: corrupt record: invalid JSON at byte 0"));
        cr_assert(eq(str, seen.msgs[2],
                     "containers/default/link.json: is a symlink, refusing to follow it"));
}

static int stop_cb(const struct store_item *item, void *user, struct tc_err **err)
{
        return tc_fail(err, TC_INTERNAL, "write error");
}

Test(store, list_stops_when_the_callback_fails, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        create_ok(s, "a", NULL);
        cr_assert(eq(int, store_list(s, stop_cb, NULL, &err), -1));
        cr_assert(eq(str, err->msg, "write error"));
}

Test(store, sweep_removes_only_abandoned_temp_files, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        size_t removed = 0;

        create_ok(s, "web", NULL);
        write_file("containers/default/.web.json.4242", "{");
        write_file("containers/default/.gone.json.77", "");
        write_file("containers/default/.keep", "");
        write_file("containers/default/.web.json.x1", "");
        cr_assert(eq(int, store_sweep_temps(s, &removed, &err), 0));
        cr_assert(eq(sz, removed, 2));
        cr_assert(not(exists("containers/default/.web.json.4242")));
        cr_assert(not(exists("containers/default/.gone.json.77")));
        cr_assert(exists("containers/default/.keep"));
        cr_assert(exists("containers/default/.web.json.x1"));
        cr_assert(exists("containers/default/.lock"));
        cr_assert(exists("containers/default/web.json"));
}

Test(store, oversized_record_is_refused_before_writing, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(record_freep) struct record *r = rec_new("big", NULL);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        size_t n = RECORD_JSON_MAX + 16;
        _cleanup_free_ char *spec = malloc(n);

        memset(spec, 'x', n);
        memcpy(spec, "{\"s\":\"", 6);
        memcpy(spec + n - 2, "\"}", 2);
        cr_assert(eq(int, record_set_spec(r, spec, n, &err), 0));
        cr_assert(eq(int, store_create(s, r, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(not(exists("containers")));
}

/* A child that holds the namespace lock until killed; returns its pid. */
static pid_t hold_lock(const char *ns)
{
        int ready[2];
        char c;
        pid_t pid;

        cr_assert(eq(int, pipe(ready), 0));
        pid = fork();
        cr_assert(ge(int, pid, 0));
        if (pid == 0) {
                char rel[128];
                int fd;

                snprintf(rel, sizeof rel, "containers/%s/.lock", ns);
                fd = openat(root_fd, rel, O_RDWR | O_CLOEXEC);
                if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(ready[1], "r", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(ready[1]);
        cr_assert(eq(int, (int) read(ready[0], &c, 1), 1), "lock holder failed");
        close(ready[0]);
        return pid;
}

static void end_child(pid_t pid)
{
        int status;

        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
}

Test(store, lock_timeout_names_the_holder, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = open_ns("default", true);
        _cleanup_(record_freep) struct record *r = rec_new("db", NULL);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct record *got = NULL;
        char want[128];
        pid_t pid;

        create_ok(s, "web", NULL);
        pid = hold_lock("default");
        snprintf(want, sizeof want, "namespace \"default\" is locked by pid %d (waited 0.3s)", pid);
        cr_expect(eq(int, store_get(s, "web", &got, &err), -1));
        cr_expect(eq(int, err ? (int) err->kind : 0, TC_DEADLINE_EXCEEDED));
        cr_expect(eq(str, err ? err->msg : "", want));
        cr_expect(eq(int, store_create(s, r, &err), -1));
        cr_expect(eq(str, err ? err->msg : "", want));
        cr_expect(eq(int, store_delete(s, "web", &err), -1));
        cr_expect(eq(int, err ? (int) err->kind : 0, TC_DEADLINE_EXCEEDED));
        end_child(pid);
        cr_assert(eq(int, store_delete(s, "web", &err), 0), "lock released with its holder");
}
