/* SPDX-License-Identifier: Apache-2.0 */
/* store/record: the JSON codec, validation, base64, the filter adaptor. The
 * field-mask table is in test_update.c. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "store/base64.h"
#include "store/jsonscan.h"
#include "store/record.h"
#include "store/spec_text.h"

#define FULL                                                                                       \
        "{\"id\":\"web\",\"labels\":{\"a.b\":\"x\",\"env\":\"prod\"},"                             \
        "\"image\":\"docker.io/library/busybox:latest\","                                         \
        "\"runtime\":{\"name\":\"io.containerd.runc.v2\","                                        \
        "\"options\":{\"type_url\":\"containerd.runc.v1.Options\",\"value\":\"AAEC\"}},"          \
        "\"spec\":{\"ociVersion\":\"1.1.0\",\"big\":9223372036854775807,\"f\":1.50,"              \
        "\"s\":\"a\\\\\",\"t\":\"x y\"},"                                                          \
        "\"snapshotter\":\"overlayfs\",\"snapshot_key\":\"web-snap\","                            \
        "\"extensions\":{\"ext\":{\"type_url\":\"t\",\"value\":\"aGVsbG8=\"}},"                   \
        "\"created_at\":\"2026-11-28T11:38:21.266303072Z\","                                      \
        "\"updated_at\":\"2026-11-28T11:38:22.000000001Z\"}\n"

static struct record *parse_ok(const char *json)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct record *r = NULL;

        cr_assert(eq(int, record_from_json(json, strlen(json), &r, &err), 0), "%s: %s", json,
                  err ? err->msg : "");
        return r;
}

Test(record, round_trip_is_byte_identical)
{
        _cleanup_(record_freep) struct record *r = parse_ok(FULL);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len;

        cr_assert(eq(int, record_to_text(r, &text, &len, &err), 0));
        cr_assert(eq(str, text, FULL));
        cr_assert(eq(sz, len, strlen(FULL)));
        cr_assert(eq(int, record_validate(r, &err), 0));
}

Test(record, fields_decoded)
{
        _cleanup_(record_freep) struct record *r = parse_ok(FULL);

        cr_assert(eq(str, r->id, "web"));
        cr_assert(eq(sz, r->n_labels, 2));
        cr_assert(eq(str, (char *) record_label(r, "a.b"), "x"));
        cr_assert(eq(str, r->runtime_name, "io.containerd.runc.v2"));
        cr_assert(eq(sz, r->runtime_options->value_len, 3));
        cr_assert(zero(memcmp(r->runtime_options->value, "\0\1\2", 3))); /* criterion's eq(u8[3]) leaks */
        cr_assert(eq(sz, r->n_extensions, 1));
        cr_assert(eq(sz, r->extensions[0].any.value_len, 5));
        cr_assert(zero(memcmp(r->extensions[0].any.value, "hello", 5)));
        cr_assert(eq(str, r->snapshot_key, "web-snap"));
}

Test(record, spec_kept_verbatim_and_compacted)
{
        const char *in = "{ \"id\": \"w\", \"spec\" : {\n \"n\": 12345678901234567890123,"
                         " \"e\": 1e400, \"s\": \"a\\\\\", \"t\": \"x  y\", \"u\": \"\\u00e9\" } }";
        _cleanup_(record_freep) struct record *r = parse_ok(in);

        cr_assert(eq(str, r->spec,
                     "{\"n\":12345678901234567890123,\"e\":1e400,\"s\":\"a\\\\\",\"t\":\"x  y\","
                     "\"u\":\"\\u00e9\"}"));
}

Test(record, spec_strings_with_escaped_quotes_and_backslash_runs)
{
        /* "a\\" ends in an escaped backslash, "b\"c" holds an escaped quote,
         * "\\\" d" a backslash and a quote: the spaces inside must stay */
        const char *in = "{\"spec\": {\"a\": \"x\\\\\", \"b\": \"1 \\\" 2\","
                         " \"c\": \"\\\\\\\" d \", \"n\": [ 1 , {\"\\\\\": \"}\"} ]}, \"id\": \"x\"}";
        _cleanup_(record_freep) struct record *r = parse_ok(in);

        cr_assert(eq(str, r->spec,
                     "{\"a\":\"x\\\\\",\"b\":\"1 \\\" 2\",\"c\":\"\\\\\\\" d \","
                     "\"n\":[1,{\"\\\\\":\"}\"}]}"));
        cr_assert(eq(str, r->id, "x"));
}

