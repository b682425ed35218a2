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
                { "linux/i686", "linux/386" },        { "windows/amd64", "windows/amd64" },
                { "macos/arm64", "darwin/arm64" },    { "x86_64", "linux/amd64" },
                { "aarch64", "linux/arm64" },         { "armhf", "linux/arm/v7" },
                { "linux/ppc64le", "linux/ppc64le" }, { "linux/s390x", "linux/s390x" },
                { "", NULL },                         { "plan10/amd64", NULL },
                { "linux/amd65", NULL },              { "linux/amd64/v1/x", NULL },
                { "foo", NULL },                      { "linux//amd64", NULL },
                { "linux/amd64/", NULL },             { "linux/am d64", NULL },
                { "linux/amd64@x", NULL },
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
