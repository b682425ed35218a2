/* SPDX-License-Identifier: Apache-2.0 */
/* The field-mask table of store_update, row for row after containerd's
 * metadata TestContainersCreateUpdateDelete: create ORIGINAL, update with INPUT
 * and PATHS, compare with EXPECTED, then get and compare again. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "store/store.h"

#define SPEC "\"spec\":{}"
#define SPEC2 "\"spec\":{\"annotations\":{\"updated\":\"true\"}}"
#define RT "\"runtime\":{\"name\":\"testruntime\"}"
#define SNAP "\"snapshot_key\":\"test-snapshot-key\",\"snapshotter\":\"snapshotter\""
#define IMG "\"image\":\"test image\""
#define LABELS2 "\"labels\":{\"foo\":\"one\",\"bar\":\"two\"}"
#define EXT(v) "\"extensions\":{\"hello\":{\"type_url\":\"test.update.extensions\",\"value\":\"" v "\"}}"
#define B64_HELLO "aGVsbG8="
#define B64_WORLD "d29ybGQ="

struct row {
        const char *name;
        const char *original; /* JSON members without id */
        const char *create_err;
        const char *input;
        const char *paths[3];
        size_t npaths;
        const char *update_id; /* default: name */
        const char *expected;  /* JSON members without id; NULL when the update fails */
        enum tc_kind kind;
        const char *msg;
};

