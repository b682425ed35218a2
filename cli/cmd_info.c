/* SPDX-License-Identifier: Apache-2.0 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/base/cleanup.h"

static const struct cli_cmd info_cmd = {
        .name = "info",
        .args = "",
        .summary = "Show the version, directories, config file, platforms, default runtime\n"
                   "and the containerd-shim-* binaries found on PATH.",
        .min_args = 0,
        .max_args = 0,
};

static bool seen(cJSON *arr, const char *name)
{
        const cJSON *it;

        cJSON_ArrayForEach(it, arr)
        {
                const char *p = cJSON_GetStringValue(it);
                const char *base = p ? strrchr(p, '/') : NULL;

                if (base && strcmp(base + 1, name) == 0)
                        return true;
        }
        return false;
}

/* Every executable containerd-shim-* on PATH, first match of a name wins, as a lookup would. */
static void scan_path(cJSON *arr)
{
        const char *path = getenv("PATH");
        _cleanup_free_ char *copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
        char *save = NULL;

        if (!copy)
                return;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                _cleanup_closedir_ DIR *d = opendir(dir);
                struct dirent *de;

                while (d && (de = readdir(d))) {
                        char full[4096];

                        if (strncmp(de->d_name, "containerd-shim-", 16) != 0 ||
                            seen(arr, de->d_name))
                                continue;
                        (void) snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
                        if (access(full, X_OK) == 0)
                                cJSON_AddItemToArray(arr, cJSON_CreateString(full));
                }
        }
}

static cJSON *info_json(struct cli_ctx *ctx)
{
        cJSON *o = cJSON_CreateObject();
        cJSON *plats, *shims;
        struct stat st;

        cJSON_AddStringToObject(o, "version", TASKCTL_VERSION);
        cJSON_AddStringToObject(o, "root", ctx->root);
        cJSON_AddStringToObject(o, "state", ctx->state);
        cJSON_AddStringToObject(o, "config", ctx->config_path);
        cJSON_AddBoolToObject(o, "config_loaded", stat(ctx->config_path, &st) == 0);
        plats = cJSON_AddArrayToObject(o, "platforms");
        for (size_t i = 0; i < ctx->cfg.n_platforms; i++)
                cJSON_AddItemToArray(plats, cJSON_CreateString(ctx->cfg.platforms[i]));
        cJSON_AddStringToObject(o, "default_runtime", ctx->cfg.default_runtime);
        cJSON_AddStringToObject(o, "namespace", ctx->ns);
        cJSON_AddNumberToObject(o, "timeout", ctx->timeout);
        shims = cJSON_AddArrayToObject(o, "shims");
        scan_path(shims);
        return o;
}

static void print_list(const char *key, const cJSON *arr)
{
        const cJSON *it;
        bool first = true;

        printf("%-16s ", key);
        cJSON_ArrayForEach(it, arr)
        {
                printf("%s%s", first ? "" : ", ", cJSON_GetStringValue(it));
                first = false;
        }
        printf("%s\n", first ? "-" : "");
}

int cmd_info(struct cli_ctx *ctx, int argc, char **argv, struct tc_err **err)
{
        char **args;
        int nargs, r;
        cJSON *o;

        if ((r = cli_parse(ctx, &info_cmd, argc, argv, NULL, NULL, &args, &nargs, err)) != 0)
                return r < 0 ? -1 : 0;
        o = info_json(ctx);
        if (!o)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (ctx->quiet) {
                r = 0; /* the -q rule (man taskctl, OUTPUT): not a list, not a value: nothing */
        } else if (output_is_json(ctx)) {
                r = output_json(o, err);
        } else {
                printf("%-16s %s\n", "version", TASKCTL_VERSION);
                printf("%-16s %s\n", "root", ctx->root);
                printf("%-16s %s\n", "state", ctx->state);
                printf("%-16s %s%s\n", "config", ctx->config_path,
                       cJSON_IsTrue(cJSON_GetObjectItem(o, "config_loaded")) ? "" : " (absent)");
                print_list("platforms", cJSON_GetObjectItem(o, "platforms"));
                printf("%-16s %s\n", "default runtime", ctx->cfg.default_runtime);
                printf("%-16s %s\n", "namespace", ctx->ns);
                printf("%-16s %g\n", "timeout", ctx->timeout);
                print_list("shims", cJSON_GetObjectItem(o, "shims"));
                r = 0;
        }
        cJSON_Delete(o);
        return r;
}
