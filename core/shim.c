/* SPDX-License-Identifier: Apache-2.0 */
/* The shim binary: which one, its argv and environment, `start` and `delete`,
 * and the address it hands back. Mirrors containerd 1.6 runtime/v2
 * (manager.go resolveRuntimePath, binary.go Start/Delete, shim/util.go) and the
 * bootstrap parsing of 1.7+ (shim.go parseStartResponse). */
#include "core/shim.h"

#include <cjson/cJSON.h>
#include "core/base/json.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/bounds.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"
#include "core/proc.h"

#define SHIM_FILE_MAX (64 * 1024)

void shim_bootstrap_release(struct shim_bootstrap *b)
{
        if (!b)
                return;
        free(b->address);
        b->address = NULL;
}

/* containerd's shim.BinaryName: "io.containerd.runc.v2" -> containerd-shim-runc-v2.
 * Stricter on the last two parts: they must be non-empty and hold no '/'. */
static int binary_name(const char *runtime, char **ret_name, struct tc_err **err)
{
        const char *dot = strrchr(runtime, '.'), *ver, *name;
        size_t name_len;

        if (!dot || runtime[0] == '.')
                goto invalid;
        ver = dot + 1;
        for (name = dot; name > runtime && name[-1] != '.'; name--)
                ;
        name_len = (size_t) (dot - name);
        if (!*ver || !name_len || strchr(ver, '/') || memchr(name, '/', name_len))
                goto invalid;
        if (asprintf(ret_name, "containerd-shim-%.*s-%s", (int) name_len, name, ver) < 0)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return 0;
invalid:
        return tc_fail(err, TC_INVALID_ARGUMENT,
                       "invalid runtime name %s, correct runtime name should be either format "
                       "like `io.containerd.runc.v1` or a full path to the binary",
                       runtime);
}

/* exec.LookPath's test: not a directory, some x bit, and executable for us. */
static bool is_executable(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111) &&
               faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

/* Only absolute PATH entries: a relative one (or "", meaning ".") would make
 * the shim depend on our cwd, which Go refuses too (exec.ErrDot). */
static char *search_path(const char *name)
{
        const char *p = getenv("PATH");

        while (p && *p) {
                size_t n = strcspn(p, ":");
                char *cand = NULL;

                if (p[0] == '/' && asprintf(&cand, "%.*s/%s", (int) n, p, name) >= 0) {
                        if (is_executable(cand))
                                return cand;
                        free(cand);
                }
                p += n + (p[n] == ':');
        }
        return NULL;
}

int shim_resolve_binary(const char *runtime, char **ret_path, struct tc_err **err)
{
        _cleanup_free_ char *name = NULL, *path = NULL;
        struct stat st;

        if (!runtime || !*runtime)
                return tc_fail(err, TC_INVALID_ARGUMENT, "no runtime name");
        if (runtime[0] == '/') {
                if (stat(runtime, &st) < 0)
                        return tc_fail_sys(err, TC_UNAVAILABLE, errno,
                                           "runtime \"%s\": invalid custom binary path", runtime);
                path = strdup(runtime);
        } else {
                if (binary_name(runtime, &name, err) < 0)
                        return -1;
                path = search_path(name);
                if (!path)
                        return tc_fail(err, TC_UNAVAILABLE,
                                       "runtime \"%s\": binary \"%s\" not found on PATH", runtime,
                                       name);
        }
        if (!path)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        *ret_path = steal_ptr(path);
        return 0;
}

int shim_grpc_address(const char *state_path, char **ret_address, struct tc_err **err)
{
        size_t n;

        if (!state_path || state_path[0] != '/')
                return tc_fail(err, TC_INVALID_ARGUMENT, "state dir \"%s\" is not absolute",
                               state_path ? state_path : "");
        n = strlen(state_path);
        while (n > 1 && state_path[n - 1] == '/')
                n--;
        if (asprintf(ret_address, "%.*s/taskctl.sock", (int) (n == 1 ? 0 : n), state_path) < 0)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return 0;
}

/* ---- bootstrap: what `start` printed ---- */

