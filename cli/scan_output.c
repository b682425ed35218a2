/* SPDX-License-Identifier: Apache-2.0 */
/* Rows of load and cleanup: ACTION NAMESPACE ID DETAIL, as a table, a
 * streamed JSON array, or (-q) the IDs acted on. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/scan_output.h"
#include "core/base/cleanup.h"
#include "core/base/json.h"

static const struct table_col cols[] = {
        { "ACTION", 8 }, { "NAMESPACE", 12 }, { "ID", 24 }, { "DETAIL", 0 },
};

void scan_output_begin(struct scan_output *out)
{
        if (out->ctx->quiet)
                return;
        if (out->ctx->output == OUT_JSON)
                output_json_begin();
        else
                table_header(cols, ELEMENTSOF(cols));
}

void scan_output_row(const struct scan_row *row, void *user)
{
        struct scan_output *out = user;

        if (out->ctx->quiet) {
                if (out->quiet_action && strcmp(row->action, out->quiet_action) == 0)
                        printf("%s\n", row->id);
        } else if (out->ctx->output == OUT_JSON) {
                _cleanup_json_ cJSON *o = cJSON_CreateObject();

                cJSON_AddStringToObject(o, "action", row->action);
                cJSON_AddStringToObject(o, "namespace", row->ns);
                cJSON_AddStringToObject(o, "id", row->id);
                cJSON_AddStringToObject(o, "detail", row->detail ? row->detail : "");
                (void) output_json_item(o, NULL);
        } else {
                const char *cells[] = { row->action, row->ns, row->id, row->detail };

                table_row(cols, ELEMENTSOF(cols), cells);
        }
        if (row->failed)
                fprintf(stderr, "taskctl: %s %s/%s: %s\n", row->action, row->ns, row->id,
                        row->detail ? row->detail : "failed");
        (void) fflush(stdout);
}

void scan_output_end(struct scan_output *out)
{
        if (!out->ctx->quiet && out->ctx->output == OUT_JSON)
                output_json_end();
}
