#include "promtls/core/config.hpp"

#include "checks.hpp"
#include "knative.hpp"
#include "tigera.hpp"

namespace promtls::core {
namespace {

// Reads each path once per evaluation: the CA file is both loaded by the component's rules and
// judged by the deep checks.
class MemoInspector final : public FileInspector {
 public:
  explicit MemoInspector(FileInspector& inner) : inner_(inner) {}
  FileFacts inspect(const std::string& path) override {
    for (const auto& entry : cache_) {
      if (entry.first == path) return entry.second;
    }
    cache_.emplace_back(path, inner_.inspect(path));
    return cache_.back().second;
  }

 private:
  FileInspector& inner_;
  std::vector<std::pair<std::string, FileFacts>> cache_;
};

}  // namespace

std::string_view to_string(ClientAuth mode) {
  switch (mode) {
    case ClientAuth::none:
      return "none";
    case ClientAuth::request:
      return "request";
    case ClientAuth::optional:
      return "optional";
    case ClientAuth::require_any:
      return "require-any";
    case ClientAuth::require:
      return "require";
  }
  return "none";
}

std::string_view go_name(ClientAuth mode) {
  switch (mode) {
    case ClientAuth::none:
      return "NoClientCert";
    case ClientAuth::request:
      return "RequestClientCert";
    case ClientAuth::optional:
      return "VerifyClientCertIfGiven";
    case ClientAuth::require_any:
      return "RequireAnyClientCert";
    case ClientAuth::require:
      return "RequireAndVerifyClientCert";
  }
  return "NoClientCert";
}

bool verifies_client(ClientAuth mode) {
  return mode == ClientAuth::optional || mode == ClientAuth::require;
}

Evaluation evaluate(const EnvSnapshot& env, Profile profile, const EvaluateOptions& options,
                    FileInspector* files) {
  Evaluation out;
  std::optional<MemoInspector> memo;
  if (files != nullptr) files = &memo.emplace(*files);
  switch (profile) {
    case Profile::knative:
      detail::evaluate_knative(env, options, files, out);
      break;
    case Profile::tigera:
      detail::evaluate_tigera(env, options, files, out);
      break;
  }
  if (options.tls_library && out.config.tls) {
    detail::FindingSink sink(env, out.findings);
    detail::check_tls_library(out.config.tls_config, *options.tls_library,
                              std::string(name(Var::knative_tls_curve_preferences)), sink);
  }
  return out;
}

}  // namespace promtls::core
