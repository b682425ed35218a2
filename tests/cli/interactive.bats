#!/usr/bin/env bats
# Interactive tasks and their output (run, exec, attach, logs, terminals) on
# the real containerd-shim-runc-v2 driving runc (and crun once), with a
# busybox-static rootfs and the default spec of `run --rootfs`. Terminal tests
# go through a pseudo-terminal (ptydrive.py). Teardown deletes every task of
# the test's state with `delete --force` (which also ends the log helpers)
# and then checks that no process of ours mentions the test's state.
load helpers

PTY="python3 $TESTS_DIR/cli/ptydrive.py"

# crun on this hybrid cgroup layout: the file mounts the cgroup v1
# hierarchies it needs (cgroup_v1_mount, helpers.bash), undone by
# teardown_file (a failed mount makes the crun test fail, never skip).
setup_file() {
        cgroup_v1_mount "$BATS_FILE_TMPDIR/cgroup-mounts" >&3
}

teardown_file() {
        cgroup_v1_unmount "$BATS_FILE_TMPDIR/cgroup-mounts" >&3
}

setup() {
        setup_real i
        TC="$TASKCTL --root $R --state $S --config $TMP/none.json -n $NS"
}

teardown() {
        kill_tracked
        reap_tasks
        local left
        left=$(procs_mentioning "$S/")
        [ -z "$left" ] || { echo "processes left: $left"; return 1; }
        teardown_checks
}

# PIDs of the processes whose command line contains $1 (log helpers, shims
# and our own taskctl runs name the state dir).
procs_mentioning() {
        local f p
        # the pattern from a file: grep's own command line must not match it
        for f in $(grep -lsaF -f <(printf '%s\n' "$1") /proc/[0-9]*/cmdline); do
                p=${f#/proc/}
                p=${p%/cmdline}
                [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] || echo "$p"
        done
        return 0
}

proc_alive() { ! proc_gone "$1"; }
status_is() {
        local s
        s=$(tc -o json get "$1") || return 1
        [ "$(jq -r .status <<<"$s")" = "$2" ]
}
# (a terminal's lines end in \r\n)
log_has() { tc logs "$1" 2>/dev/null | tr -d '\r' | grep -qxF -- "$2"; }

# The log helper of task $1: its pid, proven by its command line.
logger_pid() {
        local p
        p=$(cat "$S/tasks/$NS/$1/logger.pid") || return 1
        tr '\0' ' ' < "/proc/$p/cmdline" | grep -qF "_logger $S/tasks/$NS/$1 " || return 1
        echo "$p"
}

@test "run --rm: prints the output, exits with the task's status, leaves nothing" {
        run --separate-stderr tc run --rm --rootfs "$ROOTFS" r1 -- sh -c 'echo hi; echo oops >&2; exit 3'
        [ "$status" -eq 3 ] || { echo "status $status: $stderr"; return 1; }
        [ "$output" = hi ]
        [ "$stderr" = oops ]
        run --separate-stderr tc containers list -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ ! -e "$S/tasks/$NS/r1" ]
        [ ! -e "$R/tasks/$NS/r1" ]
        [ -z "$(procs_mentioning "$S/tasks/$NS/r1")" ]
}

@test "run: a signal of the task is 128+N; SIGTERM to run is forwarded to the task" {
        # (the task is pid 1 of its pid namespace: it cannot SIGKILL itself)
        $TC run --rm --rootfs "$ROOTFS" r2 -- sh -c 'echo ready; exec sleep 300' > "$TMP/r2.out" 2>&1 &
        local pid2=$!
        until_true grep -qx ready "$TMP/r2.out"
        run --separate-stderr tc kill --signal SIGKILL r2
        [ "$status" -eq 0 ]
        local rc2=0
        wait "$pid2" || rc2=$?
        [ "$rc2" -eq 137 ] || { echo "rc $rc2: $(cat "$TMP/r2.out")"; return 1; }
        [ ! -e "$S/tasks/$NS/r2" ]
        # run in the background; once the task runs, SIGTERM to run reaches it
        $TC run --rm --rootfs "$ROOTFS" r3 -- sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done' \
                > "$TMP/r3.out" 2>&1 &
        local pid=$!
        until_true grep -qx ready "$TMP/r3.out"
        kill -TERM "$pid"
        local rc=0
        wait "$pid" || rc=$?
        [ "$rc" -eq 9 ] || { echo "rc $rc: $(cat "$TMP/r3.out")"; return 1; }
        grep -qx got-term "$TMP/r3.out"
        [ ! -e "$S/tasks/$NS/r3" ]
}

