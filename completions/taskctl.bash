# bash completion for taskctl(1)                           -*- shell-script -*-
# SPDX-License-Identifier: Apache-2.0
#
# Self-contained: works with or without the bash-completion package.
# Global options are accepted before and after the command, as taskctl does.
# IDs are completed by running the taskctl being completed ("taskctl containers
# list -q", "taskctl list -q") with the -n/--root/--state/--config given on the
# line; a word with a '/' completes NS/ID from "list -A -q" (every namespace).
# Namespaces are the directory names under ROOT/containers/ and those of the
# tasks taskctl lists with -A. Every failure is silent: no output, no completion.

__taskctl_commands="containers c create start get kill stop wait delete pause resume ps stats update list load cleanup events info run exec attach logs help"
__taskctl_container_commands="create get list ls update delete rm prune"
__taskctl_globals="-n --namespace --root --state --config -o --output -q --quiet --format --no-trunc --timeout --log-level -h --help --version"
__taskctl_signals="SIGTERM SIGKILL SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGSTOP SIGCONT SIGTSTP SIGWINCH SIGABRT SIGALRM SIGPIPE SIGTTIN SIGTTOU"
__taskctl_fields="labels labels. extensions extensions. spec image snapshotkey"

# Options that take a value, in any command (globals and command options).
__taskctl_takes_value() {
        case $1 in
        -n | --namespace | --root | --state | --config | -o | --output | --format | --timeout | --log-level) return 0 ;;
        --spec | --runtime | --label | --image | --snapshotter | --snapshot-key | --runtime-options) return 0 ;;
        --from-json | --unlabel | --field | --rootfs | --stdin | --stdout | --stderr) return 0 ;;
        -s | --signal | --older-than | --since | --time | --memory | --cpus | --pids-limit) return 0 ;;
        --log-max-size | --tail | --user | --cwd | --env | --exec-id) return 0 ;;
        esac
        return 1
}

# The command's own options. $1: command, $2: containers subcommand.
__taskctl_cmd_opts() {
        case $1/$2 in
        containers/create) printf "%s\n" "--spec --runtime --label --image --snapshotter --snapshot-key --runtime-options --from-json" ;;
        containers/update) printf "%s\n" "--label --unlabel --image --spec --snapshot-key --from-json --field" ;;
        containers/delete) printf "%s\n" "-f --force" ;;
        create/*) printf "%s\n" "--spec --runtime --label --image --snapshotter --snapshot-key --runtime-options --rootfs --stdin --stdout --stderr --terminal -t --tty -i --interactive --log-max-size" ;;
        run/*) printf "%s\n" "-d --detach -i --interactive -t --tty --terminal --rm --spec --runtime --label --image --runtime-options --rootfs --stdout --stderr --log-max-size" ;;
        exec/*) printf "%s\n" "-d --detach -i --interactive -t --tty --terminal --user --cwd --env --exec-id" ;;
        attach/*) printf "%s\n" "--no-stdin" ;;
        logs/*) printf "%s\n" "-f --follow --tail --since --timestamps" ;;
        kill/*) printf "%s\n" "-s --signal -a --all" ;;
        delete/*) printf "%s\n" "-f --force" ;;
        stop/*) printf "%s\n" "-t --time" ;;
        stats/*) printf "%s\n" "--no-stream" ;;
        update/*) printf "%s\n" "--memory --cpus --pids-limit" ;;
        containers/list) printf "%s\n" "-A --all-namespaces" ;;
        list/*) printf "%s\n" "-A --all-namespaces --parallel --deadline" ;;
        load/*) printf "%s\n" "-A --dry-run --parallel --deadline" ;;
        cleanup/*) printf "%s\n" "-A --dry-run --older-than" ;;
        events/*) printf "%s\n" "-A --all-namespaces --since --follow" ;;
        esac
}

# Runtime names for the containerd-shim-NAME-VERSION binaries on PATH.
__taskctl_runtimes() {
        local d f name IFS=:
        for d in $PATH; do
                for f in "$d"/containerd-shim-*-v*; do
                        [[ -x $f ]] || continue
                        name=${f##*/containerd-shim-}
                        echo "io.containerd.${name%-*}.${name##*-}"
                done
        done 2>/dev/null | sort -u
}

__taskctl_namespaces() {
        local root=$1 d n
        for d in "$root"/containers/*; do
                n=${d##*/}
                [[ -d $d && $n != .* ]] && echo "$n"
        done 2>/dev/null
}

