/* SPDX-License-Identifier: Apache-2.0 */
/* The default OCI spec for `run --rootfs` (containerd's populateDefaultUnixSpec). */
#include "core/runspec.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "core/base/cleanup.h"
#include "core/base/json.h"

/* containerd's defaultUnixCaps() */
static const char *const caps[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

/* Everything but the process args and terminal, as one JSON text. */
static const char base_spec[] =
        "{\"ociVersion\":\"1.0.2-dev\","
        "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"cwd\":\"/\","
        "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],"
        "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
        "\"noNewPrivileges\":true},"
        "\"root\":{\"path\":\"rootfs\"},"
        "\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","
        "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
        "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
        "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
        "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
        "\"gid=5\"]},"
        "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
        "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
        "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
        "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
        "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
        "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
        "{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
        "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]}],"
        "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
        "{\"type\":\"mount\"},{\"type\":\"network\"}],"
        "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
        "\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
        "\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
        "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
        "\"/proc/sysrq-trigger\"]}}";

static cJSON *caps_object(void)
{
        static const char *const sets[] = { "bounding", "effective", "permitted", NULL };
        cJSON *o = cJSON_CreateObject();

        for (size_t i = 0; o && sets[i]; i++) {
                cJSON *a = cJSON_AddArrayToObject(o, sets[i]);

                for (size_t k = 0; a && caps[k]; k++)
                        cJSON_AddItemToArray(a, cJSON_CreateString(caps[k]));
        }
        return o;
}

int runspec_default(const char *id, char *const *args, bool terminal, char **ret_json,
                    struct tc_err **err)
{
        _cleanup_json_ cJSON *spec = cJSON_Parse(base_spec);
        cJSON *process = cJSON_GetObjectItem(spec, "process");
        cJSON *argv, *env;

        if (!args || !args[0])
                return tc_fail(err, TC_INVALID_ARGUMENT, "--rootfs needs a command: -- CMD [ARGS]");
        if (!process || !(argv = cJSON_AddArrayToObject(process, "args")))
                return tc_fail(err, TC_INTERNAL, "out of memory");
        for (size_t i = 0; args[i]; i++)
                cJSON_AddItemToArray(argv, cJSON_CreateString(args[i]));
        cJSON_AddBoolToObject(process, "terminal", terminal);
        env = cJSON_GetObjectItem(process, "env");
        if (terminal && env)
                cJSON_AddItemToArray(env, cJSON_CreateString("TERM=xterm"));
        cJSON_AddItemToObject(process, "capabilities", caps_object());
        cJSON_AddStringToObject(spec, "hostname", id);
        *ret_json = cJSON_PrintUnformatted(spec);
        return *ret_json ? 0 : tc_fail(err, TC_INTERNAL, "out of memory");
}
