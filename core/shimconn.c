/* SPDX-License-Identifier: Apache-2.0 */
#include "core/shimconn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/log.h"
#include "core/base/timefmt.h"

void shimconn_init(struct shimconn *sc, const struct bundle_roots *roots, const char *ns,
                   const char *id)
{
        memset(sc, 0, sizeof *sc);
        sc->roots = roots;
        (void) snprintf(sc->ns, sizeof sc->ns, "%s", ns);
        (void) snprintf(sc->id, sizeof sc->id, "%s", id);
}

static int cmd_fill(const struct shimconn *sc, const struct bundle *b, const char *binary,
                    char **ret_address, struct shim_cmd *ret, struct tc_err **err)
{
        if (shim_grpc_address(sc->roots->state_path, ret_address, err) < 0)
                return -1;
        *ret = (struct shim_cmd){
                .binary = binary,
                .ns = sc->ns,
                .id = sc->id,
                .address = *ret_address,
                .bundle_fd = b->fd,
                .bundle_path = b->path,
                .debug = log_get_level() >= LOG_LVL_DEBUG,
        };
        return 0;
}

int shimconn_start(struct shimconn *sc, const struct bundle *b, const char *binary,
                   const void *options, size_t options_len, double timeout, struct tc_err **err)
{
        _cleanup_free_ char *address = NULL;
        struct shim_cmd cmd;

        if (cmd_fill(sc, b, binary, &address, &cmd, err) < 0)
                return -1;
        shim_bootstrap_release(&sc->boot);
        return shim_start(&cmd, options, options_len, timefmt_mono() + timeout, &sc->boot, err);
}

/* Field 22 of /proc/PID/stat (the start time); false for a process that is
 * gone or a zombie. */
/* Reads field 22 (start time) of /proc/PID/stat; with LIVE_ONLY a zombie or
 * dead process counts as gone. */
static bool proc_stat_start(int pid, bool live_only, unsigned long long *ret_start)
{
        char path[64], stat[1024], *p;
        _cleanup_close_ int fd = -1;
        ssize_t len;

        (void) snprintf(path, sizeof path, "/proc/%d/stat", pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (len = read(fd, stat, sizeof stat - 1)) < 0)
                return false;
        stat[len] = '\0';
        p = strrchr(stat, ')'); /* "pid (comm) S ...": the fields follow the last ')' */
        if (!p || p[1] != ' ' || (live_only && (p[2] == 'Z' || p[2] == 'X')))
                return false;
        p += 2; /* field 3 */
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return false;
                p++;
        }
        *ret_start = strtoull(p, NULL, 10);
        return true;
}

static bool proc_live_start(int pid, unsigned long long *ret_start)
{
        return proc_stat_start(pid, true, ret_start);
}

/* Whether /proc/PID/cmdline carries -namespace NS, -id ID and -address ADDRESS. */
static bool cmdline_names(int pid, const char *ns, const char *id, const char *address)
{
        _cleanup_free_ char *cmdline = NULL;
        bool ns_ok = false, id_ok = false, addr_ok = false;
        char path[64];
        size_t len = 0;

        (void) snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
        if (fs_read_at(AT_FDCWD, path, 1 << 16, &cmdline, &len, NULL) < 0)
                return false;
        for (size_t i = 0; i < len; i += strlen(cmdline + i) + 1) {
                const char *a = cmdline + i, *v = i + strlen(a) + 1 < len ? a + strlen(a) + 1 : "";

                if (strcmp(a, "-namespace") == 0 || strcmp(a, "--namespace") == 0)
                        ns_ok = ns_ok || strcmp(v, ns) == 0;
                if (strcmp(a, "-id") == 0 || strcmp(a, "--id") == 0)
                        id_ok = id_ok || strcmp(v, id) == 0;
                if (strcmp(a, "-address") == 0 || strcmp(a, "--address") == 0)
                        addr_ok = addr_ok || strcmp(v, address) == 0;
        }
        return ns_ok && id_ok && addr_ok;
}

bool shimconn_pid_is_ours(const struct shimconn *sc, int pid, unsigned long long start)
{
        _cleanup_free_ char *address = NULL;
        unsigned long long now;

        if (pid <= 1 || !proc_live_start(pid, &now) || (start && now != start))
                return false;
        if (shim_grpc_address(sc->roots->state_path, &address, NULL) < 0)
                return false;
        return cmdline_names(pid, sc->ns, sc->id, address);
}

/* After Connect: shim.pid and shim.start name the process that answered. */
static int record_shim(struct bundle *b, uint32_t shim_pid, struct tc_err **err)
{
        unsigned long long start = 0;
        int known = 0;

        if (!proc_live_start((int) shim_pid, &start))
                start = 0; /* gone already: nothing to record about it */
        if (bundle_read_shim_pid(b, &known, NULL) < 0 || known != (int) shim_pid) {
                if (bundle_write_shim_pid(b, (int) shim_pid, err) < 0)
                        return -1;
        } else if (bundle_read_shim_start(b) == start) {
                return 0;
        }
        return start ? bundle_write_shim_start(b, start, err) : 0;
}

