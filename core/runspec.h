/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "core/base/err.h"

/* The OCI spec `run --rootfs DIR ID -- CMD` uses: containerd's default spec
 * for Linux (oci.populateDefaultUnixSpec, as `runc spec` too): pid, ipc,
 * uts, mount and network namespaces, /proc /dev /dev/pts /dev/shm
 * /dev/mqueue /sys mounts, the default capabilities, masked and read-only
 * paths; root.path "rootfs", hostname ID; its process is ARGS (NULL-ended,
 * at least one) with TERMINAL. JSON text, malloc'd. */
int runspec_default(const char *id, char *const *args, bool terminal, char **ret_json,
                    struct tc_err **err);
