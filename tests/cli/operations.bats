#!/usr/bin/env bats
# Operating running tasks (stop, ps, pause/resume, stats, update, several IDs,
# NS/ID arguments, containers prune, exits recorded when they happen and seen
# by `events --follow`) on the real containerd-shim-runc-v2 + runc, and one
# lifecycle through crun. Every test ends what it started: teardown deletes
# every task of the test's state (reap_tasks) and kills tracked PIDs.
load helpers

# The runc shim's Stats needs every v1 hierarchy that /proc/PID/cgroup lists
# mounted, and crun a cgroup2 that lists no controllers: setup_file mounts
# both kinds for the file's duration (cgroup_v1_mount --listed, helpers.bash)
# and teardown_file undoes exactly what it mounted.
setup_file() {
        cgroup_v1_mount "$BATS_FILE_TMPDIR/cgroup-mounts" --listed >&3
}

teardown_file() {
        cgroup_v1_unmount "$BATS_FILE_TMPDIR/cgroup-mounts" >&3
}

setup() {
        setup_real o
        NS2=$NS-b
}

teardown() {
        kill_tracked
        reap_tasks
        teardown_checks
}

# spec ID [ARG]...: $TMP/ID.json running ARG... (default sleep 300), with a
# cgroup of its own, /taskctl-ops-NS-ID (absolute: the OOM counter is read there).
spec() {
        local id=$1
        shift
        SPEC_CGROUP=/taskctl-ops-$NS-$id make_spec "$@" > "$TMP/$id.json"
}

# run_task ID [FLAG]...: create (from $TMP/ID.json) and start; PID = init pid.
run_task() {
        local id=$1
        shift
        run --separate-stderr tc create "$id" --spec "$TMP/$id.json" --rootfs "$ROOTFS" "$@"
        [ "$status" -eq 0 ] || { echo "create $id: $status $stderr"; return 1; }
        run --separate-stderr tc start "$id"
        [ "$status" -eq 0 ] || { echo "start $id: $status $stderr"; return 1; }
        PID=$output
        track_pid "$PID"
}

file_has() { grep -qx -- "$2" "$1" 2>/dev/null; }

# The events of task ID (namespace NS) as "TOPIC PID EXIT_STATUS DETAIL" lines.
events_of() {
        tc events -o json | jq -r --arg id "$1" 'select(.id == $id) | "\(.topic) \(.pid) \(.exit_status) \(.detail)"'
}

# event_time ID TOPIC: the time of task ID's event TOPIC
event_time() {
        tc events -o json | jq -r --arg id "$1" --arg t "$2" 'select(.id == $id and .topic == $t) | .time'
}

# RFC 3339 -> seconds since the epoch (with fraction)
epoch() { date -d "$1" +%s.%N; }

@test "stop: a task trapping SIGTERM exits 0 at once; one ignoring it is killed after the grace time (137)" {
        spec polite sh -c 'trap "exit 0" TERM; sleep 1000 & wait'
        spec deaf sh -c 'trap "" TERM; echo ready; while :; do sleep 1; done'
        run_task polite
        run_task deaf --stdout "$TMP/deaf.out"
        until_true file_has "$TMP/deaf.out" ready
        run --separate-stderr tc stop polite
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 0 ]
        before=$(date +%s.%N)
        run --separate-stderr tc stop -t 2 deaf
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 137 ]
        run events_of deaf
        [[ "$output" == *"/tasks/exit $PID 137 stop: killed after the grace time"* ]] || { echo "$output"; false; }
        # the shim's exit time: no earlier than the grace time after stop began
        at=$(event_time deaf /tasks/exit)
        at_s=$(epoch "$at")
        awk -v a="$at_s" -v b="$before" 'BEGIN { exit !(a - b >= 2) }' || { echo "exit at $at, stop at $before"; false; }
        # an exit is recorded once, whoever else observes it later
        tc get deaf >/dev/null
        tc list >/dev/null
        n=$(events_of deaf | grep -c '^/tasks/exit ')
        [ "$n" -eq 1 ]
        # a stopped task: stop is a success and says the same status
        run --separate-stderr tc stop --time 1 deaf
        [ "$status" -eq 0 ]
        [ "$output" = 137 ]
        # -o json and -q
        run -0 --separate-stderr tc -o json stop polite
        [ "$(jq -r .exit_status <<<"$output")" = 0 ]
        run -0 --separate-stderr tc -q stop polite
        [ "$output" = 0 ]
}