# Sets COMPREPLY to the words of $1 that start with $2.
__taskctl_reply() {
        mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

__taskctl_files() {
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

__taskctl_dirs() {
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$1")
}

_taskctl() {
        local prog=$1 cur i w opt cmd="" sub="" npos=0 root="" end_of_opts=""
        local -a words=() pass=()

        # Rejoin "--opt", "=", "value", which COMP_WORDBREAKS split apart.
        local joining=""
        for ((i = 0; i <= COMP_CWORD; i++)); do
                w=${COMP_WORDS[i]}
                if [[ -n $joining ]]; then
                        words[-1]+=$w
                        joining=""
                elif [[ $w == "=" && ${#words[@]} -gt 1 && ${words[-1]} == --?* && ${words[-1]} != *=* ]]; then
                        words[-1]+="="
                        joining=1
                else
                        words+=("$w")
                fi
        done
        cur=${words[-1]}

        # Walk the words before the current one: find the command, the
        # containers subcommand, count positionals, collect -n/--root/--state/--config.
        for ((i = 1; i < ${#words[@]} - 1; i++)); do
                w=${words[i]}
                if [[ -z $end_of_opts && $w == -?* ]]; then
                        [[ $w == -- ]] && { end_of_opts=1; continue; }
                        opt=${w%%=*}
                        case $w in
                        -n?*) pass+=(-n "${w#-n}"); continue ;;
                        --namespace=* | --root=* | --state=* | --config=*) pass+=("$w") ;;
                        -n | --namespace | --root | --state | --config)
                                # not the value being completed
                                ((i + 1 < ${#words[@]} - 1)) && pass+=("$w" "${words[i + 1]}") ;;
                        esac
                        [[ $opt == --root ]] && { [[ $w == *=* ]] && root=${w#*=} || root=${words[i + 1]}; }
                        [[ $w != *=* ]] && __taskctl_takes_value "$w" && i=$((i + 1))
                        [[ $w == -t && $cmd == stop ]] && i=$((i + 1)) # stop -t SECONDS
                        continue
                fi
                if [[ -z $cmd ]]; then
                        cmd=$w
                        [[ $cmd == c ]] && cmd=containers
                elif [[ $cmd == containers && -z $sub ]]; then
                        sub=$w
                        [[ $sub == ls ]] && sub=list
                        [[ $sub == rm ]] && sub=delete
                else
                        npos=$((npos + 1))
                fi
        done
        [[ -n $root ]] || root=${TASKCTL_ROOT:-/var/lib/taskctl}

        # The value of an option: "--opt=cur" or "--opt cur".
        opt=""
        if [[ -z $end_of_opts && $cur == --*=* ]]; then
                opt=${cur%%=*}
                cur=${cur#*=}
        elif [[ ${#words[@]} -ge 2 ]] && __taskctl_takes_value "${words[-2]}" && [[ ${words[-2]} != *=* ]]; then
                opt=${words[-2]}
        fi
        if [[ -n $opt ]]; then
                case $opt in
                -o | --output) __taskctl_reply "table json jsonl" "$cur" ;;
                --log-level) __taskctl_reply "error warn info debug" "$cur" ;;
                -n | --namespace)
                        __taskctl_reply "$( (__taskctl_namespaces "$root"
                                "$prog" "${pass[@]}" --timeout 2 list -A -q 2>/dev/null | cut -d/ -f1) | sort -u)" "$cur"
                        ;;
                --root | --state | --rootfs) __taskctl_dirs "$cur" ;;
                --config | --runtime-options | --stdin | --stdout | --stderr) __taskctl_files "$cur" ;;
                --spec | --from-json)
                        __taskctl_files "$cur"
                        [[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
                        ;;
                -s | --signal) __taskctl_reply "$__taskctl_signals" "$cur" ;;
                --runtime) __taskctl_reply "$(__taskctl_runtimes)" "$cur" ;;
                --field)
                        __taskctl_reply "$__taskctl_fields" "$cur"
                        [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *. ]] && compopt -o nospace 2>/dev/null
                        ;;
                esac
                return 0
        fi

        # NS/ID (SPEC Names): a word with a '/' completes from every namespace
        local all=""
        [[ $cur == */* ]] && all=-A

        if [[ -z $end_of_opts && $cur == -* ]]; then
                __taskctl_reply "$(__taskctl_cmd_opts "$cmd" "$sub") $__taskctl_globals" "$cur"
                return 0
        fi

        case $cmd in
        "") __taskctl_reply "$__taskctl_commands" "$cur" ;;
        containers)
                if [[ -z $sub ]]; then
                        __taskctl_reply "$__taskctl_container_commands" "$cur"
                elif [[ ($npos -eq 0 && $sub =~ ^(get|update)$) || $sub == delete ]]; then
                        __taskctl_reply "$("$prog" "${pass[@]}" --timeout 2 containers list $all -q 2>/dev/null)" "$cur"
                fi
                ;;
        create | run)
                [[ $npos -eq 0 ]] &&
                        __taskctl_reply "$("$prog" "${pass[@]}" --timeout 2 containers list -q 2>/dev/null)" "$cur"
                ;;
        # several IDs: every positional is one
        start | get | kill | stop | delete | pause | resume | stats)
                __taskctl_reply "$("$prog" "${pass[@]}" --timeout 2 list $all -q 2>/dev/null)" "$cur"
                ;;
        wait | ps | update | exec | attach | logs)
                [[ $npos -eq 0 ]] &&
                        __taskctl_reply "$("$prog" "${pass[@]}" --timeout 2 list $all -q 2>/dev/null)" "$cur"
                ;;
        help) [[ $npos -eq 0 ]] && __taskctl_reply "$__taskctl_commands" "$cur" ;;
        esac
        return 0
}

complete -F _taskctl taskctl
