/* SPDX-License-Identifier: Apache-2.0 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

void table_row(const struct table_col *cols, size_t n, const char *const *cells)
{
        for (size_t i = 0; i < n; i++) {
                const char *c = cells[i] && *cells[i] ? cells[i] : "-";

                if (i + 1 < n)
                        printf("%-*s   ", cols[i].width, c);
                else
                        printf("%s\n", c);
        }
}

void table_header(const struct table_col *cols, size_t n)
{
        const char *cells[16];

        for (size_t i = 0; i < n && i < 16; i++)
                cells[i] = cols[i].header;
        table_row(cols, n < 16 ? n : 16, cells);
}

int output_json(cJSON *item, struct tc_err **err)
{
        char *text = cJSON_Print(item);

        if (!text)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        puts(text);
        free(text);
        return 0;
}

static bool json_first;

void output_json_begin(void)
{
        json_first = true;
        fputs("[", stdout);
}

int output_json_item(cJSON *item, struct tc_err **err)
{
        char *text = cJSON_Print(item);

        if (!text)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        fputs(json_first ? "\n" : ",\n", stdout);
        fputs(text, stdout);
        free(text);
        json_first = false;
        return 0;
}

void output_json_end(void)
{
        fputs(json_first ? "]\n" : "\n]\n", stdout);
}
