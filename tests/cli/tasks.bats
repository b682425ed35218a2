#!/usr/bin/env bats
# Task commands (create, start, get, list, kill, wait, delete) on the real
# containerd-shim-runc-v2 driving runc, and crun through the runtime options,
# with a busybox-static rootfs given both ways: the spec's root.path an
# absolute host dir, or --rootfs DIR bind-mounted on the bundle's rootfs.
# Every test ends the shims and containers it started by their PIDs: teardown
# runs `taskctl delete --force` on every task left in the test's state
# (reap_tasks) and kills what track_pid registered.
load helpers

# crun on this hybrid cgroup layout: the crun test alone mounts the cgroup v1
# hierarchies it needs (cgroup_v1_mount, helpers.bash) for as long as it
# runs, and teardown undoes exactly those (a failed mount makes the crun test
# fail, never skip).

setup() {
        setup_real t
        # taskctl points runc's state at STATE/runc (the runc shim's default
        # is /run/containerd/runc, shared by everyone).
        RUNC_ROOT=$S/runc
}

teardown() {
        # lock holders and tracked processes first: a lock still held would
        # make reap_tasks' delete --force time out and leak the task's shim
        kill_tracked
        reap_tasks
        cgroup_v1_unmount "$BATS_TEST_TMPDIR/cgroup-mounts"
        # nothing may reach runc's shared default root
        [ ! -e "/run/containerd/runc/$NS" ] || { echo "runc state under /run/containerd/runc/$NS"; return 1; }
        teardown_checks
}

# spec ID [ARG]...: the spec of task ID (running ARG..., default sleep 300) in
# $TMP/ID.json, with a cgroup of its own. SPEC_ROOT as for make_spec.
spec() {
        local id=$1
        shift
        SPEC_CGROUP=taskctl-$NS-$id make_spec "$@" > "$TMP/$id.json"
}

# mk ID [FLAG]...: `create ID --spec $TMP/ID.json --rootfs BUSYBOX FLAG...`,
# which must succeed; sets PID to the task's init pid (tracked).
mk() {
        local id=$1
        shift
        run --separate-stderr tc create "$id" --spec "$TMP/$id.json" --rootfs "$ROOTFS" "$@"
        [ "$status" -eq 0 ] || { echo "create $id: $status $stderr"; return 1; }
        PID=$(tc -o json get "$id" | jq -r .pid)
        track_pid "$PID"
}

# run_task ID [FLAG]...: spec'd task ID created (mk) and started.
run_task() {
        mk "$@" || return 1
        run --separate-stderr tc start "$1"
        [ "$status" -eq 0 ] && [ "$output" = "$PID" ] || { echo "start $1: $status $stderr"; return 1; }
}

# A refused command: exit code, the exact one stderr line, nothing on stdout.
refused() { # refused CODE LINE
        [ "$status" -eq "$1" ] || { echo "status $status, stderr: $stderr"; return 1; }
        [ -z "$output" ] || { echo "stdout: $output"; return 1; }
        [ "$stderr" = "$2" ] || { echo "stderr: $stderr"; echo "wanted: $2"; return 1; }
}

# until_true (helpers.bash) waits up to 10 s here
UNTIL_TRUE_TRIES=200

file_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }

# (bats ignores a failing `! cmd`; a function returning it does fail a test)
proc_alive() { ! proc_gone "$1"; }

# The events of task ID as "TOPIC PID EXIT_STATUS" lines.
events_of() {
        tc events -o json | jq -r --arg id "$1" 'select(.id == $id) | "\(.topic) \(.pid) \(.exit_status)"'
}

# Everything a deleted task leaves behind is gone: bundle, work dir, mounts,
# runc state, shim socket, shim process and container process.
task_gone() { # task_gone ID SHIM_PID INIT_PID ADDRESS
        local b=$S/tasks/$NS/$1
        [ ! -e "$b" ] || { echo "bundle $b still there"; return 1; }
        [ ! -e "$S/tasks/$NS/.$1" ] || { echo "hidden bundle left"; return 1; }
        [ ! -e "$R/tasks/$NS/$1" ] || { echo "work dir still there"; return 1; }
        no_mount_under "$b"
        [ ! -e "$RUNC_ROOT/$NS/$1" ] || { echo "runc state $RUNC_ROOT/$NS/$1 left"; return 1; }
        [ ! -e "${4#unix://}" ] || { echo "shim socket ${4#unix://} left"; return 1; }
        proc_gone "$2" || { echo "shim $2 still there: $(proc_state "$2")"; return 1; }
        proc_gone "$3" || { echo "container init $3 still there: $(proc_state "$3")"; return 1; }
}

