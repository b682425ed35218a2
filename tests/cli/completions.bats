#!/usr/bin/env bats
# Shell completions, the man page, the contrib units and crontab, and what
# "meson install" installs. The bash completion is exercised for real (its
# function is called as bash calls it); zsh and fish are exercised when those
# shells are installed (tests never install them).
load helpers

SRC=$(cd "$TESTS_DIR/.." && pwd)

COMMANDS=(containers c create start get kill stop wait delete pause resume ps stats update list load cleanup events info run exec attach logs help)
CONTAINER_COMMANDS=(create get list ls update delete rm prune)
GLOBALS=(-n --namespace --root --state --config -o --output -q --quiet --format --no-trunc --timeout --log-level -h --help --version)
SIGNALS=(SIGTERM SIGKILL SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGSTOP SIGCONT)

setup() {
        setup_common
        # shellcheck source=SCRIPTDIR/../../completions/taskctl.bash
        source "$SRC/completions/taskctl.bash"
}

teardown() {
        kill_tracked
        teardown_checks
}

# Completes at the end of WORDS (the last word is the one under the cursor,
# "" for a fresh word) the way bash calls a -F function; prints the candidates.
bash_complete() {
        local COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMP_LINE="$*" COMP_POINT
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _taskctl "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        [ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
}

# Asserts that every WORD is one of the lines of $output.
offers() {
        local w
        for w in "$@"; do
                if ! printf '%s\n' "$output" | grep -qxF -- "$w"; then
                        echo "missing \"$w\" in: $(printf '%s' "$output" | tr '\n' ' ')"
                        return 1
                fi
        done
}

# Asserts that the lines of $output are exactly the WORDs, in any order.
offers_exactly() {
        local got want
        got=$(printf '%s\n' "$output" | sed '/^$/d' | sort)
        want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
        if [ "$got" != "$want" ]; then
                echo "got: $(echo "$got" | tr '\n' ' ')"
                echo "want: $(echo "$want" | tr '\n' ' ')"
                return 1
        fi
}

# A stand-in taskctl that logs its arguments and prints IDs, for ID completion.
make_stub() {
        local stub="$BATS_TEST_TMPDIR/bin/taskctl"
        mkdir -p "$BATS_TEST_TMPDIR/bin"
        cat > "$stub" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >> "${0%/*}/calls"
case "$*" in
*"containers list -q") printf 'web\ndb\n' ;;
*"list -q") printf 'task1\ntask2\n' ;;
esac
EOF
        chmod +x "$stub"
        echo "$stub"
}

# The meson build dir of $TASKCTL: TASKCTL_BUILD (meson test sets it), else
# the directory two levels up from the binary (BUILD/cli/taskctl).
build_dir() {
        local b=${TASKCTL_BUILD:-$(cd "$(dirname "$TASKCTL")/.." && pwd)}
        [ -f "$b/build.ninja" ] || { echo "no meson build dir for $TASKCTL" >&2; return 1; }
        echo "$b"
}

# --- bash ---------------------------------------------------------------------

@test "bash: 'taskctl ' offers every command, also after global options" {
        run bash_complete taskctl ""
        [ "$status" -eq 0 ]
        offers_exactly "${COMMANDS[@]}"
        run -0 bash_complete taskctl -n prod --root /r -o json ""
        offers_exactly "${COMMANDS[@]}"
        run -0 bash_complete taskctl --root=/r ""
        offers_exactly "${COMMANDS[@]}"
        run -0 bash_complete taskctl ev
        offers_exactly events
}

@test "bash: 'taskctl containers ' and 'taskctl c ' offer create, get, list, update, delete" {
        run -0 bash_complete taskctl containers ""
        offers_exactly "${CONTAINER_COMMANDS[@]}"
        offers create get list update delete
        run -0 bash_complete taskctl -q c ""
        offers_exactly "${CONTAINER_COMMANDS[@]}"
        run -0 bash_complete taskctl containers up
        offers_exactly update
}

