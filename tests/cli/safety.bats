#!/usr/bin/env bats
# Unattended safety (issue 8): inherited signal state, FIFO stdio, deep trees,
# whole event lines, shim teardown on a failed create, temp file sweeps, trust
# of STATE. Real tasks run on containerd-shim-runc-v2 + runc (realtask.bash);
# the fake shim only for the faults the real one cannot produce. Every process
# a test starts is ended by its PID in teardown.
load helpers
load realtask

setup() {
        setup_common
        realtask_setup sf
        BB=$(busybox_rootfs)
}

teardown() {
        kill_tracked
        end_tasks
}

fail() { echo "$*" >&2; return 1; }

# Shims (containerd-shim-runc-v2 or the fake) whose -namespace is NS and whose
# -address is under this test's STATE: prints their PIDs.
our_shims() {
        local p args
        for p in /proc/[0-9]*; do
                args=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
                case "$args" in
                *"-namespace $1 "*"-address $S/"*) proc_alive "${p#/proc/}" && echo "${p#/proc/}" ;;
                esac
        done
        return 0
}

@test "create works when taskctl is started with SIGCHLD ignored, and leaks no shim" {
        echo "$NS c1" >> "$BATS_TEST_TMPDIR/tasks"
        run perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' "$TASKCTL" --root "$R" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" create c1 --spec "$(task_spec)" --rootfs "$BB"
        [ "$status" -eq 0 ] || fail "create failed: $output"
        run tc get c1 -o json
        [ "$status" -eq 0 ] || fail "get failed: $output"
        shim=$(echo "$output" | jq -r .shim_pid)
        remember_pid "$shim"
        run perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' "$TASKCTL" --root "$R" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" delete c1
        [ "$status" -eq 0 ] || fail "delete failed: $output"
        wait_gone "$shim"
        [ -z "$(our_shims "$NS")" ] || fail "shims left: $(our_shims "$NS")"
}

@test "create --stdout naming a FIFO with no reader fails at once with a clear error" {
        mkfifo "$BATS_TEST_TMPDIR/out.fifo"
        echo "$NS f1" >> "$BATS_TEST_TMPDIR/tasks"
        # timeout only guards against the old hang (exit 124 then)
        run timeout 60 "$TASKCTL" --root "$R" --state "$S" --config "$BATS_TEST_TMPDIR/none.json" \
                create f1 --spec "$(task_spec)" --rootfs "$BB" --stdout "$BATS_TEST_TMPDIR/out.fifo"
        [ "$status" -ne 124 ] || fail "create hung on the FIFO"
        [ "$status" -eq 2 ] || fail "status $status: $output"
        [[ "$output" == *"--stdout $BATS_TEST_TMPDIR/out.fifo: a FIFO with no reader"* ]] || fail "$output"
        [ "${#lines[@]}" -eq 1 ] || fail "more than one line: $output"
        run tc list -q
        [ "$status" -eq 0 ] || fail "$output"
        [ -z "$output" ] || fail "a task was left: $output"
        [ -p "$BATS_TEST_TMPDIR/out.fifo" ] || fail "the FIFO was removed"
}

@test "create --stdout naming a FIFO with a reader works on the real shim" {
        mkfifo "$BATS_TEST_TMPDIR/out.fifo"
        cat "$BATS_TEST_TMPDIR/out.fifo" > "$BATS_TEST_TMPDIR/out.txt" &
        track_pid $!
        SPEC_CGROUP=/taskctl-test-$NS-f2 make_spec "echo hello-fifo" > "$BATS_TEST_TMPDIR/echo.json"
        echo "$NS f2" >> "$BATS_TEST_TMPDIR/tasks"
        run tc create f2 --spec "$BATS_TEST_TMPDIR/echo.json" --rootfs "$BB" \
                --stdout "$BATS_TEST_TMPDIR/out.fifo"
        [ "$status" -eq 0 ] || fail "create: $output"
        run tc start f2
        [ "$status" -eq 0 ] || fail "start: $output"
        run tc wait f2
        [ "$status" -eq 0 ] || fail "wait: $output"
        run tc delete f2
        [ "$status" -eq 0 ] || fail "delete: $output"
        for _ in $(seq 100); do grep -q hello-fifo "$BATS_TEST_TMPDIR/out.txt" && break; sleep 0.1; done
        grep -q hello-fifo "$BATS_TEST_TMPDIR/out.txt" || fail "output: $(cat "$BATS_TEST_TMPDIR/out.txt")"
}
