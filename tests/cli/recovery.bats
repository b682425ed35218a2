#!/usr/bin/env bats
# Faults under load and cleanup's feet: a full filesystem under ROOT, and
# taskctl SIGKILLed part-way through create on the real shim.
load helpers
load realtask

setup() {
        setup_common
        realtask_setup rc
        busybox_rootfs >/dev/null
}

teardown() {
        local id
        # tasks whose ROOT is the small tmpfs: tc (end_tasks) does not see them
        if [ -f "$BATS_TEST_TMPDIR/fs-tasks" ]; then
                rm -f "$BATS_TEST_TMPDIR/fs/fill"
                while read -r id; do
                        tcfs --timeout 5 delete --force "$id" >/dev/null 2>&1 || true
                done < "$BATS_TEST_TMPDIR/fs-tasks"
        fi
        end_tasks
        kill_tracked
        if mountpoint -q "$BATS_TEST_TMPDIR/fs" 2>/dev/null; then umount "$BATS_TEST_TMPDIR/fs"; fi
        teardown_checks
}

fail() {
        echo "$*" >&2
        return 1
}

# taskctl with ROOT on the small tmpfs FS (STATE stays where tc puts it).
tcfs() {
        "$TASKCTL" --root "$BATS_TEST_TMPDIR/fs/root" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" "$@"
}

# The command failed with one clear error line, or succeeded.
clean_result() {
        if [ "$status" -ne 0 ]; then
                [ "$(echo "$stderr" | grep -c '^taskctl: ')" -ge 1 ] || fail "no error line: $stderr"
        fi
}

@test "ENOSPC under ROOT: every writing command fails clearly, no record lost or truncated, no temp file left" {
        mkdir -p "$BATS_TEST_TMPDIR/fs"
        mount -t tmpfs -o size=2m tmpfs "$BATS_TEST_TMPDIR/fs"
        run --separate-stderr tcfs containers create a --spec "$(task_spec)" --label k=v
        [ "$status" -eq 0 ]
        cp "$BATS_TEST_TMPDIR/fs/root/containers/$NS/a.json" "$BATS_TEST_TMPDIR/a.before"
        run --separate-stderr dd if=/dev/zero of="$BATS_TEST_TMPDIR/fs/fill" bs=64k
        [ "$status" -ne 0 ]
        run --separate-stderr tcfs containers create b --spec "$(task_spec)"
        [ "$status" -ne 0 ]
        clean_result
        run --separate-stderr tcfs containers update a --label k2=v2
        [ "$status" -ne 0 ]
        clean_result
        run --separate-stderr tcfs create a --rootfs "$(busybox_rootfs)"
        [ "$status" -ne 0 ]
        clean_result
        run --separate-stderr tcfs load
        clean_result
        run --separate-stderr tcfs cleanup
        clean_result
        cmp "$BATS_TEST_TMPDIR/a.before" "$BATS_TEST_TMPDIR/fs/root/containers/$NS/a.json"
        [ ! -e "$BATS_TEST_TMPDIR/fs/root/containers/$NS/b.json" ]
        [ -z "$(find "$BATS_TEST_TMPDIR/fs/root" -name '.*.[0-9]*')" ]
        [ ! -e "$S/tasks/$NS/a" ]
        [ ! -e "$BATS_TEST_TMPDIR/fs/root/tasks/$NS/a" ]
        rm "$BATS_TEST_TMPDIR/fs/fill"
        run --separate-stderr tcfs containers delete a
        [ "$status" -eq 0 ]
}

# fs_task ID: creates task ID (and its record) with ROOT on the small tmpfs,
# in a cgroup of its own (as start_task); teardown deletes it.
fs_task() {
        local spec="$BATS_TEST_TMPDIR/spec-$1.json"
        jq --arg cg "/taskctl-test-$NS-$1" '.linux.cgroupsPath = $cg' "$(task_spec)" > "$spec" || return 1
        echo "$1" >> "$BATS_TEST_TMPDIR/fs-tasks"
        tcfs create "$1" --spec "$spec" --rootfs "$(busybox_rootfs)" >/dev/null
}

# remember_task ID: its shim and init pids, for end_tasks.
remember_task() {
        local json
        json=$(tcfs get "$1" -o json) || return 1
        remember_pid "$(echo "$json" | jq -r .shim_pid)"
        remember_pid "$(echo "$json" | jq -r .pid)"
}

