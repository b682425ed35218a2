/* SPDX-License-Identifier: Apache-2.0 */
/* Writes N container records straight into a namespace directory, in the
 * on-disk format of store/record_json.c (one compact JSON object and a newline
 * per ID.json, mode 0600), without fsync: only to set up scripts/bench-store.
 * Usage: bench-gen DIR N SPEC.json   (SPEC.json: compact JSON object, one line) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t cap = 0;
        ssize_t n;

        if (!f || (n = getline(&buf, &cap, f)) <= 0)
                return NULL;
        buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
        return buf;
}

int main(int argc, char **argv)
{
        const char *ts = "2026-11-28T11:38:21.266303072Z";
        char *spec, *rec = NULL;
        long n;

        if (argc != 4 || (n = strtol(argv[2], NULL, 10)) < 0 || !(spec = slurp(argv[3]))) {
                fprintf(stderr, "usage: bench-gen DIR N SPEC.json\n");
                return 2;
        }
        for (long i = 0; i < n; i++) {
                char name[4096];
                int len, fd;

                len = asprintf(&rec,
                               "{\"id\":\"c%07ld\",\"labels\":{\"env\":\"bench\",\"idx\":\"%ld\"},"
                               "\"image\":\"docker.io/library/busybox:latest\",\"runtime\":{"
                               "\"name\":\"io.containerd.runc.v2\",\"options\":null},\"spec\":%s,"
                               "\"snapshotter\":\"overlayfs\",\"snapshot_key\":\"c%07ld\","
                               "\"extensions\":{},\"created_at\":\"%s\",\"updated_at\":\"%s\"}\n",
                               i, i, spec, i, ts, ts);
                (void) snprintf(name, sizeof name, "%s/c%07ld.json", argv[1], i);
                fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (len < 0 || fd < 0 || write(fd, rec, (size_t) len) != len) {
                        perror(name);
                        return 1;
                }
                close(fd);
                free(rec);
        }
        free(spec);
        return 0;
}
