#!/usr/bin/env bats
# Output that scripts can trust and people can read (issue 11): fitted tables,
# JSON as `jq .` prints it, -o jsonl, one -q rule, NS/ID keys, unknown filter
# fields, quiet cleanup, hints, small CLI fixes, sorted listings, platforms.
# Real tasks run on containerd-shim-runc-v2 + runc (realtask.bash); each is
# ended by its PIDs in teardown.
load helpers
load realtask

setup() {
        setup_common
        realtask_setup out
        SPEC=$BATS_TEST_TMPDIR/spec.json
        make_spec > "$SPEC"
}

teardown() {
        kill_tracked
        end_tasks
        teardown_checks
}

# One check per line; a failure says why.
fail() {
        echo "$*"
        return 1
}

# jq_same: the last run's stdout is byte-identical to `jq .` of itself.
jq_same() {
        local want
        want=$(printf '%s\n' "$output" | jq .) || fail "not JSON: $output"
        [ "$output" = "$want" ] || fail "differs from jq .: $(diff <(echo "$output") <(echo "$want") | head -20)"
}

# jsonl_ok: every line of the last run's stdout is one compact JSON object.
jsonl_ok() {
        local line
        [ -n "$output" ] || fail "no lines"
        while IFS= read -r line; do
                [ "$(jq -c . <<<"$line")" = "$line" ] || fail "not a compact object: $line"
        done <<<"$output"
}

@test "-A -q prints NS/ID, and containers get/update/delete take it back" {
        tc -n "$NS" containers create web --spec "$SPEC"
        tc -n "$NS2" containers create web --spec "$SPEC"
        tc -n "$NS2" containers create db --spec "$SPEC"
        run --separate-stderr tc containers list -A -q
        [ "$status" -eq 0 ]
        # by namespace, then ID: NS is a prefix of NS2, so it comes first
        [ "$output" = "$(printf '%s\n' "$NS/web" "$NS2/db" "$NS2/web")" ]
        run --separate-stderr tc -n other containers list -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        while read -r ref; do
                run --separate-stderr tc -n default containers get "$ref" -o json
                [ "$status" -eq 0 ] || fail "get $ref: $stderr"
                [ "$(jq -r .id <<<"$output")" = "${ref#*/}" ]
                run --separate-stderr tc -n default containers update "$ref" --label seen=1
                [ "$status" -eq 0 ] || fail "update $ref: $stderr"
        done < <(tc containers list -A -q)
        [ "$(jq -r .labels.seen "$R/containers/$NS2/db.json")" = 1 ]
        refs=$(tc containers list -A -q)
        for ref in $refs; do
                run --separate-stderr tc -n default containers delete "$ref"
                [ "$status" -eq 0 ] || fail "delete $ref: $stderr"
        done
        [ ! -e "$R/containers/$NS/web.json" ]
        [ ! -e "$R/containers/$NS2/db.json" ]
        run --separate-stderr tc containers get "$NS2/web"
        [ "$status" -eq 3 ]
        [ "$stderr" = "taskctl: container \"web\" in namespace \"$NS2\": not found" ]
        run --separate-stderr tc containers get "a/b/c"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
}

@test "list -A -q prints NS/ID of real tasks; the keys feed back into containers get and delete --force" {
        start_task t1 "$NS"
        start_task t2 "$NS2"
        run --separate-stderr tc list -A -q
        [ "$status" -eq 0 ]
        [[ "$output" == *"$NS/t1"* ]] || fail "no $NS/t1 in: $output"
        [[ "$output" == *"$NS2/t2"* ]] || fail "no $NS2/t2 in: $output"
        for ref in "$NS/t1" "$NS2/t2"; do
                run --separate-stderr tc -n default containers get "$ref" -q
                [ "$status" -eq 0 ] || fail "get $ref: $stderr"
                [ -z "$output" ]
                run --separate-stderr tc -n default containers delete --force "$ref"
                [ "$status" -eq 0 ] || fail "delete $ref: $stderr"
        done
        run --separate-stderr tc list -A -q
        [ "$status" -eq 0 ]
        [[ "$output" != *"$NS/t1"* ]] || fail "t1 still listed: $output"
        [[ "$output" != *"$NS2/t2"* ]] || fail "t2 still listed: $output"
        [ ! -e "$S/tasks/$NS/t1" ]
        [ ! -e "$R/containers/$NS2/t2.json" ]
}

