/* SPDX-License-Identifier: Apache-2.0 */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/flock.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/timefmt.h"
#include "store/nslock.h"

#define CONTAINERS_DIR "containers"
#define RECORD_SUFFIX ".json"

struct store {
        int root_fd;
        int ns_fd; /* -1 until the namespace directory is found (or made) */
        char *ns;
        bool create;
        double timeout;
};

/* A record's file name; the ID must have passed ident_check. */
struct recname {
        char file[IDENT_MAX + sizeof RECORD_SUFFIX];
        char path[sizeof CONTAINERS_DIR + 2 * IDENT_MAX + sizeof RECORD_SUFFIX + 2]; /* messages */
};

/* Appends at most MAX bytes of S at *P (a listing names every record: no
 * snprintf). */
static void put_part(char **p, const char *s, size_t max)
{
        size_t n = strnlen(s, max);

        memcpy(*p, s, n);
        *p += n;
}

static void recname_init(struct recname *n, const char *ns, const char *id)
{
        char *p = n->file;

        put_part(&p, id, IDENT_MAX);
        put_part(&p, RECORD_SUFFIX, sizeof RECORD_SUFFIX);
        *p = '\0';
        p = n->path;
        put_part(&p, CONTAINERS_DIR "/", sizeof CONTAINERS_DIR);
        put_part(&p, ns, IDENT_MAX);
        put_part(&p, "/", 1);
        put_part(&p, n->file, sizeof n->file);
        *p = '\0';
}

int store_open(int root_fd, const char *ns, bool create, double lock_timeout, struct store **ret,
               struct tc_err **err)
{
        struct store *s;

        if (ident_check(ns, "namespace", err) < 0)
                return -1;
        s = calloc(1, sizeof *s);
        if (!s || !(s->ns = strdup(ns))) {
                free(s);
                return tc_fail(err, TC_INTERNAL, "out of memory");
        }
        s->ns_fd = -1;
        s->root_fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
        if (s->root_fd < 0) {
                int e = errno;

                store_free(s);
                return tc_fail_sys(err, TC_INTERNAL, e, "duplicate root fd");
        }
        s->create = create;
        s->timeout = lock_timeout;
        *ret = s;
        return 0;
}

void store_free(struct store *s)
{
        if (!s)
                return;
        if (s->ns_fd >= 0)
                (void) close(s->ns_fd);
        if (s->root_fd >= 0)
                (void) close(s->root_fd);
        free(s->ns);
        free(s);
}

void store_freep(struct store **s)
{
        store_free(*s);
        *s = NULL;
}

/* Opens ROOT/containers/NS, making both (0711) with CREATE. Without CREATE a
 * missing one sets *ret_missing: a missing namespace reads as empty. Symlinks
 * are refused. */
static int ns_dir(struct store *s, bool create, bool *ret_missing, struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_close_ int cfd = -1;

        *ret_missing = false;
        if (s->ns_fd >= 0)
                return 0;
        if (fs_open_dir(s->root_fd, CONTAINERS_DIR, create, 0711, &cfd, &e) == 0 &&
            fs_open_dir(cfd, s->ns, create, 0711, &s->ns_fd, &e) == 0)
                return 0;
        if (e && e->kind == TC_NOT_FOUND) {
                *ret_missing = true;
                return 0;
        }
        (void) tc_err_move(err, &e);
        return cfd >= 0 ? tc_wrap(err, CONTAINERS_DIR) : -1;
}

/* The namespace directory for an operation on one existing record. */
static int ns_dir_existing(struct store *s, struct tc_err **err)
{
        bool missing;

        if (ns_dir(s, false, &missing, err) < 0)
                return -1;
        return missing ? tc_fail(err, TC_NOT_FOUND, "not found") : 0;
}

/* A read buffer that list reuses for every file: a fresh buffer per record
 * made malloc consolidate its free lists once per file. */
struct readbuf {
        char *buf;
        size_t cap;
};

static void readbuf_release(struct readbuf *rb)
{
        free(rb->buf);
        *rb = (struct readbuf){0};
}

/* Reads FD (SIZE bytes expected; records are replaced, never changed in place)
 * to EOF into RB, NUL-terminated. */
