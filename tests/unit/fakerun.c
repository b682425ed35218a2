/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/unit/fakerun.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/timefmt.h"

extern char **environ;

bool fakerun_init(struct fakerun *fr)
{
        char b[sizeof fr->bundle];
        _cleanup_close_ int fd = -1;

        *fr = (struct fakerun){0};
        (void) snprintf(fr->root, sizeof fr->root, "/tmp/fakeshim-test.XXXXXX");
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 || !mkdtemp(fr->root))
                return false;
        (void) snprintf(b, sizeof b, "%s/b", fr->root);
        (void) snprintf(fr->bundle, sizeof fr->bundle, "%s/%s", b, FAKE_ID);
        (void) snprintf(fr->sockdir, sizeof fr->sockdir, "%s/s", fr->root);
        (void) snprintf(fr->pidfile, sizeof fr->pidfile, "%s/pids", fr->root);
        (void) snprintf(fr->socklog, sizeof fr->socklog, "%s/socks", fr->root);
        if (mkdir(b, 0711) < 0 || mkdir(fr->bundle, 0700) < 0)
                return false;
        fd = open(fr->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd >= 0 && close(openat(fd, "log", O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

void fakerun_cleanup(struct fakerun *fr)
{
        _cleanup_fclose_ FILE *f = fopen(fr->pidfile, "re");
        int pid;

        while (f && fscanf(f, "%d %*s", &pid) == 1) {
                /* only an unreaped child of ours: never a pid someone reused */
                if (waitpid(pid, NULL, WNOHANG) != 0)
                        continue;
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
        }
        if (fr->root[0])
                (void) nftw(fr->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* environ without FAKESHIM_* and TTRPC_ADDRESS, plus ours; static storage */
static char **make_env(const struct fakerun *fr, const char *fault)
{
        static char *env[512];
        static char vars[6][192];
        size_t n = 0;

        for (char **e = environ; *e && n < ELEMENTSOF(env) - 8; e++)
                if (strncmp(*e, "FAKESHIM_", 9) != 0 && strncmp(*e, "TTRPC_ADDRESS=", 14) != 0)
                        env[n++] = *e;
        (void) snprintf(vars[0], sizeof vars[0], "FAKESHIM_SOCKDIR=%s", fr->sockdir);
        (void) snprintf(vars[1], sizeof vars[1], "FAKESHIM_PIDFILE=%s", fr->pidfile);
        (void) snprintf(vars[2], sizeof vars[2], "FAKESHIM_FAULT=%s", fault ? fault : "");
        (void) snprintf(vars[3], sizeof vars[3], "FAKESHIM_MAX_LIFETIME=%s",
                        fr->lifetime ? fr->lifetime : "");
        (void) snprintf(vars[4], sizeof vars[4], "TTRPC_ADDRESS=");
        (void) snprintf(vars[5], sizeof vars[5], "FAKESHIM_SOCKLOG=%s", fr->socklog);
        for (size_t i = 0; i < ELEMENTSOF(vars); i++)
                env[n++] = vars[i];
        env[n] = NULL;
        return env;
}

/* Reads both pipes to EOF or until DEADLINE. */
static void collect(int out, int err, double deadline, struct fakeresult *r)
{
        struct pollfd p[2] = {{.fd = out, .events = POLLIN}, {.fd = err, .events = POLLIN}};
        size_t err_len = 0;

        while ((p[0].fd >= 0 || p[1].fd >= 0) && timefmt_mono() < deadline) {
                int ms = (int) ((deadline - timefmt_mono()) * 1000) + 1;

                if (poll(p, 2, ms) <= 0)
                        continue;
                for (int i = 0; i < 2; i++) {
                        char *buf = i == 0 ? r->out : r->err;
                        size_t *len = i == 0 ? &r->out_len : &err_len;
                        ssize_t n;

                        if (p[i].fd < 0 || !p[i].revents)
                                continue;
                        n = read(p[i].fd, buf + *len, sizeof r->out - 1 - *len);
                        if (n <= 0)
                                p[i].fd = -1;
                        else
                                *len += (size_t) n;
                }
        }
        r->out[r->out_len] = '\0';
        r->err[err_len] = '\0';
}

bool fakerun_argv(struct fakerun *fr, const char *fault, const char *const *argv, double timeout,
                  struct fakeresult *ret)
{
        const char *bin = getenv("FAKESHIM");
        char **env = make_env(fr, fault);
        _cleanup_close_ int out_r = -1, err_r = -1;
        int out[2], err[2];
        double deadline = timefmt_mono() + timeout;

        *ret = (struct fakeresult){.pid = -1};
        if (!bin || pipe2(out, O_CLOEXEC) < 0)
                return false;
        if (pipe2(err, O_CLOEXEC) < 0) {
                (void) close(out[0]);
                (void) close(out[1]);
                return false;
        }
        ret->pid = fork();
        if (ret->pid == 0) {
                int null = open("/dev/null", O_RDONLY);

                if (chdir(fr->bundle) == 0 && dup2(null, 0) == 0 && dup2(out[1], 1) == 1 &&
                    dup2(err[1], 2) == 2)
                        execve(bin, (char *const *) argv, env);
                _exit(127);
        }
        out_r = out[0];
        err_r = err[0];
        (void) close(out[1]);
        (void) close(err[1]);
        if (ret->pid < 0)
                return false;
        collect(out_r, err_r, deadline, ret);
        ret->exited = fakerun_reap(ret->pid, deadline - timefmt_mono(), &ret->wstatus);
        return true;
}

bool fakerun_action(struct fakerun *fr, const char *fault, const char *action, double timeout,
                    struct fakeresult *ret)
{
        const char *argv[] = {
                "fakeshim",        "-namespace", FAKE_NS, "-address", "/run/taskctl-test/none.sock",
                "-publish-binary", "/bin/false", "-id",   FAKE_ID,    "-bundle",
                fr->bundle,        action,       NULL};

        return fakerun_argv(fr, fault, argv, timeout, ret);
}

pid_t fakerun_pid(const struct fakerun *fr, const char *role)
{
        _cleanup_fclose_ FILE *f = fopen(fr->pidfile, "re");
        char r[32];
        int pid, found = -1;

        while (f && fscanf(f, "%d %31s", &pid, r) == 2)
                if (strcmp(r, role) == 0)
                        found = pid;
        return found;
}

bool fakerun_reap(pid_t pid, double timeout, int *ret_wstatus)
{
        double end = timefmt_mono() + timeout;

        do {
                pid_t r = waitpid(pid, ret_wstatus, WNOHANG);

                if (r == pid)
                        return true;
                if (r < 0)
                        return false;
                (void) usleep(10000);
        } while (timefmt_mono() < end);
        return false;
}

static char proc_state(pid_t pid, char comm[32])
{
        _cleanup_fclose_ FILE *f = NULL;
        char p[64], state = 0;

        comm[0] = '\0';
        (void) snprintf(p, sizeof p, "/proc/%d/stat", (int) pid);
        f = fopen(p, "re");
        if (!f || fscanf(f, "%*d (%31[^)]) %c", comm, &state) != 2)
                return 0;
        return state;
}

bool fakerun_alive(pid_t pid)
{
        char comm[32], s = proc_state(pid, comm);

        return s != 0 && s != 'Z' && s != 'X';
}

void fakerun_comm(pid_t pid, char buf[32])
{
        (void) proc_state(pid, buf);
}

void fakerun_cmdline(pid_t pid, char buf[256])
{
        _cleanup_close_ int fd = -1;
        char p[64];
        ssize_t n = 0;

        (void) snprintf(p, sizeof p, "/proc/%d/cmdline", (int) pid);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
                n = read(fd, buf, 255);
        n = n < 0 ? 0 : n;
        while (n > 0 && buf[n - 1] == '\0')
                n--;
        for (ssize_t i = 0; i < n; i++)
                buf[i] = buf[i] ? buf[i] : ' ';
        buf[n] = '\0';
}

bool fakerun_bundle_has(const struct fakerun *fr, const char *name)
{
        char p[256];

        (void) snprintf(p, sizeof p, "%s/%s", fr->bundle, name);
        return access(p, F_OK) == 0;
}

int fakerun_sockets(const struct fakerun *fr)
{
        _cleanup_closedir_ DIR *d = opendir(fr->sockdir);
        struct dirent *e;
        int n = 0;

        while (d && (e = readdir(d)))
                if (e->d_name[0] != '.')
                        n++;
        return n;
}