Test(record, spec_after_control_whitespace_kept_whole)
{
        /* cJSON skips every byte up to 32 between tokens; the spec's text
         * must be cut where the parser ends it, not at its first comma */
        _cleanup_(record_freep) struct record *r =
                parse_ok("{\"id\":\"x\",\"spec\":\v{\"a\":{\"b\":\"t\",\f\"c\":1}}\v,\"image\":\"i\"}");

        cr_assert(eq(str, r->spec, "{\"a\":{\"b\":\"t\",\"c\":1}}"));
        cr_assert(eq(str, r->image, "i"));
}

Test(spec_text, strict_accepts_json_cjson_reads)
{
        static const char *const ok[] = {
                "{}", "[]", "{\"a\":[1,-0,0.5,1e3,1E-2,-1.5e+30,true,false,null,\"\"]}",
                "{\"s\":\"\\ud83d\\ude00 \\u00e9 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"}",
                " {\"a\" : { \"b\" :\n[ ]\t} } ",
        };

        for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
                const char *t = ok[i] + strspn(ok[i], " ");
                size_t n = strlen(t);

                while (n && strchr(" \t\n", t[n - 1]))
                        n--;
                cr_expect(spec_text_strict(t, n), "%s", ok[i]);
        }
}

Test(spec_text, strict_refuses_what_cjson_may_read_otherwise)
{
        static const char *const bad[] = {
                "", "{", "{\"a\":}", "{\"a\":1,}", "[1,]", "{a:1}", "{\"a\" 1}", "[01]", "[1.]",
                "[.5]", "[+1]", "[-]", "[1e]", "[\"\\udc00\"]", "[\"\\ud800\"]", "[\"\\ud800x\"]",
                "[\"\\u0000\"]", "[\"\\x\"]", "[\"a\tb\"]", "[\v1]", "[tru]", "{} ", "{}{}",
                "[1234567890123456789012345678901234567890123456789012345678901234]", "[\"a]",
        };

        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
                cr_expect(not(spec_text_strict(bad[i], strlen(bad[i]))), "%s", bad[i]);
}

/* The eight-at-a-time scan (store/jsonscan.h) stops at the first byte that
 * needs attention wherever it sits in a word, and at nothing else. */
Test(jsonscan, stops_at_every_offset)
{
        static const unsigned char stops[] = { '"', '\\', 0x00, 0x01, 0x1f };
        static const unsigned char ascii_stops[] = { 0x7f, 0x80, 0xc3, 0xff };
        unsigned char buf[40];

        for (size_t at = 0; at < 24; at++) {
                for (size_t k = 0; k < sizeof stops; k++) {
                        memset(buf, 'a' + (int) (at % 26), sizeof buf);
                        buf[at] = stops[k];
                        buf[at + 3] = '"'; /* a later stop never wins */
                        cr_expect(eq(sz, (size_t) (jsonscan_plain(buf, buf + 30, false) - buf), at),
                                  "byte %#x at %zu", stops[k], at);
                        cr_expect(eq(sz, (size_t) (jsonscan_plain(buf, buf + 30, true) - buf), at));
                }
                for (size_t k = 0; k < sizeof ascii_stops; k++) {
                        memset(buf, ' ', sizeof buf);
                        buf[at] = ascii_stops[k];
                        cr_expect(eq(sz, (size_t) (jsonscan_plain(buf, buf + 30, true) - buf), at),
                                  "byte %#x at %zu", ascii_stops[k], at);
                        /* UTF-8 and DEL are plain in a string's bytes */
                        cr_expect(eq(sz, (size_t) (jsonscan_plain(buf, buf + 30, false) - buf), 30));
                }
        }
        /* the bytes around the ones that stop: never a stop */
        memset(buf, 0, sizeof buf);
        for (size_t i = 0; i < 32; i++)
                buf[i] = (unsigned char) "\x20!#$%&'()*+,-./[]^_`{|}~~}|{`_^]"[i];
        cr_expect(eq(sz, (size_t) (jsonscan_plain(buf, buf + 32, true) - buf), 32));
        cr_expect(eq(sz, (size_t) (jsonscan_plain(buf, buf + 5, true) - buf), 5));
}

