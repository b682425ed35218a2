#!/usr/bin/env bats
# Concurrency (issue 4): commands racing each other on the real
# containerd-shim-runc-v2 and runc. Nothing here asserts a timing; every wait
# is bounded by taskctl's --timeout or a bounded loop. Every process a test
# starts is waited for or ended by its PID in teardown.
load helpers
load realtask

setup() {
        setup_common
        realtask_setup cc
        mkdir -p "$R/tasks/$NS" "$S/tasks/$NS"
        bind_roots "$R" "$S"
        busybox_rootfs >/dev/null
}

teardown() {
        kill_tracked
        end_tasks
        teardown_checks
}

# The pids of the shim daemons of task NS/ID (from /proc, read only).
shims_of() {
        local ns=$1 id=$2 f
        for f in /proc/[0-9]*/cmdline; do
                tr '\0' ' ' < "$f" 2>/dev/null |
                        awk -v ns="$ns" -v id="$id" -v f="$f" \
                        '$0 ~ /containerd-shim-runc-v2/ && index($0, " -namespace " ns " ") && index($0, " -id " id " ") {
                                split(f, p, "/"); print p[3] }'
        done
}

# bg NAME CMD...: runs CMD in the background with its stdout, stderr and exit
# status in $BATS_TEST_TMPDIR/bg/NAME.{out,err,rc}; BG_PIDS collects the pids.
bg() {
        local name=$1; shift
        mkdir -p "$BATS_TEST_TMPDIR/bg"
        (
                rc=0
                "$@" > "$BATS_TEST_TMPDIR/bg/$name.out" 2> "$BATS_TEST_TMPDIR/bg/$name.err" || rc=$?
                echo "$rc" > "$BATS_TEST_TMPDIR/bg/$name.rc"
        ) 3>&- &
        BG_PIDS+=("$!") # always waited for (wait_bg): not tracked, its pid may be reused
}

wait_bg() {
        local p
        for p in "${BG_PIDS[@]}"; do wait "$p" || true; done
        BG_PIDS=()
}

bgrc() { cat "$BATS_TEST_TMPDIR/bg/$1.rc"; }
bgout() { cat "$BATS_TEST_TMPDIR/bg/$1.out"; }
bgerr() { cat "$BATS_TEST_TMPDIR/bg/$1.err"; }

# hung_socket PATH: a unix socket that accepts connections and never answers
# (a hung shim); its listener is tracked.
hung_socket() {
        local _
        python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
time.sleep(600)' "$1" >/dev/null 2>&1 3>&- &
        track_pid "$!"
        for _ in $(seq 200); do
                [ -S "$1" ] && return 0
                sleep 0.05
        done
        return 1
}

# slow_bundle: a hand-built bundle "slow" whose shim hangs: each load pass
# waits --timeout on it between its scan of the bundles and its sweep of the
# work dirs, which widens the window in which a create can finish unseen (and
# skips it: exit 1, the shim never killed).
slow_bundle() {
        mkdir -p "$S/tasks/$NS/slow" 2>/dev/null || return 0
        echo '{}' > "$S/tasks/$NS/slow/config.json" 2>/dev/null || true
        echo "unix://$BATS_TEST_TMPDIR/hung.sock" > "$S/tasks/$NS/slow/address" 2>/dev/null || true
}

# create_marked ID: start_task, then a marker file in the new task's work dir:
# a work dir that a later load re-makes (empty) after a wrong removal lacks
# it, so "still has its work dir" means the same one.
create_marked() {
        start_task "$1" "${2:-$NS}" && touch "$R/tasks/${2:-$NS}/$1/marker"
}

# orphans NS N: N orphan work dirs in namespace NS
orphans() {
        mkdir -p "$R/tasks/$1"
        (cd "$R/tasks/$1" && seq -f 'o%05g' 1 "$2" | xargs mkdir)
}

# wait_sweeping NS N: until a background sweep has removed some of NS's N orphans
wait_sweeping() {
        local _
        for _ in $(seq 400); do
                [ "$(find "$R/tasks/$1" -mindepth 1 -maxdepth 1 -name 'o*' | wc -l)" -lt "$2" ] && return 0
                sleep 0.025
        done
        echo "no sweep of $1 seen"
        return 1
}