static bool address_valid(const char *s, size_t n)
{
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isgraph((unsigned char) s[i]))
                        return false;
        return true;
}

static int parse_json(const char *s, size_t n, struct shim_bootstrap *ret, struct tc_err **err)
{
        _cleanup_free_ char *copy = strndup(s, n);
        _cleanup_json_ cJSON *j = NULL;
        const cJSON *v, *p, *a;

        if (!copy)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        j = json_parse(copy, strlen(copy) + 1, NULL, true);
        if (!j || !cJSON_IsObject(j))
                return tc_fail(err, TC_UNAVAILABLE, "invalid bootstrap JSON from shim: %.200s",
                               copy);
        /* as Go's encoding/json, field names match case-insensitively */
        v = cJSON_GetObjectItem(j, "version");
        p = cJSON_GetObjectItem(j, "protocol");
        a = cJSON_GetObjectItem(j, "address");
        if (!cJSON_IsNumber(v))
                return tc_fail(err, TC_UNAVAILABLE, "shim bootstrap has no version");
        if (v->valuedouble != 2 && v->valuedouble != 3)
                return tc_fail(err, TC_UNAVAILABLE,
                               "unsupported shim bootstrap version %g (supported: 2, 3)",
                               v->valuedouble);
        if (!cJSON_IsString(p) || strcmp(p->valuestring, "ttrpc") != 0)
                return tc_fail(err, TC_UNAVAILABLE,
                               "unsupported shim protocol \"%.40s\" (only ttrpc is supported)",
                               cJSON_IsString(p) ? p->valuestring : "");
        if (!cJSON_IsString(a) || !address_valid(a->valuestring, strlen(a->valuestring)))
                return tc_fail(err, TC_UNAVAILABLE, "shim bootstrap has no valid address");
        ret->address = strdup(a->valuestring);
        ret->version = (int) v->valuedouble;
        return ret->address ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
}

int shim_parse_bootstrap(const char *out, size_t len, struct shim_bootstrap *ret,
                         struct tc_err **err)
{
        struct shim_bootstrap b = { 0 };

        while (len > 0 && isspace((unsigned char) out[0])) {
                out++;
                len--;
        }
        while (len > 0 && isspace((unsigned char) out[len - 1]))
                len--;
        if (len == 0)
                return tc_fail(err, TC_UNAVAILABLE, "shim printed no address");
        if (out[0] == '{') {
                if (parse_json(out, len, &b, err) < 0)
                        return -1;
        } else {
                if (!address_valid(out, len))
                        return tc_fail(err, TC_UNAVAILABLE, "invalid shim address \"%.*s\"",
                                       (int) (len < 200 ? len : 200), out);
                b.address = strndup(out, len);
                b.version = 2;
                if (!b.address)
                        return tc_fail(err, TC_INTERNAL, "out of memory");
        }
        *ret = b;
        return 0;
}

/* ---- running the binary ---- */

static int cmd_check(const struct shim_cmd *c, struct tc_err **err)
{
        const char *base;

        if (ident_check(c->ns, "namespace", err) < 0 || ident_check(c->id, "container id", err) < 0)
                return -1;
        if (!c->binary || c->binary[0] != '/' || !c->address || c->bundle_fd < 0)
                return tc_fail(err, TC_INVALID_ARGUMENT, "incomplete shim command");
        /* the shim takes the bundle from its cwd: dirname(cwd)/ID */
        base = c->bundle_path ? strrchr(c->bundle_path, '/') : NULL;
        if (!base || c->bundle_path[0] != '/' || strcmp(base + 1, c->id) != 0)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "bundle path \"%s\" must be absolute and end in the id \"%s\"",
                               c->bundle_path ? c->bundle_path : "", c->id);
        return 0;
}

static int self_exe(char **ret, struct tc_err **err)
{
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

        if (n < 0)
                return tc_fail_sys(err, TC_INTERNAL, errno, "readlink /proc/self/exe");
        *ret = strndup(buf, (size_t) n);
        return *ret ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
}

