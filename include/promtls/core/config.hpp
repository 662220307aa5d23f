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
#include "promtls/core/go.hpp"
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

// Protocol versions are TLS code points (0x0303 = TLS 1.2, 0x0304 = TLS 1.3). A version of 0
// means "not set", the same in serve's server contexts and selftest's client contexts:
// - min_version 0 is TLS 1.2, the lowest version promtls speaks (a lower one is raised to it:
//   spec R-V1 admits only 1.2 and 1.3);
// - max_version 0 is the highest version the linked library supports: TLS 1.3 (spec G6).
// effective_min_version() and effective_max_version() say it in code; read versions through them.
struct TlsConfig {
  std::string cert_file;  // exactly as the server opens them
  std::string key_file;
  std::string client_ca_file;  // empty when no CA is loaded
  ClientAuth client_auth = ClientAuth::none;
  std::uint16_t min_version = 0;                            // 0 = TLS 1.2 (see above)
  std::uint16_t max_version = 0;                            // 0 = TLS 1.3 (see above)
  std::optional<std::vector<std::uint16_t>> cipher_suites;  // nullopt = library defaults
  std::optional<std::vector<std::uint16_t>> curves;         // nullopt = library defaults
};

// The lowest version a context built from `min_version` accepts: TLS 1.2 for 0 or anything
// below it.
constexpr std::uint16_t effective_min_version(std::uint16_t min_version) {
  return min_version < 0x0303 ? std::uint16_t{0x0303} : min_version;
}
// The highest version a context built from `max_version` accepts: TLS 1.3 for 0.
constexpr std::uint16_t effective_max_version(std::uint16_t max_version) {
  return max_version == 0 ? std::uint16_t{0x0304} : max_version;
}

struct ServerConfig {
  Profile profile = Profile::knative;
  bool enabled = true;  // false: the component serves no metrics at all
  std::string host;     // "" = all interfaces
  std::uint16_t port = 0;
  std::string listen_address;  // as the component builds it, e.g. ":9090", "[::1]:9090"
  bool tls = false;
  TlsConfig tls_config;
  // What the component's Go crypto/tls server offers for key exchange (TLS on, versions
  // parsed); nullopt otherwise.
  std::optional<go::KeyExchange> go_key_exchange;
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
  std::uint64_t version_number = 0;  // OPENSSL_VERSION_NUMBER of the library linked at run time
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
  // Set when promtls itself will serve the configuration (serve, selftest --local): then what
  // its own TLS library cannot do is a finding ("curve-unsupported-by-tls-library"). validate
  // leaves it unset: the component it judges runs under Go, not under promtls' OpenSSL.
  std::optional<TlsLibrary> tls_library;
  // The Go release the component is assumed to be built with (validate --go-version); nullopt:
  // the profile's own (the go line of its go.mod).
  std::optional<go::Version> go_version;
};

// What another component reading knative's TLS settings under its own prefix (the activator,
// the queue-proxy, the tag-to-digest resolver, the webhook; KnativeTlsFamily) would do with the
// variables of its family present in the input.
struct FamilyVerdict {
  std::string prefix;     // "ACTIVATOR_"
  std::string component;  // "the activator (knative/serving)"
  bool accepts = true;
  std::string error;  // DefaultConfigFromEnv's error, byte for byte; empty when it accepts
  std::uint16_t min_version = 0;
  std::uint16_t max_version = 0;  // 0: the highest supported
};

struct Evaluation {
  ServerConfig config;  // meaningful as far as the variables parsed
  UpstreamVerdict upstream;
  std::vector<Finding> findings;
  // knative profile: one verdict per other TLS family with a variable present, in
  // knative_tls_families() order.
  std::vector<FamilyVerdict> families;
};

// Validates `env` under `profile` (knative's TLS settings under every prefix of
// knative_tls_families(); the Tigera operator's variables). `files` may be null (--offline): then
// no file is read, no certificate is judged, and upstream.files_checked is false when the component
// would have read a file.
Evaluation evaluate(const EnvSnapshot& env, Profile profile, const EvaluateOptions& options,
                    FileInspector* files);

}  // namespace promtls::core
