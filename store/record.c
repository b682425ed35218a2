/* SPDX-License-Identifier: Apache-2.0 */
#include "store/record.h"
#include "store/filter.h"

#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "core/base/ident.h"
#include "store/strutil.h"

struct record *record_new(void)
{
        return calloc(1, sizeof(struct record));
}

void record_any_release(struct record_any *a)
{
        if (!a)
                return;
        free(a->type_url);
        free(a->value);
        *a = (struct record_any){0};
}

static void labels_free(struct record_label *l, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(l[i].key);
                free(l[i].value);
        }
        free(l);
}

static void exts_free(struct record_ext *e, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(e[i].name);
                record_any_release(&e[i].any);
        }
        free(e);
}

void record_free(struct record *r)
{
        if (!r)
                return;
        free(r->id);
        labels_free(r->labels, r->n_labels);
        free(r->image);
        free(r->runtime_name);
        record_any_release(r->runtime_options);
        free(r->runtime_options);
        free(r->spec);
        free(r->snapshotter);
        free(r->snapshot_key);
        exts_free(r->extensions, r->n_extensions);
        free(r);
}

void record_freep(struct record **r)
{
        record_free(*r);
        *r = NULL;
}

int record_set_string(char **field, const char *value, struct tc_err **err)
{
        char *copy = strdup(str0(value));

        if (!copy)
                return oom(err);
        free(*field);
        *field = copy;
        return 0;
}

int record_any_copy(const struct record_any *src, struct record_any *dst, struct tc_err **err)
{
        struct record_any a = {0};

        a.type_url = strdup(str0(src->type_url));
        a.value = malloc(src->value_len ? src->value_len : 1);
        if (!a.type_url || !a.value) {
                record_any_release(&a);
                return oom(err);
        }
        if (src->value_len)
                memcpy(a.value, src->value, src->value_len);
        a.value_len = src->value_len;
        *dst = a;
        return 0;
}

/* Index of KEY in a sorted array of N structs of SIZE bytes whose first member
 * is their char * key (labels, extensions), or where it would go (*found false). */