/* Long strings (scanned a word at a time): a control byte or a bad escape
 * anywhere is refused, escapes anywhere are read. */
Test(spec_text, strict_long_strings)
{
        char t[64];

        for (size_t at = 2; at < 40; at++) {
                memset(t, 'x', sizeof t);
                memcpy(t, "[\"", 2);
                memcpy(t + 42, "\"]", 2);
                t[at] = '\t';
                cr_expect(not(spec_text_strict(t, 44)), "tab at %zu", at);
                t[at] = '\\';
                t[at + 1] = 'n';
                cr_expect(spec_text_strict(t, 44), "escape at %zu", at);
                t[at + 1] = 'q';
                cr_expect(not(spec_text_strict(t, 44)), "bad escape at %zu", at);
                t[at] = 'x';
                t[at + 1] = '"';
                cr_expect(not(spec_text_strict(t, 44)), "early quote at %zu", at);
        }
}

Test(spec_text, strict_depth_is_bounded)
{
        char deep[2 * 300 + 1];

        memset(deep, '[', 300);
        memset(deep + 300, ']', 300);
        deep[600] = '\0';
        cr_expect(not(spec_text_strict(deep, 600)));
        cr_expect(spec_text_strict(deep + 300 - 256, 2 * 256));
}

/* The fast decoder (spec kept as text) and the slow one (cJSON's tree) give
 * the same record or the same error. */
Test(record, fast_and_slow_decoders_agree)
{
        static const char *const in[] = {
                FULL,
                "{\"id\":\"x\",\"spec\":{\"s\":\"\\u0000\",\"n\":1}}",
                "{\"id\":\"x\",\"spec\":{\"s\":\"\\udc00\"}}",
                "{\"id\":\"x\",\"spec\":{\"a\":1},\"spec\":{\"a\":1}}",
                "{\"id\":\"x\",\"spec\":{\"a\":1},\"image\":7}",
                "{\"id\":\"x\",\"spec\":{\"a\":1}, \"bogus\":1}",
                "{\"id\":\"x\",\"spec\":{\"a\":1} trailing",
                "{\"id\":\"x\",\"spec\":[1]}",
                "{\"id\":\"x\",\"spec\":null}",
                "{\"id\":\"x\",\"spec\":{\"t\":\"a\tb\"}}",
        };

        for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
                _cleanup_(record_freep) struct record *fast = NULL, *slow = NULL;
                _cleanup_(tc_err_freep) struct tc_err *fe = NULL, *se = NULL;
                _cleanup_free_ char *t1 = NULL, *t2 = NULL;
                size_t l1, l2;
                int rf = record_from_json(in[i], strlen(in[i]), &fast, &fe);
                int rs = record_from_json_slow(in[i], strlen(in[i]), &slow, &se);

                cr_assert(eq(int, rf, rs), "%s", in[i]);
                if (rf < 0) {
                        cr_expect(eq(str, fe->msg, se->msg), "%s", in[i]);
                        continue;
                }
                cr_assert(eq(int, record_to_text(fast, &t1, &l1, NULL), 0));
                cr_assert(eq(int, record_to_text(slow, &t2, &l2, NULL), 0));
                cr_expect(eq(str, t1, t2), "%s", in[i]);
        }
}

/* A record as taskctl stores it takes the decoder's fastest path (no cJSON at
 * all); it and every one-byte change or cut of it decode as the slow decoder
 * decodes them, or fail with its message. The labels are stored unsorted and
 * the spec with whitespace here, so that both are worked on. */