/* The address (from start, or the bundle), dialled, with the namespace and the
 * shim's task service set: no call sent yet. */
static int dial(struct shimconn *sc, struct bundle *b, double deadline, struct tc_err **err)
{
        if (!sc->boot.address) {
                _cleanup_(tc_err_freep) struct tc_err *e = NULL;

                if (shim_read_bootstrap(b->fd, &sc->boot, &e) < 0) {
                        if (tc_err_is(e, TC_NOT_FOUND))
                                return tc_fail(err, TC_UNAVAILABLE, "shim not started (no address)");
                        return tc_fail(err, TC_INTERNAL, "unreadable shim address in the bundle");
                }
        }
        if (ttrpc_dial(sc->boot.address, deadline, &sc->conn, err) < 0 ||
            ttrpc_set_namespace(sc->conn, sc->ns, err) < 0)
                return -1;
        sc->api.conn = sc->conn;
        sc->api.service = taskapi_service_for_version(sc->boot.version);
        return 0;
}

int shimconn_dial(struct shimconn *sc, struct bundle *b, double timeout, struct tc_err **err)
{
        return dial(sc, b, timefmt_mono() + timeout, err);
}

int shimconn_connect(struct shimconn *sc, struct bundle *b, double timeout, struct tc_err **err)
{
        double deadline = timefmt_mono() + timeout;
        uint32_t task_pid = 0;

        if (dial(sc, b, deadline, err) < 0)
                return -1;
        if (taskapi_connect(&sc->api, sc->id, deadline, &sc->shim_pid, &task_pid, err) < 0) {
                sc->task_pid = 0;
                sc->hung = err && *err && (*err)->kind == TC_DEADLINE_EXCEEDED;
                return tc_wrap(err, "shim connect");
        }
        sc->task_pid = task_pid;
        /* only under the task lock: get, list, kill and wait do not hold it,
         * and a write racing a delete or create would leave a stale file */
        return sc->locked ? record_shim(b, sc->shim_pid, err) : 0;
}

/* Whether the SIGKILLed process PID (started at START) may still hold its
 * socket open: it exists, zombie or not, and ADDRESS still accepts. */
static bool killed_still_holds(int pid, unsigned long long start, const char *address)
{
        unsigned long long now = 0;

        /* no socket known: nothing will be removed, a zombie is gone enough */
        if (!proc_stat_start(pid, !address, &now) || (start && now != start))
                return false;
        return !address || shim_address_listens(address);
}

/* The shim exits ~50 ms after a Shutdown it accepts; one that ignored it
 * (a task still inside) or hangs is killed, as containerd's shim.Delete does. */
static void ensure_shim_gone(const struct shimconn *sc, const struct bundle *b,
                             const struct teardown_bounds *bounds)
{
        int pid = (int) sc->shim_pid;
        double t0 = timefmt_mono(), now;
        double wait = bounds->exit_wait < bounds->call ? bounds->exit_wait : bounds->call;
        /* a hung shim was sent no Shutdown: nothing to wait for */
        double deadline = t0 + (sc->hung ? 0 : wait);
        /* the pid is signalled only while it is still the process recorded */
        unsigned long long start = bundle_read_shim_start(b);

        if (!pid && bundle_read_shim_pid((struct bundle *) b, &pid, NULL) < 0)
                return;
        /* every 1 ms at first (it is a few ms; each look is two small /proc
         * reads), every 10 ms after 100 ms */
        while (shimconn_pid_is_ours(sc, pid, start) && (now = timefmt_mono()) < deadline)
                nanosleep(&(struct timespec){ 0, now - t0 < 0.1 ? 1000000 : 10000000 }, NULL);
        if (!shimconn_pid_is_ours(sc, pid, start))
                return;
        if (!start)
                (void) proc_live_start(pid, &start);
        log_info("shim pid %d did not exit: killing it", pid);
        (void) kill(pid, SIGKILL);
        /* SIGKILL lands asynchronously, and a big process (a sanitizer build's
         * shadow memory) takes a while to unmap before its files close: until
         * then its socket still listens, and shim_remove_socket() would rightly
         * refuse to remove it. The wait is on the process (this start time,
         * zombie or not) and its socket, not on shimconn_pid_is_ours: the
         * kernel drops the command line (exit_mm) before it closes the files
         * (exit_files), so the name check turns false while the socket is
         * still open. A zombie nobody reaps with its socket closed ends it. */
        deadline = timefmt_mono() + bounds->kill_wait;
        while (killed_still_holds(pid, start, sc->boot.address) && timefmt_mono() < deadline)
                nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
}