@test "bash: 'taskctl kill web --signal ' offers signal names" {
        run -0 bash_complete taskctl kill web --signal ""
        offers "${SIGNALS[@]}"
        run -0 bash_complete taskctl kill web --signal SIGK
        offers_exactly SIGKILL
        # "--signal=SIGK" reaches the function split at "=" (COMP_WORDBREAKS).
        run -0 bash_complete taskctl kill web --signal = SIGK
        offers_exactly SIGKILL
}

@test "bash: 'taskctl -o ' offers table and json; --log-level its levels" {
        run -0 bash_complete taskctl -o ""
        offers_exactly table json jsonl
        run -0 bash_complete taskctl list --output ""
        offers_exactly table json jsonl
        run -0 bash_complete taskctl --output = j
        offers_exactly json jsonl
        run -0 bash_complete taskctl info --log-level ""
        offers_exactly error warn info debug
}

@test "bash: every command offers its own flags and the global ones" {
        local -A flags=(
                ["containers create"]="--spec --runtime --label --image --snapshotter --snapshot-key --runtime-options --from-json"
                ["containers get"]=""
                ["containers list"]="-A --all-namespaces"
                ["containers ls"]="-A --all-namespaces"
                ["containers update"]="--label --unlabel --image --spec --snapshot-key --from-json --field"
                ["containers delete"]="-f --force"
                ["containers rm"]="-f --force"
                ["containers prune"]=""
                ["create"]="--spec --runtime --label --image --snapshotter --snapshot-key --runtime-options --rootfs --stdin --stdout --stderr --terminal -t --tty -i --interactive --log-max-size"
                ["run"]="-d --detach -i --interactive -t --tty --terminal --rm --spec --runtime --label --image --runtime-options --rootfs --stdout --stderr --log-max-size"
                ["exec"]="-d --detach -i --interactive -t --tty --terminal --user --cwd --env --exec-id"
                ["attach"]="--no-stdin"
                ["logs"]="-f --follow --tail --since --timestamps"
                ["start"]=""
                ["get"]=""
                ["kill"]="-s --signal -a --all"
                ["stop"]="-t --time"
                ["wait"]=""
                ["delete"]="-f --force"
                ["pause"]=""
                ["resume"]=""
                ["ps"]=""
                ["stats"]="--no-stream"
                ["update"]="--memory --cpus --pids-limit"
                ["list"]="-A --all-namespaces --parallel --deadline"
                ["load"]="-A --dry-run --parallel --deadline"
                ["cleanup"]="-A --dry-run --older-than"
                ["events"]="-A --all-namespaces --since --follow"
                ["info"]=""
        )
        local cmd
        for cmd in "${!flags[@]}"; do
                # shellcheck disable=SC2086 # the command words split on purpose
                run -0 bash_complete taskctl $cmd x -
                # shellcheck disable=SC2086
                offers_exactly ${flags[$cmd]} "${GLOBALS[@]}" || { echo "for: $cmd"; return 1; }
        done
}

@test "bash: file values offer files (and - for stdin), directory values only directories" {
        mkdir -p "$BATS_TEST_TMPDIR/cwd/sub"
        touch "$BATS_TEST_TMPDIR/cwd/spec.json"
        cd "$BATS_TEST_TMPDIR/cwd"
        local opt
        for opt in --spec --from-json; do
                run -0 bash_complete taskctl containers create web "$opt" ""
                offers_exactly spec.json sub -
        done
        for opt in --config --runtime-options --stdin --stdout --stderr; do
                run -0 bash_complete taskctl create web "$opt" ""
                offers_exactly spec.json sub
        done
        for opt in --root --state --rootfs; do
                run -0 bash_complete taskctl create web "$opt" ""
                offers_exactly sub
        done
        run -0 bash_complete taskctl --root = s
        offers_exactly sub
        run -0 bash_complete taskctl containers update web --field l
        offers_exactly labels labels.
}

