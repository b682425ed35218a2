#!/usr/bin/env zsh
# Prints, one per line, the matches zsh's completion system offers for a
# command line, completing at its end. Runs an interactive zsh in a zpty with
# only FPATH_DIR added to fpath, wraps compadd to print what is added, presses
# Tab once and exits after that one completion.
# Usage: zsh-complete.zsh FPATH_DIR DUMP_FILE 'command line '
emulate -L zsh
zmodload zsh/zpty || exit 1
local fdir=$1 dump=$2 cmdline=$3 line
zpty z zsh -f -i || exit 1
zpty -w z "fpath=(${(q)fdir} \$fpath); autoload -U compinit; compinit -u -d ${(q)dump}"
zpty -w z "PROMPT= ; bindkey '^I' complete-word"
zpty -w z "null-line () { echo -E - \$'\\0' }; compprefuncs=( null-line ); comppostfuncs=( exit )"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  local -a __hits; builtin compadd -A __hits "$@"
  local h; for h in $__hits; do echo -E - "MATCH:$h"; done
  builtin compadd "$@"
}'
zpty -w z "$cmdline"$'\t'
integer started=0
while zpty -r z; do :; done | while IFS= read -r line; do
  [[ $line == *$'\0'* ]] && started=1
  (( started )) && [[ $line == MATCH:* ]] && print -r -- ${${line#MATCH:}%$'\r'}
done
zpty -d z
