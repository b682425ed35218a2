/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/base/err.h"
#include "core/base/ident.h"

struct cli_ctx;

/* A reference to an existing record or task as a user writes it: "ID" (in the
 * command's namespace, ctx->ns) or "NS/ID" (in namespace NS). Both parts are
 * checked with containerd's identifier rules before they become paths. */
struct cli_ref {
        char ns[IDENT_BUF];
        char id[IDENT_BUF];
};

/* Parses ARG into REF. An empty part, a second '/', or an invalid namespace or
 * ID is TC_INVALID_ARGUMENT naming ARG. */
int cli_ref_parse(const struct cli_ctx *ctx, const char *arg, struct cli_ref *ref, struct tc_err **err);

/* "NS/ID" when REF's namespace differs from ctx->ns (or ALWAYS), else "ID";
 * for messages and -q output. Returns BUF. */
const char *cli_ref_name(const struct cli_ctx *ctx, const struct cli_ref *ref, bool always, char *buf,
                         size_t size);
