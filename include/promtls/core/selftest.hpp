// Judging a self-test: what the probe client observed (facts filled by net/probe, as plain
// values) turned into checks {name, ok, detail}, verdicts and exit codes (selftest_judge.cpp);
// the text checklist and the JSON document of DESIGN.md ("schema": "promtls/selftest/v1"), for
// a single run and for load mode (selftest_render.cpp).
//
// Extract in net, judge here: nothing in this header connects anywhere. Which policy probes
// apply follows spec/ecosystem.md §6 ("What our selftest should cover", items 4 and 5). Pure
// functions of their inputs; no I/O, no clock (`now` is a parameter). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "promtls/core/cert_info.hpp"
#include "promtls/core/cert_policy.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/exposition.hpp"
#include "promtls/core/profile.hpp"
#include "promtls/core/report.hpp"

namespace promtls::core {

// Milliseconds from the start of the attempt to the end of each phase; nullopt when the phase
// was not reached.
struct PhaseTimings {
  std::optional<double> connect_ms;     // TCP connection established
  std::optional<double> handshake_ms;   // TLS handshake complete
  std::optional<double> first_byte_ms;  // first byte of the HTTP response
  std::optional<double> total_ms;       // response read completely (or the attempt ended)
};

struct TlsFacts {
  bool server_hello = false;  // the server answered the ClientHello (accepted version/cipher)
  bool completed = false;     // the handshake finished
  std::string error;          // why it did not finish ("" when it did)
  std::string alert;          // the last alert the server sent, in words ("" when none)
  std::string version;        // "TLSv1.3", "TLSv1.2"
  std::uint16_t version_id = 0;
  std::string cipher;  // IANA name, e.g. "TLS_AES_128_GCM_SHA256"
  std::uint16_t cipher_id = 0;
  std::string group;  // key-exchange group, e.g. "X25519", "X25519MLKEM768"; "" when unknown
  std::uint16_t group_id = 0;
  std::string alpn;  // "" when none was negotiated
  std::string
      signature_algorithm;      // the server's handshake signature, e.g. "ecdsa_secp256r1_sha256"
  std::vector<CertInfo> chain;  // as the server sent it, leaf first
  bool verified = false;        // the chain verifies against the trusted CAs at `now`
  std::string verify_error;     // OpenSSL's reason in words; "" when verified
  std::string verify_name;      // the name or IP address checked against the SANs
  bool hostname_match = false;
  bool client_cert_requested = false;  // the server sent a CertificateRequest
  bool client_cert_sent = false;       // we answered it with a certificate
};

struct HttpFacts {
  bool responded = false;  // a complete HTTP response was read
  std::string error;       // why not ("" when it was)
  int status = 0;
  std::string content_type;
  std::string body;
};

// One connection attempt: TCP, then TLS (unless plaintext), then one HTTP request.
struct Exchange {
  bool plaintext = false;  // no TLS was attempted (the plaintext probe)
  bool resolved = false;
  bool connected = false;
  std::string connect_error;  // resolution or connection failure
  PhaseTimings timings;
  TlsFacts tls;
  HttpFacts http;
};

// The policy the endpoint claims, from the variables serve reads or --expect-* flags. Unknown
// parts are nullopt and their probes do not run.
struct ExpectedPolicy {
  std::optional<ClientAuth> client_auth;
  std::optional<std::uint16_t> min_version;                 // 0x0303 or 0x0304
  std::optional<std::uint16_t> max_version;                 // 0x0303 or 0x0304
  std::optional<std::vector<std::uint16_t>> cipher_suites;  // the TLS 1.2 allow list
  std::string source;  // "environment", "flags", "environment and flags"; "" when unknown
};

// The expected policy of a configuration serve accepts (TLS on): the profile's versions (its
// defaults when unset, 0 read as config.hpp says), client auth and TLS 1.2 suites.
ExpectedPolicy expected_policy_from(const TlsConfig& config);

// The --expect-* flags, parsed (nullopt: not given); each overrides the environment's value.
struct ExpectOverrides {
  std::optional<ClientAuth> client_auth;
  std::optional<std::uint16_t> min_version;
  std::optional<std::vector<std::uint16_t>> cipher_suites;
  std::optional<std::uint16_t> max_version;
};

// What selftest expects of an endpoint and where it is, decided from the environment as serve
// reads it (evaluate_for_serving(), offline) and the flags.
struct SelftestSetup {
  Evaluation evaluation;  // the configuration, its profile, and the profile findings
  // Which profile was picked and why (profile-auto, profile-mixed, profile-ambiguous), for the
  // user; empty when --profile forced one without a conflict.
  std::vector<Finding> profile_notes;
  // A variable of the chosen profile is set to a non-empty value.
  bool configured = false;
  // Set when the configured variables are refused: the sentence for a usage error.
  std::string rejected;
  // The configuration serves TLS: where serve listens (an empty or wildcard host is reached as
  // "localhost"), and the expected policy comes from it.
  bool serves_tls = false;
  std::string host;
  std::uint16_t port = 0;
  ExpectedPolicy expected;  // the environment's policy with the flags applied
  // Why the configuration keeps the Go server from post-quantum key exchange (the
  // go-post-quantum-off finding's reason); "" when it does not.
  std::string key_exchange_reason;
};

// `profile` nullopt is --profile auto (choose_profile()).
SelftestSetup selftest_setup(const EnvSnapshot& env, std::optional<Profile> profile,
                             const ExpectOverrides& flags, const EvaluateOptions& options);

// The variables to set for `profile` to serve TLS, for messages: "set METRICS_PROMETHEUS_TLS_CERT
// and METRICS_PROMETHEUS_TLS_KEY (and METRICS_PROMETHEUS_HOST/PORT)".
std::string how_to_serve_tls(Profile profile);

enum class ProbeKind {
  no_client_cert,       // no certificate: refused under require, accepted under optional
  foreign_client_cert,  // a certificate from a CA the server does not trust: refused
  tls12,                // TLS 1.2 only, when the minimum is 1.3: refused
  tls13,                // TLS 1.3 only, when the maximum is 1.2: refused
  disallowed_cipher,    // TLS 1.2 with only suites outside the allow list: refused
  plaintext_http,       // an HTTP request without TLS: no metrics
};

// The check name of a probe, e.g. "probe-tls12-refused".
std::string probe_check_name(ProbeKind kind);

struct ProbePlan {
  ProbeKind kind;
  bool expect_refused = true;
  // For disallowed_cipher: the OpenSSL names of the TLS 1.2 suites to offer.
  std::vector<std::string> openssl_ciphers;
};

// The probes that apply to `policy` (plaintext_http always does), in a fixed order.
std::vector<ProbePlan> plan_probes(const ExpectedPolicy& policy);

struct ProbeOutcome {
  ProbePlan plan;
  Exchange exchange;
};

// The key-exchange matrix (issue 15): handshakes that each offer a set of groups and key shares,
// to learn which group the server picks, whether it needs a HelloRetryRequest (RFC 8446 §4.1.4)
// to reach it, and which groups it accepts alone.
struct KeyExchangeAttempt {
  std::string name;                    // "clients", "classical-key-share", "post-quantum-only",
                                       // "only-<group>"
  std::string label;                   // for the text report
  std::vector<std::uint16_t> groups;   // supported groups offered, in order
  std::vector<std::uint16_t> shares;   // those sent with a key share
  std::string openssl_groups() const;  // OpenSSL 3.5's list syntax: "*" marks a key share
};

// In order: what Go 1.24 and OpenSSL 3.5 clients send (X25519MLKEM768, X25519, P-256, P-384,
// P-521; key shares X25519MLKEM768 and X25519), an X25519 key share only with X25519MLKEM768
// supported, the post-quantum hybrids only, then each of X25519MLKEM768, SecP256r1MLKEM768,
// SecP384r1MLKEM1024, X25519, P-256, P-384, P-521 alone.
std::vector<KeyExchangeAttempt> plan_key_exchange();

struct KeyExchangeOutcome {
  KeyExchangeAttempt attempt;
  bool accepted = false;       // the handshake completed
  std::uint16_t group_id = 0;  // negotiated (0 when refused or unknown)
  std::string group;           // its name
  std::string version;         // "TLSv1.3"
  std::uint16_t version_id = 0;
  bool hello_retry = false;  // the negotiated group had no key share: the server retried
  std::string error;         // why it was refused
};

struct KeyExchangeFacts {
  // The linked OpenSSL can offer the post-quantum groups (OpenSSL 3.5 and later); false: the
  // matrix did not run and `library` says which library lacks them.
  bool testable = false;
  std::string library;  // e.g. "OpenSSL 3.0.19 27 Jan 2026"
  std::vector<KeyExchangeOutcome> outcomes;
  // Why the configuration turns post-quantum off, when it does (the Go prediction's finding:
  // an explicit curve list without a hybrid, a maximum of TLS 1.2, GODEBUG); "" otherwise.
  std::string config_reason;
};

// "negotiated", "after_retry", "not_offered" or "not_testable", and the sentence that says it.
struct KeyExchangeVerdict {
  std::string verdict;
  std::string text;
};
// negotiated: the client-like attempt reached a post-quantum group in one round trip;
// after_retry: it (or the classical-key-share attempt) reached one only after a
// HelloRetryRequest; not_offered: no attempt that also offers classical groups reached one (the
// reason: TLS 1.2 chosen, the configuration's, or the server's preference); not_testable: the
// linked OpenSSL cannot offer them.
KeyExchangeVerdict judge_key_exchange(const KeyExchangeFacts& facts);

struct Check {
  std::string name;  // stable kebab-case, e.g. "server-certificate-verified"
  bool ok = false;
  std::string detail;
};

// Everything one self-test run observed.
struct SelftestRun {
  std::string target;      // "host:port" as connected to
  std::string servername;  // the name verified; also sent as SNI unless it is an IP address
  std::string path;        // the HTTP path scraped
  bool client_cert_configured = false;
  std::optional<CertInfo> client_cert;  // ours (--cert), when it parsed
  ExpectedPolicy expected;
  Exchange main;  // the scrape with our credentials
  std::vector<ProbeOutcome> probes;
  // The key-exchange matrix; nullopt when it was not run (--no-key-exchange, no connection).
  std::optional<KeyExchangeFacts> key_exchange;
  // Rotation readiness, when the configuration names the files and they could be read: the
  // serving certificate file's first certificate (the served leaf must be it: a server that
  // did not reload after a rotation still serves the old one), and the subjects of the client
  // CA file's certificates (a certificate of ours they issued must be accepted: refused with
  // "unknown ca", the server's client-CA pool is empty or older than the file).
  std::string configured_cert_file;
  std::optional<CertInfo> configured_leaf;
  std::string configured_client_ca_file;
  std::vector<std::string> configured_client_ca_subjects;
};

// Rotation readiness (issue 14) for one exchange whose TLS facts are `tls`, made with
// run.client_cert: "served-certificate-current" when run.configured_leaf is known and a chain
// arrived (the served leaf must be the file's), "client-ca-pool" when our certificate was issued
// by a CA of run.configured_client_ca_file and was asked for and sent (refused as "unknown ca",
// the server's pool is empty or older than the file). judge() includes them; selftest
// --scrape-config and --service-monitor add them to each target.
std::vector<Check> rotation_checks(const SelftestRun& run, const TlsFacts& tls);

struct SelftestOptions {
  std::int64_t now_unix = 0;  // certificate validity is judged at this instant
  ExpiryPolicy expiry;        // inspect's thresholds for each certificate's status
  // Bounds the parse of the body (ExpositionLimits::out_of_time; the cli's holds --timeout).
  std::function<bool()> out_of_time;
};

struct SelftestReport {
  SelftestRun run;
  SelftestOptions options;
  Exposition exposition;  // the parsed body (empty when there was none)
  std::vector<Check> checks;
  bool ok = false;           // every check passed
  bool unreachable = false;  // the target could not be resolved or connected to
};

// True when the exchange did not produce a successful (2xx) HTTP response, i.e. the server
// refused the attempt at the TCP, TLS or HTTP layer; `how` says which (in words).
bool refused(const Exchange& exchange, std::string* how = nullptr);

// Turns observations into checks. `ok` is false when any check failed (a chain that does not
// verify always fails); `unreachable` when the main exchange could not connect.
SelftestReport judge(SelftestRun run, const SelftestOptions& options);

// The exit code DESIGN.md assigns: cannot_run when unreachable, check_failed when a check
// failed, ok when all passed.
ExitCode exit_code(const SelftestReport& report);

// "ok", "warning", "critical", "expired" or "not_yet_valid": core::judge_certificate() with
// `options.expiry` at `options.now_unix`, as inspect reports it.
std::string certificate_status(const CertInfo& cert, const SelftestOptions& options);

// A certificate with the fields inspect's JSON gives it (DESIGN.md; core/inspect_report.cpp),
// judged by core::judge_certificate() at `options.now_unix`.
nlohmann::ordered_json certificate_json(const CertInfo& cert, const std::string& source,
                                        std::size_t index, const SelftestOptions& options);

// The checklist a person reads top to bottom; ends with a newline.
std::string render_selftest_text(const SelftestReport& report, const TextStyle& style);

// The "promtls/selftest/v1" document.
nlohmann::ordered_json selftest_json(const SelftestReport& report);

// Load mode: N scrapes over C connections.
struct LoadRun {
  std::string target;
  std::size_t requests = 0;  // attempted
  std::size_t concurrency = 0;
  bool new_connections = false;  // a fresh handshake for every request
  double duration_ms = 0;
  std::size_t handshakes = 0;                 // completed TLS handshakes
  std::vector<double> latencies_ms;           // of successful requests
  std::map<std::string, std::size_t> errors;  // failed requests by reason
  // From one verifying scrape before the load: load mode never passes a server whose chain or
  // name does not verify. `verify_detail` says why not ("" when it did).
  bool verified = true;
  std::string verify_detail;
};

struct LoadSummary {
  std::size_t succeeded = 0;
  std::size_t failed = 0;
  double requests_per_second = 0;  // successful requests per second of wall time
  double handshakes_per_second = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;  // nearest-rank percentiles
};

LoadSummary summarize(const LoadRun& run);

// Records in `run` what the verifying scrape made before the load (`first`) showed: verified
// only when the chain verified and the name matched; not verified, with the reason in
// `verify_detail`, when it did not or no certificate came. Leaves `run` as it is when `first`
// could not connect (the load's own connect errors then decide).
void record_verification(LoadRun& run, const Exchange& first);

// The load run passed: the server verified, no request failed and at least one succeeded.
bool load_ok(const LoadRun& run);

// No request got anywhere: none succeeded, no handshake completed, and every failure (there is
// at least one) was a connect error ("connect: ...").
bool load_unreachable(const LoadRun& run);

// cannot_run when load_unreachable(), ok when load_ok(), else check_failed.
ExitCode exit_code(const LoadRun& run);
// Nearest-rank percentile (0 < p <= 100) of `values` (any order); 0 when empty.
double percentile(std::vector<double> values, double p);

std::string render_load_text(const LoadRun& run, const TextStyle& style);
// {schema, ok, target, load: {...}, checks: [{name: "server-certificate-verified", ...},
// {name: "load-errors", ...}]}; ok is load_ok(run).
nlohmann::ordered_json load_json(const LoadRun& run);

}  // namespace promtls::core
