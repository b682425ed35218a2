/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"
#include "store/record.h"

/* containerd's metadata container store, one JSON file per record:
 * ROOT/containers/NS/ID.json (0600), under the namespace lock NS/.lock.
 * Errors carry the cause only ("not found", "already exists", a validation
 * text, or the file and what is wrong with it); the caller adds which
 * container and namespace. Every operation but store_list costs the same
 * whatever the number of records. */

struct store;

/* Validates NS (TC_INVALID_ARGUMENT) and keeps a duplicate of ROOT_FD. Opens
 * nothing else yet. CREATE lets store_create make ROOT/containers and
 * ROOT/containers/NS (0711) when missing, only once its record is valid; no
 * other operation ever creates anything but the lock file. A missing
 * namespace reads as empty. LOCK_TIMEOUT bounds each wait for the lock. */
int store_open(int root_fd, const char *ns, bool create, double lock_timeout, struct store **ret,
               struct tc_err **err);
void store_free(struct store *s);
void store_freep(struct store **s);

/* As containerStore.Create: sets REC's created_at = updated_at = now, validates,
 * drops empty-valued labels (as boltutil.WriteLabels), then writes the file
 * atomically and durably. TC_ALREADY_EXISTS when the ID is taken (by any
 * directory entry, even a corrupt one). */
int store_create(struct store *s, struct record *rec, struct tc_err **err);

/* TC_NOT_FOUND when missing; TC_INTERNAL naming the file when it is not a
 * regular file (a symlink is refused, never followed), unreadable, not valid
 * JSON, not a valid record, or holds another ID. */
int store_get(struct store *s, const char *id, struct record **ret_rec, struct tc_err **err);

/* As containerStore.Update: record_apply_mask (see record.h) on the stored
 * record, validated, created_at kept, updated_at = now, written back, all under
 * one LOCK_EX. RET_REC (may be NULL) gets the stored result. */
int store_update(struct store *s, const char *id, const struct record *patch,
                 const char *const *paths, size_t npaths, struct record **ret_rec,
                 struct tc_err **err);

/* Removes the record's file (whatever it is: this is also how a corrupt one is
 * cleared). TC_NOT_FOUND when missing. */
int store_delete(struct store *s, const char *id, struct tc_err **err);

/* One directory entry seen by store_list: exactly one of REC and ERROR is set. */
struct store_item {
        const char *name;         /* file name, e.g. "web.json" */
        const char *id;           /* the name without ".json" */
        const struct record *rec; /* valid until the callback returns */
        const struct tc_err *error;
};

/* Returns 0 to go on; -1 (with *err set) stops the listing, and store_list
 * then fails with that error. */
typedef int (*store_list_fn)(const struct store_item *item, void *user, struct tc_err **err);

/* Streams the namespace: the "*.json" entries (dot names skipped) are read in
 * batches of at most 64 (or 1 MiB of specs), each batch under one short
 * LOCK_SH, parsed, then handed to FN and freed, so memory does not grow with
 * the number of records and the lock is never held across FN. A bad entry
 * comes as an item with ERROR set, and the listing goes on. Sorted by ID
 * (bytewise, as bolt orders containerd's keys); only the names are held. */
int store_list(struct store *s, store_list_fn fn, void *user, struct tc_err **err);

/* Removes the temp files (".ID.json.PID") that writers killed mid-write left,
 * under LOCK_EX (which every writer holds while its temp file exists, so any
 * temp file seen then is abandoned). Scans the namespace: for cleanup jobs,
 * not for the per-record operations. */
int store_sweep_temps(struct store *s, size_t *ret_removed, struct tc_err **err);
