/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the record decoder (store/record_json.c). A record that
 * decodes is validated, encoded and decoded again; the second encoding must
 * equal the first. The decoder's fast path (the spec kept as text) and its
 * slow one (cJSON's whole tree) must agree: both fail with the same message,
 * or both give the same record; and the encoder writes the bytes cJSON's
 * printer would. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "store/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* record_to_text writes what cJSON_PrintUnformatted(record_to_json()) would. */
static void same_as_cjson(const struct record *r, const char *text, size_t len)
{
        cJSON *j = record_to_json(r);
        char *s = j ? cJSON_PrintUnformatted(j) : NULL;

        if (!s)
                abort();
        if (strlen(s) + 1 != len || memcmp(s, text, len - 1) != 0 || text[len - 1] != '\n') {
                fprintf(stderr, "record_to_text differs from cJSON:\n%s\n%.*s\n", s, (int) len, text);
                abort();
        }
        cJSON_free(s);
        cJSON_Delete(j);
}

static void roundtrip(const struct record *r)
{
        char *t1 = NULL, *t2 = NULL;
        size_t l1 = 0, l2 = 0;
        struct record *r2 = NULL;
        struct tc_err *err = NULL;

        (void) record_validate(r, NULL);
        if (record_to_text(r, &t1, &l1, NULL) < 0)
                return;
        same_as_cjson(r, t1, l1);
        if (record_from_json(t1, l1, &r2, &err) < 0) {
                /* what we write must read back */
                fprintf(stderr, "written record does not read back: %s\n%.*s\n", err->msg,
                        (int) l1, t1);
                abort();
        }
        if (record_to_text(r2, &t2, &l2, NULL) < 0)
                abort();
        if (l1 != l2 || memcmp(t1, t2, l1) != 0)
                abort();
        record_free(r2);
        free(t1);
        free(t2);
}

/* The fast and the slow decoder agree on TEXT. */
static void same_both_ways(const char *text, size_t len, const struct record *fast,
                           const struct tc_err *fast_err)
{
        struct record *slow = NULL;
        struct tc_err *slow_err = NULL;
        char *t1 = NULL, *t2 = NULL;
        size_t l1 = 0, l2 = 0;

        if ((record_from_json_slow(text, len, &slow, &slow_err) == 0) != (fast != NULL))
                abort();
        if (!fast) {
                if (strcmp(fast_err->msg, slow_err->msg) != 0)
                        abort();
                tc_err_free(slow_err);
                return;
        }
        if (record_to_text(fast, &t1, &l1, NULL) == 0 &&
            (record_to_text(slow, &t2, &l2, NULL) < 0 || l1 != l2 || memcmp(t1, t2, l1) != 0))
                abort();
        free(t1);
        free(t2);
        record_free(slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct record *r = NULL;
        struct record_any any = {0};
        struct tc_err *err = NULL;

        if (record_from_json((const char *) data, size, &r, &err) == 0)
                roundtrip(r);
        same_both_ways((const char *) data, size, r, err);
        record_free(r);
        tc_err_free(err);
        err = NULL;
        if (record_any_from_json((const char *) data, size, "options", &any, &err) == 0)
                record_any_release(&any);
        tc_err_free(err);
        return 0;
}
