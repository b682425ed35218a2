/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"

/* Where every runtime-v2 shim puts its socket, whatever our STATE dir is. */
#define SHIM_SOCKET_DIR "/run/containerd/s"

/* What `start` printed, or what the bundle remembers of it. */
struct shim_bootstrap {
        char *address; /* "unix:///run/containerd/s/<64 hex>"; no "unix://": abstract */
        int version;   /* task API: 2 = containerd.task.v2.Task, 3 = containerd.task.v3.Task */
};
void shim_bootstrap_release(struct shim_bootstrap *b);

/* Runtime name -> shim binary, as containerd's resolveRuntimePath: an absolute
 * path is used once stat() succeeds; otherwise "a.b.NAME.VERSION" ->
 * containerd-shim-NAME-VERSION, searched on $PATH (absolute entries only).
 * A bad name is TC_INVALID_ARGUMENT, a missing binary TC_UNAVAILABLE. */
int shim_resolve_binary(const char *runtime, char **ret_path, struct tc_err **err);

/* The -address we give every shim: "<state>/taskctl.sock". The 1.6 runc shim
 * never dials it, but it is the first input of the socket name hash
 * (sha256(address/ns/id)), so it must be stable for a STATE dir: it keeps our
 * shims apart from containerd's own (and from another STATE's) for the same
 * ns/id, and lets a repeated `start` find the shim already serving that task.
 * STATE_PATH must be absolute and canonical (what the CLI resolved). */
int shim_grpc_address(const char *state_path, char **ret_address, struct tc_err **err);

/* One invocation of the shim binary for a task. */
struct shim_cmd {
        const char *binary;         /* from shim_resolve_binary() */
        const char *ns;
        const char *id;
        const char *address;        /* from shim_grpc_address() */
        const char *publish_binary; /* NULL: our own executable (/proc/self/exe) */
        int bundle_fd;              /* the bundle directory: the shim's cwd */
        const char *bundle_path;    /* its absolute path; basename must be ID */
        bool debug;                 /* -debug: the daemon logs at debug level */
};

/* Runs `<shim> -namespace NS -address A -publish-binary EXE -id ID [-debug] start`
 * in the bundle, in a new session, stdin = OPTIONS (an encoded
 * google.protobuf.Any, the runtime options) or /dev/null when OPTIONS_LEN is 0,
 * environment = ours with TTRPC_ADDRESS= (empty: no daemon takes events) and
 * GOMAXPROCS=2. Bounded by DEADLINE (timefmt_mono clock). Returns the
 * bootstrap and writes `shim-binary-path` (and `bootstrap.json` when the shim
 * printed the JSON form) into the bundle. A non-zero exit is TC_UNAVAILABLE
 * "shim start failed: exit status N: <the shim's error line>".
 * On failure after the shim wrote <bundle>/address, that file still names the
 * shim for the caller's rollback. The bundle's `log` must be a regular file
 * (bundle_new makes it): otherwise TC_FAILED_PRECONDITION, nothing is run. */
int shim_start(const struct shim_cmd *c, const void *options, size_t options_len, double deadline,
               struct shim_bootstrap *ret, struct tc_err **err);

/* containerd's cleanupAfterDeadShim binary call:
 * `<shim> -namespace NS -address A -publish-binary EXE -id ID -bundle PATH [-debug] delete`
 * in the bundle (the shim takes the bundle from its cwd), stdin /dev/null,
 * bounded by DEADLINE (0: BOUND_SHIM_CLEANUP from now, core/bounds.h). Returns 1 with the
 * raw stdout, a binary DeleteResponse for taskapi to decode (its exit_status
 * is always a made-up 137). Returns 0 with nothing when <bundle>/runtime is
 * missing: Create never reached runc, so there is nothing to clean (and the
 * shim would fail on it). A non-zero exit is TC_UNAVAILABLE. */
int shim_delete_action(const struct shim_cmd *c, double deadline, char **ret_resp,
                       size_t *ret_len, struct tc_err **err);

/* Parses `start`'s stdout: trimmed, either a plain address (version 2) or the
 * JSON {"version":2|3,"address":"...","protocol":"ttrpc"} of newer shims.
 * Anything else (other protocol, version, bad JSON) is TC_UNAVAILABLE. */
int shim_parse_bootstrap(const char *out, size_t len, struct shim_bootstrap *ret,
                         struct tc_err **err);
/* From the bundle: bootstrap.json if there is one, else `address`.
 * Neither is TC_NOT_FOUND. */
int shim_read_bootstrap(int bundle_fd, struct shim_bootstrap *ret, struct tc_err **err);
/* The shim binary the bundle was started with (`shim-binary-path`). */
int shim_read_binary_path(int bundle_fd, char **ret_path, struct tc_err **err);

/* "unix:///run/containerd/s/x" -> "/run/containerd/s/x". An address without
 * "unix://" names an abstract socket: RET_PATH is then the name (the dialer
 * puts the leading NUL) and *ret_abstract true. */
int shim_socket_path_from_address(const char *address, char **ret_path, bool *ret_abstract,
                                  struct tc_err **err);
/* Removes the socket file of a dead shim: only a socket directly under
 * SHIM_SOCKET_DIR, never one that still accepts connections
 * (TC_FAILED_PRECONDITION), never through a symlink. Missing is success. */
/* Whether a server still accepts on ADDRESS's socket (false for an abstract
 * address, which has nothing on disk to remove). */
bool shim_address_listens(const char *address);
int shim_remove_socket(const char *address, struct tc_err **err);
