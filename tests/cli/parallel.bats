#!/usr/bin/env bats
# load and list with --parallel and --deadline: the rows of a parallel run are
# those of a sequential one, in the same order (readdir order of the bundles);
# --deadline ends a run that a hanging shim would hold, with skip rows for what
# was not visited and exit 7. Real tasks on containerd-shim-runc-v2 + runc; the
# hanging "shim" is a socket that is listened on and never answered (the fault
# the real shim cannot produce). Every process started is ended by PID.
load helpers
load realtask

setup() {
        setup_common
        realtask_setup par
        mkdir -p "$R/tasks/$NS" "$S/tasks/$NS"
        bind_roots "$R" "$S" # hand-made bundles: ROOT and STATE belong together
}

teardown() {
        kill_tracked
        end_tasks
}

fail() { echo "$*" >&2; return 1; }

# One row as load prints it, blanks squeezed (table columns fit their content).
row() { printf '%s %s %s %s\n' "$1" "$2" "$3" "$4"; }
squeezed() { echo "$output" | tr -s ' '; }

# The bundle names of NS in readdir order (ls -f: unsorted), without . and ..
readdir_order() { ls -f "$S/tasks/$NS" | grep -vx '\.\|\.\.'; }
# The task IDs of NS as list prints them: sorted bytewise (as containerd's store)
sorted_order() { readdir_order | grep -v '^\.' | LC_ALL=C sort; }

# The ID column of the last run's rows, in output order.
row_ids() { echo "$output" | tail -n +2 | sed '/^$/d' | awk '{ print $3 }'; }

# A bundle whose shim is dead (by hand: the address names no socket), with its record.
dead_bundle() {
        tc containers create "$1" --spec "$(task_spec)" || return 1
        mkdir -p "$S/tasks/$NS/$1/rootfs" "$R/tasks/$NS/$1"
        echo '{}' > "$S/tasks/$NS/$1/config.json"
        echo "unix://$BATS_TEST_TMPDIR/no-such-$1.sock" > "$S/tasks/$NS/$1/address"
}

@test "load: --parallel 1 and --parallel 8 print the same rows in the same (readdir) order, the expected ones" {
        local want=() id ids
        start_task live1
        start_task live2
        for i in 1 2 3 4 5; do
                dead_bundle "dead$i"
                mkdir -p "$S/tasks/$NS/norec$i/rootfs" "$R/tasks/$NS/norec$i"
                echo '{}' > "$S/tasks/$NS/norec$i/config.json"
                mkdir -p "$S/tasks/$NS/empty$i" "$R/tasks/$NS/empty$i"
        done
        mkdir "$S/tasks/$NS/.half"
        for id in $(readdir_order); do
                case $id in
                live*)
                        spid=$(task_field "$id" .shim_pid)
                        want+=("$(row load "$NS" "$id" "shim pid $spid")") ;;
                dead*) want+=("$(row cleanup "$NS" "$id" "shim dead")") ;;
                norec*) want+=("$(row remove "$NS" "$id" "no container record")") ;;
                empty*) want+=("$(row remove "$NS" "$id" "empty bundle")") ;;
                .half) want+=("$(row remove "$NS" "$id" "half-deleted bundle")") ;;
                *) fail "unexpected bundle $id" ;;
                esac
        done
        [ "${#want[@]}" -eq 18 ] || fail "built ${#want[@]} bundles"
        ids=$(readdir_order)

        run --separate-stderr tc load --dry-run --parallel 1
        [ "$status" -eq 0 ] || fail "status $status: $stderr"
        seq_out=$output
        [ "$(squeezed | tail -n +2)" = "$(printf '%s\n' "${want[@]}")" ] ||
                fail "sequential rows: $output"
        run --separate-stderr tc load --dry-run --parallel 8
        [ "$status" -eq 0 ] || fail "status $status: $stderr"
        [ "$output" = "$seq_out" ] || fail "parallel dry run differs: $output"
        # a real parallel run prints the same rows, in the same order, and does them
        run --separate-stderr tc load --parallel 8
        [ "$status" -eq 0 ] || fail "status $status: $stderr"
        [ "$output" = "$seq_out" ] || fail "parallel real run differs: $output"
        [ "$(row_ids)" = "$ids" ] || fail "not in readdir order"
        tree_is "$S/tasks/$NS" $(cd "$S/tasks/$NS" && find live1 live2)
        tree_is "$R/tasks/$NS" live1 live2
}

