#!/usr/bin/env bats
# taskctl containers (alias c): every flag and every documented error path,
# with the exit code, the exact stderr line, an empty stdout on error, and
# nothing written on disk by a refused command.
load helpers

setup() {
        setup_common
        R=$BATS_TEST_TMPDIR/root
        S=$BATS_TEST_TMPDIR/state
        SPEC=$BATS_TEST_TMPDIR/spec.json
        echo '{"ociVersion": "1.1.0", "process": {"args": ["sh"]}, "big": 9223372036854775807}' > "$SPEC"
        NS_DIR=$R/containers/default
}

teardown() {
        kill_tracked
        teardown_checks
}

mk() { # mk ID [FLAGS]...: create a record that must succeed
        local id=$1; shift
        run --separate-stderr tc containers create "$id" --spec "$SPEC" "$@"
        [ "$status" -eq 0 ] || { echo "create $id: $stderr"; return 1; }
}

# A refused command: exit code, the exact one stderr line, nothing on stdout.
refused() { # refused CODE LINE
        [ "$status" -eq "$1" ] || { echo "status $status, stderr: $stderr"; return 1; }
        [ -z "$output" ] || { echo "stdout: $output"; return 1; }
        [ "$stderr" = "$2" ] || { echo "stderr: $stderr"; echo "wanted: $2"; return 1; }
}

digest() { find "$R" -type f -printf '%p\n' -exec sha256sum {} + 2>/dev/null | sort; }

