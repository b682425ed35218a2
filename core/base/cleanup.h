/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
        free(*(void **) p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0)
                (void) close(*fd);
}

static inline void fclosep(FILE **f)
{
        if (*f)
                (void) fclose(*f);
}

static inline void closedirp(DIR **d)
{
        if (*d)
                (void) closedir(*d);
}

static inline void strvfreep(char ***v)
{
        if (*v) {
                for (char **p = *v; *p; p++)
                        free(*p);
                free(*v);
        }
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_strv_ _cleanup_(strvfreep)

#define steal_ptr(p)                                                                               \
        ({                                                                                         \
                __typeof__(p) t_ = (p);                                                            \
                (p) = NULL;                                                                        \
                t_;                                                                                \
        })
#define steal_fd(fd)                                                                               \
        ({                                                                                         \
                int t_ = (fd);                                                                     \
                (fd) = -1;                                                                         \
                t_;                                                                                \
        })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
