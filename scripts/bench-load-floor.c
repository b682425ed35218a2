/* SPDX-License-Identifier: Apache-2.0 */
/* The floor of scripts/bench-load: what `taskctl load` cannot avoid doing on
 * the same tree, in one process, with no locks, no mount checks, no safety.
 *   dry:  list the bundles; per bundle: list it (empty?), read its record and
 *         its address; a shim whose socket exists gets one ttrpc Connect round
 *         trip (how load knows it is alive); then list the work dirs.
 *   real: the same, then per bundle with a dead shim the shim binary's
 *         `delete` call exactly as taskctl makes it (argv, cwd, environment),
 *         2 event lines appended with fdatasync each, and rm -rf of every
 *         bundle and work dir that load removes.
 * Prints "shim delete seconds S": the time spent in the shim binary.
 * Usage: bench-load-floor dry|real ROOT STATE NS SHIM_BINARY TASKCTL */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *ns, *shim, *taskctl;

static double mono(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static ssize_t read_file(int dfd, const char *name, char *buf, size_t size)
{
        int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -1;
        n = read(fd, buf, size - 1);
        close(fd);
        if (n >= 0)
                buf[n] = '\0';
        return n;
}

static bool dir_empty(int dfd, const char *name)
{
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        struct dirent *de;
        bool empty = true;

        if (!d)
                return false;
        while (empty && (de = readdir(d)))
                empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
        closedir(d);
        return empty;
}

/* protobuf length-delimited field */
static size_t pb_bytes(uint8_t *out, int field, const void *data, size_t len)
{
        size_t n = 0;

        out[n++] = (uint8_t) (field << 3 | 2);
        while (len >= 0x80) {
                out[n++] = (uint8_t) (len | 0x80);
                len >>= 7;
        }
        out[n++] = (uint8_t) len;
        memcpy(out + n, data, len);
        return n + len;
}

static bool read_full(int fd, uint8_t *buf, size_t len)
{
        while (len > 0) {
                ssize_t k = read(fd, buf, len);

                if (k <= 0)
                        return false;
                buf += k;
                len -= (size_t) k;
        }
        return true;
}

/* One ttrpc Connect round trip: true if the shim answered. */
static bool shim_connect(const char *address, const char *id)
{
        static uint8_t resp[1 << 16];
        uint8_t meta[256], inner[128], req[1024], head[10];
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path = strncmp(address, "unix://", 7) == 0 ? address + 7 : address;
        size_t m, p, n = 0;
        uint32_t len;
        bool ok;
        int fd;

        if (access(path, F_OK) < 0 || strlen(path) >= sizeof sa.sun_path)
                return false;
        strcpy(sa.sun_path, path);
        m = pb_bytes(meta, 1, "containerd-namespace-ttrpc", 26);
        m += pb_bytes(meta + m, 2, ns, strlen(ns));
        p = pb_bytes(inner, 1, id, strlen(id));
        n += pb_bytes(req + n, 1, "containerd.task.v2.Task", 23);
        n += pb_bytes(req + n, 2, "Connect", 7);
        n += pb_bytes(req + n, 3, inner, p);
        n += pb_bytes(req + n, 5, meta, m);
        head[0] = (uint8_t) (n >> 24), head[1] = (uint8_t) (n >> 16);
        head[2] = (uint8_t) (n >> 8), head[3] = (uint8_t) n;
        head[4] = head[5] = head[6] = 0, head[7] = 1; /* stream 1 */
        head[8] = 1, head[9] = 0;                      /* request, no flags */
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        ok = connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0 &&
             write(fd, head, 10) == 10 && write(fd, req, n) == (ssize_t) n &&
             read_full(fd, head, 10);
        len = (uint32_t) head[0] << 24 | (uint32_t) head[1] << 16 | (uint32_t) head[2] << 8 | head[3];
        ok = ok && len <= sizeof resp && read_full(fd, resp, len);
        close(fd);
        return ok;
}

static void rm_rf(int dfd, const char *name)
{
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        struct dirent *de;

        if (!d) {
                if (fd >= 0)
                        close(fd);
                (void) unlinkat(dfd, name, 0);
                return;
        }
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
                        if (de->d_type == DT_DIR)
                                rm_rf(dirfd(d), de->d_name);
                        else
                                (void) unlinkat(dirfd(d), de->d_name, 0);
                }
        closedir(d);
        (void) unlinkat(dfd, name, AT_REMOVEDIR);
}