@test "an unknown filter field is refused with exit 2 naming it and the known ones" {
        tc containers create web --spec "$SPEC" --label env=prod
        run --separate-stderr tc containers list 'lables.env!=prod'
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = 'taskctl: filter: unknown field "lables.env" (known fields: id, image, runtime.name, snapshotter, labels.KEY)' ]
        run --separate-stderr tc list 'stauts!=running'
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = 'taskctl: filter: unknown field "stauts" (known fields: id, namespace, status, runtime.name, pid, labels.KEY)' ]
        run --separate-stderr tc list -A 'status==running' 'runtime.nam==x'
        [ "$status" -eq 2 ]
        [[ "$stderr" == *'unknown field "runtime.nam"'* ]] || fail "$stderr"
        # the known ones still work, including containerd's snapshotter and labels.KEY
        run --separate-stderr tc containers list -q 'labels.env==prod' 'snapshotter==x'
        [ "$status" -eq 0 ]
        [ "$output" = web ]
        run --separate-stderr tc list 'labels.env==prod,runtime.name~=runc,pid!=0,namespace==x,id==y'
        [ "$status" -eq 0 ]
}

@test "cleanup on a host with only live tasks prints nothing and exits 0; load prints only its load rows" {
        start_task t1
        start_task t2 "$NS2"
        run --separate-stderr tc cleanup -A
        [ "$status" -eq 0 ]
        [ -z "$output" ] || fail "cleanup printed: $output"
        [ -z "$stderr" ]
        run --separate-stderr tc cleanup -A --dry-run
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run --separate-stderr tc cleanup -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run --separate-stderr tc cleanup -o json
        [ "$status" -eq 0 ]
        [ "$output" = "[]" ]
        # something to do: only that row, nothing about the live ones
        mkdir -p "$R/tasks/$NS/orphan"
        run --separate-stderr tc cleanup -A -q
        [ "$status" -eq 0 ]
        [ "$output" = "$NS/orphan" ]
        run --separate-stderr tc load
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 2 ]
        [[ "$(echo "${lines[1]}" | tr -s ' ')" =~ ^load\ $NS\ t1\ shim\ pid\ [0-9]+$ ]] || fail "${lines[1]}"
}

