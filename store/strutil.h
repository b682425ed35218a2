/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Two small helpers every store/ file uses, defined once. */

#include "core/base/err.h"

/* S, or "" for NULL. */
static inline const char *str0(const char *s)
{
        return s ? s : "";
}

/* Fails with TC_INTERNAL "out of memory"; returns -1. */
static inline int oom(struct tc_err **err)
{
        return tc_fail(err, TC_INTERNAL, "out of memory");
}