@test "list: --parallel 1 and --parallel 8 list the same tasks in the same (sorted) order" {
        local want=()
        start_task live1
        start_task live2
        start_task live3
        dead_bundle dead1
        for id in $(sorted_order); do
                case $id in
                live*)
                        tpid=$(task_field "$id" .pid)
                        want+=("$id $tpid running") ;;
                dead1) want+=("dead1 - unknown") ;;
                esac
        done
        run --separate-stderr tc list --parallel 1
        [ "$status" -eq 0 ] || fail "status $status: $stderr"
        seq_out=$output
        [ "$(echo "$output" | tail -n +2 | awk '{ print $2, $3, $4 }')" = "$(printf '%s\n' "${want[@]}")" ] ||
                fail "sequential list: $output"
        run --separate-stderr tc list --parallel 8
        [ "$status" -eq 0 ] || fail "status $status: $stderr"
        [ "$output" = "$seq_out" ] || fail "parallel list differs: $output"
        run --separate-stderr tc list --parallel 8 -o json
        [ "$status" -eq 0 ] || fail "status $status: $stderr"
        [ "$(echo "$output" | jq -r '.[] | .id' | paste -sd' ')" = "$(sorted_order | paste -sd' ')" ] ||
                fail "json order: $output"
}

# A "shim" that accepts connections (the listen backlog) and never answers.
hanging_socket() {
        python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64); time.sleep(120)' "$1" \
                >/dev/null 2>&1 3>&- &
        track_pid $!
        for _ in $(seq 200); do
                [ -S "$1" ] && return 0
                sleep 0.05
        done
        fail "socket $1 never appeared"
}

@test "load --deadline: a hanging shim does not hold the run; the bundles after it get skip rows, exit 7" {
        local sock=$BATS_TEST_TMPDIR/hang.sock ids rest id hang
        hanging_socket "$sock"
        for i in 1 2 3 4; do
                dead_bundle "hang$i"
                echo "unix://$sock" > "$S/tasks/$NS/hang$i/address"
        done
        for i in $(seq 8); do
                mkdir -p "$S/tasks/$NS/empty$i" "$R/tasks/$NS/empty$i"
        done
        ids=$(readdir_order)
        # what comes after the first hanging bundle must be skipped
        rest=$(echo "$ids" | sed -n '/^hang/,$p' | tail -n +2)
        [ -n "$rest" ] || fail "a hang bundle is the last in readdir order: $ids"
        # without the deadline cutting the shim's own bound (an hour), timeout(1)
        # ends it: a failure, not a measurement
        run --separate-stderr timeout 120 "$TASKCTL" --root "$R" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" --timeout 3600 load --parallel 1 --deadline 2
        [ "$status" -eq 7 ] || fail "status $status: $output $stderr"
        # the hanging shim itself: its Connect hit the deadline, so it is a slow
        # shim, skipped and never killed (a failed row), not a dead one
        hang=$(echo "$ids" | grep -m1 '^hang')
        [ "${stderr_lines[0]}" = "taskctl: skip $NS/$hang: shim not answering: left for the next run" ] ||
                fail "stderr: $stderr"
        [ "${stderr_lines[1]}" = "taskctl: load: deadline exceeded: $(($(echo "$rest" | wc -l) + 1)) items not visited, others failed" ] ||
                fail "stderr: $stderr"
        [ -d "$S/tasks/$NS/$hang" ] || fail "the hanging shim's bundle $hang removed"
        [ "$(row_ids)" = "$ids" ] || fail "rows not in readdir order: $output"
        for id in $rest; do
                squeezed | grep -qxF "$(row skip "$NS" "$id" "deadline exceeded")" ||
                        fail "no skip row for $id: $output"
                [ -d "$S/tasks/$NS/$id" ] || fail "skipped bundle $id removed"
                [ -d "$R/tasks/$NS/$id" ] || fail "skipped bundle's work dir $id removed"
        done
        for id in $(echo "$ids" | sed -n '/^hang/q;p'); do
                squeezed | grep -qxF "$(row remove "$NS" "$id" "empty bundle")" ||
                        fail "bundle $id before the hang not removed: $output"
        done
}