static int read_file(int fd, size_t size, struct readbuf *rb, size_t *ret_len, struct tc_err **err)
{
        size_t len = 0;

        for (;;) {
                ssize_t k;

                if (rb->cap < len + 2 || rb->cap < size + 2) {
                        size_t cap = (size > len ? size : len) + 4096;
                        char *b = cap <= RECORD_JSON_MAX + 4096 ? realloc(rb->buf, cap) : NULL;

                        if (!b)
                                return tc_fail(err, TC_INTERNAL,
                                               "larger than %u bytes or out of memory",
                                               RECORD_JSON_MAX);
                        rb->buf = b;
                        rb->cap = cap;
                }
                k = read(fd, rb->buf + len, rb->cap - 1 - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "read");
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        rb->buf[len] = '\0';
        *ret_len = len;
        return 0;
}

/* Reads and checks the record file N from the namespace directory. Never
 * repairs: a bad file is reported (TC_INTERNAL) and left for a writer. */
static int read_record(int nsfd, const struct recname *n, const char *id, struct readbuf *rb,
                       struct record **ret, struct tc_err **err)
{
        _cleanup_close_ int fd =
                openat(nsfd, n->file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        _cleanup_(record_freep) struct record *r = NULL;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        struct stat st;
        size_t len = 0;
        int rc;

        if (fd < 0 && errno == ENOENT)
                return tc_fail(err, TC_NOT_FOUND, "not found");
        if (fd < 0 && errno == ELOOP)
                return tc_fail(err, TC_INTERNAL, "%s: is a symlink, refusing to follow it",
                               n->path);
        if (fd < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "open %s", n->path);
        /* the common case, a small regular file, is read without a stat (a
         * listing's syscalls per record are then those of reading it at all);
         * what the stat would have refused shows as a failed, empty or
         * oversized read, and is then told apart by it, with the same words */
        rc = read_file(fd, 0, rb, &len, &e);
        if (rc < 0 || len == 0 || len > RECORD_JSON_MAX) {
                if (fstat(fd, &st) < 0)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "stat %s", n->path);
                if (!S_ISREG(st.st_mode))
                        return tc_fail(err, TC_INTERNAL, "%s: not a regular file", n->path);
                if ((size_t) st.st_size > RECORD_JSON_MAX || len > RECORD_JSON_MAX)
                        return tc_fail(err, TC_INTERNAL, "%s: corrupt record: larger than %u bytes",
                                       n->path, RECORD_JSON_MAX);
                if (rc < 0)
                        return tc_err_pass(err, &e, "%s", n->path);
        }
        if (record_from_json(rb->buf, len, &r, err) < 0 || record_validate(r, err) < 0) {
                if (err && *err) /* the stored file is bad, not the caller's input */
                        (*err)->kind = TC_INTERNAL;
                return tc_wrap(err, "%s: corrupt record", n->path);
        }
        if (strcmp(r->id, id) != 0)
                return tc_fail(err, TC_INTERNAL, "%s: corrupt record: holds container \"%s\"",
                               n->path, r->id);
        *ret = steal_ptr(r);
        return 0;
}

/* Serializes REC for the disk, refusing what a reader would refuse as too large. */
static int record_bytes(const struct record *rec, char **ret, size_t *ret_len, struct tc_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (record_to_text(rec, &text, &len, err) < 0)
                return -1;
        if (len > RECORD_JSON_MAX)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "record is %zu bytes, more than the maximum of %u", len,
                               RECORD_JSON_MAX);
        *ret = steal_ptr(text);
        *ret_len = len;
        return 0;
}

static int write_record(struct store *s, const struct recname *n, const struct record *rec,
                        struct tc_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (record_bytes(rec, &text, &len, err) < 0)
                return -1;
        if (fs_replace(s->ns_fd, n->file, text, len, 0600, err) < 0)
                return tc_wrap(err, CONTAINERS_DIR "/%s", s->ns);
        return 0;
}

/* As containerStore.Create: validate, then create under the lock, O_EXCL-like:
 * every writer holds LOCK_EX, so "absent" cannot change before our rename. */
