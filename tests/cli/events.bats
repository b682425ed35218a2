#!/usr/bin/env bats
# taskctl events: the lifecycle events taskctl records itself (there is no
# daemon to publish to), on the real shim and runc.
load helpers

setup() {
        setup_common
        ROOTFS=$(busybox_rootfs)
        # namespaces of this test and run alone (records, events, runc state)
        NS=$(unique_ns ev)
        NS2=$NS-b
        export TASKCTL_NAMESPACE=$NS
}

teardown() {
        kill_tracked
        reap_tasks
        teardown_checks
}

# lifecycle [-n NS] ID: create, start, wait, delete a task that exits 3, in a
# cgroup of its own (per namespace and ID: never one shared with another run)
lifecycle() {
        local ns=$NS st
        if [ "$1" = -n ]; then
                ns=$2
                shift 2
        fi
        SPEC_CGROUP=/taskctl-test-$ns-$1 make_spec sh -c 'echo hi; exit 3' > "$BATS_TEST_TMPDIR/spec-$ns-$1.json"
        tc -n "$ns" create "$1" --spec "$BATS_TEST_TMPDIR/spec-$ns-$1.json" --rootfs "$ROOTFS" >/dev/null
        tc -n "$ns" start "$1" >/dev/null
        st=$(tc -n "$ns" wait "$1")
        [ "$st" = 3 ] || { echo "wait $ns/$1: $st"; return 1; }
        tc -n "$ns" delete "$1" >/dev/null
}

@test "events: create, start, exit (the real status), delete, as table and JSON lines" {
        lifecycle t1
        run --separate-stderr tc events -o jsonl
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 4 ]
        [ "$(echo "$output" | jq -r .topic | tr '\n' ' ')" = "/tasks/create /tasks/start /tasks/exit /tasks/delete " ]
        [ "$(echo "$output" | jq -r 'select(.topic=="/tasks/exit") | .exit_status')" = 3 ]
        [ "$(echo "$output" | jq -r 'select(.topic=="/tasks/create") | .exit_status')" = null ]
        [ "$(echo "$output" | jq -r '.id' | sort -u)" = t1 ]
        [ "$(echo "$output" | jq -r '.namespace' | sort -u)" = "$NS" ]
        pid=$(echo "$output" | jq -r 'select(.topic=="/tasks/start") | .pid')
        [ "$pid" -gt 1 ]
        [ "$(echo "$output" | jq -r 'select(.topic=="/tasks/exit") | .pid')" = "$pid" ]
        echo "$output" | jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$")'
        run --separate-stderr tc events --no-trunc
        [ "$status" -eq 0 ]
        [ "$(echo "${lines[0]}" | tr -s ' ')" = "TIME NAMESPACE TOPIC ID PID EXIT DETAIL" ]
        [[ "$(echo "${lines[3]}" | tr -s ' ')" == *" $NS /tasks/exit t1 $pid 3 -" ]] || { echo "${lines[3]}"; false; }
}

@test "events: --since filters by time; -A spans namespaces; a bad --since is exit 2" {
        lifecycle t1
        lifecycle -n "$NS2" t2
        run -0 --separate-stderr tc events -o json
        [ "$(echo "$output" | jq -r .id | sort -u)" = t1 ]
        run -0 --separate-stderr tc events -A -o json
        [ "$(echo "$output" | jq -r .id | sort -u | tr '\n' ' ')" = "t1 t2 " ]
        run -0 --separate-stderr tc events -A --since 1h -o jsonl
        [ "${#lines[@]}" -eq 8 ]
        run --separate-stderr tc events -A --since 2099-01-01T00:00:00Z -o json
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run --separate-stderr tc events --since yesterday
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = 'taskctl: events: --since "yesterday": expected an RFC 3339 time or a duration' ]
}

@test "events --follow prints new events as they are written, until killed" {
        # the binary itself in the background (not the tc function), so that $! is its
        # PID; fd 3 closed so that bats does not wait for it
        "$TASKCTL" --root "$BATS_TEST_TMPDIR/root" --state "$BATS_TEST_TMPDIR/state" \
                --config "$BATS_TEST_TMPDIR/none.json" events --follow -o jsonl \
                > "$BATS_TEST_TMPDIR/follow.out" 2>&1 3>&- &
        follower=$!
        track_pid "$follower"
        lifecycle t1
        # until the follower printed the delete (an event, not a time)
        for _ in $(seq 200); do
                grep -q '"/tasks/delete"' "$BATS_TEST_TMPDIR/follow.out" && break
                sleep 0.05
        done
        proc_state "$follower" | grep -qx '[RSD]' || { echo "the follower ended: $(cat "$BATS_TEST_TMPDIR/follow.out")"; return 1; }
        kill "$follower"
        wait "$follower" || true
        [ "$(jq -r .topic "$BATS_TEST_TMPDIR/follow.out" | tr '\n' ' ')" = "/tasks/create /tasks/start /tasks/exit /tasks/delete " ]
}

@test "the log is rotated past its size limit and both generations are read" {
        mkdir -p "$BATS_TEST_TMPDIR/root/events"
        line='{"time":"2026-01-01T00:00:00.000000000Z","namespace":"'$NS'","topic":"/tasks/start","id":"old","pid":1,"exit_status":null,"detail":null}'
        log=$BATS_TEST_TMPDIR/root/events/$NS.jsonl
        yes "$line" | head -c $((4 * 1024 * 1024 + 4096)) | head -n -1 > "$log" || true
        old=$(wc -l < "$log")
        [ "$old" -gt 1000 ]
        lifecycle t1
        [ -f "$log.1" ]
        [ "$(wc -l < "$log.1")" -eq "$old" ]
        [ "$(wc -l < "$log")" -eq 4 ]
        run -0 --separate-stderr tc events -o jsonl
        [ "${#lines[@]}" -eq $((old + 4)) ]
        [ "$(echo "$output" | tail -n 1 | jq -r .topic)" = /tasks/delete ]
}

@test "events with no root at all prints only the header" {
        run --separate-stderr tc events
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 1 ]
        [ ! -e "$BATS_TEST_TMPDIR/root" ]
}
