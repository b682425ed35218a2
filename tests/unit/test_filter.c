/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "store/filter.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>

/* LeakSanitizer reports at exit, after Criterion has recorded the result, and
 * a .fini cannot fail a test: each test runs its body in a function of its own
 * (so that the _cleanup_ locals are gone), then checks for leaks. */
static void no_leaks(void)
{
        cr_assert(eq(int, __lsan_do_recoverable_leak_check(), 0), "memory leaked");
}
#else
static void no_leaks(void)
{
}
#endif

/* Criterion runs each case in a new process and hands it a byte copy of its
 * parameter, where a pointer from the parent's address space (PIE, ASLR)
 * would dangle: the parameter is a row number into a table the child has too. */
#define ROWS(table)                                                                                \
        ({                                                                                         \
                static size_t rows_[ELEMENTSOF(table)];                                            \
                for (size_t i_ = 0; i_ < ELEMENTSOF(table); i_++)                                  \
                        rows_[i_] = i_;                                                            \
                cr_make_param_array(size_t, rows_, ELEMENTSOF(table));                             \
        })

/* ---- parsing: valid input -> canonical form (filter_format) ---- */

struct parse_case {
        const char *in;
        const char *canon;
};

static const struct parse_case parse_cases[] = {
        {"", ""},
        {"name", "name"},
        {"labels.foo", "labels.foo"},
        {"labels.foo,name", "labels.foo,name"},
        {"labels.foo==true", "labels.foo==\"true\""},
        {"labels.foo==omg_asdf.asdf-qwer", "labels.foo==\"omg_asdf.asdf-qwer\""},
        {"name!=bar", "name!=\"bar\""},
        {"other==\"too complex, yo\"", "other==\"too complex, yo\""},
        {"compound.labels==punctuated_value.foo-bar",
         "compound.labels==\"punctuated_value.foo-bar\""},
        /* bare values: image references, '=', '"', '-', '@' inside */
        {"image==docker.io/library/busybox:latest", "image==\"docker.io/library/busybox:latest\""},
        {"image==registry:5000/app@sha256:ab", "image==\"registry:5000/app@sha256:ab\""},
        {"labels.x==a=b", "labels.x==\"a=b\""},
        {"id==a\"b", "id==\"a\\\"b\""},
        {"id==-x", "id==\"-x\""},
        {"labels.x==caf\xc3\xa9!", "labels.x==\"caf\xc3\xa9!\""},
        {"id==\x01x", "id==\"\\x01x\""}, /* a value's first rune is taken as is */
        {"name~=\xe7\x89\x9b,labels.moo==true", "name~=\"\xe7\x89\x9b\",labels.moo==\"true\""},
        /* regular expressions, bare and in the three quotes */
        {"other~=[abc]+,name!=foo", "other~=\"[abc]+\",name!=\"foo\""},
        {"name~=[abc]\\+", "name~=\"[abc]\\\\+\""},
        {"other~=/[abc]{1,2}/,name!=foo", "other~=\"[abc]{1,2}\",name!=\"foo\""},
        {"other~=/[abc]{0,1}\"\\//,name!=foo", "other~=\"[abc]{0,1}\\\"/\",name!=\"foo\""},
        {"input~=/foo\\/bar/", "input~=\"foo/bar\""},
        {"input~=|foo/bar|", "input~=\"foo/bar\""},
        {"input~=|a\\|b|", "input~=\"a|b\""},
        {"name~=\"asdf\\n\\tfooo\"", "name~=\"asdf\\n\\tfooo\""},
        {"id~=\"\"", "id~=\"\""},
        /* quoted fields */
        {"labels.\"more complex label\"", "labels.\"more complex label\""},
        {"labels.\"more complex label with \\\\ and \\\"\"==present",
         "labels.\"more complex label with \\\\ and \\\"\"==\"present\""},
        {"labels.\"more complex label with \\\\ and \\\"\".post==present",
         "labels.\"more complex label with \\\\ and \\\"\".post==\"present\""},
        {"labels.\"io.k8s/name\"==web", "labels.\"io.k8s/name\"==\"web\""},
        {"labels.a.b", "labels.a.b"},
        {"labels.\"a\"", "labels.a"},
        {"\"leading quote\".postquote==value", "\"leading quote\".postquote==\"value\""},
        {"\"\"", "\"\""},
        {"id==\"\"", "id==\"\""},
        {"labels.1-a_B", "labels.1-a_B"},
        {"labels.\"a,b\"==\"c,d\"", "labels.\"a,b\"==\"c,d\""},
        /* white space before tokens */
        {"  name", "name"},
        {"name ==foo", "name==\"foo\""},
        {"name== foo", "name==\"foo\""},
        {"name\t==\tfoo", "name==\"foo\""},
        {"a==b, c", "a==\"b\",c"},
        {"labels. foo", "labels.foo"},
        {"labels.\xc2\xa0"
         "foo",
         "labels.foo"},
        {"id==\xe3\x80\x80web", "id==\"web\""},
        /* escapes */
        {"labels.\"\\x41\\101\\u00e9\\U0001F600\\a\\b\\f\\n\\r\\t\\v\\\\\"",
         "labels.\"AA\xc3\xa9\xf0\x9f\x98\x80\\a\\b\\f\\n\\r\\t\\v\\\\\""},
        {"id==\"\\xff\"", "id==\"\\xff\""},
        {"id==\"\\x7f\\x1b\"", "id==\"\\x7f\\x1b\""},
        {"id==\"\\u200b\\u0085\\u2028\\U000E0001\"", "id==\"\\u200b\\u0085\\u2028\\U000e0001\""},
        {"id==\"\\ud800\"", "id==\"\xef\xbf\xbd\""},
        {"id==\"\\377\\U0010FFFF\"", "id==\"\\xff\xf4\x8f\xbf\xbf\""},
};

