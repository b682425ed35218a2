# fish completion for taskctl(1)
# SPDX-License-Identifier: Apache-2.0
#
# Global options are accepted before and after the command, as taskctl does.
# IDs are completed by running the taskctl being completed ("taskctl containers
# list -q", "taskctl list -q") with the -n/--root/--state/--config given on the
# line; namespaces are the directory names under ROOT/containers/. Every
# failure is silent.

# Prints the command (containers spelled out) and, for containers, the
# subcommand (aliases resolved), then the number of positional arguments after them.
function __taskctl_parse
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l cmd ''
    set -l sub ''
    set -l npos 0
    set -l skip 0
    for t in $toks
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case -n --namespace --root --state --config -o --output --format --timeout --log-level \
                --spec --runtime --label --image --snapshotter --snapshot-key --runtime-options \
                --from-json --unlabel --field --rootfs --stdin --stdout --stderr \
                --signal -s --older-than --since --time --memory --cpus --pids-limit
                set skip 1
            case -t
                # stop -t SECONDS (create -t is --terminal, a flag)
                test "$cmd" = stop; and set skip 1
            case '-*'
            case '*'
                if test -z "$cmd"
                    set cmd $t
                    test "$cmd" = c; and set cmd containers
                else if test "$cmd" = containers -a -z "$sub"
                    set sub $t
                    test "$sub" = ls; and set sub list
                    test "$sub" = rm; and set sub delete
                else
                    set npos (math $npos + 1)
                end
        end
    end
    echo $cmd
    echo $sub
    echo $npos
end

# True when the line has no command yet.
function __taskctl_no_command
    set -l p (__taskctl_parse)
    test -z "$p[1]"
end

# True when the command is one of $argv.
function __taskctl_command
    set -l p (__taskctl_parse)
    contains -- "$p[1]" $argv
end

# True for "containers" with no subcommand yet.
function __taskctl_containers_no_sub
    set -l p (__taskctl_parse)
    test "$p[1]" = containers -a -z "$p[2]"
end

# True when the containers subcommand is one of $argv.
function __taskctl_containers_sub
    set -l p (__taskctl_parse)
    test "$p[1]" = containers; and contains -- "$p[2]" $argv
end

# True when an ID is due: no positional yet after the command $argv, given as
# "start" or, for containers, as "containers/get".
function __taskctl_wants_id
    set -l p (__taskctl_parse)
    test "$p[3]" -eq 0; or return 1
    set -l key $p[1]
    test "$p[1]" = containers; and set key containers/$p[2]
    contains -- $key $argv
end

# The -n/--namespace/--root/--state/--config options of the line.
function __taskctl_pass
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l take 0
    for t in $toks
        if test $take -eq 1
            printf '%s\n' $t
            set take 0
            continue
        end
        switch $t
            case -n --namespace --root --state --config
                printf '%s\n' $t
                set take 1
            case '--namespace=*' '--root=*' '--state=*' '--config=*'
                printf '%s\n' $t
            case '-n?*'
                printf '%s\n' -n
                string sub -s 3 -- $t
        end
    end
end

function __taskctl_ids
    set -l prog (commandline -opc)[1]
    # a word with a '/' completes NS/ID from every namespace (SPEC Names)
    if string match -q -- '*/*' (commandline -ct)
        set -a argv -A
    end
    $prog (__taskctl_pass) --timeout 2 $argv 2>/dev/null
end

function __taskctl_namespaces
    set -l root $TASKCTL_ROOT
    test -n "$root"; or set root /var/lib/taskctl
    set -l toks (commandline -opc)
    for i in (seq 2 (count $toks))
        switch $toks[$i]
            case --root
                set -l j (math $i + 1)
                test $j -le (count $toks); and set root $toks[$j]
            case '--root=*'
                set root (string replace -- --root= '' $toks[$i])
        end
    end
    begin
        for d in $root/containers/*/
            string replace -r '.*/([^/]+)/$' '$1' -- $d
        end
        __taskctl_ids list -A -q | string replace -r '/.*' ''
    end 2>/dev/null | sort -u
end

