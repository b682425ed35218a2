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