@test "list --deadline: tasks not asked by then are unknown (deadline exceeded), exit 7" {
        local sock=$BATS_TEST_TMPDIR/hang.sock ids first rest id
        hanging_socket "$sock"
        # every task's shim hangs: the first one asked holds the run until the deadline
        for i in $(seq 6); do
                dead_bundle "hang$i"
                echo "unix://$sock" > "$S/tasks/$NS/hang$i/address"
        done
        ids=$(sorted_order)
        first=$(echo "$ids" | head -1)
        rest=$(echo "$ids" | tail -n +2)
        run --separate-stderr timeout 120 "$TASKCTL" --root "$R" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" --timeout 3600 list --parallel 1 --deadline 2 -o json
        [ "$status" -eq 7 ] || fail "status $status: $output $stderr"
        [ "$stderr" = "taskctl: list: deadline exceeded: 5 tasks not asked" ] || fail "stderr: $stderr"
        [ "$(echo "$output" | jq -r '.[] | .id')" = "$ids" ] || fail "order: $output"
        for id in $rest; do
                [ "$(echo "$output" | jq -r --arg id "$id" '.[] | select(.id == $id) | "\(.status) \(.error)"')" = "unknown deadline exceeded" ] ||
                        fail "$id: $output"
        done
        # the one asked: its own shim deadline cut to the run's
        [ "$(echo "$output" | jq -r --arg id "$first" '.[] | select(.id == $id) | .status')" = unknown ] ||
                fail "$first: $output"
}

@test "list --parallel: shims asked together, each hanging one on its own deadline, live ones listed" {
        local sock=$BATS_TEST_TMPDIR/hang.sock id tpid
        hanging_socket "$sock"
        start_task live1
        start_task live2
        for i in 1 2 3 4; do
                dead_bundle "hang$i"
                echo "unix://$sock" > "$S/tasks/$NS/hang$i/address"
        done
        # four hanging shims of 2 s each: one at a time they would need 8 s and
        # the 5 s deadline would leave some unasked; asked together, every one
        # gets its own timeout's error and the live tasks their status
        run --separate-stderr timeout 120 "$TASKCTL" --root "$R" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" --timeout 2 list --parallel 8 --deadline 5 -o json
        [ "$status" -eq 0 ] || fail "status $status: $output $stderr"
        [ "$(echo "$output" | jq -r '.[] | .id' | paste -sd' ')" = "$(sorted_order | paste -sd' ')" ] ||
                fail "order: $output"
        for id in hang1 hang2 hang3 hang4; do
                [ "$(echo "$output" | jq -r --arg id "$id" '.[] | select(.id == $id) | "\(.status) \(.error)"')" = "unknown shim did not answer State within 2s" ] ||
                        fail "$id: $output"
        done
        for id in live1 live2; do
                tpid=$(task_field "$id" .pid)
                [ "$(echo "$output" | jq -r --arg id "$id" '.[] | select(.id == $id) | "\(.status) \(.pid)"')" = "running $tpid" ] ||
                        fail "$id: $output"
        done
}

@test "load and list: --parallel and --deadline reject bad values (exit 2)" {
        for v in 0 -1 x 1025 ''; do
                run --separate-stderr tc load --parallel "$v"
                [ "$status" -eq 2 ] || fail "--parallel '$v': status $status"
                [ "$stderr" = "taskctl: load: --parallel \"$v\": expected a number from 1 to 1024" ] || fail "$stderr"
                run --separate-stderr tc list --parallel "$v"
                [ "$status" -eq 2 ] || fail "list --parallel '$v': status $status"
        done
        for v in 0 -1 x ''; do
                run --separate-stderr tc load --deadline "$v"
                [ "$status" -eq 2 ] || fail "--deadline '$v': status $status"
                [ "$stderr" = "taskctl: load: --deadline \"$v\": expected a positive number of seconds" ] || fail "$stderr"
        done
}