static size_t sorted_pos(const void *base, size_t n, size_t size, const char *key, bool *found)
{
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(*(char *const *) ((const char *) base + mid * size), key);

                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static size_t label_pos(const struct record *r, const char *key, bool *found)
{
        return sorted_pos(r->labels, r->n_labels, sizeof *r->labels, key, found);
}

int record_set_label(struct record *r, const char *key, const char *value, struct tc_err **err)
{
        bool found;
        size_t i = label_pos(r, key, &found);
        struct record_label *grown;
        char *k, *v;

        if (found)
                return record_set_string(&r->labels[i].value, value, err);
        grown = realloc(r->labels, (r->n_labels + 1) * sizeof *grown);
        if (!grown)
                return oom(err);
        r->labels = grown;
        k = strdup(key);
        v = strdup(str0(value));
        if (!k || !v) {
                free(k);
                free(v);
                return oom(err);
        }
        memmove(&r->labels[i + 1], &r->labels[i], (r->n_labels - i) * sizeof *grown);
        r->labels[i] = (struct record_label){k, v};
        r->n_labels++;
        return 0;
}

bool record_unset_label(struct record *r, const char *key)
{
        bool found;
        size_t i = label_pos(r, key, &found);

        if (!found)
                return false;
        free(r->labels[i].key);
        free(r->labels[i].value);
        memmove(&r->labels[i], &r->labels[i + 1], (r->n_labels - i - 1) * sizeof *r->labels);
        r->n_labels--;
        return true;
}

const char *record_label(const struct record *r, const char *key)
{
        bool found;
        size_t i = label_pos(r, key, &found);

        return found ? r->labels[i].value : NULL;
}

static size_t ext_pos(const struct record *r, const char *name, bool *found)
{
        return sorted_pos(r->extensions, r->n_extensions, sizeof *r->extensions, name, found);
}

int record_set_extension(struct record *r, const char *name, const struct record_any *any,
                         struct tc_err **err)
{
        struct record_any copy;
        struct record_ext *grown;
        bool found;
        size_t i = ext_pos(r, name, &found);
        char *n;

        if (record_any_copy(any, &copy, err) < 0)
                return -1;
        if (found) {
                record_any_release(&r->extensions[i].any);
                r->extensions[i].any = copy;
                return 0;
        }
        grown = realloc(r->extensions, (r->n_extensions + 1) * sizeof *grown);
        n = grown ? strdup(name) : NULL;
        if (grown)
                r->extensions = grown;
        if (!n) {
                record_any_release(&copy);
                return oom(err);
        }
        memmove(&r->extensions[i + 1], &r->extensions[i], (r->n_extensions - i) * sizeof *grown);
        r->extensions[i] = (struct record_ext){n, copy};
        r->n_extensions++;
        return 0;
}

bool record_unset_extension(struct record *r, const char *name)
{
        bool found;
        size_t i = ext_pos(r, name, &found);

        if (!found)
                return false;
        free(r->extensions[i].name);
        record_any_release(&r->extensions[i].any);
        memmove(&r->extensions[i], &r->extensions[i + 1],
                (r->n_extensions - i - 1) * sizeof *r->extensions);
        r->n_extensions--;
        return true;
}

const struct record_any *record_extension(const struct record *r, const char *name)
{
        bool found;
        size_t i = ext_pos(r, name, &found);

        return found ? &r->extensions[i].any : NULL;
}

int record_set_runtime_options(struct record *r, const struct record_any *opts, struct tc_err **err)
{
        struct record_any *a = NULL;

        if (opts) {
                a = calloc(1, sizeof *a);
                if (!a)
                        return oom(err);
                if (record_any_copy(opts, a, err) < 0) {
                        free(a);
                        return -1;
                }
        }
        record_any_release(r->runtime_options);
        free(r->runtime_options);
        r->runtime_options = a;
        return 0;
}

/* Replaces DST's labels by copies of SRC's. */
static int copy_labels(struct record *dst, const struct record *src, struct tc_err **err)
{
        struct record *tmp = record_new();

        if (!tmp)
                return oom(err);
        for (size_t i = 0; i < src->n_labels; i++)
                if (record_set_label(tmp, src->labels[i].key, src->labels[i].value, err) < 0) {
                        record_free(tmp);
                        return -1;
                }
        labels_free(dst->labels, dst->n_labels);
        dst->labels = steal_ptr(tmp->labels);
        dst->n_labels = tmp->n_labels;
        tmp->n_labels = 0;
        record_free(tmp);
        return 0;
}

static int copy_extensions(struct record *dst, const struct record *src, struct tc_err **err)
{
        struct record *tmp = record_new();

        if (!tmp)
                return oom(err);
        for (size_t i = 0; i < src->n_extensions; i++)
                if (record_set_extension(tmp, src->extensions[i].name, &src->extensions[i].any,
                                         err) < 0) {
                        record_free(tmp);
                        return -1;
                }
        exts_free(dst->extensions, dst->n_extensions);
        dst->extensions = steal_ptr(tmp->extensions);
        dst->n_extensions = tmp->n_extensions;
        tmp->n_extensions = 0;
        record_free(tmp);
        return 0;
}

/* Copies an optional string: NULL stays NULL. */
static int copy_opt(char **dst, const char *src, struct tc_err **err)
{
        if (!src) {
                free(*dst);
                *dst = NULL;
                return 0;
        }
        return record_set_string(dst, src, err);
}

int record_dup(const struct record *r, struct record **ret, struct tc_err **err)
{
        _cleanup_(record_freep) struct record *d = record_new();

        if (!d)
                return oom(err);
        if (copy_opt(&d->id, r->id, err) < 0 || copy_labels(d, r, err) < 0 ||
            copy_opt(&d->image, r->image, err) < 0 ||
            copy_opt(&d->runtime_name, r->runtime_name, err) < 0 ||
            record_set_runtime_options(d, r->runtime_options, err) < 0 ||
            copy_opt(&d->spec, r->spec, err) < 0 ||
            copy_opt(&d->snapshotter, r->snapshotter, err) < 0 ||
            copy_opt(&d->snapshot_key, r->snapshot_key, err) < 0 || copy_extensions(d, r, err) < 0)
                return -1;
        memcpy(d->created_at, r->created_at, sizeof d->created_at);
        memcpy(d->updated_at, r->updated_at, sizeof d->updated_at);
        *ret = steal_ptr(d);
        return 0;
}

/* containerd labels.Validate, plus: a key must not be empty. */
static int validate_label(const char *k, const char *v, struct tc_err **err)
{
        size_t total = strlen(k) + strlen(v);

        if (!*k)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "containers.Labels: label key must not be empty");
        if (total > RECORD_LABEL_MAX)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "containers.Labels: label key and value length (%zu bytes) greater "
                               "than maximum size (%d bytes), key: %.64s",
                               total, RECORD_LABEL_MAX, k);
        return 0;
}