static void agree(const char *text, size_t len)
{
        _cleanup_(record_freep) struct record *fast = NULL, *slow = NULL;
        _cleanup_(tc_err_freep) struct tc_err *fe = NULL, *se = NULL;
        _cleanup_free_ char *t1 = NULL, *t2 = NULL;
        size_t l1, l2;
        int rf = record_from_json(text, len, &fast, &fe);
        int rs = record_from_json_slow(text, len, &slow, &se);

        cr_assert(eq(int, rf, rs), "%.*s", (int) len, text);
        if (rf < 0) {
                cr_assert(eq(str, fe->msg, se->msg), "%.*s", (int) len, text);
                return;
        }
        cr_assert(eq(int, record_to_text(fast, &t1, &l1, NULL), 0));
        cr_assert(eq(int, record_to_text(slow, &t2, &l2, NULL), 0));
        cr_assert(eq(str, t1, t2), "%.*s", (int) len, text);
}

Test(record, stored_form_and_its_one_byte_changes_decode_as_the_slow_way)
{
        static const char stored[] =
                "{\"id\":\"web\",\"labels\":{\"z\":\"1\",\"a\":\"\xc3\xa9\",\"m\":\"\"},"
                "\"image\":\"busybox\",\"runtime\":{\"name\":\"io.containerd.runc.v2\","
                "\"options\":null},\"spec\":{\"a\": [1, 2.5e3, true],\"b\":{\"c\":null}},"
                "\"snapshotter\":\"\",\"snapshot_key\":\"k\",\"extensions\":{},"
                "\"created_at\":\"2024-02-29T23:59:59.123456789Z\",\"updated_at\":\"\"}\n";
        static const char subst[] = { '"', '\\', ' ', '\n', 0x01, 0x00, '}', '{', ',', ':', 'x', '3',
                                      (char) 0xff, 'n' };
        char buf[sizeof stored];
        size_t len = sizeof stored - 1;

        agree(stored, len);
        for (size_t at = 0; at < len; at++) {
                for (size_t k = 0; k < sizeof subst; k++) {
                        memcpy(buf, stored, len);
                        buf[at] = subst[k];
                        agree(buf, len);
                }
                memcpy(buf, stored, at); /* the byte at AT cut out */
                memcpy(buf + at, stored + at + 1, len - at - 1);
                agree(buf, len - 1);
        }
}

Test(spec_text, with_member_replaces_keeps_or_adds_and_leaves_the_rest)
{
        static const struct {
                const char *in, *name, *value;
                bool keep;
                const char *out;
        } cases[] = {
                { "{\"a\":1,\"b\":{\"c\":2}}", "a", "\"x\"", false, "{\"a\":\"x\",\"b\":{\"c\":2}}" },
                { "{\"a\":1,\"b\":2}", "b", "true", false, "{\"a\":1,\"b\":true}" },
                { "{\"a\":1}", "a", "2", true, "{\"a\":1}" },
                { "{\"a\":18446744073709551615}", "z", "{}", false,
                  "{\"z\":{},\"a\":18446744073709551615}" },
                { "{}", "z", "1", false, "{\"z\":1}" },
                { " { } ", "z", "1", true, " {\"z\":1 } " },
                { "{\"s\":\"\\\"a\\\":1\",\"a\":2}", "a", "3", false, "{\"s\":\"\\\"a\\\":1\",\"a\":3}" },
        };

        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
                _cleanup_free_ char *out = NULL;

                cr_assert(eq(int, spec_text_with_member(cases[i].in, strlen(cases[i].in), cases[i].name,
                                                        cases[i].value, cases[i].keep, &out), 0));
                cr_expect(eq(str, out, (char *) cases[i].out), "%s", cases[i].in);
        }
}

Test(spec_text, with_member_refuses_what_is_not_an_object)
{
        char *out = (char *) "unchanged";

        cr_expect(eq(int, spec_text_with_member("[1]", 3, "a", "1", false, &out), -1));
        cr_expect(eq(ptr, out, NULL));
        cr_expect(eq(int, spec_text_with_member("\"{}\"", 4, "a", "1", false, &out), -1));
}

/* record_to_text writes the record directly: the same bytes as cJSON's
 * printer, escapes included. */
