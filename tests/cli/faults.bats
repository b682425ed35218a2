#!/usr/bin/env bats
# taskctl create (and get/list/delete/events) against tests/fakeshim, the shim
# that injects the faults the real one cannot: exit code, a one-line error,
# and nothing left behind (bundle, work dir, record made by the same call,
# shim or task process, socket).
#
# The fake binds its sockets where every runtime-v2 shim does,
# /run/containerd/s: taskctl removes a dead shim's socket there and nowhere
# else. Each socket is named by a hash of taskctl's -address (under this
# test's STATE), so no other shim shares it; FAKESHIM_SOCKLOG lists them.
load helpers

: "${FAKESHIM:?FAKESHIM must name the tests/fakeshim binary (meson test sets it)}"

setup() {
        setup_common
        R=$BATS_TEST_TMPDIR/root
        S=$BATS_TEST_TMPDIR/state
        SPEC=$BATS_TEST_TMPDIR/spec.json
        NS=$(unique_ns fs)
        export TASKCTL_NAMESPACE=$NS
        export FAKESHIM_SOCKDIR=/run/containerd/s
        export FAKESHIM_SOCKLOG=$BATS_TEST_TMPDIR/fakeshim.socks
        export FAKESHIM_PIDFILE=$BATS_TEST_TMPDIR/fakeshim.pids
        # the fake ends itself only long after fakeshim_gone stops waiting (60 s):
        # a shim that taskctl failed to end must be seen alive, not expire first
        export FAKESHIM_MAX_LIFETIME=600
        unset FAKESHIM_FAULT
        make_spec > "$SPEC"
}

teardown() {
        kill_fakeshim
        kill_tracked
        remove_fakeshim_sockets
        teardown_checks
}

# Prints "PID ROLE" for each process the fake noted in FAKESHIM_PIDFILE that
# is still running: not gone, not a zombie, and still named like ours (a PID
# reused by someone else is not ours).
fakeshim_alive() {
        local pid role state comm
        [ -f "$FAKESHIM_PIDFILE" ] || return 0
        while read -r pid role; do
                comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
                state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
                case "$comm" in fakeshim*) ;; *) continue ;; esac
                [ "$state" = Z ] || [ "$state" = X ] || echo "$pid $role"
        done < "$FAKESHIM_PIDFILE"
}