@test "run -i: piped stdin reaches the task and its end closes the task's stdin" {
        run --separate-stderr bash -c "printf 'one\ntwo\n' | $TC run -i --rm --rootfs $ROOTFS r4 -- cat"
        [ "$status" -eq 0 ] || { echo "status $status: $stderr"; return 1; }
        [ "$output" = $'one\ntwo' ]
        [ ! -e "$S/tasks/$NS/r4" ]
}

@test "run -d, then logs: stdout and stderr kept apart; -f ends when the task exits" {
        run --separate-stderr tc run -d --rootfs "$ROOTFS" l1 -- sh -c 'for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 1; done'
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        # -f while the task prints once a second: everything, then the end
        run --separate-stderr tc logs -f l1
        [ "$status" -eq 0 ]
        [ "$output" = $'out1\nout2\nout3' ]
        [ "$stderr" = $'err1\nerr2\nerr3' ]
        status_is l1 stopped
        run --separate-stderr tc logs l1
        [ "$status" -eq 0 ]
        [ "$output" = $'out1\nout2\nout3' ]
        # NS/ID names it from another namespace
        run --separate-stderr tc -n other logs "$NS/l1"
        [ "$status" -eq 0 ]
        [ "$output" = $'out1\nout2\nout3' ]
}

@test "logs --tail, --since, --timestamps" {
        run --separate-stderr tc run --rootfs "$ROOTFS" l2 -- sh -c 'i=1; while [ $i -le 10 ]; do echo n$i; i=$((i+1)); done; printf no-newline'
        [ "$status" -eq 0 ]
        run --separate-stderr tc logs --tail 3 l2
        [ "$status" -eq 0 ]
        [ "$output" = $'n9\nn10\nno-newline' ]
        run -0 --separate-stderr tc logs --tail 0 l2
        [ -z "$output" ]
        run --separate-stderr tc logs --since 2999-01-01T00:00:00Z l2
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run -0 --separate-stderr tc logs --since 1h --tail 1 l2
        [ "$output" = no-newline ]
        run -0 --separate-stderr tc logs --timestamps --tail 2 l2
        [[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ n10$ ]] || { echo "$output"; return 1; }
        run --separate-stderr tc logs --tail x l2
        [ "$status" -eq 2 ]
        [ "$stderr" = 'taskctl: logs: --tail "x": expected a number of lines' ]
}

@test "logs: a missing task exits 3; a task with --stdout and --stderr has no log" {
        run --separate-stderr tc logs nosuch
        [ "$status" -eq 3 ]
        [ -z "$output" ]
        run --separate-stderr tc run --rootfs "$ROOTFS" --stdout "$TMP/o" --stderr "$TMP/e" l3 -- sh -c 'echo to-file'
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ "$(cat "$TMP/o")" = to-file ]
        run --separate-stderr tc logs l3
        [ "$status" -eq 3 ]
        [[ "$stderr" == *"no log"* ]]
}