Test(record, text_is_what_cjson_prints)
{
        _cleanup_(record_freep) struct record *r = parse_ok(FULL);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *text = NULL, *ns_text = NULL;
        char *want;
        size_t len;
        cJSON *j;

        cr_assert(eq(int, record_set_label(r, "q\"b\\s", "c\x01\b\f\n\r\t\x1f\x7f\xc3\xa9/", &err), 0));
        cr_assert(eq(int, record_to_text(r, &text, &len, &err), 0));
        j = record_to_json(r);
        want = cJSON_PrintUnformatted(j);
        cr_assert(eq(sz, len, strlen(want) + 1));
        cr_assert(zero(memcmp(text, want, len - 1)));
        cr_assert(eq(chr, text[len - 1], '\n'));
        cr_assert(not(eq(ptr, strstr(text, "\"c\\u0001\\b\\f\\n\\r\\t\\u001f\x7f\xc3\xa9/\""), NULL)));
        cr_assert(eq(int, record_json_text(r, "ns1", &ns_text, &len, &err), 0));
        cJSON_AddStringToObject(j, "namespace", "ns1");
        cJSON_free(want);
        want = cJSON_PrintUnformatted(j);
        cr_assert(eq(str, ns_text, want));
        cJSON_free(want);
        cJSON_Delete(j);
}

Test(record, spec_member_found_under_an_escaped_key)
{
        _cleanup_(record_freep) struct record *r =
                parse_ok("{\"\\u0073pec\":{\"a\":1},\"id\":\"x\",\"image\":\"spec\"}");

        cr_assert(eq(str, r->spec, "{\"a\":1}"));
}

