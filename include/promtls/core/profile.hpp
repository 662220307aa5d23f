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
#include <vector>

#include "promtls/core/finding.hpp"

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
  // knative/eventing's TLS servers read the four settings without a prefix (#8901). Its
  // TLS_MIN_VERSION is also the Tigera operator's variable (Var::tigera_tls_min_version).
  eventing_tls_min_version,
  eventing_tls_max_version,
  eventing_tls_cipher_suites,
  eventing_tls_curve_preferences,
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
// TLS_* family shares TLS_MIN_VERSION with the Tigera operator: choose_profile() says whose it is.
enum class KnativeTlsFamily : std::uint8_t {
  metrics_prometheus,  // METRICS_PROMETHEUS_ (server.go's prometheusTLSEnvPrefix)
  activator,           // ACTIVATOR_ (knative/serving #16424)
  queue_proxy,         // QUEUE_PROXY_ (knative/serving #16425)
  tag_to_digest,       // TAG_TO_DIGEST_ (knative/serving #16431)
  webhook,             // WEBHOOK_ (knative/pkg #3300, #3324)
  eventing,            // "" (knative/eventing #8901; minimum 1.3 since #8916)
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

// The variable called exactly `name`, or nullptr. A name two profiles read (TLS_MIN_VERSION)
// gives the first row, knative's; the second overload gives `profile`'s row or nullptr.
const VariableSpec* find_variable(std::string_view name);
const VariableSpec* find_variable(std::string_view name, Profile profile);

// True when both profiles read a variable called `name` (TLS_MIN_VERSION: knative/eventing and
// the Tigera operator, with defaults 1.3 and 1.2).
bool shared_between_profiles(std::string_view name);

// The prefix that marks a name as belonging to `profile`'s family ("METRICS_PROMETHEUS_" for
// knative), used to spot unknown names.
std::string_view family_prefix(Profile profile);

// True when `name` is read by `profile`'s component (a row of the table) or starts with its
// family prefix. METRICS_PROMETHEUS_* names belong to knative only.
bool belongs_to(std::string_view name, Profile profile);

// What is known about the workload a snapshot comes from (a manifest's container; empty for the
// process environment): what --profile auto looks at when the variables alone cannot tell.
struct Workload {
  std::string image;      // e.g. "quay.io/tigera/operator:v1.43.0"
  std::string container;  // e.g. "tigera-operator"
  std::string name;       // the workload's metadata.name
};

// The profiles a run checks, and why: the one --profile forced, or what auto made of the
// variables present (set, even to ""), one line each for the report.
struct ProfileChoice {
  // One profile, or both (variables of both families are present), the one with more variables
  // first (knative on a tie). Never empty.
  std::vector<Profile> profiles;
  bool forced = false;  // --profile knative|tigera
  // auto: "knative (METRICS_PROMETHEUS_TLS_CERT is present)"; forced: "knative (--profile)".
  std::string reason;
  // Who reads the shared TLS_MIN_VERSION when it is present: forced, decided by the other
  // variables, or by the workload (`shared_reason` says which); nullopt when auto cannot tell
  // (`ambiguous`) or the variable is absent.
  std::optional<Profile> shared_reader;
  std::string shared_reason;
  bool ambiguous = false;
};

// --profile auto (`forced` nullopt) or a forced profile for `env`. Auto: each family's own
// variables count (METRICS_PROMETHEUS_*, the knative TLS families, the Tigera names but
// OPERATOR_*); TLS_MIN_VERSION goes to the family whose other variables are present (eventing's
// TLS_MAX_VERSION, TLS_CIPHER_SUITES, TLS_CURVE_PREFERENCES, or the Tigera names), else to the
// one the workload's image or names point at (knative, eventing; tigera, calico), else it is
// ambiguous and both profiles are checked. No variable at all: knative, the default.
ProfileChoice choose_profile(const EnvSnapshot& env, std::optional<Profile> forced,
                             const Workload& workload = {});

// What a run reports about `choice` for `env`, citing `origin` (profile-ambiguous cites where
// TLS_MIN_VERSION was set): "profile-auto" (info) with the
// reason and whose TLS_MIN_VERSION is, for auto only, saying "both are checked" when
// `checks_all` and there are two; "profile-ambiguous" (warning) when auto could not tell whose
// TLS_MIN_VERSION is, asking for --profile.
std::vector<Finding> profile_findings(const ProfileChoice& choice, const EnvSnapshot& env,
                                      const std::optional<Origin>& origin, bool checks_all = true);

// `env` as `profile` reads it under `choice`: without TLS_MIN_VERSION when that is the other
// profile's.
EnvSnapshot env_for(const EnvSnapshot& env, const ProfileChoice& choice, Profile profile);

// The known variable of `profile` closest to `name` by edit distance, if it is close enough to
// be a plausible typo (a distance of at most a third of the name, or a shared stem); else "".
std::string_view suggest_variable(std::string_view name, Profile profile);

}  // namespace promtls::core
