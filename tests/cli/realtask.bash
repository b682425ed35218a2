# Real tasks (containerd-shim-runc-v2 + runc) for load.bats and concurrency.bats:
# started through taskctl, remembered, and ended by the test's teardown by
# their own PIDs (checked by start time, so a recycled PID is never hit).
# shellcheck shell=bash

R=$BATS_TEST_TMPDIR/root
S=$BATS_TEST_TMPDIR/state
# runc's state: taskctl points the runc shim at STATE/runc (+ /NS/ID)
RUNC_ROOT=$S/runc

# realtask_setup PREFIX: the test's namespaces NS (the default of every tc
# call) and NS2, unique on this host while the test runs: cgroups and
# anything else keyed by namespace and ID stay apart from other test runs.
realtask_setup() {
        NS="$1$$"
        NS2="$1$$-b"
        export TASKCTL_NAMESPACE=$NS
}

# The spec of every real task: sleep 300 on the busybox rootfs (bind-mounted
# with --rootfs). Prints its path.
task_spec() {
        local f="$BATS_TEST_TMPDIR/task-spec.json"
        [ -s "$f" ] || make_spec > "$f" || return 1
        echo "$f"
}

# Field 22 of /proc/PID/stat: the start time, in clock ticks since boot.
proc_starttime() {
        local stat
        stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        # shellcheck disable=SC2086
        set -- $stat
        echo "${20}"
}

# True while PID runs (a zombie waiting for its reaper has ended).
proc_alive() {
        local stat
        stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        case ${stat:0:1} in Z|X) return 1 ;; esac
        return 0
}

# Waits (at most 10 s) until PID has ended.
wait_gone() {
        local _
        for _ in $(seq 200); do
                proc_alive "$1" || return 0
                sleep 0.05
        done
        echo "pid $1 still alive: $(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null)"
        return 1
}

# Remembers PID (with its start time) for end_tasks.
remember_pid() {
        local st
        st=$(proc_starttime "$1") || return 0
        echo "$1 $st" >> "$BATS_TEST_TMPDIR/task-pids"
}

# start_task ID [NS]: creates the record and the task, starts it; remembers
# the task, its shim and its init process for end_tasks. Its cgroup is its
# own (/taskctl-test-NS-ID): runc's default, /ID, is shared by every task of
# that ID on the host, and `kill --all` would reach all of them.
start_task() {
        local id=$1 ns=${2:-$NS} json spec
        echo "$ns $id" >> "$BATS_TEST_TMPDIR/tasks"
        spec="$BATS_TEST_TMPDIR/spec-$ns-$id.json"
        jq --arg cg "/taskctl-test-$ns-$id" '.linux.cgroupsPath = $cg' "$(task_spec)" > "$spec" || return 1
        tc -n "$ns" create "$id" --spec "$spec" --rootfs "$(busybox_rootfs)" >/dev/null || return 1
        tc -n "$ns" start "$id" >/dev/null || return 1
        # runc's state is where runc_state_gone looks for it
        [ -d "$RUNC_ROOT/$ns/$id" ] || { echo "no runc state at $RUNC_ROOT/$ns/$id"; return 1; }
        json=$(tc -n "$ns" get "$id" -o json) || return 1
        remember_pid "$(echo "$json" | jq -r .shim_pid)"
        remember_pid "$(echo "$json" | jq -r .pid)"
}

# task_field ID JQ [NS]: one field of `get -o json`
task_field() {
        tc -n "${3:-$NS}" get "$1" -o json | jq -r "$2"
}

# Unmounts every mount point under DIR, deepest first.
unmount_under() {
        local m
        awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
                while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

# Teardown: delete every task the test started (its shim kills what is
# left), then SIGKILL any remembered process that still runs and is still
# the same process, then unmount whatever a failed test left mounted.
end_tasks() {
        local ns id pid st
        if [ -f "$BATS_TEST_TMPDIR/tasks" ]; then
                while read -r ns id; do
                        tc --timeout 5 -n "$ns" delete --force "$id" >/dev/null 2>&1 || true
                done < "$BATS_TEST_TMPDIR/tasks"
                rm -f "$BATS_TEST_TMPDIR/tasks"
        fi
        if [ -f "$BATS_TEST_TMPDIR/task-pids" ]; then
                while read -r pid st; do
                        if proc_alive "$pid" && [ "$(proc_starttime "$pid")" = "$st" ]; then
                                kill -KILL "$pid" 2>/dev/null || true
                        fi
                done < "$BATS_TEST_TMPDIR/task-pids"
                rm -f "$BATS_TEST_TMPDIR/task-pids"
        fi
        unmount_under "$BATS_TEST_TMPDIR"
        # nothing may reach runc's shared default root
        [ ! -e "/run/containerd/runc/$NS" ] || { echo "runc state under /run/containerd/runc/$NS"; return 1; }
}

# runc_state_gone ID [NS]: runc has no state left for the container (its
# state dir under RUNC_ROOT, which start_task saw, is gone; runc agrees).
runc_state_gone() {
        local ns=${2:-$NS}
        [ ! -e "$RUNC_ROOT/$ns/$1" ] || { echo "runc state $RUNC_ROOT/$ns/$1 left"; return 1; }
        run runc --root "$RUNC_ROOT/$ns" state "$1"
        [ "$status" -eq 1 ] || { echo "runc state $1: $status $output"; return 1; }
        [[ "$output" == *"does not exist"* ]] || { echo "runc state $1: $output"; return 1; }
}

# Paths, types, modes, mtimes and link targets of everything under ROOT and
# STATE, sorted: equal before and after means nothing changed. The mtimes of
# a bundle's `log` and `log.json` are left out: a live shim and runc write
# them on their own, whenever they like (the shim logs its failed event
# posts some time after create and start returned).
snapshot() {
        find "$R" "$S" -printf '%p %y %m %T@ %l\n' 2>/dev/null |
                awk '$1 ~ /\/tasks\/[^/]+\/[^/]+\/log(\.json)?$/ { $4 = "-" } { print }' | sort
}