@test "stop: the record's io.containerd.image.config.stop-signal label names the signal; a bad one is exit 2" {
        spec usr sh -c 'trap "exit 5" USR1; trap "" TERM; sleep 1000 & wait'
        run --separate-stderr tc containers create usr --spec "$TMP/usr.json" \
                --label io.containerd.image.config.stop-signal=SIGUSR1
        [ "$status" -eq 0 ]
        run --separate-stderr tc create usr --rootfs "$ROOTFS"
        [ "$status" -eq 0 ]
        run -0 --separate-stderr tc start usr
        track_pid "$output"
        run --separate-stderr tc stop -t 30 usr
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 5 ]
        tc containers update usr --label io.containerd.image.config.stop-signal=NOPE
        run --separate-stderr tc stop usr
        [ "$status" -eq 2 ]
        [ "$stderr" = "taskctl: container \"usr\" in namespace \"$NS\": label io.containerd.image.config.stop-signal: invalid signal \"NOPE\"" ]
        run --separate-stderr tc stop -t x usr
        [ "$status" -eq 2 ]
}

@test "ps: a shell with two background children and one exec process, with its exec id" {
        spec web sh -c 'sleep 1001 & sleep 1002 & echo ready; wait'
        run_task web --stdout "$TMP/web.out"
        until_true file_has "$TMP/web.out" ready
        addr=$(cat "$S/tasks/$NS/web/address")
        run python3 "$BATS_TEST_DIRNAME/shim_exec.py" "$addr" web e1 sleep 1003
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        epid=$output
        track_pid "$epid"
        run --separate-stderr tc -o json ps web
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$(jq length <<<"$output")" -eq 4 ] || { echo "$output"; false; }
        [ "$(jq -r --argjson p "$PID" '.[] | select(.pid == $p) | .exec_id' <<<"$output")" = "" ]
        [ "$(jq -r --argjson p "$epid" '.[] | select(.pid == $p) | .exec_id' <<<"$output")" = e1 ]
        # the two children run sleep 1001 and sleep 1002
        for p in $(jq -r '.[] | select(.exec_id == "") | .pid' <<<"$output"); do
                [ "$p" = "$PID" ] && continue
                tr '\0' ' ' < "/proc/$p/cmdline"; echo
        done | sort > "$TMP/children"
        [ "$(cat "$TMP/children")" = "$(printf 'sleep 1001 \nsleep 1002 ')" ] || { cat "$TMP/children"; false; }
        run --separate-stderr tc ps web
        [ "$status" -eq 0 ]
        # fitted: the PID column as wide as its widest PID, then 3 spaces
        w=$(awk 'NR > 1 && length($1) > w { w = length($1) } END { print w }' <<<"$output")
        [ "${lines[0]}" = "$(printf '%-*sEXEC ID' $((w + 3)) PID)" ] || { echo "$output"; false; }
        [[ "$output" == *"$epid"*"e1"* ]]
        run -0 --separate-stderr tc -q ps web
        [ "${#lines[@]}" -eq 4 ]
        run --separate-stderr tc ps nope
        [ "$status" -eq 3 ]
}