# The whole lifecycle of one task whose init traps SIGTERM into `exit 42`.
# STYLE: "abs" (root.path is the busybox dir itself, no --rootfs) or "bind"
# (root.path "rootfs", --rootfs DIR).
lifecycle() {
        local style=$1 id=web b w pid shim addr j
        b=$S/tasks/$NS/$id
        w=$R/tasks/$NS/$id
        if [ "$style" = abs ]; then
                SPEC_ROOT=$ROOTFS spec "$id" sh -c 'trap "exit 42" TERM; echo started; sleep 300 & wait'
                run -0 --separate-stderr tc create "$id" --spec "$TMP/$id.json" --stdout "$TMP/out"
        else
                spec "$id" sh -c 'trap "exit 42" TERM; echo started; sleep 300 & wait'
                run --separate-stderr tc create "$id" --spec "$TMP/$id.json" --rootfs "$ROOTFS" \
                        --stdout "$TMP/out"
        fi
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        [ "${#lines[@]}" -eq 2 ]
        [ "$(tr -s ' ' <<<"${lines[0]}")" = "ID PID STATUS" ]
        [[ "${lines[1]}" =~ ^web\ +([0-9]+)\ +created$ ]]
        pid=${BASH_REMATCH[1]}
        track_pid "$pid"

        # the bundle, as the man page's layout says
        [ "$(stat -c %a "$b")" = 700 ]
        [ -f "$b/config.json" ]
        [ -d "$b/rootfs" ]
        [ -f "$b/log" ]
        [ ! -L "$b/log" ]
        [ "$(readlink "$b/work")" = "$w" ]
        [ -d "$w" ]
        [ "$(stat -c %a "$w")" = 711 ]
        addr=$(cat "$b/address")
        [[ "$addr" == unix:///run/containerd/s/* ]]
        [ -S "${addr#unix://}" ]
        if [ "$style" = abs ]; then
                [ "$(jq -r .root.path "$b/config.json")" = "$ROOTFS" ]
                no_mount_under "$b"
        else
                [ "$(jq -r .root.path "$b/config.json")" = rootfs ]
                [ "$(mounts_under "$b")" = "$b/rootfs" ]
        fi
        # shim.pid is the shim daemon: the shim binary serving our namespace
        # and id from the bundle, and the parent (subreaper) of the init
        shim=$(cat "$b/shim.pid")
        track_pid "$shim"
        [ "$(readlink "/proc/$shim/exe")" = /usr/bin/containerd-shim-runc-v2 ]
        [[ "$(tr '\0' ' ' < "/proc/$shim/cmdline")" == *" -namespace $NS -id $id -address "* ]]
        [ "$(readlink "/proc/$shim/cwd")" = "$b" ]
        [ "$(awk '$1 == "PPid:" { print $2 }' "/proc/$pid/status")" = "$shim" ]
        run --separate-stderr tc get "$id"
        [ "$status" -eq 0 ]
        [[ "$output" == *"STATUS       created"* ]]

        run --separate-stderr tc start "$id"
        [ "$status" -eq 0 ]
        [ "$output" = "$pid" ]
        run --separate-stderr tc -o json get "$id"
        [ "$status" -eq 0 ]
        j=$output
        [ "$(jq -r .pid <<<"$j")" = "$pid" ]
        [ "$(jq -r .status <<<"$j")" = running ]
        [ "$(jq -r .exit_status <<<"$j")" = null ]
        [ "$(jq -r .shim_pid <<<"$j")" = "$shim" ]
        [ "$(jq -r .address <<<"$j")" = "$addr" ]
        [ "$(jq -r .bundle <<<"$j")" = "$b" ]
        [ "$(jq -r .namespace <<<"$j")" = "$NS" ]
        [ "$(jq -r .runtime <<<"$j")" = io.containerd.runc.v2 ]
        [ "$(jq -r .stdout <<<"$j")" = "$TMP/out" ]
        # a stream not given goes to the task's log through a bundle FIFO
        [ "$(jq -r .stderr <<<"$j")" = "$b/stderr" ]
        run --separate-stderr tc list
        [ "$status" -eq 0 ]
        [ "$(tr -s ' ' <<<"${lines[0]}")" = "NAMESPACE ID PID STATUS RUNTIME" ]
        [[ "${lines[1]}" =~ ^$NS\ +web\ +$pid\ +running\ +io\.containerd\.runc\.v2$ ]]
        [ "${#lines[@]}" -eq 2 ]

        # SIGTERM (the default) once the trap is set; wait gets the trap's status
        until_true file_is "$TMP/out" started
        run --separate-stderr tc kill "$id"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ -z "$stderr" ]
        run --separate-stderr tc wait "$id"
        [ "$status" -eq 0 ]
        [ "$output" = 42 ]
        run -0 --separate-stderr tc -o json get "$id"
        [ "$(jq -r .status <<<"$output")" = stopped ]
        [ "$(jq -r .exit_status <<<"$output")" = 42 ]
        [ "$(jq -r .exited_at <<<"$output")" != null ]

        run --separate-stderr tc delete "$id"
        [ "$status" -eq 0 ]
        [ "$output" = 42 ]
        [ -z "$stderr" ]
        task_gone "$id" "$shim" "$pid" "$addr"
        run --separate-stderr tc list -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        # the container record stays
        run --separate-stderr tc containers get "$id" -q
        [ "$status" -eq 0 ]
        [ -z "$output" ] # -q rule (man taskctl, OUTPUT): get prints nothing
        [ -f "$R/containers/$NS/$id.json" ]

        run -0 events_of "$id"
        [ "${lines[0]}" = "/tasks/create $pid null" ]
        [ "${lines[1]}" = "/tasks/start $pid null" ]
        [ "${lines[2]}" = "/tasks/exit $pid 42" ]
        [ "${lines[3]}" = "/tasks/delete $pid 42" ]
        [ "${#lines[@]}" -eq 4 ]
}

@test "lifecycle, spec root.path an absolute host dir: create, start, get, list, kill, wait, delete, events" {
        lifecycle abs
}

@test "lifecycle, --rootfs bind-mounted on bundle/rootfs: mounted from create to delete, then gone" {
        lifecycle bind
}

@test "create -o json and -q; start -q prints nothing; a created task that never ran deletes with status 0" {
        spec web
        run --separate-stderr tc -o json create web --spec "$TMP/web.json" --rootfs "$ROOTFS"
        [ "$status" -eq 0 ]
        [ "$(jq -r .id <<<"$output")" = web ]
        [ "$(jq -r .status <<<"$output")" = created ]
        PID=$(jq -r .pid <<<"$output")
        track_pid "$PID"
        [ "$PID" -gt 0 ]
        spec db
        run --separate-stderr tc -q create db --spec "$TMP/db.json" --rootfs "$ROOTFS"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run --separate-stderr tc -q start web
        [ "$status" -eq 0 ]
        [ -z "$output" ] # -q rule (man taskctl, OUTPUT): start is neither a list nor a value command
        # never started: no --force needed, the shim reports exit status 0
        run --separate-stderr tc delete db
        [ "$status" -eq 0 ]
        [ "$output" = 0 ]
        [ ! -e "$S/tasks/$NS/db" ]
        [ ! -e "$R/tasks/$NS/db" ]
}

@test "wait prints the real exit status: a task's own exit 3, SIGKILL 137; kill takes names and numbers" {
        spec three sh -c 'exit 3'
        run_task three
        three=$PID
        run --separate-stderr tc wait three # no --timeout: waits as long as it takes
        [ "$status" -eq 0 ]
        [ "$output" = 3 ]
        run --separate-stderr tc delete three
        [ "$status" -eq 0 ]
        [ "$output" = 3 ]

        spec nine
        run_task nine
        run --separate-stderr tc kill nine --signal SIGKILL
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run --separate-stderr tc wait nine
        [ "$status" -eq 0 ]
        [ "$output" = 137 ]
        run --separate-stderr tc -o json wait nine
        [ "$(jq -r .exit_status <<<"$output")" = 137 ]
        [ "$(jq -r .exited_at <<<"$output")" != null ]

        spec num
        run_task num
        run --separate-stderr tc kill num --signal 9
        [ "$status" -eq 0 ]
        run --separate-stderr tc wait num
        [ "$status" -eq 0 ]
        [ "$output" = 137 ]
        run --separate-stderr tc kill num --signal BOGUS
        refused 2 'taskctl: kill: --signal: invalid signal "BOGUS"'

        run -0 events_of three
        [ "${lines[2]}" = "/tasks/exit $three 3" ]
        [ "${lines[3]}" = "/tasks/delete $three 3" ]
        run -0 --separate-stderr tc delete nine
        [ "$output" = 137 ]
        run -0 events_of nine
        [[ "${lines[2]}" == "/tasks/exit "*" 137" ]]
}

@test "kill --all reaches every process; without it only init, which ignores an untrapped SIGTERM" {
        spec all sh -c 'sleep 300 & sleep 300 & wait; echo children-done; sleep 300'
        run_task all --stdout "$TMP/out"
        two_children() { [ "$(wc -w < "/proc/$PID/task/$PID/children")" -eq 2 ]; }
        until_true two_children
        read -r -a kids <<<"$(cat "/proc/$PID/task/$PID/children")"
        track_pid "${kids[0]}"
        track_pid "${kids[1]}"
        run --separate-stderr tc kill all --signal TERM
        [ "$status" -eq 0 ]
        proc_alive "${kids[0]}"
        proc_alive "${kids[1]}"
        run --separate-stderr tc kill all --signal TERM --all
        [ "$status" -eq 0 ]
        until_true file_is "$TMP/out" children-done
        proc_gone "${kids[0]}"
        proc_gone "${kids[1]}"
        run -0 --separate-stderr tc -o json get all
        [ "$(jq -r .status <<<"$output")" = running ]
        run --separate-stderr tc delete --force all
        [ "$status" -eq 0 ]
        [ "$output" = 137 ]
}

@test "--stdout/--stderr: created 0600 when missing, appended to when present, kept apart; absent goes to the log" {
        spec io sh -c 'echo to-out; echo to-err >&2'
        printf 'old\n' > "$TMP/out"
        chmod 0644 "$TMP/out"
        mk io --stdout "$TMP/out" --stderr "$TMP/err"
        [ -f "$TMP/err" ]
        [ "$(stat -c %a "$TMP/err")" = 600 ]
        [ ! -s "$TMP/err" ]
        [ "$(stat -c %a "$TMP/out")" = 644 ]
        run -0 --separate-stderr tc start io
        run --separate-stderr tc wait io
        [ "$status" -eq 0 ]
        [ "$output" = 0 ]
        [ "$(cat "$TMP/out")" = "old"$'\n'"to-out" ]
        [ "$(cat "$TMP/err")" = to-err ]
        run --separate-stderr tc delete io
        [ "$status" -eq 0 ]

        # again from the record, relative paths: made absolute, appended to
        cd "$TMP"
        run --separate-stderr tc create io --rootfs "$ROOTFS" --stdout out --stderr err
        [ "$status" -eq 0 ]
        run -0 --separate-stderr tc -o json get io
        [ "$(jq -r .stdout <<<"$output")" = "$TMP/out" ]
        [ "$(jq -r .stderr <<<"$output")" = "$TMP/err" ]
        tc start io >/dev/null
        run -0 --separate-stderr tc wait io
        [ "$output" = 0 ]
        [ "$(cat "$TMP/out")" = "old"$'\n'"to-out"$'\n'"to-out" ]
        [ "$(cat "$TMP/err")" = "to-err"$'\n'"to-err" ]
        tc delete io >/dev/null

        # only --stdout: stderr goes to the task's log (taskctl logs)
        run --separate-stderr tc create io --rootfs "$ROOTFS" --stdout "$TMP/only"
        [ "$status" -eq 0 ]
        run -0 --separate-stderr tc -o json get io
        [ "$(jq -r .stderr <<<"$output")" = "$S/tasks/$NS/io/stderr" ]
        [ "$(jq -r .stdin <<<"$output")" = "" ]
        tc start io >/dev/null
        tc wait io >/dev/null
        [ "$(cat "$TMP/only")" = to-out ]
        [ "$(stat -c %a "$TMP/only")" = 600 ]
        run --separate-stderr tc logs -f io
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ "$stderr" = to-err ]
}

