/* SPDX-License-Identifier: Apache-2.0 */
/* cli/output.c: tables fitted to their content, JSON as `jq .` prints it. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/base/cleanup.h"
#include "store/record.h"

static char *pretty(const char *in, bool pr, int depth)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        cr_assert(f != NULL);
        cr_assert(eq(int, json_print(f, in, strlen(in), pr, depth), 0));
        cr_assert(eq(int, fclose(f), 0));
        return buf;
}

/* the expected texts are what jq-1.6 printed for the same input */
Test(json, pretty_as_jq)
{
        static const struct {
                const char *in, *out;
        } rows[] = {
                { "{\"a\":1,\"b\":[],\"c\":{},\"d\":[1,{\"e\":null}]}",
                  "{\n  \"a\": 1,\n  \"b\": [],\n  \"c\": {},\n  \"d\": [\n    1,\n    {\n"
                  "      \"e\": null\n    }\n  ]\n}" },
                { "[]", "[]" },
                { "{}", "{}" },
                { "[[],[[]],{\"a\":{\"b\":{}}}]",
                  "[\n  [],\n  [\n    []\n  ],\n  {\n    \"a\": {\n      \"b\": {}\n    }\n  }\n]" },
                /* escapes as jq writes them: \u0041 and \u00e9 decoded, DEL and other
                 * controls as \u00xx, '/' bare, surrogate pairs joined */
                { "\"x\\u0041\\u00e9\\ud83d\\ude00\\u007f\\u0001\\/\\\"\\\\\"",
                  "\"xA\xc3\xa9\xf0\x9f\x98\x80\\u007f\\u0001/\\\"\\\\\"" },
                { "\"\x7f\t\"", "\"\\u007f\\t\"" },
                /* invalid UTF-8 becomes U+FFFD, as jq */
                { "\"a\xff\"", "\"a\xef\xbf\xbd\"" },
                /* white space of any input (stored bytes) is dropped */
                { " { \"k\" :\t[ 1 , 2 ]\n} ", "{\n  \"k\": [\n    1,\n    2\n  ]\n}" },
                /* numbers verbatim (jq 1.6 would round this one: a documented deviation) */
                { "{\"big\":9223372036854775807}", "{\n  \"big\": 9223372036854775807\n}" },
                { "{\"s\":\"a,b:[c]{d}\"}", "{\n  \"s\": \"a,b:[c]{d}\"\n}" },
                /* a scalar longer than the printer's short copies, verbatim */
                { "[1234567890123456789012345678901234567890123456789012345678901234567890,true]",
                  "[\n  1234567890123456789012345678901234567890123456789012345678901234567890,\n"
                  "  true\n]" },
                /* white space inside an empty container, and before a closer */
                { "[ [ ] , { \n} ]", "[\n  [],\n  {}\n]" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *out = pretty(rows[i].in, true, 0);

                cr_expect(eq(str, out, (char *) rows[i].out), "input %s", rows[i].in);
        }
}

/* A long string (printed a word at a time) with one byte that needs
 * escaping at every offset comes out as the short forms above say. */
Test(json, long_strings_escaped_at_every_offset)
{
        static const struct {
                const char *in, *out;
        } bytes[] = { { "\\\"", "\\\"" }, { "\\\\", "\\\\" }, { "\x7f", "\\u007f" },
                      { "\\t", "\\t" },     { "\xc3\xa9", "\xc3\xa9" }, { "\xff", "\xef\xbf\xbd" },
                      { "\\u0041", "A" } };

        for (size_t at = 1; at < 30; at++)
                for (size_t k = 0; k < ELEMENTSOF(bytes); k++) {
                        char in[80], want[80];
                        _cleanup_free_ char *out = NULL;

                        (void) snprintf(in, sizeof in, "\"%.*s%s%.*s\"", (int) at,
                                        "abcdefghijklmnopqrstuvwxyz0123", bytes[k].in, 33 - (int) at,
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456");
                        (void) snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int) at,
                                        "abcdefghijklmnopqrstuvwxyz0123", bytes[k].out, 33 - (int) at,
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456");
                        out = pretty(in, true, 0);
                        cr_expect(eq(str, out, want), "input %s", in);
                }
}

static char *printed_record(const struct record *r, const char *ns, bool pr, int depth)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        cr_assert(f != NULL);
        cr_assert(eq(int, record_json_print(f, r, ns, pr, depth), 0));
        cr_assert(eq(int, fclose(f), 0));
        return buf;
}

/* A record printed from itself is json_print() of its text: every byte value
 * in a label, runtime options and extensions or none, a spec or none, with
 * and without the namespace, pretty at two depths and compact. */