static double shim_delete(const char *bundle, const char *address, const char *id)
{
        char *argv[] = { (char *) shim, "-namespace", (char *) ns, "-address", (char *) address,
                         "-publish-binary", (char *) taskctl, "-id", (char *) id, "-bundle",
                         (char *) bundle, "delete", NULL };
        double t0 = mono();
        pid_t pid = fork();
        int st;

        if (pid == 0) {
                int nul = open("/dev/null", O_RDWR);

                dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
                setsid();
                setenv("TTRPC_ADDRESS", "", 1);
                setenv("GOMAXPROCS", "2", 1);
                if (chdir(bundle) == 0)
                        execv(shim, argv);
                _exit(127);
        }
        if (pid > 0)
                (void) waitpid(pid, &st, 0);
        return mono() - t0;
}

static void event_pair(int events_fd, const char *id)
{
        static const char *const topics[] = { "/tasks/exit", "/tasks/delete" };
        char line[512];
        int fd = openat(events_fd, "floor.jsonl", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

        for (int i = 0; fd >= 0 && i < 2; i++) {
                int n = snprintf(line, sizeof line,
                                 "{\"time\":\"%.9f\",\"namespace\":\"%s\",\"topic\":\"%s\","
                                 "\"id\":\"%s\",\"pid\":0,\"exit_status\":null,"
                                 "\"detail\":\"shim dead\"}\n",
                                 mono(), ns, topics[i], id);

                if (write(fd, line, (size_t) n) != n || fdatasync(fd) < 0)
                        break;
        }
        if (fd >= 0)
                close(fd);
}

struct floor {
        int bundles_fd, works_fd, records_fd, events_fd;
        const char *state;
        bool real;
        unsigned live, dead, removed;
        double shim_seconds;
};

/* What load does with one bundle, at the floor. */
static void visit(struct floor *f, const char *id)
{
        char path[4096], buf[4096], addr[4096];
        bool remove = false, is_dead = false;
        int bfd;

        if (dir_empty(f->bundles_fd, id)) {
                remove = true;
        } else {
                bool rec, alive;

                snprintf(path, sizeof path, "%s.json", id);
                rec = read_file(f->records_fd, path, buf, sizeof buf) >= 0;
                bfd = openat(f->bundles_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                alive = bfd >= 0 && read_file(bfd, "address", addr, sizeof addr) > 0 &&
                        (addr[strcspn(addr, "\n")] = '\0', shim_connect(addr, id));
                if (bfd >= 0)
                        close(bfd);
                remove = !rec || !alive;
                is_dead = rec && !alive;
                f->live += rec && alive;
        }
        if (!f->real || !remove)
                return;
        if (is_dead) {
                snprintf(path, sizeof path, "%s/tasks/%s/%s", f->state, ns, id);
                f->shim_seconds += shim_delete(path, addr, id);
                event_pair(f->events_fd, id);
                f->dead++;
        }
        rm_rf(f->bundles_fd, id);
        rm_rf(f->works_fd, id);
        f->removed++;
}

/* Opens DIR/SUB/NS. */
static int open_dir(const char *dir, const char *sub)
{
        char path[4096];

        snprintf(path, sizeof path, "%s/%s/%s", dir, sub, ns);
        return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int main(int argc, char **argv)
{
        struct floor f = { .events_fd = -1 };
        struct dirent *de;
        DIR *d;

        if (argc != 7) {
                fprintf(stderr, "usage: bench-load-floor dry|real ROOT STATE NS SHIM TASKCTL\n");
                return 2;
        }
        f.real = strcmp(argv[1], "real") == 0;
        f.state = argv[3];
        ns = argv[4], shim = argv[5], taskctl = argv[6];
        f.bundles_fd = open_dir(argv[3], "tasks");
        f.works_fd = open_dir(argv[2], "tasks");
        f.records_fd = open_dir(argv[2], "containers");
        if (f.real) {
                char path[4096];

                snprintf(path, sizeof path, "%s/events", argv[2]);
                (void) mkdir(path, 0711);
                f.events_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (f.bundles_fd < 0 || f.works_fd < 0 || f.records_fd < 0 ||
            (f.real && f.events_fd < 0) || !(d = fdopendir(dup(f.bundles_fd)))) {
                perror("bench-load-floor");
                return 1;
        }
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        visit(&f, de->d_name);
        closedir(d);
        d = fdopendir(dup(f.works_fd)); /* the sweep's listing */
        while (d && readdir(d))
                ;
        if (d)
                closedir(d);
        printf("live %u dead %u removed %u\n", f.live, f.dead, f.removed);
        printf("shim delete seconds %.6f\n", f.shim_seconds);
        return 0;
}