@test "--stdin: a FIFO the container reads; a missing one is exit 2 and nothing is made" {
        spec in sh -c 'read line; echo "got:$line"'
        mkfifo "$TMP/in.fifo"
        mk in --stdin "$TMP/in.fifo" --stdout "$TMP/out"
        run -0 --separate-stderr tc -o json get in
        [ "$(jq -r .stdin <<<"$output")" = "$TMP/in.fifo" ]
        tc start in >/dev/null
        echo hello > "$TMP/in.fifo"
        run --separate-stderr tc wait in
        [ "$status" -eq 0 ]
        [ "$output" = 0 ]
        [ "$(cat "$TMP/out")" = got:hello ]
        tc delete in >/dev/null
        run --separate-stderr tc create in2 --spec "$TMP/in.json" --rootfs "$ROOTFS" --stdin "$TMP/nope"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = "taskctl: --stdin $TMP/nope: No such file or directory" ]
        [ ! -e "$S/tasks/$NS/in2" ]
        [ ! -e "$R/tasks/$NS/in2" ]
        [ ! -e "$R/containers/$NS/in2.json" ]
}

# the tree under ROOT and STATE: paths, types, modes, sizes, mtimes, link
# targets; not the shim's own log, which it appends to whenever it likes (with
# no TTRPC_ADDRESS it logs each failed event publish and its retries, seconds
# later)
snapshot() {
        find "$R" "$S" ! -path "$S/tasks/*/*/log" -printf '%p %y %m %s %T@ %l\n' | sort
}

