/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base/json.h"

#include <pthread.h>

static pthread_mutex_t parse_mu = PTHREAD_MUTEX_INITIALIZER;

cJSON *json_parse(const char *text, size_t len, const char **ret_end, bool null_terminated)
{
        cJSON *j;

        pthread_mutex_lock(&parse_mu);
        j = cJSON_ParseWithLengthOpts(text, len, ret_end, null_terminated);
        pthread_mutex_unlock(&parse_mu);
        return j;
}