@test "pause: get and list say paused, resume runs it again; stop and delete -f of a paused task work" {
        spec a
        spec b
        run_task a
        run_task b
        run --separate-stderr tc pause a b
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ -z "$output" ]
        st=$(tc -o json get a | jq -r .status)
        [ "$st" = paused ]
        [ "$(grep -c . /sys/fs/cgroup/freezer/taskctl-ops-$NS-a/freezer.state)" -eq 1 ]
        [ "$(cat /sys/fs/cgroup/freezer/taskctl-ops-$NS-a/freezer.state)" = FROZEN ]
        run -0 --separate-stderr tc list status==paused
        [ "${#lines[@]}" -eq 3 ]
        run --separate-stderr tc resume a
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ -z "$output" ]
        st=$(tc -o json get a | jq -r .status)
        [ "$st" = running ]
        run -0 events_of a
        [[ "$output" == *"/tasks/paused"*"/tasks/resumed"* ]]
        tc pause a
        run --separate-stderr tc stop -t 1 a
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 137 ] # sleep as pid 1 ignores SIGTERM
        run --separate-stderr tc delete -f b
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 137 ]
        [ ! -e "$S/tasks/$NS/b" ]
}

@test "stats --no-stream -o json: memory of a task that allocated 50 MB, CPU, PIDs; the table" {
        spec mem sh -c 'x=$(/bin/busybox head -c 50000000 /dev/zero | /bin/busybox tr "\0" a); echo ready; sleep 1000; echo ${#x}'
        run_task mem --stdout "$TMP/mem.out"
        until_true file_has "$TMP/mem.out" ready
        run --separate-stderr tc stats --no-stream -o json mem
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$(jq -r '.[0].cgroup' <<<"$output")" = 1 ] # this machine: cgroup v1 (hybrid)
        [ "$(jq -r '.[0].memory_usage >= 50000000' <<<"$output")" = true ] || { echo "$output"; false; }
        [ "$(jq -r '.[0].cpu_ns > 0' <<<"$output")" = true ]
        [ "$(jq -r '.[0].pids' <<<"$output")" -eq 2 ] # sh and sleep
        [ "$(jq -r '.[0].memory_limit' <<<"$output")" -eq 0 ] # none
        run --separate-stderr tc stats --no-stream mem
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" == "ID"*"CPU %"*"MEM USAGE / LIMIT"*"PIDS" ]]
        [[ "${lines[1]}" == "mem "*"MiB / -"* ]] || { echo "$output"; false; }
}

@test "update --memory: the limit is set; the task OOM-killed past it; events show the OOM and the exit" {
        spec hog sh -c 'trap "x=\$(/bin/busybox head -c 200000000 /dev/zero | /bin/busybox tr \"\\0\" a)" USR1; echo ready; while :; do sleep 1; done'
        run_task hog --stdout "$TMP/hog.out"
        until_true file_has "$TMP/hog.out" ready
        run --separate-stderr tc update hog --memory 32m --pids-limit 50 --cpus 0.5
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ -z "$output" ]
        cg=/sys/fs/cgroup
        [ "$(cat "$cg/memory/taskctl-ops-$NS-hog/memory.limit_in_bytes")" = 33554432 ]
        [ "$(cat "$cg/pids/taskctl-ops-$NS-hog/pids.max")" = 50 ]
        [ "$(cat "$cg/cpu/taskctl-ops-$NS-hog/cpu.cfs_quota_us")" = 50000 ]
        lim=$(tc stats --no-stream -o json hog | jq -r '.[0].memory_limit')
        [ "$lim" = 33554432 ]
        # the record's spec is not rewritten
        mem=$(tc -o json containers get hog | jq -r '.spec.linux.resources.memory')
        [ "$mem" = null ]
        tc kill -s USR1 hog
        run --separate-stderr tc wait hog
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 137 ]
        run -0 events_of hog
        [[ "${lines[2]}" == "/tasks/oom $PID null memory cgroup oom_kill "* ]] || { echo "$output"; false; }
        [ "${lines[3]}" = "/tasks/exit $PID 137 oom killed" ] || { echo "$output"; false; }
        run --separate-stderr tc update hog
        [ "$status" -eq 2 ]
        run --separate-stderr tc update hog --memory lots
        [ "$status" -eq 2 ]
}