/* argv exactly as containerd's shim.Command (flags before the action word). */
static void build_argv(const struct shim_cmd *c, const char *exe, const char *action,
                       char *argv[static 16])
{
        size_t n = 0;

        argv[n++] = (char *) c->binary;
        argv[n++] = "-namespace";
        argv[n++] = (char *) c->ns;
        argv[n++] = "-address";
        argv[n++] = (char *) c->address;
        argv[n++] = "-publish-binary";
        argv[n++] = (char *) exe;
        argv[n++] = "-id";
        argv[n++] = (char *) c->id;
        if (strcmp(action, "delete") == 0) {
                argv[n++] = "-bundle";
                argv[n++] = (char *) c->bundle_path;
        }
        if (c->debug)
                argv[n++] = "-debug";
        argv[n++] = (char *) action;
        argv[n] = NULL;
}

static int shim_run(const struct shim_cmd *c, const char *action, const void *in, size_t in_len,
                    double deadline, struct proc_result *ret, struct tc_err **err)
{
        /* TTRPC_ADDRESS empty: no daemon takes the events, and a dead path
         * would make the shim linger 15 s after Shutdown (docs/shim-protocol.md) */
        static const char *const set[] = { "TTRPC_ADDRESS=", "GOMAXPROCS=2", NULL };
        _cleanup_free_ char *exe = NULL;
        _cleanup_strv_ char **env = NULL;
        char *argv[16];
        struct proc_spec spec;

        if (!c->publish_binary && self_exe(&exe, err) < 0)
                return -1;
        build_argv(c, c->publish_binary ? c->publish_binary : exe, action, argv);
        if (proc_env_new(NULL, set, &env, err) < 0)
                return -1;
        spec = (struct proc_spec){
                .path = c->binary,
                .argv = argv,
                .envp = env,
                .dir_fd = c->bundle_fd,
                .stdin_buf = in_len ? in : NULL, /* `start` reads stdin to EOF */
                .stdin_len = in_len,
                .flags = PROC_NEW_SESSION,
        };
        return proc_run(&spec, deadline, ret, err);
}

/* As shimCallError: the exit status plus what the shim said. Its error is the
 * last stderr line (logrus lines may come first); `start` may also print it
 * on stdout (containerd reads both together). */
static int check_exit(const char *action, const struct proc_result *r, bool text_stdout,
                      struct tc_err **err)
{
        _cleanup_free_ char *line = NULL;
        char st[64];

        if (proc_status_ok(r->status))
                return 0;
        proc_status_str(r->status, st, sizeof st);
        line = proc_last_line(r->err, r->err_len);
        if (line && !*line && text_stdout) {
                free(line);
                line = proc_first_line(r->out, r->out_len);
        }
        if (line && *line)
                return tc_fail(err, TC_UNAVAILABLE, "shim %s failed: %s: %s", action, st, line);
        return tc_fail(err, TC_UNAVAILABLE, "shim %s failed: %s", action, st);
}

/* containerd 2.x keeps the bootstrap in the bundle so that a reload knows the
 * task API version; the `address` file alone means version 2. */
static int write_bootstrap_json(int bundle_fd, const struct shim_bootstrap *b,
                                struct tc_err **err)
{
        _cleanup_json_ cJSON *j = cJSON_CreateObject();
        _cleanup_free_ char *s = NULL;

