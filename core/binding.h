/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "core/base/err.h"
#include "core/bundle.h"

/* Which STATE goes with which ROOT, in which boot (docs/layout.md, "The
 * binding"): ROOT/binding.json and STATE/binding.json hold the same object
 * {"root", "state", "boot_id", "token"}, written (atomically, 0600) by the
 * commands that create tasks. The token is new each time a pair is bound, so
 * that a STATE made anew at the same path (a PrivateTmp view of /tmp) does
 * not pass for the one the ROOT was bound to. */
#define BINDING_FILE "binding.json"
/* ROOT/.binding.lock: flock held while create records the pair */
#define BINDING_LOCK ".binding.lock"

/* For create: refuses (TC_FAILED_PRECONDITION) a pair that contradicts a
 * binding of this boot whose other directory still exists; otherwise records
 * the pair in both directories unless it is recorded already (under
 * ROOT/.binding.lock, waited for at most TIMEOUT seconds). */
int binding_record(const struct bundle_roots *r, double timeout, struct tc_err **err);

/* For load and cleanup, before they change anything. R->state_fd is -1 when
 * STATE does not exist (R->state_path is then the path as given). Refuses
 * with TC_FAILED_PRECONDITION, naming both directories and the fix, when the
 * pair does not match, when STATE is missing in the boot it was bound in, or
 * when a bundle's `work` link points outside ROOT. A ROOT bound in another
 * boot passes (swept as after a reboot). A ROOT with no binding (an older
 * taskctl made it) is adopted when STATE shows it belongs (a bundle linking
 * into ROOT, or a STATE binding naming it in this boot; written unless
 * DRY_RUN), passes when it has no work dir, and is refused otherwise. An
 * error other than ENOENT reading STATE/tasks is an error, never "no
 * bundles". */
int binding_check(const struct bundle_roots *r, bool dry_run, struct tc_err **err);