function __taskctl_runtimes
    for d in $PATH
        for f in $d/containerd-shim-*-v*
            test -x $f; or continue
            set -l name (string replace -r '.*/containerd-shim-' '' -- $f)
            string replace -r '^(.*)-([^-]+)$' 'io.containerd.$1.$2' -- $name
        end
    end 2>/dev/null | sort -u
end

complete -c taskctl -f

# Global options, anywhere on the line.
complete -c taskctl -s n -l namespace -x -a '(__taskctl_namespaces)' -d 'Namespace'
complete -c taskctl -l root -x -a '(__fish_complete_directories)' -d 'Persistent root directory'
complete -c taskctl -l state -x -a '(__fish_complete_directories)' -d 'State directory'
complete -c taskctl -l config -r -F -d 'Config file'
complete -c taskctl -s o -l output -x -a 'table json jsonl' -d 'Output format'
complete -c taskctl -s q -l quiet -d 'Lists: keys; wait, delete: the value; others: nothing'
complete -c taskctl -l format -x -d 'Table columns, e.g. id,status,pid'
complete -c taskctl -l no-trunc -d 'Exact times in tables'
complete -c taskctl -l timeout -x -d 'Bound on each shim interaction and lock wait (seconds)'
complete -c taskctl -l log-level -x -a 'error warn info debug' -d 'Log level'
complete -c taskctl -s h -l help -d 'Show help'
complete -c taskctl -l version -d 'Show the version'

# Commands.
complete -c taskctl -n __taskctl_no_command -a containers -d 'Manage container records (alias c)'
complete -c taskctl -n __taskctl_no_command -a c -d 'Manage container records'
complete -c taskctl -n __taskctl_no_command -a create -d 'Create a task'
complete -c taskctl -n __taskctl_no_command -a start -d 'Start created tasks'
complete -c taskctl -n __taskctl_no_command -a get -d 'Show tasks'
complete -c taskctl -n __taskctl_no_command -a kill -d 'Signal tasks'
complete -c taskctl -n __taskctl_no_command -a stop -d 'Stop tasks: stop signal, grace time, SIGKILL'
complete -c taskctl -n __taskctl_no_command -a wait -d 'Wait for a task to exit'
complete -c taskctl -n __taskctl_no_command -a delete -d 'Delete tasks'
complete -c taskctl -n __taskctl_no_command -a pause -d 'Pause tasks'
complete -c taskctl -n __taskctl_no_command -a resume -d 'Resume paused tasks'
complete -c taskctl -n __taskctl_no_command -a ps -d "List a task's processes"
complete -c taskctl -n __taskctl_no_command -a stats -d "Show tasks' CPU, memory, PIDs and block I/O"
complete -c taskctl -n __taskctl_no_command -a update -d "Change a running task's resource limits"
complete -c taskctl -n __taskctl_no_command -a list -d 'List tasks'
complete -c taskctl -n __taskctl_no_command -a load -d 'Recover tasks after a restart'
complete -c taskctl -n __taskctl_no_command -a cleanup -d 'Remove orphaned work dirs'
complete -c taskctl -n __taskctl_no_command -a events -d 'Print task lifecycle events'
complete -c taskctl -n __taskctl_no_command -a info -d 'Show version, directories, platforms and shims'
complete -c taskctl -n __taskctl_no_command -a run -d 'Create and start a task, stream its output'
complete -c taskctl -n __taskctl_no_command -a exec -d 'Run another process in a running task'
complete -c taskctl -n __taskctl_no_command -a attach -d 'Attach to a running task'
complete -c taskctl -n __taskctl_no_command -a logs -d "Print a task's output"
complete -c taskctl -n __taskctl_no_command -a help -d 'Show help for taskctl or a command'

# containers subcommands.
complete -c taskctl -n __taskctl_containers_no_sub -a create -d 'Create a container record'
complete -c taskctl -n __taskctl_containers_no_sub -a get -d 'Show a container record'
complete -c taskctl -n __taskctl_containers_no_sub -a list -d 'List container records (alias ls)'
complete -c taskctl -n __taskctl_containers_no_sub -a ls -d 'List container records'
complete -c taskctl -n __taskctl_containers_no_sub -a update -d 'Update a container record'
complete -c taskctl -n __taskctl_containers_no_sub -a delete -d 'Delete a container record (alias rm)'
complete -c taskctl -n __taskctl_containers_no_sub -a rm -d 'Delete a container record'
complete -c taskctl -n __taskctl_containers_no_sub -a prune -d 'Remove the records that have no task'

