/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakeshim's entry point: Go-flag argv, the environment, and the two actions
 * of a runtime-v2 shim binary, `start` and `delete` (shim-protocol.md §2.2,
 * §2.4). See fakeshim.h for the configuration.
 */
#include "tests/fakeshim/fakeshim.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"
#include "core/proto/task.pb-c.h"
#include "core/proto/wellknown.pb-c.h"

#define DEFAULT_SOCKDIR "/run/taskctl-fakeshim"
#define DEFAULT_LIFETIME 120

static const char *const fault_names[] = {
        [FAULT_NONE] = "",
        [FAULT_START_HANG] = "start-hang",
        [FAULT_START_FAIL] = "start-fail",
        [FAULT_START_GARBAGE_ADDRESS] = "start-garbage-address",
        [FAULT_REPLY_GARBAGE] = "reply-garbage",
        [FAULT_REPLY_OVERSIZE] = "reply-oversize",
        [FAULT_CREATE_FAIL] = "create-fail",
        [FAULT_CREATE_HANG] = "create-hang",
        [FAULT_DIE_MID_CALL] = "die-mid-call",
        [FAULT_DIE_AFTER_CREATE] = "die-after-create",
        [FAULT_CONNECT_REFUSE] = "connect-refuse",
        [FAULT_START_GARBAGE_AFTER_DAEMON] = "start-garbage-after-daemon",
        [FAULT_START_FAIL_AFTER_DAEMON] = "start-fail-after-daemon",
        [FAULT_START_HANG_AFTER_DAEMON] = "start-hang-after-daemon",
        [FAULT_SHIM_PID_UNWRITABLE] = "shim-pid-unwritable",
};

/* ---- helpers shared with serve.c and tasks.c ---- */

const char *fakeshim_strerror(int e, char buf[128])
{
        (void) snprintf(buf, 128, "%s", strerror(e));
        buf[0] = (char) tolower((unsigned char) buf[0]);
        return buf;
}

struct timespec fakeshim_now(void)
{
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return ts;
}

/* Appends LINE to FILE (NULL: nothing) in one short O_APPEND write, so that
 * lines from several processes never mix. */
static void note(const struct fakeshim *f, const char *file, const char *line)
{
        _cleanup_close_ int fd = -1;
        size_t len = strlen(line);

        if (!file)
                return;
        fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, line, len) != (ssize_t) len)
                fakeshim_log(f, "cannot append to %s", file);
}

void fakeshim_note_pid(const struct fakeshim *f, pid_t pid, const char *role)
{
        char line[64];

        (void) snprintf(line, sizeof line, "%d %s\n", (int) pid, role);
        note(f, f->pidfile, line);
}

void fakeshim_log(const struct fakeshim *f, const char *fmt, ...)
{
        char ts[TIMEFMT_LEN];
        va_list ap;

        timefmt_now(ts);
        va_start(ap, fmt);
        (void) fprintf(stderr, "time=\"%s\" level=info msg=\"fakeshim[%d] ", ts, (int) getpid());
        (void) vfprintf(stderr, fmt, ap);
        (void) fprintf(stderr, "\" namespace=%s id=%s\n", f->ns ? f->ns : "", f->id ? f->id : "");
        va_end(ap);
}

/* As the real shim: "<runtime>: <message>" on stderr, no newline, exit 1. */
static _Noreturn __attribute__((format(printf, 1, 2))) void die(const char *fmt, ...)
{
        va_list ap;

        (void) fprintf(stderr, "%s: ", FAKESHIM_RUNTIME);
        va_start(ap, fmt);
        (void) vfprintf(stderr, fmt, ap);
        va_end(ap);
        exit(1);
}

/* ---- argv: Go's flag package ---- */

struct flag {
        const char *name;
        const char **str; /* NULL: the bool flag */
        const char *usage;
};

static void usage(FILE *out, const char *argv0, const struct flag *flags)
{
        (void) fprintf(out, "Usage of %s:\n", argv0);
        for (const struct flag *fl = flags; fl->name; fl++)
                (void) fprintf(out, "  -%s%s\n    \t%s\n", fl->name, fl->str ? " string" : "",
                               fl->usage);
}