static void run_delete_action(struct shimconn *sc, const struct bundle *b, const char *binary,
                              double bound)
{
        _cleanup_free_ char *address = NULL, *resp = NULL;
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        struct shim_cmd cmd;
        size_t len = 0;

        if (!binary)
                return;
        if (cmd_fill(sc, b, binary, &address, &cmd, &e) < 0 ||
            shim_delete_action(&cmd, timefmt_mono() + bound, &resp, &len, &e) < 0) {
                log_warn("shim delete action for %s: %s", sc->id, e ? e->msg : "failed");
        }
}

/* Teardown talks to the shim on a connection of its own: the one a failed
 * call used may be out of step (a reply cut short, oversized or undecodable
 * leaves it unusable), and a shim whose Connect reply was broken is known
 * only by its socket. A shim that does not accept gets no calls (conn NULL). */
static int dial_ns(const struct shimconn *sc, const char *address, double bound,
                   struct ttrpc_conn **ret)
{
        if (ttrpc_dial(address, timefmt_mono() + bound, ret, NULL) < 0 ||
            ttrpc_set_namespace(*ret, sc->ns, NULL) < 0) {
                ttrpc_conn_free(*ret);
                *ret = NULL;
                return -1;
        }
        return 0;
}

static void teardown_redial(struct shimconn *sc, const struct bundle *b, double bound)
{
        struct ttrpc_conn *fresh = NULL;

        if (!sc->boot.address)
                (void) shim_read_bootstrap(b->fd, &sc->boot, NULL);
        if (sc->boot.address && dial_ns(sc, sc->boot.address, bound, &fresh) < 0) {
                struct shim_bootstrap saved = { 0 };

                /* `start` may have printed garbage that parsed as an address
                 * while the shim wrote its real one to the bundle's `address` */
                if (shim_read_bootstrap(b->fd, &saved, NULL) == 0 &&
                    strcmp(saved.address, sc->boot.address) != 0 &&
                    dial_ns(sc, saved.address, bound, &fresh) == 0) {
                        shim_bootstrap_release(&sc->boot);
                        sc->boot = saved;
                } else {
                        shim_bootstrap_release(&saved);
                }
        }
        ttrpc_conn_free(sc->conn);
        sc->conn = fresh;
        sc->api.conn = fresh;
        sc->api.service = taskapi_service_for_version(sc->boot.version);
}

void shimconn_teardown(struct shimconn *sc, const struct bundle *b, const char *binary,
                       bool clean, const struct teardown_bounds *bounds)
{
        _cleanup_(tc_err_freep) struct tc_err *e = NULL;
        double bound = bounds->call;
        int pid = (int) sc->shim_pid;

        /* a shim that let Connect time out would let Delete and Shutdown time out
         * too: when its pid is known, go straight to killing it */
        if (sc->hung && (pid || bundle_read_shim_pid((struct bundle *) b, &pid, NULL) == 0) &&
            pid > 0) {
                sc->shim_pid = (uint32_t) pid;
                ttrpc_conn_free(sc->conn);
                sc->conn = sc->api.conn = NULL;
        } else {
                teardown_redial(sc, b, bound);
        }
        if (sc->conn && !sc->shim_pid) {
                /* a create that failed before its Connect (start printed garbage,
                 * or was killed): the daemon's pid, so that ensure_shim_gone can
                 * kill it if it ignores Shutdown */
                if (taskapi_connect(&sc->api, sc->id, timefmt_mono() + bound, &sc->shim_pid, NULL,
                                    &e) < 0) {
                        log_info("shim connect during teardown: %s", e->msg);
                        tc_err_freep(&e);
                        teardown_redial(sc, b, bound);
                }
        }
        if (sc->conn) {
                struct taskapi_deleted del;

                if (taskapi_delete(&sc->api, sc->id, timefmt_mono() + bound, &del, &e) < 0 &&
                    e->kind != TC_NOT_FOUND)
                        teardown_redial(sc, b, bound); /* its reply may have broken it too */
                tc_err_freep(&e);
        }
        if (sc->conn) {
                if (taskapi_shutdown(&sc->api, sc->id, false, timefmt_mono() + bound, &e) < 0) {
                        log_info("shim shutdown: %s", e->msg);
                        tc_err_freep(&e);
                }
                ttrpc_close(sc->conn);
        }
        ensure_shim_gone(sc, b, bounds);
        if (!clean)
                run_delete_action(sc, b, binary, bounds->delete_action);
        if (sc->boot.address && shim_remove_socket(sc->boot.address, &e) < 0)
                log_info("%s", e->msg);
}

void shimconn_release(struct shimconn *sc)
{
        ttrpc_conn_free(sc->conn);
        sc->conn = NULL;
        shim_bootstrap_release(&sc->boot);
}