@test "delete -f a b missing: exit 0, a and b gone; delete -f of a missing task alone prints nothing" {
        spec a
        spec b
        run_task a
        run_task b
        run --separate-stderr tc delete -f a b missing
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = "$(printf 'a 137\nb 137')" ]
        [ -z "$stderr" ]
        [ ! -e "$S/tasks/$NS/a" ]
        [ ! -e "$S/tasks/$NS/b" ]
        run --separate-stderr tc delete -f missing
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ -z "$stderr" ]
        run --separate-stderr tc delete missing
        [ "$status" -eq 3 ]
}

@test "events --follow sees the exit of a task that exits on its own, with the shim's exit time" {
        spec short sh -c 'read line; exit 7'
        mkfifo "$TMP/in"
        exec 4<>"$TMP/in" # keeps the FIFO open: the task waits for a line on it
        run_task short --stdin "$TMP/in"
        tc events --follow -o json > "$TMP/follow.out" 2>&1 3>&- &
        follower=$!
        track_pid "$follower"
        until_true grep -q '"/tasks/start"' "$TMP/follow.out"
        sleep 1.5 # let a rescan pick the task up before it exits (it would also record an exit seen at the rescan)
        echo go >&4
        until_true grep -q '"/tasks/exit"' "$TMP/follow.out"
        kill "$follower"
        wait "$follower" || true
        exec 4>&-
        ex=$(jq -c 'select(.topic == "/tasks/exit")' "$TMP/follow.out")
        [ "$(jq -r .exit_status <<<"$ex")" = 7 ]
        [ "$(jq -r .pid <<<"$ex")" = "$PID" ]
        # the event's time is the shim's own exit time, as get reports it
        at=$(tc -o json get short | jq -r .exited_at)
        [ "$(jq -r .time <<<"$ex")" = "$at" ]
        run -0 --separate-stderr tc list
        [[ "${lines[1]}" == *"stopped (7) "*"s ago"* ]] || { echo "$output"; false; }
}

@test "several IDs: one missing is reported (exit 3) and the others are done; the worst kind wins" {
        spec a
        spec b
        run -0 --separate-stderr tc create a --spec "$TMP/a.json" --rootfs "$ROOTFS"
        run -0 --separate-stderr tc create b --spec "$TMP/b.json" --rootfs "$ROOTFS"
        run --separate-stderr tc start a missing b
        [ "$status" -eq 3 ]
        [ "$stderr" = "taskctl: task \"missing\" in namespace \"$NS\": not found" ]
        [ "${#lines[@]}" -eq 2 ]
        [[ "${lines[0]}" == "a "* ]]
        [[ "${lines[1]}" == "b "* ]]
        track_pid "${lines[0]#a }"
        track_pid "${lines[1]#b }"
        run --separate-stderr tc pause a missing b
        [ "$status" -eq 3 ]
        st=$(tc -o json get a | jq -r .status)
        [ "$st" = paused ]
        st=$(tc -o json get b | jq -r .status)
        [ "$st" = paused ]
        run --separate-stderr tc resume a b
        [ "$status" -eq 0 ]
        # an invalid ID (2) and a missing one (3): exit 3, both reported
        run --separate-stderr tc kill -s KILL 'bad!' a missing b
        [ "$status" -eq 3 ]
        [ "$(grep -c '^taskctl: ' <<<"$stderr")" -eq 2 ]
        run -0 --separate-stderr tc -o json get a b
        [ "$(jq -r '.[].status' <<<"$output" | sort -u)" = stopped ]
        run -0 --separate-stderr tc -q delete a b
        [ "$output" = "$(printf 'a 137\nb 137')" ]
}

