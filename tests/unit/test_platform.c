/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "core/platform.h"

/* containerd's platforms.Parse + Normalize cases (host is linux/amd64 here) */
Test(platform, normalize_table)
{
        static const struct {
                const char *in, *out; /* out NULL: invalid */
        } rows[] = {
                { "linux/amd64", "linux/amd64" },     { "linux/x86_64", "linux/amd64" },
                { "Linux/AMD64", "linux/amd64" },     { "linux/x86-64", "linux/amd64" },
                { "linux/amd64/v1", "linux/amd64" },  { "linux/amd64/v3", "linux/amd64/v3" },
                { "linux/aarch64", "linux/arm64" },   { "linux/arm64/v8", "linux/arm64" },
                { "linux/arm64/8", "linux/arm64" },   { "linux/arm", "linux/arm/v7" },
                { "linux/armhf", "linux/arm/v7" },    { "linux/armel", "linux/arm/v6" },
                { "linux/arm/6", "linux/arm/v6" },    { "linux/i386", "linux/386" },
                { "windows/amd64", "windows/amd64" },
                { "macos/arm64", "darwin/arm64" },    { "x86_64", "linux/amd64" },
                { "aarch64", "linux/arm64" },         { "armhf", "linux/arm/v7" },
                { "linux/ppc64le", "linux/ppc64le" }, { "linux/s390x", "linux/s390x" },
                /* arm and arm64 variants: added or dropped by how many parts there are
                 * (Parse), then by Normalize */
                { "arm", "linux/arm/v7" },            { "arm64", "linux/arm64" },
                { "armel", "linux/arm/v6" },          { "i386", "linux/386" },
                { "linux/arm/7", "linux/arm/v7" },    { "linux/arm/v7", "linux/arm/v7" },
                { "linux/arm/5", "linux/arm/v5" },    { "linux/arm/8", "linux/arm/v8" },
                { "linux/arm64/v8.0", "linux/arm64" }, { "linux/arm64/9.0", "linux/arm64/v9" },
                { "linux/arm64/v9", "linux/arm64/v9" }, { "LINUX/ARM64/V8", "linux/arm64" },
                { "linux/aarch64/v8", "linux/arm64" }, { "linux/arm64/v8.2", "linux/arm64/v8.2" },
                /* an OS alone takes the host's architecture (amd64 on this machine) */
                { "linux", "linux/amd64" },           { "macos", "darwin/amd64" },
                { "windows(10.0.17763)/amd64", "windows(10.0.17763)/amd64" },
                { "windows(10.0.17763)", "windows(10.0.17763)/amd64" },
                /* two or three parts: names it does not know are accepted, as Parse */
                { "plan10/amd64", "plan10/amd64" },   { "linux/amd65", "linux/amd65" },
                { "linux/i686", "linux/i686" },       { "linux/amd64/foo", "linux/amd64/foo" },
                /* what Parse refuses */
                { "", NULL },                         { "i686", NULL },
                { "linux/amd64/v1/x", NULL },         { "a/b/c/d/e", NULL },
                { "foo", NULL },                      { "linux//amd64", NULL },
                { "linux/amd64/", NULL },             { "linux/am d64", NULL },
                { "linux/amd64@x", NULL },            { "linux/*", NULL },
                { "(1)/amd64", NULL },                { "linux(1/amd64", NULL },
                { "/amd64", NULL },                   { "lin.ux/amd64", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;
                _cleanup_free_ char *out = NULL;
                int r = platform_normalize(rows[i].in, &out, &err);

                if (rows[i].out) {
                        cr_expect(eq(int, r, 0), "%s: %s", rows[i].in, err ? err->msg : "");
                        if (r == 0)
                                cr_expect(eq(str, out, (char *) rows[i].out), "%s", rows[i].in);
                } else {
                        cr_expect(eq(int, r, -1), "%s accepted as %s", rows[i].in, out);
                        if (r < 0)
                                cr_expect(eq(int, err->kind, TC_INVALID_ARGUMENT));
                }
        }
}