        if (!j || !cJSON_AddNumberToObject(j, "version", b->version) ||
            !cJSON_AddStringToObject(j, "address", b->address) ||
            !cJSON_AddStringToObject(j, "protocol", "ttrpc") || !(s = cJSON_PrintUnformatted(j)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return fs_replace(bundle_fd, "bootstrap.json", s, strlen(s), 0600, err);
}

static int save_start(const struct shim_cmd *c, const struct proc_result *r,
                      const struct shim_bootstrap *b, struct tc_err **err)
{
        size_t i = 0;

        while (i < r->out_len && isspace((unsigned char) r->out[i]))
                i++;
        if (i < r->out_len && r->out[i] == '{' && write_bootstrap_json(c->bundle_fd, b, err) < 0)
                return -1;
        return fs_replace(c->bundle_fd, "shim-binary-path", c->binary, strlen(c->binary), 0600,
                          err);
}

/* Without a `log` the daemon dies at once while `start` still prints an
 * address and exits 0 (docs/shim-protocol.md): refuse to start then. */
static int check_log(const struct shim_cmd *c, struct tc_err **err)
{
        struct stat st;

        if (fstatat(c->bundle_fd, "log", &st, AT_SYMLINK_NOFOLLOW) < 0)
                return tc_fail_sys(err, TC_FAILED_PRECONDITION, errno, "%s/log", c->bundle_path);
        if (!S_ISREG(st.st_mode))
                return tc_fail(err, TC_FAILED_PRECONDITION, "%s/log is not a regular file",
                               c->bundle_path);
        return 0;
}

int shim_start(const struct shim_cmd *c, const void *options, size_t options_len, double deadline,
               struct shim_bootstrap *ret, struct tc_err **err)
{
        _cleanup_(proc_result_release) struct proc_result r = { 0 };
        struct shim_bootstrap b = { 0 };

        if (cmd_check(c, err) < 0 || check_log(c, err) < 0)
                return tc_wrap(err, "shim start");
        if (shim_run(c, "start", options, options_len, deadline, &r, err) < 0)
                return tc_wrap(err, "shim start");
        if (check_exit("start", &r, true, err) < 0)
                return -1;
        if (shim_parse_bootstrap(r.out, r.out_len, &b, err) < 0)
                return tc_wrap(err, "shim start");
        if (save_start(c, &r, &b, err) < 0) {
                shim_bootstrap_release(&b);
                return tc_wrap(err, "shim start: bundle %s", c->bundle_path);
        }
        log_debug("shim %s for %s/%s: %s (task API v%d)", c->binary, c->ns, c->id, b.address,
                  b.version);
        *ret = b;
        return 0;
}

static void log_lines(const char *what, const char *buf, size_t len)
{
        while (len > 0) {
                size_t n = strcspn(buf, "\n");

                if (n > len)
                        n = len;
                if (n > 0)
                        log_debug("%s: %.*s", what, (int) n, buf);
                buf += n + (n < len);
                len -= n + (n < len);
        }
}

int shim_delete_action(const struct shim_cmd *c, double deadline, char **ret_resp,
                       size_t *ret_len, struct tc_err **err)
{
        _cleanup_(proc_result_release) struct proc_result r = { 0 };
        struct stat st;

        if (cmd_check(c, err) < 0)
                return tc_wrap(err, "shim delete");
        /* the shim fails without `runtime`, which its Create writes before runc
         * runs: no runtime file, no runc container and no mounts to clean */
        if (fstatat(c->bundle_fd, "runtime", &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return tc_fail_sys(err, TC_INTERNAL, errno, "shim delete: stat %s/runtime",
                                           c->bundle_path);
                log_debug("shim delete %s/%s: no runtime file, nothing to clean", c->ns, c->id);
                return 0;
        }
        if (deadline <= 0)
                deadline = timefmt_mono() + BOUND_SHIM_CLEANUP;
        if (shim_run(c, "delete", NULL, 0, deadline, &r, err) < 0)
                return tc_wrap(err, "shim delete");
        log_lines("shim delete", r.err, r.err_len); /* containerd's "cleanup warnings" */
        if (check_exit("delete", &r, false, err) < 0)
                return -1;
        *ret_len = r.out_len;
        *ret_resp = steal_ptr(r.out);
        return 1;
}

/* ---- the bundle's record of a started shim ---- */

static int read_bootstrap_json(int bundle_fd, struct shim_bootstrap *ret, struct tc_err **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        if (fs_read_at(bundle_fd, "bootstrap.json", SHIM_FILE_MAX, &buf, &len, err) < 0)
                return -1;
        if (buf[strspn(buf, " \t\r\n")] != '{')
                return tc_fail(err, TC_UNAVAILABLE, "bootstrap.json: not a JSON object");
        if (shim_parse_bootstrap(buf, len, ret, err) < 0)
                return tc_wrap(err, "bootstrap.json");
        return 0;
}

int shim_read_bootstrap(int bundle_fd, struct shim_bootstrap *ret, struct tc_err **err)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        if (read_bootstrap_json(bundle_fd, ret, &e) == 0)
                return 0;
        if (e->kind != TC_NOT_FOUND)
                return tc_err_move(err, &e);
        tc_err_freep(&e);
        if (fs_read_at(bundle_fd, "address", SHIM_FILE_MAX, &buf, &len, &e) < 0) {
                if (e->kind == TC_NOT_FOUND)
                        return tc_fail(err, TC_NOT_FOUND, "no shim address in the bundle");
                tc_err_move(err, &e);
                return tc_wrap(err, "address");
        }
        if (shim_parse_bootstrap(buf, len, ret, err) < 0)
                return tc_wrap(err, "address");
        return 0;
}

int shim_read_binary_path(int bundle_fd, char **ret_path, struct tc_err **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        if (fs_read_at(bundle_fd, "shim-binary-path", PATH_MAX, &buf, &len, err) < 0)
                return tc_wrap(err, "shim-binary-path");
        while (len > 0 && isspace((unsigned char) buf[len - 1]))
                buf[--len] = '\0';
        if (buf[0] != '/' || strlen(buf) != len)
                return tc_fail(err, TC_INTERNAL, "shim-binary-path: not an absolute path");
        *ret_path = steal_ptr(buf);
        return 0;
}

/* ---- the socket ---- */

int shim_socket_path_from_address(const char *address, char **ret_path, bool *ret_abstract,
                                  struct tc_err **err)
{
        const char *p = address;
        bool abstract = true;

        if (address && strncmp(address, "unix://", 7) == 0) {
                p = address + 7;
                abstract = false;
        }
        if (!p || !*p || (!abstract && p[0] != '/'))
                return tc_fail(err, TC_INVALID_ARGUMENT, "invalid shim address \"%s\"",
                               address ? address : "");
        if (strlen(p) >= sizeof((struct sockaddr_un *) NULL)->sun_path)
                return tc_fail(err, TC_INVALID_ARGUMENT, "shim address \"%s\" is too long",
                               address);
        *ret_path = strdup(p);
        if (!*ret_path)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (ret_abstract)
                *ret_abstract = abstract;
        return 0;
}

/* A socket that accepts a connection (or has a full backlog) has a server. */
static bool socket_is_live(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0)
                return true; /* cannot tell: keep it */
        (void) snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0)
                return true;
        return errno != ECONNREFUSED && errno != ENOENT;
}