@test "create stores every field; get -o json shows SPEC's record shape" {
        printf '{"type_url": "containerd.runc.v1.Options", "value": "AAEC"}' > "$BATS_TEST_TMPDIR/opts.json"
        run --separate-stderr tc containers create web --spec "$SPEC" --label env=prod --label a.b=x \
                --image docker.io/library/busybox:latest --snapshotter overlayfs --snapshot-key web-snap \
                --runtime io.containerd.runc.v2 --runtime-options "$BATS_TEST_TMPDIR/opts.json"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ -z "$stderr" ]
        run --separate-stderr tc -o json containers get web
        [ "$status" -eq 0 ]
        [ "$(jq -c 'keys_unsorted' <<<"$output")" = '["id","labels","image","runtime","spec","snapshotter","snapshot_key","extensions","created_at","updated_at"]' ]
        [ "$(jq -c .labels <<<"$output")" = '{"a.b":"x","env":"prod"}' ]
        [ "$(jq -r .image <<<"$output")" = docker.io/library/busybox:latest ]
        [ "$(jq -c .runtime <<<"$output")" = '{"name":"io.containerd.runc.v2","options":{"type_url":"containerd.runc.v1.Options","value":"AAEC"}}' ]
        [ "$(jq -r .snapshotter <<<"$output")" = overlayfs ]
        [ "$(jq -r .snapshot_key <<<"$output")" = web-snap ]
        [ "$(jq -c .extensions <<<"$output")" = '{}' ]
        [[ "$output" == *'"big": 9223372036854775807'* ]] # the spec verbatim, no float rounding
        [[ "$(jq -r .created_at <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]]
        [ "$(jq -r .created_at <<<"$output")" = "$(jq -r .updated_at <<<"$output")" ]
}

@test "create: file modes 0600, directories 0711, a JSON file per record" {
        mk web
        [ "$(stat -c %a "$R/containers")" = 711 ]
        [ "$(stat -c %a "$NS_DIR")" = 711 ]
        [ "$(stat -c %a "$NS_DIR/web.json")" = 600 ]
        [ "$(stat -c %a "$NS_DIR/.lock")" = 600 ]
        [ "$(jq -r .id "$NS_DIR/web.json")" = web ]
        tree_is "$NS_DIR" .lock web.json
}

@test "create: --spec - reads stdin; the default runtime is the config's" {
        run --separate-stderr tc containers create web --spec - < "$SPEC"
        [ "$status" -eq 0 ]
        [ "$(jq -r .runtime.name "$NS_DIR/web.json")" = io.containerd.runc.v2 ]
        echo '{"default_runtime": "io.containerd.kata.v2"}' > "$BATS_TEST_TMPDIR/cfg.json"
        run --separate-stderr tc --config "$BATS_TEST_TMPDIR/cfg.json" containers create db --spec "$SPEC"
        [ "$status" -eq 0 ]
        [ "$(jq -r .runtime.name "$NS_DIR/db.json")" = io.containerd.kata.v2 ]
}

@test "create -o json prints the stored record; -q prints nothing" {
        run --separate-stderr tc containers create web --spec "$SPEC" -o json
        [ "$status" -eq 0 ]
        [ "$(jq -r .id <<<"$output")" = web ]
        [ "$(jq -r .created_at <<<"$output")" = "$(jq -r .created_at "$NS_DIR/web.json")" ]
        run --separate-stderr tc containers create db --spec "$SPEC" -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
}

@test "create: an existing ID exits 4 and leaves the record alone" {
        mk web --label v=1
        before=$(digest)
        run --separate-stderr tc containers create web --spec "$SPEC" --label v=2
        refused 4 'taskctl: container "web" in namespace "default": already exists'
        [ "$(digest)" = "$before" ]
}

@test "create: invalid input exits 2 and creates nothing, not even ROOT" {
        long=$(head -c 4090 /dev/zero | tr '\0' v)
        while read -r line; do
                eval "args=($line)"
                run --separate-stderr tc containers create "${args[@]}"
                [ "$status" -eq 2 ] || { echo "$line: status $status: $stderr"; false; }
                [ -z "$output" ]
                [ ! -e "$R" ] || { echo "$line: made $R"; false; }
        done <<EOF
'a/b' --spec "$SPEC"
'.hidden' --spec "$SPEC"
web
web --spec "$SPEC" --runtime ''
web --spec "$SPEC" --label longkey=$long
web --spec "$SPEC" --label noequals
web --spec "$SPEC" --label =v
web --spec "$SPEC" --snapshot-key k
web --spec "$BATS_TEST_TMPDIR/missing.json"
web --spec "$SPEC" --runtime-options "$SPEC"
web --spec "$SPEC" --bogus
web extra --spec "$SPEC"
web --spec "$SPEC" --from-json "$SPEC"
EOF
}

@test "create: the error lines of invalid input" {
        long=$(head -c 4090 /dev/zero | tr '\0' v)
        run --separate-stderr tc containers create 'a/b' --spec "$SPEC"
        refused 2 'taskctl: container id "a/b" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$'
        run --separate-stderr tc containers create web
        refused 2 'taskctl: container "web" in namespace "default": container.Spec must be set'
        run --separate-stderr tc containers create web --spec "$SPEC" --runtime ''
        refused 2 'taskctl: container "web" in namespace "default": container.Runtime.Name must be set'
        run --separate-stderr tc containers create web --spec "$SPEC" --label "longkey=$long"
        refused 2 'taskctl: container "web" in namespace "default": containers.Labels: label key and value length (4097 bytes) greater than maximum size (4096 bytes), key: longkey'
        run --separate-stderr tc containers create web --spec "$SPEC" --label noequals
        refused 2 'taskctl: containers create: --label "noequals": expected KEY=VALUE'
        run --separate-stderr tc containers create web --spec "$SPEC" --label =v
        refused 2 'taskctl: container "web" in namespace "default": containers.Labels: label key must not be empty'
        run --separate-stderr tc containers create web --spec "$SPEC" --snapshot-key k
        refused 2 'taskctl: container "web" in namespace "default": container.Snapshotter must be set if container.SnapshotKey is set'
        run --separate-stderr tc containers create web --spec "$BATS_TEST_TMPDIR/missing.json"
        refused 2 "taskctl: containers create: --spec \"$BATS_TEST_TMPDIR/missing.json\": No such file or directory"
        echo '{"a": ' > "$BATS_TEST_TMPDIR/bad.json"
        run --separate-stderr tc containers create web --spec "$BATS_TEST_TMPDIR/bad.json"
        refused 2 "taskctl: containers create: --spec \"$BATS_TEST_TMPDIR/bad.json\": invalid JSON at byte 6"
        echo '[]' > "$BATS_TEST_TMPDIR/arr.json"
        run --separate-stderr tc containers create web --spec "$BATS_TEST_TMPDIR/arr.json"
        refused 2 "taskctl: containers create: --spec \"$BATS_TEST_TMPDIR/arr.json\": spec: expected a JSON object, got an array"
        echo '{"type_url": "t", "value": "!!"}' > "$BATS_TEST_TMPDIR/opts.json"
        run --separate-stderr tc containers create web --spec "$SPEC" --runtime-options "$BATS_TEST_TMPDIR/opts.json"
        refused 2 "taskctl: containers create: --runtime-options \"$BATS_TEST_TMPDIR/opts.json\": field \"runtime.options.value\": invalid base64"
        run --separate-stderr tc -n 'a b' containers create web --spec "$SPEC"
        refused 2 'taskctl: namespace "a b" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$'
        run --separate-stderr tc containers create web extra --spec "$SPEC"
        refused 2 'taskctl: containers create: unexpected argument "extra" (usage: taskctl containers create ID (--spec FILE|- [OPTIONS] | --from-json FILE|-))'
        run --separate-stderr tc containers create --spec "$SPEC"
        refused 2 'taskctl: containers create: missing argument (usage: taskctl containers create ID (--spec FILE|- [OPTIONS] | --from-json FILE|-))'
        [ ! -e "$R" ]
}

@test "create --from-json: the output of get -o json makes a copy; id absent or equal" {
        mk web --label env=prod --image img:1
        # not through jq, which would round the spec's big integer
        tc -o json containers get web | sed '/^  "id":/d' > "$BATS_TEST_TMPDIR/rec.json"
        run --separate-stderr tc containers create copy --from-json "$BATS_TEST_TMPDIR/rec.json"
        [ "$status" -eq 0 ]
        [ "$(jq -c '[.id, .labels, .image]' "$NS_DIR/copy.json")" = '["copy",{"env":"prod"},"img:1"]' ]
        [[ "$(cat "$NS_DIR/copy.json")" == *'"big":9223372036854775807'* ]]
        [ "$(jq -r .created_at "$NS_DIR/copy.json")" != "$(jq -r .created_at "$NS_DIR/web.json")" ]
        jq '.id = "other"' "$BATS_TEST_TMPDIR/rec.json" | tc containers create other --from-json -
        [ "$(jq -r .id "$NS_DIR/other.json")" = other ]
}

@test "create --from-json: runtime absent is the default, refusals exit 2 and write nothing" {
        echo '{"spec": {}}' > "$BATS_TEST_TMPDIR/min.json"
        run --separate-stderr tc containers create web --from-json "$BATS_TEST_TMPDIR/min.json"
        [ "$status" -eq 0 ]
        [ "$(jq -r .runtime.name "$NS_DIR/web.json")" = io.containerd.runc.v2 ]
        before=$(digest)
        echo '{"id": "x", "spec": {}}' > "$BATS_TEST_TMPDIR/x.json"
        run --separate-stderr tc containers create db --from-json "$BATS_TEST_TMPDIR/x.json"
        refused 2 "taskctl: containers create: --from-json \"$BATS_TEST_TMPDIR/x.json\": the record's id \"x\" is not \"db\""
        run --separate-stderr tc containers create db --from-json "$BATS_TEST_TMPDIR/min.json" --label a=b
        refused 2 'taskctl: containers create: --from-json takes the whole record: it cannot be combined with --spec, --runtime, --label, --image, --snapshotter, --snapshot-key or --runtime-options'
        echo '{"spec": {}, "lables": {}}' > "$BATS_TEST_TMPDIR/typo.json"
        run --separate-stderr tc containers create db --from-json "$BATS_TEST_TMPDIR/typo.json"
        refused 2 "taskctl: containers create: --from-json \"$BATS_TEST_TMPDIR/typo.json\": unknown field \"lables\""
        echo '{"spec": {}, "labels": {"a": 1}}' > "$BATS_TEST_TMPDIR/type.json"
        run --separate-stderr tc containers create db --from-json "$BATS_TEST_TMPDIR/type.json"
        refused 2 "taskctl: containers create: --from-json \"$BATS_TEST_TMPDIR/type.json\": field \"labels.a\": expected a string, got a number"
        echo '{"spec": {}, "runtime": {"name": ""}}' > "$BATS_TEST_TMPDIR/empty.json"
        run --separate-stderr tc containers create db --from-json "$BATS_TEST_TMPDIR/empty.json"
        refused 2 'taskctl: container "db" in namespace "default": container.Runtime.Name must be set'
        echo '{"spec": {}, "extensions": {"": {"type_url": "t", "value": ""}}}' > "$BATS_TEST_TMPDIR/ext.json"
        run --separate-stderr tc containers create db --from-json "$BATS_TEST_TMPDIR/ext.json"
        refused 2 'taskctl: container "db" in namespace "default": container.Extension keys must not be zero-length'
        [ "$(digest)" = "$before" ]
}

@test "get: a table row, -q the ID; missing exits 3 (also without ROOT)" {
        run --separate-stderr tc containers get web
        refused 3 'taskctl: container "web" in namespace "default": not found'
        [ ! -e "$R" ]
        mk web --image img:1
        run --separate-stderr tc containers get web
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "CONTAINER   IMAGE   RUNTIME" ]
        [ "${lines[1]}" = "web         img:1   io.containerd.runc.v2" ]
        run -0 --separate-stderr tc containers get web -q
        [ -z "$output" ] # -q rule (man taskctl, OUTPUT): get is neither a list nor a value
        run --separate-stderr tc containers get db
        refused 3 'taskctl: container "db" in namespace "default": not found'
        run --separate-stderr tc -n other containers get web
        refused 3 'taskctl: container "web" in namespace "other": not found'
        [ ! -e "$R/containers/other" ]
}