ParameterizedTestParameters(filter, parse_ok)
{
        return ROWS(parse_cases);
}

static void check_parse_ok(const struct parse_case *c)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(filter_freep) struct filter *f = NULL;
        _cleanup_strv_ char **canon = NULL;

        cr_assert(eq(int, filter_parse(c->in, &f, &err), 0), "%s: %s", c->in, err ? err->msg : "");
        cr_assert(eq(int, filter_format(f, &canon, &err), 0));
        cr_assert(eq(str, canon[0], (char *) c->canon));
        cr_assert(eq(ptr, canon[1], NULL));
}

ParameterizedTest(size_t *row, filter, parse_ok)
{
        check_parse_ok(&parse_cases[*row]);
        no_leaks();
}

/* The canonical form parses back to itself. */
ParameterizedTestParameters(filter, canonical_round_trip)
{
        return ROWS(parse_cases);
}

static void check_canonical_round_trip(const struct parse_case *c)
{
        _cleanup_(filter_freep) struct filter *f = NULL;
        _cleanup_strv_ char **canon = NULL;

        cr_assert(eq(int, filter_parse(c->canon, &f, NULL), 0), "%s", c->canon);
        cr_assert(eq(int, filter_format(f, &canon, NULL), 0));
        cr_assert(eq(str, canon[0], (char *) c->canon));
}

ParameterizedTest(size_t *row, filter, canonical_round_trip)
{
        check_canonical_round_trip(&parse_cases[*row]);
        no_leaks();
}

/* ---- parsing: invalid input -> position (0-based byte offset) and cause ---- */

struct error_case {
        const char *in;
        size_t pos;
        const char *what;
        bool prefix; /* WHAT is only the start of the cause (PCRE2's text follows) */
};

#define EXPECT_OP "expected an operator (\"==\"|\"!=\"|\"~=\")"