bool shim_address_listens(const char *address)
{
        _cleanup_free_ char *path = NULL;
        bool abstract = false;

        if (shim_socket_path_from_address(address, &path, &abstract, NULL) < 0 || abstract)
                return false;
        return socket_is_live(path);
}

int shim_remove_socket(const char *address, struct tc_err **err)
{
        static const char dir[] = SHIM_SOCKET_DIR "/";
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int dfd = -1;
        const char *name;
        bool abstract = false;
        struct stat st;

        if (shim_socket_path_from_address(address, &path, &abstract, err) < 0)
                return -1;
        if (abstract)
                return 0; /* nothing on disk */
        name = strncmp(path, dir, sizeof dir - 1) == 0 ? path + sizeof dir - 1 : "";
        if (!*name || strchr(name, '/') || name[0] == '.')
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "refusing to remove %s: not under " SHIM_SOCKET_DIR, path);
        dfd = open(SHIM_SOCKET_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : tc_fail_sys(err, TC_INTERNAL, errno, "stat %s", path);
        if (!S_ISSOCK(st.st_mode))
                return tc_fail(err, TC_FAILED_PRECONDITION, "refusing to remove %s: not a socket",
                               path);
        if (socket_is_live(path))
                return tc_fail(err, TC_FAILED_PRECONDITION,
                               "refusing to remove %s: a shim still listens on it", path);
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                return tc_fail_sys(err, TC_INTERNAL, errno, "remove %s", path);
        return 0;
}
