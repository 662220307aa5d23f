# Runs zsh's completion system for promtls in a real interactive zsh on a pseudo-terminal,
# types LINE and a TAB, and prints every match the completion functions added.
# usage: zsh -f docs_complete.zsh COMPLETION_DIR WORKDIR LINE
zmodload zsh/zpty || exit 2
local rc=$(mktemp) || exit 2
cat > $rc <<RC
PROMPT= RPROMPT=
fpath=(${(q)1} \$fpath)
cd ${(q)2} || exit 2
autoload -Uz compinit && compinit -D
typeset -aU __matches
# Record what each compadd call adds, except calls that only fill arrays (-O, -A, -D).
compadd () {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "\$@"; return
  fi
  builtin compadd -O reply "\$@"
  __matches+=("\$reply[@]")
  builtin compadd "\$@"
}
__capture () {
  __matches=()
  _main_complete "\$@"
  print -n \$'\C-B'
  print -nlr -- "\$__matches[@]"
  print -n \$'\C-C'
  compstate[insert]=
  compstate[list]=
}
zle -C __capture complete-word __capture
bindkey '^I' __capture
bindkey '^M' undefined
bindkey '^J' undefined
print READY
RC
zpty z zsh -f -i
zpty -w z "source ${(q)rc}"
zpty -r -m z line '*READY*' || exit 2
zpty -w -n z "$3"$'\t'
zpty -r -m z REPLY $'*\C-B*\C-C' || exit 2
zpty -d z
rm -f $rc
print -r -- "${${REPLY#*$'\C-B'}%$'\C-C'}"
