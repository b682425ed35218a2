/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"
#include "core/base/timefmt.h"

/* containerd's containers.Container, as the man page's RECORD JSON describes it.
 * Every string field may be NULL, which reads as "". */

#define RECORD_LABEL_MAX 4096               /* key + value bytes, containerd labels.Validate */
#define RECORD_JSON_MAX (16u * 1024 * 1024) /* a record file or --from-json input */

/* A protobuf Any: JSON {"type_url": "...", "value": "<base64>"}. */
struct record_any {
        char *type_url;
        unsigned char *value;
        size_t value_len;
};

struct record_label {
        char *key;
        char *value;
};

struct record_ext {
        char *name;
        struct record_any any;
};

struct record {
        char *id;
        struct record_label *labels; /* sorted by key, keys unique */
        size_t n_labels;
        char *image;
        char *runtime_name;
        struct record_any *runtime_options; /* NULL: "options": null */
        char *spec;                         /* the OCI spec as compact JSON text; NULL: unset */
        char *snapshotter;
        char *snapshot_key;
        struct record_ext *extensions; /* sorted by name, names unique */
        size_t n_extensions;
        char created_at[TIMEFMT_LEN]; /* RFC 3339 with nanoseconds, "" until stored */
        char updated_at[TIMEFMT_LEN];
};

/* Allocation and copies. record_new() returns NULL only when out of memory. */
struct record *record_new(void);
void record_free(struct record *r);
void record_freep(struct record **r);
int record_dup(const struct record *r, struct record **ret, struct tc_err **err);
void record_any_release(struct record_any *a);
int record_any_copy(const struct record_any *src, struct record_any *dst, struct tc_err **err);

/* Setters; each copies its arguments. VALUE NULL sets "". */
int record_set_string(char **field, const char *value, struct tc_err **err);
int record_set_label(struct record *r, const char *key, const char *value, struct tc_err **err);
/* Removes KEY; true if it was there. */
bool record_unset_label(struct record *r, const char *key);
/* The value of label KEY, NULL if absent. */
const char *record_label(const struct record *r, const char *key);
int record_set_extension(struct record *r, const char *name, const struct record_any *any,
                         struct tc_err **err);
bool record_unset_extension(struct record *r, const char *name);
const struct record_any *record_extension(const struct record *r, const char *name);
/* Parses TEXT (LEN bytes, need not be NUL-terminated) as JSON; it must be an
 * object (an OCI spec). Stores it compacted, numbers and strings verbatim. */
int record_set_spec(struct record *r, const char *text, size_t len, struct tc_err **err);
/* OPTS NULL clears the options. */
int record_set_runtime_options(struct record *r, const struct record_any *opts,
                               struct tc_err **err);

/* containerd's metadata validateContainer, with its messages (TC_INVALID_ARGUMENT). */
int record_validate(const struct record *r, struct tc_err **err);

/* As boltutil.WriteLabels: a label whose value is empty is not stored. */
void record_drop_empty_labels(struct record *r);

/* The field mask of containerd's metadata containerStore.Update, applied to CUR
 * from PATCH. No paths: full replace of labels, spec, extensions, image and
 * snapshot key, with runtime name and snapshotter immutable. Paths: "labels",
 * "labels.K", "extensions", "extensions.K", "spec", "image", "snapshotkey"; a
 * ".K" path whose key PATCH lacks removes it. CUR is unchanged on failure. */
int record_apply_mask(struct record *cur, const struct record *patch, const char *const *paths,
                      size_t npaths, struct tc_err **err);

/* JSON codec, in the shape `containers get -o json` prints (also the on-disk format). Unknown or duplicate
 * fields and wrong types are TC_INVALID_ARGUMENT naming the field; the spec is
 * kept verbatim. Does not validate (see record_validate). */
int record_from_json(const char *text, size_t len, struct record **ret, struct tc_err **err);
/* record_from_json without its fast path (cJSON builds the whole tree): for
 * the tests and the fuzzer that compare the two. */
int record_from_json_slow(const char *text, size_t len, struct record **ret,
                          struct tc_err **err);
/* One Any, {"type_url": "...", "value": "<base64>"}, as JSON text (for
 * --runtime-options); FIELD names it in messages. */
int record_any_from_json(const char *text, size_t len, const char *field, struct record_any *ret,
                         struct tc_err **err);
/* The record as a cJSON tree (the spec is a raw item); NULL when out of memory. */
cJSON *record_to_json(const struct record *r);
/* The record as compact JSON text with a final newline, for the file on disk:
 * the bytes cJSON_PrintUnformatted(record_to_json(r)) gives, written directly. */
int record_to_text(const struct record *r, char **ret_text, size_t *ret_len, struct tc_err **err);
/* The same text without the newline, with "namespace": NS added last when NS
 * is not NULL (containers list -A): what list prints, without a cJSON tree. */
int record_json_text(const struct record *r, const char *ns, char **ret_text, size_t *ret_len,
                     struct tc_err **err);

/* containerd's adaptContainer for filters: id, image, runtime.name, snapshotter
 * and labels.KEY (KEY is the rest of PATH joined with "."). Matches
 * filter_field_fn; *ret_value points into the record. */
bool record_field(void *rec, const char *const *path, size_t n, const char **ret_value);
/* Whether record_field knows PATH (a filter_known_fn), and their names. */
bool record_field_known(const char *const *path, size_t n);
#define RECORD_FIELDS "id, image, runtime.name, snapshotter, labels.KEY"
