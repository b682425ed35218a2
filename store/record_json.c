/* SPDX-License-Identifier: Apache-2.0 */
/* The record's JSON shape (man page, Container records), strict in what it reads. */
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "core/base/json.h"
#include "store/base64.h"
#include "store/jsonscan.h"
#include "store/record.h"
#include "store/spec_text.h"
#include "store/strutil.h"

static const char *type_name(const cJSON *j)
{
        if (cJSON_IsString(j))
                return "a string";
        if (cJSON_IsNumber(j))
                return "a number";
        if (cJSON_IsBool(j))
                return "a boolean";
        if (cJSON_IsArray(j))
                return "an array";
        if (cJSON_IsObject(j))
                return "an object";
        return "null";
}

static int type_error(const char *field, const char *want, const cJSON *got, struct tc_err **err)
{
        return tc_fail(err, TC_INVALID_ARGUMENT, "field \"%s\": expected %s, got %s", field, want,
                       type_name(got));
}

/* Checks that object J has no key twice (cJSON keeps both; which would win is
 * a guess we refuse to make). */
static int cmp_strp(const void *a, const void *b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* A key given twice in object J is an error. Sorting the keys makes this
 * O(n log n): the pairwise check was quadratic (100,000 labels: minutes). */
static int no_duplicates(const cJSON *j, const char *field, struct tc_err **err)
{
        _cleanup_free_ const char **keys = NULL;
        size_t n = 0;

        for (const cJSON *c = j->child; c; c = c->next)
                n++;
        if (n < 2)
                return 0;
        if (n <= 16) { /* a record's own objects: pairwise is cheaper than sorting */
                const char *dup = NULL; /* the least duplicated key, as sorting finds */

                for (const cJSON *a = j->child; a; a = a->next)
                        for (const cJSON *b = a->next; b; b = b->next)
                                if (strcmp(a->string, b->string) == 0 &&
                                    (!dup || strcmp(a->string, dup) < 0))
                                        dup = a->string;
                return dup ? tc_fail(err, TC_INVALID_ARGUMENT,
                                     "field \"%s\": duplicate key \"%s\"", field, dup)
                           : 0;
        }
        keys = malloc(n * sizeof *keys);
        if (!keys)
                return oom(err);
        n = 0;
        for (const cJSON *c = j->child; c; c = c->next)
                keys[n++] = c->string;
        qsort(keys, n, sizeof *keys, cmp_strp);
        for (size_t i = 1; i < n; i++)
                if (strcmp(keys[i - 1], keys[i]) == 0)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "field \"%s\": duplicate key \"%s\"", field, keys[i]);
        return 0;
}

/* A string field; null reads as "" (as Go's encoding/json leaves it zero). */
static int get_string(const cJSON *j, const char *field, char **dst, struct tc_err **err)
{
        if (cJSON_IsNull(j))
                return record_set_string(dst, "", err);
        if (!cJSON_IsString(j))
                return type_error(field, "a string", j, err);
        return record_set_string(dst, j->valuestring, err);
}

static int parse_any(const cJSON *j, const char *field, struct record_any *ret, struct tc_err **err)
{
        struct record_any a = {0};
        char sub[512];
        bool oom_b64;

        if (!cJSON_IsObject(j))
                return type_error(field, "an object {\"type_url\", \"value\"}", j, err);
        if (no_duplicates(j, field, err) < 0)
                return -1;
        for (const cJSON *c = j->child; c; c = c->next) {
                (void) snprintf(sub, sizeof sub, "%s.%s", field, c->string);
                if (strcmp(c->string, "type_url") == 0) {
                        if (get_string(c, sub, &a.type_url, err) < 0)
                                goto fail;
                } else if (strcmp(c->string, "value") == 0) {
                        if (!cJSON_IsString(c) && !cJSON_IsNull(c)) {
                                type_error(sub, "a base64 string", c, err);
                                goto fail;
                        }
                        free(a.value);
                        a.value = NULL;
                        if (!base64_decode(cJSON_IsString(c) ? c->valuestring : "", &a.value,
                                           &a.value_len, &oom_b64)) {
                                if (oom_b64)
                                        oom(err);
                                else
                                        tc_fail(err, TC_INVALID_ARGUMENT,
                                                "field \"%s\": invalid base64", sub);
                                goto fail;
                        }
                } else {
                        tc_fail(err, TC_INVALID_ARGUMENT, "unknown field \"%s\"", sub);
                        goto fail;
                }
        }
        if ((!a.type_url && record_set_string(&a.type_url, "", err) < 0) ||
            (!a.value && !(a.value = malloc(1)) && oom(err) < 0))
                goto fail;
        *ret = a;
        return 0;
fail:
        record_any_release(&a);
        return -1;
}

