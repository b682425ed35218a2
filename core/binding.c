/* SPDX-License-Identifier: Apache-2.0 */
/* The ROOT <-> STATE binding (core/binding.h, docs/layout.md). */
#include "core/binding.h"
#include "core/trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/dir.h"
#include "core/base/flock.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/json.h"
#include "core/base/log.h"

#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

struct binding {
        char root[PATH_MAX], state[PATH_MAX], boot_id[64], token[40];
        bool present;
};

static int boot_id(char *buf, size_t size, struct tc_err **err)
{
        _cleanup_free_ char *s = NULL;
        size_t len = 0;

        if (fs_read_at(AT_FDCWD, BOOT_ID_PATH, 128, &s, &len, err) < 0)
                return tc_wrap(err, "boot id");
        while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
                s[--len] = '\0';
        if (len == 0 || len >= size)
                return tc_fail(err, TC_INTERNAL, "boot id: unexpected content");
        memcpy(buf, s, len + 1);
        return 0;
}

static bool take_str(const cJSON *o, const char *key, char *dst, size_t size)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        if (!cJSON_IsString(v) || strlen(v->valuestring) >= size || !v->valuestring[0])
                return false;
        memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
        return true;
}

/* DFD/binding.json into B; a missing file leaves B->present false. WHERE
 * names the directory in messages. */
static int binding_read(int dfd, const char *where, struct binding *b, struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_free_ char *buf = NULL;
        _cleanup_json_ cJSON *o = NULL;

        memset(b, 0, sizeof *b);
        if (dfd < 0)
                return 0;
        if (fs_read_at(dfd, BINDING_FILE, 1 << 16, &buf, NULL, &e) < 0) {
                if (tc_err_is(e, TC_NOT_FOUND))
                        return 0;
                return tc_err_pass(err, &e, "%s/%s", where, BINDING_FILE);
        }
        o = cJSON_Parse(buf);
        if (!take_str(o, "root", b->root, sizeof b->root) ||
            !take_str(o, "state", b->state, sizeof b->state) ||
            !take_str(o, "boot_id", b->boot_id, sizeof b->boot_id) ||
            !take_str(o, "token", b->token, sizeof b->token))
                return tc_fail(err, TC_FAILED_PRECONDITION,
                               "%s/%s: not a binding (expected root, state, boot_id, token)",
                               where, BINDING_FILE);
        b->present = true;
        return 0;
}

