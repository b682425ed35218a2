#!/usr/bin/env bats
# taskctl cleanup: orphan work dirs, built by hand on disk (the real-shim
# cases are in load.bats and concurrency.bats).
load helpers

setup() {
        setup_common
        R=$BATS_TEST_TMPDIR/root
        S=$BATS_TEST_TMPDIR/state
        NS=$(unique_ns cl)
        NS2=$NS-b
        export TASKCTL_NAMESPACE=$NS
        mkdir -p "$R/tasks/$NS" "$S/tasks/$NS"
        bind_roots "$R" "$S"
}

teardown() {
        kill_tracked
        # a test that failed half-way may leave its bind mount behind
        if mountpoint -q "$R/tasks/$NS/m/mnt" 2>/dev/null; then umount "$R/tasks/$NS/m/mnt"; fi
        teardown_checks
}

# One table row as cleanup prints it, blanks squeezed (columns fit their content).
row() { printf '%s %s %s %s\n' "$1" "$2" "$3" "$4"; }

# snapshot of the tree: paths, types, modes, mtimes, link targets
snapshot() {
        find "$R" "$S" -printf '%p %y %m %T@ %l\n' | sort
}

@test "cleanup removes work dirs without a bundle and keeps the others" {
        mkdir -p "$R/tasks/$NS/orphan/sub" "$R/tasks/$NS/live" "$S/tasks/$NS/live"
        echo data > "$R/tasks/$NS/orphan/sub/file"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ "$(echo "${lines[0]}" | tr -s ' ')" = "ACTION NAMESPACE ID DETAIL" ]
        [ "$(echo "${lines[1]}" | tr -s ' ')" = "remove $NS orphan no bundle" ]
        [ "${#lines[@]}" -eq 2 ] # no row for the live task's work dir
        [ ! -e "$R/tasks/$NS/orphan" ]
        [ -d "$R/tasks/$NS/live" ]
}

@test "cleanup -q prints the IDs of its rows; -o json gives the rows as objects" {
        mkdir -p "$R/tasks/$NS/a" "$R/tasks/$NS/b" "$S/tasks/$NS/b"
        run --separate-stderr tc cleanup --dry-run -o json
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | jq -r '.[] | select(.id=="a") | .action')" = remove ]
        [ "$(echo "$output" | jq -r '.[] | select(.id=="b") | .action')" = "" ]
        run --separate-stderr tc cleanup -q
        [ "$status" -eq 0 ]
        [ "$output" = a ]
}

@test "cleanup --dry-run leaves the tree byte-for-byte unchanged and prints the real run's rows" {
        mkdir -p "$R/tasks/$NS/o1/x" "$R/tasks/$NS/o2" "$R/tasks/$NS/keep" \
                "$S/tasks/$NS/keep" "$R/tasks/$NS2/o3" "$R/tasks/$NS/.hidden"
        echo 1 > "$R/tasks/$NS/o1/x/f"
        before=$(snapshot)
        run --separate-stderr tc cleanup -A --dry-run
        [ "$status" -eq 0 ]
        dry=$(echo "$output" | tr -s ' ' | sort)
        [ "$(snapshot)" = "$before" ]
        run --separate-stderr tc cleanup -A
        [ "$status" -eq 0 ]
        real=$(echo "$output" | tr -s ' ' | sort)
        [ "$dry" = "$real" ]
        # and both are the rows this tree calls for (not only each other): no
        # row for the live task's work dir
        want=$( (row ACTION NAMESPACE ID DETAIL
                 row remove "$NS" o1 "no bundle"; row remove "$NS" o2 "no bundle"
                 row remove "$NS2" o3 "no bundle") | sort)
        [ "$real" = "$want" ]
        [ ! -e "$R/tasks/$NS2/o3" ]
}

@test "cleanup without -A stays in its namespace" {
        mkdir -p "$R/tasks/$NS/a" "$R/tasks/$NS2/b"
        run --separate-stderr tc -n "$NS2" cleanup
        [ "$status" -eq 0 ]
        [ -d "$R/tasks/$NS/a" ]
        [ ! -e "$R/tasks/$NS2/b" ]
}

@test "cleanup keeps hidden entries and skips names that are not task ids" {
        mkdir -p "$R/tasks/$NS/.ID" "$R/tasks/$NS/bad..name" "$R/tasks/.hiddenns/x"
        run --separate-stderr tc cleanup -A
        [ "$status" -eq 0 ]
        [ -d "$R/tasks/$NS/.ID" ]
        [ -d "$R/tasks/$NS/bad..name" ]
        [ -d "$R/tasks/.hiddenns/x" ]
        [[ "$(echo "$output" | tr -s ' ')" == *"skip $NS bad..name not a valid task id"* ]]
}