@test "the log rotates at --log-max-size while the task runs; at most two files are kept" {
        run --separate-stderr tc run -d --log-max-size 8k --rootfs "$ROOTFS" rot -- \
                sh -c 'i=0; while [ $i -lt 500 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; echo last; exec sleep 300'
        [ "$status" -eq 0 ]
        local b=$S/tasks/$NS/rot
        until_true log_has rot last
        status_is rot running
        [ -f "$b/.output.log.1" ]
        [ "$(stat -c %s "$b/output.log")" -le 8192 ]
        [ "$(stat -c %s "$b/.output.log.1")" -le 8192 ]
        [ "$(ls -a "$b" | grep -c output.log)" -eq 2 ]
        run -0 --separate-stderr tc logs --tail 2 rot
        [ "$output" = $'line-499-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nlast' ]
        # what is kept is a contiguous end of the output
        run -0 --separate-stderr tc logs rot
        [ "$(tail -n 1 <<<"$output")" = last ]
        local first n
        first=$(head -n 1 <<<"$output")
        n=${first#line-}
        n=${n%%-*}
        [ "$(wc -l <<<"$output")" -eq $((500 - n + 1)) ]
}

@test "a task printing 100 MiB with nobody reading finishes; its log stays bounded" {
        run --separate-stderr tc run -d --rootfs "$ROOTFS" big -- \
                sh -c 'busybox yes 0123456789abcdef0123456789abcdef0123456789abcdef012345678 | busybox head -c 104857600; echo; echo done'
        [ "$status" -eq 0 ]
        run --separate-stderr tc --timeout 300 wait big
        [ "$status" -eq 0 ]
        [ "$output" = 0 ]
        until_true log_has big done
        local b=$S/tasks/$NS/big
        [ "$(stat -c %s "$b/output.log")" -le 1048576 ]
        [ "$(stat -c %s "$b/.output.log.1")" -le 1048576 ]
        run --separate-stderr tc delete big
        [ "$status" -eq 0 ]
        [ ! -e "$b" ]
}

@test "exec: exit status, output, --user, --cwd, --env; -i with piped stdin" {
        run --separate-stderr tc run -d --rootfs "$ROOTFS" e1 -- sleep 300
        [ "$status" -eq 0 ]
        run --separate-stderr tc exec e1 -- sh -c 'echo in-exec; echo err >&2; exit 7'
        [ "$status" -eq 7 ]
        [ "$output" = in-exec ]
        [ "$stderr" = err ]
        run --separate-stderr tc exec --user 1000:1001 --cwd /tmp --env FOO=bar --env PATH=/bin e1 -- \
                sh -c 'echo $(busybox id -u) $(busybox id -g) $(pwd) $FOO $PATH'
        [ "$status" -eq 0 ]
        [ "$output" = "1000 1001 /tmp bar /bin" ]
        run --separate-stderr bash -c "printf 'piped\n' | $TC exec -i e1 -- cat"
        [ "$status" -eq 0 ] || { echo "status $status, stdout $output, stderr $stderr"; false; }
        [ "$output" = piped ]
        run --separate-stderr tc exec e1 -- sh -c 'kill -TERM $$'
        [ "$status" -eq 143 ]
        # each exec's FIFOs went with it
        [ -z "$(ls "$S/tasks/$NS/e1" | grep '^exec-' | grep -v '\.pid$')" ]
        run --separate-stderr tc exec --exec-id bad/id e1 -- true
        [ "$status" -eq 2 ]
        run --separate-stderr tc exec nosuch -- true
        [ "$status" -eq 3 ]
}

@test "terminal: run -t a shell, type, resize, detach with ctrl-p ctrl-q, attach, exit" {
        run $PTY --rows 20 --cols 70 modes 'expect:# ' 'send:echo hel""lo\r' 'expect:\nhello' \
                'send:busybox stty size\r' 'expect:20 70' 'resize:33x101' \
                'send:busybox stty size\r' 'expect:33 101' 'send:\x10\x11' \
                -- $TC run -t --rootfs "$ROOTFS" sh1 -- sh
        [ "$status" -eq 0 ] || { echo "$output"; return 1; }
        [[ "$output" == *"detached from task \"sh1\""* ]]
        [ "${lines[-2]}" = "EXIT 0" ]
        [ "${lines[-1]}" = "MODES same" ]
        status_is sh1 running
        run $PTY modes 'send:echo again\r' 'expect:\nagain' 'send:exit 3\r' -- $TC attach sh1
        [ "$status" -eq 0 ] || { echo "$output"; return 1; }
        [ "${lines[-2]}" = "EXIT 3" ] || { echo "$output"; return 1; }
        [ "${lines[-1]}" = "MODES same" ]
        status_is sh1 stopped
}

@test "terminal: a detached -t task goes on printing with nobody attached, then takes input" {
        run $PTY 'expect:ready' 'send:\x10\x11' \
                -- $TC run -t --rootfs "$ROOTFS" sh2 -- sh -c 'echo ready; busybox seq 1 30000; read x; echo got=$x; exit 6'
        [ "$status" -eq 0 ] || { echo "$output"; return 1; }
        # 30000 lines (well past any pipe or pty buffer) while detached
        until_true log_has sh2 30000
        status_is sh2 running
        run $PTY 'send:hello\r' 'expect:got=hello' -- $TC attach sh2
        [ "$status" -eq 0 ] || { echo "$output"; return 1; }
        [ "${lines[-1]}" = "EXIT 6" ] || { echo "$output"; return 1; }
}

@test "exec -t: a terminal for an exec; its exit status" {
        run --separate-stderr tc run -d --rootfs "$ROOTFS" e2 -- sleep 300
        [ "$status" -eq 0 ]
        run $PTY --rows 11 --cols 42 modes 'send:busybox stty size; exit 5\r' 'expect:11 42' -- $TC exec -t e2 -- sh
        [ "$status" -eq 0 ] || { echo "$output"; return 1; }
        [ "${lines[-2]}" = "EXIT 5" ] || { echo "$output"; return 1; }
        [ "${lines[-1]}" = "MODES same" ]
}

@test "fault: the log helper killed mid-run: the task goes on, its output is still kept, delete cleans up" {
        run --separate-stderr tc run -d --rootfs "$ROOTFS" f1 -- \
                sh -c 'echo before; while [ ! -e /dev/shm/go ]; do sleep 0.1; done; busybox seq 1 200000; echo after; exec sleep 300'
        [ "$status" -eq 0 ]
        until_true log_has f1 before
        local lp
        lp=$(logger_pid f1)
        kill -KILL "$lp"
        until_true proc_gone "$lp"
        # 1.3 MB more output, far past what the FIFO and the shim's pipe hold
        run --separate-stderr tc exec f1 -- sh -c ': > /dev/shm/go'
        [ "$status" -eq 0 ]
        until_true log_has f1 after
        status_is f1 running
        run -0 --separate-stderr tc logs --tail 2 f1
        [ "$output" = $'200000\nafter' ]
        # the helper now running is another process, proven ours
        [ "$(logger_pid f1)" != "$lp" ]
        run --separate-stderr tc delete --force f1
        [ "$status" -eq 0 ]
        [ ! -e "$S/tasks/$NS/f1" ]
        until_true test -z "$(procs_mentioning "$S/tasks/$NS/f1")"
}

@test "delete ends the log helper of a task that never started" {
        make_spec true > "$TMP/f3.json"
        run --separate-stderr tc create f3 --spec "$TMP/f3.json" --rootfs "$ROOTFS"
        [ "$status" -eq 0 ]
        local lp
        lp=$(logger_pid f3)
        proc_alive "$lp"
        run --separate-stderr tc delete f3
        [ "$status" -eq 0 ]
        until_true proc_gone "$lp"
        [ -z "$(procs_mentioning "$S/tasks/$NS/f3")" ]
}

@test "run --rm through crun (--runtime-options {\"binary_name\": \"crun\"})" {
        echo '{"binary_name": "crun"}' > "$TMP/crun.json"
        run --separate-stderr tc run --rm --runtime-options "$TMP/crun.json" --rootfs "$ROOTFS" c1 -- \
                sh -c 'echo via-crun; exit 4'
        [ "$status" -eq 4 ] || { echo "status $status: $stderr"; return 1; }
        [ "$output" = via-crun ]
        [ ! -e "$S/tasks/$NS/c1" ]
        run -0 --separate-stderr tc containers list -q
        [ -z "$output" ]
}
