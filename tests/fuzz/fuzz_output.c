/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the JSON printer (cli/output.c). Any bytes are laid out
 * without a crash or a hang, pretty and compact; and a spec the strict check
 * accepts, printed inside a record straight from the record
 * (record_json_print), gives the bytes json_print gives for the record's text
 * (record_json_text). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/record.h"
#include "store/spec_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *printed_text(const char *text, size_t len, bool pretty, int depth)
{
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        if (!f || json_print(f, text, len, pretty, depth) < 0 || fclose(f) != 0)
                abort();
        return buf;
}

static char *printed_record(const struct record *r, const char *ns, bool pretty, int depth)
{
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        if (!f || record_json_print(f, r, ns, pretty, depth) < 0 || fclose(f) != 0)
                abort();
        return buf;
}

static void same_as_text(const char *spec, size_t len)
{
        struct record *r = record_new();
        char *text = NULL;
        size_t tlen = 0;

        if (!r || !(r->id = strdup("c1")) || !(r->spec = spec_text_compact(spec, len)) ||
            record_set_label(r, "k", spec, NULL) < 0 ||
            record_json_text(r, "ns", &text, &tlen, NULL) < 0)
                abort();
        for (int form = 0; form < 2; form++) {
                char *want = printed_text(text, tlen, form == 0, form == 0 ? 1 : 0);
                char *got = printed_record(r, "ns", form == 0, form == 0 ? 1 : 0);

                if (strcmp(want, got) != 0) {
                        fprintf(stderr, "record_json_print differs:\n%s\n%s\n", want, got);
                        abort();
                }
                free(want);
                free(got);
        }
        free(text);
        record_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *) data;

        free(printed_text(text, size, true, 1));
        free(printed_text(text, size, false, 0));
        if (size > 0 && size < 65536 && data[0] == '{' && !memchr(data, '\0', size) &&
            spec_text_strict(text, size)) {
                char *copy = strndup(text, size); /* the label needs a C string */

                if (!copy)
                        abort();
                same_as_text(copy, size);
                free(copy);
        }
        return 0;
}
