/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/* One output row of load or cleanup: ACTION NAMESPACE ID DETAIL. The actions
 * are listed in load.h (load) and sweep.h (cleanup); cli/scan_output.c prints
 * them. */
struct scan_row {
        const char *action;
        const char *ns;
        const char *id;
        const char *detail;
        bool failed; /* counts towards exit 1 */
};
typedef void (*scan_row_fn)(const struct scan_row *row, void *user);

/* Where a scan sends its rows, counting the failed ones. */
struct scan_sink {
        scan_row_fn fn;
        void *user;
        unsigned failed;
};

static inline void scan_emit(struct scan_sink *out, const char *action, const char *ns,
                             const char *id, const char *detail, bool failed)
{
        struct scan_row row = { action, ns, id, detail, failed };

        if (failed)
                out->failed++;
        out->fn(&row, out->user);
}