static const struct error_case parse_error_cases[] = {
        /* parser.field */
        {"name==foo,", 10, "expected a field name or a quoted string"},
        {"labels.", 7, "expected a field name or a quoted string"},
        {"labels.?\"x\"", 7, "expected a field name or a quoted string"},
        {"   ", 3, "expected a field name or a quoted string"},
        {",", 0, "expected a field name or a quoted string"},
        {"==x", 0, "expected a field name or a quoted string"},
        {"'a'", 0, "expected a field name or a quoted string"},
        {"a,,b", 2, "expected a field name or a quoted string"},
        {"a.,b", 2, "expected a field name or a quoted string"},
        {"\xe7\x89\x9b==x", 0, "expected a field name or a quoted string"},
        {"labels.|foo|==x", 7, "invalid quote encountered"},
        {"labels./foo/", 7, "invalid quote encountered"},
        /* parser.operator */
        {"name foo", 5, EXPECT_OP},
        {"name?", 4, EXPECT_OP},
        {"name ,x", 5, EXPECT_OP},
        {"labels .foo", 7, EXPECT_OP},
        {"name\"x\"", 4, EXPECT_OP},
        {"labels.a\xe7\x89\x9b==x", 8, EXPECT_OP},
        {"name=foo", 4, "unsupported operator \"=\""},
        {"name===foo", 4, "unsupported operator \"===\""},
        {"name=~foo", 4, "unsupported operator \"=~\""},
        /* parser.value */
        {"image~=,id?=?fbaq", 7, "expected value or quoted"},
        {"id==", 4, "expected value or quoted"},
        {"id== ", 5, "expected value or quoted"},
        {"id==.x", 4, "expected value or quoted"},
        {"id==~x", 2, "unsupported operator \"==~\""},
        {"id== ~x", 5, "expected value or quoted"},
        {"labels.tier~=.+", 13, "expected value or quoted"},
        {"id==,x", 4, "expected value or quoted"},
        {"id==/x/", 4, "invalid quote encountered"},
        {"id!=|x|", 4, "invalid quote encountered"},
        /* parser.selectors: a selector must end at ',' or the end */
        {"name==foo bar", 9, "unexpected input \" \""},
        {"name==foo ", 9, "unexpected input \" \""},
        {"id==\"a\"b", 7, "unexpected input \"b\""},
        {"id==a\x01", 5, "unexpected input \"\\x01\""},
        {"id==a\xe2\x80\x8b"
         "b",
         5, "unexpected input \"\\u200b\""},
        {"id==a\xff"
         "b",
         5, "unexpected input \"\\xff\""},
        /* scanner: quoted literals */
        {"labels.ns/key==value", 9, "quoted literal not terminated"},
        {"labels.key==/value", 12, "quoted literal not terminated"},
        {"labels.containerd.io/key==value", 20, "quoted literal not terminated"},
        {"labels.\"a", 7, "quoted literal not terminated"},
        {"labels.\"a\nb\"==x", 7, "quoted literal not terminated"},
        {"labels.\"\\g\"", 7, "illegal escape sequence"},
        {"labels.\"\\g", 7, "illegal escape sequence"},
        {"labels.\"a\\", 7, "illegal escape sequence"},
        {"id==\"\\'\"", 4, "illegal escape sequence"},
        {"id==\"\\/\"", 4, "illegal escape sequence"},
        {"id~=/a\\\"b/", 4, "illegal escape sequence"},
        {"labels.\"\\xaz\"", 7, "illegal numeric escape sequence"},
        {"labels.\"\\u12\"", 7, "illegal numeric escape sequence"},
        {"labels.\"\\18\"", 7, "illegal numeric escape sequence"},
        {"labels.\"\\U0010FFF\"", 7, "illegal numeric escape sequence"},
        /* unquote */
        {"labels.\"\\400\"", 7, "unquoting failed: quote syntax error"},
        {"id==\"\\U00110000\"", 4, "unquoting failed: quote syntax error"},
        {"id==\"\\x00\"", 4, "unquoting failed: NUL character not supported"},
        {"labels.\"\\000\"", 7, "unquoting failed: NUL character not supported"},
        {"id==\"a\\u0000\"", 4, "unquoting failed: NUL character not supported"},
        /* scanner: UTF-8 */
        {"\xff", 0, "invalid UTF-8"},
        {"id\xff", 2, "invalid UTF-8"},
        {"id==\xff", 4, "invalid UTF-8"},
        {"labels.\"a\xff\"", 7, "invalid UTF-8"},
        {"labels.\xc0\x80", 7, "invalid UTF-8"},
        {"labels.\xed\xa0\x80", 7, "invalid UTF-8"},
        {"id==\xe2\x82", 4, "invalid UTF-8"},
        /* regular expressions are compiled while parsing */
        {"id~=(", 4, "invalid regular expression: ", true},
        {"id~=\"[\"", 4, "invalid regular expression: ", true},
        {"a==b,c~=x,d~=/x(/", 13, "invalid regular expression: ", true},
        {"id~=\"\\xff\"", 4, "invalid regular expression: ", true},
};

