// Profiles and the one table of environment variables each profile reads.
//
// The table feeds the parsers, --help, the man page's ENVIRONMENT section (a test keeps them
// in step) and the "did you mean" suggestions for unknown names. Performs no I/O; the table
// is immutable and safe to read from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace promtls::core {

class EnvSnapshot;

enum class Profile { knative, tigera };

// "knative" or "tigera".
std::string_view to_string(Profile profile);
// Parses "knative" / "tigera"; nullopt otherwise ("auto" is resolved by detect_profile()).
std::optional<Profile> parse_profile(std::string_view name);

// Every variable of every profile: the typed key code uses instead of writing a name. The names,
// defaults and meanings live in one table (profile.cpp); name(Var) and spec(Var) read it.
enum class Var : std::uint8_t {
  // knative.dev/pkg's Prometheus metrics server (spec/knative-env.md §1), read by server.go.
  knative_host,
  knative_port,
  knative_tls_cert,
  knative_tls_key,
  knative_tls_client_auth,
  knative_tls_client_ca_file,
  // knative's TLS family METRICS_PROMETHEUS_ (KnativeTlsFamily::metrics_prometheus).
  knative_tls_min_version,
  knative_tls_max_version,
  knative_tls_cipher_suites,
  knative_tls_curve_preferences,
  // The same four settings under the other prefixes knative components read them with
  // (KnativeTlsFamily), in the order of knative_tls_settings().
  activator_tls_min_version,
  activator_tls_max_version,
  activator_tls_cipher_suites,
  activator_tls_curve_preferences,
  queue_proxy_tls_min_version,
  queue_proxy_tls_max_version,
  queue_proxy_tls_cipher_suites,
  queue_proxy_tls_curve_preferences,
  tag_to_digest_tls_min_version,
  tag_to_digest_tls_max_version,
  tag_to_digest_tls_cipher_suites,
  tag_to_digest_tls_curve_preferences,
  webhook_tls_min_version,
  webhook_tls_max_version,
  webhook_tls_cipher_suites,
  webhook_tls_curve_preferences,
  // The Tigera operator's metrics endpoint (spec/tigera-metrics.md §1).
  tigera_metrics_enabled,
  tigera_host,
  tigera_port,
  tigera_scheme,
  tigera_client_auth,
  tigera_tls_min_version,
  tigera_tls_cert_file,
  tigera_tls_key_file,
  tigera_tls_ca_file,
  tigera_operator_namespace,
  tigera_operator_name,
};

struct VariableSpec {
  Var key;
  std::string_view name;
  Profile profile;
  std::string_view default_value;  // as documented by the upstream component; "" when none
  std::string_view meaning;        // one sentence, for --help and the man page
  bool tls_tuning;                 // read only when TLS is on (knative R-G6)
  bool path;                       // the value names a file
  // The value assumed when a manifest sets the variable through valueFrom and promtls cannot
  // know it: one the component accepts, so that only presence-based rules apply. "" for paths
  // (a placeholder naming the reference is used instead).
  std::string_view assumed_value = {};
};

// Every variable of every profile, in documentation order (the order of Var).
std::span<const VariableSpec> all_variables();

// The table's row for `var`.
const VariableSpec& spec(Var var);
// The variable's name, e.g. "METRICS_PROMETHEUS_PORT".
std::string_view name(Var var);
// The documented default ("" when none), e.g. "9090".
std::string_view default_value(Var var);

// knative.dev/pkg/network/tls reads the same TLS settings under a prefix chosen by each caller
// (DefaultConfigFromEnv(prefix), spec/knative-env.md §5): a TLS family is that prefix, and a
// setting's variable is the prefix followed by the setting's suffix.
enum class KnativeTlsSetting : std::uint8_t {
  min_version,        // TLS_MIN_VERSION
  max_version,        // TLS_MAX_VERSION
  cipher_suites,      // TLS_CIPHER_SUITES
  curve_preferences,  // TLS_CURVE_PREFERENCES
};
// The families promtls reads (knative/pkg #3322 made the reader shared). Eventing's unprefixed
// TLS_* family (knative/eventing #8901) is not one of them yet: its TLS_MIN_VERSION is also the
// Tigera operator's variable, and telling the two apart needs the workload.
enum class KnativeTlsFamily : std::uint8_t {
  metrics_prometheus,  // METRICS_PROMETHEUS_ (server.go's prometheusTLSEnvPrefix)
  activator,           // ACTIVATOR_ (knative/serving #16424)
  queue_proxy,         // QUEUE_PROXY_ (knative/serving #16425)
  tag_to_digest,       // TAG_TO_DIGEST_ (knative/serving #16431)
  webhook,             // WEBHOOK_ (knative/pkg #3300, #3324)
};
// Every family, metrics_prometheus first.
std::span<const KnativeTlsFamily> knative_tls_families();
// Who reads the family, for reports: "the metrics server (knative.dev/pkg)", "the activator
// (knative/serving)", ...
std::string_view component(KnativeTlsFamily family);
// The settings in the order DefaultConfigFromEnv applies them (MIN, MAX, CIPHERS, CURVES).
std::span<const KnativeTlsSetting> knative_tls_settings();
// "METRICS_PROMETHEUS_" for metrics_prometheus.
std::string_view prefix(KnativeTlsFamily family);
// "TLS_MIN_VERSION" for min_version: network/tls's *EnvKey constant.
std::string_view suffix(KnativeTlsSetting setting);
// The variable of `setting` in `family`, e.g. Var::knative_tls_min_version.
Var var(KnativeTlsFamily family, KnativeTlsSetting setting);

// The variable called exactly `name`, or nullptr.
const VariableSpec* find_variable(std::string_view name);

// The prefix that marks a name as belonging to `profile`'s family ("METRICS_PROMETHEUS_" for
// knative), used to spot unknown names.
std::string_view family_prefix(Profile profile);

// True when `name` is read by `profile`'s component (a row of the table) or starts with its
// family prefix. METRICS_PROMETHEUS_* names belong to knative only.
bool belongs_to(std::string_view name, Profile profile);

// The profile `--profile auto` picks for a snapshot: the family with more variables present
// (set, even to ""), knative on a tie or when neither is present. `reason` receives a sentence
// saying which variables decided ("METRICS_ENABLED, METRICS_SCHEME are set").
Profile detect_profile(const EnvSnapshot& env, std::string& reason);

// The known variable of `profile` closest to `name` by edit distance, if it is close enough to
// be a plausible typo (a distance of at most a third of the name, or a shared stem); else "".
std::string_view suggest_variable(std::string_view name, Profile profile);

}  // namespace promtls::core
