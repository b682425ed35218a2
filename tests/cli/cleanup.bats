#!/usr/bin/env bats
# taskctl cleanup: orphan work dirs, built by hand on disk (the real-shim
# cases are in load.bats and concurrency.bats).
load helpers

setup() {
        setup_common
        R=$BATS_TEST_TMPDIR/root
        S=$BATS_TEST_TMPDIR/state
        mkdir -p "$R/tasks/default" "$S/tasks/default"
        bind_roots "$R" "$S"
}

teardown() {
        kill_tracked
        # a test that failed half-way may leave its bind mount behind
        if mountpoint -q "$R/tasks/default/m/mnt" 2>/dev/null; then umount "$R/tasks/default/m/mnt"; fi
}

# snapshot of the tree: paths, types, modes, mtimes, link targets
snapshot() {
        find "$R" "$S" -printf '%p %y %m %T@ %l\n' | sort
}

@test "cleanup removes work dirs without a bundle and keeps the others" {
        mkdir -p "$R/tasks/default/orphan/sub" "$R/tasks/default/live" "$S/tasks/default/live"
        echo data > "$R/tasks/default/orphan/sub/file"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "ACTION     NAMESPACE      ID                         DETAIL" ]
        [[ "$output" == *"remove     default        orphan                     no bundle"* ]]
        [[ "$output" == *"keep       default        live                       task has a bundle"* ]]
        [ ! -e "$R/tasks/default/orphan" ]
        [ -d "$R/tasks/default/live" ]
}

@test "cleanup -q prints only the removed IDs; -o json gives the rows as objects" {
        mkdir -p "$R/tasks/default/a" "$R/tasks/default/b" "$S/tasks/default/b"
        run --separate-stderr tc cleanup --dry-run -o json
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | jq -r '.[] | select(.id=="a") | .action')" = remove ]
        [ "$(echo "$output" | jq -r '.[] | select(.id=="b") | .action')" = keep ]
        run --separate-stderr tc cleanup -q
        [ "$status" -eq 0 ]
        [ "$output" = a ]
}

@test "cleanup --dry-run leaves the tree byte-for-byte unchanged and prints the real run's rows" {
        mkdir -p "$R/tasks/default/o1/x" "$R/tasks/default/o2" "$R/tasks/default/keep" \
                "$S/tasks/default/keep" "$R/tasks/other/o3" "$R/tasks/default/.hidden"
        echo 1 > "$R/tasks/default/o1/x/f"
        before=$(snapshot)
        run --separate-stderr tc cleanup -A --dry-run
        [ "$status" -eq 0 ]
        dry=$(echo "$output" | sort)
        [ "$(snapshot)" = "$before" ]
        run --separate-stderr tc cleanup -A
        [ "$status" -eq 0 ]
        real=$(echo "$output" | sort)
        [ "$dry" = "$real" ]
        [ ! -e "$R/tasks/other/o3" ]
}

@test "cleanup without -A stays in its namespace" {
        mkdir -p "$R/tasks/default/a" "$R/tasks/other/b"
        run --separate-stderr tc -n other cleanup
        [ "$status" -eq 0 ]
        [ -d "$R/tasks/default/a" ]
        [ ! -e "$R/tasks/other/b" ]
}

@test "cleanup keeps hidden entries and skips names that are not task ids" {
        mkdir -p "$R/tasks/default/.ID" "$R/tasks/default/bad..name" "$R/tasks/.hiddenns/x"
        run --separate-stderr tc cleanup -A
        [ "$status" -eq 0 ]
        [ -d "$R/tasks/default/.ID" ]
        [ -d "$R/tasks/default/bad..name" ]
        [ -d "$R/tasks/.hiddenns/x" ]
        [[ "$output" == *"skip       default        bad..name                  not a valid task id"* ]]
}

@test "cleanup --older-than removes only work dirs not modified for that long" {
        mkdir -p "$R/tasks/default/old" "$R/tasks/default/new"
        touch -d '3 hours ago' "$R/tasks/default/old"
        run --separate-stderr tc cleanup --older-than 1h
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/default/old" ]
        [ -d "$R/tasks/default/new" ]
        [[ "$output" == *"keep       default        new                        modified recently"* ]]
}

