/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/stress/stress.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/fs.h"

int stress_failures;

int stress_make_root(const char *tag, char **ret_path)
{
        static char path[64];
        int fd;

        (void) snprintf(path, sizeof path, "/tmp/tc-%s-XXXXXX", tag);
        if (!mkdtemp(path) || (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                perror("stress: mkdtemp");
                exit(2);
        }
        *ret_path = path;
        return fd;
}

void stress_remove_root(const char *path)
{
        (void) fs_rmtree_at(AT_FDCWD, path, NULL, NULL);
}

struct store *stress_open(int root_fd, const char *ns, double timeout)
{
        struct tc_err *err = NULL;
        struct store *s = NULL;

        if (store_open(root_fd, ns, true, timeout, &s, &err) < 0) {
                fprintf(stderr, "stress: store_open: %s\n", err ? err->msg : "?");
                exit(2);
        }
        return s;
}

struct record *stress_record(const char *id, const char *l, const char *v, size_t spec_pad)
{
        struct record *r = record_new();
        char *spec = malloc(spec_pad + 32);
        int n;

        if (!r || !spec)
                exit(2);
        n = snprintf(spec, 32, "{\"ociVersion\":\"1.1.0\",\"pad\":\"");
        memset(spec + n, 'p', spec_pad);
        memcpy(spec + n + spec_pad, "\"}", 3);
        if (record_set_string(&r->id, id, NULL) < 0 ||
            record_set_string(&r->runtime_name, "io.containerd.runc.v2", NULL) < 0 ||
            record_set_spec(r, spec, strlen(spec), NULL) < 0 ||
            (l && record_set_label(r, l, v, NULL) < 0))
                exit(2);
        free(spec);
        return r;
}

int stress_count_temps(const char *root, const char *ns)
{
        char path[256];
        DIR *d;
        struct dirent *de;
        int n = 0;

        (void) snprintf(path, sizeof path, "%s/containers/%s", root, ns);
        d = opendir(path);
        if (!d)
                return 0;
        while ((de = readdir(d)))
                if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
                    strcmp(de->d_name, "..") != 0 && strcmp(de->d_name, ".lock") != 0)
                        n++;
        closedir(d);
        return n;
}

void stress_kill_all(pid_t *pids, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (pids[i] <= 0)
                        continue;
                (void) kill(pids[i], SIGKILL);
                (void) waitpid(pids[i], NULL, 0);
                pids[i] = 0;
        }
}

int stress_finish(const char *name, size_t checks)
{
        printf("stress %s: %zu records checked, %d failures\n", name, checks, stress_failures);
        return stress_failures ? 1 : 0;
}