static int cmp_label(const void *a, const void *b)
{
        return strcmp(((const struct record_label *) a)->key, ((const struct record_label *) b)->key);
}

static void labels_free(struct record_label *l, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(l[i].key);
                free(l[i].value);
        }
        free(l);
}

/* Labels in one sort: inserting them one by one into the sorted array was
 * quadratic in their number (40,000 labels took 2.7 s). */
static int parse_labels(struct record *r, const cJSON *j, struct tc_err **err)
{
        struct record_label *l;
        size_t n = 0, i = 0;
        char sub[512];

        if (cJSON_IsNull(j))
                return 0;
        if (!cJSON_IsObject(j))
                return type_error("labels", "an object", j, err);
        for (const cJSON *c = j->child; c; c = c->next, n++) {
                if (cJSON_IsString(c))
                        continue;
                (void) snprintf(sub, sizeof sub, "labels.%s", c->string);
                return type_error(sub, "a string", c, err);
        }
        if (n == 0)
                return 0;
        if (r->n_labels > 0) { /* never: "labels" comes once; merge if it did */
                for (const cJSON *c = j->child; c; c = c->next)
                        if (record_set_label(r, c->string, c->valuestring, err) < 0)
                                return -1;
                return 0;
        }
        if (!(l = calloc(n, sizeof *l)))
                return oom(err);
        for (const cJSON *c = j->child; c; c = c->next, i++)
                if (!(l[i].key = strdup(c->string)) || !(l[i].value = strdup(c->valuestring))) {
                        labels_free(l, n);
                        return oom(err);
                }
        qsort(l, n, sizeof *l, cmp_label);
        for (i = 1; i < n; i++)
                if (strcmp(l[i - 1].key, l[i].key) == 0) {
                        tc_fail(err, TC_INVALID_ARGUMENT, "field \"labels\": duplicate key \"%s\"",
                                l[i].key);
                        labels_free(l, n);
                        return -1;
                }
        free(r->labels);
        r->labels = l;
        r->n_labels = n;
        return 0;
}

static int parse_extensions(struct record *r, const cJSON *j, struct tc_err **err)
{
        char sub[512];

        if (cJSON_IsNull(j))
                return 0;
        if (!cJSON_IsObject(j))
                return type_error("extensions", "an object", j, err);
        if (no_duplicates(j, "extensions", err) < 0)
                return -1;
        for (const cJSON *c = j->child; c; c = c->next) {
                struct record_any a;
                int k;

                (void) snprintf(sub, sizeof sub, "extensions.%s", c->string);
                if (parse_any(c, sub, &a, err) < 0)
                        return -1;
                k = record_set_extension(r, c->string, &a, err);
                record_any_release(&a);
                if (k < 0)
                        return -1;
        }
        return 0;
}

static int parse_runtime(struct record *r, const cJSON *j, struct tc_err **err)
{
        if (cJSON_IsNull(j))
                return 0;
        if (!cJSON_IsObject(j))
                return type_error("runtime", "an object", j, err);
        if (no_duplicates(j, "runtime", err) < 0)
                return -1;
        for (const cJSON *c = j->child; c; c = c->next) {
                if (strcmp(c->string, "name") == 0) {
                        if (get_string(c, "runtime.name", &r->runtime_name, err) < 0)
                                return -1;
                } else if (strcmp(c->string, "options") == 0) {
                        struct record_any a;
                        int k;

                        if (cJSON_IsNull(c)) {
                                (void) record_set_runtime_options(r, NULL, err);
                                continue;
                        }
                        if (parse_any(c, "runtime.options", &a, err) < 0)
                                return -1;
                        k = record_set_runtime_options(r, &a, err);
                        record_any_release(&a);
                        if (k < 0)
                                return -1;
                } else {
                        return tc_fail(err, TC_INVALID_ARGUMENT, "unknown field \"runtime.%s\"",
                                       c->string);
                }
        }
        return 0;
}

