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
        end_tasks
        kill_tracked
        if mountpoint -q "$BATS_TEST_TMPDIR/fs" 2>/dev/null; then umount "$BATS_TEST_TMPDIR/fs"; fi
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

# Every shim of task ID in our namespace, by its command line.
shims_of() {
        local p
        for p in /proc/[0-9]*; do
                tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -q -- "-namespace $NS -id $1 -address " &&
                        echo "${p#/proc/}"
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
