/* SPDX-License-Identifier: Apache-2.0 */
/* Global options, precedence (flag > environment > config file > default) and
 * per-command option parsing with getopt_long, globals accepted anywhere. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/base/timefmt.h"
#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/base/ident.h"
#include "core/base/log.h"

#define DEFAULT_ROOT "/var/lib/taskctl"
#define DEFAULT_STATE "/run/taskctl"
#define DEFAULT_TIMEOUT 10.0

enum {
        OPT_ROOT = 0x1000,
        OPT_STATE,
        OPT_CONFIG,
        OPT_TIMEOUT,
        OPT_LOG_LEVEL,
        OPT_VERSION,
        OPT_FORMAT,
        OPT_NO_TRUNC,
};

static const struct option global_opts[] = {
        { "namespace", required_argument, NULL, 'n' },
        { "root", required_argument, NULL, OPT_ROOT },
        { "state", required_argument, NULL, OPT_STATE },
        { "config", required_argument, NULL, OPT_CONFIG },
        { "output", required_argument, NULL, 'o' },
        { "quiet", no_argument, NULL, 'q' },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "no-trunc", no_argument, NULL, OPT_NO_TRUNC },
};
#define GLOBAL_SHORT "n:o:qh"

static const char global_help[] =
        "Global options (before or after the command):\n"
        "  -n, --namespace NS      namespace (env TASKCTL_NAMESPACE, default \"default\")\n"
        "      --root DIR          persistent root (env TASKCTL_ROOT, default " DEFAULT_ROOT ")\n"
        "      --state DIR         state dir (env TASKCTL_STATE, default " DEFAULT_STATE ")\n"
        "      --config FILE       config file (env TASKCTL_CONFIG, default " CONFIG_DEFAULT_PATH
        ")\n"
        "  -o, --output FMT        table, json (as jq . prints it) or jsonl (one object\n"
        "                          per line); default table\n"
        "  -q, --quiet             lists: one key per line (NS/ID with -A); wait and\n"
        "                          delete: the exit status; other commands: nothing\n"
        "      --format COLS       table columns to show, e.g. id,status,pid\n"
        "      --no-trunc          exact times in tables (default: \"3 minutes ago\")\n"
        "      --timeout SECONDS   bound on each shim interaction and lock wait (default 10)\n"
        "      --log-level LEVEL   error, warn, info or debug (env TASKCTL_LOG_LEVEL)\n"
        "  -h, --help              show help\n";

/* getopt_long also takes a unique prefix of a long option ("--all" for
 * "--all-namespaces"); taskctl takes a long option only by its exact name, so
 * that a new option can never change what an old script's prefix meant. */
static bool exact_long(const char *tok, const char *name)
{
        size_t n = strlen(name);

        return strncmp(tok, "--", 2) == 0 && strncmp(tok + 2, name, n) == 0 &&
               (tok[2 + n] == '\0' || tok[2 + n] == '=');
}

static bool takes_value(const char *tok)
{
        if (tok[0] != '-' || tok[1] == '\0')
                return false;
        if (tok[1] != '-') /* short cluster: the value is the rest or the next word */
                return (tok[1] == 'n' || tok[1] == 'o') && tok[2] == '\0';
        for (size_t i = 0; i < ELEMENTSOF(global_opts); i++)
                if (global_opts[i].has_arg == required_argument &&
                    strcmp(tok + 2, global_opts[i].name) == 0)
                        return true;
        return false;
}

bool cli_is_global_option(const char *tok, int *i)
{
        if (tok[1] != '-') { /* a cluster of global short options, maybe with a value */
                for (const char *c = tok + 1; *c; c++) {
                        if (!strchr("nqoh", *c))
                                return false;
                        if (*c == 'n' || *c == 'o') {
                                *i += c[1] == '\0';
                                return true;
                        }
                }
                return true;
        }
        for (size_t k = 0; k < ELEMENTSOF(global_opts); k++)
                if (exact_long(tok, global_opts[k].name)) {
                        *i += global_opts[k].has_arg == required_argument && !strchr(tok, '=');
                        return true;
                }
        return strcmp(tok, "--version") == 0;
}

const char *cli_take_word(int *argc, char **argv)
{
        for (int i = 1; i < *argc; i++) {
                const char *w = argv[i];

                if (strcmp(w, "--") == 0)
                        return NULL;
                if (w[0] == '-' && w[1] != '\0') {
                        if (takes_value(w))
                                i++;
                        continue;
                }
                memmove(&argv[i], &argv[i + 1], (size_t) (*argc - i) * sizeof(char *));
                (*argc)--;
                return w;
        }
        return NULL;
}

static void print_help(const struct cli_cmd *cmd)
{
        printf("Usage: taskctl %s%s%s\n\n%s\n", cmd->name, cmd->args && *cmd->args ? " " : "",
               cmd->args ? cmd->args : "", cmd->summary);
        if (cmd->options)
                printf("\nOptions:\n%s", cmd->options);
        printf("\n%s", global_help);
}

