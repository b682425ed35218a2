/* SPDX-License-Identifier: Apache-2.0 */
#include "core/detachkeys.h"

size_t detachkeys_feed(struct detachkeys *d, const char *in, size_t len, char *out,
                       bool *detached)
{
        size_t n = 0;

        *detached = false;
        for (size_t i = 0; i < len; i++) {
                char c = in[i];

                if (d->pending) {
                        d->pending = false;
                        if (c == DETACHKEYS_SECOND) {
                                *detached = true;
                                return n;
                        }
                        out[n++] = DETACHKEYS_FIRST;
                }
                if (c == DETACHKEYS_FIRST)
                        d->pending = true;
                else
                        out[n++] = c;
        }
        return n;
}