@test "NS/ID: tasks and records of another namespace by NS/ID; a malformed one is exit 2" {
        spec x
        run --separate-stderr tc -n "$NS2" create x --spec "$TMP/x.json" --rootfs "$ROOTFS"
        [ "$status" -eq 0 ]
        run --separate-stderr tc start "$NS2/x"
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        track_pid "$output"
        ns=$(tc -o json get "$NS2/x" | jq -r .namespace)
        [ "$ns" = "$NS2" ]
        run --separate-stderr tc pause "$NS2/x"
        [ "$status" -eq 0 ]
        run --separate-stderr tc resume "$NS2/x"
        [ "$status" -eq 0 ]
        run -0 --separate-stderr tc -o json ps "$NS2/x"
        [ "$(jq length <<<"$output")" -eq 1 ]
        run --separate-stderr tc stop -t 0 "$NS2/x"
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 137 ]
        run --separate-stderr tc get x
        [ "$status" -eq 3 ] # not in this namespace
        run --separate-stderr tc delete "$NS2/x"
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 137 ]
        run --separate-stderr tc containers get "$NS2/x"
        [ "$status" -eq 0 ]
        run --separate-stderr tc containers delete "$NS2/x"
        [ "$status" -eq 0 ]
        [ ! -e "$R/containers/$NS2/x.json" ]
        for bad in "a/b/c" "/x" "$NS2/" 'n!/x'; do
                run --separate-stderr tc stop "$bad"
                [ "$status" -eq 2 ] || { echo "$bad: $status"; false; }
        done
}

@test "containers prune: removes the records without a task (matching the filters), prints their IDs" {
        spec a
        spec b
        spec c
        tc containers create a --spec "$TMP/a.json"
        tc containers create c --spec "$TMP/c.json" --label env=x
        run_task b
        run --separate-stderr tc containers prune labels.env==x
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = c ]
        run --separate-stderr tc containers prune
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = a ]
        run -0 --separate-stderr tc -q containers list
        [ "$output" = b ]
        run --separate-stderr tc containers prune 'bad=='
        [ "$status" -eq 2 ]
}

@test "crun: stop, pause, resume and stats through crun (--runtime-options {\"binary_name\": \"crun\"})" {
        echo '{"binary_name": "crun"}' > "$TMP/crun.json"
        spec web sh -c 'trap "exit 42" TERM; sleep 1000 & wait'
        run_task web --runtime-options "$TMP/crun.json"
        [ "$(cat "$S/tasks/$NS/web/runtime")" = crun ]
        run --separate-stderr tc pause web
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        st=$(tc -o json get web | jq -r .status)
        [ "$st" = paused ]
        run --separate-stderr tc resume web
        [ "$status" -eq 0 ]
        run -0 --separate-stderr tc -o json ps web
        [ "$(jq length <<<"$output")" -eq 2 ]
        run --separate-stderr tc stats --no-stream -o json web
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$(jq -r '.[0].pids' <<<"$output")" -eq 2 ]
        run --separate-stderr tc stop web
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 42 ]
        run --separate-stderr tc delete web
        [ "$status" -eq 0 ] || { echo "$stderr"; false; }
        [ "$output" = 42 ]
}

@test "an exit is recorded once when several commands observe it at the same time" {
        spec quick sh -c 'exit 9'
        run_task quick
        until_true proc_gone "$PID"
        for _ in 1 2 3 4 5 6; do
                tc get quick >/dev/null 2>&1 &
                tc list >/dev/null 2>&1 &
                tc kill quick >/dev/null 2>&1 &
        done
        wait
        run -0 events_of quick
        [ "$(grep -c '^/tasks/exit ' <<<"$output")" -eq 1 ] || { echo "$output"; false; }
        [[ "$output" == *"/tasks/exit $PID 9 null"* ]]
        [ -e "$S/tasks/$NS/quick/exit-recorded" ]
}
