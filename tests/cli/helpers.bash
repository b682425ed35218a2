# Shared by every tests/cli/*.bats file.
# shellcheck shell=bash
bats_require_minimum_version 1.5.0
# a pipeline fails when any part fails: `x=$(tc ... | jq ...)` fails the test
# when taskctl does, not only when jq does
set -o pipefail

: "${TASKCTL:?TASKCTL must name the taskctl binary under test (meson test sets it)}"
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Sanitizer reports of every process of this test (taskctl, the fake shim)
# go to files under the test's tmpdir (log_path: the last setting wins), kept
# after the process ends (the fake shim's stderr is a bundle log that is
# deleted with the bundle); teardown_checks fails the test when any exists.
# The options themselves (halt_on_error, exitcode=99, ...) come from the meson
# test environment; they are inert in a build without sanitizers.
SANITIZER_LOG=$BATS_TEST_TMPDIR/sanitizer
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SANITIZER_LOG"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SANITIZER_LOG"

# taskctl with this test's own root and state, and no config file. An exit
# status above 7 (taskctl's documented codes are 0 to 7) is a crash, a
# sanitizer report (99) or an abort (134), even where a test reads only the
# output: it is written down, and teardown_checks fails the test.
# run, exec and attach exit with the task's own status (128+N for a signal):
# theirs is left to the test (a sanitizer report still leaves its log file).
tc() {
        local rc=0
        "$TASKCTL" --root "$BATS_TEST_TMPDIR/root" --state "$BATS_TEST_TMPDIR/state" \
                --config "$BATS_TEST_TMPDIR/none.json" "$@" || rc=$?
        if [ "$rc" -gt 7 ] && ! tc_passes_status "$@"; then
                echo "exit $rc: taskctl $*" >> "$BATS_TEST_TMPDIR/tc-crashes"
        fi
        return "$rc"
}

# tc_passes_status ARG...: the command of taskctl ARG... is run, exec or attach.
tc_passes_status() {
        local a skip=0
        for a in "$@"; do
                if [ "$skip" = 1 ]; then
                        skip=0
                        continue
                fi
                case $a in
                -n | --namespace | -o | --output | --root | --state | --config | --timeout) skip=1 ;;
                -*) ;;
                attach | exec | run) return 0 ;;
                *) return 1 ;;
                esac
        done
        return 1
}

setup_common() {
        echo '{}' > "$BATS_TEST_TMPDIR/none.json"
}

# setup_real PREFIX: the common part of setup() in the files of real tasks
# (tasks, interactive, operations): TMP (the test's tmpdir, canonical), R and
# S (its root and state), NS (a namespace of its own per test and per run:
# PREFIX, the test's number and the random part of bats' run dir), the
# default namespace of every tc call, and ROOTFS (the busybox rootfs).
setup_real() {
        setup_common
        TMP=$(cd "$BATS_TEST_TMPDIR" && pwd -P)
        R=$TMP/root
        S=$TMP/state
        NS=$1$BATS_TEST_NUMBER-$(printf '%s' "${BATS_RUN_TMPDIR##*/}" | tr -cd 'A-Za-z0-9' | tail -c 12)
        export TASKCTL_NAMESPACE=$NS
        ROOTFS=$(busybox_rootfs)
}

# A namespace unique to this test and this run (never `default`, never one
# that another run of the suite uses at the same time): PREFIX, the test's
# number, and the random part of bats' run dir (mktemp's XXXXXX of
# bats-run-XXXXXX, unique among the runs going on). Short enough for the
# NAMESPACE column of the tables (14).
unique_ns() {
        local run=${BATS_RUN_TMPDIR%/}
        echo "$1$BATS_TEST_NUMBER-${run##*-}"
}

