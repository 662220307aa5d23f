#include "promtls/core/profile.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "promtls/core/env.hpp"

namespace promtls::core {
namespace {

// spec/knative-env.md §1 and spec/tigera-metrics.md §1. Defaults are the component's own, as
// documented there. The last column is the value assumed for an unresolvable valueFrom.
constexpr std::array kVariables{
    VariableSpec{"METRICS_PROMETHEUS_HOST", Profile::knative, "",
                 "listen host; empty means all interfaces (not validated by knative)", false, false,
                 "0.0.0.0"},
    VariableSpec{"METRICS_PROMETHEUS_PORT", Profile::knative, "9090",
                 "listen port, decimal, 1024 to 65535", false, false, "9090"},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CERT", Profile::knative, "",
                 "server certificate (chain) PEM file; with _TLS_KEY turns TLS on", false, true},
    VariableSpec{"METRICS_PROMETHEUS_TLS_KEY", Profile::knative, "",
                 "server private key PEM file; with _TLS_CERT turns TLS on", false, true},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CLIENT_AUTH", Profile::knative, "none",
                 "client certificates: none, optional or require (case-insensitive)", false, false,
                 "none"},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE", Profile::knative, "",
                 "PEM bundle of CAs trusted for client certificates (optional/require only)", false,
                 true},
    VariableSpec{"METRICS_PROMETHEUS_TLS_MIN_VERSION", Profile::knative, "1.3",
                 "minimum TLS version: 1.2 or 1.3", true, false, "1.3"},
    VariableSpec{"METRICS_PROMETHEUS_TLS_MAX_VERSION", Profile::knative, "",
                 "maximum TLS version: 1.2 or 1.3 (default: the highest supported)", true, false,
                 "1.3"},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CIPHER_SUITES", Profile::knative, "",
                 "comma-separated Go cipher suite names (TLS 1.2 only; default: Go's)", true, false,
                 "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES", Profile::knative, "",
                 "comma-separated key-exchange groups, e.g. X25519,CurveP256 (default: Go's)", true,
                 false, "X25519"},
    VariableSpec{"METRICS_ENABLED", Profile::tigera, "false",
                 "serve metrics only when exactly \"true\" in any case (1, yes and \" true\" are "
                 "false)",
                 false, false, "true"},
    VariableSpec{"METRICS_HOST", Profile::tigera, "0.0.0.0",
                 "listen host, joined to the port as host:port (bracket IPv6 literals yourself)",
                 false, false, "0.0.0.0"},
    VariableSpec{"METRICS_PORT", Profile::tigera, "9484",
                 "listen port, not validated by the operator (its Service always targets 9484)",
                 false, false, "9484"},
    VariableSpec{"METRICS_SCHEME", Profile::tigera, "http",
                 "https (any case) turns on TLS and client certificates; anything else is HTTP",
                 false, false, "https"},
    VariableSpec{"METRICS_CLIENT_AUTH", Profile::tigera, "RequireAndVerifyClientCert",
                 "RequireAndVerifyClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or "
                 "NoClientCert (any case, not trimmed)",
                 false, false, "RequireAndVerifyClientCert"},
    VariableSpec{"TLS_MIN_VERSION", Profile::tigera, "1.2",
                 "minimum TLS version of the operator's metrics server: exactly 1.2 or 1.3", false,
                 false, "1.2"},
    VariableSpec{"METRICS_TLS_CERT_FILE", Profile::tigera, "/etc/tigera-operator-tls/tls.crt",
                 "server certificate PEM file, re-read on every handshake", false, true},
    VariableSpec{"METRICS_TLS_KEY_FILE", Profile::tigera, "/etc/tigera-operator-tls/tls.key",
                 "server private key PEM file, re-read on every handshake", false, true},
    VariableSpec{"METRICS_TLS_CA_FILE", Profile::tigera, "/etc/tigera-ca-private/tls.crt",
                 "client CA bundle PEM file, re-read on every connection (even with "
                 "NoClientCert)",
                 false, true},
    VariableSpec{"OPERATOR_NAMESPACE", Profile::tigera, "tigera-operator",
                 "namespace of the operator's metrics Secret, Service and ServiceMonitor target",
                 false, false, "tigera-operator"},
    VariableSpec{"OPERATOR_NAME", Profile::tigera, "tigera-operator",
                 "k8s-app label; the serving certificate's DNS names are <name>-metrics...", false,
                 false, "tigera-operator"},
};

// The names that decide --profile auto: the variables that are specific to each component.
bool decides_for(std::string_view name, Profile profile) {
  if (name.rfind("METRICS_PROMETHEUS_", 0) == 0) return profile == Profile::knative;
  if (profile == Profile::knative) return false;
  if (name == "OPERATOR_NAME" || name == "OPERATOR_NAMESPACE") return false;
  for (const auto& v : kVariables) {
    if (v.profile == Profile::tigera && v.name == name) return true;
  }
  return false;
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
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
  if (const VariableSpec* v = find_variable(name)) return v->profile == profile;
  if (name.rfind("METRICS_PROMETHEUS_", 0) == 0) return profile == Profile::knative;
  return name.rfind(family_prefix(profile), 0) == 0;
}

Profile detect_profile(const EnvSnapshot& env, std::string& reason) {
  std::vector<std::string> knative;
  std::vector<std::string> tigera;
  for (const auto& entry : env.entries()) {
    if (decides_for(entry.first, Profile::knative)) knative.push_back(entry.first);
    if (decides_for(entry.first, Profile::tigera)) tigera.push_back(entry.first);
  }
  const auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < 3; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > 3) out += " and " + std::to_string(names.size() - 3) + " more";
    return out;
  };
  if (knative.empty() && tigera.empty()) {
    reason = "knative (the default: no variable of either family is present)";
    return Profile::knative;
  }
  const Profile picked = tigera.size() > knative.size() ? Profile::tigera : Profile::knative;
  const auto& mine = picked == Profile::tigera ? tigera : knative;
  const auto& other = picked == Profile::tigera ? knative : tigera;
  reason = std::string(to_string(picked)) + " (" + join(mine) +
           (mine.size() == 1 ? " is" : " are") + " present";
  if (!other.empty()) {
    reason +=
        "; " + join(other) + " of the " +
        std::string(to_string(picked == Profile::tigera ? Profile::knative : Profile::tigera)) +
        " family " + (other.size() == 1 ? "is" : "are") + " ignored";
  }
  reason += ")";
  return picked;
}

std::span<const VariableSpec> all_variables() { return kVariables; }

const VariableSpec* find_variable(std::string_view name) {
  for (const auto& v : kVariables) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

std::string_view family_prefix(Profile profile) {
  return profile == Profile::tigera ? "METRICS_" : "METRICS_PROMETHEUS_";
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
    if (d < best_distance) {
      best_distance = d;
      best = v.name;
    }
  }
  if (best.empty() || best_distance > std::max<std::size_t>(2, name.size() / 3)) return {};
  return best;
}

}  // namespace promtls::core