# log_whole FILE: the event log FILE holds whole lines only, each a JSON object.
log_whole() {
        [ -s "$1" ] || { echo "no event log $1"; return 1; }
        [ -z "$(tail -c 1 "$1")" ] || { echo "$1 ends with half a line: $(tail -c 100 "$1")"; return 1; }
        jq -R -e -n '[inputs | fromjson | type == "object"] | all' "$1" >/dev/null ||
                { echo "a line of $1 is not a JSON object:"; cat "$1"; return 1; }
}

# pad_log FILE ROOM: appends one event line (topic /test/pad) to FILE so that
# its last page has ROOM bytes free: on a full tmpfs the next append then
# writes ROOM bytes and fails (a short write), unless the line fits.
pad_log() {
        local size skel len
        size=$(stat -c %s "$1")
        skel=$(jq -cn --arg ns "$NS" '{time: "2026-01-01T00:00:00Z", namespace: $ns,
                topic: "/test/pad", id: "pad", pid: 0, exit_status: null, detail: ""}')
        len=$(((4096 - $2 - size % 4096 + 8192) % 4096))
        [ "$len" -gt $((${#skel} + 1)) ] || len=$((len + 4096))
        jq -cn --argjson e "$skel" --arg d "$(head -c $((len - ${#skel} - 1)) /dev/zero | tr '\0' x)" \
                '$e | .detail = $d' >> "$1"
        [ $(($(stat -c %s "$1") % 4096)) -eq $((4096 - $2)) ] || { echo "pad: $(stat -c %s "$1")"; return 1; }
}

# full_step LOG ARGS...: `tcfs ARGS` succeeds on the full ROOT and leaves the
# event log LOG whole (sets status, output, stderr).
full_step() {
        local log=$1
        shift
        run --separate-stderr tcfs "$@"
        [ "$status" -eq 0 ] || fail "$*: $stderr"
        log_whole "$log" || fail "after $*"
}

@test "ENOSPC under ROOT: start, kill, wait, delete and delete --force of tasks succeed or fail clearly, an event is appended whole or not at all; after space is freed all works" {
        local log rec id t3_init
        mkdir -p "$BATS_TEST_TMPDIR/fs"
        mount -t tmpfs -o size=2m tmpfs "$BATS_TEST_TMPDIR/fs"
        fs_task t1 || fail "create t1"
        fs_task t2 || fail "create t2"
        fs_task t3 || fail "create t3"
        for id in t2 t3; do
                run --separate-stderr tcfs start "$id"
                [ "$status" -eq 0 ] || fail "start $id: $stderr"
                remember_task "$id" || fail "$id: no pids"
        done
        t3_init=$(tcfs get t3 -o json | jq -r .pid)
        rec=$BATS_TEST_TMPDIR/fs/root/containers/$NS
        cp "$rec/t1.json" "$BATS_TEST_TMPDIR/t1.before"
        cp "$rec/t2.json" "$BATS_TEST_TMPDIR/t2.before"
        cp "$rec/t3.json" "$BATS_TEST_TMPDIR/t3.before"
        log=$BATS_TEST_TMPDIR/fs/root/events/$NS.jsonl
        log_whole "$log" || fail "before the fill"
        pad_log "$log" 10 || fail "pad"
        cp "$log" "$BATS_TEST_TMPDIR/log.before"
        run --separate-stderr dd if=/dev/zero of="$BATS_TEST_TMPDIR/fs/fill" bs=64k
        [ "$status" -ne 0 ] || fail "the fill did not fill $BATS_TEST_TMPDIR/fs"
        # ROOT is full, STATE is not: each command does its work, or fails
        # with one error line; its event is whole in the log or not there
        run --separate-stderr tcfs start t1
        [ "$status" -eq 0 ] || fail "start t1: $stderr"
        # the lost event is said, on one line
        [ "$(echo "$stderr" | grep -c 'event log.*No space left on device')" -eq 1 ] ||
                fail "start t1: $stderr"
        remember_task t1 || fail "t1: no pids"
        log_whole "$log" || fail "after start"
        full_step "$log" kill --signal KILL t1
        full_step "$log" wait t1
        [ "$output" = 137 ] || fail "wait t1: $output"
        full_step "$log" delete t1
        [[ "$stderr" == *"event log"*"No space left on device"* ]] || fail "delete t1: $stderr"
        full_step "$log" kill --signal KILL t2
        # wait observes t2's exit first, and cannot record it
        full_step "$log" wait t2
        full_step "$log" delete --force t3
        wait_gone "$t3_init" || fail "t3 still runs"
        [ -z "$(shims_of t3)" ] || fail "shim of t3 left"
        [ ! -e "$S/tasks/$NS/t3" ] || fail "bundle of t3 left"
        # no room for a whole line: nothing was appended, not even a part
        cmp "$BATS_TEST_TMPDIR/log.before" "$log" || fail "the log changed on a full ROOT"
        cmp "$BATS_TEST_TMPDIR/t1.before" "$rec/t1.json" || fail "record t1 changed"
        cmp "$BATS_TEST_TMPDIR/t2.before" "$rec/t2.json" || fail "record t2 changed"
        cmp "$BATS_TEST_TMPDIR/t3.before" "$rec/t3.json" || fail "record t3 changed"
        [ -z "$(find "$BATS_TEST_TMPDIR/fs/root" -name '.*.[0-9]*')" ] || fail "temp file left"
        [ ! -e "$S/tasks/$NS/t1" ] || fail "bundle of t1 left"
        [ ! -e "$BATS_TEST_TMPDIR/fs/root/tasks/$NS/t1" ] || fail "work dir of t1 left"
        # space again: t2 is deleted, its events are appended whole after the pad
        rm "$BATS_TEST_TMPDIR/fs/fill"
        run --separate-stderr tcfs delete --force t2
        [ "$status" -eq 0 ] || fail "delete t2: $stderr"
        log_whole "$log" || fail "after space came back"
        run --separate-stderr tcfs events -o jsonl
        [ "$status" -eq 0 ] || fail "events: $stderr"
        echo "$output" | jq -e -s 'map(select(.id == "t2")) | map(.topic) | index("/tasks/delete") != null' \
                >/dev/null || fail "no delete event of t2: $(echo "$output" | grep -v /test/pad)"
        # the exit that wait could not record is recorded by the next observer
        echo "$output" | jq -e -s 'map(select(.id == "t2" and .topic == "/tasks/exit")) |
                length == 1 and .[0].exit_status == 137' >/dev/null || fail "exit of t2: $(echo "$output" | grep -v /test/pad)"
        run --separate-stderr tcfs containers get t1
        [ "$status" -eq 0 ] || fail "record t1: $stderr"
        run --separate-stderr tcfs containers get t2
        [ "$status" -eq 0 ] || fail "record t2: $stderr"
        [ ! -e "$S/tasks/$NS/t2" ] || fail "bundle of t2 left"
        [ -z "$(shims_of t1)$(shims_of t2)" ] || fail "a shim is left"
}

# Every shim of task ID in our namespace, by its command line (read with
# bash builtins only: two forks per process made one call take seconds).
shims_of() {
        local p args
        for p in /proc/[0-9]*; do
                args=()
                mapfile -d '' args 2>/dev/null < "$p/cmdline" || continue
                if [[ " ${args[*]} " == *" -namespace $NS -id $1 -address "* ]]; then
                        echo "${p#/proc/}"
                fi
        done
        return 0
}

@test "create SIGKILLed at many points, then load: no shim, mount, bundle or work dir left; the record stays" {
        local ms id pid
        tc containers create base --spec "$(task_spec)"
        for ms in 0 10 30 60 100 150 250 400; do
                id=k$ms
                run --separate-stderr tc containers create "$id" --spec "$(task_spec)"
                [ "$status" -eq 0 ]
                echo "$NS $id" >> "$BATS_TEST_TMPDIR/tasks"
                # taskctl itself in the background (not the tc function's subshell)
                "$TASKCTL" --root "$R" --state "$S" --config "$BATS_TEST_TMPDIR/none.json" \
                        create "$id" --rootfs "$(busybox_rootfs)" >/dev/null 2>&1 3>&- &
                pid=$!
                sleep "0.$(printf '%03d' "$ms")" # the fault's point: not a synchronisation
                kill -KILL "$pid" 2>/dev/null || true
                wait "$pid" || true
        done
        run --separate-stderr tc load
        [ "$status" -eq 0 ] || fail "load: $stderr"
        echo "$output" > "$BATS_TEST_TMPDIR/load.rows" # for a failure's diagnosis
        for ms in 0 10 30 60 100 150 250 400; do
                id=k$ms
                [ -f "$R/containers/$NS/$id.json" ] || fail "record $id lost"
                if [ -e "$S/tasks/$NS/$id" ]; then
                        # create finished before the kill: a live, loaded task
                        st=$(task_field "$id" .status) || fail "$id: no state"
                        [ "$st" = created ] || fail "$id: half-made task kept"
                        continue
                fi
                [ ! -e "$R/tasks/$NS/$id" ] || fail "work dir of $id left"
                [ -z "$(shims_of "$id")" ] || fail "shim of $id left: $(shims_of "$id")"
                if grep -q " $S/tasks/$NS/$id/" /proc/self/mountinfo; then fail "mount of $id left"; fi
                [ ! -e "$S/runc/$NS/$id" ] || fail "runc state of $id left"
        done
        [ -z "$(find "$S/tasks/$NS" -maxdepth 1 -name '.*')" ]
}

# sleep_ms MS: sleeps MS milliseconds (a fault's point, never a synchronisation).
sleep_ms() {
        sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
}

# kill_after_ms MS ARG...: runs taskctl ARG... (itself, in the background, not
# the tc function's subshell) with this test's ROOT and STATE, SIGKILLs it
# after MS milliseconds and reaps it. Appends "MS killed|exit N" to
# $BATS_TEST_TMPDIR/kills (for a failure's diagnosis).
kill_after_ms() {
        local ms=$1 pid rc=0
        shift
        "$TASKCTL" --root "$R" --state "$S" --config "$BATS_TEST_TMPDIR/none.json" "$@" \
                >/dev/null 2>&1 3>&- &
        pid=$!
        sleep_ms "$ms"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" || rc=$?
        if [ "$rc" -eq 137 ]; then
                echo "$ms killed: $*" >> "$BATS_TEST_TMPDIR/kills"
        else
                echo "$ms exit $rc: $*" >> "$BATS_TEST_TMPDIR/kills"
        fi
}

# now_ms: a monotonic-enough clock for spreading kill points over a command.
now_ms() {
        echo $(($(date +%s%N) / 1000000))
}

# task_gone ID INIT_PID [norecord]: task ID has nothing left but its record
# (none with norecord): no bundle (nor a half-deleted .ID), no work dir, no
# shim, no container process, no mount, no runc state.
task_gone() {
        local id=$1 shims
        if [ "${3:-}" != norecord ]; then
                [ -f "$R/containers/$NS/$id.json" ] || { echo "record $id lost"; return 1; }
        fi
        [ ! -e "$S/tasks/$NS/$id" ] || { echo "bundle of $id left"; return 1; }
        [ ! -e "$S/tasks/$NS/.$id" ] || { echo "half-deleted bundle of $id left"; return 1; }
        [ ! -e "$R/tasks/$NS/$id" ] || { echo "work dir of $id left"; return 1; }
        [ ! -e "$R/tasks/$NS/.$id" ] || { echo "hidden work dir of $id left"; return 1; }
        shims=$(shims_of "$id")
        [ -z "$shims" ] || { echo "shim of $id left: $shims"; return 1; }
        wait_gone "$2" || { echo "container process $2 of $id left"; return 1; }
        if grep -q " $S/tasks/$NS/\.\?$id/" /proc/self/mountinfo; then
                echo "mount of $id left"
                return 1
        fi
        runc_state_gone "$id"
}

@test "delete --force SIGKILLed at many points, then load: each task whole and deletable, or gone with nothing left; the records stay" {
        local n=0 ms i id st init
        # a fresh running task for each point, until a delete ends by itself
        # (and at least 8 points: one may be quick by chance)
        for ms in 0 5 10 15 20 30 40 55 75 100 140 200 300; do
                id=d$n
                start_task "$id" || fail "start $id"
                init=$(task_field "$id" .pid)
                echo "$init" > "$BATS_TEST_TMPDIR/init-$id"
                kill_after_ms "$ms" delete --force "$id"
                n=$((n + 1))
                if [ "$n" -lt 8 ]; then continue; fi
                if tail -n 1 "$BATS_TEST_TMPDIR/kills" | grep -qv ' killed: '; then break; fi
        done
        run --separate-stderr tc load
        [ "$status" -eq 0 ] || fail "load: $stderr"
        echo "$output" > "$BATS_TEST_TMPDIR/load.rows" # for a failure's diagnosis
        for i in $(seq 0 $((n - 1))); do
                id=d$i
                init=$(cat "$BATS_TEST_TMPDIR/init-$id")
                if [ -e "$S/tasks/$NS/$id" ]; then
                        # killed before the bundle went: a whole task, loaded, that delete ends
                        st=$(task_field "$id" .status) || fail "$id: no state"
                        case $st in running | stopped) ;; *) fail "$id: $st after load" ;; esac
                        run --separate-stderr tc delete --force "$id"
                        [ "$status" -eq 0 ] || fail "delete $id after load: $stderr"
                fi
                task_gone "$id" "$init" || fail "$id (kills: $(cat "$BATS_TEST_TMPDIR/kills"))"
        done
        [ -z "$(find "$S/tasks/$NS" "$R/tasks/$NS" -mindepth 1 -maxdepth 1)" ] || fail "left behind"
}

# dead_and_orphans ID...: starts a real task for each ID (remembering its
# init and shim pids in $BATS_TEST_TMPDIR/pids-ID); then an xN task gets its
# shim SIGKILLed by pid (its container keeps running) and an nN task loses its
# container record (a bundle without a record); lN tasks stay live.
dead_and_orphans() {
        local id init shim
        for id in "$@"; do
                start_task "$id" || return 1
                init=$(task_field "$id" .pid) || return 1
                shim=$(task_field "$id" .shim_pid) || return 1
                echo "$init $shim" > "$BATS_TEST_TMPDIR/pids-$id"
        done
        for id in "$@"; do
                read -r init shim < "$BATS_TEST_TMPDIR/pids-$id"
                case $id in
                x*) kill -KILL "$shim" && wait_gone "$shim" || return 1 ;;
                n*) rm "$R/containers/$NS/$id.json" || return 1 ;;
                esac
        done
}

