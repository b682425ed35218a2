/* SPDX-License-Identifier: Apache-2.0 */
/* core/shim and core/bundle against the real containerd-shim-runc-v2 (root,
 * Debian's containerd, runc and busybox-static). Connecting over ttrpc is not
 * this module's job: the daemon is found as the holder of the listening
 * socket. The test is a child subreaper, so the daemon that `start` leaves
 * behind becomes our child: we kill it by pid and reap it. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/timefmt.h"
#include "core/bundle.h"
#include "core/proc.h"
#include "core/shim.h"


static char tmp[] = "/tmp/tc-real-XXXXXX";
/* the namespace, unique per run: runc keeps its state per namespace and ID for
 * the whole host (/run/containerd/runc/NS/ID: this test passes the shim no root) */
static char ns[64];
static char state[256], rootdir[256], rootfs[256], id[64];
static struct bundle_roots roots = { -1, -1, state, rootdir };
static char *shim_bin, *address;
static char started[128]; /* the shim address, for teardown after a failed assertion */

static void copy_file(const char *from, const char *to, mode_t mode)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int fd;

        cr_assert(eq(int, fs_read_at(AT_FDCWD, from, 64 << 20, &buf, &len, &err), 0));
        fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        cr_assert(fd >= 0);
        cr_assert(eq(int, write_all(fd, buf, len), 0));
        (void) close(fd);
}

/* A busybox rootfs: /bin/busybox plus the applets we use. */
static void make_rootfs(void)
{
        static const char *const applets[] = { "sh", "sleep", "true" };
        char path[512];

        (void) snprintf(rootfs, sizeof rootfs, "%s/rootfs", tmp);
        cr_assert(eq(int, mkdir(rootfs, 0755), 0));
        (void) snprintf(path, sizeof path, "%s/bin", rootfs);
        cr_assert(eq(int, mkdir(path, 0755), 0));
        (void) snprintf(path, sizeof path, "%s/bin/busybox", rootfs);
        copy_file("/bin/busybox", path, 0755);
        for (size_t i = 0; i < ELEMENTSOF(applets); i++) {
                (void) snprintf(path, sizeof path, "%s/bin/%s", rootfs, applets[i]);
                cr_assert(eq(int, symlink("busybox", path), 0));
        }
}

/* `runc spec` in a scratch dir (no shell), then args, terminal and root. */
static char *make_spec(void)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *raw = NULL;
        char dir[300];
        char *argv[] = { "runc", "spec", "--bundle", dir, NULL };
        struct proc_spec s = { .path = "/usr/sbin/runc", .argv = argv, .dir_fd = -1 };
        struct proc_result r;
        cJSON *j, *proc, *root;
        const char *args[] = { "/bin/sleep", "30" };
        char path[400], *out;

        (void) snprintf(dir, sizeof dir, "%s/spec", tmp);
        cr_assert(eq(int, mkdir(dir, 0755), 0));
        cr_assert(eq(int, proc_run(&s, timefmt_mono() + 10, &r, &err), 0));
        cr_assert(proc_status_ok(r.status), "runc spec: %s", r.err);
        proc_result_release(&r);
        (void) snprintf(path, sizeof path, "%s/config.json", dir);
        cr_assert(eq(int, fs_read_at(AT_FDCWD, path, 1 << 20, &raw, NULL, &err), 0));
        j = cJSON_Parse(raw);
        proc = cJSON_GetObjectItem(j, "process");
        root = cJSON_GetObjectItem(j, "root");
        cr_assert(not(eq(ptr, proc, NULL)));
        cr_assert(not(eq(ptr, root, NULL)));
        cJSON_ReplaceItemInObject(proc, "args", cJSON_CreateStringArray(args, 2));
        cJSON_ReplaceItemInObject(proc, "terminal", cJSON_CreateFalse());
        cJSON_ReplaceItemInObject(root, "path", cJSON_CreateString(rootfs));
        out = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        return out;
}