int store_create(struct store *s, struct record *rec, struct tc_err **err)
{
        _cleanup_close_ int lock = -1;
        _cleanup_free_ char *text = NULL;
        struct recname n;
        struct stat st;
        bool missing;
        size_t len;

        timefmt_now(rec->created_at);
        memcpy(rec->updated_at, rec->created_at, sizeof rec->updated_at);
        if (record_validate(rec, err) < 0)
                return -1;
        record_drop_empty_labels(rec);
        if (record_bytes(rec, &text, &len, err) < 0)
                return -1;
        recname_init(&n, s->ns, rec->id);
        if (ns_dir(s, s->create, &missing, err) < 0)
                return -1;
        if (missing)
                return tc_fail(err, TC_NOT_FOUND, "namespace \"%s\" does not exist", s->ns);
        if (nslock_take(s->ns_fd, s->ns, LOCK_EX, s->timeout, &lock, err) < 0)
                return -1;
        if (fstatat(s->ns_fd, n.file, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return tc_fail(err, TC_ALREADY_EXISTS, "already exists");
        if (errno != ENOENT)
                return tc_fail_sys(err, TC_INTERNAL, errno, "stat %s", n.path);
        if (fs_replace(s->ns_fd, n.file, text, len, 0600, err) < 0)
                return tc_wrap(err, CONTAINERS_DIR "/%s", s->ns);
        return 0;
}

int store_get(struct store *s, const char *id, struct record **ret_rec, struct tc_err **err)
{
        _cleanup_(readbuf_release) struct readbuf rb = {0};
        _cleanup_close_ int lock = -1;
        struct recname n;

        if (ident_check(id, "container id", err) < 0 || ns_dir_existing(s, err) < 0)
                return -1;
        recname_init(&n, s->ns, id);
        if (nslock_take(s->ns_fd, s->ns, LOCK_SH, s->timeout, &lock, err) < 0)
                return -1;
        return read_record(s->ns_fd, &n, id, &rb, ret_rec, err);
}

/* As containerStore.Update: read, mask, validate, stamp, write, under one LOCK_EX. */
int store_update(struct store *s, const char *id, const struct record *patch,
                 const char *const *paths, size_t npaths, struct record **ret_rec,
                 struct tc_err **err)
{
        _cleanup_(readbuf_release) struct readbuf rb = {0};
        _cleanup_close_ int lock = -1;
        _cleanup_(record_freep) struct record *cur = NULL;
        struct recname n;

        if (ident_check(id, "container id", err) < 0 || ns_dir_existing(s, err) < 0)
                return -1;
        recname_init(&n, s->ns, id);
        if (nslock_take(s->ns_fd, s->ns, LOCK_EX, s->timeout, &lock, err) < 0 ||
            read_record(s->ns_fd, &n, id, &rb, &cur, err) < 0)
                return -1;
        if (record_apply_mask(cur, patch, paths, npaths, err) < 0 || record_validate(cur, err) < 0)
                return -1;
        record_drop_empty_labels(cur);
        timefmt_now(cur->updated_at); /* created_at is kept from the stored record */
        if (write_record(s, &n, cur, err) < 0)
                return -1;
        if (ret_rec)
                *ret_rec = steal_ptr(cur);
        return 0;
}

int store_delete(struct store *s, const char *id, struct tc_err **err)
{
        _cleanup_close_ int lock = -1;
        struct recname n;

        if (ident_check(id, "container id", err) < 0 || ns_dir_existing(s, err) < 0)
                return -1;
        recname_init(&n, s->ns, id);
        if (nslock_take(s->ns_fd, s->ns, LOCK_EX, s->timeout, &lock, err) < 0)
                return -1;
        if (unlinkat(s->ns_fd, n.file, 0) < 0) {
                if (errno == ENOENT)
                        return tc_fail(err, TC_NOT_FOUND, "not found");
                return tc_fail_sys(err, TC_INTERNAL, errno, "remove %s", n.path);
        }
        if (fs_sync_dir(s->ns_fd, err) < 0) /* the removal is durable too */
                return tc_wrap(err, CONTAINERS_DIR "/%s", s->ns);
        return 0;
}

/* The ID a directory entry names, if it is a record file ("ID.json", no dot name). */
static bool record_entry(const char *name, char id[IDENT_MAX + 2])
{
        size_t len = strlen(name), sl = strlen(RECORD_SUFFIX);

        if (name[0] == '.' || len <= sl || strcmp(name + len - sl, RECORD_SUFFIX) != 0)
                return false;
        len -= sl;
        if (len > IDENT_MAX)
                len = IDENT_MAX + 1; /* kept too long, so ident_valid refuses it */
        memcpy(id, name, len);
        id[len] = '\0';
        return true;
}

/* One entry of a listing, read and waiting to be handed to the callback. */
struct list_entry {
        const char *name;
        char id[IDENT_MAX + 2];
        struct record *rec;
        struct tc_err *error;
};

/* A batch: at most LIST_BATCH entries or LIST_BATCH_BYTES of record text
 * are read under one LOCK_SH, then handed on with the lock released (a lock
 * per record was as many syscalls as reading it). A writer waits for at most
 * one batch; memory stays bounded whatever the number of records. */
#define LIST_BATCH 64
#define LIST_BATCH_BYTES (1u << 20)

/* Reads entry NAME into E (with the namespace lock held, when there is one).
 * Returns a bound of the bytes it keeps (the read buffer's size, at least the
 * record's); E->name NULL when the entry is skipped. */
static size_t list_read(struct store *s, struct readbuf *rb, const char *name,
                        struct list_entry *e)
{
        struct recname n;

        *e = (struct list_entry){0};
        if (!record_entry(name, e->id))
                return 0;
        e->name = name;
        if (!ident_valid(e->id)) {
                (void) tc_fail(&e->error, TC_INTERNAL,
                               CONTAINERS_DIR "/%s/%s: not a valid container id", s->ns, name);
                return 0;
        }
        recname_init(&n, s->ns, e->id);
        (void) read_record(s->ns_fd, &n, e->id, rb, &e->rec, &e->error);
        if (!e->rec && e->error && e->error->kind == TC_NOT_FOUND) {
                tc_err_freep(&e->error);
                e->name = NULL; /* deleted since readdir saw it */
        }
        if (!e->rec && !e->error)
                (void) tc_fail(&e->error, TC_INTERNAL, "out of memory");
        return e->rec ? rb->cap : 0;
}

/* Reads the batch starting at NAMES under one LOCK_SH; *RET_N entries. */
static int list_batch(struct store *s, int lockfd, struct readbuf *rb, char **names,
                      struct list_entry *batch, size_t *ret_n, size_t *ret_used,
                      struct tc_err **err)
{
        char what[128];
        size_t n = 0, used = 0, bytes = 0;

        (void) snprintf(what, sizeof what, "namespace \"%s\"", s->ns);
        if (lockfd >= 0 && flock_wait(lockfd, LOCK_SH, s->timeout, what, err) < 0)
                return -1;
        for (; names[used] && n < LIST_BATCH && bytes < LIST_BATCH_BYTES; used++) {
                bytes += list_read(s, rb, names[used], &batch[n]);
                if (batch[n].name)
                        n++;
        }
        if (lockfd >= 0)
                (void) flock(lockfd, LOCK_UN);
        *ret_n = n;
        *ret_used = used;
        return 0;
}

static void list_entry_release(struct list_entry *e)
{
        record_free(e->rec);
        tc_err_free(e->error);
        *e = (struct list_entry){0};
}

/* Hands BATCH to FN in order, freeing each; stops at FN's first failure. */
static int list_emit(struct list_entry *batch, size_t n, store_list_fn fn, void *user,
                     struct tc_err **err)
{
        int r = 0;

        for (size_t i = 0; i < n; i++) {
                if (r == 0)
                        r = fn(&(struct store_item){.name = batch[i].name, .id = batch[i].id,
                                                    .rec = batch[i].rec, .error = batch[i].error},
                               user, err);
                list_entry_release(&batch[i]);
        }
        return r;
}

/* A DIR stream of the namespace directory; *ret NULL when there is none. */
static int open_ns_stream(struct store *s, DIR **ret, struct tc_err **err)
{
        bool missing;
        int fd;

        *ret = NULL;
        if (ns_dir(s, false, &missing, err) < 0)
                return -1;
        if (missing)
                return 0;
        fd = openat(s->ns_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || !(*ret = fdopendir(fd))) {
                int e = errno;

                if (fd >= 0)
                        (void) close(fd);
                return tc_fail_sys(err, TC_INTERNAL, e, "open " CONTAINERS_DIR "/%s", s->ns);
        }
        return 0;
}

/* Bytewise order of the IDs (names without ".json"), as bolt orders keys. */
static int cmp_ids(const void *a, const void *b)
{
        const char *x = *(const char *const *) a, *y = *(const char *const *) b;
        size_t nx = strlen(x), ny = strlen(y);
        int c;

        nx -= nx >= 5 && strcmp(x + nx - 5, ".json") == 0 ? 5 : 0;
        ny -= ny >= 5 && strcmp(y + ny - 5, ".json") == 0 ? 5 : 0;
        c = memcmp(x, y, nx < ny ? nx : ny);
        return c ? c : (nx > ny) - (nx < ny);
}

static void free_names(char ***names)
{
        for (char **n = *names; n && *n; n++)
                free(*n);
        free(*names);
}

/* The "*.json" names of the namespace (dot names skipped), sorted by ID: only
 * names are kept in memory, records are read one by one afterwards. */
static int sorted_names(struct store *s, DIR *d, char ***ret, struct tc_err **err)
{
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        char id[IDENT_MAX + 2];

        errno = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] != '.' && record_entry(de->d_name, id)) {
                        if (n + 1 >= cap) {
                                char **nn = reallocarray(names, cap = cap ? cap * 2 : 64, sizeof *nn);

                                if (!nn)
                                        break;
                                names = nn;
                        }
                        if (!(names[n] = strdup(de->d_name)))
                                break;
                        names[++n] = NULL;
                }
                errno = 0;
        }
        if (de || errno != 0) {
                int e = de ? ENOMEM : errno;

                free_names(&names);
                return tc_fail_sys(err, TC_INTERNAL, e, "read " CONTAINERS_DIR "/%s", s->ns);
        }
        if (n)
                qsort(names, n, sizeof *names, cmp_ids);
        *ret = names;
        return 0;
}