static const struct row rows[] = {
        { .name = "UpdateIDFail", .original = SPEC "," SNAP "," RT, .input = SPEC "," RT,
          .paths = { "id" }, .npaths = 1, .update_id = "newid", .kind = TC_NOT_FOUND,
          .msg = "not found" },
        { .name = "UpdateRuntimeFail", .original = SNAP "," SPEC "," RT,
          .input = SPEC ",\"runtime\":{\"name\":\"testruntimedifferent\"}", .paths = { "runtime" },
          .npaths = 1, .kind = TC_INVALID_ARGUMENT,
          .msg = "cannot update \"runtime\" field on \"UpdateRuntimeFail\"" },
        { .name = "UpdateRuntimeClearFail", .original = SPEC "," SNAP "," RT, .input = SPEC,
          .paths = { "runtime" }, .npaths = 1, .kind = TC_INVALID_ARGUMENT,
          .msg = "cannot update \"runtime\" field on \"UpdateRuntimeClearFail\"" },
        { .name = "FullReplaceRuntimeImmutable", .original = SPEC "," RT,
          .input = SPEC ",\"runtime\":{\"name\":\"other\"}", .kind = TC_INVALID_ARGUMENT,
          .msg = "container.Runtime.Name field is immutable" },
        { .name = "FullReplaceSnapshotterImmutable", .original = SPEC "," RT "," SNAP,
          .input = SPEC "," RT, .kind = TC_INVALID_ARGUMENT,
          .msg = "container.Snapshotter field is immutable" },
        { .name = "FullReplace",
          .original = SPEC "," SNAP "," IMG "," LABELS2 "," EXT(B64_HELLO)
                  ",\"runtime\":{\"name\":\"testruntime\",\"options\":{\"type_url\":\"o\",\"value\":\"\"}}",
          .input = SPEC2 ",\"runtime\":{\"name\":\"testruntime\"},\"snapshotter\":\"snapshotter\","
                   "\"labels\":{\"new\":\"1\"}",
          .expected = SPEC2 ",\"snapshotter\":\"snapshotter\",\"labels\":{\"new\":\"1\"},"
                      "\"runtime\":{\"name\":\"testruntime\",\"options\":{\"type_url\":\"o\","
                      "\"value\":\"\"}}" },
        { .name = "UpdateSpec", .original = SPEC "," SNAP "," RT "," IMG, .input = SPEC2,
          .paths = { "spec" }, .npaths = 1, .expected = RT "," SPEC2 "," SNAP "," IMG },
        { .name = "ClearSpecFails", .original = SPEC "," RT, .input = "\"image\":\"x\"",
          .paths = { "spec" }, .npaths = 1, .kind = TC_INVALID_ARGUMENT,
          .msg = "container.Spec must be set" },
        { .name = "UpdateSnapshot", .original = SPEC "," SNAP "," RT "," IMG,
          .input = "\"snapshot_key\":\"test2-snapshot-key\"", .paths = { "snapshotkey" },
          .npaths = 1,
          .expected = SPEC ",\"snapshot_key\":\"test2-snapshot-key\",\"snapshotter\":\"snapshotter\","
                      RT "," IMG },
        { .name = "UpdateImage", .original = SPEC "," SNAP "," RT "," IMG,
          .input = "\"image\":\"test2 image\"", .paths = { "image" }, .npaths = 1,
          .expected = SPEC "," SNAP "," RT ",\"image\":\"test2 image\"" },
        { .name = "UpdateLabel", .original = LABELS2 "," SPEC "," SNAP "," RT "," IMG,
          .input = "\"labels\":{\"bar\":\"baz\"}", .paths = { "labels.bar" }, .npaths = 1,
          .expected = "\"labels\":{\"foo\":\"one\",\"bar\":\"baz\"}," SPEC "," SNAP "," RT
                      "," IMG },
        { .name = "UpdateDottedLabel", .original = SPEC "," RT,
          .input = "\"labels\":{\"io.k8s/name\":\"web\"}", .paths = { "labels.io.k8s/name" },
          .npaths = 1, .expected = SPEC "," RT ",\"labels\":{\"io.k8s/name\":\"web\"}" },
        { .name = "DeleteAllLabels", .original = LABELS2 "," SPEC "," SNAP "," RT "," IMG,
          .input = "\"labels\":null", .paths = { "labels" }, .npaths = 1,
          .expected = SPEC "," SNAP "," RT "," IMG },
        { .name = "DeleteLabel", .original = LABELS2 "," SPEC "," SNAP "," RT "," IMG,
          .input = "\"labels\":{\"bar\":\"\"}", .paths = { "labels.bar" }, .npaths = 1,
          .expected = "\"labels\":{\"foo\":\"one\"}," SPEC "," SNAP "," RT "," IMG },
        { .name = "DeleteLabelAbsentFromInput", .original = LABELS2 "," SPEC "," RT,
          .input = "\"labels\":{\"foo\":\"ignored\"}", .paths = { "labels.bar" }, .npaths = 1,
          .expected = "\"labels\":{\"foo\":\"one\"}," SPEC "," RT },
        { .name = "LabelTooLargeFails", .original = SPEC "," RT,
          .input = "\"labels\":{\"k\":\"" /* filled in by the test */ "\"}",
          .paths = { "labels.k" }, .npaths = 1, .kind = TC_INVALID_ARGUMENT,
          .msg = "containers.Labels: label key and value length (4097 bytes) greater than "
                 "maximum size (4096 bytes), key: k" },
        { .name = "UpdateSnapshotKeyImmutable", .original = SPEC ",\"snapshot_key\":\"\"," RT,
          .input = "\"snapshot_key\":\"something\",\"snapshotter\":\"something\"",
          .paths = { "snapshotkey", "snapshotter" }, .npaths = 2, .kind = TC_INVALID_ARGUMENT,
          .msg = "cannot update \"snapshotter\" field on \"UpdateSnapshotKeyImmutable\"" },
        { .name = "SnapshotKeyWithoutSnapshot",
          .original = SPEC ",\"snapshot_key\":\"/nosnapshot\"," RT,
          .create_err = "container.Snapshotter must be set if container.SnapshotKey is set" },
        { .name = "UpdateExtensionsFull", .original = SPEC "," RT "," EXT(B64_HELLO),
          .input = SPEC "," RT "," EXT(B64_WORLD), .expected = SPEC "," RT "," EXT(B64_WORLD) },
        { .name = "UpdateExtensionsNotInFieldpath", .original = SPEC "," RT "," EXT(B64_HELLO),
          .input = SPEC "," RT "," EXT(B64_WORLD), .paths = { "labels" }, .npaths = 1,
          .expected = SPEC "," RT "," EXT(B64_HELLO) },
        { .name = "UpdateExtensionsFieldPath", .original = SPEC "," RT "," EXT(B64_HELLO),
          .input = "\"labels\":{\"foo\":\"one\"}," EXT(B64_WORLD), .paths = { "extensions" },
          .npaths = 1, .expected = SPEC "," RT "," EXT(B64_WORLD) },
        { .name = "UpdateExtensionsFieldPathIsolated",
          .original = SPEC "," RT "," EXT(B64_HELLO),
          .input = "\"extensions\":{\"hello\":{\"type_url\":\"test.update.extensions\","
                   "\"value\":\"dW5pdmVyc2U=\"},\"bar\":{\"type_url\":\"test.update.extensions\","
                   "\"value\":\"Zm9v\"}}",
          .paths = { "extensions.bar" }, .npaths = 1,
          .expected = SPEC "," RT ",\"extensions\":{\"hello\":{\"type_url\":"
                      "\"test.update.extensions\",\"value\":\"" B64_HELLO "\"},\"bar\":{"
                      "\"type_url\":\"test.update.extensions\",\"value\":\"Zm9v\"}}" },
        { .name = "DeleteExtension", .original = SPEC "," RT "," EXT(B64_HELLO), .input = SPEC,
          .paths = { "extensions.hello" }, .npaths = 1, .expected = SPEC "," RT },
        { .name = "UnknownPathFails", .original = SPEC "," RT, .input = SPEC,
          .paths = { "created_at" }, .npaths = 1, .kind = TC_INVALID_ARGUMENT,
          .msg = "cannot update \"created_at\" field on \"UnknownPathFails\"" },
        { .name = "FailedPathLeavesEarlierPathsUnwritten", .original = SPEC "," RT "," IMG,
          .input = "\"image\":\"changed\"", .paths = { "image", "runtime.name" }, .npaths = 2,
          .kind = TC_INVALID_ARGUMENT,
          .msg = "cannot update \"runtime.name\" field on \"FailedPathLeavesEarlierPathsUnwritten\"" },
};

static char root[] = "/tmp/tc-update-XXXXXX";
static int root_fd = -1;