@test "bash: IDs come from the taskctl on the line, with -n/--root/--state/--config passed on" {
        local stub
        stub=$(make_stub)
        run -0 bash_complete "$stub" -n prod --root /r containers get ""
        offers_exactly web db
        run -0 bash_complete "$stub" c rm w
        offers_exactly web
        run -0 bash_complete "$stub" --namespace=x --state /s --config /c.json update ""
        offers_exactly task1 task2
        run -0 bash_complete "$stub" --namespace=x --state /s --config /c.json c update ""
        offers_exactly web db
        run -0 bash_complete "$stub" create ""
        offers_exactly web db
        run -0 bash_complete "$stub" -nfoo kill --signal SIGKILL t
        offers_exactly task1 task2
        local cmd
        for cmd in start get kill stop wait delete pause resume ps stats update exec attach logs; do
                run -0 bash_complete "$stub" "$cmd" ""
                offers_exactly task1 task2
        done
        # Commands of several IDs offer one at every position; the others
        # no ID for a second positional, nor for the ID of a new record.
        run -0 bash_complete "$stub" kill task1 ""
        offers_exactly task1 task2
        run -0 bash_complete "$stub" stop -t 5 task1 ""
        offers_exactly task1 task2
        run -0 bash_complete "$stub" wait task1 ""
        offers_exactly
        run -0 bash_complete "$stub" containers create ""
        offers_exactly
        run -0 cat "$BATS_TEST_TMPDIR/bin/calls"
        [ "${lines[0]}" = "-n prod --root /r --timeout 2 containers list -q" ]
        [ "${lines[1]}" = "--timeout 2 containers list -q" ]
        [ "${lines[2]}" = "--namespace=x --state /s --config /c.json --timeout 2 list -q" ]
        [ "${lines[3]}" = "--namespace=x --state /s --config /c.json --timeout 2 containers list -q" ]
        [ "${lines[4]}" = "--timeout 2 containers list -q" ]
        [ "${lines[5]}" = "-n foo --timeout 2 list -q" ]
        [ "${#lines[@]}" -eq 22 ] # 6 above, 14 in the loop, kill and stop
}

@test "bash: ID completion is silent when taskctl fails or prints nothing" {
        local bad="$BATS_TEST_TMPDIR/bin/taskctl"
        mkdir -p "$BATS_TEST_TMPDIR/bin"
        printf '#!/bin/sh\necho "taskctl: boom" >&2\nexit 6\n' > "$bad"
        chmod +x "$bad"
        run --separate-stderr bash_complete "$bad" get ""
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ -z "$stderr" ]
        # The real binary on an empty root.
        run --separate-stderr bash_complete "$TASKCTL" --root "$BATS_TEST_TMPDIR/none" \
                --state "$BATS_TEST_TMPDIR/none" containers get ""
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ -z "$stderr" ]
        run -0 --separate-stderr bash_complete "$BATS_TEST_TMPDIR/missing/taskctl" wait ""
        [ -z "$output" ]
        [ -z "$stderr" ]
}

@test "bash: namespaces are the directories under ROOT/containers, hidden ones skipped" {
        local root="$BATS_TEST_TMPDIR/root"
        mkdir -p "$root/containers/prod" "$root/containers/dev" "$root/containers/.tmp"
        touch "$root/containers/stray-file"
        run -0 bash_complete taskctl --root "$root" -n ""
        offers_exactly dev prod
        run -0 bash_complete taskctl --root = "$root" list --namespace p
        offers_exactly prod
        TASKCTL_ROOT=$root run bash_complete taskctl -n ""
        offers_exactly dev prod
        run -0 --separate-stderr bash_complete taskctl --root "$BATS_TEST_TMPDIR/nowhere" -n ""
        [ -z "$output" ]
        [ -z "$stderr" ]
}

@test "bash: runtime names from the containerd-shim-NAME-VERSION binaries on PATH" {
        mkdir -p "$BATS_TEST_TMPDIR/shims"
        printf '#!/bin/sh\n' > "$BATS_TEST_TMPDIR/shims/containerd-shim-fake-v7"
        chmod +x "$BATS_TEST_TMPDIR/shims/containerd-shim-fake-v7"
        PATH="$BATS_TEST_TMPDIR/shims:$PATH" run bash_complete taskctl containers create web --runtime io.containerd.f
        offers_exactly io.containerd.fake.v7
}

