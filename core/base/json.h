/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

static inline void cjson_freep(cJSON **p)
{
        cJSON_Delete(*p);
}

#define _cleanup_json_ __attribute__((cleanup(cjson_freep)))

/* cJSON_ParseWithLengthOpts, serialised: cJSON's parser writes a global error
 * position on every call, and load and list parse in worker threads. */
cJSON *json_parse(const char *text, size_t len, const char **ret_end, bool null_terminated);
