/* SPDX-License-Identifier: Apache-2.0 */
/* core/shim with fake shim binaries (scripts) and pure parsing; the real
 * containerd-shim-runc-v2 is exercised in test_shim_real.c. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/timefmt.h"
#include "core/shim.h"

static char root[] = "/tmp/tc-shim-XXXXXX";
static char bindir[256], bundle[256];
static int bundle_fd = -1;

static void write_file(const char *path, const char *content, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
        cr_assert(eq(int, write_all(fd, content, strlen(content)), 0));
        (void) fchmod(fd, mode);
        (void) close(fd);
}

static char *slurp(const char *path)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        char *buf = NULL;

        cr_assert(eq(int, fs_read_at(AT_FDCWD, path, 1 << 20, &buf, NULL, &err), 0), "%s", path);
        return buf;
}

static void setup(void)
{
        char path[300];

        cr_assert(not(eq(ptr, mkdtemp(root), NULL)));
        (void) snprintf(bindir, sizeof bindir, "%s/bin", root);
        (void) snprintf(path, sizeof path, "%s/b", root);
        (void) snprintf(bundle, sizeof bundle, "%s/b/t1", root);
        cr_assert(eq(int, mkdir(bindir, 0755), 0));
        cr_assert(eq(int, mkdir(path, 0755), 0));
        cr_assert(eq(int, mkdir(bundle, 0700), 0));
        bundle_fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(bundle_fd >= 0);
        (void) snprintf(path, sizeof path, "%s/log", bundle);
        write_file(path, "", 0600);
}

static void teardown(void)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        if (bundle_fd >= 0)
                (void) close(bundle_fd);
        (void) fs_rmtree_at(AT_FDCWD, root, NULL, &err);
}

/* A fake shim at bindir/NAME running SCRIPT under /bin/sh. */
static const char *fake(const char *name, const char *script)
{
        static char path[300];
        char body[4096];

        (void) snprintf(path, sizeof path, "%s/%s", bindir, name);
        (void) snprintf(body, sizeof body, "#!/bin/sh\n%s\n", script);
        write_file(path, body, 0755);
        return path;
}

static struct shim_cmd cmd(const char *binary)
{
        return (struct shim_cmd){ .binary = binary,
                                  .ns = "testns",
                                  .id = "t1",
                                  .address = "/run/taskctl/taskctl.sock",
                                  .publish_binary = "/usr/bin/taskctl",
                                  .bundle_fd = bundle_fd,
                                  .bundle_path = bundle };
}

struct resolve_case {
        const char *runtime;
        enum tc_kind kind; /* 0: success */
        const char *want;  /* path (relative to bindir unless absolute) or error message */
};

Test(shim, resolve_binary_table, .init = setup, .fini = teardown)
{
        static const struct resolve_case cases[] = {
                { "io.containerd.foo.v1", 0, "containerd-shim-foo-v1" },
                { "foo.v1", 0, "containerd-shim-foo-v1" },
                { "/bin/true", 0, "/bin/true" },
                { "runc", TC_INVALID_ARGUMENT, NULL },
                { "", TC_INVALID_ARGUMENT, "no runtime name" },
                { ".foo.v1", TC_INVALID_ARGUMENT, NULL },
                { "io.containerd.foo.", TC_INVALID_ARGUMENT, NULL },
                { "io..v1", TC_INVALID_ARGUMENT, NULL },
                { "io.a/b.v1", TC_INVALID_ARGUMENT, NULL },
                { "io.containerd.foo.v1/x", TC_INVALID_ARGUMENT, NULL },
                { "io.containerd.bar.v1", TC_UNAVAILABLE,
                  "runtime \"io.containerd.bar.v1\": binary \"containerd-shim-bar-v1\" not found "
                  "on PATH" },
                { "io.containerd.noexec.v1", TC_UNAVAILABLE, NULL },
                { "io.containerd.dir.v1", TC_UNAVAILABLE, NULL },
                { "/nonexistent/shim", TC_UNAVAILABLE,
                  "runtime \"/nonexistent/shim\": invalid custom binary path: No such file or "
                  "directory" },
        };
        char path[600];

        fake("containerd-shim-foo-v1", "exit 0");
        (void) snprintf(path, sizeof path, "%s/containerd-shim-noexec-v1", bindir);
        write_file(path, "#!/bin/sh\n", 0644);
        (void) snprintf(path, sizeof path, "%s/containerd-shim-dir-v1", bindir);
        cr_assert(eq(int, mkdir(path, 0755), 0));
        (void) snprintf(path, sizeof path, "relative:%s:/nonexistent", bindir);
        cr_assert(eq(int, setenv("PATH", path, 1), 0));
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;
                _cleanup_free_ char *got = NULL;
                const struct resolve_case *c = &cases[i];
                int r = shim_resolve_binary(c->runtime, &got, &err);

                if (!c->kind) {
                        cr_assert(eq(int, r, 0), "%s: %s", c->runtime, err ? err->msg : "");
                        (void) snprintf(path, sizeof path, "%s/%s", bindir, c->want);
                        cr_assert(eq(str, got, c->want[0] == '/' ? (char *) c->want : path));
                        continue;
                }
                cr_assert(eq(int, r, -1), "%s", c->runtime);
                cr_assert(eq(int, err->kind, c->kind), "%s: %s", c->runtime, err->msg);
                if (c->want)
                        cr_assert(eq(str, err->msg, (char *) c->want));
        }
}