@test "cleanup --older-than removes only work dirs not modified for that long" {
        mkdir -p "$R/tasks/$NS/old" "$R/tasks/$NS/new"
        touch -d '3 hours ago' "$R/tasks/$NS/old"
        run --separate-stderr tc cleanup --older-than 1h
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/$NS/old" ]
        [ -d "$R/tasks/$NS/new" ]
        [ "$(echo "$output" | tr -s ' ')" = "$(printf 'ACTION NAMESPACE ID DETAIL\nremove %s old no bundle' "$NS")" ]
}

@test "cleanup --older-than rejects a malformed duration (exit 2, nothing touched)" {
        mkdir -p "$R/tasks/$NS/old"
        run --separate-stderr tc cleanup --older-than 3days
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = 'taskctl: cleanup: --older-than "3days": expected a duration such as 1h or 30m' ]
        [ -d "$R/tasks/$NS/old" ]
}

@test "trap: a work dir that is a symlink to a directory: the link goes, the canary stays" {
        mkdir -p "$BATS_TEST_TMPDIR/outside"
        echo canary > "$BATS_TEST_TMPDIR/outside/canary"
        ln -s "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/evil"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [[ "$(echo "$output" | tr -s ' ')" == *"remove $NS evil not a directory"* ]]
        [ ! -L "$R/tasks/$NS/evil" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
}

@test "trap: a symlink inside a work dir pointing outside: removed, never followed" {
        mkdir -p "$BATS_TEST_TMPDIR/outside/deep" "$R/tasks/$NS/w/sub"
        echo canary > "$BATS_TEST_TMPDIR/outside/deep/canary"
        ln -s "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/w/sub/link"
        ln -s "$BATS_TEST_TMPDIR/outside/deep/canary" "$R/tasks/$NS/w/filelink"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/$NS/w" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/deep/canary")" = canary ]
}

@test "trap: a bind mount inside a work dir stays mounted, is reported, exit 1" {
        mkdir -p "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/m/mnt"
        echo canary > "$BATS_TEST_TMPDIR/outside/canary"
        mount --bind "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/m/mnt"
        run --separate-stderr tc cleanup --dry-run
        [ "$status" -eq 1 ]
        dry=$output
        run --separate-stderr tc cleanup
        [ "$status" -eq 1 ]
        [ "$output" = "$dry" ]
        [[ "$(echo "$output" | tr -s ' ')" == *"left $NS m mount point inside, left in place: $R/tasks/$NS/m/mnt"* ]]
        [[ "$stderr" == *"taskctl: cleanup: 1 work dir could not be removed"* ]]
        mountpoint -q "$R/tasks/$NS/m/mnt"
        [ "$(cat "$R/tasks/$NS/m/mnt/canary")" = canary ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
        umount "$R/tasks/$NS/m/mnt"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/$NS/m" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
}

@test "cleanup skips a work dir whose task lock is held, naming the holder" {
        mkdir -p "$R/tasks/$NS/busy"
        hold_lock "$R/tasks/$NS/busy"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [[ "$(echo "$output" | tr -s ' ')" == *"skip $NS busy locked by pid $HOLDER"* ]]
        [ -d "$R/tasks/$NS/busy" ]
}

@test "cleanup with no root or no state directory at all" {
        run --separate-stderr "$TASKCTL" --root "$BATS_TEST_TMPDIR/nope" --state "$BATS_TEST_TMPDIR/nope2" \
                --config "$BATS_TEST_TMPDIR/none.json" cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$BATS_TEST_TMPDIR/nope" ]
        # no ROOT binding for this boot, no STATE: as after a reboot
        mkdir -p "$R/tasks/$NS/a"
        bind_roots "$R" "$S" 00000000-0000-0000-0000-000000000000
        rm -rf "$S"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/$NS/a" ]
}

@test "cleanup after a reboot (binding of another boot, STATE gone) removes every orphan work dir" {
        mkdir -p "$R/tasks/$NS/o1/x" "$R/tasks/$NS/o2" "$R/tasks/$NS2/o3"
        bind_roots "$R" "$S" 00000000-0000-0000-0000-000000000000
        rm -rf "$S"
        run --separate-stderr tc cleanup -A
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | grep -c '^remove ')" -eq 3 ]
        [ "$(find "$R/tasks" -mindepth 2 | wc -l)" -eq 0 ]
}

