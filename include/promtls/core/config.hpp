// The configuration validator: reads a profile's variables from an EnvSnapshot, predicts what
// the real component does with them (knative.dev/pkg's NewServer, spec/knative-env.md), and
// collects findings about everything that would fail later.
//
// The core performs no I/O itself: credential files are read through the FileInspector the
// caller passes (the tls layer provides the real one; tests may provide their own), and the
// current time is a parameter. evaluate() is reentrant; a FileInspector is used from the
// calling thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "promtls/core/cert_info.hpp"
#include "promtls/core/env.hpp"
#include "promtls/core/finding.hpp"
#include "promtls/core/profile.hpp"

namespace promtls::core {

enum class ClientAuth {
  none,         // no certificate requested (Go NoClientCert)
  request,      // requested, not required, not verified (Go RequestClientCert)
  optional,     // requested; verified when sent (Go VerifyClientCertIfGiven)
  require_any,  // required, not verified (Go RequireAnyClientCert)
  require,      // required and verified (Go RequireAndVerifyClientCert)
};

// "none", "request", "optional", "require-any", "require".
std::string_view to_string(ClientAuth mode);
// Go's constant name: "NoClientCert", "VerifyClientCertIfGiven", ...
std::string_view go_name(ClientAuth mode);
// True when the mode verifies client certificates against a CA.
bool verifies_client(ClientAuth mode);

struct TlsConfig {
  std::string cert_file;  // exactly as the server opens them
  std::string key_file;
  std::string client_ca_file;  // empty when no CA is loaded
  ClientAuth client_auth = ClientAuth::none;
  std::uint16_t min_version = 0;                            // protocol code point; 0x0304 = TLS 1.3
  std::uint16_t max_version = 0;                            // 0 = the library's maximum (TLS 1.3)
  std::optional<std::vector<std::uint16_t>> cipher_suites;  // nullopt = library defaults
  std::optional<std::vector<std::uint16_t>> curves;         // nullopt = library defaults
  // Issue session tickets (serve --session-tickets; no variable sets it: Go always does).
  bool session_tickets = false;
};

struct ServerConfig {
  Profile profile = Profile::knative;
  bool enabled = true;  // false: the component serves no metrics at all
  std::string host;     // "" = all interfaces
  std::uint16_t port = 0;
  std::string listen_address;  // as the component builds it, e.g. ":9090", "[::1]:9090"
  bool tls = false;
  TlsConfig tls_config;
};

// What the upstream component does at startup with this environment.
struct UpstreamVerdict {
  bool accepts = false;
  std::string error;          // byte-identical to the component's error; empty when it accepts
  bool files_checked = true;  // false when --offline skipped a file read the component performs
};

// Facts about the TLS library promtls is linked with, for checks that depend on it.
struct TlsLibrary {
  std::string version;  // e.g. "OpenSSL 3.0.19 27 Jan 2026"
  bool has_x25519mlkem768 = false;
};

class FileInspector {
 public:
  virtual ~FileInspector() = default;
  // Reads and describes the credential file at `path`. Never throws for a missing or bad file:
  // that is reported in the returned facts.
  virtual FileFacts inspect(const std::string& path) = 0;
};

struct EvaluateOptions {
  std::int64_t now_unix = 0;  // the instant certificate validity is judged at
  int warn_days = 30;         // certificates expiring sooner are a warning
  TlsLibrary tls_library;
};

struct Evaluation {
  ServerConfig config;  // meaningful as far as the variables parsed
  UpstreamVerdict upstream;
  std::vector<Finding> findings;
};

// Validates `env` under `profile`. `files` may be null (--offline): then no file is read, no
// certificate is judged, and upstream.files_checked is false when the component would have read
// a file.
Evaluation evaluate(const EnvSnapshot& env, Profile profile, const EvaluateOptions& options,
                    FileInspector* files);

}  // namespace promtls::core