@test "create of an existing task exits 4 and changes nothing" {
        spec web
        mk web
        shim=$(cat "$S/tasks/$NS/web/shim.pid")
        before=$(snapshot)
        run --separate-stderr tc create web --rootfs "$ROOTFS"
        refused 4 "taskctl: task \"web\" in namespace \"$NS\": already exists"
        run --separate-stderr tc create web
        refused 4 "taskctl: task \"web\" in namespace \"$NS\": already exists"
        [ "$(snapshot)" = "$before" ]
        run -0 --separate-stderr tc -o json get web
        [ "$(jq -r .status <<<"$output")" = created ]
        [ "$(jq -r .pid <<<"$output")" = "$PID" ]
        [ "$(jq -r .shim_pid <<<"$output")" = "$shim" ]
}

@test "create: without --spec the record is needed (exit 3); with --spec an existing record exits 4, no task" {
        run --separate-stderr tc create ghost --rootfs "$ROOTFS"
        refused 3 "taskctl: container \"ghost\" in namespace \"$NS\": not found"
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"
        [ ! -e "$R/containers/$NS/ghost.json" ]

        SPEC_ROOT=$ROOTFS spec db
        run --separate-stderr tc containers create db --spec "$TMP/db.json" --label env=dev
        [ "$status" -eq 0 ]
        rec=$(sha256sum < "$R/containers/$NS/db.json")
        run --separate-stderr tc create db --spec "$TMP/db.json"
        refused 4 "taskctl: container \"db\" in namespace \"$NS\": already exists"
        [ "$(sha256sum < "$R/containers/$NS/db.json")" = "$rec" ]
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"

        # without --spec: the record's spec, verbatim, is the bundle's config.json
        run --separate-stderr tc create db
        [ "$status" -eq 0 ]
        got=$(tc -o json get db | jq -r .pid)
        track_pid "$got"
        # against the input file, not against what taskctl says it stored
        [ "$(jq -S . "$S/tasks/$NS/db/config.json")" = "$(jq -S . "$TMP/db.json")" ]
}