Test(record, set_spec_validates)
{
        _cleanup_(record_freep) struct record *r = record_new();
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        const char *ok = " {\"process\": {\"args\": [\"sh\"]}}\n";

        cr_assert(eq(int, record_set_spec(r, ok, strlen(ok), &err), 0));
        cr_assert(eq(str, r->spec, "{\"process\":{\"args\":[\"sh\"]}}"));
        cr_assert(eq(int, record_set_spec(r, "[1]", 3, &err), -1));
        cr_assert(eq(str, err->msg, "spec: expected a JSON object, got an array"));
        cr_assert(eq(int, record_set_spec(r, "{\"a\":", 5, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(str, err->msg, "invalid JSON at byte 4"));
        cr_assert(eq(str, r->spec, "{\"process\":{\"args\":[\"sh\"]}}"), "unchanged on error");
}

Test(record, nulls_read_as_empty)
{
        _cleanup_(record_freep) struct record *r =
                parse_ok("{\"id\":\"x\",\"labels\":null,\"image\":null,\"runtime\":{\"name\":\"r\","
                         "\"options\":null},\"spec\":null,\"extensions\":null}");

        cr_assert(eq(sz, r->n_labels, 0));
        cr_assert(eq(ptr, r->runtime_options, NULL));
        cr_assert(eq(ptr, r->spec, NULL));
}

static const struct {
        const char *json;
        const char *msg;
} bad_json[] = {
        { "", "invalid JSON at byte 0" },
        { "{\"id\":\"x\",}", "invalid JSON at byte 10" },
        { "{} {}", "invalid JSON at byte 3: data after the value" },
        { "[]", "expected a JSON object, got an array" },
        { "{\"id\":1}", "field \"id\": expected a string, got a number" },
        { "{\"image\":true}", "field \"image\": expected a string, got a boolean" },
        { "{\"labels\":[]}", "field \"labels\": expected an object, got an array" },
        { "{\"labels\":{\"a\":1}}", "field \"labels.a\": expected a string, got a number" },
        { "{\"labels\":{\"a\":\"1\",\"a\":\"2\"}}", "field \"labels\": duplicate key \"a\"" },
        { "{\"runtime\":\"runc\"}", "field \"runtime\": expected an object, got a string" },
        { "{\"runtime\":{\"name\":{}}}", "field \"runtime.name\": expected a string, got an object" },
        { "{\"runtime\":{\"opts\":null}}", "unknown field \"runtime.opts\"" },
        { "{\"runtime\":{\"options\":\"x\"}}",
          "field \"runtime.options\": expected an object {\"type_url\", \"value\"}, got a string" },
        { "{\"runtime\":{\"options\":{\"value\":\"@@@@\"}}}",
          "field \"runtime.options.value\": invalid base64" },
        { "{\"runtime\":{\"options\":{\"value\":3}}}",
          "field \"runtime.options.value\": expected a base64 string, got a number" },
        { "{\"runtime\":{\"options\":{\"typeurl\":\"\"}}}",
          "unknown field \"runtime.options.typeurl\"" },
        { "{\"spec\":\"{}\"}", "field \"spec\": expected an object, got a string" },
        { "{\"spec\":[]}", "field \"spec\": expected an object, got an array" },
        { "{\"extensions\":{\"e\":1}}",
          "field \"extensions.e\": expected an object {\"type_url\", \"value\"}, got a number" },
        { "{\"extensions\":{\"e\":{\"value\":\"Zg=\"}}}", "field \"extensions.e.value\": invalid base64" },
        { "{\"extensions\":{\"e\":{\"type_url\":5}}}",
          "field \"extensions.e.type_url\": expected a string, got a number" },
        { "{\"created_at\":\"yesterday\"}",
          "field \"created_at\": \"yesterday\" is not an RFC 3339 time" },
        { "{\"updated_at\":7}", "field \"updated_at\": expected a string, got a number" },
        { "{\"lables\":{}}", "unknown field \"lables\"" },
        { "{\"id\":\"a\",\"id\":\"b\"}", "field \"record\": duplicate key \"id\"" },
};

Test(record, type_errors_name_the_field)
{
        for (size_t i = 0; i < ELEMENTSOF(bad_json); i++) {
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;
                struct record *r = NULL;

                cr_expect(eq(int, record_from_json(bad_json[i].json, strlen(bad_json[i].json), &r, &err),
                             -1),
                          "row %zu: %s", i, bad_json[i].json);
                cr_expect(eq(ptr, r, NULL));
                if (!err)
                        continue;
                cr_expect(eq(int, err->kind, TC_INVALID_ARGUMENT), "row %zu", i);
                cr_expect(eq(str, err->msg, (char *) bad_json[i].msg), "row %zu: %s", i,
                          bad_json[i].json);
        }
}

#define VALID_BASE "\"id\":\"web\",\"runtime\":{\"name\":\"r\"},\"spec\":{}"

static const struct {
        const char *name;
        const char *json;
        const char *msg; /* NULL: valid */
} validation[] = {
        { "valid", "{" VALID_BASE "}", NULL },
        { "empty id", "{\"id\":\"\",\"runtime\":{\"name\":\"r\"},\"spec\":{}}",
          "container.ID: identifier must not be empty" },
        { "bad id", "{\"id\":\"a/b\",\"runtime\":{\"name\":\"r\"},\"spec\":{}}",
          "container.ID: identifier \"a/b\" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$" },
        { "empty extension key", "{" VALID_BASE ",\"extensions\":{\"\":{}}}",
          "container.Extension keys must not be zero-length" },
        { "empty label key", "{" VALID_BASE ",\"labels\":{\"\":\"v\"}}",
          "containers.Labels: label key must not be empty" },
        { "no runtime", "{\"id\":\"web\",\"spec\":{}}", "container.Runtime.Name must be set" },
        { "empty runtime", "{\"id\":\"web\",\"runtime\":{\"name\":\"\"},\"spec\":{}}",
          "container.Runtime.Name must be set" },
        { "no spec", "{\"id\":\"web\",\"runtime\":{\"name\":\"r\"}}", "container.Spec must be set" },
        { "null spec", "{\"id\":\"web\",\"runtime\":{\"name\":\"r\"},\"spec\":null}",
          "container.Spec must be set" },
        { "snapshot key without snapshotter", "{" VALID_BASE ",\"snapshot_key\":\"k\"}",
          "container.Snapshotter must be set if container.SnapshotKey is set" },
};

Test(record, validation_as_containerd)
{
        for (size_t i = 0; i < ELEMENTSOF(validation); i++) {
                _cleanup_(record_freep) struct record *r = parse_ok(validation[i].json);
                _cleanup_(tc_err_freep) struct tc_err *err = NULL;
                int want = validation[i].msg ? -1 : 0;

                cr_expect(eq(int, record_validate(r, &err), want), "%s", validation[i].name);
                if (!validation[i].msg || !err)
                        continue;
                cr_expect(eq(int, err->kind, TC_INVALID_ARGUMENT), "%s", validation[i].name);
                cr_expect(eq(str, err->msg, (char *) validation[i].msg), "%s", validation[i].name);
        }
}

Test(record, label_size_limit)
{
        _cleanup_(record_freep) struct record *r = parse_ok("{" VALID_BASE "}");
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        char key[101], value[4096 - 100 + 2];

        memset(key, 'k', 100);
        key[100] = '\0';
        memset(value, 'v', sizeof value - 2);
        value[sizeof value - 2] = '\0'; /* key + value = 4096: allowed */
        cr_assert(eq(int, record_set_label(r, key, value, &err), 0));
        cr_assert(eq(int, record_validate(r, &err), 0));
        value[sizeof value - 2] = 'v'; /* 4097 */
        value[sizeof value - 1] = '\0';
        cr_assert(eq(int, record_set_label(r, key, value, &err), 0));
        cr_assert(eq(int, record_validate(r, &err), -1));
        cr_assert(eq(str, err->msg,
                     "containers.Labels: label key and value length (4097 bytes) greater than "
                     "maximum size (4096 bytes), key: "
                     "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"));
}

Test(record, labels_sorted_and_unset)
{
        _cleanup_(record_freep) struct record *r = record_new();
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        cr_assert(eq(int, record_set_label(r, "b", "2", &err), 0));
        cr_assert(eq(int, record_set_label(r, "a", "1", &err), 0));
        cr_assert(eq(int, record_set_label(r, "c", "", &err), 0));
        cr_assert(eq(int, record_set_label(r, "b", "3", &err), 0));
        cr_assert(eq(sz, r->n_labels, 3));
        cr_assert(eq(str, r->labels[0].key, "a"));
        cr_assert(eq(str, r->labels[1].value, "3"));
        record_drop_empty_labels(r);
        cr_assert(eq(sz, r->n_labels, 2));
        cr_assert(record_unset_label(r, "a"));
        cr_assert(not(record_unset_label(r, "a")));
        cr_assert(eq(ptr, (void *) record_label(r, "a"), NULL));
        cr_assert(eq(str, (char *) record_label(r, "b"), "3"));
}

static const struct {
        const char *plain, *b64;
} b64_ok[] = {
        { "", "" },         { "f", "Zg==" },         { "fo", "Zm8=" },
        { "foo", "Zm9v" },  { "foob", "Zm9vYg==" },  { "fooba", "Zm9vYmE=" },
        { "foobar", "Zm9vYmFy" },
};

Test(base64, vectors_both_ways)
{
        for (size_t i = 0; i < ELEMENTSOF(b64_ok); i++) {
                _cleanup_free_ char *enc = base64_encode((const unsigned char *) b64_ok[i].plain,
                                                         strlen(b64_ok[i].plain));
                _cleanup_free_ unsigned char *dec = NULL;
                size_t n = 99;
                bool oom;

                cr_expect(eq(str, enc, (char *) b64_ok[i].b64));
                cr_expect(base64_decode(b64_ok[i].b64, &dec, &n, &oom), "%s", b64_ok[i].b64);
                cr_expect(eq(sz, n, strlen(b64_ok[i].plain)));
                cr_expect(zero(memcmp(dec, b64_ok[i].plain, n)));
        }
}

Test(base64, binary_and_newlines)
{
        const unsigned char bin[] = { 0xff, 0x00, 0xfe, 0x80 };
        _cleanup_free_ char *enc = base64_encode(bin, sizeof bin);
        _cleanup_free_ unsigned char *dec = NULL;
        size_t n;
        bool oom;

        cr_assert(eq(str, enc, "/wD+gA=="));
        cr_assert(base64_decode("Zm9v\r\nYmFy\n", &dec, &n, &oom));
        cr_assert(eq(sz, n, 6));
        cr_assert(zero(memcmp(dec, "foobar", 6)));
}

Test(base64, malformed_refused)
{
        static const char *const bad[] = { "Zg=", "Z===", "Zm9v!", "Zg==Zg==", "=Zg=", "Zm9",
                                           "Zm 9v", "Zm-_" };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                unsigned char *dec = NULL;
                size_t n;
                bool oom = true;

                cr_expect(not(base64_decode(bad[i], &dec, &n, &oom)), "%s", bad[i]);
                cr_expect(not(oom));
                cr_expect(eq(ptr, dec, NULL));
        }
}

static const struct {
        const char *path[4];
        size_t n;
        const char *value; /* NULL: absent */
} fields[] = {
        { { "id" }, 1, "web" },
        { { "image" }, 1, "docker.io/library/busybox:latest" },
        { { "runtime", "name" }, 2, "io.containerd.runc.v2" },
        { { "runtime" }, 1, NULL },
        { { "runtime", "options" }, 2, NULL },
        { { "snapshotter" }, 1, "overlayfs" },
        { { "labels", "env" }, 2, "prod" },
        { { "labels", "a", "b" }, 3, "x" },
        { { "labels", "a" }, 2, NULL },
        { { "labels" }, 1, NULL },
        { { "labels", "nope" }, 2, NULL },
        { { "spec" }, 1, NULL },
        { { "snapshot_key" }, 1, NULL },
        { { NULL }, 0, NULL },
};

Test(record, field_adaptor)
{
        _cleanup_(record_freep) struct record *r = parse_ok(FULL);

        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                const char *v = NULL;
                bool got = record_field(r, fields[i].path, fields[i].n, &v);

                cr_expect(eq(int, got, fields[i].value != NULL), "row %zu", i);
                if (got && fields[i].value)
                        cr_expect(eq(str, (char *) v, (char *) fields[i].value), "row %zu", i);
        }
}

