# fish completion for promtls(1)
#
# Installed as share/fish/vendor_completions.d/promtls.fish, or copy it to
# ~/.config/fish/completions/.
#
# To extend: each subcommand has one block, between "# >>> NAME" and "# <<< NAME": the
# subcommand itself (offered while no subcommand is given) and its options, each with
# the condition "__fish_seen_subcommand_from NAME". tests/cli/docs_drift_test.cpp checks
# every subcommand, long option and option value of --help against these blocks.

# No file names unless an option asks for them.
complete -c promtls -f
complete -c promtls -n __fish_use_subcommand -s h -l help -d 'Print help and exit'
complete -c promtls -n __fish_use_subcommand -l version -d 'Print the version and exit'

# >>> validate
complete -c promtls -n __fish_use_subcommand -a validate -d 'Check a metrics TLS configuration'
complete -c promtls -n '__fish_seen_subcommand_from validate' -s h -l help -d 'Print help and exit'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l env-file -r -F -d 'Read variables from a dotenv file'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l set -x -d 'Set KEY=VALUE, taken verbatim'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l no-env -d 'Ignore the process environment'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l manifest -r -F -d 'Validate the containers of Kubernetes manifests (- for stdin)'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l container -x -d 'With --manifest, only the containers called NAME'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l profile -x -a 'knative tigera auto' -d 'Whose rules apply'
complete -c promtls -n '__fish_seen_subcommand_from validate' -s o -l output -x -a 'text json github junit sarif' -d 'Report format'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l offline -d 'Skip every file and clock check'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l strict -d 'Fail (exit 1) on warnings too'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l warn-days -x -d 'Warn when a certificate expires within DAYS'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l at -x -d 'Judge certificates at this RFC 3339 time'
# <<< validate