@test "get: a corrupt or symlinked record file exits 1 naming the file" {
        mk web
        printf '{"id": "bad", ' > "$NS_DIR/bad.json"
        run --separate-stderr tc containers get bad
        refused 1 'taskctl: container "bad" in namespace "default": containers/default/bad.json: corrupt record: invalid JSON at byte 13'
        ln -s web.json "$NS_DIR/link.json"
        run --separate-stderr tc containers get link
        refused 1 'taskctl: container "link" in namespace "default": containers/default/link.json: is a symlink, refusing to follow it'
}

@test "list: table, -q and -o json; an empty namespace lists nothing" {
        run --separate-stderr tc containers list
        [ "$status" -eq 0 ]
        [ "$output" = "CONTAINER   IMAGE   RUNTIME" ]
        run --separate-stderr tc containers list -o json
        [ "$output" = "[]" ]
        mk web --image img:1
        mk db
        run -0 --separate-stderr tc containers list -q
        [ "$(sort <<<"$output" | tr '\n' ' ')" = "db web " ]
        run -0 --separate-stderr tc containers list -o json
        [ "$(jq -c '[.[].id] | sort' <<<"$output")" = '["db","web"]' ]
        run -0 --separate-stderr tc containers list
        [ "${#lines[@]}" -eq 3 ]
}

