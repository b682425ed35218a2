/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The detach key sequence of a terminal session, ctrl-p ctrl-q as in docker
 * and podman: the bytes typed go to the task except that sequence, which
 * detaches. A ctrl-p followed by anything else goes through with it. */

#include <stdbool.h>
#include <stddef.h>

#define DETACHKEYS_FIRST 0x10  /* ctrl-p */
#define DETACHKEYS_SECOND 0x11 /* ctrl-q */

struct detachkeys {
        bool pending; /* a ctrl-p was the last byte seen, held back */
};

/* Feeds IN; writes what goes to the task into OUT (room for LEN + 1 bytes)
 * and returns its length. Sets *DETACHED (and stops) at the sequence. */
size_t detachkeys_feed(struct detachkeys *d, const char *in, size_t len, char *out,
                       bool *detached);
