# Runs the bash completion for promtls the way readline does, and prints what it offers.
# usage: bash --norc --noprofile docs_complete.bash SCRIPT WORKDIR WORD...
# The words are the command line as bash splits it (COMP_WORDBREAKS applied, so
# "--output=j" is "--output" "=" "j"); the last word is the one being completed.
set -u
source "$1" || exit 2
cd "$2" || exit 2
shift 2
spec=$(complete -p promtls) || exit 2
fn=${spec##*-F }
fn=${fn%% *}
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
"$fn" promtls "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}"