static _Noreturn __attribute__((format(printf, 3, 4))) void
usage_error(const char *argv0, const struct flag *flags, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void) vfprintf(stderr, fmt, ap);
        va_end(ap);
        (void) fputc('\n', stderr);
        usage(stderr, argv0, flags);
        exit(2);
}

static bool parse_bool(const char *v, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
                        *ret = strcmp(v, yes[i]) == 0;
                        return true;
                }
        }
        return false;
}

static const struct flag *flag_find(const struct flag *flags, const char *name, size_t len)
{
        for (const struct flag *fl = flags; fl->name; fl++)
                if (strlen(fl->name) == len && strncmp(fl->name, name, len) == 0)
                        return fl;
        return NULL;
}

/* Sets FL from "=VALUE" (EQ, or NULL) or the next argument; returns how many
 * arguments that took beyond the flag itself. */
static int flag_set(struct fakeshim *f, const struct flag *fl, const char *eq, const char *next,
                    const char *argv0, const struct flag *flags)
{
        if (!fl->str) {
                if (eq && !parse_bool(eq + 1, &f->debug))
                        usage_error(argv0, flags, "invalid boolean value for flag -%s: parse error",
                                    fl->name);
                if (!eq)
                        f->debug = true;
                return 0;
        }
        if (eq) {
                *fl->str = eq + 1;
                return 0;
        }
        if (!next)
                usage_error(argv0, flags, "flag needs an argument: -%s", fl->name);
        *fl->str = next;
        return 1;
}

/* Parses flags as Go's flag.Parse: "-x v", "-x=v", "--x v", bool "-x" or
 * "-x=false"; stops at "--" or the first non-flag. Returns the index of the
 * first positional argument. Errors exit 2 with the usage (0 for -h). */
static int parse_flags(int argc, char **argv, struct fakeshim *f)
{
        const struct flag flags[] = {
                {"address", &f->address, "grpc address back to main containerd"},
                {"bundle", &f->bundle, "path to the bundle if not workdir"},
                {"debug", NULL, "enable debug output in logs"},
                {"id", &f->id, "id of the task"},
                {"namespace", &f->ns, "namespace that owns the shim"},
                {"publish-binary", &f->publish_binary,
                 "path to publish binary (used for publishing events)"},
                {NULL, NULL, NULL},
        };
        int i = 1;

        for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
                const char *name = argv[i] + (argv[i][1] == '-' ? 2 : 1), *eq;
                const struct flag *fl;
                size_t len;

                if (strcmp(argv[i], "--") == 0)
                        return i + 1;
                if (name[0] == '\0' || name[0] == '-' || name[0] == '=')
                        usage_error(argv[0], flags, "bad flag syntax: %s", argv[i]);
                eq = strchr(name, '=');
                len = eq ? (size_t) (eq - name) : strlen(name);
                fl = flag_find(flags, name, len);
                if (!fl &&
                    ((len == 1 && name[0] == 'h') || (len == 4 && !strncmp(name, "help", 4)))) {
                        usage(stderr, argv[0], flags);
                        exit(0);
                }
                if (!fl)
                        usage_error(argv[0], flags, "flag provided but not defined: -%s", name);
                i += flag_set(f, fl, eq, i + 1 < argc ? argv[i + 1] : NULL, argv[0], flags);
        }
        return i;
}

static void read_env(struct fakeshim *f)
{
        const char *fault = getenv("FAKESHIM_FAULT"), *life = getenv("FAKESHIM_MAX_LIFETIME");
        const char *dir = getenv("FAKESHIM_SOCKDIR"), *pidfile = getenv("FAKESHIM_PIDFILE");
        const char *socklog = getenv("FAKESHIM_SOCKLOG");
        char *end;

        f->sockdir = dir && *dir ? dir : DEFAULT_SOCKDIR;
        f->pidfile = pidfile && *pidfile ? pidfile : NULL;
        f->socklog = socklog && *socklog ? socklog : NULL;
        f->lifetime = DEFAULT_LIFETIME;
        if (life && *life) {
                unsigned long v = strtoul(life, &end, 10);

                if (*end || v == 0 || v > 86400)
                        die("FAKESHIM_MAX_LIFETIME %s: not a number of seconds in 1..86400", life);
                f->lifetime = (unsigned) v;
        }
        f->fault = FAULT_NONE;
        if (!fault || !*fault)
                return;
        for (size_t i = 1; i < ELEMENTSOF(fault_names); i++)
                if (strcmp(fault, fault_names[i]) == 0) {
                        f->fault = (enum fault) i;
                        return;
                }
        die("unknown FAKESHIM_FAULT %s", fault);
}