@test "create: the spec's 64-bit numbers reach runc as written (RLIMIT_CORE unlimited in the task)" {
        spec big
        # 18446744073709551615 is RLIM_INFINITY as a uint64; jq (and cJSON)
        # would round it through a double, so the number is put in as text
        jq '.process.rlimits += [{"type": "RLIMIT_CORE", "hard": 4242424242, "soft": 4242424242}]' \
                "$TMP/big.json" | sed 's/4242424242/18446744073709551615/g' > "$TMP/big64.json"
        run --separate-stderr tc create big --spec "$TMP/big64.json" --rootfs "$ROOTFS"
        [ "$status" -eq 0 ] || { echo "create: $stderr"; return 1; }
        json=$(tc -o json get big)
        pid=$(jq -r .pid <<<"$json")
        track_pid "$pid"
        run grep -c '"hard":18446744073709551615,"soft":18446744073709551615' "$S/tasks/$NS/big/config.json"
        [ "$status" -eq 0 ] || { cat "$S/tasks/$NS/big/config.json"; return 1; }
        [ "$output" = 1 ]
        run --separate-stderr tc start big
        [ "$status" -eq 0 ]
        run grep '^Max core file size' "/proc/$pid/limits"
        [ "$status" -eq 0 ]
        [[ "$output" == *"unlimited            unlimited"* ]] || { echo "limits: $output"; return 1; }
}

@test "create: usage errors exit 2 and touch nothing (invalid id, -i with --stdin, record flags without --spec)" {
        spec web
        run --separate-stderr tc create bad..id --spec "$TMP/web.json" --rootfs "$ROOTFS"
        refused 2 'taskctl: task id "bad..id" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$'
        # 76 characters is the longest ID (containerd's identifiers.Validate);
        # 77 is refused before anything is made, the ID cut to 20 in the message
        long=$(printf 'a%.0s' $(seq 77))
        run --separate-stderr tc create "$long" --spec "$TMP/web.json"
        refused 2 'taskctl: task id "aaaaaaaaaaaaaaaaaaaa..." greater than maximum length (76 characters)'
        for cmd in start get kill wait delete stop pause resume ps stats logs attach; do
                run --separate-stderr tc "$cmd" "$long"
                refused 2 'taskctl: task id "aaaaaaaaaaaaaaaaaaaa..." greater than maximum length (76 characters)'
        done
        run --separate-stderr tc containers create "$long" --spec "$TMP/web.json"
        refused 2 'taskctl: container id "aaaaaaaaaaaaaaaaaaaa..." greater than maximum length (76 characters)'
        run --separate-stderr tc start bad..id
        refused 2 'taskctl: task id "bad..id" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$'
        run --separate-stderr tc create web --spec "$TMP/web.json" --rootfs "$ROOTFS" -i --stdin /dev/null
        refused 2 'taskctl: create: -i and --stdin do not go together'
        run --separate-stderr tc create web --runtime io.containerd.runc.v2 --rootfs "$ROOTFS"
        refused 2 'taskctl: create: --runtime, --label, --image, --snapshotter, --snapshot-key and --runtime-options need --spec'
        run --separate-stderr tc create web --label env=prod
        [ "$status" -eq 2 ]
        run --separate-stderr tc create web --spec "$TMP/web.json" --rootfs "$TMP/no-such-dir"
        refused 2 "taskctl: --rootfs $TMP/no-such-dir: No such file or directory"
        [ ! -e "$R" ]
        [ ! -e "$S" ]
        # 76 characters is an ID: looked for, not found
        run --separate-stderr tc get "${long:1}"
        refused 3 "taskctl: task \"${long:1}\" in namespace \"$NS\": not found"
}

@test "delete of a running task: refused (exit 5) without --force, task untouched; --force kills (137) and cleans up" {
        spec web
        run_task web
        shim=$(cat "$S/tasks/$NS/web/shim.pid")
        addr=$(cat "$S/tasks/$NS/web/address")
        run --separate-stderr tc delete web
        refused 5 "taskctl: task \"web\" in namespace \"$NS\": task is running: stop it first or use --force"
        [ "$(proc_state "$PID")" = S ]
        [ -d "$S/tasks/$NS/web" ]
        [ -d "$R/tasks/$NS/web" ]
        run -0 --separate-stderr tc -o json get web
        [ "$(jq -r .status <<<"$output")" = running ]
        run -0 events_of web
        [ "${#lines[@]}" -eq 2 ] # create, start: no exit, no delete

        run --separate-stderr tc delete --force web
        [ "$status" -eq 0 ]
        [ "$output" = 137 ]
        [ -z "$stderr" ]
        task_gone web "$shim" "$PID" "$addr"
        run -0 events_of web
        [ "${lines[2]}" = "/tasks/exit $PID 137" ]
        [ "${lines[3]}" = "/tasks/delete $PID 137" ]
}