@test "cleanup --older-than rejects a malformed duration (exit 2, nothing touched)" {
        mkdir -p "$R/tasks/default/old"
        run --separate-stderr tc cleanup --older-than 3days
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = 'taskctl: cleanup: --older-than "3days": expected a duration such as 1h or 30m' ]
        [ -d "$R/tasks/default/old" ]
}

@test "trap: a work dir that is a symlink to a directory: the link goes, the canary stays" {
        mkdir -p "$BATS_TEST_TMPDIR/outside"
        echo canary > "$BATS_TEST_TMPDIR/outside/canary"
        ln -s "$BATS_TEST_TMPDIR/outside" "$R/tasks/default/evil"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [[ "$output" == *"remove     default        evil                       not a directory"* ]]
        [ ! -L "$R/tasks/default/evil" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
}

@test "trap: a symlink inside a work dir pointing outside: removed, never followed" {
        mkdir -p "$BATS_TEST_TMPDIR/outside/deep" "$R/tasks/default/w/sub"
        echo canary > "$BATS_TEST_TMPDIR/outside/deep/canary"
        ln -s "$BATS_TEST_TMPDIR/outside" "$R/tasks/default/w/sub/link"
        ln -s "$BATS_TEST_TMPDIR/outside/deep/canary" "$R/tasks/default/w/filelink"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/default/w" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/deep/canary")" = canary ]
}

@test "trap: a bind mount inside a work dir stays mounted, is reported, exit 1" {
        mkdir -p "$BATS_TEST_TMPDIR/outside" "$R/tasks/default/m/mnt"
        echo canary > "$BATS_TEST_TMPDIR/outside/canary"
        mount --bind "$BATS_TEST_TMPDIR/outside" "$R/tasks/default/m/mnt"
        run --separate-stderr tc cleanup --dry-run
        [ "$status" -eq 1 ]
        dry=$output
        run --separate-stderr tc cleanup
        [ "$status" -eq 1 ]
        [ "$output" = "$dry" ]
        [[ "$output" == *"left       default        m                          mount point inside, left in place: $R/tasks/default/m/mnt"* ]]
        [[ "$stderr" == *"taskctl: cleanup: 1 work dir could not be removed"* ]]
        mountpoint -q "$R/tasks/default/m/mnt"
        [ "$(cat "$R/tasks/default/m/mnt/canary")" = canary ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
        umount "$R/tasks/default/m/mnt"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/default/m" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
}

@test "cleanup skips a work dir whose task lock is held, naming the holder" {
        mkdir -p "$R/tasks/default/busy"
        hold_lock "$R/tasks/default/busy"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [[ "$output" == *"skip       default        busy                       locked by pid $HOLDER"* ]]
        [ -d "$R/tasks/default/busy" ]
}

@test "cleanup with no root or no state directory at all" {
        run --separate-stderr "$TASKCTL" --root "$BATS_TEST_TMPDIR/nope" --state "$BATS_TEST_TMPDIR/nope2" \
                --config "$BATS_TEST_TMPDIR/none.json" cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$BATS_TEST_TMPDIR/nope" ]
        # no ROOT binding for this boot, no STATE: as after a reboot
        mkdir -p "$R/tasks/default/a"
        bind_roots "$R" "$S" 00000000-0000-0000-0000-000000000000
        rm -rf "$S"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/default/a" ]
}

@test "cleanup after a reboot (binding of another boot, STATE gone) removes every orphan work dir" {
        mkdir -p "$R/tasks/default/o1/x" "$R/tasks/default/o2" "$R/tasks/other/o3"
        bind_roots "$R" "$S" 00000000-0000-0000-0000-000000000000
        rm -rf "$S"
        run --separate-stderr tc cleanup -A
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | grep -c '^remove ')" -eq 3 ]
        [ "$(find "$R/tasks" -mindepth 2 | wc -l)" -eq 0 ]
}

