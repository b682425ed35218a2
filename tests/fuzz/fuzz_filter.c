/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the filter parser (store/filter*.c). The input is one or
 * more filter strings separated by NUL bytes; each that parses is formatted,
 * reparsed and matched against a small record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/filter.h"
#include "store/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct filter *f, struct record *r)
{
        char **strv = NULL;

        (void) filter_match(f, record_field, r);
        if (filter_format(f, &strv, NULL) < 0)
                return;
        for (char **s = strv; *s; s++) {
                struct filter *g = NULL;

                /* the canonical text must parse back */
                if (filter_parse(*s, &g, NULL) < 0)
                        abort();
                filter_free(g);
                free(*s);
        }
        free(strv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = malloc(size + 1);
        const char *strs[16];
        size_t n = 0;
        struct filter *f = NULL;
        struct record *r = record_new();
        struct tc_err *err = NULL;

        if (!buf || !r)
                abort();
        memcpy(buf, data, size);
        buf[size] = '\0';
        for (char *p = buf; n < 16 && p <= buf + size; p += strlen(p) + 1)
                strs[n++] = p;
        (void) record_set_string(&r->id, "web", NULL);
        (void) record_set_string(&r->image, "docker.io/library/busybox:latest", NULL);
        (void) record_set_label(r, "a.b", "c", NULL);
        (void) record_set_label(r, "env", "prod", NULL);
        if (filter_parse(strs[0], &f, &err) == 0)
                roundtrip(f, r);
        filter_free(f);
        tc_err_free(err);
        err = NULL;
        f = NULL;
        if (filter_parse_all(strs, n, &f, &err) == 0)
                roundtrip(f, r);
        filter_free(f);
        tc_err_free(err);
        record_free(r);
        free(buf);
        return 0;
}
