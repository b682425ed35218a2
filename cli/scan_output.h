/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "cli/cli.h"
#include "core/scanrow.h"

struct scan_output {
        struct cli_ctx *ctx;
        bool all;     /* -A: -q prints NS/ID */
        bool started; /* a row was printed */
};

/* An unknown --format column is refused here, before anything is done. */
int scan_output_begin(struct scan_output *out, struct tc_err **err);
void scan_output_row(const struct scan_row *row, void *user); /* a scan_row_fn */
void scan_output_end(struct scan_output *out);
