/* SPDX-License-Identifier: Apache-2.0 */
#include "core/config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/platform.h"

#define CONFIG_MAX (1 << 20)

static int take_string(const cJSON *v, const char *key, char **ret, struct tc_err **err)
{
        if (!cJSON_IsString(v) || !v->valuestring[0])
                return tc_fail(err, TC_INVALID_ARGUMENT, "\"%s\" must be a non-empty string", key);
        *ret = strdup(v->valuestring);
        return *ret ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
}

static int take_platforms(const cJSON *v, struct config *c, struct tc_err **err)
{
        const cJSON *item;
        size_t n = 0;

        if (!cJSON_IsArray(v))
                return tc_fail(err, TC_INVALID_ARGUMENT, "\"platforms\" must be an array of strings");
        c->platforms = calloc((size_t) cJSON_GetArraySize(v) + 1, sizeof(char *));
        if (!c->platforms)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        cJSON_ArrayForEach(item, v)
        {
                if (!cJSON_IsString(item))
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "\"platforms\" must be an array of strings");
                if (platform_normalize(item->valuestring, &c->platforms[n], err) < 0)
                        return tc_wrap(err, "\"platforms\"");
                c->n_platforms = ++n;
        }
        return 0;
}

static int apply_key(const cJSON *v, struct config *c, struct tc_err **err)
{
        if (strcmp(v->string, "root") == 0)
                return take_string(v, "root", &c->root, err);
        if (strcmp(v->string, "state") == 0)
                return take_string(v, "state", &c->state, err);
        if (strcmp(v->string, "default_runtime") == 0)
                return take_string(v, "default_runtime", &c->default_runtime, err);
        if (strcmp(v->string, "platforms") == 0)
                return take_platforms(v, c, err);
        if (strcmp(v->string, "timeout") == 0) {
                if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || !isfinite(v->valuedouble))
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "\"timeout\" must be a positive number of seconds");
                c->timeout = v->valuedouble;
                return 0;
        }
        return tc_fail(err, TC_INVALID_ARGUMENT, "unknown key \"%s\"", v->string);
}

static int fill_defaults(struct config *c, struct tc_err **err)
{
        if (!c->default_runtime && !(c->default_runtime = strdup(CONFIG_DEFAULT_RUNTIME)))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (c->n_platforms == 0) {
                free(c->platforms);
                c->platforms = calloc(2, sizeof(char *));
                if (!c->platforms)
                        return tc_fail(err, TC_INTERNAL, "out of memory");
                if (platform_host(&c->platforms[0], err) < 0)
                        return -1;
                c->n_platforms = 1;
        }
        return 0;
}

/* A key given twice is an error (cJSON keeps both; which one wins would be a
 * guess). Only the known keys get here twice: an unknown one fails first. */
static int check_unique(const cJSON *doc, const cJSON *v, struct tc_err **err)
{
        for (const cJSON *p = doc->child; p && p != v; p = p->next)
                if (strcmp(p->string, v->string) == 0)
                        return tc_fail(err, TC_INVALID_ARGUMENT, "duplicate key \"%s\"", v->string);
        return 0;
}

int config_parse(const char *text, struct config *ret, struct tc_err **err)
{
        struct config c = { 0 };
        cJSON *doc = cJSON_Parse(text);
        const cJSON *v;
        int r = 0;

        if (!doc || !cJSON_IsObject(doc)) {
                cJSON_Delete(doc);
                return tc_fail(err, TC_INVALID_ARGUMENT, "not a JSON object");
        }
        cJSON_ArrayForEach(v, doc)
        {
                if ((r = check_unique(doc, v, err)) < 0 || (r = apply_key(v, &c, err)) < 0)
                        break;
        }
        cJSON_Delete(doc);
        if (r == 0)
                r = fill_defaults(&c, err);
        if (r < 0) {
                config_release(&c);
                return -1;
        }
        *ret = c;
        return 0;
}

int config_load(const char *path, bool required, struct config *ret, struct tc_err **err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0 && errno == ENOENT && !required)
                return config_parse("{}", ret, err);
        if (fd < 0)
                return tc_fail_sys(err, errno == ENOENT ? TC_INVALID_ARGUMENT : TC_INTERNAL, errno,
                                   "config file %s", path);
        if (read_all(fd, CONFIG_MAX, &text, NULL, err) < 0 || config_parse(text, ret, err) < 0)
                return tc_wrap(err, "config file %s", path);
        return 0;
}

void config_release(struct config *c)
{
        free(c->root);
        free(c->state);
        free(c->default_runtime);
        if (c->platforms)
                for (size_t i = 0; i < c->n_platforms; i++)
                        free(c->platforms[i]);
        free(c->platforms);
        memset(c, 0, sizeof *c);
}