# live_unharmed ID...: the shim and the container of each live task still run.
live_unharmed() {
        local id init shim
        for id in "$@"; do
                read -r init shim < "$BATS_TEST_TMPDIR/pids-$id"
                proc_alive "$shim" || { echo "shim of $id killed"; return 1; }
                proc_alive "$init" || { echo "task $id killed"; return 1; }
        done
}

# load_killed_until_done ARG...: `taskctl load ARG...` SIGKILLed after 0, 10,
# 20, ... ms, each run going on from what the killed ones left, until one
# ends by itself; after every kill the live tasks l0 and l1 must be unharmed.
load_killed_until_done() {
        local ms
        for ms in $(seq 0 10 2000); do
                kill_after_ms "$ms" load "$@"
                echo "  left: $(ls -A "$S/tasks/$NS" | tr '\n' ' ')" >> "$BATS_TEST_TMPDIR/kills"
                live_unharmed l0 l1 || { echo "load killed after $ms ms"; return 1; }
                if tail -n 2 "$BATS_TEST_TMPDIR/kills" | head -n 1 | grep -qv ' killed: '; then
                        return 0
                fi
        done
}

# cleaned ID...: the xN and nN tasks are gone with everything they had; the
# records of the xN tasks stay.
cleaned() {
        local id init shim rec
        for id in "$@"; do
                read -r init shim < "$BATS_TEST_TMPDIR/pids-$id"
                rec=
                if [ "${id:0:1}" = n ]; then rec=norecord; fi
                task_gone "$id" "$init" $rec || return 1
        done
}

