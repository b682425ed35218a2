/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <cjson/cJSON.h>

static inline void cjson_freep(cJSON **p)
{
        cJSON_Delete(*p);
}

#define _cleanup_json_ __attribute__((cleanup(cjson_freep)))
