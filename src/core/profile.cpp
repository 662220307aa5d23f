#include "promtls/core/profile.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <string>
#include <vector>

#include "promtls/core/env.hpp"
#include "promtls/core/go.hpp"
#include "promtls/core/suggest.hpp"

namespace promtls::core {
namespace {

// knative's names are a prefix and a suffix (spec/knative-env.md §1): server.go's
// prometheusTLSEnvPrefix, and server.go's and network/tls's keys. Join<A, B>::value is A followed
// by B, in static storage, so that each part is written once.
template <const std::string_view& A, const std::string_view& B>
struct Join {
  static constexpr auto storage = [] {
    std::array<char, A.size() + B.size()> out{};
    std::copy(A.begin(), A.end(), out.begin());
    std::copy(B.begin(), B.end(), out.begin() + static_cast<std::ptrdiff_t>(A.size()));
    return out;
  }();
  static constexpr std::string_view value{storage.data(), storage.size()};
};

constexpr std::string_view kMetricsPrometheus = "METRICS_PROMETHEUS_";
constexpr std::string_view kHost = "HOST";
constexpr std::string_view kPort = "PORT";
constexpr std::string_view kTlsCert = "TLS_CERT";
constexpr std::string_view kTlsKey = "TLS_KEY";
constexpr std::string_view kTlsClientAuth = "TLS_CLIENT_AUTH";
constexpr std::string_view kTlsClientCaFile = "TLS_CLIENT_CA_FILE";
// network/tls/config.go's MinVersionEnvKey, MaxVersionEnvKey, CipherSuitesEnvKey and
// CurvePreferencesEnvKey.
constexpr std::string_view kTlsMinVersion = "TLS_MIN_VERSION";
constexpr std::string_view kTlsMaxVersion = "TLS_MAX_VERSION";
constexpr std::string_view kTlsCipherSuites = "TLS_CIPHER_SUITES";
constexpr std::string_view kTlsCurvePreferences = "TLS_CURVE_PREFERENCES";

template <const std::string_view& Suffix>
constexpr std::string_view kKnative = Join<kMetricsPrometheus, Suffix>::value;

struct TlsSettingRow {
  KnativeTlsSetting setting;
  std::string_view suffix;
};
constexpr std::array kTlsSettings{
    TlsSettingRow{KnativeTlsSetting::min_version, kTlsMinVersion},
    TlsSettingRow{KnativeTlsSetting::max_version, kTlsMaxVersion},
    TlsSettingRow{KnativeTlsSetting::cipher_suites, kTlsCipherSuites},
    TlsSettingRow{KnativeTlsSetting::curve_preferences, kTlsCurvePreferences},
};
constexpr std::array kTlsSettingOrder{
    KnativeTlsSetting::min_version, KnativeTlsSetting::max_version,
    KnativeTlsSetting::cipher_suites, KnativeTlsSetting::curve_preferences};

// The prefixes each caller of network/tls's DefaultConfigFromEnv (or NewConfigFromEnv) passes,
// read in the pull requests that introduced them. Every one defaults to a TLS 1.3 minimum:
// DefaultConfigFromEnv's base, or the caller's own (TAG_TO_DIGEST_ went from 1.2 to 1.3 in
// knative/serving #16431).
constexpr std::string_view kActivator = "ACTIVATOR_";        // cmd/activator, serving #16424
constexpr std::string_view kQueueProxy = "QUEUE_PROXY_";     // cmd/queue, serving #16425
constexpr std::string_view kTagToDigest = "TAG_TO_DIGEST_";  // revision reconciler, #16431
constexpr std::string_view kWebhook = "WEBHOOK_";            // knative.dev/pkg/webhook, #3324
// knative/eventing's TLS servers (broker filter and ingress, IMC dispatcher, job sink, auth
// proxy, request-reply) call DefaultConfigFromEnv("") since knative/eventing #8901; #8916 dropped
// eventing's own fallback to 1.2, so the minimum is the reader's 1.3.
constexpr std::string_view kEventing = "";

template <const std::string_view& Prefix, const std::string_view& Suffix>
constexpr std::string_view kFamilyVar = Join<Prefix, Suffix>::value;

struct TlsFamilyRow {
  KnativeTlsFamily family;
  std::string_view prefix;
  std::string_view component;
  std::array<Var, 4> vars;  // indexed by KnativeTlsSetting
};
constexpr std::array kTlsFamilies{
    TlsFamilyRow{KnativeTlsFamily::metrics_prometheus,
                 kMetricsPrometheus,
                 "the metrics server (knative.dev/pkg)",
                 {Var::knative_tls_min_version, Var::knative_tls_max_version,
                  Var::knative_tls_cipher_suites, Var::knative_tls_curve_preferences}},
    TlsFamilyRow{KnativeTlsFamily::activator,
                 kActivator,
                 "the activator (knative/serving)",
                 {Var::activator_tls_min_version, Var::activator_tls_max_version,
                  Var::activator_tls_cipher_suites, Var::activator_tls_curve_preferences}},
    TlsFamilyRow{KnativeTlsFamily::queue_proxy,
                 kQueueProxy,
                 "the queue-proxy (knative/serving)",
                 {Var::queue_proxy_tls_min_version, Var::queue_proxy_tls_max_version,
                  Var::queue_proxy_tls_cipher_suites, Var::queue_proxy_tls_curve_preferences}},
    TlsFamilyRow{KnativeTlsFamily::tag_to_digest,
                 kTagToDigest,
                 "the controller's tag-to-digest resolver (knative/serving)",
                 {Var::tag_to_digest_tls_min_version, Var::tag_to_digest_tls_max_version,
                  Var::tag_to_digest_tls_cipher_suites, Var::tag_to_digest_tls_curve_preferences}},
    TlsFamilyRow{KnativeTlsFamily::webhook,
                 kWebhook,
                 "the webhook (knative.dev/pkg)",
                 {Var::webhook_tls_min_version, Var::webhook_tls_max_version,
                  Var::webhook_tls_cipher_suites, Var::webhook_tls_curve_preferences}},
    TlsFamilyRow{KnativeTlsFamily::eventing,
                 kEventing,
                 "the eventing TLS servers (knative/eventing)",
                 {Var::eventing_tls_min_version, Var::eventing_tls_max_version,
                  Var::eventing_tls_cipher_suites, Var::eventing_tls_curve_preferences}},
};
constexpr std::array kTlsFamilyOrder{KnativeTlsFamily::metrics_prometheus,
                                     KnativeTlsFamily::activator,
                                     KnativeTlsFamily::queue_proxy,
                                     KnativeTlsFamily::tag_to_digest,
                                     KnativeTlsFamily::webhook,
                                     KnativeTlsFamily::eventing};

// The four tuning rows of a family other than the metrics server's: read whenever the component
// serves (or dials) TLS, not only when the metrics server's TLS is on.
#define PROMTLS_TLS_FAMILY_ROWS(KEY, PREFIX, WHO)                                                 \
  VariableSpec{Var::KEY##_tls_min_version,                                                        \
               kFamilyVar<PREFIX, kTlsMinVersion>,                                                \
               Profile::knative,                                                                  \
               "1.3",                                                                             \
               "minimum TLS version of " WHO ": 1.2 or 1.3",                                      \
               false,                                                                             \
               false,                                                                             \
               "1.3"},                                                                            \
      VariableSpec{Var::KEY##_tls_max_version,                                                    \
                   kFamilyVar<PREFIX, kTlsMaxVersion>,                                            \
                   Profile::knative,                                                              \
                   "",                                                                            \
                   "maximum TLS version of " WHO ": 1.2 or 1.3",                                  \
                   false,                                                                         \
                   false,                                                                         \
                   "1.3"},                                                                        \
      VariableSpec{Var::KEY##_tls_cipher_suites,                                                  \
                   kFamilyVar<PREFIX, kTlsCipherSuites>,                                          \
                   Profile::knative,                                                              \
                   "",                                                                            \
                   "Go cipher suite names for " WHO " (TLS 1.2 only)",                            \
                   false,                                                                         \
                   false,                                                                         \
                   "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},                                    \
      VariableSpec {                                                                              \
    Var::KEY##_tls_curve_preferences, kFamilyVar<PREFIX, kTlsCurvePreferences>, Profile::knative, \
        "", "key-exchange groups of " WHO, false, false, "X25519"                                 \
  }

// spec/knative-env.md §1 and spec/tigera-metrics.md §1. Defaults are the component's own, as
// documented there. The last column is the value assumed for an unresolvable valueFrom.
constexpr std::array kVariables{
    VariableSpec{Var::knative_host, kKnative<kHost>, Profile::knative, "",
                 "listen host; empty means all interfaces (not validated by knative)", false, false,
                 "0.0.0.0"},
    VariableSpec{Var::knative_port, kKnative<kPort>, Profile::knative, "9090",
                 "listen port, decimal, 1024 to 65535", false, false, "9090"},
    VariableSpec{Var::knative_tls_cert, kKnative<kTlsCert>, Profile::knative, "",
                 "server certificate (chain) PEM file; with _TLS_KEY turns TLS on", false, true},
    VariableSpec{Var::knative_tls_key, kKnative<kTlsKey>, Profile::knative, "",
                 "server private key PEM file; with _TLS_CERT turns TLS on", false, true},
    VariableSpec{Var::knative_tls_client_auth, kKnative<kTlsClientAuth>, Profile::knative, "none",
                 "client certificates: none, optional or require (case-insensitive)", false, false,
                 "none"},
    VariableSpec{Var::knative_tls_client_ca_file, kKnative<kTlsClientCaFile>, Profile::knative, "",
                 "PEM bundle of CAs trusted for client certificates (optional/require only)", false,
                 true},
    VariableSpec{Var::knative_tls_min_version, kKnative<kTlsMinVersion>, Profile::knative, "1.3",
                 "minimum TLS version: 1.2 or 1.3", true, false, "1.3"},
    VariableSpec{Var::knative_tls_max_version, kKnative<kTlsMaxVersion>, Profile::knative, "",
                 "maximum TLS version: 1.2 or 1.3 (default: the highest supported)", true, false,
                 "1.3"},
    VariableSpec{Var::knative_tls_cipher_suites, kKnative<kTlsCipherSuites>, Profile::knative, "",
                 "comma-separated Go cipher suite names (TLS 1.2 only; default: Go's)", true, false,
                 "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    VariableSpec{Var::knative_tls_curve_preferences, kKnative<kTlsCurvePreferences>,
                 Profile::knative, "",
                 "comma-separated key-exchange groups, e.g. X25519,CurveP256 (default: Go's)", true,
                 false, "X25519"},
    PROMTLS_TLS_FAMILY_ROWS(activator, kActivator, "the activator"),
    PROMTLS_TLS_FAMILY_ROWS(queue_proxy, kQueueProxy, "the queue-proxy"),
    PROMTLS_TLS_FAMILY_ROWS(tag_to_digest, kTagToDigest, "the tag-to-digest resolver"),
    PROMTLS_TLS_FAMILY_ROWS(webhook, kWebhook, "the webhook"),
    PROMTLS_TLS_FAMILY_ROWS(eventing, kEventing, "knative/eventing's TLS servers"),
    VariableSpec{Var::tigera_metrics_enabled, "METRICS_ENABLED", Profile::tigera, "false",
                 "serve metrics only when exactly \"true\" in any case (1, yes and \" true\" are "
                 "false)",
                 false, false, "true"},
    VariableSpec{Var::tigera_host, "METRICS_HOST", Profile::tigera, "0.0.0.0",
                 "listen host, joined to the port as host:port (bracket IPv6 literals yourself)",
                 false, false, "0.0.0.0"},
    VariableSpec{Var::tigera_port, "METRICS_PORT", Profile::tigera, "9484",
                 "listen port, not validated by the operator (its Service always targets 9484)",
                 false, false, "9484"},
    VariableSpec{Var::tigera_scheme, "METRICS_SCHEME", Profile::tigera, "http",
                 "https (any case) turns on TLS and client certificates; anything else is HTTP",
                 false, false, "https"},
    VariableSpec{Var::tigera_client_auth, "METRICS_CLIENT_AUTH", Profile::tigera,
                 "RequireAndVerifyClientCert",
                 "RequireAndVerifyClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or "
                 "NoClientCert (any case, not trimmed)",
                 false, false, "RequireAndVerifyClientCert"},
    VariableSpec{Var::tigera_tls_min_version, "TLS_MIN_VERSION", Profile::tigera, "1.2",
                 "minimum TLS version of the operator's metrics server: exactly 1.2 or 1.3", false,
                 false, "1.2"},
    VariableSpec{Var::tigera_tls_cert_file, "METRICS_TLS_CERT_FILE", Profile::tigera,
                 "/etc/tigera-operator-tls/tls.crt",
                 "server certificate PEM file, re-read on every handshake", false, true},
    VariableSpec{Var::tigera_tls_key_file, "METRICS_TLS_KEY_FILE", Profile::tigera,
                 "/etc/tigera-operator-tls/tls.key",
                 "server private key PEM file, re-read on every handshake", false, true},
    VariableSpec{Var::tigera_tls_ca_file, "METRICS_TLS_CA_FILE", Profile::tigera,
                 "/etc/tigera-ca-private/tls.crt",
                 "client CA bundle PEM file, re-read on every connection (even with "
                 "NoClientCert)",
                 false, true},
    VariableSpec{Var::tigera_operator_namespace, "OPERATOR_NAMESPACE", Profile::tigera,
                 "tigera-operator",
                 "namespace of the operator's metrics Secret, Service and ServiceMonitor target",
                 false, false, "tigera-operator"},
    VariableSpec{Var::tigera_operator_name, "OPERATOR_NAME", Profile::tigera, "tigera-operator",
                 "k8s-app label; the serving certificate's DNS names are <name>-metrics...", false,
                 false, "tigera-operator"},
};

// spec(Var) indexes the table: its rows are in the order of Var.
constexpr bool rows_in_key_order() {
  for (std::size_t i = 0; i < kVariables.size(); ++i) {
    if (static_cast<std::size_t>(kVariables[i].key) != i) return false;
  }
  return true;
}
static_assert(rows_in_key_order());

// The profile whose own variable `name` is for --profile auto: METRICS_PROMETHEUS_* and the
// knative rows for knative, the Tigera rows but OPERATOR_* (generic names) for tigera; nullopt
// for other names and for the name both read (TLS_MIN_VERSION), which choose_profile() weighs
// on its own.
std::optional<Profile> own_variable(std::string_view name) {
  if (name.rfind(kMetricsPrometheus, 0) == 0) return Profile::knative;
  if (shared_between_profiles(name)) return std::nullopt;
  const VariableSpec* v = find_variable(name);
  if (v == nullptr) return std::nullopt;
  if (v->key == Var::tigera_operator_name || v->key == Var::tigera_operator_namespace) {
    return std::nullopt;
  }
  return v->profile;
}

Profile other(Profile profile) {
  return profile == Profile::knative ? Profile::tigera : Profile::knative;
}

// "A, B and 2 more".
std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 3; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 3) out += " and " + std::to_string(names.size() - 3) + " more";
  return out;
}

std::string are_present(const std::vector<std::string>& names) {
  return join_names(names) + (names.size() == 1 ? " is" : " are") + " present";
}

// The profile the workload's image, else its container or workload name, points at.
std::optional<Profile> workload_hint(const Workload& workload, std::string& why) {
  const std::pair<std::string_view, const std::string*> fields[] = {
      {"image", &workload.image}, {"container", &workload.container}, {"name", &workload.name}};
  for (const auto& [what, value] : fields) {
    const std::string v = go::to_lower_ascii(*value);
    const bool tigera =
        v.find("tigera") != std::string::npos || v.find("calico") != std::string::npos;
    const bool knative =
        v.find("knative") != std::string::npos || v.find("eventing") != std::string::npos;
    if (tigera == knative) continue;
    why = "the " + std::string(what) + " " + *value + " is " +
          (tigera ? "the Tigera operator's" : "knative's");
    return tigera ? Profile::tigera : Profile::knative;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Profile profile) {
  return profile == Profile::tigera ? "tigera" : "knative";
}

std::optional<Profile> parse_profile(std::string_view name) {
  if (name == "knative") return Profile::knative;
  if (name == "tigera") return Profile::tigera;
  return std::nullopt;
}

bool belongs_to(std::string_view name, Profile profile) {
  if (find_variable(name) != nullptr) return find_variable(name, profile) != nullptr;
  if (name.rfind(kMetricsPrometheus, 0) == 0) return profile == Profile::knative;
  return name.rfind(family_prefix(profile), 0) == 0;
}

ProfileChoice choose_profile(const EnvSnapshot& env, std::optional<Profile> forced,
                             const Workload& workload) {
  ProfileChoice out;
  std::string shared;                 // the shared name present, if any
  std::vector<std::string> names[2];  // indexed by Profile
  for (const auto& entry : env.entries()) {
    if (shared_between_profiles(entry.first)) shared = entry.first;
    if (const auto p = own_variable(entry.first)) {
      names[static_cast<std::size_t>(*p)].push_back(entry.first);
    }
  }
  auto& knative = names[static_cast<std::size_t>(Profile::knative)];
  auto& tigera = names[static_cast<std::size_t>(Profile::tigera)];
  if (forced) {
    out.forced = true;
    out.profiles = {*forced};
    out.reason =
        std::string(to_string(*forced)) + " (--profile " + std::string(to_string(*forced)) + ")";
    if (!shared.empty()) {
      out.shared_reader = *forced;
      out.shared_reason =
          shared + " is read as " + std::string(to_string(*forced)) + "'s (--profile)";
    }
    return out;
  }
  if (!shared.empty()) {
    std::string why;
    if (const auto hint = workload_hint(workload, why)) {
      out.shared_reader = *hint;
      out.shared_reason =
          shared + " is " +
          (*hint == Profile::tigera ? "the Tigera operator's" : "knative/eventing's") + ": " + why;
    } else if (knative.empty() != tigera.empty()) {
      const Profile p = knative.empty() ? Profile::tigera : Profile::knative;
      out.shared_reader = p;
      out.shared_reason = shared + " is " +
                          (p == Profile::tigera ? "the Tigera operator's" : "knative/eventing's") +
                          ": " + are_present(names[static_cast<std::size_t>(p)]) + " and no " +
                          std::string(to_string(other(p))) + " variable";
    } else {
      out.ambiguous = true;
      out.shared_reason =
          shared + " is read both by knative/eventing (default " +
          std::string(default_value(Var::eventing_tls_min_version)) +
          ") and by the Tigera operator (default " +
          std::string(default_value(Var::tigera_tls_min_version)) +
          "), and promtls cannot tell which reads it here: " +
          (knative.empty() ? "no other variable is present"
                           : "variables of both families are present") +
          (workload.image.empty() && workload.container.empty() && workload.name.empty()
               ? ""
               : ", and the workload's image and names point at neither");
    }
    if (out.shared_reader) names[static_cast<std::size_t>(*out.shared_reader)].push_back(shared);
  }
  if (knative.empty() && tigera.empty()) {
    out.profiles = out.ambiguous ? std::vector<Profile>{Profile::knative, Profile::tigera}
                                 : std::vector<Profile>{Profile::knative};
    out.reason = out.ambiguous ? "knative and tigera (only " + shared + " is present)"
                               : "knative (the default: no variable of either family is present)";
    return out;
  }
  const Profile first = tigera.size() > knative.size() ? Profile::tigera : Profile::knative;
  const auto& mine = names[static_cast<std::size_t>(first)];
  const auto& theirs = names[static_cast<std::size_t>(other(first))];
  if (theirs.empty()) {
    out.profiles = {first};
    out.reason = std::string(to_string(first)) + " (" + are_present(mine) + ")";
    return out;
  }
  out.profiles = {first, other(first)};
  out.reason = std::string(to_string(first)) + " and " + std::string(to_string(other(first))) +
               ": variables of both families are present (" + std::string(to_string(first)) + ": " +
               join_names(mine) + "; " + std::string(to_string(other(first))) + ": " +
               join_names(theirs) + ")";
  return out;
}

std::vector<Finding> profile_findings(const ProfileChoice& choice, const EnvSnapshot& env,
                                      const std::optional<Origin>& origin, bool checks_all) {
  std::vector<Finding> out;
  if (choice.forced) return out;
  std::string message = "--profile auto picked " + choice.reason;
  if (choice.profiles.size() > 1 && checks_all) message += "; both are checked";
  if (choice.shared_reader) message += "; " + choice.shared_reason;
  out.push_back(Finding{"profile-auto", Severity::info, {}, {}, std::move(message), {}, origin});
  if (choice.ambiguous) {
    const std::string shared(name(Var::tigera_tls_min_version));
    out.push_back(Finding{"profile-ambiguous",
                          Severity::warning,
                          {shared},
                          {},
                          choice.shared_reason,
                          "pass --profile knative (knative/eventing reads it) or --profile tigera "
                          "(the Tigera operator reads it)",
                          env.find(shared) != nullptr ? env.find(shared)->origin : origin});
  }
  return out;
}

EnvSnapshot env_for(const EnvSnapshot& env, const ProfileChoice& choice, Profile profile) {
  if (!choice.shared_reader || *choice.shared_reader == profile) return env;
  EnvSnapshot out;
  for (const auto& [name, value] : env.entries()) {
    if (!shared_between_profiles(name)) out.set(name, value.value, value.origin);
  }
  return out;
}

std::span<const VariableSpec> all_variables() { return kVariables; }

const VariableSpec& spec(Var var) { return kVariables[static_cast<std::size_t>(var)]; }

std::string_view name(Var var) { return spec(var).name; }

std::string_view default_value(Var var) { return spec(var).default_value; }

#undef PROMTLS_TLS_FAMILY_ROWS

std::span<const KnativeTlsSetting> knative_tls_settings() { return kTlsSettingOrder; }

std::span<const KnativeTlsFamily> knative_tls_families() { return kTlsFamilyOrder; }

std::string_view component(KnativeTlsFamily family) {
  for (const TlsFamilyRow& row : kTlsFamilies) {
    if (row.family == family) return row.component;
  }
  assert(false && "a KnativeTlsFamily without a row");
  return {};
}

std::string_view prefix(KnativeTlsFamily family) {
  for (const TlsFamilyRow& row : kTlsFamilies) {
    if (row.family == family) return row.prefix;
  }
  assert(false && "a KnativeTlsFamily without a row");
  return {};
}

std::string_view suffix(KnativeTlsSetting setting) {
  for (const TlsSettingRow& row : kTlsSettings) {
    if (row.setting == setting) return row.suffix;
  }
  assert(false && "a KnativeTlsSetting without a row");
  return {};
}

Var var(KnativeTlsFamily family, KnativeTlsSetting setting) {
  for (const TlsFamilyRow& row : kTlsFamilies) {
    if (row.family == family) return row.vars[static_cast<std::size_t>(setting)];
  }
  assert(false && "a KnativeTlsFamily without a row");
  return Var::knative_tls_min_version;
}

const VariableSpec* find_variable(std::string_view name) {
  for (const auto& v : kVariables) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const VariableSpec* find_variable(std::string_view name, Profile profile) {
  for (const auto& v : kVariables) {
    if (v.name == name && v.profile == profile) return &v;
  }
  return nullptr;
}

bool shared_between_profiles(std::string_view name) {
  return find_variable(name, Profile::knative) != nullptr &&
         find_variable(name, Profile::tigera) != nullptr;
}

std::string_view family_prefix(Profile profile) {
  return profile == Profile::tigera ? "METRICS_" : kMetricsPrometheus;
}

std::string_view suggest_variable(std::string_view name, Profile profile) {
  std::string_view best;
  std::size_t best_distance = std::string_view::npos;
  for (const auto& v : kVariables) {
    if (v.profile != profile) continue;
    std::size_t d = edit_distance(name, v.name);
    // A name that extends a known one ("..._TLS_CERTFILE", "..._TLS_CERT_PATH") is a typo of it
    // even when the extension is long.
    if (name.size() > v.name.size() && name.substr(0, v.name.size()) == v.name) {
      d = std::min<std::size_t>(d, 1);
    }
    // A name cut short ("..._CLIENT_CA" for "..._CLIENT_CA_FILE") means the name it begins,
    // however far the nearest name by edit distance is; the shortest such name wins.
    if (name.size() < v.name.size() && v.name.substr(0, name.size()) == name &&
        name.size() > family_prefix(profile).size()) {
      d = std::min<std::size_t>(d, 1);
    }
    if (d < best_distance) {
      best_distance = d;
      best = v.name;
    }
  }
  if (best.empty() || !near_enough(name, best_distance)) return {};
  return best;
}

}  // namespace promtls::core