static int binding_write(int dfd, const char *where, const struct binding *b, struct tc_err **err)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        _cleanup_free_ char *text = NULL;

        if (!o || !cJSON_AddStringToObject(o, "root", b->root) ||
            !cJSON_AddStringToObject(o, "state", b->state) ||
            !cJSON_AddStringToObject(o, "boot_id", b->boot_id) ||
            !cJSON_AddStringToObject(o, "token", b->token) || !(text = cJSON_Print(o)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (fs_replace(dfd, BINDING_FILE, text, strlen(text), 0600, err) < 0)
                return tc_wrap(err, "%s/%s", where, BINDING_FILE);
        return 0;
}

/* The binding of R in this boot, with a fresh token. */
static int binding_make(const struct bundle_roots *r, struct binding *b, struct tc_err **err)
{
        unsigned char raw[16];

        memset(b, 0, sizeof *b);
        if ((size_t) snprintf(b->root, sizeof b->root, "%s", r->root_path) >= sizeof b->root ||
            (size_t) snprintf(b->state, sizeof b->state, "%s", r->state_path) >= sizeof b->state)
                return tc_fail(err, TC_INVALID_ARGUMENT, "root or state path too long");
        if (boot_id(b->boot_id, sizeof b->boot_id, err) < 0)
                return -1;
        if (getrandom(raw, sizeof raw, 0) != (ssize_t) sizeof raw)
                return tc_fail_sys(err, TC_INTERNAL, errno, "getrandom");
        for (size_t i = 0; i < sizeof raw; i++)
                (void) snprintf(b->token + 2 * i, 3, "%02x", raw[i]);
        b->present = true;
        return 0;
}

/* Both files, STATE's first: a crash in between leaves a STATE naming ROOT,
 * which the check accepts as proof when ROOT's is the older one. */
static int binding_store(const struct bundle_roots *r, const struct binding *b,
                         struct tc_err **err)
{
        if (binding_write(r->state_fd, r->state_path, b, err) < 0 ||
            binding_write(r->root_fd, r->root_path, b, err) < 0)
                return -1;
        return 0;
}

static bool dir_exists(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int refuse_root(const char *root, const char *bound, const char *state,
                       struct tc_err **err)
{
        return tc_fail(err, TC_FAILED_PRECONDITION,
                       "ROOT %s is bound to STATE %s in this boot, not %s: pass --state %s "
                       "(or the --root that goes with %s)",
                       root, bound, state, bound, state);
}

static int refuse_state(const char *state, const char *bound, const char *root,
                        struct tc_err **err)
{
        return tc_fail(err, TC_FAILED_PRECONDITION,
                       "STATE %s is bound to ROOT %s in this boot, not %s: pass --root %s "
                       "(or the --state that goes with %s)",
                       state, bound, root, bound, root);
}

int binding_record(const struct bundle_roots *r, double timeout, struct tc_err **err)
{
        struct binding rb, sb, want;
        _cleanup_close_ int lock_fd = -1;

        /* two first creates must not each store a token of their own */
        if (flock_take(r->root_fd, BINDING_LOCK, LOCK_EX, timeout, "binding lock", &lock_fd,
                       err) < 0)
                return -1;
        if (binding_make(r, &want, err) < 0 ||
            binding_read(r->root_fd, r->root_path, &rb, err) < 0 ||
            binding_read(r->state_fd, r->state_path, &sb, err) < 0)
                return -1;
        if (rb.present && strcmp(rb.boot_id, want.boot_id) == 0 &&
            strcmp(rb.state, want.state) != 0 && dir_exists(rb.state))
                return refuse_root(want.root, rb.state, want.state, err);
        if (sb.present && strcmp(sb.boot_id, want.boot_id) == 0 &&
            strcmp(sb.root, want.root) != 0 && dir_exists(sb.root))
                return refuse_state(want.state, sb.root, want.root, err);
        if (rb.present && sb.present && strcmp(rb.boot_id, want.boot_id) == 0 &&
            strcmp(rb.state, want.state) == 0 && strcmp(rb.root, want.root) == 0 &&
            strcmp(sb.token, rb.token) == 0 && strcmp(sb.root, want.root) == 0 &&
            strcmp(sb.boot_id, want.boot_id) == 0)
                return 0; /* recorded already */
        return binding_store(r, &want, err);
}

/* Nothing in STATE is trusted (shim-binary-path, address, shim.pid) unless
 * its directories pass trust_check_stat, the one owner and mode rule
 * (core/trust.h) that bundle_load applies too. A missing one is not a fault. */
static int check_trusted(int dfd, const char *name, const char *path, struct tc_err **err)
{
        struct stat st;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
                return errno == ENOENT ? 0 : tc_fail_sys(err, TC_INTERNAL, errno, "stat %s", path);
        return S_ISDIR(st.st_mode) ? trust_check_stat(&st, path, err) : 0;
}

/* The bundles under STATE/tasks: every `work` link must be the work dir
 * ROOT/tasks/NS/ID; *RET_HERE counts those that are. */
static int check_ns_links(const struct bundle_roots *r, int ns_fd, const char *ns,
                          unsigned *ret_here, struct tc_err **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        char link[PATH_MAX], want[PATH_MAX];
        ssize_t n;

        if (dir_open_dup(ns_fd, &d) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "read %s/tasks/%s", r->state_path, ns);
        while ((de = readdir(d))) {
                const char *id = de->d_name + (de->d_name[0] == '.');
                char rel[NAME_MAX + 8];

                if (!ident_valid(id))
                        continue;
                (void) snprintf(want, sizeof want, "%s/tasks/%s/%s", r->state_path, ns, de->d_name);
                if (check_trusted(ns_fd, de->d_name, want, err) < 0)
                        return -1;
                (void) snprintf(rel, sizeof rel, "%s/work", de->d_name);
                n = readlinkat(ns_fd, rel, link, sizeof link - 1);
                if (n < 0)
                        continue; /* no link (an empty bundle): nothing to check */
                link[n] = '\0';
                (void) snprintf(want, sizeof want, "%s/tasks/%s/%s", r->root_path, ns, id);
                if (strcmp(link, want) != 0)
                        return tc_fail(err, TC_FAILED_PRECONDITION,
                                       "bundle %s/tasks/%s/%s links work dir %s, not one in "
                                       "ROOT %s: pass the --root its tasks were created with",
                                       r->state_path, ns, de->d_name, link, r->root_path);
                (*ret_here)++;
        }
        return 0;
}

static int check_links(const struct bundle_roots *r, unsigned *ret_here, struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_close_ int tasks_fd = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        *ret_here = 0;
        if (r->state_fd < 0)
                return 0;
        if (check_trusted(r->state_fd, "", r->state_path, err) < 0)
                return -1;
        if (fs_open_dir(r->state_fd, "tasks", false, 0, &tasks_fd, &e) < 0)
                return tc_err_is(e, TC_NOT_FOUND) ? 0 : tc_err_pass(err, &e, "STATE %s", r->state_path);
        if (check_trusted(tasks_fd, "", r->state_path, err) < 0)
                return tc_wrap(err, "tasks");
        if (dir_open_dup(tasks_fd, &d) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "read %s/tasks", r->state_path);
        while ((de = readdir(d))) {
                _cleanup_close_ int ns_fd = -1;

                if (de->d_name[0] == '.' || !ident_valid(de->d_name))
                        continue;
                /* one namespace that cannot be read is load's error row, and
                 * the sweep leaves its work dirs: nothing to check here */
                if (fs_open_dir(tasks_fd, de->d_name, false, 0, &ns_fd, NULL) < 0)
                        continue;
                if (check_trusted(ns_fd, "", r->state_path, err) < 0)
                        return tc_wrap(err, "namespace %s", de->d_name);
                if (check_ns_links(r, ns_fd, de->d_name, ret_here, err) < 0)
                        return -1;
        }
        return 0;
}

/* Whether ROOT/tasks holds any work dir (or anything at a work dir's name). */
static int has_work_dirs(const struct bundle_roots *r, bool *ret, struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_close_ int tasks_fd = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        *ret = false;
        if (r->root_fd < 0 || fs_open_dir(r->root_fd, "tasks", false, 0, &tasks_fd, &e) < 0)
                return !e || tc_err_is(e, TC_NOT_FOUND) ? 0 : tc_err_move(err, &e);
        if (dir_open_dup(tasks_fd, &d) < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "read %s/tasks", r->root_path);
        while (!*ret && (de = readdir(d))) {
                _cleanup_close_ int ns_fd = -1;
                _cleanup_closedir_ DIR *nd = NULL;
                struct dirent *ne;

                if (de->d_name[0] == '.' ||
                    fs_open_dir(tasks_fd, de->d_name, false, 0, &ns_fd, NULL) < 0 ||
                    dir_open_dup(ns_fd, &nd) < 0)
                        continue;
                while (!*ret && (ne = readdir(nd)))
                        *ret = ne->d_name[0] != '.';
        }
        return 0;
}

/* A ROOT without a binding (made by an older taskctl). */
static int check_unbound(const struct bundle_roots *r, const struct binding *sb,
                         unsigned linked_here, bool dry_run, struct tc_err **err)
{
        struct binding want;
        bool work = false;

        if ((sb->present && strcmp(sb->root, r->root_path) == 0) || linked_here > 0) {
                /* STATE shows that it belongs to ROOT: record the pair */
                if (dry_run || r->state_fd < 0 || r->root_fd < 0)
                        return 0;
                if (binding_make(r, &want, err) < 0 || binding_store(r, &want, err) < 0)
                        return tc_wrap(err, "recording the binding");
                log_info("ROOT %s bound to STATE %s", r->root_path, r->state_path);
                return 0;
        }
        if (has_work_dirs(r, &work, err) < 0)
                return -1;
        if (!work)
                return 0;
        return tc_fail(err, TC_FAILED_PRECONDITION,
                       "ROOT %s has work dirs but no STATE recorded for it (an older taskctl "
                       "made them), and STATE %s holds no bundle of it: a reboot cannot be told "
                       "from a wrong --state. Pass the --state its tasks were created with, or, "
                       "if no task of this ROOT runs, remove %s/tasks by hand",
                       r->root_path, r->state_path, r->root_path);
}

int binding_check(const struct bundle_roots *r, bool dry_run, struct tc_err **err)
{
        struct binding rb, sb;
        char boot[64];
        unsigned linked_here = 0;

        if (boot_id(boot, sizeof boot, err) < 0 ||
            binding_read(r->root_fd, r->root_path, &rb, err) < 0 ||
            binding_read(r->state_fd, r->state_path, &sb, err) < 0)
                return -1;
        if (sb.present && strcmp(sb.boot_id, boot) == 0 && strcmp(sb.root, r->root_path) != 0)
                return refuse_state(r->state_path, sb.root, r->root_path, err);
        if (check_links(r, &linked_here, err) < 0)
                return -1;
        if (!rb.present)
                return check_unbound(r, &sb, linked_here, dry_run, err);
        if (strcmp(rb.boot_id, boot) != 0)
                return 0; /* bound in an earlier boot: swept as after a reboot */
        if (strcmp(rb.state, r->state_path) != 0)
                return refuse_root(r->root_path, rb.state, r->state_path, err);
        if (r->state_fd < 0)
                return tc_fail(err, TC_FAILED_PRECONDITION,
                               "STATE %s of ROOT %s is missing, but it was made in this boot (no "
                               "reboot since): it is hidden from this process (systemd "
                               "PrivateTmp=yes?) or was removed; run where STATE is visible",
                               r->state_path, r->root_path);
        if (!sb.present || strcmp(sb.token, rb.token) != 0)
                return tc_fail(err, TC_FAILED_PRECONDITION,
                               "STATE %s is not the one ROOT %s was bound to in this boot (it "
                               "was made anew since: a private /tmp?); run where the STATE its "
                               "tasks were created with is visible",
                               r->state_path, r->root_path);
        return 0;
}