static int parse_time(const cJSON *j, const char *field, char dst[TIMEFMT_LEN], struct tc_err **err)
{
        struct timespec ts;

        if (cJSON_IsNull(j)) {
                dst[0] = '\0';
                return 0;
        }
        if (!cJSON_IsString(j))
                return type_error(field, "a string", j, err);
        if (*j->valuestring &&
            (strlen(j->valuestring) >= TIMEFMT_LEN || !timefmt_parse(j->valuestring, &ts)))
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "field \"%s\": \"%.80s\" is not an RFC 3339 time", field,
                               j->valuestring);
        strcpy(dst, j->valuestring);
        return 0;
}

/* Everything but the spec, which needs the original text. */
static int parse_field(struct record *r, const cJSON *c, struct tc_err **err)
{
        const char *k = c->string;

        if (strcmp(k, "id") == 0)
                return get_string(c, k, &r->id, err);
        if (strcmp(k, "labels") == 0)
                return parse_labels(r, c, err);
        if (strcmp(k, "image") == 0)
                return get_string(c, k, &r->image, err);
        if (strcmp(k, "runtime") == 0)
                return parse_runtime(r, c, err);
        if (strcmp(k, "snapshotter") == 0)
                return get_string(c, k, &r->snapshotter, err);
        if (strcmp(k, "snapshot_key") == 0)
                return get_string(c, k, &r->snapshot_key, err);
        if (strcmp(k, "extensions") == 0)
                return parse_extensions(r, c, err);
        if (strcmp(k, "created_at") == 0)
                return parse_time(c, k, r->created_at, err);
        if (strcmp(k, "updated_at") == 0)
                return parse_time(c, k, r->updated_at, err);
        return tc_fail(err, TC_INVALID_ARGUMENT, "unknown field \"%s\"", k);
}

static int parse_spec(struct record *r, const cJSON *spec, const char *text, size_t len,
                      struct tc_err **err)
{
        const char *start;
        size_t n;

        if (cJSON_IsNull(spec))
                return 0;
        if (!cJSON_IsObject(spec))
                return type_error("spec", "an object", spec, err);
        if (!spec_text_member(text, len, "spec", &start, &n))
                return tc_fail(err, TC_INTERNAL, "field \"spec\": cannot locate its text");
        free(r->spec);
        r->spec = spec_text_compact(start, n);
        return r->spec ? 0 : oom(err);
}

/* Parses TEXT as one JSON document (no trailing data). */
static int parse_document(const char *text, size_t len, cJSON **ret, struct tc_err **err)
{
        const char *end = memchr(text, '\0', len);
        cJSON *j;

        /* JSON has no raw NUL; cJSON would keep one inside a string and C
         * strings would cut the value there (found by tests/fuzz/fuzz_record) */
        if (end)
                return tc_fail(err, TC_INVALID_ARGUMENT, "invalid JSON at byte %zu: NUL byte",
                               (size_t) (end - text));
        j = json_parse(text, len, &end, false);
        if (!j)
                return tc_fail(err, TC_INVALID_ARGUMENT, "invalid JSON at byte %zu",
                               end ? (size_t) (end - text) : (size_t) 0);
        end = spec_text_skip_ws(end, text + len);
        if (end != text + len) {
                cJSON_Delete(j);
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "invalid JSON at byte %zu: data after the value",
                               (size_t) (end - text));
        }
        *ret = j;
        return 0;
}

