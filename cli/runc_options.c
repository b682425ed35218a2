/* SPDX-License-Identifier: Apache-2.0 */
/* --runtime-options as the runc shim's own options in JSON (the shape of its
 * options.json: {"binary_name": "crun", "root": "...", "systemd_cgroup": true}),
 * encoded as the containerd.runc.v1.Options Any that the record keeps. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli/runc_options.h"
#include "core/base/cleanup.h"
#include "core/base/json.h"
#include "core/taskapi.h"

static int take_str(const cJSON *v, const char **dst, struct tc_err **err)
{
        if (!cJSON_IsString(v))
                return tc_fail(err, TC_INVALID_ARGUMENT, "\"%s\" must be a string", v->string);
        *dst = v->valuestring;
        return 0;
}

static int take_bool(const cJSON *v, bool *dst, struct tc_err **err)
{
        if (!cJSON_IsBool(v))
                return tc_fail(err, TC_INVALID_ARGUMENT, "\"%s\" must be true or false", v->string);
        *dst = cJSON_IsTrue(v);
        return 0;
}

static int take_u32(const cJSON *v, uint32_t *dst, struct tc_err **err)
{
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0 ||
            v->valuedouble != (double) (uint32_t) v->valuedouble)
                return tc_fail(err, TC_INVALID_ARGUMENT, "\"%s\" must be a uid/gid number",
                               v->string);
        *dst = (uint32_t) v->valuedouble;
        return 0;
}

static int take_field(const cJSON *v, struct taskapi_runc_options *o, struct tc_err **err)
{
        static const struct {
                const char *name;
                size_t off;
        } strs[] = {
                { "shim_cgroup", offsetof(struct taskapi_runc_options, shim_cgroup) },
                { "binary_name", offsetof(struct taskapi_runc_options, binary_name) },
                { "root", offsetof(struct taskapi_runc_options, root) },
                { "criu_path", offsetof(struct taskapi_runc_options, criu_path) },
                { "criu_image_path", offsetof(struct taskapi_runc_options, criu_image_path) },
                { "criu_work_path", offsetof(struct taskapi_runc_options, criu_work_path) },
        };
        for (size_t i = 0; i < ELEMENTSOF(strs); i++)
                if (strcmp(v->string, strs[i].name) == 0)
                        return take_str(v, (const char **) ((char *) o + strs[i].off), err);
        if (strcmp(v->string, "no_pivot_root") == 0)
                return take_bool(v, &o->no_pivot_root, err);
        if (strcmp(v->string, "no_new_keyring") == 0)
                return take_bool(v, &o->no_new_keyring, err);
        if (strcmp(v->string, "systemd_cgroup") == 0)
                return take_bool(v, &o->systemd_cgroup, err);
        if (strcmp(v->string, "io_uid") == 0)
                return take_u32(v, &o->io_uid, err);
        if (strcmp(v->string, "io_gid") == 0)
                return take_u32(v, &o->io_gid, err);
        return tc_fail(err, TC_INVALID_ARGUMENT, "unknown runc option \"%s\"", v->string);
}

int runc_options_any(const char *text, size_t len, struct record_any *ret, bool *ret_is_runc,
                     struct tc_err **err)
{
        _cleanup_json_ cJSON *doc = cJSON_ParseWithLength(text, len);
        struct taskapi_runc_options o = { 0 };
        const cJSON *v;
        uint8_t *buf = NULL;
        size_t n = 0;

        *ret_is_runc = false;
        if (!doc || !cJSON_IsObject(doc) || cJSON_HasObjectItem(doc, "type_url"))
                return 0; /* not ours: the caller reads it as a JSON Any */
        *ret_is_runc = true;
        cJSON_ArrayForEach(v, doc)
        {
                if (take_field(v, &o, err) < 0)
                        return -1;
        }
        if (taskapi_encode_runc_options_value(&o, &buf, &n, err) < 0)
                return -1;
        memset(ret, 0, sizeof *ret);
        ret->type_url = strdup(TASKAPI_RUNC_OPTIONS_TYPE);
        ret->value = buf;
        ret->value_len = n;
        if (!ret->type_url) {
                free(buf);
                return tc_fail(err, TC_INTERNAL, "out of memory");
        }
        return 0;
}
