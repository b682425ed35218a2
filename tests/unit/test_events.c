/* SPDX-License-Identifier: Apache-2.0 */
/* core/events: whole lines on ENOSPC (a small tmpfs), and a follower that
 * does not lose the lines written just before a rotation. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/cleanup.h"
#include "core/base/fs.h"
#include "core/events.h"

static char tmp[64];
static char mnt[96];
static int root_fd = -1;
static bool mounted;

static void make_tmp(void)
{
        strcpy(tmp, "/tmp/tc-events-XXXXXX");
        cr_assert(not(eq(ptr, mkdtemp(tmp), NULL)));
        (void) snprintf(mnt, sizeof mnt, "%s/root", tmp);
        cr_assert(eq(int, mkdir(mnt, 0700), 0));
}

static void remove_tmp(void)
{
        if (root_fd >= 0)
                (void) close(root_fd);
        if (mounted)
                (void) umount2(mnt, MNT_DETACH);
        (void) fs_rmtree_at(AT_FDCWD, tmp, NULL, NULL);
}

static void open_root(void)
{
        root_fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cr_assert(ge(int, root_fd, 0));
}

static int append(const char *id, struct tc_err **err)
{
        struct event ev = { .ns = "ns1", .topic = EVENT_TASK_CREATE, .id = id, .pid = 42 };

        return events_append(root_fd, &ev, 5.0, err);
}

struct seen {
        char ids[64][32];
        size_t n;
};

static int collect(cJSON *ev, void *user, struct tc_err **err)
{
        struct seen *s = user;
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "id"));

        cr_assert(not(eq(ptr, (void *) id, NULL)));
        cr_assert(lt(sz, s->n, 64));
        (void) snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", id);
        return 0;
}

/* Writes LEN bytes of X (a line, NOT an event) to the log file directly. */
static void pad_log(size_t len)
{
        _cleanup_close_ int fd = openat(root_fd, "events/ns1.jsonl", O_WRONLY | O_APPEND | O_CLOEXEC);
        char *buf = malloc(len);

        cr_assert(ge(int, fd, 0));
        cr_assert(not(eq(ptr, buf, NULL)));
        memset(buf, 'x', len);
        buf[len - 1] = '\n';
        cr_assert(eq(long, (long) write(fd, buf, len), (long) len));
        free(buf);
}

static off_t log_size(void)
{
        struct stat st;

        cr_assert(eq(int, fstatat(root_fd, "events/ns1.jsonl", &st, 0), 0));
        return st.st_size;
}

/* The log ends in a page with 10 bytes free and the filesystem is full: the
 * next event fits only partly. The old loop of writes left those 10 bytes
 * of it (half a line, which swallowed the next event); now the append fails
 * and the log is as before. */
Test(events, enospc_leaves_no_partial_line, .init = make_tmp, .fini = remove_tmp)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct events_cursor cur = { 0 };
        struct seen seen = { 0 };
        _cleanup_close_ int fill = -1;
        char block[4096];
        off_t before;

        cr_assert(eq(int, mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0700"), 0), "%s",
                  strerror(errno));
        mounted = true;
        open_root();
        cr_assert(eq(int, append("first", &err), 0));
        pad_log(4096 - 10 - (size_t) log_size());
        before = log_size();
        cr_assert(eq(long, (long) before, 4086L));
        fill = openat(root_fd, "fill", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        cr_assert(ge(int, fill, 0));
        memset(block, 0, sizeof block);
        while (write(fill, block, sizeof block) > 0)
                ;
        cr_assert(eq(int, append("lost", &err), -1));
        cr_assert(not(eq(ptr, strstr(err->msg, "No space left on device"), NULL)), "%s", err->msg);
        cr_assert(eq(long, (long) log_size(), (long) before), "a partial line was left");
        tc_err_freep(&err);
        /* space again: the next event is whole and readable */
        cr_assert(eq(int, ftruncate(fill, 0), 0));
        cr_assert(eq(int, append("second", &err), 0));
        cr_assert(eq(int, events_read(root_fd, "ns1", NULL, &cur, collect, &seen, &err), 0));
        cr_assert(eq(sz, seen.n, 2));
        cr_assert(eq(str, seen.ids[0], "first"));
        cr_assert(eq(str, seen.ids[1], "second"));
        events_cursor_release(&cur);
}

/* A follower read the log, then events came and the log rotated before its
 * next read: it must see those events (from NS.jsonl.1) and then the new file. */
Test(events, follow_sees_lines_written_before_rotation, .init = make_tmp, .fini = remove_tmp)
{
        _cleanup_(tc_err_freep) struct tc_err *err = NULL;
        struct events_cursor cur = { 0 };
        struct seen seen = { 0 };

        open_root();
        cr_assert(eq(int, append("a", &err), 0));
        cr_assert(eq(int, events_read(root_fd, "ns1", NULL, &cur, collect, &seen, &err), 0));
        cr_assert(eq(sz, seen.n, 1));
        cr_assert(eq(int, append("b", &err), 0));
        pad_log(EVENTS_ROTATE_BYTES); /* the next append rotates */
        cr_assert(eq(int, append("c", &err), 0));
        cr_assert(eq(int, faccessat(root_fd, "events/ns1.jsonl.1", F_OK, 0), 0), "no rotation");
        cr_assert(eq(int, events_read(root_fd, "ns1", NULL, &cur, collect, &seen, &err), 0));
        cr_assert(eq(sz, seen.n, 3), "the follower saw %zu events", seen.n);
        cr_assert(eq(str, seen.ids[1], "b"));
        cr_assert(eq(str, seen.ids[2], "c"));
        events_cursor_release(&cur);
}
