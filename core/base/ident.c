/* SPDX-License-Identifier: Apache-2.0 */
#include "core/base/ident.h"

#include <string.h>

static bool alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool ident_valid(const char *s)
{
        size_t n = 0;
        bool prev_sep = true; /* a separator may not start the string */

        if (!s)
                return false;
        for (; s[n]; n++) {
                char c = s[n];

                if (n >= IDENT_MAX)
                        return false;
                if (alnum(c)) {
                        prev_sep = false;
                } else if (c == '.' || c == '_' || c == '-') {
                        if (prev_sep)
                                return false;
                        prev_sep = true;
                } else {
                        return false;
                }
        }
        return n > 0 && !prev_sep;
}

int ident_check(const char *s, const char *what, struct tc_err **err)
{
        if (!s || !*s)
                return tc_fail(err, TC_INVALID_ARGUMENT, "%s must not be empty", what);
        if (strlen(s) > IDENT_MAX)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "%s \"%.20s...\" greater than maximum length (%d characters)", what,
                               s, IDENT_MAX);
        if (!ident_valid(s))
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "%s \"%s\" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$",
                               what, s);
        return 0;
}