static int take_global(struct cli_ctx *ctx, int c, const char *arg)
{
        switch (c) {
        case 'n': ctx->flag_ns = arg; return 1;
        case OPT_ROOT: ctx->flag_root = arg; return 1;
        case OPT_STATE: ctx->flag_state = arg; return 1;
        case OPT_CONFIG: ctx->flag_config = arg; return 1;
        case 'o': ctx->flag_output = arg; return 1;
        case 'q': ctx->quiet = true; return 1;
        case OPT_TIMEOUT: ctx->flag_timeout = arg; return 1;
        case OPT_LOG_LEVEL: ctx->flag_log_level = arg; return 1;
        case 'h': ctx->help = true; return 1;
        case OPT_FORMAT: ctx->flag_format = arg; return 1;
        case OPT_NO_TRUNC: ctx->no_trunc = true; return 1;
        default: return 0;
        }
}

static const char *pick(const char *flag, const char *env, const char *cfg, const char *def)
{
        const char *e = env ? getenv(env) : NULL;

        if (flag)
                return flag;
        if (e && *e)
                return e;
        return cfg ? cfg : def;
}

static int parse_timeout(const char *s, double *ret, struct tc_err **err)
{
        char *end = NULL;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || *end || !(v > 0) || !isfinite(v) || v > 86400)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--timeout \"%s\": expected a positive number of seconds", s);
        *ret = v;
        return 0;
}

int cli_parse_parallel(const char *s, unsigned *ret, struct tc_err **err)
{
        char *end = NULL;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || *s == '-' || v < 1 || v > 1024)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--parallel \"%s\": expected a number from 1 to 1024", s);
        *ret = (unsigned) v;
        return 0;
}

int cli_parse_deadline(const char *s, double *ret, struct tc_err **err)
{
        double v;

        if (parse_timeout(s, &v, NULL) < 0)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--deadline \"%s\": expected a positive number of seconds", s);
        *ret = timefmt_mono() + v;
        return 0;
}

int cli_parse_since(const char *s, struct timespec *ret, struct tc_err **err)
{
        if (!timefmt_parse_since(s, ret))
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "--since \"%s\": expected an RFC 3339 time or a duration", s);
        return 0;
}

/* Applies precedence once all flags are known. */
static int resolve(struct cli_ctx *ctx, struct tc_err **err)
{
        const char *lvl = pick(ctx->flag_log_level, "TASKCTL_LOG_LEVEL", NULL, NULL);
        const char *env_cfg = getenv("TASKCTL_CONFIG");
        bool explicit_cfg = ctx->flag_config || (env_cfg && *env_cfg);

        if (lvl) {
                int l = log_level_parse(lvl);

                if (l < 0)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "log level \"%s\": expected error, warn, info or debug",
                                       lvl);
                log_set_level((enum log_level) l);
        }
        if (ctx->flag_output) {
                if (strcmp(ctx->flag_output, "json") == 0)
                        ctx->output = OUT_JSON;
                else if (strcmp(ctx->flag_output, "jsonl") == 0)
                        ctx->output = OUT_JSONL;
                else if (strcmp(ctx->flag_output, "table") != 0)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "--output \"%s\": expected table, json or jsonl",
                                       ctx->flag_output);
        }
        output_set_format(ctx->output);
        if (ctx->flag_format && !*ctx->flag_format)
                return tc_fail(err, TC_INVALID_ARGUMENT, "--format: expected column names");
        output_set_columns(ctx->flag_format);
        ctx->config_path = pick(ctx->flag_config, "TASKCTL_CONFIG", NULL, CONFIG_DEFAULT_PATH);
        if (config_load(ctx->config_path, explicit_cfg, &ctx->cfg, err) < 0)
                return -1;
        ctx->root = pick(ctx->flag_root, "TASKCTL_ROOT", ctx->cfg.root, DEFAULT_ROOT);
        ctx->state = pick(ctx->flag_state, "TASKCTL_STATE", ctx->cfg.state, DEFAULT_STATE);
        if (!*ctx->root || !*ctx->state)
                return tc_fail(err, TC_INVALID_ARGUMENT, "root and state must not be empty");
        ctx->timeout = ctx->cfg.timeout > 0 ? ctx->cfg.timeout : DEFAULT_TIMEOUT;
        if (ctx->flag_timeout && parse_timeout(ctx->flag_timeout, &ctx->timeout, err) < 0)
                return -1;
        ctx->ns = pick(ctx->flag_ns, "TASKCTL_NAMESPACE", NULL, "default");
        return ident_check(ctx->ns, "namespace", err);
}

static struct option *merge_opts(const struct option *cmdopts)
{
        size_t n = 0, k = 0;
        struct option *all;

