#!/usr/bin/env bats
# taskctl load: every case built on disk by hand and with the real
# containerd-shim-runc-v2 and runc (tasks run `sleep 300` on a busybox rootfs
# bind-mounted with --rootfs). Every process a test starts is ended by its PID
# in teardown (realtask.bash: end_tasks, helpers.bash: kill_tracked).
load helpers
load realtask


setup() {
        setup_common
        realtask_setup ld
        mkdir -p "$R/tasks/$NS" "$S/tasks/$NS"
        bind_roots "$R" "$S"
        BB=$(busybox_rootfs)
}

teardown() {
        kill_tracked
        end_tasks
        teardown_checks
}

# One table row as load prints it.
row() { printf '%s %s %s %s\n' "$1" "$2" "$3" "$4"; } # columns fitted: compared squeezed

# The rows of the last `run` (the table without its header), sorted.
rows() { echo "$output" | tail -n +2 | sed '/^$/d' | tr -s ' ' | sort; }

# check_rows "ACTION|NS|ID|DETAIL"...: the last run printed exactly these rows.
check_rows() {
        local a x n i d got want
        got=$(rows)
        want=$(for a in "$@"; do IFS='|' read -r x n i d <<<"$a"; row "$x" "$n" "$i" "$d"; done | sort)
        if [ "$got" != "$want" ]; then
                echo "rows:"; echo "$got"; echo "expected:"; echo "$want"
                return 1
        fi
}

