/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/base/err.h"

/* containerd's platforms.Parse + Normalize: "os[/arch[/variant]]", or a lone
 * OS or architecture (the rest taken from the host). Returns the normalized
 * "os/arch[/variant]" string, malloc'd. Invalid: TC_INVALID_ARGUMENT. */
int platform_normalize(const char *spec, char **ret, struct tc_err **err);
/* The host's platform, normalized (e.g. "linux/amd64"). */
int platform_host(char **ret, struct tc_err **err);
