/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Runs tests/fakeshim's binary (path in env FAKESHIM) for test_fakeshim.c,
 * in a fresh directory per test: ROOT/b/t1 is the bundle (with `log`),
 * ROOT/s the socket dir, ROOT/pids the pid file, ROOT/socks the socket log. The test process is
 * made a child subreaper, so the daemon and task processes the fake forks end up as our children:
 * every one of them can be waited for and checked by PID. None of these assert. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FAKE_NS "default"
#define FAKE_ID "t1"

struct fakerun {
        char root[64];
        char bundle[128];
        char sockdir[128];
        char pidfile[128];
        char socklog[128];
        const char *lifetime; /* FAKESHIM_MAX_LIFETIME, NULL: the default */
};

struct fakeresult {
        pid_t pid;
        bool exited; /* false: still running at the deadline (pid is live) */
        int wstatus;
        char out[4096];
        size_t out_len;
        char err[4096];
};

/* Makes the directories and the subreaper; false on failure. */
bool fakerun_init(struct fakerun *fr);
/* SIGKILLs and reaps every process in the pid file that is still an unreaped
 * child of ours, then removes the directory. */
void fakerun_cleanup(struct fakerun *fr);

/* Runs the fake with ARGV (argv[0] is replaced by the binary) in the bundle,
 * stdin /dev/null, env FAKESHIM_FAULT=FAULT (NULL: unset) and the test's
 * dirs; waits TIMEOUT seconds for it to exit. False if it could not run. */
bool fakerun_argv(struct fakerun *fr, const char *fault, const char *const *argv, double timeout,
                  struct fakeresult *ret);
/* `-namespace default -address ... -publish-binary ... -id t1 [-bundle B] ACTION` */
bool fakerun_action(struct fakerun *fr, const char *fault, const char *action, double timeout,
                    struct fakeresult *ret);

/* The last pid noted in the pid file for ROLE (start, delete, daemon,
 * task); -1 if none. */
pid_t fakerun_pid(const struct fakerun *fr, const char *role);
/* Waits up to TIMEOUT s for our child PID to end; true with its wait status. */
bool fakerun_reap(pid_t pid, double timeout, int *ret_wstatus);
/* True if /proc/PID exists and is not a zombie. */
bool fakerun_alive(pid_t pid);
/* Comm of PID from /proc/PID/stat; "" if gone. */
void fakerun_comm(pid_t pid, char buf[32]);
/* /proc/PID/cmdline with its NULs turned into spaces, trailing ones cut */
void fakerun_cmdline(pid_t pid, char buf[256]);
/* ROOT/b/t1/NAME exists */
bool fakerun_bundle_has(const struct fakerun *fr, const char *name);
/* Number of entries in the socket dir (0 if it does not exist). */
int fakerun_sockets(const struct fakerun *fr);