@test "list: containerd filters (==, !=, ~=, presence, AND, OR, quoted keys)" {
        mk web --label env=prod --label io.k8s/name=web --image docker.io/library/busybox:latest
        mk db --label env=dev --runtime io.containerd.kata.v2 --snapshotter overlayfs
        mk cache
        ids() { tc containers list -q "$@" | sort | tr '\n' ' '; }
        [ "$(ids 'labels.env==prod')" = "web " ]
        [ "$(ids 'labels.env!=prod')" = "cache db " ]
        [ "$(ids 'labels.env')" = "db web " ]
        [ "$(ids 'image~=busybox')" = "web " ]
        [ "$(ids 'labels."io.k8s/name"==web')" = "web " ]
        [ "$(ids 'runtime.name==io.containerd.kata.v2')" = "db " ]
        [ "$(ids 'snapshotter==overlayfs')" = "db " ]
        [ "$(ids 'labels.env==prod,image~=nomatch')" = "" ]
        [ "$(ids 'id==cache' 'labels.env==dev')" = "cache db " ]
        run --separate-stderr tc containers list 'labels.a==,'
        refused 2 'taskctl: filter "labels.a==,": parse error at 10: expected value or quoted'
}

@test "list: a bad record file is reported on stderr and skipped, the rest listed, exit 1" {
        mk web
        mk db
        echo '{' > "$NS_DIR/bad.json"
        ln -s web.json "$NS_DIR/link.json"
        echo junk > "$NS_DIR/.web.json.999" # a killed writer's temp file: ignored
        run --separate-stderr tc containers list -q
        [ "$status" -eq 1 ]
        [ "$(sort <<<"$output" | tr '\n' ' ')" = "db web " ]
        [ "$(sort <<<"$stderr")" = "$(printf '%s\n' \
                'taskctl: containers list: 2 records could not be read' \
                'taskctl: containers/default/bad.json: corrupt record: invalid JSON at byte 1' \
                'taskctl: containers/default/link.json: is a symlink, refusing to follow it' | sort)" ]
        run --separate-stderr tc containers list -o json
        [ "$status" -eq 1 ]
        [ "$(jq length <<<"$output")" -eq 2 ]
}