@test "a 76-char ID and a 200-char image line up under their headers" {
        id=$(printf 'a%.0s' $(seq 76))
        img=$(printf 'i%.0s' $(seq 200))
        tc containers create "$id" --spec "$SPEC" --image "$img"
        tc containers create web --spec "$SPEC" --image busybox
        run --separate-stderr tc containers list
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 3 ]
        h_img=$(awk 'NR == 1 { print index($0, "IMAGE") }' <<<"$output")
        h_rt=$(awk 'NR == 1 { print index($0, "RUNTIME") }' <<<"$output")
        [ "$h_img" -eq 80 ] # 76 + three spaces
        [ "$h_rt" -eq 283 ] # 80 + 200 + three spaces
        [ "$(awk 'NR == 2 { print index($0, "'"$img"'") }' <<<"$output")" -eq "$h_img" ]
        [ "$(awk 'NR == 3 { print index($0, "busybox") }' <<<"$output")" -eq "$h_img" ]
        [ "$(awk 'NR == 2 { print index($0, "io.containerd") }' <<<"$output")" -eq "$h_rt" ]
        [ "$(awk 'NR == 3 { print index($0, "io.containerd") }' <<<"$output")" -eq "$h_rt" ]
        # and no wider than needed: a short listing is short
        run -0 --separate-stderr tc containers list id==web
        [ "${lines[0]}" = "CONTAINER   IMAGE     RUNTIME" ]
        [ "${lines[1]}" = "web         busybox   io.containerd.runc.v2" ]
        # the namespace column of a long namespace fits too
        run -0 --separate-stderr tc -n "$NS2" containers list -A
        w=$(( ${#NS} > 9 ? ${#NS} : 9 )) # the namespace or the NAMESPACE header
        [ "$(awk 'NR == 1 { print index($0, "CONTAINER") }' <<<"$output")" -eq $((w + 4)) ]
        [ "$(awk 'NR == 2 { print index($0, "aaaa") }' <<<"$output")" -eq $((w + 4)) ]
}

@test "-o json and jsonl of a big, deep spec are what jq . and jq -c print (buffer turns, long strings, deep indents)" {
        local spec=$BATS_TEST_TMPDIR/big.json
        # 20 levels deep, strings of every length to 100 with and without escapes,
        # about 60 KB: several turns of the printer's 16 KiB buffer
        python3 - "$spec" <<'PY'
import json, sys
deep = "leaf"
for i in range(20):
    deep = {"l%d" % i: [deep, i, True, None, {}, []]}
strs = ["x" * n for n in range(101)] + ["a\"b\\c\nd\u00e9\u007f" * (n % 7) + "y" * n for n in range(101)]
spec = {"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "/"}, "root": {"path": "rootfs"},
        "deep": deep, "strs": strs, "more": [{"k%d" % i: strs[i % 202]} for i in range(300)]}
open(sys.argv[1], "w").write(json.dumps(spec, ensure_ascii=False))
PY
        tc containers create big --spec "$spec"
        run -0 --separate-stderr tc -o json containers list
        jq_same
        [ "$(jq -c '.[0].spec' <<<"$output")" = "$(jq -c . "$spec")" ] || fail "spec changed"
        run -0 --separate-stderr tc -o jsonl containers list
        [ "$output" = "$(jq -c . <<<"$output")" ] || fail "jsonl differs from jq -c"
}

@test "-o json is byte-identical to jq . of itself, for every command with JSON output" {
        tc containers create web --spec "$SPEC" --label env=prod --image busybox
        run --separate-stderr tc -o json containers create db --spec "$SPEC"
        [ "$status" -eq 0 ]
        jq_same
        [ "$(jq -r .spec.process.args[0] <<<"$output")" = sleep ]
        # the spec is nested all the way down, not one long line
        [[ "$output" == *$'\n  "spec": {\n    "ociVersion": '* ]] || fail "spec not indented"
        for cmd in "containers get web" "containers list" "containers list -A" "containers list id==none" \
                "containers update web --label x=y" info events "cleanup" "cleanup --dry-run" "load --dry-run"; do
                # shellcheck disable=SC2086
                run --separate-stderr tc -o json $cmd
                [ "$status" -eq 0 ] || fail "$cmd: $stderr"
                jq_same || fail "$cmd"
        done
        spec_file=$(task_spec)
        run --separate-stderr tc -o json create t1 --spec "$spec_file" --rootfs "$(busybox_rootfs)"
        echo "$NS t1" >> "$BATS_TEST_TMPDIR/tasks"
        [ "$status" -eq 0 ] || fail "create: $stderr"
        jq_same
        run --separate-stderr tc -o json start t1
        [ "$status" -eq 0 ]
        jq_same
        remember_pid "$(jq -r .pid <<<"$output")"
        for cmd in "get t1" "list" "list -A" "load" "events"; do
                # shellcheck disable=SC2086
                run --separate-stderr tc -o json $cmd
                [ "$status" -eq 0 ] || fail "$cmd: $stderr"
                jq_same || fail "$cmd"
        done
        tc kill t1 --signal KILL
        run --separate-stderr tc -o json wait t1
        [ "$status" -eq 0 ]
        jq_same
        [ "$(jq -r .exit_status <<<"$output")" = 137 ]
        run --separate-stderr tc -o json delete t1
        [ "$status" -eq 0 ]
        jq_same
        run -0 --separate-stderr tc -o json events
        jq_same
        # events -o json: a stream of pretty objects, no enclosing array
        [ "${output:0:1}" = "{" ]
        [ "$(jq -s 'map(.topic) | join(" ")' <<<"$output")" = '"/tasks/create /tasks/start /tasks/exit /tasks/delete"' ]
}

@test "-o jsonl: one compact object per line for every list" {
        tc containers create web --spec "$SPEC"
        tc containers create db --spec "$SPEC"
        mkdir -p "$R/tasks/$NS/orphan"
        bind_roots "$R" "$S" # a hand-made work dir: ROOT and STATE belong together
        run --separate-stderr tc -o jsonl containers list
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 2 ]
        jsonl_ok
        [ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "db web " ]
        run -0 --separate-stderr tc -o jsonl cleanup --dry-run
        [ "${#lines[@]}" -eq 1 ]
        jsonl_ok
        start_task t1
        for cmd in list "list -A" "events -A" "load --dry-run" "containers list -A"; do
                # shellcheck disable=SC2086
                run --separate-stderr tc -o jsonl $cmd
                [ "$status" -eq 0 ] || fail "$cmd: $stderr"
                jsonl_ok || fail "$cmd"
        done
        run -0 --separate-stderr tc -o jsonl list
        [ "$(jq -r .id <<<"$output")" = t1 ]
        run --separate-stderr tc -o jsonl containers list id==nothing
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run --separate-stderr tc -o yaml list
        [ "$status" -eq 2 ]
        [ "$stderr" = 'taskctl: --output "yaml": expected table, json or jsonl' ]
}

@test "-q: lists print keys, wait and delete their value, every other command nothing" {
        spec_file=$(task_spec)
        run --separate-stderr tc -q containers create web --spec "$SPEC"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        for cmd in "containers get web" "containers update web --label a=b" info; do
                # shellcheck disable=SC2086
                run --separate-stderr tc -q $cmd
                [ "$status" -eq 0 ] || fail "$cmd: $stderr"
                [ -z "$output" ] || fail "$cmd -q printed: $output"
        done
        run -0 --separate-stderr tc -q containers list
        [ "$output" = web ]
        run --separate-stderr tc -q create t1 --spec "$spec_file" --rootfs "$(busybox_rootfs)"
        echo "$NS t1" >> "$BATS_TEST_TMPDIR/tasks"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run --separate-stderr tc -q start t1
        [ "$status" -eq 0 ]
        [ -z "$output" ] || fail "start -q printed: $output"
        pid=$(task_field t1 .pid)
        remember_pid "$pid"
        pid=$(task_field t1 .shim_pid)
        remember_pid "$pid"
        run --separate-stderr tc -q get t1
        [ "$status" -eq 0 ]
        [ -z "$output" ] || fail "get -q printed: $output"
        run -0 --separate-stderr tc -q list
        [ "$output" = t1 ]
        run -0 --separate-stderr tc -q list -A
        [[ "$output" == *"$NS/t1"* ]] || fail "$output"
        run -0 --separate-stderr tc -q load
        [ "$output" = t1 ]
        run -0 --separate-stderr tc -q load -A
        [[ "$output" == *"$NS/t1"* ]] || fail "$output"
        run --separate-stderr tc -q kill t1 --signal KILL
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        run --separate-stderr tc -q wait t1
        [ "$status" -eq 0 ]
        [ "$output" = 137 ]
        run --separate-stderr tc -q events
        [ "$status" -eq 0 ]
        [ "$(sort -u <<<"$output")" = t1 ]
        run -0 --separate-stderr tc -q events -A
        [ "$(sort -u <<<"$output")" = "$NS/t1" ]
        run --separate-stderr tc -q delete t1
        [ "$status" -eq 0 ]
        [ "$output" = 137 ]
        mkdir -p "$R/tasks/$NS/orphan"
        run -0 --separate-stderr tc -q cleanup
        [ "$output" = orphan ]
        run --separate-stderr tc -q containers delete web
        [ "$status" -eq 0 ]
        [ -z "$output" ]
}

@test "hints: a dead shim names delete and load; a runc spec without --rootfs; an empty namespace names -A" {
        start_task t1
        shim=$(task_field t1 .shim_pid)
        kill -KILL "$shim"
        wait_gone "$shim"
        for cmd in "get t1" "kill t1"; do
                # shellcheck disable=SC2086
                run --separate-stderr tc $cmd
                [ "$status" -eq 6 ] || fail "$cmd: $status"
                [ -z "$output" ]
                [ "${#stderr_lines[@]}" -eq 2 ]
                [[ "${stderr_lines[0]}" == "taskctl: task \"t1\" in namespace \"$NS\": shim not reachable at "* ]] || fail "${stderr_lines[0]}"
                [ "${stderr_lines[1]}" = "hint: if the shim is dead, 'taskctl delete t1' cleans up after it, or 'taskctl load' after every dead shim" ]
        done
        run --separate-stderr tc -n other get "$NS/t1"
        if [ "$status" -eq 6 ]; then # NS/ID for task commands comes with issue 10
                [ "${stderr_lines[1]}" = "hint: if the shim is dead, 'taskctl -n $NS delete t1' cleans up after it, or 'taskctl -n $NS load' after every dead shim" ]
        fi
        run --separate-stderr tc delete t1
        [ "$status" -eq 0 ]

        # create from a `runc spec` spec without --rootfs: said before any shim starts
        run --separate-stderr tc create web --spec "$SPEC"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "${stderr_lines[0]}" = "taskctl: create: container \"web\" in namespace \"$NS\": the spec's root.path \"rootfs\" is in the bundle, which has no root filesystem without --rootfs" ]
        [ "${stderr_lines[1]}" = "hint: pass --rootfs DIR: the container's root filesystem, bind-mounted on the bundle's rootfs" ]
        [ ! -e "$S/tasks/$NS/web" ]
        [ ! -e "$R/containers/$NS/web.json" ]
        SPEC_ROOT=$BATS_TEST_TMPDIR/no-such-root make_spec > "$BATS_TEST_TMPDIR/abs.json"
        tc containers create abs --spec "$BATS_TEST_TMPDIR/abs.json"
        run --separate-stderr tc create abs
        [ "$status" -eq 2 ]
        [[ "${stderr_lines[0]}" == *"root.path \"$BATS_TEST_TMPDIR/no-such-root\" does not exist" ]] || fail "${stderr_lines[0]}"
        [ ! -e "$S/tasks/$NS/abs" ]

        # an empty list while another namespace has tasks
        start_task t2 "$NS2"
        run --separate-stderr tc list
        [ "$status" -eq 0 ]
        [ "$output" = "NAMESPACE   ID   PID   STATUS   RUNTIME" ]
        [ "$stderr" = "hint: no tasks in namespace \"$NS\"; 1 other namespace has tasks (taskctl list -A)" ]
        run -0 --separate-stderr tc -o json list
        [ "$output" = "[]" ]
        [[ "$stderr" == hint:* ]] || fail "$stderr"
}