@test "bash: the file registers the completion for taskctl" {
        run complete -p taskctl
        [ "$status" -eq 0 ]
        [ "$output" = "complete -F _taskctl taskctl" ]
}

# --- zsh and fish (when installed) ----------------------------------------------

# completes_all COMPLETER: what the zsh and the fish completions must offer
# (commands, subcommands, signals, -o, options, and IDs from the stub's
# `list -q` calls); `COMPLETER LINE` prints the candidates for LINE.
completes_all() {
        local stub
        run -0 "$1" "taskctl "
        offers_exactly "${COMMANDS[@]}"
        run -0 "$1" "taskctl -n prod containers "
        offers_exactly "${CONTAINER_COMMANDS[@]}"
        run -0 "$1" "taskctl kill web --signal "
        offers "${SIGNALS[@]}"
        run -0 "$1" "taskctl -o "
        offers_exactly table json jsonl
        run -0 "$1" "taskctl cleanup --"
        offers --dry-run --older-than --root --state --namespace
        stub=$(make_stub)
        run -0 "$1" "$stub -n prod containers get "
        offers_exactly web db
        run -0 "$1" "$stub wait "
        offers_exactly task1 task2
        run -0 cat "$BATS_TEST_TMPDIR/bin/calls"
        [ "${lines[0]}" = "-n prod --timeout 2 containers list -q" ]
        [ "${lines[1]}" = "--timeout 2 list -q" ]
}

@test "zsh: _taskctl parses, and completes commands, subcommands, signals, -o" {
        command -v zsh >/dev/null || skip "zsh is not installed"
        run zsh -n "$SRC/completions/_taskctl"
        [ "$status" -eq 0 ]
        zc() { timeout 20 zsh -f "$TESTS_DIR/cli/zsh-complete.zsh" "$SRC/completions" "$BATS_TEST_TMPDIR/zcompdump" "$1"; }
        completes_all zc
}

@test "fish: taskctl.fish parses, and completes commands, subcommands, signals, -o" {
        command -v fish >/dev/null || skip "fish is not installed"
        run fish -n "$SRC/completions/taskctl.fish"
        [ "$status" -eq 0 ]
        fc() { fish --no-config -c "source $SRC/completions/taskctl.fish; complete -C '$1'" | cut -f1; }
        completes_all fc
}

# --- man page -------------------------------------------------------------------

# taskctl.1 as plain text: roff font escapes and dash escapes removed.
man_text() {
        sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\&//g' "$1"
}

@test "man: taskctl.1.scd builds with scdoc, without a warning" {
        run --separate-stderr scdoc < "$SRC/man/taskctl.1.scd"
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
        [ -n "$output" ]
        local b
        b=$(build_dir)
        # meson built the same page.
        scdoc < "$SRC/man/taskctl.1.scd" > "$BATS_TEST_TMPDIR/taskctl.1"
        cmp "$BATS_TEST_TMPDIR/taskctl.1" "$b/man/taskctl.1"
}