static int from_json_tree(const char *text, size_t len, struct record **ret, struct tc_err **err)
{
        _cleanup_json_ cJSON *root = NULL;
        _cleanup_(record_freep) struct record *r = NULL;
        const cJSON *spec = NULL;

        if (parse_document(text, len, &root, err) < 0)
                return -1;
        if (!cJSON_IsObject(root))
                return tc_fail(err, TC_INVALID_ARGUMENT, "expected a JSON object, got %s",
                               type_name(root));
        if (no_duplicates(root, "record", err) < 0)
                return -1;
        if (!(r = record_new()))
                return oom(err);
        for (const cJSON *c = root->child; c; c = c->next) {
                if (strcmp(c->string, "spec") == 0)
                        spec = c;
                else if (parse_field(r, c, err) < 0)
                        return -1;
        }
        if (spec && parse_spec(r, spec, text, len, err) < 0)
                return -1;
        *ret = steal_ptr(r);
        return 0;
}

int record_any_from_json(const char *text, size_t len, const char *field, struct record_any *ret,
                         struct tc_err **err)
{
        _cleanup_json_ cJSON *j = NULL;

        if (parse_document(text, len, &j, err) < 0)
                return -1;
        return parse_any(j, field, ret, err);
}

int record_set_spec(struct record *r, const char *text, size_t len, struct tc_err **err)
{
        _cleanup_json_ cJSON *j = NULL;
        char *compact;

        if (parse_document(text, len, &j, err) < 0)
                return -1;
        if (!cJSON_IsObject(j))
                return tc_fail(err, TC_INVALID_ARGUMENT, "spec: expected a JSON object, got %s",
                               type_name(j));
        compact = spec_text_compact(text, len);
        if (!compact)
                return oom(err);
        free(r->spec);
        r->spec = compact;
        return 0;
}