@test "update: each flag names its field; created_at kept, updated_at later" {
        mk web --label env=prod --label keep=1 --image img:1
        created=$(jq -r .created_at "$NS_DIR/web.json")
        echo '{"ociVersion": "1.2.0"}' > "$BATS_TEST_TMPDIR/spec2.json"
        run --separate-stderr tc containers update web --label tier=front --unlabel env --image img:2 \
                --spec "$BATS_TEST_TMPDIR/spec2.json"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ "$(jq -c '[.labels, .image, .spec]' "$NS_DIR/web.json")" = '[{"keep":"1","tier":"front"},"img:2",{"ociVersion":"1.2.0"}]' ]
        [ "$(jq -r .created_at "$NS_DIR/web.json")" = "$created" ]
        [[ "$(jq -r .updated_at "$NS_DIR/web.json")" > "$created" ]]
        run --separate-stderr tc containers update web --snapshot-key k2 -o json
        [ "$status" -eq 2 ] # the result must validate: no snapshotter
        [ "$stderr" = 'taskctl: container "web" in namespace "default": container.Snapshotter must be set if container.SnapshotKey is set' ]
        mk db --snapshotter overlayfs
        run --separate-stderr tc containers update db --snapshot-key k2 -o json
        [ "$status" -eq 0 ]
        [ "$(jq -r .snapshot_key <<<"$output")" = k2 ]
        echo '{"ociVersion": "1.3.0"}' | tc containers update db --spec -
        [ "$(jq -r .spec.ociVersion "$NS_DIR/db.json")" = 1.3.0 ]
}

