/* SPDX-License-Identifier: Apache-2.0 */
/* Rows of load and cleanup: ACTION NAMESPACE ID DETAIL, as a table (printed
 * only when there is a row: nothing at all when there was nothing to do, so
 * that cron mails only when something happened), a JSON array or JSON lines,
 * or (-q) the key of each row (NS/ID with -A). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/scan_output.h"
#include "core/base/cleanup.h"
#include "core/base/json.h"

static const struct table_col cols[] = {
        { "ACTION", 0 }, { "NAMESPACE", 0 }, { "ID", 0 }, { "DETAIL", 0 },
};

int scan_output_begin(struct scan_output *out, struct tc_err **err)
{
        if (out->ctx->quiet)
                return 0;
        if (output_is_json(out->ctx))
                output_json_begin();
        else if (table_columns_check(cols, ELEMENTSOF(cols), err) < 0)
                return -1;
        return 0;
}

static int print_json(const struct scan_row *row)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddStringToObject(o, "action", row->action) ||
            !cJSON_AddStringToObject(o, "namespace", row->ns) ||
            !cJSON_AddStringToObject(o, "id", row->id) ||
            !cJSON_AddStringToObject(o, "detail", row->detail ? row->detail : ""))
                return -1;
        return output_json_item(o, NULL);
}

void scan_output_row(const struct scan_row *row, void *user)
{
        struct scan_output *out = user;

        /* cleanup and load print no row for a work dir left alone because its task is
         * live; only what was removed, skipped, left or failed */
        if (strcmp(row->action, "keep") == 0)
                return;
        if (out->ctx->quiet) {
                output_key(row->ns, row->id, out->all);
        } else if (output_is_json(out->ctx)) {
                if (print_json(row) < 0)
                        fprintf(stderr, "taskctl: %s %s/%s: out of memory\n", row->action,
                                row->ns, row->id);
        } else {
                const char *cells[] = { row->action, row->ns, row->id, row->detail };

                if (!out->started)
                        table_header(cols, ELEMENTSOF(cols));
                table_row(cols, ELEMENTSOF(cols), cells);
        }
        out->started = true;
        if (row->failed)
                fprintf(stderr, "taskctl: %s %s/%s: %s\n", row->action, row->ns, row->id,
                        row->detail ? row->detail : "failed");
}

void scan_output_end(struct scan_output *out)
{
        if (!out->ctx->quiet && output_is_json(out->ctx))
                output_json_end();
}
