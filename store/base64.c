/* SPDX-License-Identifier: Apache-2.0 */
#include "store/base64.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const unsigned char *buf, size_t len)
{
        char *out = malloc((len + 2) / 3 * 4 + 1);
        char *o = out;
        size_t i = 0;

        if (!out)
                return NULL;
        for (; i + 2 < len; i += 3) {
                uint32_t v = (uint32_t) buf[i] << 16 | (uint32_t) buf[i + 1] << 8 | buf[i + 2];

                *o++ = alphabet[v >> 18 & 63];
                *o++ = alphabet[v >> 12 & 63];
                *o++ = alphabet[v >> 6 & 63];
                *o++ = alphabet[v & 63];
        }
        if (i < len) {
                uint32_t v =
                        (uint32_t) buf[i] << 16 | (i + 1 < len ? (uint32_t) buf[i + 1] << 8 : 0);

                *o++ = alphabet[v >> 18 & 63];
                *o++ = alphabet[v >> 12 & 63];
                *o++ = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
                *o++ = '=';
        }
        *o = '\0';
        return out;
}

static int sextet(char c)
{
        const char *p = c ? strchr(alphabet, c) : NULL;

        return p ? (int) (p - alphabet) : -1;
}

/* Collects the significant characters (all but \r \n) of S into a fresh buffer. */
static char *strip_newlines(const char *s, size_t *ret_len)
{
        size_t n = strlen(s), k = 0;
        char *t = malloc(n + 1);

        if (!t)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (s[i] != '\r' && s[i] != '\n')
                        t[k++] = s[i];
        t[k] = '\0';
        *ret_len = k;
        return t;
}

/* Decodes one 4-character quantum Q into OUT; returns the number of bytes, -1 if malformed.
 * LAST says whether padding is allowed here. */
static int quantum(const char *q, bool last, unsigned char *out)
{
        int v[4], pad = 0;

        for (int j = 0; j < 4; j++) {
                if (q[j] == '=' && last && j >= 2) {
                        pad++;
                        v[j] = 0;
                        continue;
                }
                if (pad || (v[j] = sextet(q[j])) < 0)
                        return -1;
        }
        out[0] = (unsigned char) (v[0] << 2 | v[1] >> 4);
        out[1] = (unsigned char) (v[1] << 4 | v[2] >> 2);
        out[2] = (unsigned char) (v[2] << 6 | v[3]);
        return 3 - pad;
}

bool base64_decode(const char *s, unsigned char **ret_buf, size_t *ret_len, bool *ret_oom)
{
        size_t n = 0, len = 0;
        char *t = strip_newlines(s, &n);
        unsigned char *out = NULL;

        *ret_oom = false;
        if (!t || !(out = malloc(n / 4 * 3 + 1))) {
                free(t);
                *ret_oom = true;
                return false;
        }
        if (n % 4 != 0)
                goto bad;
        for (size_t i = 0; i < n; i += 4) {
                int k = quantum(t + i, i + 4 == n, out + len);

                if (k < 0)
                        goto bad;
                len += (size_t) k;
        }
        free(t);
        *ret_buf = out;
        *ret_len = len;
        return true;
bad:
        free(t);
        free(out);
        return false;
}