@test "small ones: -v, help, --namespace without value, long option prefixes, usage text, parse error, --field snapshot_key" {
        run --separate-stderr "$TASKCTL" -v
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = "taskctl: unknown option -v (see 'taskctl --help')" ]
        run --separate-stderr tc help
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "Usage: taskctl [OPTIONS] COMMAND [ARGS]..." ]
        run --separate-stderr tc help list
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "Usage: taskctl list [-A|--all-namespaces] [--parallel N] [--deadline SECONDS] [FILTER]..." ]
        run --separate-stderr tc help containers create
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" == "Usage: taskctl containers create ID "* ]] || fail "${lines[0]}"
        run --separate-stderr tc help nope
        [ "$status" -eq 2 ]
        [ "$stderr" = "taskctl: help: unknown command \"nope\" (see 'taskctl --help')" ]
        run --separate-stderr tc list --namespace
        [ "$status" -eq 2 ]
        [ "$stderr" = "taskctl: list: option --namespace needs a value" ]
        run --separate-stderr tc list --all
        [ "$status" -eq 2 ]
        [ "$stderr" = "taskctl: list: unknown option --all (see 'taskctl list --help')" ]
        run --separate-stderr tc list --names x
        [ "$status" -eq 2 ]
        [ "$stderr" = "taskctl: list: unknown option --names (see 'taskctl list --help')" ]
        run --separate-stderr tc containers delete web --forc
        [ "$status" -eq 2 ]
        [[ "$stderr" == *"unknown option --forc"* ]] || fail "$stderr"
        run --separate-stderr tc list --all-namespaces
        [ "$status" -eq 0 ]
        run --separate-stderr tc cleanup --help
        [ "$status" -eq 0 ]
        [ "$(grep -cE -- '^ +-q' <<<"$output")" -eq 1 ] # the option, listed once
        run -0 --separate-stderr tc info --help
        [ "${lines[0]}" = "Usage: taskctl info" ]
        run --separate-stderr tc containers list 'a,,b'
        [ "$status" -eq 2 ]
        [ "$stderr" = 'taskctl: filter "a,,b": parse error at 2: expected a field name or a quoted string' ]
        tc containers create web --spec "$SPEC" --snapshotter overlayfs --snapshot-key k1
        jq '.snapshot_key = "k2" | .image = "not-me"' "$R/containers/$NS/web.json" > "$BATS_TEST_TMPDIR/p.json"
        run --separate-stderr tc containers update web --from-json "$BATS_TEST_TMPDIR/p.json" --field snapshot_key
        [ "$status" -eq 0 ] || fail "$stderr"
        [ "$(jq -r .snapshot_key "$R/containers/$NS/web.json")" = k2 ]
        [ "$(jq -r .image "$R/containers/$NS/web.json")" = "" ]
}