# IDs.
complete -c taskctl -n '__taskctl_wants_id containers/get containers/update create run' -a '(__taskctl_ids containers list -q)' -d Container
complete -c taskctl -n '__taskctl_containers_sub delete' -a '(__taskctl_ids containers list -q)' -d Container
complete -c taskctl -n '__taskctl_wants_id wait ps update exec attach logs' -a '(__taskctl_ids list -q)' -d Task
# several IDs: every positional is one
complete -c taskctl -n '__taskctl_command start get kill stop delete pause resume stats' -a '(__taskctl_ids list -q)' -d Task

# Record flags: containers create and create.
set -l __taskctl_rec '__taskctl_containers_sub create; or __taskctl_command create'
complete -c taskctl -n $__taskctl_rec -l spec -r -F -a - -d 'OCI runtime spec file, or - for stdin'
complete -c taskctl -n $__taskctl_rec -l runtime -x -a '(__taskctl_runtimes)' -d 'Runtime name'
complete -c taskctl -n $__taskctl_rec -l label -x -d 'Label K=V'
complete -c taskctl -n $__taskctl_rec -l image -x -d 'Image reference'
complete -c taskctl -n $__taskctl_rec -l snapshotter -x -d 'Snapshotter name'
complete -c taskctl -n $__taskctl_rec -l snapshot-key -x -d 'Snapshot key'
complete -c taskctl -n $__taskctl_rec -l runtime-options -r -F -d 'Runtime options file (JSON)'
complete -c taskctl -n '__taskctl_containers_sub create' -l from-json -r -F -a - -d 'A whole record as JSON, or - for stdin'

# containers update.
complete -c taskctl -n '__taskctl_containers_sub update' -l label -x -d 'Set a label K=V'
complete -c taskctl -n '__taskctl_containers_sub update' -l unlabel -x -d 'Remove a label'
complete -c taskctl -n '__taskctl_containers_sub update' -l image -x -d 'Image reference'
complete -c taskctl -n '__taskctl_containers_sub update' -l spec -r -F -d 'OCI runtime spec file'
complete -c taskctl -n '__taskctl_containers_sub update' -l snapshot-key -x -d 'Snapshot key'
complete -c taskctl -n '__taskctl_containers_sub update' -l from-json -r -F -a - -d 'Record fields as JSON, or - for stdin'
complete -c taskctl -n '__taskctl_containers_sub update' -l field -x -a 'labels labels. extensions extensions. spec image snapshotkey' -d 'Field path taken from --from-json'

# containers delete.
complete -c taskctl -n '__taskctl_containers_sub delete' -s f -l force -d 'Delete the task first'
complete -c taskctl -n '__taskctl_containers_sub list' -s A -l all-namespaces -d 'Records of every namespace'

