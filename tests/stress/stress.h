/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the stress programs: a temporary root, checks, and the final tally. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "store/store.h"

/* Prints "stress: FAIL ..." and counts a failure; the programs go on checking. */
#define CHECK(cond, ...)                                                                           \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "stress: FAIL %s:%d: ", __FILE__, __LINE__);               \
                        fprintf(stderr, __VA_ARGS__);                                              \
                        fputc('\n', stderr);                                                       \
                        stress_failures++;                                                         \
                }                                                                                  \
        } while (0)

extern int stress_failures;

/* mkdtemp under /tmp; returns its fd, its path in ret_path (static storage). */
int stress_make_root(const char *tag, char **ret_path);
void stress_remove_root(const char *path);
/* Opens namespace NS of ROOT_FD for writing, or exits. */
struct store *stress_open(int root_fd, const char *ns, double timeout);
/* A minimal valid record with label L=V (none when L is NULL); exits when out of memory. */
struct record *stress_record(const char *id, const char *l, const char *v, size_t spec_pad);
/* Number of dot-entries other than ".lock" in ROOT/containers/NS (temp files). */
int stress_count_temps(const char *root, const char *ns);
/* SIGKILLs and reaps every pid in PIDS that is not 0. */
void stress_kill_all(pid_t *pids, size_t n);
/* Prints the tally line and returns the exit status. */
int stress_finish(const char *name, size_t checks);