static void setup(void)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        cr_assert(eq(int, prctl(PR_SET_CHILD_SUBREAPER, 1), 0));
        cr_assert(not(eq(ptr, mkdtemp(tmp), NULL)));
        (void) snprintf(state, sizeof state, "%s/state", tmp);
        (void) snprintf(rootdir, sizeof rootdir, "%s/root", tmp);
        (void) snprintf(id, sizeof id, "real-%d", (int) getpid());
        (void) snprintf(ns, sizeof ns, "tctest-%d", (int) getpid());
        cr_assert(eq(int, mkdir(state, 0755), 0));
        cr_assert(eq(int, mkdir(rootdir, 0755), 0));
        roots.state_fd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        roots.root_fd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        make_rootfs();
        cr_assert(eq(int, shim_resolve_binary("io.containerd.runc.v2", &shim_bin, &err), 0),
                  "%s", err ? err->msg : "");
        cr_assert(eq(int, shim_grpc_address(state, &address, &err), 0));
}

/* Every process that came to us as subreaper, killed by its pid and reaped. */
static void end_children(void)
{
        char path[128];
        _cleanup_fclose_ FILE *f = NULL;
        int pid;

        (void) snprintf(path, sizeof path, "/proc/self/task/%d/children", (int) getpid());
        f = fopen(path, "re");
        while (f && fscanf(f, "%d", &pid) == 1) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
        }
}

static void teardown(void)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_close_ int fd = open("/run/containerd/runc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        end_children();
        if (started[0])
                (void) shim_remove_socket(started, &err);
        if (fd >= 0)
                (void) unlinkat(fd, ns, AT_REMOVEDIR); /* made by the delete action's runc */
        (void) close(roots.state_fd);
        (void) close(roots.root_fd);
        (void) fs_rmtree_at(AT_FDCWD, tmp, NULL, &err);
        free(shim_bin);
        free(address);
}

static struct shim_cmd cmd_for(const struct bundle *b)
{
        return (struct shim_cmd){ .binary = shim_bin,
                                  .ns = ns,
                                  .id = b->id,
                                  .address = address,
                                  .bundle_fd = b->fd,
                                  .bundle_path = b->path };
}

/* The sockfs inode of the socket listening on PATH, from /proc/net/unix. */
static unsigned long listening_inode(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/net/unix", "re");
        char line[512], p[300];
        unsigned long ino;

        cr_assert(not(eq(ptr, f, NULL)));
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %299s", &ino, p) == 2 &&
                    strcmp(p, path) == 0)
                        return ino;
        return 0;
}

static bool holds_socket(int pid, unsigned long ino)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        char path[64], want[64], buf[64];

        (void) snprintf(path, sizeof path, "/proc/%d/fd", pid);
        (void) snprintf(want, sizeof want, "socket:[%lu]", ino);
        d = opendir(path);
        while (d && (de = readdir(d))) {
                ssize_t n = readlinkat(dirfd(d), de->d_name, buf, sizeof buf - 1);

                if (n > 0 && (buf[n] = '\0', strcmp(buf, want) == 0))
                        return true;
        }
        return false;
}

/* The shim daemon serving SOCK. SO_PEERCRED would name `start`, which made
 * the socket and has exited; the daemon is the process holding it, and as
 * subreaper we have it among our children. RET_N counts those children. */
static pid_t daemon_pid(const char *sock, int *ret_n)
{
        unsigned long ino = listening_inode(sock);
        char path[128];
        _cleanup_fclose_ FILE *f = NULL;
        int pid, found = 0;

        cr_assert(gt(ulong, ino, 0UL), "nobody listens on %s", sock);
        (void) snprintf(path, sizeof path, "/proc/self/task/%d/children", (int) getpid());
        f = fopen(path, "re");
        *ret_n = 0;
        while (f && fscanf(f, "%d", &pid) == 1) {
                (*ret_n)++;
                if (holds_socket(pid, ino))
                        found = pid;
        }
        return found;
}