@test "cleanup with a STATE missing in the boot it was bound in (PrivateTmp-style): exit 5, nothing removed" {
        mkdir -p "$R/tasks/default/live"
        mv "$S" "$BATS_TEST_TMPDIR/hidden-state"
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [ "$output" = "" ]
        [ "$stderr" = "taskctl: cleanup: STATE $S of ROOT $R is missing, but it was made in this boot (no reboot since): it is hidden from this process (systemd PrivateTmp=yes?) or was removed; run where STATE is visible" ]
        [ -d "$R/tasks/default/live" ]
        # a STATE made anew at the same path (an empty private /tmp) is not the bound one either
        mkdir -p "$S/tasks/default"
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [[ "$stderr" == *"STATE $S is not the one ROOT $R was bound to in this boot"* ]]
        [ -d "$R/tasks/default/live" ]
}

@test "cleanup with the wrong --state: exit 5 naming both directories and the fix, nothing removed" {
        mkdir -p "$R/tasks/default/live" "$S/tasks/default/live" "$BATS_TEST_TMPDIR/other/tasks/default"
        run --separate-stderr "$TASKCTL" --root "$R" --state "$BATS_TEST_TMPDIR/other" \
                --config "$BATS_TEST_TMPDIR/none.json" cleanup --dry-run
        [ "$status" -eq 5 ]
        [ "$stderr" = "taskctl: cleanup: ROOT $R is bound to STATE $S in this boot, not $BATS_TEST_TMPDIR/other: pass --state $S (or the --root that goes with $BATS_TEST_TMPDIR/other)" ]
        run --separate-stderr "$TASKCTL" --root "$R" --state "$BATS_TEST_TMPDIR/other" \
                --config "$BATS_TEST_TMPDIR/none.json" cleanup
        [ "$status" -eq 5 ]
        [ "$output" = "" ]
        [ -d "$R/tasks/default/live" ]
        # a STATE bound to another ROOT is refused the same way
        mkdir -p "$BATS_TEST_TMPDIR/root2/tasks/default/live"
        run --separate-stderr "$TASKCTL" --root "$BATS_TEST_TMPDIR/root2" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" cleanup
        [ "$status" -eq 5 ]
        [[ "$stderr" == *"STATE $S is bound to ROOT $R in this boot, not $BATS_TEST_TMPDIR/root2: pass --root $R"* ]]
}

@test "cleanup on a ROOT an older taskctl made (no binding): adopted only on proof, refused otherwise" {
        rm "$R/binding.json" "$S/binding.json"
        mkdir -p "$R/tasks/default/orphan" "$R/tasks/default/live" "$S/tasks/default/live"
        # no bundle shows that STATE belongs to ROOT: a wrong --state cannot be ruled out
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [[ "$stderr" == *"ROOT $R has work dirs but no STATE recorded for it"* ]]
        [ -d "$R/tasks/default/orphan" ]
        # a bundle whose work link names this ROOT's work dir is the proof: the pair is recorded
        ln -s "$R/tasks/default/live" "$S/tasks/default/live/work"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | grep -c '^remove ')" -eq 1 ]
        [ ! -e "$R/tasks/default/orphan" ]
        [ -d "$R/tasks/default/live" ]
        [ "$(jq -r .state "$R/binding.json")" = "$S" ]
        [ "$(jq -r .token "$R/binding.json")" = "$(jq -r .token "$S/binding.json")" ]
        [ "$(stat -c %a "$R/binding.json")" = 600 ]
}

@test "cleanup refuses a STATE directory writable by others (exit 5), nothing removed" {
        mkdir -p "$R/tasks/default/orphan" "$S/tasks/default/b"
        chmod 0777 "$S/tasks/default/b"
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [[ "$stderr" == *"$S/tasks/default/b is owned by uid 0 with mode 0777: STATE and its directories must be owned by uid 0 and writable by nobody else"* ]]
        [ -d "$R/tasks/default/orphan" ]
        chmod 0700 "$S/tasks/default/b"
        chmod 0757 "$S"
        run --separate-stderr tc cleanup
        [ "$status" -eq 5 ]
        [ -d "$R/tasks/default/orphan" ]
        chmod 0711 "$S"
        run --separate-stderr tc cleanup
        [ "$status" -eq 0 ]
        [ ! -e "$R/tasks/default/orphan" ]
}