# No mount point left anywhere under the state dir.
no_mounts_under_state() {
        local m
        m=$(awk -v d="$S/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo)
        [ -z "$m" ] || { echo "still mounted: $m"; return 1; }
}

@test "load: an empty bundle is removed, with its work dir or without one (by hand)" {
        mkdir -p "$S/tasks/$NS/e" "$R/tasks/$NS/e" "$S/tasks/$NS/e2"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        [ "$(tr -s ' ' <<<"${lines[0]}")" = "ACTION NAMESPACE ID DETAIL" ]
        check_rows "remove|$NS|e|empty bundle" "remove|$NS|e2|empty bundle"
        tree_is "$S/tasks/$NS"
        # e2 had no work dir: the one load locked it with does not stay either
        tree_is "$R/tasks/$NS"
}

@test "load: a real task whose container record is gone: shim deletes and exits, container gone, rootfs unmounted, bundle and work dir removed" {
        start_task web
        shim=$(task_field web .shim_pid)
        init=$(task_field web .pid)
        mountpoint -q "$S/tasks/$NS/web/rootfs"
        proc_alive "$shim"
        proc_alive "$init"
        rm "$R/containers/$NS/web.json"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        check_rows "remove|$NS|web|no container record"
        wait_gone "$init"
        wait_gone "$shim"
        no_mounts_under_state
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"
        [ -x "$BB/bin/busybox" ] # the --rootfs source is only unmounted
        runc_state_gone web
        run --separate-stderr tc get web
        [ "$status" -eq 3 ]
}

@test "load: a bundle whose work link points outside ROOT: exit 5 before anything changes, the link never followed" {
        mkdir -p "$S/tasks/$NS/nr/rootfs" "$R/tasks/$NS/nr/sub" "$BATS_TEST_TMPDIR/outside"
        echo '{}' > "$S/tasks/$NS/nr/config.json"
        echo canary > "$BATS_TEST_TMPDIR/outside/canary"
        ln -s "$BATS_TEST_TMPDIR/outside" "$S/tasks/$NS/nr/work"
        ln -s "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/nr/sub/link"
        before=$(find "$S" "$R" -printf '%p %y %m %l\n' | sort)
        run --separate-stderr tc load
        [ "$status" -eq 5 ]
        [ "$output" = "" ]
        [[ "$stderr" == *"bundle $S/tasks/$NS/nr links work dir $BATS_TEST_TMPDIR/outside, not one in ROOT $R: pass the --root its tasks were created with"* ]]
        [ "$(find "$S" "$R" -printf '%p %y %m %l\n' | sort)" = "$before" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
        # once the link names this ROOT's work dir, the bundle is removed and the link never followed
        rm "$S/tasks/$NS/nr/work"
        ln -s "$R/tasks/$NS/nr" "$S/tasks/$NS/nr/work"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "remove|$NS|nr|no container record"
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
}

@test "load: a real shim killed with SIGKILL: row cleanup, the container it left is killed, bundle removed, exit event with a null status" {
        start_task web
        shim=$(task_field web .shim_pid)
        init=$(task_field web .pid)
        kill -KILL "$shim"
        wait_gone "$shim"
        proc_alive "$init" # the container outlives its shim
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        check_rows "cleanup|$NS|web|shim dead"
        wait_gone "$init" # killed by the shim binary's delete action
        runc_state_gone web
        no_mounts_under_state
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"
        run --separate-stderr tc events -o json
        [ "$status" -eq 0 ]
        ex=$(echo "$output" | jq -c 'select(.topic == "/tasks/exit" and .id == "web")')
        [ "$(echo "$ex" | jq -r .exit_status)" = null ]
        [ "$(echo "$ex" | jq -r .pid)" = "$init" ]
        [ "$(echo "$ex" | jq -r .detail)" = "shim dead: exit status unknown" ]
        [ "$(echo "$output" | jq -r 'select(.topic == "/tasks/delete" and .id == "web") | .exit_status')" = null ]
        # the container record stays (the man page: load removes tasks, not containers)
        run --separate-stderr tc containers get web
        [ "$status" -eq 0 ]
}

@test "load: a dead shim built by hand (address answers nothing, no binary): cleanup, event, rootfs unmounted by load itself, bundle removed" {
        tc containers create d --spec "$(task_spec)"
        mkdir -p "$S/tasks/$NS/d/rootfs" "$R/tasks/$NS/d"
        echo '{}' > "$S/tasks/$NS/d/config.json"
        echo "unix://$BATS_TEST_TMPDIR/no-such.sock" > "$S/tasks/$NS/d/address"
        echo 4242 > "$S/tasks/$NS/d/init.pid"
        # the --rootfs bind mount, which no shim (and no shim binary: none is
        # recorded) will unmount: taskctl's own unmount is all there is
        mount --bind "$BB" "$S/tasks/$NS/d/rootfs"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        check_rows "cleanup|$NS|d|shim dead"
        no_mounts_under_state
        [ -x "$BB/bin/busybox" ]
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"
        run -0 --separate-stderr tc events -o json
        [ "$(echo "$output" | jq -r 'select(.topic == "/tasks/exit" and .id == "d") | "\(.pid) \(.exit_status)"')" = "4242 null" ]
}

@test "load with the wrong --root: exit 5 naming both directories, the live task untouched" {
        start_task web
        shim=$(task_field web .shim_pid)
        init=$(task_field web .pid)
        mkdir -p "$BATS_TEST_TMPDIR/root2"
        run --separate-stderr "$TASKCTL" --root "$BATS_TEST_TMPDIR/root2" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" load
        [ "$status" -eq 5 ]
        [ "$output" = "" ]
        [ "$stderr" = "taskctl: load: STATE $S is bound to ROOT $R in this boot, not $BATS_TEST_TMPDIR/root2: pass --root $R (or the --state that goes with $BATS_TEST_TMPDIR/root2)" ]
        proc_alive "$shim"
        proc_alive "$init"
        [ -f "$S/tasks/$NS/web/config.json" ]
        st=$(task_field web .status)
        [ "$st" = running ]
        # without STATE's binding, the bundle's work link still tells
        rm "$S/binding.json"
        run --separate-stderr "$TASKCTL" --root "$BATS_TEST_TMPDIR/root2" --state "$S" \
                --config "$BATS_TEST_TMPDIR/none.json" load
        [ "$status" -eq 5 ]
        [[ "$stderr" == *"links work dir $R/tasks/$NS/web, not one in ROOT $BATS_TEST_TMPDIR/root2"* ]]
        st=$(task_field web .status)
        [ "$st" = running ]
}

@test "load: a work dir that is a symlink is removed as a link, never followed" {
        mkdir -p "$BATS_TEST_TMPDIR/outside"
        echo canary > "$BATS_TEST_TMPDIR/outside/canary"
        ln -s "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/lnk"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "remove|$NS|lnk|not a directory"
        [ ! -L "$R/tasks/$NS/lnk" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
}

@test "load: a stopped shim (SIGSTOP) that does not answer in time is skipped and never killed; exit 1" {
        start_task web
        shim=$(task_field web .shim_pid)
        init=$(task_field web .pid)
        kill -STOP "$shim"
        run --separate-stderr tc --timeout 1 load
        kill -CONT "$shim"
        [ "$status" -eq 1 ]
        check_rows "skip|$NS|web|shim pid $shim not answering: left for the next run"
        proc_alive "$shim"
        proc_alive "$init"
        [ -f "$S/tasks/$NS/web/config.json" ]
        [ -d "$R/tasks/$NS/web" ]
        st=$(task_field web .status)
        [ "$st" = running ]
        got_pid=$(task_field web .pid)
        [ "$got_pid" = "$init" ]
}

# A bundle whose shim is gone, with shim.pid naming DECOY (one bundle "d").
decoy_bundle() {
        tc containers get d >/dev/null 2>&1 || tc containers create d --spec "$(task_spec)" || return 1
        mkdir -p "$S/tasks/$NS/d/rootfs" "$R/tasks/$NS/d"
        echo '{}' > "$S/tasks/$NS/d/config.json"
        ln -s "$R/tasks/$NS/d" "$S/tasks/$NS/d/work"
        echo "unix://$BATS_TEST_TMPDIR/no-such.sock" > "$S/tasks/$NS/d/address"
        echo "$1" > "$S/tasks/$NS/d/shim.pid"
}

# A process whose command line carries ARGS (as a shim's -namespace/-id/-address).
start_decoy() {
        perl -e 'sleep 300' -- "$@" </dev/null >/dev/null 2>&1 3>&- &
        DECOY=$!
        track_pid "$DECOY"
}

@test "load: a stale shim.pid naming a process with our -namespace and -id but another -address: never signalled" {
        start_decoy -namespace "$NS" -id d -address /run/containerd/containerd.sock
        decoy_bundle "$DECOY"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "cleanup|$NS|d|shim dead"
        proc_alive "$DECOY"
        tree_is "$S/tasks/$NS"
}

@test "load: a stale shim.pid naming a process with our address but another start time: never signalled" {
        start_decoy -namespace "$NS" -id d -address "$S/taskctl.sock"
        decoy_bundle "$DECOY"
        echo 1 > "$S/tasks/$NS/d/shim.start"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "cleanup|$NS|d|shim dead"
        proc_alive "$DECOY"
        tree_is "$S/tasks/$NS"
        # with its real start time it is proven to be our shim: alive, so not dead, and left
        decoy_bundle "$DECOY"
        proc_start_time "$DECOY" > "$S/tasks/$NS/d/shim.start"
        run --separate-stderr tc load
        [ "$status" -eq 1 ]
        check_rows "skip|$NS|d|shim pid $DECOY not answering: left for the next run"
        proc_alive "$DECOY"
        [ -f "$S/tasks/$NS/d/shim.pid" ]
}

@test "load: a live task is kept and loaded: still running afterwards, get works, a second load says the same" {
        start_task web
        shim=$(task_field web .shim_pid)
        init=$(task_field web .pid)
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        check_rows "load|$NS|web|shim pid $shim"
        got=$(task_field web .status)
        [ "$got" = running ]
        got=$(task_field web .pid)
        [ "$got" = "$init" ]
        [ -f "$S/tasks/$NS/web/config.json" ]
        [ -d "$R/tasks/$NS/web" ]
        mountpoint -q "$S/tasks/$NS/web/rootfs"
        run --separate-stderr tc load -q
        [ "$status" -eq 0 ]
        [ "$output" = web ]
        proc_alive "$init"
        proc_alive "$shim"
}

@test "load: work dirs without a task are removed; hidden and invalid names are kept" {
        mkdir -p "$R/tasks/$NS/orphan/sub" "$R/tasks/$NS/.foo" "$R/tasks/$NS/bad..id" \
                "$S/tasks/$NS/.x..y" "$S/tasks/.hidden/web" "$R/tasks/.hidden/web"
        echo data > "$R/tasks/$NS/orphan/sub/f"
        echo keep > "$R/tasks/$NS/.foo/f"
        echo keep > "$S/tasks/$NS/.x..y/f"
        run --separate-stderr tc load -A
        [ "$status" -eq 0 ]
        check_rows "remove|$NS|orphan|work dir without a task"
        tree_is "$R/tasks/$NS" .foo .foo/f bad..id
        tree_is "$S/tasks/$NS" .x..y .x..y/f
        [ -d "$S/tasks/.hidden/web" ]
        [ -d "$R/tasks/.hidden/web" ]
}

@test "load: a half-deleted .ID bundle (by hand, rootfs still mounted) is finished: unmounted, removed with both work dirs" {
        mkdir -p "$S/tasks/$NS/.gone/rootfs" "$R/tasks/$NS/gone/x" "$R/tasks/$NS/.gone"
        echo '{}' > "$S/tasks/$NS/.gone/config.json"
        echo x > "$R/tasks/$NS/gone/x/f"
        mount --bind "$BB" "$S/tasks/$NS/.gone/rootfs"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "remove|$NS|.gone|half-deleted bundle"
        no_mounts_under_state
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"
        [ -x "$BB/bin/busybox" ]
}

@test "load: a real task's delete interrupted after the rename to .ID is finished; a newer live task of the same ID is kept" {
        start_task half
        shim=$(task_field half .shim_pid)
        # what delete does before it renames: stop the task, the shim's Delete
        # (runc delete), the shim gone with its socket; the rootfs is still
        # mounted (the shim that would have unmounted it was killed)
        tc kill half --signal KILL
        run -0 tc wait half
        [ "$output" = 137 ]
        [ -d "$RUNC_ROOT/$NS/half" ]
        runc --root "$RUNC_ROOT/$NS" delete --force half
        runc_state_gone half
        sock=$(cat "$S/tasks/$NS/half/address")
        kill -KILL "$shim"
        wait_gone "$shim"
        rm "${sock#unix://}"
        mv "$S/tasks/$NS/half" "$S/tasks/$NS/.half"
        mountpoint -q "$S/tasks/$NS/.half/rootfs"
        # an older incarnation's leftover next to a live task
        start_task web
        mkdir -p "$S/tasks/$NS/.web/rootfs"
        echo '{}' > "$S/tasks/$NS/.web/config.json"
        wshim=$(task_field web .shim_pid)
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "remove|$NS|.half|half-deleted bundle" \
                "remove|$NS|.web|half-deleted bundle" \
                "load|$NS|web|shim pid $wshim"
        [ ! -e "$S/tasks/$NS/.half" ]
        [ ! -e "$S/tasks/$NS/.web" ]
        [ ! -e "$R/tasks/$NS/half" ]
        [ -d "$R/tasks/$NS/web" ]
        got=$(task_field web .status)
        [ "$got" = running ]
        run -0 awk -v d="$S/tasks/$NS/.half" 'index($5, d) == 1' /proc/self/mountinfo
        [ -z "$output" ]
}

@test "load: without -A only the current namespace; -A visits every namespace" {
        start_task web "$NS2"
        oshim=$(task_field web .shim_pid "$NS2")
        mkdir -p "$S/tasks/$NS/e" "$R/tasks/$NS/o" "$S/tasks/$NS2/e2" "$R/tasks/$NS2/o2"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "remove|$NS|e|empty bundle" "remove|$NS|o|work dir without a task"
        [ -d "$S/tasks/$NS2/e2" ]
        [ -d "$R/tasks/$NS2/o2" ]
        run --separate-stderr tc -n "$NS2" load --dry-run
        [ "$status" -eq 0 ]
        check_rows "load|$NS2|web|shim pid $oshim" "remove|$NS2|e2|empty bundle" \
                "remove|$NS2|o2|work dir without a task"
        [ -d "$S/tasks/$NS2/e2" ]
        run --separate-stderr tc load -A
        [ "$status" -eq 0 ]
        check_rows "load|$NS2|web|shim pid $oshim" "remove|$NS2|e2|empty bundle" \
                "remove|$NS2|o2|work dir without a task"
        [ ! -e "$S/tasks/$NS2/e2" ]
        [ ! -e "$R/tasks/$NS2/o2" ]
        [ -d "$R/tasks/$NS2/web" ]
        got=$(task_field web .status "$NS2")
        [ "$got" = running ]
}

@test "load --dry-run: the tree stays byte-for-byte the same, and its rows are exactly the real run's" {
        start_task live
        start_task dead
        start_task norec
        start_task web "$NS2"
        lshim=$(task_field live .shim_pid)
        oshim=$(task_field web .shim_pid "$NS2")
        dshim=$(task_field dead .shim_pid)
        dinit=$(task_field dead .pid)
        ninit=$(task_field norec .pid)
        kill -KILL "$dshim"
        wait_gone "$dshim"
        rm "$R/containers/$NS/norec.json"
        mkdir -p "$S/tasks/$NS/e" "$R/tasks/$NS/orphan/x" "$S/tasks/$NS/.half/rootfs" \
                "$R/tasks/$NS/half" "$S/tasks/$NS2/e2" "$R/tasks/$NS2/o2"
        echo '{}' > "$S/tasks/$NS/.half/config.json"
        echo x > "$R/tasks/$NS/orphan/x/f"
        before=$(snapshot)
        run --separate-stderr tc load -A --dry-run
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        dry=$(rows)
        [ "$(snapshot)" = "$before" ]
        proc_alive "$dinit" # nothing was stopped
        proc_alive "$ninit"
        run -0 --separate-stderr tc load -A --dry-run -o json
        dry_json=$(echo "$output" | jq -c 'sort_by(.namespace, .id)')
        [ "$(snapshot)" = "$before" ]
        run --separate-stderr tc load -A
        [ "$status" -eq 0 ]
        [ "$(rows)" = "$dry" ]
        # the rows this tree calls for, which both runs printed
        want=("load|$NS|live|shim pid $lshim" "cleanup|$NS|dead|shim dead"
              "remove|$NS|norec|no container record" "remove|$NS|e|empty bundle"
              "remove|$NS|.half|half-deleted bundle" "remove|$NS|orphan|work dir without a task"
              "load|$NS2|web|shim pid $oshim" "remove|$NS2|e2|empty bundle"
              "remove|$NS2|o2|work dir without a task")
        check_rows "${want[@]}"
        [ "$(snapshot)" != "$before" ]
        # the JSON rows of the dry run: the same expected rows, field by field
        got=$(echo "$dry_json" | jq -r '.[] | "\(.action)|\(.namespace)|\(.id)|\(.detail)"' | sort)
        [ "$got" = "$(printf '%s\n' "${want[@]}" | sort)" ]
        wait_gone "$dinit"
        wait_gone "$ninit"
}

@test "load: a bundle whose task lock is held is skipped and left untouched, in the dry and the real run" {
        # an empty bundle (would be removed) and a real task with a dead shim (would be cleaned up)
        mkdir -p "$S/tasks/$NS/busy" "$R/tasks/$NS/busy"
        start_task held
        shim=$(task_field held .shim_pid)
        init=$(task_field held .pid)
        kill -KILL "$shim"
        wait_gone "$shim"
        hold_lock "$R/tasks/$NS/busy"
        h1=$HOLDER
        hold_lock "$R/tasks/$NS/held"
        h2=$HOLDER
        before=$(snapshot)
        run --separate-stderr tc load --dry-run
        [ "$status" -eq 0 ]
        check_rows "skip|$NS|busy|locked by pid $h1" "skip|$NS|held|locked by pid $h2"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        check_rows "skip|$NS|busy|locked by pid $h1" "skip|$NS|held|locked by pid $h2"
        [ "$(snapshot)" = "$before" ]
        proc_alive "$init"
        # once the holders are gone, the next load does the work
        kill_tracked
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "remove|$NS|busy|empty bundle" "cleanup|$NS|held|shim dead"
        wait_gone "$init"
        tree_is "$S/tasks/$NS"
        tree_is "$R/tasks/$NS"
}

@test "load: a corrupt container record is reported on stderr and its live task left alone; the rest is processed; exit 1" {
        start_task bad
        init=$(task_field bad .pid)
        echo '{corrupt' > "$R/containers/$NS/bad.json"
        mkdir -p "$S/tasks/$NS/e" "$R/tasks/$NS/o"
        # (not the mtimes of the shim's and runc's logs: they write them when they like)
        bad_tree() {
                find "$S/tasks/$NS/bad" "$R/tasks/$NS/bad" -printf '%p %y %m %T@ %l\n' |
                        awk '$1 ~ /\/log(\.json)?$/ { $4 = "-" } { print }' | sort
        }
        bad_before=$(bad_tree)
        msg="container record: containers/$NS/bad.json: corrupt record: invalid JSON at byte 2"
        run --separate-stderr tc load --dry-run
        [ "$status" -eq 1 ]
        dry=$(rows)
        run --separate-stderr tc load
        [ "$status" -eq 1 ]
        [ "$(rows)" = "$dry" ]
        check_rows "error|$NS|bad|$msg" "remove|$NS|e|empty bundle" \
                "remove|$NS|o|work dir without a task"
        [ "$stderr" = "taskctl: error $NS/bad: $msg
taskctl: load: 1 item failed" ]
        [ "$(bad_tree)" = "$bad_before" ]
        [ "$(cat "$R/containers/$NS/bad.json")" = '{corrupt' ]
        got=$(task_field bad .status)
        [ "$got" = running ]
        proc_alive "$init"
        [ ! -e "$S/tasks/$NS/e" ]
        [ ! -e "$R/tasks/$NS/o" ]
}

@test "load -A: a namespace whose bundles cannot be read is one error row; the other namespaces are still loaded" {
        mkdir -p "$S/tasks/$NS/e" "$R/tasks/broken/w"
        echo 'not a directory' > "$S/tasks/broken"
        run --separate-stderr tc load -A
        [ "$status" -eq 1 ]
        check_rows "remove|$NS|e|empty bundle" "error|broken|-|open bundles of broken: Not a directory"
        [ "$stderr" = "taskctl: error broken/-: open bundles of broken: Not a directory
taskctl: load: 1 item failed" ]
        # its work dirs stay: their bundles could not be seen
        [ -d "$R/tasks/broken/w" ]
        [ -f "$S/tasks/broken" ]
}

@test "load: a mount point inside a work dir is left mounted and reported (left, exit 1), in the dry and the real run" {
        rr=$(realpath "$R")
        mkdir -p "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/m/mnt" "$S/tasks/$NS/e" "$R/tasks/$NS/e/mnt"
        echo canary > "$BATS_TEST_TMPDIR/outside/canary"
        mount --bind "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/m/mnt"
        mount --bind "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/e/mnt"
        before=$(snapshot)
        run --separate-stderr tc load --dry-run
        [ "$status" -eq 1 ]
        dry=$(rows)
        [ "$(snapshot)" = "$before" ]
        run --separate-stderr tc load
        [ "$status" -eq 1 ]
        [ "$(rows)" = "$dry" ]
        check_rows "left|$NS|m|mount point inside, left in place: $rr/tasks/$NS/m/mnt" \
                "left|$NS|e|mount point inside, left in place: $rr/tasks/$NS/e/mnt"
        [[ "$stderr" == *"taskctl: load: 2 items failed" ]]
        mountpoint -q "$R/tasks/$NS/m/mnt"
        mountpoint -q "$R/tasks/$NS/e/mnt"
        [ -d "$S/tasks/$NS/e" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
        umount "$R/tasks/$NS/m/mnt"
        umount "$R/tasks/$NS/e/mnt"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "remove|$NS|m|work dir without a task" "remove|$NS|e|empty bundle"
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
}

@test "load --dry-run on a host without ROOT or STATE creates neither" {
        run --separate-stderr "$TASKCTL" --root "$BATS_TEST_TMPDIR/nope" --state "$BATS_TEST_TMPDIR/nope2" \
                --config "$BATS_TEST_TMPDIR/none.json" load -A --dry-run
        [ "$status" -eq 0 ]
        [ -z "$output" ] # nothing to do: nothing printed
        [ ! -e "$BATS_TEST_TMPDIR/nope" ]
        [ ! -e "$BATS_TEST_TMPDIR/nope2" ]
        # bundles but no ROOT (a wiped root dir): same rows as the real run
        mkdir -p "$BATS_TEST_TMPDIR/nope2/tasks/$NS/e"
        run --separate-stderr "$TASKCTL" --root "$BATS_TEST_TMPDIR/nope" --state "$BATS_TEST_TMPDIR/nope2" \
                --config "$BATS_TEST_TMPDIR/none.json" load --dry-run
        [ "$status" -eq 0 ]
        dry=$output
        [ ! -e "$BATS_TEST_TMPDIR/nope" ]
        run --separate-stderr "$TASKCTL" --root "$BATS_TEST_TMPDIR/nope" --state "$BATS_TEST_TMPDIR/nope2" \
                --config "$BATS_TEST_TMPDIR/none.json" load
        [ "$status" -eq 0 ]
        [ "$output" = "$dry" ]
        check_rows "remove|$NS|e|empty bundle"
}

@test "load -o json: one object per row; usage errors exit 2 and touch nothing" {
        mkdir -p "$S/tasks/$NS/e"
        run --separate-stderr tc load -o json --dry-run
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | jq -c .)" = \
          "$(jq -nc --arg ns "$NS" '[{action: "remove", namespace: $ns, id: "e", detail: "empty bundle"}]')" ]
        run --separate-stderr tc load extra
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        run --separate-stderr tc load --bogus
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ -d "$S/tasks/$NS/e" ]
}

@test "load: a dead shim whose shim binary is missing: an error row naming it, exit 6, nothing removed until the binary is back" {
        start_task web
        shim=$(task_field web .shim_pid)
        init=$(task_field web .pid)
        b=$S/tasks/$NS/web
        [ "$(cat "$b/shim-binary-path")" = /usr/bin/containerd-shim-runc-v2 ]
        # the binary this task was started with is gone (uninstalled since)
        gone=$BATS_TEST_TMPDIR/uninstalled/containerd-shim-runc-v2
        printf '%s' "$gone" > "$b/shim-binary-path"
        kill -KILL "$shim"
        wait_gone "$shim"
        msg="shim binary $gone: No such file or directory"
        run --separate-stderr tc load --dry-run
        [ "$status" -eq 6 ]
        check_rows "error|$NS|web|$msg"
        run --separate-stderr tc load
        [ "$status" -eq 6 ]
        check_rows "error|$NS|web|$msg"
        [ "${stderr_lines[0]}" = "taskctl: error $NS/web: $msg" ]
        [ "${#stderr_lines[@]}" -eq 2 ]
        # only the binary's delete action ends what the dead shim left running
        [ -d "$b" ]
        [ -d "$R/tasks/$NS/web" ]
        proc_alive "$init"
        # the binary back: the next load cleans up
        printf '%s' /usr/bin/containerd-shim-runc-v2 > "$b/shim-binary-path"
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        check_rows "cleanup|$NS|web|shim dead"
        wait_gone "$init"
        runc_state_gone web
        tree_is "$S/tasks/$NS"
}