        while (cmdopts && cmdopts[n].name)
                n++;
        all = calloc(n + ELEMENTSOF(global_opts) + 1, sizeof *all);
        if (!all)
                return NULL;
        for (size_t i = 0; i < n; i++)
                all[k++] = cmdopts[i];
        for (size_t i = 0; i < ELEMENTSOF(global_opts); i++)
                all[k++] = global_opts[i];
        return all;
}

static int bad_option(const struct cli_cmd *cmd, char **argv, int c, struct tc_err **err)
{
        char opt[64];

        const char *tok = argv[optind - 1];

        if (strncmp(tok, "--", 2) == 0) /* the long option as given, without =VALUE */
                (void) snprintf(opt, sizeof opt, "%.*s", (int) strcspn(tok, "="), tok);
        else if (optopt > 0 && optopt < 0x1000)
                (void) snprintf(opt, sizeof opt, "-%c", optopt);
        else
                (void) snprintf(opt, sizeof opt, "%.60s", tok);
        if (c == ':')
                return tc_fail(err, TC_INVALID_ARGUMENT, "%s: option %s needs a value", cmd->name,
                               opt);
        return tc_fail(err, TC_INVALID_ARGUMENT,
                       "%s: unknown option %s (see 'taskctl %s --help')", cmd->name, opt,
                       cmd->name);
}

/* getopt_long in "-" mode: positionals come back as option 1, in order, so that
 * global options may stand anywhere; "--" ends option parsing. */
static int run_getopt(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv,
                      cli_opt_fn fn, void *st, char **args, int *nargs, struct tc_err **err)
{
        _cleanup_free_ struct option *all = merge_opts(cmd->longopts);
        char shortopts[128];
        int c;

        if (!all)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        (void) snprintf(shortopts, sizeof shortopts, "-:%s%s", GLOBAL_SHORT,
                        cmd->shortopts ? cmd->shortopts : "");
        optind = 0;
        opterr = 0;
        for (;;) {
                int at = optind > 0 ? optind : 1, li = -1;

                if ((c = getopt_long(argc, argv, shortopts, all, &li)) == -1)
                        break;
                if (li >= 0 && !exact_long(argv[at], all[li].name))
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "%s: unknown option %.*s (see 'taskctl %s --help')",
                                       cmd->name, (int) strcspn(argv[at], "="), argv[at],
                                       cmd->name);
                if (c == 1) {
                        args[(*nargs)++] = optarg;
                        continue;
                }
                if (c == '?' || c == ':')
                        return bad_option(cmd, argv, c, err);
                if (take_global(ctx, c, optarg))
                        continue;
                if (!fn)
                        return tc_fail(err, TC_INTERNAL, "%s: unhandled option", cmd->name);
                if (fn(st, c, optarg, err) < 0)
                        return tc_wrap(err, "%s", cmd->name);
        }
        while (optind < argc)
                args[(*nargs)++] = argv[optind++];
        return 0;
}

int cli_parse(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv, cli_opt_fn fn,
              void *st, char ***ret_args, int *ret_nargs, struct tc_err **err)
{
        char **args = calloc((size_t) argc + 1, sizeof(char *));
        int nargs = 0;

        if (!args)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        free(ctx->args); /* a nested parse (containers -> create) replaces the last */
        ctx->args = args;
        if (run_getopt(ctx, cmd, argc, argv, fn, st, args, &nargs, err) < 0)
                return -1;
        if (ctx->help) {
                print_help(cmd);
                return 1;
        }
        if (resolve(ctx, err) < 0)
                return -1;
        if (nargs < cmd->min_args || (cmd->max_args >= 0 && nargs > cmd->max_args)) {
                if (nargs < cmd->min_args)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "%s: missing argument (usage: taskctl %s%s%s)", cmd->name,
                                       cmd->name, cmd->args && *cmd->args ? " " : "", cmd->args ? cmd->args : "");
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "%s: unexpected argument \"%s\" (usage: taskctl %s%s%s)", cmd->name,
                               args[cmd->max_args], cmd->name, cmd->args && *cmd->args ? " " : "", cmd->args ? cmd->args : "");
        }
        *ret_args = args;
        *ret_nargs = nargs;
        return 0;
}

static int open_top(const char *path, int *slot, bool create, int *ret_fd, struct tc_err **err)
{
        if (*slot < 0 && fs_open_path_dir(path, create, slot, err) < 0)
                return -1;
        *ret_fd = *slot;
        return 0;
}

int cli_root_fd(struct cli_ctx *ctx, bool create, int *ret_fd, struct tc_err **err)
{
        return open_top(ctx->root, &ctx->root_fd, create, ret_fd, err);
}

int cli_state_fd(struct cli_ctx *ctx, bool create, int *ret_fd, struct tc_err **err)
{
        return open_top(ctx->state, &ctx->state_fd, create, ret_fd, err);
}

void cli_print_global_help(void)
{
        fputs(global_help, stdout);
}
