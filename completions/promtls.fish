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
complete -c promtls -n '__fish_seen_subcommand_from validate' -l allow-empty -d 'With --manifest: pass when no container sets a variable of the profile'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l warn-days -x -d 'Warn when a certificate expires within DAYS'
complete -c promtls -n '__fish_seen_subcommand_from validate' -l at -x -d 'Judge certificates at this RFC 3339 time'
# <<< validate

# >>> inspect
complete -c promtls -n __fish_use_subcommand -a inspect -d 'Report certificate and license expiry'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -F -d 'Certificate, bundle, Kubernetes object or directory'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -s h -l help -d 'Print help and exit'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -s r -l recursive -d 'Descend into subdirectories'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l include -x -d 'Read only walked files matching GLOB below the root'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l exclude -x -d 'Do not read walked files matching GLOB below the root'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l password -x -d 'PKCS#12 or keystore password to try'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l password-file -r -F -d 'Read a PKCS#12 password from FILE'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l password-env -x -d 'Read a PKCS#12 password from variable NAME'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l connect -x -d 'Fetch the chain a TLS endpoint presents (HOST:PORT)'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l servername -x -d 'SNI and verified name for --connect'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l ca -r -F -d 'CA bundle to verify --connect against'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l cert -r -F -d 'Client certificate for --connect'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l key -r -F -d 'Client key for --connect'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l timeout -x -d 'Seconds for each --connect'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l license -r -F -d 'License file: LicenseKey, JWT or JSON'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l license-cert -r -F -d 'Verify JWT license signatures with this key'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l no-verify -d 'A --connect chain that does not verify does not fail the run'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l warn -x -d 'Warning below DURATION left (30d, 72h) or PERCENT used (66%)'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l crit -x -d 'Critical below DURATION left (7d, 72h) or PERCENT used'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l warn-days -x -d 'Alias of --warn DAYSd'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l crit-days -x -d 'Alias of --crit DAYSd'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l warn-percent -x -d 'Alias of --warn PERCENT%'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l at -x -d 'Judge at this RFC 3339 time'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l fail-on -x -a 'warning critical expired' -d 'Exit 1 when anything reaches this status'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -s o -l output -x -a 'text wide table json prometheus' -d 'Report format'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l no-dedupe -d 'One row per place a certificate was found'
complete -c promtls -n '__fish_seen_subcommand_from inspect' -l output-file -r -F -d 'Write the report to FILE atomically'
# <<< inspect

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
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l local -d 'Start serve in-process on a loopback port and test it'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l server-log -d 'With --local, print the in-process server log'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l no-probes -d 'Skip the policy probes'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l load -x -d 'Load mode: make N scrapes'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l concurrency -x -d 'Load mode: over C connections'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l new-connections -d 'Load mode: a new handshake for every request'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -s o -l output -x -a 'text json' -d 'Report format'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l at -x -d 'Verify certificates at this RFC 3339 time'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l warn -x -d 'Certificate status warning below DURATION left or PERCENT used'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l crit -x -d 'Certificate status critical below DURATION left or PERCENT used'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l warn-days -x -d 'Alias of --warn DAYSd'
complete -c promtls -n '__fish_seen_subcommand_from selftest' -l crit-days -x -d 'Alias of --crit DAYSd'
# <<< selftest
# >>> rules
complete -c promtls -n __fish_use_subcommand -a rules -d 'Print Prometheus alerting rules'
complete -c promtls -n '__fish_seen_subcommand_from rules' -s h -l help -d 'Print help and exit'
complete -c promtls -n '__fish_seen_subcommand_from rules' -l format -x -a 'prometheus-rule prometheus' -d 'PrometheusRule object or plain rules file'
complete -c promtls -n '__fish_seen_subcommand_from rules' -l metrics-compat -x -a 'promtls tigera' -d 'Metric names to alert on'
complete -c promtls -n '__fish_seen_subcommand_from rules' -l warn-days -x -d 'Warning alerts fire when fewer than DAYS are left'
complete -c promtls -n '__fish_seen_subcommand_from rules' -l crit-days -x -d 'Critical alerts fire when fewer than DAYS are left'
complete -c promtls -n '__fish_seen_subcommand_from rules' -l source-down-for -x -d 'PromtlsSourceDown fires after a source is down this long'
complete -c promtls -n '__fish_seen_subcommand_from rules' -l name -x -d 'metadata.name of the PrometheusRule'
complete -c promtls -n '__fish_seen_subcommand_from rules' -l namespace -x -d 'metadata.namespace of the PrometheusRule'
complete -c promtls -n '__fish_seen_subcommand_from rules' -l label -x -d 'Add a metadata label KEY=VALUE'
# <<< rules
# >>> serve
complete -c promtls -n __fish_use_subcommand -a serve -d 'Serve certificate and health metrics over mTLS'
complete -c promtls -n '__fish_seen_subcommand_from serve' -s h -l help -d 'Print help and exit'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l env-file -r -F -d 'Read variables from a dotenv file'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l set -x -d 'Set KEY=VALUE, taken verbatim'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l no-env -d 'Ignore the process environment'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l profile -x -a 'knative tigera auto' -d 'Whose variables configure it'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l listen -x -d 'Listen on HOST:PORT instead of the profile address'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l probe-listen -x -d 'Serve /healthz and /readyz over plain HTTP on HOST:PORT'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l watch -r -F -d 'Expose the certificates in this file or directory'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l recursive -d 'Descend into subdirectories of --watch'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l license -r -F -d 'Expose the license in this file'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l metrics-compat -x -a 'promtls tigera' -d 'Metric names'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l handshake-timeout -x -d 'TLS handshake deadline in seconds'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l header-timeout -x -d 'First request header deadline in seconds'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l idle-timeout -x -d 'Keep-alive idle deadline in seconds'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l drain-timeout -x -d 'How long to drain on SIGTERM, in seconds'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l max-header-bytes -x -d 'Largest request header accepted'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l max-connections -x -d 'Most open connections'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l session-tickets -d 'Issue TLS session tickets so reconnecting clients resume'
complete -c promtls -n '__fish_seen_subcommand_from serve' -l log-format -x -a 'text json' -d 'Log line format'
# <<< serve
# >>> help
complete -c promtls -n __fish_use_subcommand -a help -d 'Print the help of promtls or of a subcommand'
complete -c promtls -n '__fish_seen_subcommand_from help' -s h -l help -d 'Print help and exit'
complete -c promtls -n '__fish_seen_subcommand_from help' -a 'validate inspect selftest rules serve help' -d 'Subcommand'
# <<< help