ParameterizedTestParameters(filter, parse_error)
{
        return ROWS(parse_error_cases);
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void check_parse_error(const struct error_case *c)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        static char sentinel;
        struct filter *f = (struct filter *) &sentinel; /* must stay as is */
        char needle[256];

        (void) snprintf(needle, sizeof needle, "\": parse error at %zu: %s", c->pos, c->what);
        cr_assert(eq(int, filter_parse(c->in, &f, &err), -1), "%s", c->in);
        cr_assert(eq(ptr, f, (struct filter *) &sentinel));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(int, strncmp(err->msg, "filter \"", 8), 0), "%s", err->msg);
        cr_assert(strchr(err->msg, '\n') == NULL, "%s", err->msg);
        if (c->prefix)
                cr_assert(strstr(err->msg, needle) != NULL, "%s", err->msg);
        else
                cr_assert(ends_with(err->msg, needle), "%s: want ...%s", err->msg, needle);
}

ParameterizedTest(size_t *row, filter, parse_error)
{
        check_parse_error(&parse_error_cases[*row]);
        no_leaks();
}

struct message_case {
        const char *in;
        const char *msg;
};

static const struct message_case error_message_cases[] = {
        {"labels.a==,", "filter \"labels.a==,\": parse error at 10: expected value or quoted"},
        {"labels.\"a\"==",
         "filter \"labels.\\\"a\\\"==\": parse error at 12: expected value or quoted"},
        {"id==a\tb", "filter \"id==a\\tb\": parse error at 5: unexpected input \"\\t\""},
        {"labels.\"a\nb\"", "filter \"labels.\\\"a\\nb\\\"\": parse error at 7: quoted "
                            "literal not terminated"},
        {"id~=(", "filter \"id~=(\": parse error at 4: invalid regular expression: "
                  "missing closing parenthesis at pattern offset 1"},
};

ParameterizedTestParameters(filter, error_message)
{
        return ROWS(error_message_cases);
}

static void check_error_message(const struct message_case *c)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(filter_freep) struct filter *f = NULL;

        cr_assert(eq(int, filter_parse(c->in, &f, &err), -1));
        cr_assert(eq(str, err->msg, (char *) c->msg));
}

ParameterizedTest(size_t *row, filter, error_message)
{
        check_error_message(&error_message_cases[*row]);
        no_leaks();
}

static void check_parse_all_names_the_bad_filter(void)
{
        static const char *const strs[] = {"id==a", "id==", "labels.x"};
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct filter *f = NULL;

        cr_assert(eq(int, filter_parse_all(strs, ELEMENTSOF(strs), &f, &err), -1));
        cr_assert(eq(ptr, f, NULL));
        cr_assert(eq(int, err->kind, TC_INVALID_ARGUMENT));
        cr_assert(eq(str, err->msg, "filter \"id==\": parse error at 4: expected value or quoted"));
}

Test(filter, parse_all_names_the_bad_filter)
{
        check_parse_all_names_the_bad_filter();
        no_leaks();
}

