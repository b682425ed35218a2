# Shared by every tests/cli/*.bats file.
# shellcheck shell=bash
bats_require_minimum_version 1.5.0

: "${TASKCTL:?TASKCTL must name the taskctl binary under test (meson test sets it)}"
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# taskctl with this test's own root and state, and no config file.
tc() {
        "$TASKCTL" --root "$BATS_TEST_TMPDIR/root" --state "$BATS_TEST_TMPDIR/state" \
                --config "$BATS_TEST_TMPDIR/none.json" "$@"
}

setup_common() {
        echo '{}' > "$BATS_TEST_TMPDIR/none.json"
}

# A minimal OCI spec (runc spec, then our process and rootfs) printed on stdout.
# Usage: make_spec [ARG]...   (default: sleep 300)
make_spec() {
        local dir
        dir=$(mktemp -d "$BATS_TEST_TMPDIR/spec.XXXXXX")
        (cd "$dir" && runc spec) || return 1
        jq --argjson args "$(printf '%s\n' "${@:-sleep 300}" | jq -R . | jq -s .)" \
           --arg root "${SPEC_ROOT:-rootfs}" \
           '.process.args = ($args | if length == 1 then (.[0] | split(" ")) else . end)
            | .process.terminal = false | .root.path = $root | .root.readonly = true' \
           "$dir/config.json"
        rm -rf "$dir"
}

# A busybox rootfs built from busybox-static, shared by the tests of one file.
# Prints its path.
busybox_rootfs() {
        local r="$BATS_FILE_TMPDIR/busybox-rootfs"
        if [ ! -x "$r/bin/busybox" ]; then
                mkdir -p "$r/bin" "$r/proc" "$r/dev" "$r/sys" "$r/tmp" "$r/etc"
                cp /bin/busybox "$r/bin/busybox"
                for a in sh sleep true false echo cat ls kill trap exit; do
                        ln -sf busybox "$r/bin/$a"
                done
        fi
        echo "$r"
}

# PIDs a test must end itself: register with track_pid, killed in teardown.
track_pid() {
        echo "$1" >> "$BATS_TEST_TMPDIR/pids"
}

kill_tracked() {
        local p
        [ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
        while read -r p; do
                [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true
        done < "$BATS_TEST_TMPDIR/pids"
        rm -f "$BATS_TEST_TMPDIR/pids"
}

# Assert that nothing exists under DIR except the listed relative paths.
# Usage: tree_is DIR [PATH]...
tree_is() {
        local dir=$1; shift
        local got want
        got=$(cd "$dir" 2>/dev/null && find . -mindepth 1 | sed 's|^\./||' | sort)
        want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
        if [ "$got" != "$want" ]; then
                echo "tree of $dir:"; echo "$got"; echo "expected:"; echo "$want"
                return 1
        fi
}

# hold_lock PATH: holds a flock on PATH (a task's work dir: its task lock) in
# the background until the test ends. HOLDER is the pid that /proc/locks
# names; it and its child (the sleep that inherits the lock) are tracked, and
# fd 3 is closed so that bats does not wait for them.
hold_lock() {
        local _ c p
        flock "$1" sleep 60 >/dev/null 2>&1 3>&- &
        HOLDER=$!
        track_pid "$HOLDER"
        for _ in $(seq 200); do
                c=$(cat "/proc/$HOLDER/task/$HOLDER/children" 2>/dev/null || true)
                if [ -n "$c" ] && ! flock -n "$1" true; then
                        for p in $c; do track_pid "$p"; done
                        return 0
                fi
                sleep 0.05
        done
        echo "flock holder never took $1"
        return 1
}