int store_list(struct store *s, store_list_fn fn, void *user, struct tc_err **err)
{
        _cleanup_(readbuf_release) struct readbuf rb = {0};
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_close_ int lockfd = -1;
        _cleanup_(free_names) char **names = NULL;

        if (open_ns_stream(s, &d, err) < 0)
                return -1;
        if (!d)
                return 0; /* a namespace nobody wrote to is empty */
        if (nslock_open(s->ns_fd, false, &lockfd, err) < 0 || sorted_names(s, d, &names, err) < 0)
                return -1;
        for (char **n = names; n && *n;) {
                struct list_entry batch[LIST_BATCH];
                size_t got, used;

                if (list_batch(s, lockfd, &rb, n, batch, &got, &used, err) < 0 ||
                    list_emit(batch, got, fn, user, err) < 0)
                        return -1;
                n += used;
        }
        return 0;
}

/* fs_replace's temp names: "." NAME "." PID, NAME being a record file name. */
static bool is_temp(const char *name)
{
        const char *dot = strrchr(name, '.');
        char id[IDENT_MAX + 2], base[NAME_MAX + 1];
        size_t n;

        if (name[0] != '.' || !dot || dot == name || !dot[1] ||
            strspn(dot + 1, "0123456789") != strlen(dot + 1))
                return false;
        n = (size_t) (dot - name - 1);
        if (n >= sizeof base)
                return false;
        memcpy(base, name + 1, n);
        base[n] = '\0';
        return record_entry(base, id) && ident_valid(id);
}

int store_sweep_temps(struct store *s, size_t *ret_removed, struct tc_err **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_close_ int lock = -1;
        struct dirent *de;
        size_t removed = 0;

        if (open_ns_stream(s, &d, err) < 0)
                return -1;
        if (d && nslock_take(s->ns_fd, s->ns, LOCK_EX, s->timeout, &lock, err) < 0)
                return -1;
        while (d && (de = readdir(d))) {
                if (!is_temp(de->d_name))
                        continue;
                if (unlinkat(s->ns_fd, de->d_name, 0) < 0 && errno != ENOENT)
                        return tc_fail_sys(err, TC_INTERNAL, errno,
                                           "remove " CONTAINERS_DIR "/%s/%s", s->ns, de->d_name);
                removed++;
        }
        if (removed > 0 && fs_sync_dir(s->ns_fd, err) < 0)
                return -1;
        if (ret_removed)
                *ret_removed = removed;
        return 0;
}