@test "load SIGKILLed at many points, then load: live tasks kept running, dead and recordless ones cleaned, nothing left" {
        local id init shim st now rows
        dead_and_orphans l0 l1 x0 x1 n0 || fail "set-up"
        # every bundle at once (the default --parallel): each kill hits all at one point
        load_killed_until_done || fail "$(cat "$BATS_TEST_TMPDIR/kills")"
        run --separate-stderr tc load
        [ "$status" -eq 0 ] || fail "load: $stderr"
        echo "$output" > "$BATS_TEST_TMPDIR/load.rows" # for a failure's diagnosis
        cleaned x0 x1 n0 || fail "kills: $(cat "$BATS_TEST_TMPDIR/kills")"
        # one bundle after another: each kill hits each bundle at another point
        dead_and_orphans x2 x3 n1 n2 || fail "set-up"
        load_killed_until_done --parallel 1 || fail "$(cat "$BATS_TEST_TMPDIR/kills")"
        run --separate-stderr tc load
        [ "$status" -eq 0 ] || fail "load: $stderr"
        echo "$output" >> "$BATS_TEST_TMPDIR/load.rows"
        cleaned x2 x3 n1 n2 || fail "kills: $(cat "$BATS_TEST_TMPDIR/kills")"
        # exactly what one load gives: the live tasks loaded and running on their own shims
        for id in l0 l1; do
                read -r init shim < "$BATS_TEST_TMPDIR/pids-$id"
                st=$(task_field "$id" .status)
                [ "$st" = running ] || fail "$id: $st"
                now=$(task_field "$id" .shim_pid)
                [ "$now" = "$shim" ] || fail "$id: shim $now, not $shim"
        done
        live_unharmed l0 l1 || fail "after the last load"
        # and a load after it has nothing left to do
        run --separate-stderr tc load
        [ "$status" -eq 0 ] || fail "load again: $stderr"
        rows=$(echo "$output" | awk 'NR > 1 { print $1, $3 }' | sort | tr '\n' ' ')
        [ "$rows" = "load l0 load l1 " ] || fail "load again: $output"
        [ -z "$(find "$S/tasks/$NS" -mindepth 1 -maxdepth 1 -name '.*')" ] || fail "hidden bundle left"
}