/* ---- start ---- */

/* Reads stdin to EOF (start must, pitfall 2); if anything came, it must be a
 * google.protobuf.Any, as the real shim insists. */
static void read_options(void)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        Tcpb__Any *any;

        for (;;) {
                ssize_t n;

                if (len == cap) {
                        uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 4096);

                        if (!nb)
                                die("read options: out of memory");
                        buf = nb;
                }
                n = read(STDIN_FILENO, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t) n;
        }
        if (len == 0)
                return;
        any = tcpb__any__unpack(NULL, len, buf);
        if (!any)
                die("proto: cannot decode the runtime options on stdin (%zu bytes)", len);
        tcpb__any__free_unpacked(any, NULL);
}

/* <sockdir>/<16 hex>: FNV-1a 64 of "address/ns/id", the inputs of the real
 * shim's sha256 name (§3.2), short so that a test's deep tmpdir still fits
 * in sun_path. */
static void socket_path(const struct fakeshim *f, char *buf, size_t size)
{
        uint64_t h = 14695981039346656037ull;
        char key[PATH_MAX * 2];
        int n = snprintf(key, sizeof key, "%s/%s/%s", f->address ? f->address : "", f->ns, f->id);

        for (int i = 0; i < n && i < (int) sizeof key; i++)
                h = (h ^ (uint8_t) key[i]) * 1099511628211ull;
        if ((size_t) snprintf(buf, size, "%s/%016llx", f->sockdir, (unsigned long long) h) >= size)
                die("socket path in %s is too long", f->sockdir);
}

static void mkdir_parents(const char *dir)
{
        char p[PATH_MAX];
        char eb[128];

        if ((size_t) snprintf(p, sizeof p, "%s", dir) >= sizeof p)
                die("%s: path too long", dir);
        for (char *s = p + 1;; s++) {
                bool last = *s == '\0';

                if (*s != '/' && !last)
                        continue;
                *s = '\0';
                if (mkdir(p, 0700) < 0 && errno != EEXIST)
                        die("mkdir %s: %s", p, fakeshim_strerror(errno, eb));
                if (last)
                        return;
                *s = '/';
        }
}

/* A listening socket at PATH, on an fd >= 3. True with *RET_FD = -1 when a
 * live shim already serves PATH (the real shim then reuses it). */
static bool listen_at(const char *path, int *ret_fd)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int fd = -1;
        char eb[128];
        int lfd;

        (void) snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                die("socket: %s", fakeshim_strerror(errno, eb));
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0) {
                *ret_fd = -1;
                return true;
        }
        (void) unlink(path); /* stale: nobody listens */
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || chmod(path, 0600) < 0 ||
            listen(fd, 64) < 0)
                die("listen on %s: %s", path, fakeshim_strerror(errno, eb));
        lfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (lfd < 0)
                die("dup listening socket: %s", fakeshim_strerror(errno, eb));
        *ret_fd = lfd;
        return false;
}