@test "cleanup with a STATE missing in the boot it was bound in (PrivateTmp-style): exit 5, nothing removed" {
        mkdir -p "$R/tasks/$NS/live"
        mv "$S" "$BATS_TEST_TMPDIR/hidden-state"
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [ "$output" = "" ]
        [ "$stderr" = "taskctl: cleanup: STATE $S of ROOT $R is missing, but it was made in this boot (no reboot since): it is hidden from this process (systemd PrivateTmp=yes?) or was removed; run where STATE is visible" ]
        [ -d "$R/tasks/$NS/live" ]
        # a STATE made anew at the same path (an empty private /tmp) is not the bound one either
        mkdir -p "$S/tasks/$NS"
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [[ "$stderr" == *"STATE $S is not the one ROOT $R was bound to in this boot"* ]]
        [ -d "$R/tasks/$NS/live" ]
}

@test "cleanup with the wrong --state: exit 5 naming both directories and the fix, nothing removed" {
        mkdir -p "$R/tasks/$NS/live" "$S/tasks/$NS/live" "$BATS_TEST_TMPDIR/other/tasks/$NS"
        run --separate-stderr "$TASKCTL" --root "$R" --state "$BATS_TEST_TMPDIR/other" \
                --config "$BATS_TEST_TMPDIR/none.json" cleanup --dry-run
        [ "$status" -eq 5 ]
        [ "$stderr" = "taskctl: cleanup: ROOT $R is bound to STATE $S in this boot, not $BATS_TEST_TMPDIR/other: pass --state $S (or the --root that goes with $BATS_TEST_TMPDIR/other)" ]
        run --separate-stderr "$TASKCTL" --root "$R" --state "$BATS_TEST_TMPDIR/other" \
                --config "$BATS_TEST_TMPDIR/none.json" cleanup
        [ "$status" -eq 5 ]
        [ "$output" = "" ]
        [ -d "$R/tasks/$NS/live" ]
        # a STATE bound to another ROOT is refused the same way
        mkdir -p "$BATS_TEST_TMPDIR/root2/tasks/$NS/live"
        run --separate-stderr "$TASKCTL" --root "$BATS_TEST_TMPDIR/root2" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" cleanup
        [ "$status" -eq 5 ]
        [[ "$stderr" == *"STATE $S is bound to ROOT $R in this boot, not $BATS_TEST_TMPDIR/root2: pass --root $R"* ]]
}

@test "cleanup on a ROOT an older taskctl made (no binding): adopted only on proof, refused otherwise" {
        rm "$R/binding.json" "$S/binding.json"
        mkdir -p "$R/tasks/$NS/orphan" "$R/tasks/$NS/live" "$S/tasks/$NS/live"
        # no bundle shows that STATE belongs to ROOT: a wrong --state cannot be ruled out
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [[ "$stderr" == *"ROOT $R has work dirs but no STATE recorded for it"* ]]
        [ -d "$R/tasks/$NS/orphan" ]
        # a bundle whose work link names this ROOT's work dir is the proof: the pair is recorded
        ln -s "$R/tasks/$NS/live" "$S/tasks/$NS/live/work"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | grep -c '^remove ')" -eq 1 ]
        [ ! -e "$R/tasks/$NS/orphan" ]
        [ -d "$R/tasks/$NS/live" ]
        [ "$(jq -r .state "$R/binding.json")" = "$S" ]
        [ "$(jq -r .token "$R/binding.json")" = "$(jq -r .token "$S/binding.json")" ]
        [ "$(stat -c %a "$R/binding.json")" = 600 ]
}

@test "cleanup refuses a STATE directory writable by others (exit 5), nothing removed" {
        mkdir -p "$R/tasks/$NS/orphan" "$S/tasks/$NS/b"
        chmod 0777 "$S/tasks/$NS/b"
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [[ "$stderr" == *"$S/tasks/$NS/b is writable by its group or others (mode 0777): nothing in it is trusted (chmod go-w it)"* ]]
        [ -d "$R/tasks/$NS/orphan" ]
        chmod 0700 "$S/tasks/$NS/b"
        chmod 0757 "$S"
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [ -d "$R/tasks/$NS/orphan" ]
        chmod 0711 "$S"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/$NS/orphan" ]
}