@test "man: the page documents every command, option, exit status and section of SPEC" {
        scdoc < "$SRC/man/taskctl.1.scd" > "$BATS_TEST_TMPDIR/taskctl.1"
        man_text "$BATS_TEST_TMPDIR/taskctl.1" > "$BATS_TEST_TMPDIR/taskctl.txt"
        local t="$BATS_TEST_TMPDIR/taskctl.txt" c
        # Every command heads its own entry ("create ID ...", "info"): a line that
        # starts with it, followed by the indented body (.RS) or a line break (.br).
        for c in "containers create" "containers get" "containers list" "containers update" \
                "containers delete" "containers prune" create start get kill stop wait delete pause \
                resume ps stats update list load cleanup events info run exec attach logs; do
                awk -v c="$c" 'head && ($0 == ".RS 4" || $0 == ".br") { found = 1 }
                               { head = ($0 ~ ("^" c "( |$)")) } END { exit !found }' "$t" ||
                        { echo "no entry for: $c"; return 1; }
        done
        for c in "alias c" "alias ls" "alias rm"; do
                grep -qF "$c" "$t" || { echo "missing: $c"; return 1; }
        done
        for c in --namespace --root --state --config --output --quiet --timeout --log-level --help \
                --version --spec --runtime --label --image --snapshotter --snapshot-key \
                --runtime-options --from-json --unlabel --field --force --rootfs --stdin --stdout \
                --stderr --terminal --signal --all --all-namespaces --dry-run --older-than --since \
                --follow --tail --timestamps --log-max-size --interactive --tty --detach --rm \
                --user --cwd --env --exec-id --no-stdin output.log ctrl-p \
                --time --no-stream --memory --cpus --pids-limit \
                TASKCTL_NAMESPACE TASKCTL_ROOT TASKCTL_STATE TASKCTL_CONFIG TASKCTL_LOG_LEVEL \
                ROOT/containers/NS/ID.json ROOT/containers/NS/.lock ROOT/tasks/NS/ID/ \
                STATE/tasks/NS/ID/ ROOT/events/NS.jsonl \
                /etc/taskctl/config.json default_runtime platforms 'labels."io.k8s/name"==web' '~=' \
                taskctl-cleanup.timer taskctl-cleanup.service taskctl-load.service taskctl.cron \
                'ctr(8)' 'runc(8)' 'containerd(8)'; do
                grep -qF -- "$c" "$t" || { echo "missing: $c"; return 1; }
        done
        for c in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS FILTERS FILES CONFIGURATION \
                "EXIT STATUS" EVENTS "CRON AND SYSTEMD" EXAMPLES "SEE ALSO"; do
                grep -qxF ".SH $c" "$t" || { echo "no section: $c"; return 1; }
        done
        # The exit status table has one row per code, 0 to 7.
        for c in 0 1 2 3 4 5 6 7; do
                grep -qxF "$c" "$t" || { echo "no exit status row: $c"; return 1; }
        done
}

# --- contrib ----------------------------------------------------------------------

@test "contrib: the units run the documented commands and pass systemd-analyze verify" {
        run -0 grep -h '^ExecStart=' "$SRC/contrib/taskctl-cleanup.service" "$SRC/contrib/taskctl-load.service"
        [ "${lines[0]}" = "ExecStart=taskctl cleanup -A --older-than 1h" ]
        [ "${lines[1]}" = "ExecStart=taskctl load -A" ]
        grep -qxF 'OnCalendar=hourly' "$SRC/contrib/taskctl-cleanup.timer"
        grep -qxF 'ProtectSystem=strict' "$SRC/contrib/taskctl-cleanup.service"
        grep -qxF 'ReadWritePaths=/var/lib/taskctl' "$SRC/contrib/taskctl-cleanup.service"
        grep -qxF 'RuntimeDirectoryPreserve=yes' "$SRC/contrib/taskctl-cleanup.service"
        # load must share the host's mount namespace: nothing that makes a private one.
        run grep -E '^(Protect(System|Home|KernelModules|KernelLogs|ControlGroups|Proc)|Private|ReadWritePaths|ReadOnlyPaths|InaccessiblePaths|TemporaryFileSystem|BindPaths|ProcSubset)' \
                "$SRC/contrib/taskctl-load.service"
        [ "$status" -eq 1 ]
        # Nor may cleanup lose /proc/locks or the view of other processes.
        run grep -E '^(ProcSubset|ProtectProc)' "$SRC/contrib/taskctl-cleanup.service"
        [ "$status" -eq 1 ]

        command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
        # A root with the system's units and taskctl in /usr/bin, where the bare
        # "taskctl" of ExecStart= resolves.
        local r="$BATS_TEST_TMPDIR/sysroot" units
        units=$(readlink -f /usr/lib/systemd/system)
        mkdir -p "$r/usr/bin" "$r/usr/lib/systemd" "$r/etc/systemd/system"
        cp -a "$units" "$r/usr/lib/systemd/system"
        cp "$TASKCTL" "$r/usr/bin/taskctl"
        cp "$SRC"/contrib/taskctl-*.service "$SRC"/contrib/taskctl-*.timer "$r/etc/systemd/system/"
        run --separate-stderr systemd-analyze verify --man=no --root="$r" \
                /etc/systemd/system/taskctl-cleanup.service /etc/systemd/system/taskctl-cleanup.timer \
                /etc/systemd/system/taskctl-load.service
        echo "$stderr"
        [ "$status" -eq 0 ]
        [ -z "$stderr" ]
}

