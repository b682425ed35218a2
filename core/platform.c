/* SPDX-License-Identifier: Apache-2.0 */
#include "core/platform.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "core/base/cleanup.h"

static const char *const known_os[] = { "aix",   "android", "darwin",  "dragonfly", "freebsd",
                                        "hurd",  "illumos", "ios",     "js",        "linux",
                                        "nacl",  "netbsd",  "openbsd", "plan9",     "solaris",
                                        "wasip1", "windows", "zos" };
static const char *const known_arch[] = {
        "386",     "amd64",    "amd64p32", "arm",   "armbe",  "arm64",   "arm64be", "loong64",
        "mips",    "mipsle",   "mips64",   "mips64le", "mips64p32", "mips64p32le", "ppc",
        "ppc64",   "ppc64le",  "riscv",    "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(s, list[i]) == 0)
                        return true;
        return false;
}

static bool is_os(const char *s)
{
        return in_list(s, known_os, ELEMENTSOF(known_os)) || strcmp(s, "macos") == 0;
}

/* containerd's normalizeArch: aliases and variant defaults */
static void normalize_arch(char *arch, size_t asz, char *variant, size_t vsz)
{
        static const struct {
                const char *from, *arch, *variant; /* variant NULL: keep */
        } tab[] = {
                { "i386", "386", "" },      { "i486", "386", NULL },   { "i586", "386", NULL },
                { "i686", "386", NULL },    { "x86_64", "amd64", NULL }, { "x86-64", "amd64", NULL },
                { "aarch64", "arm64", NULL }, { "armhf", "arm", "v7" }, { "armel", "arm", "v6" },
        };
        for (size_t i = 0; i < ELEMENTSOF(tab); i++) {
                if (strcmp(arch, tab[i].from) == 0) {
                        (void) snprintf(arch, asz, "%s", tab[i].arch);
                        if (tab[i].variant)
                                (void) snprintf(variant, vsz, "%s", tab[i].variant);
                        break;
                }
        }
        if (strcmp(arch, "amd64") == 0) {
                if (strcmp(variant, "v1") == 0)
                        variant[0] = '\0';
        } else if (strcmp(arch, "arm64") == 0) {
                if (strcmp(variant, "8") == 0 || strcmp(variant, "v8") == 0)
                        variant[0] = '\0';
        } else if (strcmp(arch, "arm") == 0) {
                if (variant[0] == '\0' || strcmp(variant, "7") == 0)
                        (void) snprintf(variant, vsz, "v7");
                else if (strlen(variant) == 1 && variant[0] >= '5' && variant[0] <= '8') {
                        char d = variant[0];

                        (void) snprintf(variant, vsz, "v%c", d);
                }
        }
}

static bool component_ok(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && *s != '_' && *s != '-')
                        return false;
        return true;
}

static void host_arch(char *buf, size_t sz)
{
        struct utsname u;
        char variant[16] = "";

        if (uname(&u) < 0)
                (void) snprintf(buf, sz, "amd64");
        else
                (void) snprintf(buf, sz, "%s", u.machine);
        normalize_arch(buf, sz, variant, sizeof variant);
}

int platform_normalize(const char *spec, char **ret, struct tc_err **err)
{
        char os[64] = "", arch[64] = "", variant[64] = "";
        _cleanup_free_ char *copy = strdup(spec);
        char *parts[4] = { 0 }, *save = NULL;
        size_t n = 0;

        if (!copy)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        for (char *c = copy; *c; c++)
                *c = (char) tolower((unsigned char) *c);
        for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
                if (n == 3)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "platform \"%s\": cannot parse platform specifier", spec);
                parts[n++] = p;
        }
        if (n == 0 || strchr(spec, ' ') || strstr(spec, "//") || spec[strlen(spec) - 1] == '/')
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "platform \"%s\": invalid platform specifier", spec);
        for (size_t i = 0; i < n; i++)
                if (!component_ok(parts[i]))
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "platform \"%s\": %s: invalid platform component", spec,
                                       parts[i]);
        if (n == 1) {
                char a[64], v[64] = "";

                (void) snprintf(a, sizeof a, "%s", parts[0]);
                normalize_arch(a, sizeof a, v, sizeof v);
                if (is_os(parts[0])) {
                        (void) snprintf(os, sizeof os, "%s", parts[0]);
                        host_arch(arch, sizeof arch);
                } else if (in_list(a, known_arch, ELEMENTSOF(known_arch))) {
                        (void) snprintf(os, sizeof os, "linux");
                        (void) snprintf(arch, sizeof arch, "%s", a);
                        (void) snprintf(variant, sizeof variant, "%s", v);
                } else {
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "platform \"%s\": unknown operating system or architecture",
                                       spec);
                }
        } else {
                (void) snprintf(os, sizeof os, "%s", parts[0]);
                (void) snprintf(arch, sizeof arch, "%s", parts[1]);
                if (n == 3)
                        (void) snprintf(variant, sizeof variant, "%s", parts[2]);
                normalize_arch(arch, sizeof arch, variant, sizeof variant);
        }
        if (strcmp(os, "macos") == 0)
                (void) snprintf(os, sizeof os, "darwin");
        if (!is_os(os))
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "platform \"%s\": unknown operating system \"%s\"", spec, os);
        if (!in_list(arch, known_arch, ELEMENTSOF(known_arch)))
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "platform \"%s\": unknown architecture \"%s\"", spec, arch);
        if (asprintf(ret, "%s/%s%s%s", os, arch, variant[0] ? "/" : "", variant) < 0)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return 0;
}

int platform_host(char **ret, struct tc_err **err)
{
        char arch[64];

        host_arch(arch, sizeof arch);
        if (asprintf(ret, "linux/%s", arch) < 0)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        return 0;
}