# The end of every teardown: fails the test when a taskctl run by tc exited
# above 7 or when any process left a sanitizer report.
teardown_checks() {
        local f bad=0
        if [ -s "$BATS_TEST_TMPDIR/tc-crashes" ]; then
                echo "taskctl crashed:"
                cat "$BATS_TEST_TMPDIR/tc-crashes"
                bad=1
        fi
        for f in "$SANITIZER_LOG".*; do
                [ -e "$f" ] || continue
                echo "sanitizer report $f:"
                cat "$f"
                bad=1
        done
        return "$bad"
}

# A minimal OCI spec (runc spec, then our process and rootfs) printed on stdout.
# Usage: make_spec [ARG]...   (default: sleep 300; one ARG is split on spaces)
# Environment: SPEC_ROOT sets root.path (default "rootfs"); SPEC_CGROUP, when
# set, linux.cgroupsPath. Without a cgroupsPath runc names the container's
# cgroup after its ID alone, so two tasks with one ID (two namespaces, or two
# test runs at once) would share a cgroup: give each task its own.
make_spec() {
        local dir
        dir=$(mktemp -d "$BATS_TEST_TMPDIR/spec.XXXXXX")
        (cd "$dir" && runc spec) || return 1
        jq --argjson args "$(printf '%s\n' "${@:-sleep 300}" | jq -R . | jq -s .)" \
           --arg root "${SPEC_ROOT:-rootfs}" --arg cgroup "${SPEC_CGROUP:-}" \
           '.process.args = ($args | if length == 1 then (.[0] | split(" ")) else . end)
            | .process.terminal = false | .root.path = $root | .root.readonly = true
            | if $cgroup != "" then .linux.cgroupsPath = $cgroup else . end' \
           "$dir/config.json"
        rm -rf "$dir"
}

# A busybox rootfs built from busybox-static, shared by the tests of one file.
# Prints its path.
busybox_rootfs() {
        local r="$BATS_FILE_TMPDIR/busybox-rootfs"
        if [ ! -x "$r/bin/busybox" ]; then
                mkdir -p "$r/bin" "$r/proc" "$r/dev" "$r/sys" "$r/tmp" "$r/etc"
                cp /bin/busybox "$r/bin/busybox"
                for a in sh sleep true false echo cat ls kill trap exit; do
                        ln -sf busybox "$r/bin/$a"
                done
        fi
        echo "$r"
}

# until_true CMD...: retry CMD every 0.05 s, UNTIL_TRUE_TRIES times (default
# 400: 20 s); never a timing assertion: it only waits for something that must
# happen.
until_true() {
        for _ in $(seq "${UNTIL_TRUE_TRIES:-400}"); do
                "$@" && return 0
                sleep 0.05
        done
        echo "never true: $*"
        return 1
}

