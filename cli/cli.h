/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "core/base/err.h"
#include "core/config.h"

enum output_fmt { OUT_TABLE, OUT_JSON, OUT_JSONL };

/* What every command may use: the global options after precedence (flag,
 * environment, config file, default) has been applied by cli_parse(). */
struct cli_ctx {
        const char *ns;
        const char *root;
        const char *state;
        const char *config_path;
        enum output_fmt output;
        bool quiet;
        double timeout;
        struct config cfg;
        int root_fd;  /* -1 until cli_root_fd() */
        int state_fd; /* -1 until cli_state_fd() */
        /* raw values of the global flags, NULL when not given */
        const char *flag_ns, *flag_root, *flag_state, *flag_config, *flag_output,
                *flag_timeout, *flag_log_level, *flag_format;
        bool no_trunc; /* --no-trunc: exact times in tables */
        bool help;
        char **args; /* positionals of the last cli_parse, freed at exit */
        char *root_real, *state_real; /* canonical paths of root_fd/state_fd, or NULL */
        const char *ref_what; /* what cli_ref_parse calls an ID: NULL = "container id" */
        int status; /* run, exec, attach: the task's exit status, our exit code on success */
};

/* One command: its usage line and help text, and its own options (the global
 * options are added by cli_parse, so they may stand anywhere). */
struct cli_cmd {
        const char *name;      /* "containers create" */
        const char *args;      /* "ID [--label K=V]..." (usage after the name) */
        const char *summary;   /* one line */
        const char *options;   /* help text for the command's own options, may be NULL */
        const char *shortopts; /* command's short options, may be NULL or "" */
        const struct option *longopts; /* NULL or terminated by a zero entry */
        int min_args, max_args;        /* positional count; max -1 = unlimited */
};

typedef int (*cli_opt_fn)(void *st, int opt, const char *arg, struct tc_err **err);

/* Parses ARGV (ARGV[0] is the command name) with the command's options and the
 * global ones, applies precedence, loads the config file and validates the
 * namespace. Returns 0 with the positional args in ret_args/ret_nargs (pointing
 * into argv), 1 if --help was printed (the handler returns 0), -1 on error. */
int cli_parse(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv, cli_opt_fn fn,
              void *st, char ***ret_args, int *ret_nargs, struct tc_err **err);

/* ROOT and STATE as directory fds; CREATE makes them (0711) if missing. Without
 * CREATE a missing one is TC_NOT_FOUND. Kept open in ctx; closed at exit. */
/* --parallel N (1..1024) and --deadline SECONDS (made a timefmt_mono() instant,
 * counted from now) of load and list. */
int cli_parse_parallel(const char *s, unsigned *ret, struct tc_err **err);
int cli_parse_deadline(const char *s, double *ret, struct tc_err **err);
/* --since TIME of events and logs: an RFC 3339 time, or a duration (10m)
 * meaning that long ago (timefmt_parse_since). */
int cli_parse_since(const char *s, struct timespec *ret, struct tc_err **err);
int cli_root_fd(struct cli_ctx *ctx, bool create, int *ret_fd, struct tc_err **err);
int cli_state_fd(struct cli_ctx *ctx, bool create, int *ret_fd, struct tc_err **err);

/* Removes the first word that is not an option (skipping the values of global
 * options) from ARGV and returns it, or NULL. Used to find "containers" and then
 * "create" wherever global options stand. */
const char *cli_take_word(int *argc, char **argv);
/* Whether TOK (argv[*I]) is a global option; *I skips its separate value. */
bool cli_is_global_option(const char *tok, int *i);

/* Handlers: argv[0] is the command name; return 0 or -1 with *err set. */
typedef int (*cli_handler)(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);

struct cli_entry {
        const char *name;
        cli_handler fn;
        const char *summary;
};

int cmd_containers(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_cleanup(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_events(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_load(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_info(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
/* interactive (issue 9) */
int cmd_attach(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_exec(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_logger(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_logs(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);
int cmd_run(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err);

void cli_print_global_help(void);

/* exit.c */
int cli_exit_code(enum tc_kind kind);

/* output.c: what a command prints as its result.
 *
 * Tables: table_header() starts a table, table_row() adds a row; nothing is
 * printed until table_end() (called by main after the handler; a streaming
 * command calls table_flush() after each batch), so every column is as wide
 * as its widest cell, three spaces apart, as Go's tabwriter sizes ctr's.
 * Empty cells print as "-". --format picks and orders the columns by their
 * header names in lower case ("id,status,pid"). */
#define TABLE_MAX_COLS 16
struct table_col {
        const char *header;
        int width; /* unused: columns are fitted to their content */
};
void table_header(const struct table_col *cols, size_t n);
void table_row(const struct table_col *cols, size_t n, const char *const *cells);
/* Prints the rows kept so far (and the header, once); more rows may follow
 * and print at the next flush, columns never narrower than before. */
void table_flush(void);
/* Flushes and closes the table. */
void table_end(void);
/* Drops the open table without printing it. */
void table_discard(void);
/* Whether the open table holds rows beyond its header. */
bool table_has_rows(void);
/* --format (NULL: every column). A name that is not a column of COLS is
 * TC_INVALID_ARGUMENT naming the known ones; table_columns_check() says so
 * before a command acts, output_columns_error() after a table was started. */
void output_set_columns(const char *spec);
int table_columns_check(const struct table_col *cols, size_t n, struct tc_err **err);
const char *output_columns_error(void);

/* JSON: TEXT (any valid JSON, e.g. a stored record's bytes) printed as `jq .`
 * prints it (PRETTY: two-space indentation from DEPTH, ": ", empty containers
 * as {} and []) or as `jq -c .` (not PRETTY), strings re-escaped as jq does,
 * numbers verbatim. No trailing newline. -1 on a write error. */
int json_print(FILE *f, const char *text, size_t len, bool pretty, int depth);
/* -o json or -o jsonl, set by cli_parse. */
void output_set_format(enum output_fmt fmt);
struct cJSON;
/* Prints ITEM as -o says: pretty (json) or on one line (jsonl), then a newline. */
int output_json(struct cJSON *item, struct tc_err **err);
/* A list: output_json_begin, output_json_item for each, output_json_end. With
 * -o json one array ("[]" when empty), with -o jsonl one line per item. */
void output_json_begin(void);
int output_json_item(struct cJSON *item, struct tc_err **err);
/* output_json_item of compact JSON text (no tree: containers list). */
int output_json_item_text(const char *text, size_t len);
struct record;
/* A container record (with "namespace" when NS), as output_json_item_text()
 * prints record_json_text(R, NS), without encoding it first. */
int output_json_item_record(const struct record *r, const char *ns, struct tc_err **err);
/* json_print() of record_json_text(R, NS), without the text. */
int record_json_print(FILE *f, const struct record *r, const char *ns, bool pretty, int depth);
void output_json_end(void);
/* Whether -o is json or jsonl. */
bool output_is_json(const struct cli_ctx *ctx);
/* "3 minutes ago" for an RFC 3339 TIME, or TIME itself with --no-trunc or
 * when it does not parse. Returns BUF. */
const char *output_time(const struct cli_ctx *ctx, const char *time, char *buf, size_t size);
/* -q for a list: KEY's line, "NS/ID" when ALL_NS (what every record and task command takes back; cli/ref.c,
 * the form cli_ref_parse takes back). */
void output_key(const char *ns, const char *id, bool all_ns);
