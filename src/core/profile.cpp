#include "promtls/core/profile.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace promtls::core {
namespace {

// spec/knative-env.md §1. Defaults are the component's own, as documented there.
constexpr std::array kVariables{
    VariableSpec{"METRICS_PROMETHEUS_HOST", Profile::knative, "",
                 "listen host; empty means all interfaces (not validated by knative)", false,
                 false},
    VariableSpec{"METRICS_PROMETHEUS_PORT", Profile::knative, "9090",
                 "listen port, decimal, 1024 to 65535", false, false},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CERT", Profile::knative, "",
                 "server certificate (chain) PEM file; with _TLS_KEY turns TLS on", false, true},
    VariableSpec{"METRICS_PROMETHEUS_TLS_KEY", Profile::knative, "",
                 "server private key PEM file; with _TLS_CERT turns TLS on", false, true},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CLIENT_AUTH", Profile::knative, "none",
                 "client certificates: none, optional or require (case-insensitive)", false, false},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE", Profile::knative, "",
                 "PEM bundle of CAs trusted for client certificates (optional/require only)", false,
                 true},
    VariableSpec{"METRICS_PROMETHEUS_TLS_MIN_VERSION", Profile::knative, "1.3",
                 "minimum TLS version: 1.2 or 1.3", true, false},
    VariableSpec{"METRICS_PROMETHEUS_TLS_MAX_VERSION", Profile::knative, "",
                 "maximum TLS version: 1.2 or 1.3 (default: the highest supported)", true, false},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CIPHER_SUITES", Profile::knative, "",
                 "comma-separated Go cipher suite names (TLS 1.2 only; default: Go's)", true,
                 false},
    VariableSpec{"METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES", Profile::knative, "",
                 "comma-separated key-exchange groups, e.g. X25519,CurveP256 (default: Go's)", true,
                 false},
};

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
  // The tigera profile is parsed once its evaluator lands (issue 3).
  if (name == "knative") return Profile::knative;
  return std::nullopt;
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