static unsigned long long varint(const unsigned char *p, size_t n, size_t *i)
{
        unsigned long long v = 0;

        for (int shift = 0; *i < n && shift < 64; shift += 7) {
                unsigned char c = p[(*i)++];

                v |= (unsigned long long) (c & 0x7f) << shift;
                if (!(c & 0x80))
                        break;
        }
        return v;
}

/* Varint field FIELD of a protobuf message; -1 if absent. */
static long long pb_varint(const unsigned char *p, size_t n, unsigned field)
{
        size_t i = 0;

        while (i < n) {
                unsigned long long key = varint(p, n, &i), v;

                switch (key & 7) {
                case 0:
                        v = varint(p, n, &i);
                        if (key >> 3 == field)
                                return (long long) v;
                        break;
                case 1:
                        i += 8;
                        break;
                case 2:
                        i += varint(p, n, &i);
                        break;
                case 5:
                        i += 4;
                        break;
                default:
                        return -1;
                }
        }
        return -1;
}

Test(shim_real, start_peercred_kill_and_clean_up, .init = setup, .fini = teardown,
     .timeout = 60)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        _cleanup_free_ char *spec = make_spec(), *sock = NULL, *saved = NULL, *resp = NULL;
        _cleanup_close_ int pidfd = -1;
        struct shim_bootstrap boot = { 0 }, again = { 0 }, read_back = { 0 };
        struct shim_cmd c;
        char link[64], exe[PATH_MAX];
        struct stat st;
        size_t len = 0;
        int status = 0, children = 0;
        ssize_t n;
        pid_t pid;

        cr_assert(eq(int, bundle_new(&roots, ns, id, spec, strlen(spec), &b, &err), 0));
        c = cmd_for(b);
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 10, &boot, &err), 0), "%s",
                  err ? err->msg : "");
        (void) snprintf(started, sizeof started, "%s", boot.address);
        cr_assert(eq(int, strncmp(boot.address, "unix://" SHIM_SOCKET_DIR "/", 25), 0), "%s",
                  boot.address);
        cr_assert(eq(sz, strlen(boot.address), 89));
        cr_assert(eq(int, boot.version, 2));
        cr_assert(eq(int, shim_socket_path_from_address(boot.address, &sock, NULL, &err), 0));
        cr_assert(eq(int, lstat(sock, &st), 0));
        cr_assert(eq(u32, st.st_mode & S_IFMT, S_IFSOCK));
        cr_assert(eq(int, shim_read_bootstrap(b->fd, &read_back, &err), 0));
        cr_assert(eq(str, read_back.address, boot.address));
        cr_assert(eq(int, shim_read_binary_path(b->fd, &saved, &err), 0));
        cr_assert(eq(str, saved, shim_bin));

        /* the daemon holds the socket; it is the shim binary */
        pid = daemon_pid(sock, &children);
        cr_assert(gt(int, pid, 1));
        cr_assert(eq(int, children, 1));
        (void) snprintf(link, sizeof link, "/proc/%d/exe", (int) pid);
        n = readlink(link, exe, sizeof exe - 1);
        cr_assert(gt(int, (int) n, 0));
        exe[n] = '\0';
        cr_assert(eq(str, exe, shim_bin));
        pidfd = pidfd_open(pid, 0);
        cr_assert(pidfd >= 0);

        /* a second start finds the shim already serving this task */
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 10, &again, &err), 0));
        cr_assert(eq(str, again.address, boot.address));
        cr_assert(eq(int, daemon_pid(sock, &children), pid));
        cr_assert(eq(int, children, 1), "a second daemon was started");

        /* a live socket is never removed */
        cr_assert(eq(int, shim_remove_socket(boot.address, &err), -1));
        cr_assert(eq(int, err->kind, TC_FAILED_PRECONDITION));

        /* Create never ran: nothing to clean, the binary is not even run */
        cr_assert(eq(int, shim_delete_action(&c, 0, &resp, &len, &err), 0));

        /* kill the daemon by its pid; as subreaper we reap it */
        cr_assert(eq(int, pidfd_send_signal(pidfd, SIGKILL, NULL, 0), 0));
        cr_assert(eq(int, waitpid(pid, &status, 0), pid));
        cr_assert(eq(int, WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGKILL));
        cr_assert(eq(int, lstat(sock, &st), 0), "SIGKILL leaves the socket behind");
        cr_assert(eq(int, shim_remove_socket(boot.address, &err), 0), "%s", err ? err->msg : "");
        cr_assert(eq(int, lstat(sock, &st), -1));

        cr_assert(eq(int, bundle_delete(b, &err), 0), "%s", err ? err->msg : "");
        cr_assert(eq(int, lstat(b->path, &st), -1));
        cr_assert(eq(int, lstat(b->work_path, &st), -1));
        shim_bootstrap_release(&boot);
        shim_bootstrap_release(&again);
        shim_bootstrap_release(&read_back);
}