static void make_root(void)
{
        cr_assert(not(eq(ptr, mkdtemp(root), NULL)));
        root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(ge(int, root_fd, 0));
}

static void remove_root(void)
{
        (void) fs_rmtree_at(AT_FDCWD, root, NULL, NULL);
        (void) close(root_fd);
}

/* A record from the members MEMBERS, with ID. */
static struct record *rec_of(const char *id, const char *members)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *json = NULL;
        struct record *r = NULL;

        cr_assert(ge(int, asprintf(&json, "{\"id\":\"%s\"%s%s}", id, *members ? "," : "", members), 0));
        cr_assert(eq(int, record_from_json(json, strlen(json), &r, &err), 0), "%s: %s", json,
                  err ? err->msg : "");
        return r;
}

/* Text of R with its timestamps set to those of LIKE, for comparing. */
static char *text_like(struct record *r, const struct record *like)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        char *text = NULL;
        size_t len;

        memcpy(r->created_at, like->created_at, sizeof r->created_at);
        memcpy(r->updated_at, like->updated_at, sizeof r->updated_at);
        cr_assert(eq(int, record_to_text(r, &text, &len, &err), 0));
        return text;
}

static void expect_equal(struct record *got, const char *id, const char *members, const char *what)
{
        _cleanup_(record_freep) struct record *want = rec_of(id, members);
        _cleanup_free_ char *a = text_like(want, got);
        _cleanup_free_ char *b = text_like(got, got);

        cr_expect(eq(str, b, a), "%s: %s", id, what);
}

static void run_row(struct store *s, const struct row *row)
{
        _cleanup_(record_freep) struct record *orig = rec_of(row->name, row->original);
        _cleanup_(record_freep) struct record *input = rec_of(row->name, row->input ? row->input : "");
        _cleanup_(record_freep) struct record *res = NULL, *got = NULL;
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        int r;

        r = store_create(s, orig, &err);
        if (row->create_err) {
                cr_expect(eq(int, r, -1), "%s", row->name);
                cr_expect(eq(str, err ? err->msg : "", (char *) row->create_err), "%s", row->name);
                return;
        }
        cr_assert(eq(int, r, 0), "%s: create: %s", row->name, err ? err->msg : "");
        cr_expect(eq(str, orig->created_at, orig->updated_at), "%s: equal on create", row->name);
        if (strcmp(row->name, "LabelTooLargeFails") == 0) {
                char big[4097];

                memset(big, 'v', 4095);
                big[4095] = '\0'; /* "k" + 4095 = 4096 is allowed ... */
                cr_assert(eq(int, record_set_label(input, "k", big, &err), 0));
                cr_assert(eq(int, store_update(s, row->name, input, row->paths, 1, NULL, &err), 0));
                big[4095] = 'v'; /* ... 4097 is not */
                big[4096] = '\0';
                cr_assert(eq(int, record_set_label(input, "k", big, &err), 0));
                cr_assert(eq(int, store_get(s, row->name, &got, &err), 0));
                record_free(orig);
                orig = steal_ptr(got);
        }
        r = store_update(s, row->update_id ? row->update_id : row->name, input, row->paths,
                         row->npaths, &res, &err);
        if (!row->expected) {
                cr_expect(eq(int, r, -1), "%s", row->name);
                cr_expect(eq(int, err ? (int) err->kind : 0, (int) row->kind), "%s", row->name);
                cr_expect(eq(str, err ? err->msg : "", (char *) row->msg), "%s", row->name);
                /* a refused update writes nothing */
                cr_assert(eq(int, store_get(s, row->name, &got, &err), 0));
                cr_expect(eq(str, got->updated_at, orig->updated_at), "%s", row->name);
                return;
        }
        cr_assert(eq(int, r, 0), "%s: update: %s", row->name, err ? err->msg : "");
        cr_expect(eq(str, res->created_at, orig->created_at), "%s: created_at kept", row->name);
        cr_expect(gt(str, res->updated_at, res->created_at), "%s: updated_at later", row->name);
        expect_equal(res, row->name, row->expected, "update result");
        cr_assert(eq(int, store_get(s, row->name, &got, &err), 0));
        expect_equal(got, row->name, row->expected, "get after update");
}

Test(update, field_mask_table, .init = make_root, .fini = remove_root)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        cr_assert(eq(int, store_open(root_fd, "testing", true, 5, &s, &err), 0));
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                run_row(s, &rows[i]);
}

Test(update, apply_mask_leaves_record_unchanged_on_error)
{
        _cleanup_(record_freep) struct record *cur = rec_of("web", SPEC "," RT "," IMG);
        _cleanup_(record_freep) struct record *patch = rec_of("web", "\"image\":\"new\"");
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        const char *paths[] = { "image", "bogus" };

        cr_assert(eq(int, record_apply_mask(cur, patch, paths, 2, &err), -1));
        cr_assert(eq(str, cur->image, "test image"));
        cr_assert(eq(int, record_apply_mask(cur, patch, paths, 1, &err), 0));
        cr_assert(eq(str, cur->image, "new"));
}
