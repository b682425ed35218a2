/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"

#define CONFIG_DEFAULT_PATH "/etc/taskctl/config.json"
#define CONFIG_DEFAULT_RUNTIME "io.containerd.runc.v2"

/* /etc/taskctl/config.json: {"root", "state", "platforms", "default_runtime", "timeout"} */
struct config {
        char *root;            /* NULL: not set */
        char *state;           /* NULL: not set */
        char **platforms;      /* normalized; NULL-terminated; never empty after config_load */
        size_t n_platforms;
        char *default_runtime; /* never NULL after config_load */
        double timeout;        /* 0: not set */
};

/* Loads PATH. A missing file is fine when !REQUIRED (defaults only). Unknown
 * keys, wrong types, an invalid platform or timeout: TC_INVALID_ARGUMENT. */
int config_load(const char *path, bool required, struct config *ret, struct tc_err **err);
/* Parses a config document already in memory (for tests). */
int config_parse(const char *text, struct config *ret, struct tc_err **err);
void config_release(struct config *c);