# The start time (clock ticks since boot, field 22 of /proc/PID/stat) of a
# live process; fails for a missing one. Together with the PID it names one
# process: a PID that was reused names another.
proc_start_time() {
        local s
        s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        s=${s##*) } # the fields after "(comm)", which may hold spaces
        # shellcheck disable=SC2086
        set -- $s
        echo "${20}"
}

# The one-letter state of PID (R, S, D, Z, ...), empty when there is no such process.
proc_state() {
        local s
        s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
        s=${s##*) }
        echo "${s%% *}"
}

# PID has ended: no /proc entry, or a zombie that its parent (often pid 1, for
# the shims and for containers whose shim died) has not reaped yet.
proc_gone() {
        local st
        st=$(proc_state "$1")
        [ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# PIDs a test must end itself: register with track_pid, killed in teardown.
# The start time is kept too, so a PID reused by another process after ours
# ended is never killed.
track_pid() {
        echo "$1 $(proc_start_time "$1")" >> "$BATS_TEST_TMPDIR/pids"
}

kill_tracked() {
        local p t
        [ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
        while read -r p t; do
                [ -n "$p" ] || continue
                if [ -z "$t" ] || [ "$(proc_start_time "$p")" = "$t" ]; then
                        kill -KILL "$p" 2>/dev/null || true
                fi
        done < "$BATS_TEST_TMPDIR/pids"
        rm -f "$BATS_TEST_TMPDIR/pids"
}

# Print the mount points at or under DIR (from /proc/self/mountinfo), deepest
# first. DIR must be a canonical path.
mounts_under() {
        awk -v d="${1%/}" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
                sort -r
}

# Nothing is mounted at or under DIR; otherwise print what is.
no_mount_under() {
        local m
        m=$(mounts_under "$1")
        [ -z "$m" ] || { echo "mounted under $1:"; echo "$m"; return 1; }
}

# Teardown: delete every task this test's state holds, in every namespace,
# with taskctl itself (delete --force ends each shim and container by its PID),
# then lazily unmount whatever a failed test left under its tmpdir (so that
# removing the tmpdir never reaches through a bind mount).
reap_tasks() {
        local d ns id m
        for d in "$BATS_TEST_TMPDIR"/state/tasks/*/*/; do
                [ -d "$d" ] || continue
                id=$(basename "$d")
                ns=$(basename "$(dirname "$d")")
                tc -n "$ns" --timeout 5 delete --force "$id" >/dev/null 2>&1 ||
                        echo "teardown: delete --force $ns/$id failed" >&2
        done
        for m in $(mounts_under "$(cd "$BATS_TEST_TMPDIR" && pwd -P)"); do
                umount -l "$m" || true
        done
}

# Assert that nothing exists under DIR except the listed relative paths (a
# DIR that does not exist holds nothing).
# Usage: tree_is DIR [PATH]...
tree_is() {
        local dir=$1; shift
        local got='' want
        if [ -e "$dir" ]; then
                got=$(cd "$dir" && find . -mindepth 1 | sed 's|^\./||' | sort)
        fi
        want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
        if [ "$got" != "$want" ]; then
                echo "tree of $dir:"; echo "$got"; echo "expected:"; echo "$want"
                return 1
        fi
}

# hold_lock PATH: holds flock(2) on PATH (a task's work dir: its task lock) in
# the background until the test ends. HOLDER is the PID that /proc/locks names:
# the perl process that took the lock and keeps it (flock(1) would hand it to
# a child). It is tracked, and fd 3 is closed so that bats does not wait for it.
hold_lock() {
        perl -e 'use Fcntl ":flock"; open(my $fh, "<", $ARGV[0]) or die "$!";
                 flock($fh, LOCK_EX) or die "$!"; sleep 300' "$1" >/dev/null 2>&1 3>&- &
        HOLDER=$!
        track_pid "$HOLDER"
        # wait until the lock is really held (flock -n then fails)
        for _ in $(seq 200); do
                flock -n "$1" true || return 0
                sleep 0.05
        done
        echo "lock holder never took $1"
        return 1
}

# cgroup v1 mounts for real tasks on this machine's hybrid cgroup layout.
# crun 1.8 refuses to run on a hybrid layout ("cgroups in hybrid mode not
# supported, drop all controllers from cgroupv2") as long as the cgroup2
# hierarchy mounted at /sys/fs/cgroup/unified still lists controllers in its
# cgroup.controllers (on this kind of machine: hugetlb, which systemd-less
# hosts leave without a v1 mount). A controller bound to a v1 hierarchy leaves
# cgroup2. And the runc shim reads a task's cgroup (for Stats) through every
# v1 hierarchy that /proc/PID/cgroup lists, and fails ("cannot find cgroup
# mount destination") when one of them is not mounted.
# cgroup_v1_mount mounts such hierarchies on /sys/fs/cgroup/NAME and writes
# down exactly what it mounted (and which dirs it made), so that
# cgroup_v1_unmount undoes those and nothing else (a controller that another
# run already bound is left to it). Binding a controller to a v1 hierarchy is
# host-wide whatever the mount namespace, so it cannot be contained, only kept
# short. A mount that fails is reported, not fatal: a crun test then FAILS
# with crun's own error (it is never skipped).
CGROUP_UNIFIED=/sys/fs/cgroup/unified

# cgroup_v1_mounted CONTROLLERS: a cgroup v1 hierarchy is mounted whose
# options hold every controller of the comma-separated CONTROLLERS.
cgroup_v1_mounted() {
        awk -v c="$1" '{
                for (i = 1; i <= NF && $i != "-"; i++) {}
                if ($(i + 1) != "cgroup") next
                n = split($(i + 3), o, ","); k = split(c, w, ","); hit = 0
                for (a = 1; a <= k; a++) for (b = 1; b <= n; b++) if (w[a] == o[b]) hit++
                if (hit == k) found = 1
        } END { exit !found }' /proc/self/mountinfo
}

# cgroup_v1_mount_one LIST CONTROLLERS: mounts the v1 hierarchy CONTROLLERS
# on /sys/fs/cgroup/CONTROLLERS unless one is mounted; appends "DIR MADE" to LIST.
cgroup_v1_mount_one() {
        local dir=/sys/fs/cgroup/$2 made=no
        cgroup_v1_mounted "$2" && return 0
        if [ ! -d "$dir" ]; then
                mkdir "$dir" && made=yes
        fi
        if mount -t cgroup -o "$2" cgroup "$dir"; then
                echo "$dir $made" >> "$1"
        else
                echo "# mounting the $2 cgroup v1 hierarchy failed"
                [ "$made" = no ] || rmdir "$dir"
        fi
}

# cgroup_v1_mount LIST [--listed]: gives every controller that cgroup2 still
# lists a v1 hierarchy of its own (what crun needs); with --listed, first
# mounts every v1 hierarchy that /proc/self/cgroup names and that is not
# mounted (what the runc shim's Stats needs). LIST (created, even empty)
# holds what was mounted, for cgroup_v1_unmount. Failures are reported on
# stdout as "# " lines (setup_file sends them to fd 3).
cgroup_v1_mount() {
        local list=$1 c
        : > "$list"
        if [ "${2:-}" = --listed ]; then
                while IFS=: read -r _ c _; do
                        [ -n "$c" ] && [ "${c#name=}" = "$c" ] && cgroup_v1_mount_one "$list" "$c"
                done < /proc/self/cgroup
        fi
        [ -r "$CGROUP_UNIFIED/cgroup.controllers" ] || return 0
        for c in $(cat "$CGROUP_UNIFIED/cgroup.controllers"); do
                cgroup_v1_mount_one "$list" "$c"
        done
}

# cgroup_v1_unmount LIST: undoes what cgroup_v1_mount wrote down in LIST
# (nothing when there is no LIST), then removes LIST.
cgroup_v1_unmount() {
        local dir made
        [ -f "$1" ] || return 0
        while read -r dir made; do
                umount "$dir" || echo "# umount $dir failed"
                [ "$made" = no ] || rmdir "$dir" || true
        done < "$1"
        rm -f "$1"
}

# bind_roots ROOT STATE [BOOT_ID]: records ROOT and STATE as a pair, as the
# first `create` does (ROOT/binding.json and STATE/binding.json; see
# docs/layout.md), for tests that build work dirs and bundles by hand. A
# BOOT_ID other than the current one simulates a binding made before a reboot.
bind_roots() {
        local root state boot json
        mkdir -p "$1" "$2"
        root=$(realpath "$1")
        state=$(realpath "$2")
        boot=${3:-$(cat /proc/sys/kernel/random/boot_id)}
        json=$(jq -n --arg r "$root" --arg s "$state" --arg b "$boot" \
                '{root: $r, state: $s, boot_id: $b, token: "0123456789abcdef"}')
        echo "$json" > "$1/binding.json"
        echo "$json" > "$2/binding.json"
}