Test(json, record_printed_as_its_text)
{
        static const char *const texts[] = {
                "{\"id\":\"a\",\"labels\":{},\"image\":\"\",\"runtime\":{\"name\":\"\","
                "\"options\":null},\"spec\":null,\"snapshotter\":\"\",\"snapshot_key\":\"\","
                "\"extensions\":{},\"created_at\":\"\",\"updated_at\":\"\"}",
                "{\"id\":\"web\",\"labels\":{\"b\":\"x\\\"y\\\\z\\u007f\\u0001\\n\",\"a\":\"\u00e9\"},"
                "\"image\":\"busybox\",\"runtime\":{\"name\":\"io.containerd.runc.v2\","
                "\"options\":{\"type_url\":\"t/u\",\"value\":\"AAEC\"}},"
                "\"spec\":{\"a\":[1,{},[],{\"b\":\"\\u00e9\\t\"}],\"n\":18446744073709551615},"
                "\"snapshotter\":\"overlayfs\",\"snapshot_key\":\"k\","
                "\"extensions\":{\"e1\":{\"type_url\":\"x\",\"value\":\"\"},\"e2\":{\"type_url\":\"y\","
                "\"value\":\"AQ==\"}},\"created_at\":\"2024-01-01T00:00:00Z\","
                "\"updated_at\":\"2024-01-02T00:00:00.5Z\"}",
        };
        _cleanup_(record_freep) struct record *bytes = NULL;
        char key[4] = "k", val[4];

        /* a label per byte value, raw (as a record may hold them) */
        cr_assert(eq(int, record_from_json(texts[0], strlen(texts[0]), &bytes, NULL), 0));
        for (int c = 1; c < 256; c++) {
                (void) snprintf(key, sizeof key, "%02x", c);
                val[0] = (char) c;
                val[1] = 'v';
                val[2] = (char) c;
                val[3] = '\0';
                cr_assert(eq(int, record_set_label(bytes, key, val, NULL), 0));
        }
        for (size_t i = 0; i <= sizeof texts / sizeof *texts; i++) {
                _cleanup_(record_freep) struct record *own = NULL;
                const struct record *r = bytes;

                if (i < sizeof texts / sizeof *texts) {
                        cr_assert(eq(int, record_from_json(texts[i], strlen(texts[i]), &own, NULL), 0),
                                  "%s", texts[i]);
                        r = own;
                }
                for (int form = 0; form < 6; form++) {
                        const char *ns = form % 2 ? "ns1" : NULL;
                        bool pr = form < 4;
                        int depth = form < 2 ? 0 : 1;
                        _cleanup_free_ char *text = NULL, *want = NULL, *got = NULL;
                        size_t len;

                        cr_assert(eq(int, record_json_text(r, ns, &text, &len, NULL), 0));
                        want = pretty(text, pr, depth);
                        got = printed_record(r, ns, pr, depth);
                        cr_expect(eq(str, got, want), "record %zu form %d", i, form);
                }
        }
}

Test(json, compact_and_depth)
{
        _cleanup_free_ char *c = pretty("{ \"a\" : [ 1, {\"b\": \"x y\"} ], \"e\": {} }", false, 0);
        _cleanup_free_ char *d = pretty("{\"a\":[1]}", true, 1);

        cr_expect(eq(str, c, "{\"a\":[1,{\"b\":\"x y\"}],\"e\":{}}"));
        cr_expect(eq(str, d, "  {\n    \"a\": [\n      1\n    ]\n  }"));
}

static const struct table_col cols[] = { { "ID", 24 }, { "IMAGE", 40 }, { "RUNTIME", 0 } };

static void print_table(void)
{
        char id[77], image[201];
        const char *r1[] = { "web", "busybox", "io.containerd.runc.v2" };
        const char *r2[] = { id, image, "" };

        memset(id, 'a', 76);
        id[76] = '\0';
        memset(image, 'i', 200);
        image[200] = '\0';
        table_header(cols, ELEMENTSOF(cols));
        table_row(cols, ELEMENTSOF(cols), r1);
        table_row(cols, ELEMENTSOF(cols), r2);
        table_end();
        fflush(stdout);
}

static char *expected_table(void)
{
        char *s = NULL;
        char id[77], image[201];

        memset(id, 'a', 76);
        id[76] = '\0';
        memset(image, 'i', 200);
        image[200] = '\0';
        cr_assert(asprintf(&s, "%-76s   %-200s   RUNTIME\n%-76s   %-200s   io.containerd.runc.v2\n"
                               "%s   %s   -\n",
                           "ID", "IMAGE", "web", "busybox", id, image) > 0);
        return s;
}

Test(table, columns_fit_the_widest_cell, .init = cr_redirect_stdout)
{
        _cleanup_free_ char *want = expected_table();

        output_set_columns(NULL);
        print_table();
        cr_assert_stdout_eq_str(want);
}

Test(table, nothing_until_the_end_and_discard, .init = cr_redirect_stdout)
{
        const char *r[] = { "a", "b", "c" };

        output_set_columns(NULL);
        table_header(cols, ELEMENTSOF(cols));
        cr_expect(not(table_has_rows()));
        table_row(cols, ELEMENTSOF(cols), r);
        cr_expect(table_has_rows());
        table_discard();
        table_header(cols, ELEMENTSOF(cols));
        table_end();
        fflush(stdout);
        cr_assert_stdout_eq_str("ID   IMAGE   RUNTIME\n");
}

Test(table, format_picks_and_orders_columns, .init = cr_redirect_stdout)
{
        const char *r[] = { "web", "busybox:latest", "runc" };

        output_set_columns("runtime,id");
        table_header(cols, ELEMENTSOF(cols));
        table_row(cols, ELEMENTSOF(cols), r);
        table_end();
        fflush(stdout);
        output_set_columns(NULL);
        cr_assert_stdout_eq_str("RUNTIME   ID\nrunc      web\n");
}

Test(table, format_unknown_column)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;

        output_set_columns("id,stauts");
        cr_assert(eq(int, table_columns_check(cols, ELEMENTSOF(cols), &err), -1));
        cr_expect(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_expect(eq(str, err->msg, "--format: unknown column \"stauts\" (columns: id image runtime)"));
        output_set_columns(NULL);
}

Test(table, flush_streams_keeping_widths, .init = cr_redirect_stdout)
{
        const char *r1[] = { "a", "b", "c" };
        const char *r2[] = { "longer-id", "b", "c" };

        output_set_columns(NULL);
        table_header(cols, ELEMENTSOF(cols));
        table_row(cols, ELEMENTSOF(cols), r1);
        table_flush();
        table_row(cols, ELEMENTSOF(cols), r2);
        table_end();
        fflush(stdout);
        cr_assert_stdout_eq_str("ID   IMAGE   RUNTIME\na    b       c\nlonger-id   b       c\n");
}