static cJSON *any_to_json(const struct record_any *a)
{
        _cleanup_free_ char *b64 = base64_encode(a->value, a->value_len);
        cJSON *j = cJSON_CreateObject();

        if (!j || !b64 || !cJSON_AddStringToObject(j, "type_url", str0(a->type_url)) ||
            !cJSON_AddStringToObject(j, "value", b64)) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

static cJSON *labels_to_json(const struct record *r)
{
        cJSON *j = cJSON_CreateObject();

        for (size_t i = 0; j && i < r->n_labels; i++)
                if (!cJSON_AddStringToObject(j, r->labels[i].key, r->labels[i].value)) {
                        cJSON_Delete(j);
                        return NULL;
                }
        return j;
}

static cJSON *extensions_to_json(const struct record *r)
{
        cJSON *j = cJSON_CreateObject();

        for (size_t i = 0; j && i < r->n_extensions; i++) {
                cJSON *a = any_to_json(&r->extensions[i].any);

                if (!a || !cJSON_AddItemToObject(j, r->extensions[i].name, a)) {
                        cJSON_Delete(a);
                        cJSON_Delete(j);
                        return NULL;
                }
        }
        return j;
}

static cJSON *runtime_to_json(const struct record *r)
{
        cJSON *j = cJSON_CreateObject();
        cJSON *opts = r->runtime_options ? any_to_json(r->runtime_options) : cJSON_CreateNull();

        if (!j || !opts || !cJSON_AddStringToObject(j, "name", str0(r->runtime_name)) ||
            !cJSON_AddItemToObject(j, "options", opts)) {
                cJSON_Delete(opts);
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

/* Adds ITEM (which may be NULL after a failed allocation) to J; false on failure. */
static bool add(cJSON *j, const char *name, cJSON *item)
{
        if (item && cJSON_AddItemToObject(j, name, item))
                return true;
        cJSON_Delete(item);
        return false;
}

cJSON *record_to_json(const struct record *r)
{
        cJSON *j = cJSON_CreateObject();
        bool ok = j && cJSON_AddStringToObject(j, "id", str0(r->id)) &&
                  add(j, "labels", labels_to_json(r)) &&
                  cJSON_AddStringToObject(j, "image", str0(r->image)) &&
                  add(j, "runtime", runtime_to_json(r)) &&
                  add(j, "spec", r->spec ? cJSON_CreateRaw(r->spec) : cJSON_CreateNull()) &&
                  cJSON_AddStringToObject(j, "snapshotter", str0(r->snapshotter)) &&
                  cJSON_AddStringToObject(j, "snapshot_key", str0(r->snapshot_key)) &&
                  add(j, "extensions", extensions_to_json(r)) &&
                  cJSON_AddStringToObject(j, "created_at", r->created_at) &&
                  cJSON_AddStringToObject(j, "updated_at", r->updated_at);

        if (!ok) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

/* ---- the text, written directly ----
 * The same bytes as cJSON_PrintUnformatted(record_to_json(r)) (the on-disk
 * format since the first release; tests/fuzz/fuzz_record compares the two),
 * without building a tree: a listing prints every record through it. */

struct tbuf {
        char *p;
        size_t n, cap;
        bool oom;
};

static void tput(struct tbuf *b, const char *s, size_t n)
{
        if (b->oom)
                return;
        if (b->n + n + 2 > b->cap) {
                size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
                char *p = realloc(b->p, cap);

                if (!p) {
                        b->oom = true;
                        return;
                }
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->n, s, n);
        b->n += n;
}

static void tputs(struct tbuf *b, const char *s)
{
        tput(b, s, strlen(s));
}

/* S as a JSON string, escaped as cJSON 1.7 escapes it: the quote, the
 * backslash, five named controls, other bytes below 32 as \u00xx, the rest
 * (UTF-8, DEL) as they are. */
static void tstr(struct tbuf *b, const char *s)
{
        static const char named[32] = { ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',
                                        ['\r'] = 'r', ['\t'] = 't' };

        tput(b, "\"", 1);
        while (*s) {
                size_t run = 0;
                unsigned char c;
                char esc[8];

                while ((c = (unsigned char) s[run]) >= 32 && c != '"' && c != '\\')
                        run++;
                tput(b, s, run);
                s += run;
                if (!(c = (unsigned char) *s))
                        break;
                if (c == '"' || c == '\\')
                        (void) snprintf(esc, sizeof esc, "\\%c", c);
                else if (named[c])
                        (void) snprintf(esc, sizeof esc, "\\%c", named[c]);
                else
                        (void) snprintf(esc, sizeof esc, "\\u%04x", c);
                tputs(b, esc);
                s++;
        }
        tput(b, "\"", 1);
}

/* ,"KEY":"VALUE" (FIRST: no comma) */
static void tmember(struct tbuf *b, bool first, const char *key, const char *value)
{
        if (!first)
                tput(b, ",", 1);
        tstr(b, key);
        tput(b, ":", 1);
        if (value)
                tstr(b, value);
}

static void tany(struct tbuf *b, const struct record_any *a)
{
        _cleanup_free_ char *b64 = base64_encode(a->value, a->value_len);

        if (!b64) {
                b->oom = true;
                return;
        }
        tput(b, "{", 1);
        tmember(b, true, "type_url", str0(a->type_url));
        tmember(b, false, "value", b64);
        tput(b, "}", 1);
}

static void record_text(struct tbuf *b, const struct record *r, const char *ns)
{
        tput(b, "{", 1);
        tmember(b, true, "id", str0(r->id));
        tmember(b, false, "labels", NULL);
        tput(b, "{", 1);
        for (size_t i = 0; i < r->n_labels; i++)
                tmember(b, i == 0, r->labels[i].key, r->labels[i].value);
        tput(b, "}", 1);
        tmember(b, false, "image", str0(r->image));
        tmember(b, false, "runtime", NULL);
        tput(b, "{", 1);
        tmember(b, true, "name", str0(r->runtime_name));
        tmember(b, false, "options", NULL);
        if (r->runtime_options)
                tany(b, r->runtime_options);
        else
                tputs(b, "null");
        tput(b, "}", 1);
        tmember(b, false, "spec", NULL);
        tputs(b, r->spec ? r->spec : "null");
        tmember(b, false, "snapshotter", str0(r->snapshotter));
        tmember(b, false, "snapshot_key", str0(r->snapshot_key));
        tmember(b, false, "extensions", NULL);
        tput(b, "{", 1);
        for (size_t i = 0; i < r->n_extensions; i++) {
                tmember(b, i == 0, r->extensions[i].name, NULL);
                tany(b, &r->extensions[i].any);
        }
        tput(b, "}", 1);
        tmember(b, false, "created_at", r->created_at);
        tmember(b, false, "updated_at", r->updated_at);
        if (ns)
                tmember(b, false, "namespace", ns);
        tput(b, "}", 1);
}

int record_json_text(const struct record *r, const char *ns, char **ret_text, size_t *ret_len,
                     struct tc_err **err)
{
        struct tbuf b = { 0 };

        record_text(&b, r, ns);
        if (b.oom) {
                free(b.p);
                return oom(err);
        }
        b.p[b.n] = '\0';
        *ret_text = b.p;
        *ret_len = b.n;
        return 0;
}

int record_to_text(const struct record *r, char **ret_text, size_t *ret_len, struct tc_err **err)
{
        if (record_json_text(r, NULL, ret_text, ret_len, err) < 0)
                return -1;
        /* tput keeps two bytes spare: room for the newline and the NUL */
        (*ret_text)[(*ret_len)++] = '\n';
        (*ret_text)[*ret_len] = '\0';
        return 0;
}

/* ---- the fastest path: a record as record_to_text writes it ----
 * Its members in their order, no whitespace, strings without escapes, no
 * runtime options, no extensions, a spec object: what taskctl itself stores,
 * decoded without cJSON (a listing decodes every record). Anything else, or
 * anything the general decoder would refuse, returns -1 and the general paths
 * decode it, so records and errors are theirs (tests/fuzz/fuzz_record
 * compares the ways on every input). */

struct cur {
        const char *p, *end;
};

static bool take(struct cur *c, const char *lit, size_t n)
{
        if ((size_t) (c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
                return false;
        c->p += n;
        return true;
}

#define TAKE(c, lit) take(c, lit, sizeof lit - 1)

/* A string without escapes at C: its bytes (as cJSON keeps them) */
static bool plain(struct cur *c, const char **ret, size_t *ret_len)
{
        const unsigned char *q;

        if (c->p >= c->end || *c->p != '"')
                return false;
        q = jsonscan_plain((const unsigned char *) c->p + 1, (const unsigned char *) c->end, false);
        if (q >= (const unsigned char *) c->end || *q != '"')
                return false;
        *ret = c->p + 1;
        *ret_len = (size_t) ((const char *) q - *ret);
        c->p = (const char *) q + 1;
        return true;
}

static bool plain_dup(struct cur *c, char **dst)
{
        const char *s;
        size_t n;

        if (!plain(c, &s, &n))
                return false;
        free(*dst);
        return (*dst = strndup(s, n)) != NULL;
}

/* "" or an RFC 3339 time parse_time accepts */
static bool plain_time(struct cur *c, char dst[TIMEFMT_LEN])
{
        struct timespec ts;
        const char *s;
        size_t n;

        if (!plain(c, &s, &n) || n >= TIMEFMT_LEN)
                return false;
        memcpy(dst, s, n);
        dst[n] = '\0';
        return n == 0 || timefmt_parse(dst, &ts);
}

/* {} or {"k":"v",...}: sorted, and a key given twice left to the general
 * decoder (its error) */
static bool plain_labels(struct cur *c, struct record *r)
{
        struct record_label *l = NULL;
        size_t n = 0, cap = 0;

        if (!TAKE(c, "{"))
                return false;
        if (TAKE(c, "}"))
                return true;
        do {
                const char *k, *v;
                size_t kn, vn;

                if (!plain(c, &k, &kn) || !TAKE(c, ":") || !plain(c, &v, &vn))
                        goto fail;
                if (n == cap) {
                        struct record_label *m = realloc(l, (cap = cap ? 2 * cap : 8) * sizeof *l);

                        if (!m)
                                goto fail;
                        l = m;
                }
                l[n].key = strndup(k, kn);
                l[n].value = strndup(v, vn);
                if (!l[n++].key || !l[n - 1].value)
                        goto fail;
        } while (TAKE(c, ","));
        if (!TAKE(c, "}"))
                goto fail;
        qsort(l, n, sizeof *l, cmp_label);
        for (size_t i = 1; i < n; i++)
                if (strcmp(l[i - 1].key, l[i].key) == 0)
                        goto fail;
        r->labels = l;
        r->n_labels = n;
        return true;
fail:
        labels_free(l, n);
        return false;
}

static bool plain_spec(struct cur *c, struct record *r)
{
        const char *s = c->p;
        bool compact = false;

        if (c->p >= c->end || *c->p != '{' ||
            !(c->p = spec_text_strict_value(c->p, c->end, &compact)))
                return false;
        r->spec = compact ? strndup(s, (size_t) (c->p - s))
                          : spec_text_compact(s, (size_t) (c->p - s));
        return r->spec != NULL;
}

static int from_json_canonical(const char *text, size_t len, struct record **ret)
{
        _cleanup_(record_freep) struct record *r = record_new();
        struct cur c = { text, text + len };

        if (!r || !TAKE(&c, "{\"id\":") || !plain_dup(&c, &r->id) ||
            !TAKE(&c, ",\"labels\":") || !plain_labels(&c, r) ||
            !TAKE(&c, ",\"image\":") || !plain_dup(&c, &r->image) ||
            !TAKE(&c, ",\"runtime\":{\"name\":") || !plain_dup(&c, &r->runtime_name) ||
            !TAKE(&c, ",\"options\":null},\"spec\":") || !plain_spec(&c, r) ||
            !TAKE(&c, ",\"snapshotter\":") || !plain_dup(&c, &r->snapshotter) ||
            !TAKE(&c, ",\"snapshot_key\":") || !plain_dup(&c, &r->snapshot_key) ||
            !TAKE(&c, ",\"extensions\":{},\"created_at\":") || !plain_time(&c, r->created_at) ||
            !TAKE(&c, ",\"updated_at\":") || !plain_time(&c, r->updated_at) || !TAKE(&c, "}"))
                return -1;
        (void) TAKE(&c, "\n");
        if (c.p != c.end)
                return -1;
        *ret = steal_ptr(r);
        return 0;
}

/* The fast path: a spec that passes spec_text_strict (so cJSON would accept
 * it too) is set aside, the rest of the record decoded with "{}" in its place,
 * and the spec then kept as its compacted text, without cJSON building a tree
 * of it (most of a record's bytes and nodes). Any failure returns -1 and the
 * caller decodes the original text the slow way, so that errors read exactly
 * as they always have (byte offsets included). tests/fuzz/fuzz_record checks
 * that both ways give the same record. */
static int from_json_spec_aside(const char *text, size_t len, struct record **ret)
{
        _cleanup_(record_freep) struct record *r = NULL;
        _cleanup_free_ char *rest = NULL;
        const char *start;
        size_t n, head;
        bool compact;

        if (memchr(text, '\0', len) ||
            !spec_text_member_strict(text, len, "spec", &start, &n, &compact) || n < 2 ||
            *start != '{')
                return -1;
        head = (size_t) (start - text);
        if (!(rest = malloc(len - n + 3)))
                return -1;
        memcpy(rest, text, head);
        memcpy(rest + head, "{}", 2);
        memcpy(rest + head + 2, start + n, len - head - n);
        rest[len - n + 2] = '\0';
        if (from_json_tree(rest, len - n + 2, &r, NULL) < 0 || !r->spec ||
            strcmp(r->spec, "{}") != 0)
                return -1;
        free(r->spec);
        if (!(r->spec = compact ? strndup(start, n) : spec_text_compact(start, n)))
                return -1;
        *ret = steal_ptr(r);
        return 0;
}

int record_from_json(const char *text, size_t len, struct record **ret, struct tc_err **err)
{
        if (from_json_canonical(text, len, ret) == 0 || from_json_spec_aside(text, len, ret) == 0)
                return 0;
        return from_json_tree(text, len, ret, err);
}

int record_from_json_slow(const char *text, size_t len, struct record **ret, struct tc_err **err)
{
        return from_json_tree(text, len, ret, err);
}