@test "race: 12 creates (4 at a time) while cleanup -A and load -A loop: every created task keeps its bundle, work dir and running task; nothing else is left" {
        local stop="$BATS_TEST_TMPDIR/stop" log="$BATS_TEST_TMPDIR/loop.log" st="$BATS_TEST_TMPDIR/loop.status"
        : > "$st"
        hung_socket "$BATS_TEST_TMPDIR/hung.sock"
        tc containers create slow --spec "$(task_spec)"
        (
                while [ ! -e "$stop" ]; do
                        rc=0
                        tc cleanup -A >> "$log" 2>&1 || rc=$?
                        echo "cleanup $rc" >> "$st"
                        slow_bundle
                        rc=0
                        tc --timeout 1 load -A >> "$log" 2>&1 || rc=$?
                        echo "load $rc" >> "$st"
                done
        ) 3>&- &
        loop=$!
        track_pid "$loop"
        BG_PIDS=()
        for batch in 0 1 2; do
                for k in 1 2 3 4; do
                        i=$((batch * 4 + k))
                        bg "t$i" create_marked "t$i"
                done
                wait_bg
                sleep 0.4 # spreads the batches over several passes of the loop
        done
        touch "$stop"
        wait "$loop"
        # the hand-made slow bundle goes, by hand: another load here would
        # make the work dir of any task whose work dir the race removed again
        rm -rf "$S/tasks/$NS/slow" "$R/tasks/$NS/slow"
        tc containers delete slow
        # the loop really ran alongside (at least one pass of each), and never failed;
        # (with load's sweep not re-checking for a bundle under the lock, this
        # test lost the work dirs of all 12 tasks)
        [ "$(grep -c '^load ' "$st")" -ge 1 ]
        [ "$(grep -c '^cleanup ' "$st")" -ge 1 ]
        # load's only failure is the hung "slow" shim: slow is not dead, so it
        # gets a skip row and exit 1 every pass, and is never killed
        if grep -v ' 0$' "$st" | grep -vx 'load 1'; then cat "$log"; false; fi
        if grep '^taskctl: ' "$log" | grep -v -e "^taskctl: skip $NS/slow: shim not answering: left for the next run\$" \
                -e '^taskctl: load: 1 item failed$'; then
                cat "$log"
                false
        fi
        ok=()
        for i in $(seq 12); do
                if [ "$(bgrc "t$i")" -eq 0 ]; then
                        ok+=("t$i")
                else
                        echo "create t$i failed: $(bgerr "t$i")"
                fi
        done
        # creates race only with load and cleanup here: every one must succeed
        [ "${#ok[@]}" -eq 12 ]
        for id in "${ok[@]}"; do
                [ -f "$S/tasks/$NS/$id/config.json" ]
                [ -f "$R/tasks/$NS/$id/marker" ]
                [ "$(readlink "$S/tasks/$NS/$id/work")" = "$(realpath "$R")/tasks/$NS/$id" ]
                got=$(task_field "$id" .status)
                [ "$got" = running ]
        done
        # nothing else: no stray bundle, work dir, hidden leftover or namespace
        [ "$(ls -A "$S/tasks/$NS" | sort)" = "$(printf '%s\n' "${ok[@]}" | sort)" ]
        [ "$(ls -A "$R/tasks/$NS" | sort)" = "$(printf '%s\n' "${ok[@]}" | sort)" ]
        [ "$(ls -A "$S/tasks")" = "$NS" ]
        [ "$(ls -A "$R/tasks")" = "$NS" ]
        # and a quiet load now loads exactly them; cleanup keeps exactly them
        run --separate-stderr tc load -q
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sort)" = "$(printf '%s\n' "${ok[@]}" | sort)" ]
        run --separate-stderr tc cleanup -o json
        [ "$status" -eq 0 ]
        [ "$output" = "[]" ] # only live work dirs: no row at all
        for id in "${ok[@]}"; do
                [ "$(shims_of "$NS" "$id" | wc -l)" -eq 1 ]
        done
}

@test "race: two delete --force of one task at once: exactly one prints the exit status, the other finds it gone (quiet success) or times out; nothing is left" {
        for id in d1 d2 d3; do
                start_task "$id"
                shim=$(task_field "$id" .shim_pid)
                init=$(task_field "$id" .pid)
                BG_PIDS=()
                bg "$id-a" tc delete --force "$id"
                bg "$id-b" tc delete --force "$id"
                wait_bg
                winners=0
                for w in a b; do
                        rc=$(bgrc "$id-$w")
                        out=$(bgout "$id-$w")
                        err=$(bgerr "$id-$w")
                        if [ "$rc" -eq 0 ] && [ -n "$out" ]; then
                                winners=$((winners + 1))
                                [ "$out" = 137 ] || { echo "$id-$w: stdout $out, stderr $err"; false; }
                                [ -z "$err" ]
                        elif [ "$rc" -eq 0 ]; then
                                # the man page: delete --force of a task that no longer
                                # exists (the other deleted it) succeeds quietly
                                [ -z "$err" ] || { echo "$id-$w: stderr $err"; false; }
                        else
                                # the other held the lock past --timeout (7)
                                [ "$rc" -eq 7 ] || { echo "$id-$w: exit $rc, stderr $err"; false; }
                                [ -z "$out" ]
                                [ "$(wc -l <<<"$err")" -eq 1 ]
                        fi
                done
                [ "$winners" -eq 1 ]
                wait_gone "$shim"
                wait_gone "$init"
                [ ! -e "$S/tasks/$NS/$id" ]
                [ ! -e "$S/tasks/$NS/.$id" ]
                [ ! -e "$R/tasks/$NS/$id" ]
                [ -z "$(shims_of "$NS" "$id")" ]
                runc_state_gone "$id"
                # delete keeps the container record
                tc containers get "$id" >/dev/null
        done
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"
}