@test "containers list is sorted by ID: 1,000 records created in random order" {
        seq -f 'r%g' 1000 | shuf > "$BATS_TEST_TMPDIR/ids"
        # one record made by the command, the rest as copies of its file
        # (containers create per ID would take a process each)
        tc containers create r0 --spec "$SPEC"
        while read -r id; do
                jq -c --arg id "$id" '.id = $id' "$R/containers/$NS/r0.json" > "$R/containers/$NS/$id.json"
        done < "$BATS_TEST_TMPDIR/ids"
        run --separate-stderr tc containers list -q
        [ "$status" -eq 0 ]
        [ "${#lines[@]}" -eq 1001 ]
        [ "$output" = "$( (echo r0; cat "$BATS_TEST_TMPDIR/ids") | LC_ALL=C sort)" ]
        run -0 --separate-stderr tc -o jsonl containers list
        [ "$(jq -r .id <<<"$output")" = "$( (echo r0; cat "$BATS_TEST_TMPDIR/ids") | LC_ALL=C sort)" ]
        # IDs, not file names: "a" sorts before "a-b" although "a-b.json" < "a.json"
        for id in a-b a a.b A; do tc -n "$NS2" containers create "$id" --spec "$SPEC"; done
        run -0 --separate-stderr tc -n "$NS2" containers list -q
        [ "$output" = "$(printf '%s\n' A a a-b a.b)" ]
}