@test "update --from-json: full replace, immutable fields, --field paths" {
        mk web --label env=prod --image img:1 --snapshotter overlayfs --snapshot-key s1
        tc -o json containers get web > "$BATS_TEST_TMPDIR/rec.json"
        jq '.labels = {"new": "1"} | .image = "img:2" | .snapshot_key = "s2"' "$BATS_TEST_TMPDIR/rec.json" \
                | tc containers update web --from-json -
        [ "$(jq -c '[.labels, .image, .snapshot_key, .snapshotter]' "$NS_DIR/web.json")" = '[{"new":"1"},"img:2","s2","overlayfs"]' ]
        before=$(digest)
        jq '.runtime.name = "other"' "$BATS_TEST_TMPDIR/rec.json" > "$BATS_TEST_TMPDIR/rt.json"
        run --separate-stderr tc containers update web --from-json "$BATS_TEST_TMPDIR/rt.json"
        refused 2 'taskctl: container "web" in namespace "default": container.Runtime.Name field is immutable'
        jq '.snapshotter = "btrfs"' "$BATS_TEST_TMPDIR/rec.json" > "$BATS_TEST_TMPDIR/sn.json"
        run --separate-stderr tc containers update web --from-json "$BATS_TEST_TMPDIR/sn.json"
        refused 2 'taskctl: container "web" in namespace "default": container.Snapshotter field is immutable'
        run --separate-stderr tc containers update web --from-json "$BATS_TEST_TMPDIR/rec.json" --field runtime
        refused 2 'taskctl: container "web" in namespace "default": cannot update "runtime" field on "web"'
        [ "$(digest)" = "$before" ]
        echo '{"labels": {"a": "1", "b": "2"}, "image": "ignored"}' > "$BATS_TEST_TMPDIR/p.json"
        run --separate-stderr tc containers update web --from-json "$BATS_TEST_TMPDIR/p.json" --field labels.a --field labels.new
        [ "$status" -eq 0 ]
        [ "$(jq -c '[.labels, .image]' "$NS_DIR/web.json")" = '[{"a":"1"},"img:2"]' ]
}

@test "update: refusals exit 2 or 3 and write nothing" {
        mk web
        before=$(digest)
        run --separate-stderr tc containers update web
        refused 2 'taskctl: containers update: nothing to update (give --label, --unlabel, --image, --spec, --snapshot-key or --from-json)'
        run --separate-stderr tc containers update web --field labels
        refused 2 'taskctl: containers update: --field needs --from-json'
        run --separate-stderr tc containers update web --from-json "$SPEC" --label a=b
        refused 2 'taskctl: containers update: --from-json cannot be combined with --label, --unlabel, --image, --spec or --snapshot-key (use --field to pick its fields)'
        run --separate-stderr tc containers update web --label "k=$(head -c 4096 /dev/zero | tr '\0' v)"
        refused 2 'taskctl: container "web" in namespace "default": containers.Labels: label key and value length (4097 bytes) greater than maximum size (4096 bytes), key: k'
        run --separate-stderr tc containers update web --label bad
        refused 2 'taskctl: containers update: --label "bad": expected KEY=VALUE'
        run --separate-stderr tc containers update web --runtime x
        refused 2 'taskctl: containers update: unknown option --runtime (see '"'"'taskctl containers update --help'"'"')'
        run --separate-stderr tc containers update db --label a=b
        refused 3 'taskctl: container "db" in namespace "default": not found'
        run --separate-stderr tc containers update 'a/b' --label a=b
        refused 3 'taskctl: container "b" in namespace "a": not found'
        [ "$(digest)" = "$before" ]
}

@test "delete: removes the file; missing exits 3; a corrupt record can be deleted" {
        mk web
        run --separate-stderr tc containers delete web
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ -z "$stderr" ]
        [ ! -e "$NS_DIR/web.json" ]
        run --separate-stderr tc containers delete web
        refused 3 'taskctl: container "web" in namespace "default": not found'
        echo '{' > "$NS_DIR/bad.json"
        run --separate-stderr tc containers delete bad
        [ "$status" -eq 0 ]
        [ ! -e "$NS_DIR/bad.json" ]
}

