#!/usr/bin/env bats
# The CLI edge: global options anywhere, precedence, config file, usage errors,
# info, --help and --version. Each refusal: its exit code, one stderr line,
# nothing on stdout, nothing written.
load helpers

setup() {
        setup_common
}

teardown() {
        teardown_checks
}

refused() { # CODE LINE
        [ "$status" -eq "$1" ] || { echo "status $status, want $1; stderr: $stderr"; return 1; }
        [ -z "$output" ] || { echo "stdout: $output"; return 1; }
        [ "$stderr" = "$2" ] || { echo "stderr: $stderr"; echo "want:   $2"; return 1; }
}

@test "no command: usage on stderr, exit 2" {
        run --separate-stderr "$TASKCTL"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [[ "$stderr" == *"taskctl: missing command"* ]]
}

@test "unknown command and unknown flag: exit 2 with a hint, nothing written" {
        run --separate-stderr tc frobnicate
        refused 2 "taskctl: unknown command \"frobnicate\" (see 'taskctl --help')"
        run --separate-stderr tc info --bogus
        refused 2 "taskctl: info: unknown option --bogus (see 'taskctl info --help')"
        run --separate-stderr tc containers get
        refused 2 "taskctl: containers get: missing argument (usage: taskctl containers get ID)"
        [ ! -e "$BATS_TEST_TMPDIR/root" ]
        [ ! -e "$BATS_TEST_TMPDIR/state" ]
}

@test "--help for the program and for every command; --version" {
        run --separate-stderr "$TASKCTL" --help
        [ "$status" -eq 0 ]
        top=$output
        for c in containers create start get kill wait delete list load cleanup events info; do
                [[ "$top" == *"  $c "* ]] || { echo "missing $c"; return 1; }
                run --separate-stderr "$TASKCTL" "$c" --help
                [ "$status" -eq 0 ]
                [[ "${lines[0]}" == "Usage: taskctl $c"* ]] || { echo "$c: ${lines[0]}"; return 1; }
        done
        for c in create get list update delete; do
                run --separate-stderr "$TASKCTL" containers "$c" --help
                [ "$status" -eq 0 ]
                [[ "${lines[0]}" == "Usage: taskctl containers $c"* ]]
        done
        run --separate-stderr "$TASKCTL" --version
        [ "$status" -eq 0 ]
        [[ "$output" =~ ^taskctl\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "invalid namespace from flag or environment: exit 2, touches nothing" {
        run --separate-stderr tc -n 'bad/ns' containers list
        refused 2 'taskctl: namespace "bad/ns" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$'
        TASKCTL_NAMESPACE=.hidden run --separate-stderr tc containers list
        refused 2 'taskctl: namespace ".hidden" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$'
        [ ! -e "$BATS_TEST_TMPDIR/root" ]
}

@test "bad --output, --timeout and --log-level values: exit 2" {
        run --separate-stderr tc -o yaml info
        refused 2 'taskctl: --output "yaml": expected table, json or jsonl'
        run --separate-stderr tc --timeout -1 info
        refused 2 'taskctl: --timeout "-1": expected a positive number of seconds'
        run --separate-stderr tc --timeout abc info
        refused 2 'taskctl: --timeout "abc": expected a positive number of seconds'
        run --separate-stderr tc --log-level loud info
        refused 2 'taskctl: log level "loud": expected error, warn, info or debug'
        TASKCTL_LOG_LEVEL=loud run --separate-stderr tc info
        refused 2 'taskctl: log level "loud": expected error, warn, info or debug'
}

@test "global options before or after the command, and precedence flag > env > config > default" {
        cat > "$BATS_TEST_TMPDIR/c.json" <<JSON
{"root": "$BATS_TEST_TMPDIR/cfgroot", "state": "$BATS_TEST_TMPDIR/cfgstate",
 "platforms": ["x86_64", "linux/aarch64", "armhf"], "default_runtime": "io.example.foo.v1", "timeout": 3}
JSON
        run --separate-stderr "$TASKCTL" --config "$BATS_TEST_TMPDIR/c.json" info -o json
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | jq -r .root)" = "$BATS_TEST_TMPDIR/cfgroot" ]
        [ "$(echo "$output" | jq -r .state)" = "$BATS_TEST_TMPDIR/cfgstate" ]
        [ "$(echo "$output" | jq -c .platforms)" = '["linux/amd64","linux/arm64","linux/arm/v7"]' ]
        [ "$(echo "$output" | jq -r .default_runtime)" = io.example.foo.v1 ]
        [ "$(echo "$output" | jq -r .timeout)" = 3 ]
        TASKCTL_ROOT=/envroot run --separate-stderr "$TASKCTL" info --config "$BATS_TEST_TMPDIR/c.json" -o json
        [ "$(echo "$output" | jq -r .root)" = /envroot ]
        TASKCTL_ROOT=/envroot TASKCTL_CONFIG="$BATS_TEST_TMPDIR/c.json" run --separate-stderr \
                "$TASKCTL" -o json --root /flagroot info --timeout 7 -n ns1
        [ "$(echo "$output" | jq -r .root)" = /flagroot ]
        [ "$(echo "$output" | jq -r .timeout)" = 7 ]
        [ "$(echo "$output" | jq -r .namespace)" = ns1 ]
        [ "$(echo "$output" | jq -r .state)" = "$BATS_TEST_TMPDIR/cfgstate" ]
}

@test "config file: invalid platform, unknown key, bad JSON, explicit missing file: exit 2 for every command" {
        echo '{"platforms": ["amd65"]}' > "$BATS_TEST_TMPDIR/p.json" # plan9/amd65: Parse takes it
        for cmd in info "containers list" list cleanup events; do
                # shellcheck disable=SC2086
                run --separate-stderr "$TASKCTL" --config "$BATS_TEST_TMPDIR/p.json" $cmd
                refused 2 "taskctl: config file $BATS_TEST_TMPDIR/p.json: \"platforms\": platform \"amd65\": unknown operating system or architecture"
        done
        echo '{"rooot": "/x"}' > "$BATS_TEST_TMPDIR/k.json"
        run --separate-stderr "$TASKCTL" --config "$BATS_TEST_TMPDIR/k.json" info
        refused 2 "taskctl: config file $BATS_TEST_TMPDIR/k.json: unknown key \"rooot\""
        echo '{"root": ' > "$BATS_TEST_TMPDIR/j.json"
        run --separate-stderr "$TASKCTL" --config "$BATS_TEST_TMPDIR/j.json" info
        refused 2 "taskctl: config file $BATS_TEST_TMPDIR/j.json: not a JSON object"
        run --separate-stderr "$TASKCTL" --config "$BATS_TEST_TMPDIR/nope.json" info
        refused 2 "taskctl: config file $BATS_TEST_TMPDIR/nope.json: No such file or directory"
}

@test "info lists the containerd-shim binaries on PATH" {
        run --separate-stderr tc info -o json
        [ "$status" -eq 0 ]
        echo "$output" | jq -e '.shims | index("/usr/bin/containerd-shim-runc-v2") != null'
        [ "$(echo "$output" | jq -r .version)" = "$("$TASKCTL" --version | cut -d' ' -f2)" ]
        run -0 --separate-stderr tc info
        [[ "$output" == *"shims            "*"containerd-shim-runc-v2"* ]]
}

@test "a full stdout is an error, not a silent success" {
        run --separate-stderr bash -c "'$TASKCTL' --config '$BATS_TEST_TMPDIR/none.json' info > /dev/full"
        [ "$status" -eq 1 ]
        [[ "$stderr" == "taskctl: write output: "* ]]
}
