/* SPDX-License-Identifier: Apache-2.0 */
/* NS/ID references (docs/layout.md, Names): what `-A -q` prints can be fed back. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/ref.h"

int cli_ref_parse(const struct cli_ctx *ctx, const char *arg, struct cli_ref *ref, struct tc_err **err)
{
        const char *slash = strchr(arg, '/');
        const char *ns = ctx->ns, *id = arg;
        size_t ns_len = strlen(ctx->ns);

        if (slash) {
                ns = arg;
                ns_len = (size_t) (slash - arg);
                id = slash + 1;
                if (ns_len == 0 || ns_len > IDENT_MAX || !*id || strchr(id, '/'))
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "%s: not an ID or NS/ID (one '/' between a namespace and an ID)",
                                       arg);
        }
        memcpy(ref->ns, ns, ns_len);
        ref->ns[ns_len] = '\0';
        if (ident_check(ref->ns, "namespace", err) < 0)
                return tc_wrap(err, "%s", arg);
        if (ident_check(id, ctx->ref_what ? ctx->ref_what : "container id", err) < 0)
                return -1;
        strcpy(ref->id, id); /* ident_check bounds it to IDENT_MAX */
        return 0;
}

void output_key(const char *ns, const char *id, bool all_ns)
{
        /* a line per record of a listing: no formatting */
        if (all_ns) {
                fputs(ns, stdout);
                putchar('/');
        }
        puts(id);
}

const char *cli_ref_name(const struct cli_ctx *ctx, const struct cli_ref *ref, bool always, char *buf,
                         size_t size)
{
        if (always || (ctx && strcmp(ref->ns, ctx->ns) != 0))
                snprintf(buf, size, "%s/%s", ref->ns, ref->id);
        else
                snprintf(buf, size, "%s", ref->id);
        return buf;
}