@test "containers delete: refused (exit 5) while the task runs; --force deletes the task, then the record" {
        spec web
        run_task web
        shim=$(cat "$S/tasks/$NS/web/shim.pid")
        addr=$(cat "$S/tasks/$NS/web/address")
        run --separate-stderr tc containers delete web
        refused 5 "taskctl: container \"web\" in namespace \"$NS\": cannot delete, it has a task (delete the task first, or use --force)"
        [ -f "$R/containers/$NS/web.json" ]
        run -0 --separate-stderr tc -o json get web
        [ "$(jq -r .status <<<"$output")" = running ]

        run --separate-stderr tc containers delete --force web
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ -z "$stderr" ]
        task_gone web "$shim" "$PID" "$addr"
        [ ! -e "$R/containers/$NS/web.json" ]
        run --separate-stderr tc get web
        refused 3 "taskctl: task \"web\" in namespace \"$NS\": not found"
        run -0 events_of web
        [ "${lines[3]}" = "/tasks/delete $PID 137" ]
}

@test "a missing shim binary: exit 6 naming the binary, nothing left behind by that call" {
        spec web
        run --separate-stderr tc create web --spec "$TMP/web.json" --runtime io.containerd.nope.v1 \
                --rootfs "$ROOTFS" --stdout "$TMP/never"
        refused 6 "taskctl: task \"web\" in namespace \"$NS\": runtime \"io.containerd.nope.v1\": binary \"containerd-shim-nope-v1\" not found on PATH"
        tree_is "$R/containers/$NS" .lock
        tree_is "$R/tasks/$NS"
        tree_is "$S/tasks/$NS"
        [ ! -e "$TMP/never" ]
        [ ! -e "$RUNC_ROOT/$NS/web" ]
        [ ! -s "$R/events/$NS.jsonl" ]

        run --separate-stderr tc create web --spec "$TMP/web.json" --runtime /nonexistent/containerd-shim-x-v1
        refused 6 "taskctl: task \"web\" in namespace \"$NS\": runtime \"/nonexistent/containerd-shim-x-v1\": invalid custom binary path: No such file or directory"
        tree_is "$R/containers/$NS" .lock
        tree_is "$R/tasks/$NS"
        tree_is "$S/tasks/$NS"

        # with the record already there (made by someone else), it stays
        run --separate-stderr tc containers create web --spec "$TMP/web.json" --runtime io.containerd.nope.v1
        [ "$status" -eq 0 ]
        run --separate-stderr tc create web --rootfs "$ROOTFS"
        [ "$status" -eq 6 ]
        tree_is "$R/containers/$NS" .lock web.json
        tree_is "$R/tasks/$NS"
        tree_is "$S/tasks/$NS"
}

@test "list: one namespace or all (-A); filters on status, labels, id, namespace; a malformed filter exits 2" {
        NS2=$NS-b
        spec web
        run_task web --label env=prod
        web=$PID
        spec db
        mk db --label env=dev
        spec weber
        TASKCTL_NAMESPACE=$NS2 run_task weber --label env=prod
        weber=$PID

        run --separate-stderr tc list
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 3 ]
        [[ "$output" =~ $NS\ +web\ +$web\ +running\ +io\.containerd\.runc\.v2 ]]
        [[ "$output" =~ $NS\ +db\ +[0-9]+\ +created\ +io\.containerd\.runc\.v2 ]]
        run --separate-stderr tc list -A
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 4 ]
        [[ "$output" =~ $NS2\ +weber\ +$weber\ +running ]]
        run -0 --separate-stderr tc -n "$NS2" list -q
        [ "$output" = weber ]

        sorted_ids() { tc list -q "$@" | sed 's|.*/||' | sort | paste -sd' '; } # -A -q: NS/ID
        got=$(sorted_ids -A 'status==running')
        [ "$got" = "web weber" ]
        got=$(sorted_ids -A 'labels.env==prod')
        [ "$got" = "web weber" ]
        got=$(sorted_ids -A 'id~=^we')
        [ "$got" = "web weber" ]
        got=$(sorted_ids -A 'id~=^we,namespace==mismatch')
        [ "$got" = "" ]
        got=$(sorted_ids -A "namespace==$NS2")
        [ "$got" = weber ]
        got=$(sorted_ids -A 'status==created' 'labels.env==prod')
        [ "$got" = "db web weber" ]
        got=$(sorted_ids -A 'status!=running')
        [ "$got" = db ]
        got=$(sorted_ids -A "pid==$web")
        [ "$got" = web ]
        got=$(sorted_ids 'labels.env')
        [ "$got" = "db web" ]
        run -0 --separate-stderr tc -o json list -A 'labels.env==dev'
        [ "$(jq -r 'length' <<<"$output")" = 1 ]
        [ "$(jq -r '.[0].id + " " + .[0].namespace + " " + .[0].status' <<<"$output")" = "db $NS created" ]

        run --separate-stderr tc list -A 'id=='
        refused 2 'taskctl: filter "id==": parse error at 4: expected value or quoted'
        run --separate-stderr tc list 'labels.env==prod,'
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [[ "$stderr" == *"parse error at 17"* ]]
}