Test(shim_real, delete_action_returns_a_delete_response, .init = setup, .fini = teardown,
     .timeout = 60)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        _cleanup_free_ char *spec = make_spec(), *resp = NULL;
        struct shim_cmd c;
        size_t len = 0;

        cr_assert(eq(int, bundle_new(&roots, ns, id, spec, strlen(spec), &b, &err), 0));
        /* as if Create had run: `runtime` names runc, no runc container exists */
        cr_assert(eq(int, fs_replace(b->fd, "runtime", "runc", 4, 0600, &err), 0));
        c = cmd_for(b);
        cr_assert(eq(int, shim_delete_action(&c, 0, &resp, &len, &err), 1), "%s",
                  err ? err->msg : "");
        /* DeleteResponse{pid, exit_status = 137 (made up), exited_at} */
        cr_assert(eq(i64, pb_varint((unsigned char *) resp, len, 2), 137));
        cr_assert(eq(int, bundle_delete(b, &err), 0));
}

Test(shim_real, start_failures_carry_the_shim_error, .init = setup, .fini = teardown,
     .timeout = 60)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(bundle_freep) struct bundle *b = NULL;
        _cleanup_free_ char *spec = make_spec();
        /* google.protobuf.Any{type_url: "example.Bogus"} */
        static const char bogus[] = "\x0a\x0d"
                                    "example.Bogus";
        struct shim_bootstrap boot = { 0 };
        struct shim_cmd c;

        cr_assert(eq(int, bundle_new(&roots, ns, id, spec, strlen(spec), &b, &err), 0));
        c = cmd_for(b);
        cr_assert(eq(int, shim_start(&c, bogus, sizeof bogus - 1, timefmt_mono() + 10, &boot, &err),
                     -1));
        cr_assert(eq(int, err->kind, TC_UNAVAILABLE));
        cr_assert(eq(str, err->msg,
                     "shim start failed: exit status 1: io.containerd.runc.v2: type with url "
                     "example.Bogus: not found"));
        /* the shim removed its socket itself; `address` stays */
        cr_assert(eq(int, shim_read_bootstrap(b->fd, &boot, &err), 0));
        cr_assert(eq(int, shim_remove_socket(boot.address, &err), 0));
        shim_bootstrap_release(&boot);

        cr_assert(eq(int, unlinkat(b->fd, "config.json", 0), 0));
        cr_assert(eq(int, shim_start(&c, NULL, 0, timefmt_mono() + 10, &boot, &err), -1));
        cr_assert(eq(str, err->msg,
                     "shim start failed: exit status 1: io.containerd.runc.v2: open config.json: "
                     "no such file or directory"));
        cr_assert(eq(int, bundle_delete(b, &err), 0));
}