@test "delete: refused (exit 5) while the container has a task; --force deletes the task first" {
        mk web
        mkdir -p "$S/tasks/default/web"
        before=$(digest)
        run --separate-stderr tc containers delete web
        refused 5 'taskctl: container "web" in namespace "default": cannot delete, it has a task (delete the task first, or use --force)'
        [ "$(digest)" = "$before" ]
        # a bundle with no shim behind it: --force cleans it up, then the record goes
        # (the same with a real running task is in tasks.bats)
        run --separate-stderr tc containers delete web --force
        [ "$status" -eq 0 ]
        [ ! -e "$S/tasks/default/web" ]
        [ ! -e "$NS_DIR/web.json" ]
}

@test "aliases c, ls and rm" {
        run --separate-stderr tc c create web --spec "$SPEC"
        [ "$status" -eq 0 ]
        run -0 --separate-stderr tc c ls -q
        [ "$output" = web ]
        run --separate-stderr tc c rm web
        [ "$status" -eq 0 ]
        [ ! -e "$NS_DIR/web.json" ]
}

@test "global options anywhere, namespaces kept apart" {
        run --separate-stderr tc c create web --spec "$SPEC" -n other
        [ "$status" -eq 0 ]
        [ -f "$R/containers/other/web.json" ]
        run -0 --separate-stderr tc -n other -o json c get web
        [ "$(jq -r .id <<<"$output")" = web ]
        run -0 --separate-stderr tc c list -q
        [ -z "$output" ]
        TASKCTL_NAMESPACE=other run --separate-stderr tc c list -q
        [ "$output" = web ]
}

@test "a held namespace lock makes a command exit 7 naming the holder" {
        mk web
        # one process that takes the lock and holds it (flock(1) would fork a child)
        python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
time.sleep(60)' "$NS_DIR/.lock" &
        holder=$!
        track_pid "$holder"
        for _ in $(seq 100); do flock -n "$NS_DIR/.lock" true || break; sleep 0.05; done
        run --separate-stderr tc --timeout 0.3 containers get web
        refused 7 "taskctl: container \"web\" in namespace \"default\": namespace \"default\" is locked by pid $holder (waited 0.3s)"
        run --separate-stderr tc --timeout 0.3 containers create db --spec "$SPEC"
        [ "$status" -eq 7 ]
        run --separate-stderr tc --timeout 0.3 containers delete web
        refused 7 "taskctl: container \"web\" in namespace \"default\": namespace \"default\" is locked by pid $holder (waited 0.3s)"
        run --separate-stderr tc --timeout 0.3 containers list -o json
        refused 7 "taskctl: containers list: namespace \"default\" is locked by pid $holder (waited 0.3s)"
        kill "$holder"
        wait "$holder" || true
        [ ! -e "$NS_DIR/db.json" ]
}

@test "help and usage errors" {
        run --separate-stderr tc containers --help
        [ "$status" -eq 0 ]
        [[ "$output" == "Usage: taskctl containers COMMAND"* ]]
        for sub in create get list update delete; do
                run --separate-stderr tc containers "$sub" --help
                [ "$status" -eq 0 ]
                [[ "$output" == "Usage: taskctl containers $sub"* ]]
        done
        run --separate-stderr tc containers
        refused 2 "taskctl: containers: missing command (create, get, list, update, delete or prune; see 'taskctl containers --help')"
        run --separate-stderr tc containers frob
        refused 2 "taskctl: containers: unknown command \"frob\" (see 'taskctl containers --help')"
        run --separate-stderr tc containers get
        refused 2 'taskctl: containers get: missing argument (usage: taskctl containers get ID)'
        run --separate-stderr tc containers delete web --bogus
        refused 2 "taskctl: containers delete: unknown option --bogus (see 'taskctl containers delete --help')"
}