@test "a task whose shim was killed: get exits 6, list says unknown, delete cleans up and logs an unknown exit" {
        spec web
        run_task web
        addr=$(cat "$S/tasks/$NS/web/address")
        shim=$(tc -o json get web | jq -r .shim_pid)
        [ "$shim" = "$(cat "$S/tasks/$NS/web/shim.pid")" ]
        kill -KILL "$shim"
        until_true proc_gone "$shim"

        run --separate-stderr tc get web
        [ "$status" -eq 6 ]
        [ -z "$output" ]
        [ "${stderr_lines[0]}" = "taskctl: task \"web\" in namespace \"$NS\": shim not reachable at $addr: Connection refused" ]
        [ "${stderr_lines[1]}" = "hint: if the shim is dead, 'taskctl delete web' cleans up after it, or 'taskctl load' after every dead shim" ]
        run --separate-stderr tc list
        [ "$status" -eq 0 ]
        [[ "${lines[1]}" =~ ^$NS\ +web\ +-\ +unknown\ +io\.containerd\.runc\.v2$ ]]
        run --separate-stderr tc -o json list
        [ "$status" -eq 0 ]
        [ "$(jq -r '.[0].status' <<<"$output")" = unknown ]
        [[ "$(jq -r '.[0].error' <<<"$output")" == *"Connection refused"* ]]
        # the container outlives its shim
        [ "$(proc_state "$PID")" = S ]

        run --separate-stderr tc delete web
        [ "$status" -eq 0 ]
        [ "$output" = unknown ]
        # the shim binary's delete action killed it (it may wait as a zombie for pid 1)
        task_gone web "$shim" "$PID" "$addr"
        run --separate-stderr tc -o json delete web
        [ "$status" -eq 3 ]

        tc events -o json > "$TMP/events"
        [ "$(jq -r 'select(.topic == "/tasks/exit") | .exit_status' "$TMP/events")" = null ]
        [ "$(jq -r 'select(.topic == "/tasks/exit") | .pid' "$TMP/events")" = "$PID" ]
        [ "$(jq -r 'select(.topic == "/tasks/exit") | .detail' "$TMP/events")" = "shim dead: exit status unknown" ]
        [ "$(jq -r 'select(.topic == "/tasks/delete") | .exit_status' "$TMP/events")" = null ]
}

@test "a hung shim (stopped, not dead): list says unknown, get exits 7, the task is untouched; ended by its PID" {
        spec web
        run_task web
        shim=$(cat "$S/tasks/$NS/web/shim.pid")
        track_pid "$shim"
        kill -STOP "$shim"
        stopped() { [ "$(proc_state "$shim")" = T ]; }
        until_true stopped
        run --separate-stderr tc --timeout 1 list
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 2 ]
        [[ "${lines[1]}" =~ ^$NS\ +web\ +-\ +unknown\ +io\.containerd\.runc\.v2$ ]]
        run --separate-stderr tc --timeout 1 -o json list
        [ "$status" -eq 0 ]
        [ "$(jq -r '.[0].status' <<<"$output")" = unknown ]
        [ "$(jq -r '.[0].error' <<<"$output")" != null ]
        run --separate-stderr tc --timeout 1 get web
        [ "$status" -eq 7 ]
        [ -z "$output" ]
        [[ "$stderr" == "taskctl: task \"web\" in namespace \"$NS\": "* ]]
        # nothing was done to it: still stopped, its container still there
        [ "$(proc_state "$shim")" = T ]
        [ "$(proc_state "$PID")" = S ]
        [ -d "$S/tasks/$NS/web" ]
        # ended by its PID: then it is a dead shim like any other
        kill -KILL "$shim"
        until_true proc_gone "$shim"
        run --separate-stderr tc list
        [ "$status" -eq 0 ]
        [[ "${lines[1]}" =~ ^$NS\ +web\ +-\ +unknown\ +io\.containerd\.runc\.v2$ ]]
        run --separate-stderr tc delete web
        [ "$status" -eq 0 ]
        [ "$output" = unknown ]
}

