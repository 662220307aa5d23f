# bash completion for promtls(1)                                  -*- shell-script -*-
#
# Installed as share/bash-completion/completions/promtls (loaded on demand by
# bash-completion), or source it from ~/.bashrc. Self-contained: needs only bash.
#
# To extend: each subcommand has one block, between "# >>> NAME" and "# <<< NAME":
# a function _promtls_NAME (dashes in NAME become underscores) that completes the
# value of the option in $prev, or else offers the subcommand's options, and a line that
# adds NAME to _promtls_subcommands. tests/cli/docs_drift_test.cpp checks every subcommand,
# long option and option value of --help against these blocks.

_promtls_subcommands=""

# Offers the words of $1 that start with $cur.
_promtls_words() {
    local IFS=$' \t\n'
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

# Offers file and directory names that start with $cur.
_promtls_files() {
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -- "$cur"))
}

# Offers directory names that start with $cur.
_promtls_dirs() {
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY=($(compgen -d -- "$cur"))
}

# >>> validate
_promtls_subcommands+=" validate"
_promtls_validate() {
    case $prev in
        --env-file | --manifest) _promtls_files; return ;;
        --secret-dir) _promtls_dirs; return ;;
        --profile) _promtls_words "knative tigera auto"; return ;;
        -o | --output) _promtls_words "text json github junit sarif"; return ;;
        --set | --container | --warn-days | --at | --max-file-size | --go-version) return ;;
    esac
    _promtls_words "--help --env-file --set --no-env --max-file-size --manifest --secret-dir
        --container --profile --output
        --offline --strict --allow-empty --warn-days --at --go-version"
}
# <<< validate

# >>> inspect
_promtls_subcommands+=" inspect"
_promtls_inspect() {
    case $prev in
        --password-file | --ca | --cert | --key | --license | --license-cert) _promtls_files; return ;;
        --fail-on) _promtls_words "warning critical expired"; return ;;
        -o | --output) _promtls_words "text wide table json prometheus"; return ;;
        --output-file) _promtls_files; return ;;
        --password | --password-env | --connect | --servername | --timeout | --warn-days | \
            --crit-days | --warn-percent | --at | --include | --exclude | --max-file-size) return ;;
        --warn | --crit) return ;;
    esac
    if [[ $cur == -* ]]; then
        _promtls_words "--help --recursive --follow-symlinks --max-file-size --include --exclude
            --password --password-file --password-env --connect
            --no-verify --warn --crit
            --servername --ca --cert --key --timeout --license --license-cert --warn-days
            --crit-days --warn-percent --at --fail-on --output --no-dedupe --output-file"
    else
        _promtls_files
    fi
}
# <<< inspect

# >>> selftest
_promtls_subcommands+=" selftest"
_promtls_selftest() {
    case $prev in
        --env-file | --ca | --cert | --key | --scrape-config | --service-monitor) _promtls_files; return ;;
        --secret-dir) _promtls_dirs; return ;;
        --profile) _promtls_words "knative tigera auto"; return ;;
        --expect-client-auth) _promtls_words "none request optional require-any require"; return ;;
        --expect-min-version | --expect-max-version) _promtls_words "1.2 1.3"; return ;;
        -o | --output) _promtls_words "text json"; return ;;
        --set | --connect | --servername | --path | --timeout | --expect-ciphers | --load | \
            --concurrency | --at | --warn-days | --crit-days | --job | --max-file-size | \
            --monitor | --endpoint | --port) return ;;
        --warn | --crit) return ;;
    esac
    _promtls_words "--help --env-file --set --no-env --connect --servername --ca --cert --key
        --scrape-config --job --max-file-size
        --service-monitor --monitor --endpoint --port --secret-dir
        --warn --crit
        --path --timeout --profile --expect-client-auth --expect-min-version --expect-max-version
        --expect-ciphers --local --server-log --no-probes --no-key-exchange --load --concurrency --new-connections
        --output --at --warn-days --crit-days"
}
# <<< selftest
# >>> rules
_promtls_subcommands+=" rules"
_promtls_rules() {
    case $prev in
        --format) _promtls_words "prometheus-rule prometheus"; return ;;
        --metrics-compat) _promtls_words "promtls tigera"; return ;;
        --warn-days | --crit-days | --source-down-for | --name | --namespace | --label) return ;;
    esac
    _promtls_words "--help --format --metrics-compat --warn-days --crit-days --source-down-for
        --name --namespace --label"
}
# <<< rules
# >>> serve
_promtls_subcommands+=" serve"
_promtls_serve() {
    case $prev in
        --env-file | --watch | --license) _promtls_files; return ;;
        --profile) _promtls_words "knative tigera auto"; return ;;
        --metrics-compat) _promtls_words "promtls tigera"; return ;;
        --log-format) _promtls_words "text json"; return ;;
        --log-level) _promtls_words "info debug"; return ;;
        --set | --listen | --probe-listen | --handshake-timeout | --header-timeout | \
            --idle-timeout | --drain-timeout | --max-header-bytes | --max-connections | \
            --max-probe-connections | --max-file-size) return ;;
    esac
    _promtls_words "--help --env-file --set --no-env --profile --listen --probe-listen --watch
        --recursive --follow-symlinks --max-file-size --license --metrics-compat
        --handshake-timeout --header-timeout
        --idle-timeout --drain-timeout --max-header-bytes --max-connections
        --max-probe-connections --session-tickets
        --log-format --log-level"
}
# <<< serve
# >>> help
_promtls_subcommands+=" help"
_promtls_help() {
    if [[ $cur == -* ]]; then
        _promtls_words "--help"
    else
        _promtls_words "$_promtls_subcommands"
    fi
}
# <<< help

_promtls() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    # "--output=js" arrives as "--output" "=" "js" (COMP_WORDBREAKS holds "=").
    if [[ $cur == = ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 1]} cur=
    elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi

    local i sub=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -* | =) ;;
            *) sub=${COMP_WORDS[i]}; break ;;
        esac
    done

    if [[ -z $sub ]]; then
        if [[ $cur == -* ]]; then
            _promtls_words "--help --version"
        else
            _promtls_words "$_promtls_subcommands"
        fi
        return
    fi
    local fn=_promtls_${sub//-/_}
    if declare -F "$fn" >/dev/null; then
        "$fn"
    fi
}

complete -F _promtls promtls
