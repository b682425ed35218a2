/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "core/config.h"

Test(config, defaults_and_values)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct config c;

        cr_assert(eq(int, config_parse("{}", &c, &err), 0));
        cr_assert(eq(str, c.default_runtime, "io.containerd.runc.v2"));
        cr_assert(eq(sz, c.n_platforms, 1));
        cr_assert(eq(ptr, c.root, NULL));
        config_release(&c);
        cr_assert(eq(int,
                     config_parse("{\"root\":\"/r\",\"state\":\"/s\",\"platforms\":[\"x86_64\","
                                  "\"linux/aarch64\"],\"default_runtime\":\"io.x.y.v1\","
                                  "\"timeout\":2.5}",
                                  &c, &err),
                     0));
        cr_assert(eq(str, c.root, "/r"));
        cr_assert(eq(str, c.state, "/s"));
        cr_assert(eq(sz, c.n_platforms, 2));
        cr_assert(eq(str, c.platforms[0], "linux/amd64"));
        cr_assert(eq(str, c.platforms[1], "linux/arm64"));
        cr_assert(eq(str, c.default_runtime, "io.x.y.v1"));
        cr_assert(eq(dbl, c.timeout, 2.5));
        config_release(&c);
}

Test(config, invalid_documents)
{
        static const char *const bad[] = {
                "",
                "[]",
                "{\"root\": 1}",
                "{\"root\": \"\"}",
                "{\"platforms\": \"linux\"}",
                "{\"platforms\": [\"linux/amd64\", \"nope\"]}", /* nope/nope: Parse takes it */
                "{\"timeout\": 0}",
                "{\"timeout\": \"10\"}",
                "{\"bogus\": true}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;
                struct config c;

                cr_expect(eq(int, config_parse(bad[i], &c, &err), -1), "%s", bad[i]);
                if (err)
                        cr_expect(eq(int, err->kind, TC_INVALID_ARGUMENT), "%s", bad[i]);
        }
}

Test(config, missing_file)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct config c;

        cr_assert(eq(int, config_load("/nonexistent/taskctl.json", false, &c, &err), 0));
        config_release(&c);
        cr_assert(eq(int, config_load("/nonexistent/taskctl.json", true, &c, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
}
