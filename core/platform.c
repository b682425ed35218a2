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

static void lower(char *s)
{
        for (; *s; s++)
                *s = (char) tolower((unsigned char) *s);
}

/* containerd's normalizeArch (platforms/database.go): aliases and variant
 * defaults; ARCH and VARIANT are lowered first. */
static void normalize_arch(char *arch, size_t asz, char *variant, size_t vsz)
{
        lower(arch);
        lower(variant);
        if (strcmp(arch, "i386") == 0) {
                (void) snprintf(arch, asz, "386");
                variant[0] = '\0';
        } else if (strcmp(arch, "x86_64") == 0 || strcmp(arch, "x86-64") == 0 ||
                   strcmp(arch, "amd64") == 0) {
                (void) snprintf(arch, asz, "amd64");
                if (strcmp(variant, "v1") == 0)
                        variant[0] = '\0';
        } else if (strcmp(arch, "aarch64") == 0 || strcmp(arch, "arm64") == 0) {
                (void) snprintf(arch, asz, "arm64");
                if (strcmp(variant, "8") == 0 || strcmp(variant, "v8") == 0 ||
                    strcmp(variant, "v8.0") == 0)
                        variant[0] = '\0';
                else if (strcmp(variant, "9") == 0 || strcmp(variant, "9.0") == 0 ||
                         strcmp(variant, "v9.0") == 0)
                        (void) snprintf(variant, vsz, "v9");
        } else if (strcmp(arch, "armhf") == 0) {
                (void) snprintf(arch, asz, "arm");
                (void) snprintf(variant, vsz, "v7");
        } else if (strcmp(arch, "armel") == 0) {
                (void) snprintf(arch, asz, "arm");
                (void) snprintf(variant, vsz, "v6");
        } else if (strcmp(arch, "arm") == 0) {
                if (variant[0] == '\0' || strcmp(variant, "7") == 0)
                        (void) snprintf(variant, vsz, "v7");
                else if (strcmp(variant, "5") == 0 || strcmp(variant, "6") == 0 ||
                         strcmp(variant, "8") == 0) {
                        char d = variant[0];

                        (void) snprintf(variant, vsz, "v%c", d);
                }
        }
}

/* containerd's specifierRe ^[A-Za-z0-9_.-]+$ (EXTRA "."), or without the dot
 * the OS part of osAndVersionRe. */
static bool component_ok(const char *s, size_t n, const char *extra)
{
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) s[i]) && !strchr(extra, s[i]))
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

struct plat {
        char os[64], osver[64], arch[64], variant[64];
};

/* The first part: osAndVersionRe ^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$,
 * then normalizeOS (lower case, macos is darwin). */
static bool parse_os(const char *part, struct plat *p)
{
        const char *open = strchr(part, '(');
        size_t n = open ? (size_t) (open - part) : strlen(part);

        if (!component_ok(part, n, "_-") || n >= sizeof p->os)
                return false;
        if (open) {
                size_t vn = strlen(open + 1);

                if (vn == 0 || open[vn] != ')' || vn - 1 >= sizeof p->osver ||
                    (vn > 1 && !component_ok(open + 1, vn - 1, "_.-")))
                        return false;
                memcpy(p->osver, open + 1, vn - 1);
                p->osver[vn - 1] = '\0';
        }
        memcpy(p->os, part, n);
        p->os[n] = '\0';
        lower(p->os);
        if (strcmp(p->os, "macos") == 0)
                (void) snprintf(p->os, sizeof p->os, "darwin");
        return true;
}

/* containerd's platforms.Parse: PARTS[N] already split on '/'. */
static int parse(const char *spec, char **parts, size_t n, struct plat *p, struct tc_err **err)
{
        if (!parse_os(parts[0], p))
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "platform \"%s\": \"%s\" is an invalid OS component", spec, parts[0]);
        for (size_t i = 1; i < n; i++)
                if (!component_ok(parts[i], strlen(parts[i]), "_.-") || strlen(parts[i]) >= 64)
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "platform \"%s\": \"%s\" is an invalid component", spec,
                                       parts[i]);
        if (n == 1 && in_list(p->os, known_os, ELEMENTSOF(known_os))) {
                host_arch(p->arch, sizeof p->arch); /* the OS alone: the host's architecture */
                return 0;
        }
        if (n == 1) { /* else an architecture alone: the host's OS */
                (void) snprintf(p->arch, sizeof p->arch, "%s", parts[0]);
                normalize_arch(p->arch, sizeof p->arch, p->variant, sizeof p->variant);
                if (!in_list(p->arch, known_arch, ELEMENTSOF(known_arch)))
                        return tc_fail(err, TC_INVALID_ARGUMENT,
                                       "platform \"%s\": unknown operating system or architecture",
                                       spec);
                (void) snprintf(p->os, sizeof p->os, "linux");
                p->osver[0] = '\0';
        } else { /* os/arch[/variant]: unknown names are accepted, as containerd does */
                (void) snprintf(p->arch, sizeof p->arch, "%s", parts[1]);
                if (n == 3)
                        (void) snprintf(p->variant, sizeof p->variant, "%s", parts[2]);
                normalize_arch(p->arch, sizeof p->arch, p->variant, sizeof p->variant);
                if (n == 3 && strcmp(p->arch, "arm64") == 0 && !p->variant[0])
                        (void) snprintf(p->variant, sizeof p->variant, "v8");
        }
        if (n < 3 && strcmp(p->arch, "arm") == 0 && strcmp(p->variant, "v7") == 0)
                p->variant[0] = '\0';
        return 0;
}

int platform_normalize(const char *spec, char **ret, struct tc_err **err)
{
        _cleanup_free_ char *copy = strdup(spec);
        char *parts[4] = { 0 };
        struct plat p = { 0 };
        size_t n = 0;

        if (!copy)
                return tc_fail(err, TC_INTERNAL, "out of memory");
        if (strchr(spec, '*'))
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "platform \"%s\": wildcards not yet supported", spec);
        for (char *c = copy; n < 4; n++) { /* strings.SplitN(spec, "/", 4) */
                parts[n] = c;
                if (n == 3 || !(c = strchr(c, '/')))
                        break;
                *c++ = '\0';
        }
        n++;
        if (parse(spec, parts, n, &p, err) < 0)
                return -1;
        if (n == 4)
                return tc_fail(err, TC_INVALID_ARGUMENT,
                               "platform \"%s\": cannot parse platform specifier", spec);
        /* then Normalize: arm64's default v8 dropped, arm gets v7 */
        normalize_arch(p.arch, sizeof p.arch, p.variant, sizeof p.variant);
        if (asprintf(ret, "%s%s%s%s/%s%s%s", p.os, p.osver[0] ? "(" : "", p.osver,
                     p.osver[0] ? ")" : "", p.arch, p.variant[0] ? "/" : "", p.variant) < 0)
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