/* As containerd's metadata validateContainer, in its order and with its texts. */
int record_validate(const struct record *r, struct tc_err **err)
{
        if (ident_check(r->id, "identifier", err) < 0)
                return tc_wrap(err, "container.ID");
        for (size_t i = 0; i < r->n_extensions; i++)
                if (!*r->extensions[i].name)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "container.Extension keys must not be zero-length");
        for (size_t i = 0; i < r->n_labels; i++)
                if (validate_label(r->labels[i].key, r->labels[i].value, err) < 0)
                        return -1;
        if (!r->runtime_name || !*r->runtime_name)
                return tc_fail(err, TC_INVALID_ARGUMENT, "container.Runtime.Name must be set");
        if (!r->spec)
                return tc_fail(err, TC_INVALID_ARGUMENT, "container.Spec must be set");
        if (*str0(r->snapshot_key) && !*str0(r->snapshotter))
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "container.Snapshotter must be set if container.SnapshotKey is set");
        return 0;
}

void record_drop_empty_labels(struct record *r)
{
        size_t k = 0;

        for (size_t i = 0; i < r->n_labels; i++) {
                if (*r->labels[i].value) {
                        r->labels[k++] = r->labels[i];
                        continue;
                }
                free(r->labels[i].key);
                free(r->labels[i].value);
        }
        r->n_labels = k;
}

/* Reports S as a field value: present when non-empty, as containerd's adaptor. */
static bool field_value(const char *s, const char **ret_value)
{
        if (!s || !*s)
                return false;
        *ret_value = s;
        return true;
}

/* As containerd's adaptContainer (metadata/adaptors.go), plus "snapshotter". */
bool record_field(void *rec, const char *const *path, size_t n, const char **ret_value)
{
        const struct record *r = rec;

        if (n == 0)
                return false;
        if (strcmp(path[0], "id") == 0)
                return field_value(r->id, ret_value);
        if (strcmp(path[0], "image") == 0)
                return field_value(r->image, ret_value);
        if (strcmp(path[0], "snapshotter") == 0)
                return field_value(r->snapshotter, ret_value);
        if (strcmp(path[0], "runtime") == 0)
                return n > 1 && strcmp(path[1], "name") == 0 &&
                       field_value(r->runtime_name, ret_value);
        if (strcmp(path[0], "labels") != 0)
                return false;
        /* checkMap: the label named by the rest of the path joined with "." */
        for (size_t i = 0; i < r->n_labels; i++)
                if (n > 1 && filter_path_eq(path + 1, n - 1, r->labels[i].key)) {
                        *ret_value = r->labels[i].value;
                        return true;
                }
        return false;
}

bool record_field_known(const char *const *path, size_t n)
{
        if (n == 1)
                return strcmp(path[0], "id") == 0 || strcmp(path[0], "image") == 0 ||
                       strcmp(path[0], "snapshotter") == 0;
        if (n == 2 && strcmp(path[0], "runtime") == 0)
                return strcmp(path[1], "name") == 0;
        return n >= 2 && strcmp(path[0], "labels") == 0;
}
