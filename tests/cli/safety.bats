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
        teardown_checks
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

# ---- a create that fails after the shim daemon exists (fake shim faults) ----

# fake_setup: the fake shim's environment (see faults.bats).
fake_setup() {
        : "${FAKESHIM:?FAKESHIM must name the tests/fakeshim binary}"
        export FAKESHIM_SOCKDIR=/run/containerd/s
        export FAKESHIM_SOCKLOG=$BATS_TEST_TMPDIR/fakeshim.socks
        export FAKESHIM_PIDFILE=$BATS_TEST_TMPDIR/fakeshim.pids
        export FAKESHIM_MAX_LIFETIME=60
}

# The fake's processes of ROLE (daemon, start, task) that still run, by PID
# (a zombie or a PID now named otherwise is not ours). Each is tracked, so
# teardown ends it if the test fails.
fake_alive() {
        local pid role comm
        [ -f "$FAKESHIM_PIDFILE" ] || return 0
        while read -r pid role; do
                [ "$role" = "$1" ] || continue
                comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
                case "$comm" in fakeshim*) ;; *) continue ;; esac
                proc_alive "$pid" || continue
                track_pid "$pid"
                echo "$pid"
        done < "$FAKESHIM_PIDFILE"
}

# fault_create FAULT: create d1 on the fake with that fault; checks that it
# failed, that the fake did start a daemon, and that nothing is left: no
# daemon, no socket, no bundle. The fake's processes live 300 s at most, far
# longer than this test, so none is gone by its own lifetime.
fault_create() {
        local d t0
        fake_setup
        export FAKESHIM_MAX_LIFETIME=300
        FAKESHIM_FAULT=$1 run tc --timeout 3 create d1 --spec "$(task_spec)" --runtime "$FAKESHIM"
        [ "$status" -ne 0 ] || fail "create with $1 succeeded"
        [[ "${lines[0]}" == "taskctl: "* ]] || fail "not an error line: $output"
        # the man page: one error line, then a hint line where one exists
        [ "${#lines[@]}" -eq 1 ] || [[ "${#lines[@]}" -eq 2 && "${lines[1]}" == "hint: "* ]] ||
                fail "not one error line (and a hint): $output"
        d=$(awk '$2 == "daemon" { print $1 }' "$FAKESHIM_PIDFILE")
        [ -n "$d" ] || fail "the fake started no daemon"
        # a shim that was sent Shutdown or SIGKILL is gone within moments
        t0=$SECONDS
        while proc_alive "$d" && [ $((SECONDS - t0)) -lt 10 ]; do sleep 0.1; done
        [ -z "$(fake_alive daemon)" ] || fail "shim daemon left running: $(fake_alive daemon)"
        [ -z "$(fake_alive start)" ] || fail "shim start left running: $(fake_alive start)"
        while read -r s; do
                [ ! -S "$s" ] || { rm -f "$s"; fail "socket left: $s"; }
        done < "$FAKESHIM_SOCKLOG"
        [ ! -e "$S/tasks/$NS/d1" ] || fail "bundle left: $(ls -la "$S/tasks/$NS/d1")"
}

@test "create: start prints garbage after spawning the daemon: the daemon is torn down" {
        fault_create start-garbage-after-daemon
}

@test "create: start fails after spawning the daemon: the daemon is torn down" {
        fault_create start-fail-after-daemon
}

@test "create: start hangs after spawning the daemon: killed at the deadline, the daemon torn down" {
        fault_create start-hang-after-daemon
}

@test "create: shim.pid cannot be written: the daemon is torn down" {
        fault_create shim-pid-unwritable
}

@test "cleanup removes the temp files of killed record writers, and nothing else" {
        run tc containers create r1 --spec "$(task_spec)"
        [ "$status" -eq 0 ] || fail "$output"
        d="$R/containers/$NS"
        [ -f "$d/r1.json" ] || fail "no record file: $(ls -la "$d")"
        echo '{"id":"r2"' > "$d/.r2.json.999999"
        echo '{"id":"r1"' > "$d/.r1.json.1"
        echo keep > "$d/.notatemp"
        run tc cleanup
        [ "$status" -eq 0 ] || fail "cleanup: $output"
        [ ! -e "$d/.r2.json.999999" ] || fail "temp file of a killed writer left"
        [ ! -e "$d/.r1.json.1" ] || fail "temp file of a killed writer left"
        [ -f "$d/.notatemp" ] || fail "a file that is no temp file was removed"
        run tc containers get r1
        [ "$status" -eq 0 ] || fail "record lost: $output"
        # -A too, and a dry run touches nothing
        echo x > "$d/.r3.json.5"
        run tc cleanup -A --dry-run
        [ "$status" -eq 0 ] || fail "$output"
        [ -e "$d/.r3.json.5" ] || fail "dry run removed a file"
        run tc cleanup -A
        [ "$status" -eq 0 ] || fail "$output"
        [ ! -e "$d/.r3.json.5" ] || fail "cleanup -A left a temp file"
}

@test "a bundle or STATE writable by others is not trusted: get and kill refuse, nothing is signalled" {
        start_task t1
        pid=$(task_field t1 .pid)
        chmod g+w "$S/tasks/$NS/t1"
        run tc get t1
        [ "$status" -ne 0 ] || fail "get trusted a group-writable bundle: $output"
        [[ "$output" == *"bundle $S/tasks/$NS/t1: the bundle is writable by its group or others (mode 0720)"* ]] || fail "$output"
        [ "${#lines[@]}" -eq 1 ] || fail "not one line: $output"
        run tc kill t1 --signal KILL
        [ "$status" -ne 0 ] || fail "kill went through: $output"
        proc_alive "$pid" || fail "the task was killed"
        chmod g-w "$S/tasks/$NS/t1"
        chmod o+w "$S"
        run tc get t1
        [ "$status" -ne 0 ] || fail "get trusted an other-writable STATE: $output"
        [[ "$output" == *"$S is writable by its group or others"* ]] || fail "$output"
        chmod o-w "$S"
        run tc get t1
        [ "$status" -eq 0 ] || fail "get after the fix: $output"
}

@test "get, list, kill and wait do not write shim.pid (they do not hold the task lock)" {
        start_task t1
        rm "$S/tasks/$NS/t1/shim.pid"
        run tc get t1
        [ "$status" -eq 0 ] || fail "get: $output"
        run tc list
        [ "$status" -eq 0 ] || fail "list: $output"
        run tc kill t1 --signal CONT
        [ "$status" -eq 0 ] || fail "kill: $output"
        [ ! -e "$S/tasks/$NS/t1/shim.pid" ] || fail "shim.pid was written without the task lock"
        run tc delete --force t1
        [ "$status" -eq 0 ] || fail "delete: $output"
}
