/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "cli/cli.h"
#include "core/scanrow.h"

struct scan_output {
        struct cli_ctx *ctx;
        const char *quiet_action; /* with -q, print the IDs of rows with this action */
};

void scan_output_begin(struct scan_output *out);
void scan_output_row(const struct scan_row *row, void *user); /* a scan_row_fn */
void scan_output_end(struct scan_output *out);