static void check_parse_all_formats_one_string_per_filter(void)
{
        static const char *const strs[] = {"id==a", "", "labels.x"};
        _cleanup_(filter_freep) struct filter *f = NULL;
        _cleanup_(filter_freep) struct filter *none = NULL;
        _cleanup_strv_ char **v = NULL;
        _cleanup_strv_ char **empty = NULL;

        cr_assert(eq(int, filter_parse_all(strs, ELEMENTSOF(strs), &f, NULL), 0));
        cr_assert(eq(int, filter_format(f, &v, NULL), 0));
        cr_assert(eq(str, v[0], "id==\"a\""));
        cr_assert(eq(str, v[1], ""));
        cr_assert(eq(str, v[2], "labels.x"));
        cr_assert(eq(ptr, v[3], NULL));
        cr_assert(eq(int, filter_parse_all(NULL, 0, &none, NULL), 0));
        cr_assert(eq(int, filter_format(none, &empty, NULL), 0));
        cr_assert(eq(ptr, empty[0], NULL));
}

Test(filter, parse_all_formats_one_string_per_filter)
{
        check_parse_all_formats_one_string_per_filter();
        no_leaks();
}

/* ---- matching, through an adaptor shaped like containerd's adaptContainer ---- */

struct label {
        const char *key, *value;
};

struct obj {
        const char *id, *image, *runtime;
        struct label labels[4];
};

static const struct obj corpus[] = {
        {"web",
         "docker.io/library/nginx:latest",
         "io.containerd.runc.v2",
         {{"env", "prod"}, {"io.k8s/name", "web"}, {"a.b", "dotted"}}},
        {"db",
         "docker.io/library/postgres:16",
         "io.containerd.runc.v2",
         {{"env", "dev"}, {"tier", "backend"}}},
        {"cache", "", "io.containerd.runsc.v1", {{NULL, NULL}}},
        {"job-1",
         "docker.io/library/busybox:latest",
         "io.containerd.runc.v2",
         {{"more complex label", "present"}, {"q\"b\\", "x"}, {"empty", ""}}},
        {"\xe7\x89\x9b",
         "registry.example.com:5000/team/app@sha256:abcd",
         "",
         {{"env", "prod staging"}, {"csv", "a,b"}}},
};

#define ALL 0x1fu

static bool label_field(const struct obj *o, const char *const *path, size_t n,
                        const char **ret_value)
{
        for (size_t i = 0; i < ELEMENTSOF(o->labels) && o->labels[i].key; i++) {
                if (filter_path_eq(path, n, o->labels[i].key)) {
                        *ret_value = o->labels[i].value;
                        return true;
                }
        }
        return false;
}

static bool obj_field(void *p, const char *const *path, size_t n, const char **ret_value)
{
        const struct obj *o = p;
        const char *v = NULL;

        if (strcmp(path[0], "labels") == 0)
                return label_field(o, path + 1, n - 1, ret_value);
        if (n == 1 && strcmp(path[0], "id") == 0)
                v = o->id;
        else if (n == 1 && strcmp(path[0], "image") == 0)
                v = o->image;
        else if (n == 2 && strcmp(path[0], "runtime") == 0 && strcmp(path[1], "name") == 0)
                v = o->runtime;
        if (!v || !*v)
                return false; /* as adaptContainer: an empty field is absent */
        *ret_value = v;
        return true;
}

struct match_case {
        const char *f[3];
        size_t n;
        unsigned want; /* bit i: corpus[i] matches */
};

