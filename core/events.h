/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "core/base/err.h"

struct cJSON;

/* The topics containerd publishes for a task's life. */
#define EVENT_TASK_CREATE "/tasks/create"
#define EVENT_TASK_START "/tasks/start"
#define EVENT_TASK_EXIT "/tasks/exit"
#define EVENT_TASK_DELETE "/tasks/delete"
#define EVENT_TASK_OOM "/tasks/oom"
#define EVENT_TASK_PAUSED "/tasks/paused"
#define EVENT_TASK_RESUMED "/tasks/resumed"

/* Past this size ROOT/events/NS.jsonl is rotated to NS.jsonl.1 (one generation kept). */
#define EVENTS_ROTATE_BYTES (4u << 20)

struct event {
        const char *ns;
        const char *topic;
        const char *id;
        uint32_t pid;
        bool exit_known;      /* false: "exit_status": null (nobody observed it) */
        uint32_t exit_status; /* only with exit_known */
        const char *detail;   /* may be NULL */
        const char *time;     /* RFC 3339; NULL: now (an exit: the shim's exited_at) */
};

/* Appends one JSON line {"time","namespace","topic","id","pid","exit_status","detail"}
 * to ROOT/events/NS.jsonl under ROOT/events/.lock, rotating past the limit. */
int events_append(int root_fd, const struct event *ev, double lock_timeout, struct tc_err **err);

/* Appends the N events EVS unless MARKER_DFD/MARKER exists: under the log's
 * lock, the marker is created (O_EXCL) and the events appended, so that of
 * several writers exactly one appends them, and every event another writer
 * appends after it (a delete after an exit) comes later in the log. Returns 1
 * when appended, 0 when the marker existed (or its directory is gone). When
 * the first append fails (ENOSPC), the marker is removed again: the next
 * writer appends the events (after a later one fails, it stays). */
int events_append_once(int root_fd, const struct event *evs, size_t n, int marker_dfd,
                       const char *marker, double lock_timeout, struct tc_err **err);

/* Calls FN for every event of namespace NS (NULL: every namespace) not older
 * than SINCE (NULL: all), oldest first per namespace. A malformed line is
 * skipped. *OFFSETS (one per namespace file, managed here) lets --follow
 * continue where the last call stopped: pass a zeroed struct events_cursor. */
struct events_cursor {
        char **names;  /* namespace names seen */
        off_t *offs;   /* read offset in NS.jsonl */
        ino_t *inos;   /* inode of NS.jsonl when read, to notice a rotation */
        size_t n;
};
typedef int (*events_fn)(struct cJSON *ev, void *user, struct tc_err **err);
int events_read(int root_fd, const char *ns, const struct timespec *since,
                struct events_cursor *cur, events_fn fn, void *user, struct tc_err **err);
void events_cursor_release(struct events_cursor *cur);
