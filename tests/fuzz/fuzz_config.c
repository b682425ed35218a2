/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the config parser (core/config.c) and, through it and
 * directly, the platform parser (core/platform.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);
        struct config c = {0};
        struct tc_err *err = NULL;
        char *p = NULL;

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        if (config_parse(s, &c, &err) == 0 && (!c.default_runtime || c.n_platforms == 0))
                abort();
        config_release(&c);
        tc_err_free(err);
        err = NULL;
        if (platform_normalize(s, &p, &err) == 0) {
                char *q = NULL;

                /* normalizing is idempotent */
                if (platform_normalize(p, &q, NULL) < 0 || strcmp(p, q) != 0)
                        abort();
                free(q);
        }
        free(p);
        tc_err_free(err);
        free(s);
        return 0;
}