@test "race: concurrent create of one ID: exactly one succeeds, the others exit 4 (or 7); nothing is leaked" {
        spec="$BATS_TEST_TMPDIR/spec-same.json"
        jq --arg cg "/taskctl-test-$NS-same" '.linux.cgroupsPath = $cg' "$(task_spec)" > "$spec"
        echo "$NS same" >> "$BATS_TEST_TMPDIR/tasks"
        echo "$NS same2" >> "$BATS_TEST_TMPDIR/tasks"
        # with --spec: the record is the first thing they race for
        BG_PIDS=()
        for k in 1 2 3 4; do
                bg "s$k" tc create same --spec "$spec" --rootfs "$(busybox_rootfs)"
        done
        wait_bg
        # without --spec: the record exists, they race for the task lock
        jq '.linux.cgroupsPath += "2"' "$spec" > "$spec.2"
        tc containers create same2 --spec "$spec.2"
        for k in 1 2 3 4; do
                bg "u$k" tc create same2 --rootfs "$(busybox_rootfs)"
        done
        wait_bg
        for id in same same2; do
                p=s; [ "$id" = same2 ] && p=u
                winners=0
                for k in 1 2 3 4; do
                        rc=$(bgrc "$p$k")
                        if [ "$rc" -eq 0 ]; then
                                winners=$((winners + 1))
                                [ "$(bgout "$p$k" | awk 'NR == 2 { print $1, $3 }')" = "$id created" ]
                        else
                                [ "$rc" -eq 4 ] || [ "$rc" -eq 7 ]
                                [ -z "$(bgout "$p$k")" ]
                                [ "$(bgerr "$p$k" | wc -l)" -eq 1 ]
                        fi
                done
                [ "$winners" -eq 1 ]
                [ "$(shims_of "$NS" "$id" | wc -l)" -eq 1 ]
                remember_pid "$(shims_of "$NS" "$id")"
                got=$(task_field "$id" .pid)
                remember_pid "$got"
                got=$(task_field "$id" .status)
                [ "$got" = created ]
                tc containers get "$id" >/dev/null
        done
        tree_is "$R/tasks/$NS" same same2
        [ "$(ls -A "$S/tasks/$NS" | sort)" = "$(printf '%s\n' same same2)" ]
        [ "$(ls -A "$R/containers/$NS" | sort)" = "$(printf '%s\n' .lock same.json same2.json)" ]
        # and they work: start, then delete
        tc start same >/dev/null
        tc start same2 >/dev/null
        got=$(tc delete --force same)
        [ "$got" = 137 ]
        got=$(tc delete --force same2)
        [ "$got" = 137 ]
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"
}

@test "race: after a reboot (no STATE), a namespace's first tasks are created while cleanup, then load -A, sweep 20,000 orphans of it: the tasks keep their work dirs" {
        # a reboot: the binding is of another boot, and STATE (tmpfs) is gone
        bind_roots "$R" "$S" 00000000-0000-0000-0000-000000000000
        rm -rf "$S"
        orphans "$NS" 20000
        BG_PIDS=()
        bg cl tc cleanup
        wait_sweeping "$NS" 20000
        for id in x1 x2 x3; do create_marked "$id"; done
        wait_bg
        [ "$(bgrc cl)" -eq 0 ]
        # load -A: STATE exists now, STATE/tasks/NS2 does not
        orphans "$NS2" 20000
        bg ld tc load -A
        wait_sweeping "$NS2" 20000
        for id in y1 y2 y3; do create_marked "$id" "$NS2"; done
        wait_bg
        [ "$(bgrc ld)" -eq 0 ]
        for id in x1 x2 x3; do
                [ -f "$R/tasks/$NS/$id/marker" ]
                got=$(task_field "$id" .status)
                [ "$got" = running ]
        done
        for id in y1 y2 y3; do
                [ -f "$R/tasks/$NS2/$id/marker" ]
                got=$(task_field "$id" .status "$NS2")
                [ "$got" = running ]
        done
        # the orphans went
        [ "$(ls "$R/tasks/$NS" | sort | tr '\n' ' ')" = "x1 x2 x3 " ]
        run tc cleanup -A
        [ "$status" -eq 0 ]
        [ "$(ls "$R/tasks/$NS2" | sort | tr '\n' ' ')" = "y1 y2 y3 " ]
}