Test(record, field_adaptor_empty_is_absent)
{
        _cleanup_(record_freep) struct record *r = parse_ok("{\"id\":\"x\",\"image\":\"\"}");
        const char *path[] = { "image" }, *v = NULL;

        cr_assert(not(record_field(r, path, 1, &v)));
}

Test(record, dup_is_deep_and_equal)
{
        _cleanup_(record_freep) struct record *r = parse_ok(FULL);
        _cleanup_(record_freep) struct record *d = NULL;
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL;
        size_t la, lb;

        cr_assert(eq(int, record_dup(r, &d, &err), 0));
        cr_assert(ne(ptr, d->labels, r->labels));
        cr_assert(eq(int, record_to_text(r, &a, &la, &err), 0));
        cr_assert(eq(int, record_to_text(d, &b, &lb, &err), 0));
        cr_assert(eq(str, a, b));
}

/* 100,000 labels, in reverse order (the worst case for one-by-one sorted
 * insertion): all decoded, sorted, each findable; one duplicate among them is
 * found. Decoding was quadratic (40,000 labels: 2.7 s); scripts/bench-labels
 * measures how the time grows. */
static char *many_labels_json(size_t n, bool dup)
{
        size_t cap = 64 + n * 40, len = 0;
        char *s = malloc(cap);

        cr_assert(not(eq(ptr, s, NULL)));
        len += (size_t) sprintf(s + len, "{\"id\":\"many\",\"labels\":{");
        for (size_t i = n; i-- > 0;)
                len += (size_t) sprintf(s + len, "%s\"key-%07zu\":\"v%zu\"", i == n - 1 ? "" : ",",
                                        dup && i == 0 ? n / 2 : i, i);
        (void) sprintf(s + len, "}}");
        return s;
}

Test(record, hundred_thousand_labels)
{
        _cleanup_free_ char *json = many_labels_json(100000, false);
        _cleanup_(record_freep) struct record *r = parse_ok(json);
        char key[32];

        cr_assert(eq(sz, r->n_labels, 100000));
        for (size_t i = 1; i < r->n_labels; i++)
                cr_assert(lt(int, strcmp(r->labels[i - 1].key, r->labels[i].key), 0));
        (void) snprintf(key, sizeof key, "key-%07d", 31337);
        cr_assert(eq(str, (char *) record_label(r, key), "v31337"));
        cr_assert(eq(str, r->labels[0].key, "key-0000000"));
}

Test(record, duplicate_among_many_labels)
{
        _cleanup_free_ char *json = many_labels_json(100000, true);
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct record *r = NULL;

        cr_assert(eq(int, record_from_json(json, strlen(json), &r, &err), -1));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(str, err->msg, "field \"labels\": duplicate key \"key-0050000\""));
}