/* ./address, atomically (.address, then rename), as the real shim */
static void write_address(const char *address)
{
        _cleanup_close_ int fd = open(".address", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        size_t len = strlen(address);
        char eb[128];

        if (fd < 0 || write(fd, address, len) != (ssize_t) len || fsync(fd) < 0 ||
            rename(".address", "address") < 0)
                die("write address: %s", fakeshim_strerror(errno, eb));
}

/* The daemon side of the fork: its own process group in start's session
 * (setpgid, as the real daemon: shim-protocol.md §2.2), stdio /dev/null, stderr the
 * bundle's `log` (O_WRONLY, never created: exit 1 without it, as the real
 * daemon), only the listening socket kept. */
static _Noreturn void daemon_main(const struct fakeshim *f, int lfd, const char *sock_path)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        int log = open("log", O_WRONLY | O_CLOEXEC);

        (void) setpgid(0, 0);
        if (null < 0 || log < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(log, 2) < 0)
                _exit(1);
        if (dup2(lfd, 3) < 0)
                _exit(1);
        (void) close_range(4, ~0u, 0);
        if (f->fault == FAULT_CONNECT_REFUSE) {
                fakeshim_log(f, "connect-refuse: exiting before serving");
                _exit(0);
        }
        serve_run(f, 3, sock_path);
}

/* The end of `start`, once the daemon serves: the faults that come after it. */
static int start_finish(const struct fakeshim *f, const char *address)
{
        switch (f->fault) {
        case FAULT_START_GARBAGE_AFTER_DAEMON:
                (void) fputs("not-an-address", stdout);
                return 0;
        case FAULT_START_FAIL_AFTER_DAEMON:
                die("injected start failure after the daemon started");
        case FAULT_START_HANG_AFTER_DAEMON:
                (void) signal(SIGALRM, SIG_DFL);
                alarm(f->lifetime); /* safety net; SIGKILL ends it sooner */
                for (;;)
                        pause();
        case FAULT_SHIM_PID_UNWRITABLE:
                if ((mkdir("shim.pid", 0700) < 0 && errno != EEXIST) ||
                    (mkdir("shim.pid/x", 0700) < 0 && errno != EEXIST))
                        die("mkdir shim.pid: %s", strerror(errno));
                break;
        case FAULT_NONE:
        case FAULT_START_HANG:
        case FAULT_START_FAIL:
        case FAULT_START_GARBAGE_ADDRESS:
        case FAULT_REPLY_GARBAGE:
        case FAULT_REPLY_OVERSIZE:
        case FAULT_CREATE_FAIL:
        case FAULT_CREATE_HANG:
        case FAULT_DIE_MID_CALL:
        case FAULT_DIE_AFTER_CREATE:
        case FAULT_CONNECT_REFUSE:
                break;
        }
        (void) fputs(address, stdout);
        return 0;
}

static int action_start(const struct fakeshim *f)
{
        char path[sizeof(((struct sockaddr_un *) 0)->sun_path)], address[sizeof path + 8], eb[128];
        bool reuse;
        int lfd;
        pid_t pid;

        if (f->fault == FAULT_START_HANG) {
                (void) signal(SIGALRM, SIG_DFL);
                alarm(f->lifetime); /* safety net; SIGKILL ends it sooner */
                for (;;)
                        pause();
        }
        read_options();
        if (f->fault == FAULT_START_FAIL)
                die("injected start failure");
        if (f->fault == FAULT_START_GARBAGE_ADDRESS) {
                (void) fputs("not-an-address", stdout);
                return 0;
        }
        socket_path(f, path, sizeof path);
        (void) snprintf(address, sizeof address, "unix://%s", path);
        mkdir_parents(f->sockdir);
        reuse = listen_at(path, &lfd);
        if (!reuse) {
                char line[sizeof path + 1];

                (void) snprintf(line, sizeof line, "%s\n", path);
                note(f, f->socklog, line);
        }
        write_address(address); /* before the daemon, as the real one */
        if (!reuse) {
                pid = fork();
                if (pid < 0)
                        die("fork: %s", fakeshim_strerror(errno, eb));
                if (pid == 0)
                        daemon_main(f, lfd, path);
                (void) close(lfd);
                fakeshim_note_pid(f, pid, "daemon");
                /* so that the refusal is certain by the time we print */
                if (f->fault == FAULT_CONNECT_REFUSE)
                        (void) waitpid(pid, NULL, 0);
        }
        return start_finish(f, address);
}

/* ---- delete ---- */