static const struct match_case match_cases[] = {
        {{NULL}, 0, ALL},
        {{""}, 1, ALL},
        /* presence */
        {{"id"}, 1, ALL},
        {{"image"}, 1, ALL & ~0x04u},
        {{"runtime.name"}, 1, ALL & ~0x10u},
        {{"labels.env"}, 1, 0x13},
        {{"labels.empty"}, 1, 0x08},
        {{"labels"}, 1, 0},
        {{"other"}, 1, 0},
        /* equality */
        {{"labels.env==prod"}, 1, 0x01},
        {{"labels.empty==\"\""}, 1, 0x08},
        {{"image==docker.io/library/busybox:latest"}, 1, 0x08},
        {{"image==registry.example.com:5000/team/app@sha256:abcd"}, 1, 0x10},
        {{"id==\xe7\x89\x9b"}, 1, 0x10},
        {{"id==nomatch"}, 1, 0},
        /* inequality: an absent field reads as "" */
        {{"labels.env!=prod"}, 1, 0x1e},
        {{"labels.env!=\"\""}, 1, 0x13},
        {{"labels.empty!=\"\""}, 1, 0},
        {{"other!=x"}, 1, ALL},
        {{"id!=web,id!=db"}, 1, 0x1c},
        /* regular expressions: unanchored search, absent reads as "" */
        {{"id~=^(web|db)$"}, 1, 0x03},
        {{"id~=b"}, 1, 0x0b},
        {{"id~=(?i)WEB"}, 1, 0x01},
        {{"image~=latest$"}, 1, 0x09},
        {{"image~=/busybox/"}, 1, 0x08},
        {{"runtime.name~=|runsc|"}, 1, 0x04},
        {{"labels.tier~=/.+/"}, 1, 0x02},
        {{"labels.tier~=^$"}, 1, ALL & ~0x02u},
        {{"id~=\"\""}, 1, ALL},
        /* quoted fields, dots in label keys */
        {{"labels.\"io.k8s/name\"==web"}, 1, 0x01},
        {{"labels.a.b==dotted"}, 1, 0x01},
        {{"labels.\"a.b\""}, 1, 0x01},
        {{"labels.\"more complex label\""}, 1, 0x08},
        {{"labels.\"q\\\"b\\\\\"==x"}, 1, 0x08},
        {{"labels.env==\"prod staging\""}, 1, 0x10},
        {{"labels.csv==\"a,b\""}, 1, 0x10},
        /* selectors AND'ed, filters OR'ed */
        {{"runtime.name==io.containerd.runc.v2,labels.env"}, 1, 0x03},
        {{"runtime.name==io.containerd.runc.v2,labels.env==dev"}, 1, 0x02},
        {{"id==web", "id==cache"}, 2, 0x05},
        {{"labels.env==prod", "labels.tier", "id==nomatch"}, 3, 0x03},
        {{"id==nomatch", ""}, 2, ALL},
        /* white space */
        {{"  id ==  web, labels. env"}, 1, 0x01},
};

ParameterizedTestParameters(filter, match)
{
        return ROWS(match_cases);
}

static void check_match(const struct match_case *c)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        _cleanup_(filter_freep) struct filter *f = NULL;
        unsigned got = 0;

        cr_assert(eq(int, filter_parse_all(c->f, c->n, &f, &err), 0), "%s: %s", c->f[0],
                  err ? err->msg : "");
        for (size_t i = 0; i < ELEMENTSOF(corpus); i++)
                if (filter_match(f, obj_field, (void *) &corpus[i]))
                        got |= 1u << i;
        cr_assert(eq(u32, got, c->want), "%s", c->n ? c->f[0] : "(none)");
}

ParameterizedTest(size_t *row, filter, match)
{
        check_match(&match_cases[*row]);
        no_leaks();
}

Test(filter, null_filter_matches_everything)
{
        cr_assert(filter_match(NULL, obj_field, (void *) &corpus[0]));
        filter_free(NULL);
}

/* ---- filter_path_eq, for adaptors' map fields ---- */

struct path_case {
        const char *path[3];
        size_t n;
        const char *key;
        bool want;
};

static const struct path_case path_eq_cases[] = {
        {{"a"}, 1, "a", true},
        {{"a", "b"}, 2, "a.b", true},
        {{"a.b"}, 1, "a.b", true},
        {{"a", ""}, 2, "a.", true},
        {{NULL}, 0, "", true},
        {{NULL}, 0, "x", false},
        {{"a", "b"}, 2, "a", false},
        {{"a"}, 1, "a.b", false},
        {{"ab"}, 1, "a", false},
        {{"a", "b"}, 2, "a_b", false},
        {{"a", "b", "c"}, 3, "a.b", false},
};

ParameterizedTestParameters(filter, path_eq)
{
        return ROWS(path_eq_cases);
}

static void check_path_eq(const struct path_case *c)
{
        cr_assert(eq(int, filter_path_eq(c->path, c->n, c->key), c->want), "%s", c->key);
}

ParameterizedTest(size_t *row, filter, path_eq)
{
        check_path_eq(&path_eq_cases[*row]);
        no_leaks();
}