Test(shim, resolve_ignores_relative_path_entries, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *got = NULL;

        fake("containerd-shim-foo-v1", "exit 0");
        cr_assert(eq(int, chdir(bindir), 0));
        cr_assert(eq(int, setenv("PATH", ":.:bin", 1), 0));
        cr_assert(eq(int, shim_resolve_binary("io.containerd.foo.v1", &got, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(int, chdir("/"), 0));
}

Test(shim, grpc_address_is_stable_per_state_dir)
{
        static const char *const in[] = { "/run/taskctl", "/run/taskctl/", "/run/taskctl//" };
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *slash = NULL;

        for (size_t i = 0; i < ELEMENTSOF(in); i++) {
                _cleanup_free_ char *a = NULL;

                cr_assert(eq(int, shim_grpc_address(in[i], &a, &err), 0));
                cr_assert(eq(str, a, "/run/taskctl/taskctl.sock"));
        }
        cr_assert(eq(int, shim_grpc_address("/", &slash, &err), 0));
        cr_assert(eq(str, slash, "/taskctl.sock"));
        cr_assert(eq(int, shim_grpc_address("run/taskctl", &slash, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
}

struct parse_case {
        const char *out;
        enum tc_kind kind; /* 0: success */
        const char *address;
        int version;
};

Test(shim, parse_bootstrap_table)
{
        static const struct parse_case cases[] = {
                { "unix:///run/containerd/s/abc", 0, "unix:///run/containerd/s/abc", 2 },
                { "  unix:///run/containerd/s/abc\n", 0, "unix:///run/containerd/s/abc", 2 },
                { "@abstract-name", 0, "@abstract-name", 2 },
                { "{\"version\":2,\"address\":\"unix:///s/a\",\"protocol\":\"ttrpc\"}", 0,
                  "unix:///s/a", 2 },
                { " {\"version\":3,\"address\":\"unix:///s/b\",\"protocol\":\"ttrpc\"}\n", 0,
                  "unix:///s/b", 3 },
                { "{\"Version\":3,\"Address\":\"unix:///s/c\",\"Protocol\":\"ttrpc\"}", 0,
                  "unix:///s/c", 3 },
                { "{\"version\":2,\"address\":\"unix:///s/a\",\"protocol\":\"grpc\"}",
                  TC_UNAVAILABLE, NULL, 0 },
                { "{\"version\":4,\"address\":\"unix:///s/a\",\"protocol\":\"ttrpc\"}",
                  TC_UNAVAILABLE, NULL, 0 },
                { "{\"version\":1,\"address\":\"unix:///s/a\",\"protocol\":\"ttrpc\"}",
                  TC_UNAVAILABLE, NULL, 0 },
                { "{\"version\":2.5,\"address\":\"unix:///s/a\",\"protocol\":\"ttrpc\"}",
                  TC_UNAVAILABLE, NULL, 0 },
                { "{\"version\":2,\"protocol\":\"ttrpc\"}", TC_UNAVAILABLE, NULL, 0 },
                { "{\"version\":2,\"address\":\"\",\"protocol\":\"ttrpc\"}", TC_UNAVAILABLE, NULL,
                  0 },
                { "{\"version\":2,\"address\":\"unix:///s/a\"}", TC_UNAVAILABLE, NULL, 0 },
                { "{\"version\":2,\"address\":\"unix:///s/a\",\"protocol\":\"ttrpc\"} x",
                  TC_UNAVAILABLE, NULL, 0 },
                { "{version", TC_UNAVAILABLE, NULL, 0 },
                { "[1]", 0, "[1]", 2 }, /* not an object: a plain address, as containerd */
                { "", TC_UNAVAILABLE, NULL, 0 },
                { " \n\t", TC_UNAVAILABLE, NULL, 0 },
                { "unix:///a b", TC_UNAVAILABLE, NULL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;
                struct shim_bootstrap b = { 0 };
                const struct parse_case *c = &cases[i];
                int r = shim_parse_bootstrap(c->out, strlen(c->out), &b, &err);

                if (!c->kind) {
                        cr_assert(eq(int, r, 0), "case %zu: %s", i, err ? err->msg : "");
                        cr_assert(eq(str, b.address, (char *) c->address), "case %zu", i);
                        cr_assert(eq(int, b.version, c->version), "case %zu", i);
                        shim_bootstrap_release(&b);
                        continue;
                }
                cr_assert(eq(int, r, -1), "case %zu", i);
                cr_assert(eq(int, err->kind, c->kind), "case %zu: %s", i, err->msg);
        }
}

Test(shim, parse_bootstrap_names_the_protocol)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        const char *out = "{\"version\":2,\"address\":\"unix:///s/a\",\"protocol\":\"grpc\"}";
        struct shim_bootstrap b = { 0 };

        cr_assert(eq(int, shim_parse_bootstrap(out, strlen(out), &b, &err), -1));
        cr_assert(eq(str, err->msg, "unsupported shim protocol \"grpc\" (only ttrpc is supported)"));
}

Test(shim, socket_path_from_address)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *p = NULL, *q = NULL;
        bool abstract = true;
        char longaddr[200];

        cr_assert(eq(int, shim_socket_path_from_address("unix:///run/containerd/s/x", &p,
                                                        &abstract, &err),
                     0));
        cr_assert(eq(str, p, "/run/containerd/s/x"));
        cr_assert(not(abstract));
        cr_assert(eq(int, shim_socket_path_from_address("abstract-x", &q, &abstract, &err), 0));
        cr_assert(eq(str, q, "abstract-x"));
        cr_assert(abstract);
        cr_assert(eq(int, shim_socket_path_from_address("unix://rel", &q, NULL, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(int, shim_socket_path_from_address("", &q, NULL, &err), -1));
        memset(longaddr, 'a', sizeof longaddr - 1);
        longaddr[sizeof longaddr - 1] = '\0';
        memcpy(longaddr, "unix:///", 8);
        cr_assert(eq(int, shim_socket_path_from_address(longaddr, &q, NULL, &err), -1));
}

/* A name of ours in the real socket dir, removed at the end of the test. */
static void test_sock_path(char *buf, size_t len, const char *what)
{
        (void) snprintf(buf, len, SHIM_SOCKET_DIR "/taskctl-test-%s-%d", what, (int) getpid());
}

static int bind_at(const char *path, bool do_listen)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        cr_assert(lt(sz, strlen(path), sizeof sa.sun_path));
        memcpy(sa.sun_path, path, strlen(path) + 1);
        cr_assert(eq(int, bind(fd, (struct sockaddr *) &sa, sizeof sa), 0), "%s", strerror(errno));
        if (do_listen)
                cr_assert(eq(int, listen(fd, 1), 0));
        return fd;
}

Test(shim, remove_socket_rules)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        char path[200], addr[220];
        struct stat st;
        int fd;

        /* on a fresh machine no shim has made /run/containerd yet (0711 as containerd) */
        cr_assert(eq(int, mkdir("/run/containerd", 0711) == 0 || errno == EEXIST, 1), "%s", strerror(errno));
        cr_assert(eq(int, mkdir(SHIM_SOCKET_DIR, 0700) == 0 || errno == EEXIST, 1), "%s", strerror(errno));
        cr_assert(eq(int, shim_remove_socket("unix:///tmp/x.sock", &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(int, shim_remove_socket("unix:///run/containerd/s/../x", &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(int, shim_remove_socket("unix:///run/containerd/s/", &err), -1));
        test_sock_path(path, sizeof path, "missing");
        (void) snprintf(addr, sizeof addr, "unix://%s", path);
        cr_assert(eq(int, shim_remove_socket(addr, &err), 0));
        cr_assert(eq(int, shim_remove_socket("abstract-name", &err), 0));

        /* a regular file is not ours to remove */
        test_sock_path(path, sizeof path, "file");
        (void) snprintf(addr, sizeof addr, "unix://%s", path);
        write_file(path, "", 0600);
        cr_assert(eq(int, shim_remove_socket(addr, &err), -1));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION));
        cr_assert(eq(int, unlink(path), 0));

        /* a live socket stays; once nobody listens it goes */
        test_sock_path(path, sizeof path, "sock");
        (void) snprintf(addr, sizeof addr, "unix://%s", path);
        fd = bind_at(path, true);
        cr_assert(eq(int, shim_remove_socket(addr, &err), -1));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION), "%s", err->msg);
        cr_assert(eq(int, lstat(path, &st), 0));
        (void) close(fd);
        cr_assert(eq(int, shim_remove_socket(addr, &err), 0));
        cr_assert(eq(int, lstat(path, &st), -1));
        cr_assert(eq(int, errno, ENOENT));
}

/* ---- start and delete with fake shims ---- */

static const char *const recorder =
        "{ printf '%s\\n' \"$@\"; echo \"cwd=$(pwd)\"; echo \"TTRPC_ADDRESS=${TTRPC_ADDRESS-unset}\";"
        "  echo \"GOMAXPROCS=$GOMAXPROCS\"; s=$(cut -d' ' -f6 /proc/$$/stat);"
        "  [ \"$s\" = $$ ] && echo session=own || echo session=inherited; } > argv.txt\n"
        "cat > stdin.bin\n";

static char *bundle_file(const char *name)
{
        char path[600];

        (void) snprintf(path, sizeof path, "%s/%s", bundle, name);
        return slurp(path);
}

Test(shim, start_argv_env_cwd_stdin, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *argv = NULL, *in = NULL, *bin = NULL, *want = NULL;
        char script[2048];
        const char *path;
        struct shim_cmd c;
        struct shim_bootstrap b = { 0 };
        struct stat st;

        (void) snprintf(script, sizeof script, "%sprintf 'unix:///run/containerd/s/fake'",
                        recorder);
        path = fake("containerd-shim-fake-v1", script);
        c = cmd(path);
        cr_assert(eq(int, setenv("TTRPC_ADDRESS", "/run/containerd/containerd.sock.ttrpc", 1), 0));
        cr_assert(eq(int, setenv("GOMAXPROCS", "16", 1), 0));
        cr_assert(eq(int, shim_start(&c, "\x0a\x03opt", 5, timefmt_mono() + 10, &b, &err), 0),
                  "%s", err ? err->msg : "");
        cr_assert(eq(str, b.address, "unix:///run/containerd/s/fake"));
        cr_assert(eq(int, b.version, 2));
        shim_bootstrap_release(&b);
        argv = bundle_file("argv.txt");
        cr_assert(not(eq(int, asprintf(&want,
                                       "-namespace\ntestns\n-address\n/run/taskctl/taskctl.sock\n"
                                       "-publish-binary\n/usr/bin/taskctl\n-id\nt1\nstart\n"
                                       "cwd=%s\nTTRPC_ADDRESS=\nGOMAXPROCS=2\nsession=own\n",
                                       bundle),
                         -1)));
        cr_assert(eq(str, argv, want));
        in = bundle_file("stdin.bin");
        cr_assert(eq(str, in, "\x0a\x03opt"));
        bin = bundle_file("shim-binary-path");
        cr_assert(eq(str, bin, (char *) path));
        cr_assert(eq(int, fstatat(bundle_fd, "bootstrap.json", &st, 0), -1));
}

Test(shim, start_without_options_gives_dev_null_and_debug_flag, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *argv = NULL, *in = NULL;
        char script[2048];
        struct shim_cmd c;
        struct shim_bootstrap b = { 0 };

        (void) snprintf(script, sizeof script, "%sprintf 'unix:///run/containerd/s/fake'",
                        recorder);
        c = cmd(fake("containerd-shim-fake-v1", script));
        c.debug = true;
        c.publish_binary = NULL; /* our own executable */
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 10, &b, &err), 0));
        shim_bootstrap_release(&b);
        in = bundle_file("stdin.bin");
        cr_assert(eq(str, in, ""));
        argv = bundle_file("argv.txt");
        cr_assert(not(eq(ptr, strstr(argv, "\nt1\n-debug\nstart\n"), NULL)), "%s", argv);
        cr_assert(not(eq(ptr, strstr(argv, "-publish-binary\n/"), NULL)), "%s", argv);
}

Test(shim, start_json_v3_is_saved_and_read_back, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        char path[600];
        struct shim_cmd c;
        struct shim_bootstrap b = { 0 };

        c = cmd(fake("containerd-shim-fake-v1",
                     "printf '%s' '{\"version\":3,\"address\":\"unix:///run/containerd/s/v3\","
                     "\"protocol\":\"ttrpc\"}'"));
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 10, &b, &err), 0));
        cr_assert(eq(int, b.version, 3));
        shim_bootstrap_release(&b);
        /* the shim's own `address` file would say v2; bootstrap.json wins */
        (void) snprintf(path, sizeof path, "%s/address", bundle);
        write_file(path, "unix:///run/containerd/s/v3", 0600);
        cr_assert(eq(int, shim_read_bootstrap(bundle_fd, &b, &err), 0), "%s", err ? err->msg : "");
        cr_assert(eq(str, b.address, "unix:///run/containerd/s/v3"));
        cr_assert(eq(int, b.version, 3));
        shim_bootstrap_release(&b);
}