@test "the same lifecycle through crun (--runtime-options {\"binary_name\": \"crun\"})" {
        cgroup_v1_mount "$BATS_TEST_TMPDIR/cgroup-mounts"
        echo '{"binary_name": "crun"}' > "$TMP/crun.json"
        spec web sh -c 'trap "exit 42" TERM; echo started; sleep 300 & wait'
        run --separate-stderr tc create web --spec "$TMP/web.json" --rootfs "$ROOTFS" \
                --runtime-options "$TMP/crun.json" --stdout "$TMP/out"
        if [ "$status" -ne 0 ]; then
                echo "create through crun failed: $stderr"
                echo "cgroup2 controllers: $(cat "$CGROUP_UNIFIED/cgroup.controllers" 2>&1)"
                echo "mounted for this test: $(cat "$BATS_TEST_TMPDIR/cgroup-mounts")"
                return 1
        fi
        PID=$(tc -o json get web | jq -r .pid)
        track_pid "$PID"
        b=$S/tasks/$NS/web
        shim=$(cat "$b/shim.pid")
        addr=$(cat "$b/address")
        [ "$(cat "$b/runtime")" = crun ]
        got=$(tc -o json containers get web | jq -r .runtime.options.type_url)
        [ "$got" = containerd.runc.v1.Options ]
        run --separate-stderr tc start web
        [ "$status" -eq 0 ]
        [ "$output" = "$PID" ]
        # crun, not runc, holds the container
        run --separate-stderr crun --root "$RUNC_ROOT/$NS" state web
        [ "$status" -eq 0 ]
        [ "$(jq -r .status <<<"$output")" = running ]
        [ "$(jq -r .pid <<<"$output")" = "$PID" ]
        run runc --root "$RUNC_ROOT/$NS" state web
        [ "$status" -ne 0 ]
        run -0 --separate-stderr tc -o json get web
        [ "$(jq -r .status <<<"$output")" = running ]
        until_true file_is "$TMP/out" started
        run --separate-stderr tc kill web
        [ "$status" -eq 0 ]
        run --separate-stderr tc wait web
        [ "$status" -eq 0 ]
        [ "$output" = 42 ]
        run --separate-stderr tc delete web
        [ "$status" -eq 0 ]
        [ "$output" = 42 ]
        task_gone web "$shim" "$PID" "$addr"
        run -0 events_of web
        [ "${lines[2]}" = "/tasks/exit $PID 42" ]

        # again from the record, stopped by --force
        run --separate-stderr tc create web --rootfs "$ROOTFS"
        [ "$status" -eq 0 ]
        PID=$(tc -o json get web | jq -r .pid)
        track_pid "$PID"
        [ "$(cat "$b/runtime")" = crun ]
        run --separate-stderr tc start web
        [ "$status" -eq 0 ]
        run --separate-stderr tc delete --force web
        [ "$status" -eq 0 ]
        [ "$output" = 137 ]
        [ ! -e "$RUNC_ROOT/$NS/web" ]
}

@test "wait --timeout 1 on a running task exits 7; start of a started task 5, kill of a stopped one 3; a missing task 3" {
        spec web
        run_task web
        run --separate-stderr tc start web
        refused 5 "taskctl: task \"web\" in namespace \"$NS\": task is running: only a created task can be started"
        run --separate-stderr tc --timeout 1 wait web
        [ "$status" -eq 7 ]
        [ -z "$output" ]
        # the bound is the Wait call's: 1s, give or take the rounding to a millisecond
        [[ "$stderr" =~ ^taskctl:\ task\ \"web\"\ in\ namespace\ \"$NS\":\ shim\ did\ not\ answer\ Wait\ within\ (1|0\.99[0-9]*)s$ ]]
        run -0 --separate-stderr tc -o json get web
        [ "$(jq -r .status <<<"$output")" = running ]
        tc kill web --signal KILL
        run -0 --separate-stderr tc wait web
        [ "$output" = 137 ]
        run --separate-stderr tc kill web
        refused 3 "taskctl: task \"web\" in namespace \"$NS\": process already finished"
        run --separate-stderr tc start web
        refused 5 "taskctl: task \"web\" in namespace \"$NS\": task is stopped: only a created task can be started"
        run -0 events_of web
        # create, start, and the exit that wait observed (recorded once, by the
        # first command that saw it): the refused starts logged nothing
        [ "${#lines[@]}" -eq 3 ] || { echo "$output"; false; }
        [[ "${lines[2]}" == "/tasks/exit "*" 137" ]]

        for cmd in start get kill wait delete; do
                run --separate-stderr tc "$cmd" nope
                refused 3 "taskctl: task \"nope\" in namespace \"$NS\": not found"
                # nor a work dir made by taking the task's lock
                [ ! -e "$R/tasks/$NS/nope" ]
                [ ! -e "$S/tasks/$NS/nope" ]
        done
}

@test "per-task locks: a held lock makes delete exit 7 naming the holder, while another task is created" {
        spec a
        mk a
        # flock(1) takes the lock on the work dir, then runs sleep holding it
        flock "$R/tasks/$NS/a" sleep 30 &
        holder=$!
        track_pid "$holder"
        # flock locks first, then forks sleep (which inherits the lock): wait for both
        locked() { ! flock -n "$R/tasks/$NS/a" true && [ -n "$(cat "/proc/$holder/task/$holder/children")" ]; }
        until_true locked
        child=$(cat "/proc/$holder/task/$holder/children")
        track_pid "$child"

        run --separate-stderr tc --timeout 1 delete a
        refused 7 "taskctl: task \"a\" in namespace \"$NS\": task is locked by pid $holder (waited 1s)"
        [ -d "$S/tasks/$NS/a" ]
        run --separate-stderr tc --timeout 1 start a
        [ "$status" -eq 7 ]
        # other tasks do not wait; get takes no lock
        spec b
        run --separate-stderr tc --timeout 1 create b --spec "$TMP/b.json" --rootfs "$ROOTFS"
        [ "$status" -eq 0 ]
        got=$(tc -o json get b | jq -r .pid)
        track_pid "$got"
        run --separate-stderr tc --timeout 1 start b
        [ "$status" -eq 0 ]
        run -0 --separate-stderr tc --timeout 1 -o json get a
        [ "$(jq -r .status <<<"$output")" = created ]

        kill "$holder" $child
        wait "$holder" || true
        run --separate-stderr tc delete a
        [ "$status" -eq 0 ]
        [ "$output" = 0 ]
}
