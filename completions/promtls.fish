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

# >>> selftest
complete -c promtls -n __fish_use_subcommand -a selftest -d 'Prove an endpoint enforces its TLS policy'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -s h -l help -d 'Print help and exit'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l env-file -r -F -d 'Read variables from a dotenv file'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l set -x -d 'Set KEY=VALUE, taken verbatim'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l no-env -d 'Ignore the process environment'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l connect -x -d 'The endpoint, HOST:PORT'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l servername -x -d 'SNI and the name the certificate must match'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l ca -r -F -d 'Trust these CA certificates'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l cert -r -F -d 'Our client certificate'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l key -r -F -d 'The client certificate private key'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l path -x -d 'The HTTP path to scrape'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l timeout -x -d 'Deadline for each connection, in seconds'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l expect-client-auth -x -a 'none request optional require-any require' -d 'The client auth the server must enforce'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l expect-min-version -x -a '1.2 1.3' -d 'The lowest TLS version the server may accept'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l expect-max-version -x -a '1.2 1.3' -d 'The highest TLS version the server may accept'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l expect-ciphers -x -d 'The allowed TLS 1.2 cipher suites (Go names)'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l no-probes -d 'Skip the policy probes'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l load -x -d 'Load mode: make N scrapes'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l concurrency -x -d 'Load mode: over C connections'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l new-connections -d 'Load mode: a new handshake for every request'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -s o -l output -x -a 'text json' -d 'Report format'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l at -x -d 'Verify certificates at this RFC 3339 time'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l warn-days -x -d 'Certificate status warning below DAYS left'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l crit-days -x -d 'Certificate status critical below DAYS left'
# <<< selftest