Test(shim, read_bootstrap_from_address_file, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct shim_bootstrap b = { 0 };
        char path[600];

        cr_assert(eq(int, shim_read_bootstrap(bundle_fd, &b, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        (void) snprintf(path, sizeof path, "%s/address", bundle);
        write_file(path, "unix:///run/containerd/s/abc", 0600);
        cr_assert(eq(int, shim_read_bootstrap(bundle_fd, &b, &err), 0));
        cr_assert(eq(str, b.address, "unix:///run/containerd/s/abc"));
        cr_assert(eq(int, b.version, 2));
        shim_bootstrap_release(&b);
}

Test(shim, start_failure_carries_exit_status_and_error_line, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct shim_cmd c;
        struct shim_bootstrap b = { 0 };

        c = cmd(fake("containerd-shim-fake-v1",
                     "printf 'io.containerd.fake.v1: open config.json: no such file' >&2; exit 1"));
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 10, &b, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg,
                     "shim start failed: exit status 1: io.containerd.fake.v1: open config.json: "
                     "no such file"));
}

Test(shim, start_hang_is_deadline_exceeded, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct shim_cmd c;
        struct shim_bootstrap b = { 0 };

        c = cmd(fake("containerd-shim-fake-v1", "exec sleep 5"));
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 0.3, &b, &err), -1));
        cr_assert(eq(int, err->kind, TC_DEADLINE_EXCEEDED));
}