# Task commands.
complete -c taskctl -n '__taskctl_command create' -l rootfs -x -a '(__fish_complete_directories)' -d 'Directory bind-mounted onto the bundle rootfs'
complete -c taskctl -n '__taskctl_command create' -l stdin -r -F -d 'File or FIFO for standard input'
complete -c taskctl -n '__taskctl_command create' -l stdout -r -F -d 'File the standard output is appended to'
complete -c taskctl -n '__taskctl_command create' -l stderr -r -F -d 'File the standard error is appended to'
complete -c taskctl -n '__taskctl_command create' -l terminal -d 'Allocate a terminal'
complete -c taskctl -n '__taskctl_command create run exec' -s t -l tty -d 'Allocate a terminal'
complete -c taskctl -n '__taskctl_command run exec' -l terminal -d 'Allocate a terminal'
complete -c taskctl -n '__taskctl_command create run exec' -s i -l interactive -d 'Keep stdin open'
complete -c taskctl -n '__taskctl_command create run' -l log-max-size -x -d 'Rotate the log at this size (e.g. 1m)'
complete -c taskctl -n '__taskctl_command run exec' -s d -l detach -d 'Return once started'
complete -c taskctl -n '__taskctl_command run' -l rm -d 'Delete the task and record when it ends'
complete -c taskctl -n '__taskctl_command run' -l spec -r -F -a - -d 'OCI runtime spec file, or - for stdin'
complete -c taskctl -n '__taskctl_command run' -l runtime -x -a '(__taskctl_runtimes)' -d 'Runtime name'
complete -c taskctl -n '__taskctl_command run' -l label -x -d 'Label K=V'
complete -c taskctl -n '__taskctl_command run' -l image -x -d 'Image reference'
complete -c taskctl -n '__taskctl_command run' -l runtime-options -r -F -d 'Runtime options file (JSON)'
complete -c taskctl -n '__taskctl_command run' -l rootfs -x -a '(__fish_complete_directories)' -d 'Root filesystem directory'
complete -c taskctl -n '__taskctl_command run' -l stdout -r -F -d 'File for standard output'
complete -c taskctl -n '__taskctl_command run' -l stderr -r -F -d 'File for standard error'
complete -c taskctl -n '__taskctl_command exec' -l user -x -d 'Numeric UID[:GID]'
complete -c taskctl -n '__taskctl_command exec' -l cwd -x -d 'Working directory inside the task'
complete -c taskctl -n '__taskctl_command exec' -l env -x -d 'Environment variable K=V'
complete -c taskctl -n '__taskctl_command exec' -l exec-id -x -d 'Exec id'
complete -c taskctl -n '__taskctl_command attach' -l no-stdin -d 'Do not send stdin to the task'
complete -c taskctl -n '__taskctl_command logs' -s f -l follow -d 'Follow the output until the task exits'
complete -c taskctl -n '__taskctl_command logs' -l tail -x -d 'Only the last N lines'
complete -c taskctl -n '__taskctl_command logs' -l since -x -d 'Only output at or after TIME (RFC 3339, or a duration)'
complete -c taskctl -n '__taskctl_command logs' -l timestamps -d 'Prefix each line with its time'
complete -c taskctl -n '__taskctl_command kill' -s s -l signal -x -a 'SIGTERM SIGKILL SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGSTOP SIGCONT SIGTSTP SIGWINCH SIGABRT SIGALRM SIGPIPE SIGTTIN SIGTTOU' -d 'Signal (default SIGTERM)'
complete -c taskctl -n '__taskctl_command kill' -s a -l all -d 'Signal every process of the task'
complete -c taskctl -n '__taskctl_command delete' -s f -l force -d 'Kill and wait for a running task first'
complete -c taskctl -n '__taskctl_command stop' -s t -l time -x -d 'Grace time before SIGKILL (seconds, default 10)'
complete -c taskctl -n '__taskctl_command stats' -l no-stream -d 'Print one sample and exit'
complete -c taskctl -n '__taskctl_command update' -l memory -x -d 'Memory limit (bytes; suffix k, m or g)'
complete -c taskctl -n '__taskctl_command update' -l cpus -x -d 'CPU quota in CPUs'
complete -c taskctl -n '__taskctl_command update' -l pids-limit -x -d 'Most processes at once (-1: no limit)'
complete -c taskctl -n '__taskctl_command list' -s A -l all-namespaces -d 'Tasks of every namespace'
complete -c taskctl -n '__taskctl_command list load' -x -l parallel -d 'Shims asked at once (default 4 per core)'
complete -c taskctl -n '__taskctl_command list load' -x -l deadline -d 'Bound on the whole run, in seconds'

# Recovery and events.
complete -c taskctl -n '__taskctl_command load cleanup' -s A -d 'Every namespace'
complete -c taskctl -n '__taskctl_command load cleanup' -l dry-run -d 'Print what would be done, change nothing'
complete -c taskctl -n '__taskctl_command cleanup' -l older-than -x -d 'Only work dirs not modified for this long (e.g. 1h)'
complete -c taskctl -n '__taskctl_command events' -s A -l all-namespaces -d 'Events of every namespace'
complete -c taskctl -n '__taskctl_command events' -l since -x -d 'Only events at or after TIME (RFC 3339, or a duration such as 10m)'
complete -c taskctl -n '__taskctl_command events' -l follow -d 'Keep printing new events'
