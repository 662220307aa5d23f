// Internal helpers shared by the profile evaluators: building findings that cite where a value
// came from, and the deep credential-file checks every profile runs. Not a public header.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/config.hpp"

namespace promtls::core::detail {

// Appends findings to one vector, citing origins from one snapshot.
class FindingSink {
 public:
  FindingSink(const EnvSnapshot& env, std::vector<Finding>& out) : env_(env), out_(out) {}

  // A finding about `variables` (the first one's origin is cited).
  Finding& add(std::string code, Severity severity, std::vector<std::string> variables,
               std::string message, std::string hint = {});

 private:
  const EnvSnapshot& env_;
  std::vector<Finding>& out_;
};

// Records the component's own startup errors: each is an error finding whose message is the
// component's, and the first one recorded (callers evaluate in the component's order) is the
// error it returns.
class UpstreamErrors {
 public:
  explicit UpstreamErrors(FindingSink& sink) : sink_(sink) {}
  void add(std::string code, std::vector<std::string> variables, std::string message,
           std::string hint) {
    if (first_.empty()) first_ = message;
    sink_.add(std::move(code), Severity::error, std::move(variables), std::move(message),
              std::move(hint));
  }
  bool empty() const { return first_.empty(); }
  const std::string& first() const { return first_; }

 private:
  FindingSink& sink_;
  std::string first_;
};

// Which variable named each credential file, for messages.
struct CredentialPaths {
  std::string cert_variable;
  std::string key_variable;
  std::string ca_variable;  // empty: no CA is loaded
};

// Reads the serving certificate, key and (when `paths.ca_variable` is set) client CA through
// `files` and judges them at `options.now_unix`: readability, PEM, pairing, expiry, strength,
// usage, permissions. `component` names who will fail in messages ("knative", "the operator").
void check_credentials(const TlsConfig& tls, const CredentialPaths& paths,
                       const EvaluateOptions& options, FileInspector& files, FindingSink& sink);

// What promtls' own TLS library (`library`, it serves the configuration) cannot do with `tls`:
// X25519MLKEM768 in the curve list (`curves_variable`) of a library that lacks it.
void check_tls_library(const TlsConfig& tls, const TlsLibrary& library,
                       const std::string& curves_variable, FindingSink& sink);

// Warns about each `family_prefix(profile)` variable in `env` that no profile knows, with a
// "did you mean" hint.
void check_unknown_variables(const EnvSnapshot& env, Profile profile, FindingSink& sink);

}  // namespace promtls::core::detail