@test "list is sorted by namespace, then ID" {
        # bundles without a shim are listed as unknown: enough for the order
        for ref in $(printf '%s\n' zz/b aa/c zz/a aa/a mm/x | shuf); do
                mkdir -p "$S/tasks/$ref"
                echo "unix:///nonexistent/$RANDOM" > "$S/tasks/$ref/address"
        done
        run --separate-stderr tc list -A -q
        [ "$status" -eq 0 ]
        [ "$output" = "$(printf '%s\n' aa/a aa/c mm/x zz/a zz/b)" ]
        run -0 --separate-stderr tc -n zz list -q
        [ "$output" = "$(printf '%s\n' a b)" ]
}

@test "platforms in the config are parsed as containerd's platforms.Parse, then normalized" {
        check() { # check SPECIFIER WANT|-
                echo "{\"platforms\": [\"$1\"]}" > "$BATS_TEST_TMPDIR/c.json"
                run --separate-stderr "$TASKCTL" --config "$BATS_TEST_TMPDIR/c.json" -o json info
                if [ "$2" = - ]; then
                        [ "$status" -eq 2 ] || fail "$1 accepted: $output"
                        [ -z "$output" ]
                else
                        [ "$status" -eq 0 ] || fail "$1: $stderr"
                        [ "$(jq -r '.platforms[0]' <<<"$output")" = "$2" ] || fail "$1: $output"
                fi
        }
        check arm linux/arm/v7
        check linux/arm linux/arm/v7
        check linux/arm/7 linux/arm/v7
        check arm64 linux/arm64
        check linux/arm64/v8 linux/arm64
        check linux/aarch64 linux/arm64
        check linux/arm64/9.0 linux/arm64/v9
        check armhf linux/arm/v7
        check armel linux/arm/v6
        check x86_64 linux/amd64
        check linux/amd64/v1 linux/amd64
        check macos darwin/amd64
        check 'windows(10.0.17763)/amd64' 'windows(10.0.17763)/amd64'
        check plan10/amd64 plan10/amd64
        check i686 -
        check foo -
        check linux/amd64/v1/x -
        check 'linux/*' -
        check linux//amd64 -
        check '' -
}