# Ends, by PID, whatever the fake left running (a failed test).
kill_fakeshim() {
        local pid role
        while read -r pid role; do
                [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
        done < <(fakeshim_alive)
}

# The sockets the fake bound that still exist.
fakeshim_sockets() {
        local s
        [ -f "$FAKESHIM_SOCKLOG" ] || return 0
        while read -r s; do
                [ -S "$s" ] && echo "$s"
        done < "$FAKESHIM_SOCKLOG"
        return 0
}

# Removes, by exact path, the sockets the fake left (a failed test).
remove_fakeshim_sockets() {
        local s
        while read -r s; do
                rm -f "$s"
        done < <(fakeshim_sockets)
}

# True if DIR is missing or empty (a failed create may leave the parents).
empty_or_missing() {
        [ ! -e "$1" ] || tree_is "$1"
}

# True once none of the fake's processes runs: a shim exits some time after
# it answers Shutdown (a sanitizer build's, much later), so this waits for
# that to happen; the 60 s bound only stops a hang, it is not a time limit.
fakeshim_gone() {
        local left end=$((SECONDS + 60))
        while [ "$SECONDS" -lt "$end" ]; do
                left=$(fakeshim_alive)
                [ -z "$left" ] && return 0
                sleep 0.05
        done
        echo "fakeshim processes left: $left"
        return 1
}

# Runs `tc --timeout 2 create t1 --spec the man page --runtime FAKESHIM` with
# FAKESHIM_FAULT=$1; sets status/output/stderr (the caller checks $status).
create_with_fault() {
        export FAKESHIM_FAULT=$1
        run --separate-stderr tc --timeout 2 create t1 --spec "$SPEC" --runtime "$FAKESHIM" # status: read by the caller
        unset FAKESHIM_FAULT
}

# The error is one line on stderr starting "taskctl: ", nothing on stdout.
one_line_error() {
        echo "stderr: $stderr"
        [ -z "$output" ]
        [[ "${stderr_lines[0]}" == "taskctl: "* ]]
        # the man page: one line, then a hint line where one exists
        [ "${#stderr_lines[@]}" -eq 1 ] || [[ "${#stderr_lines[@]}" -eq 2 && "${stderr_lines[1]}" == "hint: "* ]]
}

# Nothing that this create made is left: bundle, work dir, record, processes
# of the fake, its socket.
nothing_left() {
        empty_or_missing "$S/tasks/$NS"
        empty_or_missing "$R/tasks/$NS"
        fakeshim_gone
        [ -z "$(fakeshim_sockets)" ]
        run --separate-stderr tc containers get t1
        [ "$status" -eq 3 ]
}

@test "faults: no fault: create, start, kill, wait, delete through the fake leave nothing" {
        run --separate-stderr tc create t1 --spec "$SPEC" --runtime "$FAKESHIM"
        echo "stderr: $stderr"
        [ "$status" -eq 0 ]
        [ -s "$S/tasks/$NS/t1/init.pid" ]
        run --separate-stderr tc start t1
        [ "$status" -eq 0 ]
        run --separate-stderr tc kill t1 --signal KILL
        [ "$status" -eq 0 ]
        run --separate-stderr tc -q wait t1
        [ "$status" -eq 0 ]
        [ "$output" = 137 ]
        run --separate-stderr tc delete t1
        [ "$status" -eq 0 ]
        empty_or_missing "$S/tasks/$NS"
        empty_or_missing "$R/tasks/$NS"
        fakeshim_gone
        [ -z "$(fakeshim_sockets)" ]
}

@test "faults: start-hang: exit 7 within the timeout, the hung start is killed" {
        create_with_fault start-hang
        [ "$status" -eq 7 ]
        one_line_error
        nothing_left
}

@test "faults: start-fail: exit 6 with the shim's error line" {
        create_with_fault start-fail
        [ "$status" -eq 6 ]
        one_line_error
        [[ "$stderr" == *"io.containerd.fake.v1: injected start failure"* ]]
        nothing_left
}

@test "faults: start-garbage-address: exit 6" {
        create_with_fault start-garbage-address
        [ "$status" -eq 6 ]
        one_line_error
        nothing_left
}

@test "faults: connect-refuse: exit 6" {
        create_with_fault connect-refuse
        [ "$status" -eq 6 ]
        one_line_error
        nothing_left
}

@test "faults: reply-garbage: exit 6, the shim is still shut down" {
        create_with_fault reply-garbage
        [ "$status" -eq 6 ]
        one_line_error
        nothing_left
}

@test "faults: reply-oversize: exit 6" {
        create_with_fault reply-oversize
        [ "$status" -eq 6 ]
        one_line_error
        nothing_left
}

@test "faults: die-mid-call: exit 6, the stale socket is removed" {
        create_with_fault die-mid-call
        [ "$status" -eq 6 ]
        one_line_error
        nothing_left
}

@test "faults: create-hang: exit 7 within the timeout, the shim is killed" {
        create_with_fault create-hang
        [ "$status" -eq 7 ]
        one_line_error
        nothing_left
}

# The shim answers Create with code 2 (Unknown), which taskctl maps to an
# unknown error as containerd's errdefs (ttrpc_status_kind): exit 1. The
# process the failed Create leaked is ended by the shim's `delete` action.
@test "faults: create-fail: exit 1 with the shim's message, the leaked process is killed" {
        create_with_fault create-fail
        [ "$status" -eq 1 ]
        one_line_error
        [[ "$stderr" == *"OCI runtime create failed: injected"* ]]
        run grep -c ' task$' "$FAKESHIM_PIDFILE"
        [ "$output" = 1 ]
        nothing_left
}

@test "faults: die-after-create: get 6, list unknown, delete cleans up, exit event is null" {
        create_with_fault die-after-create
        echo "stderr: $stderr"
        [ "$status" -eq 0 ]
        run --separate-stderr tc get t1
        [ "$status" -eq 6 ]
        one_line_error

        run --separate-stderr tc list
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | awk '$2 == "t1" { print $NF == "'"$FAKESHIM"'" ? $(NF-1) : "?" }')" = unknown ]

        # the task process outlived its shim; delete ends it with the delete action
        [ -n "$(fakeshim_alive | awk '$2 == "task"')" ]
        run --separate-stderr tc delete t1
        echo "stderr: $stderr"
        [ "$status" -eq 0 ]
        empty_or_missing "$S/tasks/$NS"
        empty_or_missing "$R/tasks/$NS"
        fakeshim_gone
        [ -z "$(fakeshim_sockets)" ]
        run --separate-stderr tc containers get t1
        [ "$status" -eq 0 ]

        run --separate-stderr tc events -o json
        [ "$status" -eq 0 ]
        echo "$output"
        exits=$(echo "$output" | jq -c 'select(.topic == "/tasks/exit" and .id == "t1")')
        [ "$(echo "$exits" | jq -s 'length')" -eq 1 ]
        [ "$(echo "$exits" | jq -r '.exit_status')" = null ]
}