Test(shim, start_grpc_shim_is_refused, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct shim_cmd c;
        struct shim_bootstrap b = { 0 };

        c = cmd(fake("containerd-shim-fake-v1",
                     "echo '{\"version\":2,\"address\":\"unix:///s/g\",\"protocol\":\"grpc\"}'"));
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 10, &b, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg,
                     "shim start: unsupported shim protocol \"grpc\" (only ttrpc is supported)"));
}

Test(shim, bundle_basename_must_be_the_id, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct shim_cmd c = cmd(fake("containerd-shim-fake-v1", "exit 0"));
        struct shim_bootstrap b = { 0 };
        char *resp = NULL;
        size_t len = 0;

        c.id = "other";
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 10, &b, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        c.id = "../t1";
        cr_assert(eq(int, shim_delete_action(&c, 0, &resp, &len, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
}

Test(shim, delete_without_runtime_file_is_nothing_to_clean, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct shim_cmd c = cmd(fake("containerd-shim-fake-v1", "touch ran; exit 1"));
        char *resp = NULL;
        size_t len = 0;
        struct stat st;

        cr_assert(eq(int, shim_delete_action(&c, 0, &resp, &len, &err), 0));
        cr_assert(eq(ptr, resp, NULL));
        cr_assert(eq(int, fstatat(bundle_fd, "ran", &st, 0), -1), "the shim must not run");
}

Test(shim, delete_returns_raw_response_bytes, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *resp = NULL, *argv = NULL, *want = NULL;
        char path[600], script[2048];
        struct shim_cmd c;
        size_t len = 0;

        (void) snprintf(path, sizeof path, "%s/runtime", bundle);
        write_file(path, "runc", 0600);
        (void) snprintf(script, sizeof script,
                        "%secho 'time=\"x\" level=warning msg=\"failed to remove runc container\"' >&2\n"
                        "printf '\\010\\000\\020\\211\\001'",
                        recorder);
        c = cmd(fake("containerd-shim-fake-v1", script));
        cr_assert(eq(int, shim_delete_action(&c, 0, &resp, &len, &err), 1), "%s",
                  err ? err->msg : "");
        cr_assert(eq(sz, len, 5));
        cr_assert(eq(int, memcmp(resp, "\x08\x00\x10\x89\x01", 5), 0));
        argv = bundle_file("argv.txt");
        cr_assert(not(eq(int, asprintf(&want, "-id\nt1\n-bundle\n%s\ndelete\ncwd=%s\n", bundle,
                                       bundle),
                         -1)));
        cr_assert(not(eq(ptr, strstr(argv, want), NULL)), "%s", argv);
}

Test(shim, delete_failure_reports_the_last_stderr_line, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        char path[600];
        struct shim_cmd c;
        char *resp = NULL;
        size_t len = 0;

        (void) snprintf(path, sizeof path, "%s/runtime", bundle);
        write_file(path, "runc", 0600);
        c = cmd(fake("containerd-shim-fake-v1",
                     "echo 'time=\"x\" level=info msg=\"starting signal loop\"' >&2\n"
                     "printf 'io.containerd.fake.v1: open options.json: bad' >&2; exit 1"));
        cr_assert(eq(int, shim_delete_action(&c, 0, &resp, &len, &err), -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg,
                     "shim delete failed: exit status 1: io.containerd.fake.v1: open options.json: "
                     "bad"));
}

Test(shim, read_binary_path, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *p = NULL;
        char path[600];

        cr_assert(eq(int, shim_read_binary_path(bundle_fd, &p, &err), -1));
        cr_assert(eq(int, err->kind, TC_NOT_FOUND));
        (void) snprintf(path, sizeof path, "%s/shim-binary-path", bundle);
        write_file(path, "/usr/bin/containerd-shim-runc-v2", 0600);
        cr_assert(eq(int, shim_read_binary_path(bundle_fd, &p, &err), 0));
        cr_assert(eq(str, p, "/usr/bin/containerd-shim-runc-v2"));
}

Test(shim, start_refuses_a_bundle_without_log, .init = setup, .fini = teardown)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct shim_cmd c = cmd(fake("containerd-shim-fake-v1", "touch ran; exit 0"));
        struct shim_bootstrap b = { 0 };
        struct stat st;

        cr_assert(eq(int, unlinkat(bundle_fd, "log", 0), 0));
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 10, &b, &err), -1));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION));
        cr_assert(eq(int, fstatat(bundle_fd, "ran", &st, 0), -1), "the shim must not run");
}