@test "load removes a work dir that is a symlink as cleanup does: the link, never its target" {
        mkdir -p "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS"
        echo canary > "$BATS_TEST_TMPDIR/outside/canary"
        ln -s "$BATS_TEST_TMPDIR/outside" "$R/tasks/$NS/evil"
        bind_roots "$R" "$S" # a hand-made work dir: ROOT and STATE belong together
        run --separate-stderr tc load --dry-run
        [ "$status" -eq 0 ]
        [ -L "$R/tasks/$NS/evil" ]
        dry=$output
        run --separate-stderr tc load
        [ "$status" -eq 0 ] || fail "$stderr"
        [ "$output" = "$dry" ]
        [ "$(echo "${lines[1]}" | tr -s ' ')" = "remove $NS evil not a directory" ]
        [ ! -L "$R/tasks/$NS/evil" ]
        [ "$(cat "$BATS_TEST_TMPDIR/outside/canary")" = canary ]
}

@test "--format picks table columns; times are relative unless --no-trunc" {
        start_task t1
        run --separate-stderr tc list --format id,status,pid
        [ "$status" -eq 0 ]
        [ "$(echo "${lines[0]}" | tr -s ' ')" = "ID STATUS PID" ]
        [[ "$(echo "${lines[1]}" | tr -s ' ')" =~ ^t1\ running\ [0-9]+$ ]] || fail "${lines[1]}"
        run --separate-stderr tc list --format id,stauts
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [ "$stderr" = 'taskctl: --format: unknown column "stauts" (columns: namespace id pid status runtime)' ]
        run --separate-stderr tc events --format time,topic
        [ "$status" -eq 0 ]
        [[ "${lines[1]}" =~ ^(less\ than\ a\ second|[0-9]+\ seconds?|about\ a\ minute|[0-9]+\ minutes)\ ago\ +/tasks/create$ ]] || fail "${lines[1]}"
        run -0 --separate-stderr tc events --format time,topic --no-trunc
        [[ "${lines[1]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ +/tasks/create$ ]] || fail "${lines[1]}"
}

@test "completion: NS/ID from every namespace after a '/', namespaces of records and tasks (bash, zsh, fish)" {
        tc -n "$NS" containers create web --spec "$SPEC"
        tc -n "$NS2" containers create db --spec "$SPEC"
        mkdir -p "$S/tasks/tasksonly$$/t9"
        local src
        src=$(cd "$TESTS_DIR/.." && pwd)/completions
        # shellcheck source=SCRIPTDIR/../../completions/taskctl.bash
        source "$src/taskctl.bash"
        bc() { # the words of a command line, the last one under the cursor
                local COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
                COMPREPLY=()
                _taskctl "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                printf '%s\n' "${COMPREPLY[@]}"
        }
        local line=("$TASKCTL" --root "$R" --state "$S" --config "$BATS_TEST_TMPDIR/none.json")
        run -0 bc "${line[@]}" containers get "$NS2/"
        [ "$output" = "$NS2/db" ]
        run -0 bc "${line[@]}" -n "$NS" containers delete ""
        [ "$output" = web ]
        run -0 bc "${line[@]}" get "tasksonly$$/"
        [ "$output" = "tasksonly$$/t9" ]
        run -0 bc "${line[@]}" -n ""
        [[ "$output" == *"$NS2"* ]] || fail "no $NS2 in: $output"
        [[ "$output" == *"tasksonly$$"* ]] || fail "no tasksonly$$ in: $output"
        run -0 fish --no-config -c "source $src/taskctl.fish; complete -C '${line[*]} containers get $NS2/'"
        [ "$(cut -f1 <<<"$output")" = "$NS2/db" ]
        run -0 timeout 20 zsh -f "$TESTS_DIR/cli/zsh-complete.zsh" "$src" "$BATS_TEST_TMPDIR/zcompdump" \
                "${line[*]} containers get $NS2/"
        [[ "$output" == *"$NS2/db"* ]] || fail "zsh: $output"
}