@test "contrib: the crontab line runs cleanup hourly and logs output and a failing status to syslog" {
        local f="$SRC/contrib/taskctl.cron" line cmd
        run grep -cE '^[0-9*]' "$f"
        [ "$output" = 1 ]
        line=$(grep -E '^[0-9*]' "$f")
        # minute hour dom month dow user command; no "%" (cron turns it into a newline).
        [[ $line =~ ^[0-9]+\ \*\ \*\ \*\ \*\ root\ (.*)$ ]]
        cmd=${BASH_REMATCH[1]}
        [[ $line != *%* ]]
        grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$f"

        local bin="$BATS_TEST_TMPDIR/cronbin"
        mkdir -p "$bin"
        cat > "$bin/taskctl" <<EOF
#!/bin/sh
printf '%s\n' "\$*" > "$bin/args"
[ -n "\$TC_OUT" ] && echo "\$TC_OUT"
[ -n "\$TC_ERR" ] && echo "\$TC_ERR" >&2
exit \${TC_RC:-0}
EOF
        cat > "$bin/logger" <<EOF
#!/bin/sh
printf 'logger %s\n' "\$*" >> "$bin/log"
case "\$*" in *"exit status"*) ;; *) sed 's/^/| /' >> "$bin/log" ;; esac
exit 0
EOF
        chmod +x "$bin/taskctl" "$bin/logger"

        PATH="$bin:/usr/bin:/bin" TC_RC=7 TC_OUT="REMOVE default web" \
                TC_ERR="taskctl: lock held by PID 42" run sh -c "$cmd"
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ "$(cat "$bin/args")" = "cleanup -A --older-than 1h" ]
        run cat "$bin/log"
        [ "${lines[0]}" = "logger -t taskctl-cleanup -p cron.info" ]
        [ "${lines[1]}" = "| REMOVE default web" ]
        [ "${lines[2]}" = "| taskctl: lock held by PID 42" ]
        [ "${lines[3]}" = "logger -t taskctl-cleanup -p cron.err exit status 7" ]
        [ "${#lines[@]}" -eq 4 ]

        # A quiet, successful run logs nothing.
        rm -f "$bin/log"
        PATH="$bin:/usr/bin:/bin" TC_RC=0 run sh -c "$cmd"
        [ "$status" -eq 0 ]
        [ ! -e "$bin/log" ]
}

# --- install ----------------------------------------------------------------------

@test "meson install puts the binary, completions, man page, units and contrib files in place" {
        local b d="$BATS_TEST_TMPDIR/dest"
        b=$(build_dir)
        run meson install -C "$b" --destdir "$d" --no-rebuild --quiet
        [ "$status" -eq 0 ]
        local want f got
        for want in "bin/taskctl" \
                "share/bash-completion/completions/taskctl:completions/taskctl.bash" \
                "share/zsh/site-functions/_taskctl:completions/_taskctl" \
                "share/fish/vendor_completions.d/taskctl.fish:completions/taskctl.fish" \
                "share/man/man1/taskctl.1" \
                "lib/systemd/system/taskctl-cleanup.service:contrib/taskctl-cleanup.service" \
                "lib/systemd/system/taskctl-cleanup.timer:contrib/taskctl-cleanup.timer" \
                "lib/systemd/system/taskctl-load.service:contrib/taskctl-load.service" \
                "share/taskctl/contrib/taskctl.cron:contrib/taskctl.cron" \
                "share/taskctl/contrib/README.md:contrib/README.md"; do
                f=${want%%:*}
                got=$(find "$d" -path "*/$f" -type f)
                [ -n "$got" ] || { echo "not installed: $f"; find "$d" -type f; return 1; }
                if [[ $want == *:* ]]; then
                        cmp "$got" "$SRC/${want#*:}"
                fi
        done
}
