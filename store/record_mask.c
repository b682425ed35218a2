/* SPDX-License-Identifier: Apache-2.0 */
/* The field mask of containerd's metadata containerStore.Update. */
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "store/record.h"
#include "store/strutil.h"

static const char *after_prefix(const char *s, const char *prefix)
{
        size_t n = strlen(prefix);

        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* "labels.K": the patch's value of K, or (as containerd's map lookup of a
 * missing key yields "", which boltutil.WriteLabels does not store) removal. */
static int mask_label(struct record *next, const struct record *patch, const char *key,
                      struct tc_err **err)
{
        const char *v = record_label(patch, key);

        if (!v) {
                (void) record_unset_label(next, key);
                return 0;
        }
        return record_set_label(next, key, v, err);
}

/* "extensions.K": the patch's extension K, or removal when the patch has none.
 * (containerd would store an empty Any there; a removal is what a caller means.) */
static int mask_extension(struct record *next, const struct record *patch, const char *name,
                          struct tc_err **err)
{
        const struct record_any *a = record_extension(patch, name);

        if (!a) {
                (void) record_unset_extension(next, name);
                return 0;
        }
        return record_set_extension(next, name, a, err);
}

/* Moves PATCH's whole map into NEXT by rebuilding it through the setters. */
static int replace_labels(struct record *next, const struct record *patch, struct tc_err **err)
{
        while (next->n_labels > 0)
                (void) record_unset_label(next, next->labels[0].key);
        for (size_t i = 0; i < patch->n_labels; i++)
                if (record_set_label(next, patch->labels[i].key, patch->labels[i].value, err) < 0)
                        return -1;
        return 0;
}

static int replace_extensions(struct record *next, const struct record *patch, struct tc_err **err)
{
        while (next->n_extensions > 0)
                (void) record_unset_extension(next, next->extensions[0].name);
        for (size_t i = 0; i < patch->n_extensions; i++)
                if (record_set_extension(next, patch->extensions[i].name, &patch->extensions[i].any,
                                         err) < 0)
                        return -1;
        return 0;
}

static int replace_spec(struct record *next, const struct record *patch, struct tc_err **err)
{
        char *copy = NULL;

        if (patch->spec && !(copy = strdup(patch->spec)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        free(next->spec);
        next->spec = copy;
        return 0;
}

static int mask_one(struct record *next, const struct record *patch, const char *path,
                    struct tc_err **err)
{
        const char *key;

        if ((key = after_prefix(path, "labels.")))
                return mask_label(next, patch, key, err);
        if ((key = after_prefix(path, "extensions.")))
                return mask_extension(next, patch, key, err);
        if (strcmp(path, "labels") == 0)
                return replace_labels(next, patch, err);
        if (strcmp(path, "spec") == 0)
                return replace_spec(next, patch, err);
        if (strcmp(path, "extensions") == 0)
                return replace_extensions(next, patch, err);
        if (strcmp(path, "image") == 0)
                return record_set_string(&next->image, patch->image, err);
        if (strcmp(path, "snapshotkey") == 0 || strcmp(path, "snapshot_key") == 0) /* as the JSON */
                return record_set_string(&next->snapshot_key, patch->snapshot_key, err);
        return tc_fail(err, TC_INVALID_ARGUMENT, "cannot update \"%s\" field on \"%s\"", path,
                       str0(next->id));
}

int record_apply_mask(struct record *cur, const struct record *patch, const char *const *paths,
                      size_t npaths, struct tc_err **err)
{
        /* only these fields change on a full replace */
        static const char *const full[] = {"labels", "spec", "extensions", "image", "snapshotkey"};
        _cleanup_(record_freep) struct record *next = NULL;
        struct record swap;

        if (npaths == 0) {
                /* immutable fields fail a full replace, so that they may become mutable later */
                if (strcmp(str0(cur->snapshotter), str0(patch->snapshotter)) != 0)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "container.Snapshotter field is immutable");
                if (strcmp(str0(cur->runtime_name), str0(patch->runtime_name)) != 0)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "container.Runtime.Name field is immutable");
                paths = full;
                npaths = ELEMENTSOF(full);
        }
        if (record_dup(cur, &next, err) < 0)
                return -1;
        for (size_t i = 0; i < npaths; i++)
                if (mask_one(next, patch, paths[i], err) < 0)
                        return -1;
        swap = *cur;
        *cur = *next;
        *next = swap;
        return 0;
}