/* True if PID is alive and is our task stand-in (not a reused pid). */
static bool is_our_task(pid_t pid)
{
        char p[64], comm[32] = "", state = 0;
        _cleanup_fclose_ FILE *fp = NULL;

        (void) snprintf(p, sizeof p, "/proc/%d/stat", (int) pid);
        fp = fopen(p, "re");
        /* "pid (comm) state ...": our comm has no spaces or parentheses */
        if (!fp || fscanf(fp, "%*d (%31[^)]) %c", comm, &state) != 2)
                return false;
        return strcmp(comm, FAKESHIM_TASK_COMM) == 0 && state != 'Z' && state != 'X';
}

/* SIGKILLs our task stand-in and waits (2 s at most) until it is dead. It is
 * not our child: being dead means gone from /proc or a zombie. */
static void kill_task(pid_t pid)
{
        double end = timefmt_mono() + 2;

        if (!is_our_task(pid) || kill(pid, SIGKILL) < 0)
                return;
        while (is_our_task(pid) && timefmt_mono() < end)
                (void) usleep(10000);
}

/* The pid in BUNDLE/init.pid; -1 if there is none. */
static long read_init_pid(const char *bundle)
{
        char file[PATH_MAX + 96], buf[32];
        _cleanup_close_ int fd = -1;
        ssize_t n;

        (void) snprintf(file, sizeof file, "%s/init.pid", bundle);
        fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (n = read(fd, buf, sizeof buf - 1)) <= 0)
                return -1;
        buf[n] = '\0';
        return strtol(buf, NULL, 10);
}

/* The real one: pid -1 as a uint32 when there is no init.pid, exit status
 * 137 always, exited_at now. */
static void print_delete_response(long pid)
{
        Tcpb__DeleteResponse resp = TCPB__DELETE_RESPONSE__INIT;
        Tcpb__Timestamp at = TCPB__TIMESTAMP__INIT;
        struct timespec now = fakeshim_now();
        _cleanup_free_ uint8_t *out = NULL;
        char eb[128];
        ssize_t n;

        resp.pid = (uint32_t) pid;
        resp.exit_status = 128 + SIGKILL;
        at.seconds = now.tv_sec;
        at.nanos = (int32_t) now.tv_nsec;
        resp.exited_at = &at;
        out = malloc(tcpb__delete_response__get_packed_size(&resp));
        if (!out)
                die("encode delete response: out of memory");
        n = (ssize_t) tcpb__delete_response__pack(&resp, out);
        if (write(STDOUT_FILENO, out, (size_t) n) != n)
                die("write delete response: %s", fakeshim_strerror(errno, eb));
}

/* containerd's cleanupAfterDeadShim binary call: `runtime` must exist (no
 * Create, no cleanup: exit 1), the task process is SIGKILLed. */
static int action_delete(const struct fakeshim *f)
{
        char cwd[PATH_MAX], bundle[PATH_MAX + 80], file[PATH_MAX + 96], eb[128];
        long pid;

        /* as the real one: the bundle is dirname(cwd)/<id>, -bundle is ignored */
        if (!getcwd(cwd, sizeof cwd))
                die("getwd: %s", fakeshim_strerror(errno, eb));
        (void) snprintf(bundle, sizeof bundle, "%s/%s", dirname(cwd), f->id);
        (void) snprintf(file, sizeof file, "%s/runtime", bundle);
        if (access(file, F_OK) < 0)
                die("open %s: %s", file, fakeshim_strerror(errno, eb));
        pid = read_init_pid(bundle);
        if (pid > 0)
                kill_task((pid_t) pid);
        print_delete_response(pid);
        return 0;
}

int main(int argc, char **argv)
{
        struct fakeshim f = {.argv = argv, .argc = argc};
        const char *action;
        int i;

        i = parse_flags(argc, argv, &f);
        read_env(&f);
        action = i < argc ? argv[i] : "";
        fakeshim_note_pid(&f, getpid(), strcmp(action, "delete") == 0 ? "delete" : "start");
        if (!f.ns || !*f.ns)
                die("shim namespace cannot be empty");
        if (!f.id || !*f.id)
                die("shim id cannot be empty");
        if (strcmp(action, "start") == 0)
                return action_start(&f);
        if (strcmp(action, "delete") == 0)
                return action_delete(&f);
        die("unsupported action \"%s\": fakeshim has only start and delete", action);
}
