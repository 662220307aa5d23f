// Judging a self-test: observations into checks, the probe plan, the exit codes, the load
// summary and verdict (selftest.hpp). The text and JSON renderings are in selftest_render.cpp.
#include <algorithm>
#include <cmath>
#include <string>

#include "promtls/core/selftest.hpp"
#include "promtls/core/time.hpp"
#include "promtls/core/tls_catalog.hpp"
#include "promtls/core/validate.hpp"
#include "selftest_text.hpp"

namespace promtls::core {
namespace {

using detail::expiry_detail;
using detail::is_success;
using detail::join;
using detail::ms;
using detail::version_words;

// Prometheus' own text format: "text/plain" with version 0.0.4 or no version at all
// (prometheus/common expfmt.ResponseFormat).
bool is_text_exposition(const std::string& content_type, std::string* why) {
  std::string lower;
  for (char c : content_type) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  lower.erase(std::remove(lower.begin(), lower.end(), ' '), lower.end());
  const std::string media = lower.substr(0, lower.find(';'));
  if (media != "text/plain") {
    *why = content_type.empty() ? "no Content-Type header"
                                : "\"" + content_type + "\" is not text/plain";
    return false;
  }
  const auto v = lower.find("version=");
  if (v != std::string::npos) {
    std::string version = lower.substr(v + 8);
    version = version.substr(0, version.find(';'));
    if (version != "0.0.4") {
      *why = "text/plain version " + version + " is not 0.0.4";
      return false;
    }
  }
  return true;
}

struct Checks {
  std::vector<Check> list;
  void add(std::string name, bool ok, std::string detail) {
    list.push_back(Check{std::move(name), ok, std::move(detail)});
  }
};

void judge_probe(const ProbeOutcome& probe, const Exchange& main, Checks& checks) {
  const std::string name = probe_check_name(probe.plan.kind);
  const Exchange& ex = probe.exchange;
  if (!ex.connected) {
    checks.add(name, false, "inconclusive: could not connect: " + ex.connect_error);
    return;
  }
  // A refusal proves nothing when the server answers no TLS hello at all.
  if (probe.plan.kind != ProbeKind::plaintext_http && !main.tls.server_hello) {
    checks.add(name, false,
               "inconclusive: the server did not accept a normal TLS handshake either (" +
                   main.tls.error + ")");
    return;
  }
  std::string how;
  const bool was_refused = refused(ex, &how);
  switch (probe.plan.kind) {
    case ProbeKind::tls12:
    case ProbeKind::tls13:
    case ProbeKind::disallowed_cipher: {
      // The server accepts a version or suite by answering the ClientHello with it; what
      // happens later (a client certificate refused, say) does not undo that.
      const std::string offered = probe.plan.kind == ProbeKind::tls12 ? "TLS 1.2"
                                  : probe.plan.kind == ProbeKind::tls13
                                      ? "TLS 1.3"
                                      : "TLS 1.2 with " +
                                            std::to_string(probe.plan.openssl_ciphers.size()) +
                                            " suites outside the allow list";
      if (!ex.tls.server_hello) {
        checks.add(name, true,
                   offered + " refused: " + (ex.tls.error.empty() ? how : ex.tls.error));
      } else {
        std::string detail = offered + " accepted: the server negotiated " + ex.tls.version;
        if (!ex.tls.cipher.empty()) detail += " " + ex.tls.cipher;
        checks.add(name, false, detail);
      }
      return;
    }
    case ProbeKind::no_client_cert:
      if (probe.plan.expect_refused) {
        checks.add(name, was_refused,
                   was_refused
                       ? "a connection without a client certificate was refused (" + how + ")"
                       : "a connection without a client certificate was served (" + how +
                             ") although client auth is require");
      } else {
        checks.add(name, !was_refused,
                   !was_refused ? "a connection without a client certificate was served, as "
                                  "optional client auth allows (" +
                                      how + ")"
                                : "a connection without a client certificate was refused (" + how +
                                      ") although client auth is optional");
      }
      return;
    case ProbeKind::foreign_client_cert:
      if (!was_refused && !ex.tls.client_cert_requested) {
        checks.add(name, false,
                   "the server never asked for a client certificate, so one from an unknown CA "
                   "was served (" +
                       how + ")");
      } else {
        checks.add(name, was_refused,
                   was_refused
                       ? "a client certificate from an unknown CA was refused (" + how + ")"
                       : "a client certificate from an unknown CA was accepted (" + how + ")");
      }
      return;
    case ProbeKind::plaintext_http:
      checks.add(name, was_refused,
                 was_refused ? "plain HTTP on the TLS port got no metrics (" + how + ")"
                             : "plain HTTP on the TLS port was served (" + how + ")");
      return;
  }
}

}  // namespace

ExpectedPolicy expected_policy_from(const TlsConfig& config) {
  ExpectedPolicy p;
  p.client_auth = config.client_auth;
  // The same meaning of 0 as serve's and the prober's contexts (config.hpp).
  p.min_version = effective_min_version(config.min_version);
  p.max_version = effective_max_version(config.max_version);
  p.cipher_suites = config.cipher_suites;
  p.source = "environment";
  return p;
}

SelftestSetup selftest_setup(const EnvSnapshot& env, std::optional<Profile> profile,
                             const ExpectOverrides& flags, const EvaluateOptions& options) {
  SelftestSetup out;
  out.evaluation = evaluate_for_serving(env, profile, options, nullptr);
  const ServerConfig& config = out.evaluation.config;
  for (const Finding& f : out.evaluation.findings) {
    if (f.code.rfind("profile-", 0) == 0) out.profile_notes.push_back(f);
  }
  for (const auto& [name, value] : env.entries()) {
    if (belongs_to(name, config.profile) && !value.value.empty()) out.configured = true;
  }
  if (out.configured && !out.evaluation.upstream.accepts) {
    out.rejected = "the " + std::string(to_string(config.profile)) +
                   " configuration is rejected: " + out.evaluation.upstream.error;
  }
  out.serves_tls = out.configured && config.tls && config.enabled;
  if (out.serves_tls) {
    const bool wildcard = config.host.empty() || config.host == "0.0.0.0" || config.host == "::";
    out.host = wildcard ? "localhost" : config.host;
    out.port = config.port;
    out.expected = expected_policy_from(config.tls_config);
  }
  bool any_flag = false;
  const auto apply = [&](auto& field, const auto& flag) {
    if (!flag) return;
    field = *flag;
    any_flag = true;
  };
  apply(out.expected.client_auth, flags.client_auth);
  apply(out.expected.min_version, flags.min_version);
  apply(out.expected.max_version, flags.max_version);
  apply(out.expected.cipher_suites, flags.cipher_suites);
  if (any_flag) out.expected.source = out.serves_tls ? "environment and flags" : "flags";
  if (out.configured) {
    for (const Finding& f : out.evaluation.findings) {
      if (f.code != "go-post-quantum-off") continue;
      // "<who> will not negotiate X25519MLKEM768: <reason>"
      const std::size_t colon = f.message.find(": ");
      out.key_exchange_reason =
          colon == std::string::npos ? f.message : f.message.substr(colon + 2);
      break;
    }
  }
  return out;
}

std::string KeyExchangeAttempt::openssl_groups() const {
  std::string out;
  for (const std::uint16_t id : groups) {
    const Group* g = find_group(id);
    if (g == nullptr) continue;
    const bool share = std::find(shares.begin(), shares.end(), id) != shares.end();
    out += (out.empty() ? "" : ":") + std::string(share ? "*" : "") + std::string(g->openssl_name);
  }
  return out;
}

std::vector<KeyExchangeAttempt> plan_key_exchange() {
  const auto id = [](std::string_view go_name) { return find_group_by_go_name(go_name)->id; };
  const std::uint16_t mlkem = id("X25519MLKEM768");
  const std::uint16_t x25519 = id("X25519");
  const std::vector<std::uint16_t> clients = {mlkem, x25519, id("CurveP256"), id("CurveP384"),
                                              id("CurveP521")};
  const std::vector<std::uint16_t> hybrids = {mlkem, id("SecP256r1MLKEM768"),
                                              id("SecP384r1MLKEM1024")};
  std::vector<KeyExchangeAttempt> out;
  out.push_back({"clients",
                 "as Go 1.24 and OpenSSL 3.5 clients (key shares X25519MLKEM768, X25519)",
                 clients,
                 {mlkem, x25519}});
  out.push_back({"classical-key-share",
                 "an X25519 key share only, X25519MLKEM768 supported",
                 clients,
                 {x25519}});
  out.push_back({"post-quantum-only", "post-quantum groups only", hybrids, {mlkem}});
  for (const char* name : {"X25519MLKEM768", "SecP256r1MLKEM768", "SecP384r1MLKEM1024", "X25519",
                           "CurveP256", "CurveP384", "CurveP521"}) {
    const Group* g = find_group_by_go_name(name);
    out.push_back({"only-" + std::string(g->openssl_name),
                   std::string(g->openssl_name) + " alone",
                   {g->id},
                   {g->id}});
  }
  return out;
}

KeyExchangeVerdict judge_key_exchange(const KeyExchangeFacts& facts) {
  if (!facts.testable) {
    std::string library = facts.library;
    // "OpenSSL 3.0.19 27 Jan 2026" -> "OpenSSL 3.0.x"
    if (library.rfind("OpenSSL 3.0", 0) == 0) library = "OpenSSL 3.0.x";
    return {"not_testable", "post-quantum key exchange: not testable with " +
                                (library.empty() ? std::string("this TLS library") : library) +
                                " (it has no ML-KEM)"};
  }
  const auto find = [&](std::string_view name) -> const KeyExchangeOutcome* {
    for (const KeyExchangeOutcome& o : facts.outcomes) {
      if (o.attempt.name == name) return &o;
    }
    return nullptr;
  };
  const auto pq = [](const KeyExchangeOutcome* o) {
    return o != nullptr && o->accepted && is_post_quantum(o->group_id);
  };
  const KeyExchangeOutcome* clients = find("clients");
  const KeyExchangeOutcome* classical = find("classical-key-share");
  if (pq(clients) && !clients->hello_retry) {
    return {"negotiated", "post-quantum key exchange: negotiated (" + clients->group + ")"};
  }
  if (pq(clients) || pq(classical)) {
    const KeyExchangeOutcome* o = pq(clients) ? clients : classical;
    return {"after_retry", "post-quantum key exchange: only after a retry (" + o->group +
                               " after a HelloRetryRequest)"};
  }
  std::string reason;
  if (clients != nullptr && clients->accepted && clients->version_id == kTls12) {
    reason = "the server chose TLS 1.2, and the post-quantum groups are TLS 1.3 only";
  } else if (!facts.config_reason.empty()) {
    reason = facts.config_reason;
  } else if (clients != nullptr && clients->accepted) {
    reason = "the server chose " + clients->group;
    if (pq(find("post-quantum-only"))) {
      reason += ", although it accepts " + find("post-quantum-only")->group + " offered alone";
    }
  } else if (clients != nullptr) {
    reason = "the handshake failed: " + clients->error;
  }
  return {"not_offered", "post-quantum key exchange: not offered by the server" +
                             (reason.empty() ? std::string() : " (" + reason + ")")};
}

std::string how_to_serve_tls(Profile profile) {
  const auto n = [](Var v) { return std::string(name(v)); };
  if (profile == Profile::tigera) {
    return "set " + n(Var::tigera_metrics_enabled) + "=true and " + n(Var::tigera_scheme) +
           "=https (with " + n(Var::tigera_tls_cert_file) + ", " + n(Var::tigera_tls_key_file) +
           " and " + n(Var::tigera_tls_ca_file) + " where the files are not at their defaults)";
  }
  return "set " + n(Var::knative_tls_cert) + " and " + n(Var::knative_tls_key) + " (and " +
         n(Var::knative_host) + "/PORT)";
}

std::string probe_check_name(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::no_client_cert:
      return "probe-no-client-certificate";
    case ProbeKind::foreign_client_cert:
      return "probe-foreign-ca-client-certificate-refused";
    case ProbeKind::tls12:
      return "probe-tls12-refused";
    case ProbeKind::tls13:
      return "probe-tls13-refused";
    case ProbeKind::disallowed_cipher:
      return "probe-disallowed-cipher-refused";
    case ProbeKind::plaintext_http:
      return "probe-plaintext-http-refused";
  }
  return "probe";
}

std::vector<ProbePlan> plan_probes(const ExpectedPolicy& policy) {
  std::vector<ProbePlan> plans;
  if (policy.client_auth) {
    const ClientAuth auth = *policy.client_auth;
    if (auth == ClientAuth::require || auth == ClientAuth::require_any) {
      plans.push_back({ProbeKind::no_client_cert, true, {}});
    } else if (auth == ClientAuth::optional || auth == ClientAuth::request) {
      plans.push_back({ProbeKind::no_client_cert, false, {}});
    }
    if (verifies_client(auth)) plans.push_back({ProbeKind::foreign_client_cert, true, {}});
  }
  const std::uint16_t min = policy.min_version.value_or(0);
  const std::uint16_t max = policy.max_version.value_or(kTls13);
  if (min == kTls13) plans.push_back({ProbeKind::tls12, true, {}});
  if (policy.max_version && *policy.max_version == kTls12) {
    plans.push_back({ProbeKind::tls13, true, {}});
  }
  // Suites matter only when TLS 1.2 can be negotiated (spec/knative-env.md §6 G3).
  if (policy.cipher_suites && policy.min_version && *policy.min_version <= kTls12 &&
      max >= kTls12) {
    ProbePlan plan{ProbeKind::disallowed_cipher, true, {}};
    for (const CipherSuite& s : cipher_suites()) {
      if (s.tls13) continue;
      if (std::find(policy.cipher_suites->begin(), policy.cipher_suites->end(), s.id) !=
          policy.cipher_suites->end()) {
        continue;
      }
      plan.openssl_ciphers.emplace_back(s.openssl_name);
    }
    if (!plan.openssl_ciphers.empty()) plans.push_back(std::move(plan));
  }
  plans.push_back({ProbeKind::plaintext_http, true, {}});
  return plans;
}

bool refused(const Exchange& ex, std::string* how) {
  std::string dummy;
  std::string& out = how != nullptr ? *how : dummy;
  if (!ex.connected) {
    out = "could not connect: " + ex.connect_error;
    return true;
  }
  if (!ex.plaintext && !ex.tls.completed) {
    out = "TLS handshake failed: " + ex.tls.error;
    return true;
  }
  if (!ex.http.responded) {
    out = "no HTTP response: " + ex.http.error;
    return true;
  }
  out = "HTTP " + std::to_string(ex.http.status);
  return !is_success(ex.http.status);
}

std::string certificate_status(const CertInfo& cert, const SelftestOptions& options) {
  return std::string(to_string(judge_certificate(cert, options.expiry, options.now_unix).status));
}

SelftestReport judge(SelftestRun run, const SelftestOptions& options) {
  SelftestReport report;
  report.options = options;
  Checks checks;
  const Exchange& ex = run.main;
  const TlsFacts& tls = ex.tls;

  if (!ex.connected) {
    report.unreachable = true;
    checks.add("tcp-connect", false, ex.connect_error);
  } else {
    checks.add("tcp-connect", true,
               "connected to " + run.target +
                   (ex.timings.connect_ms ? " in " + ms(*ex.timings.connect_ms) : ""));
    if (tls.completed) {
      checks.add("tls-handshake", true,
                 tls.version + " " + tls.cipher +
                     (ex.timings.handshake_ms ? " after " + ms(*ex.timings.handshake_ms) : ""));
    } else {
      checks.add(
          "tls-handshake", false,
          tls.error + (tls.server_hello ? " (after the server's hello, " + tls.version + ")" : ""));
    }

    if (!tls.chain.empty()) {
      const CertInfo& leaf = tls.chain.front();
      checks.add("server-certificate-verified", tls.verified,
                 tls.verified ? "the chain verifies against the trusted CAs at " +
                                    format_rfc3339(options.now_unix)
                              : "not verified: " + tls.verify_error);
      std::vector<std::string> sans = leaf.sans();
      checks.add("server-hostname-match", tls.hostname_match,
                 tls.hostname_match
                     ? "\"" + tls.verify_name + "\" matches the certificate's SANs"
                     : "\"" + tls.verify_name + "\" is not among the certificate's SANs (" +
                           (sans.empty() ? std::string("none") : join(sans, ", ")) + ")");
      const std::string status = certificate_status(leaf, options);
      checks.add("server-certificate-validity", status != "expired" && status != "not_yet_valid",
                 status == "not_yet_valid"
                     ? "not valid before " + format_rfc3339(leaf.not_before_unix)
                     : status + ": " + expiry_detail(leaf, options));
    } else if (ex.connected) {
      checks.add("server-certificate-verified", false, "no server certificate was received");
    }

    const bool main_refused = refused(ex);
    std::string how;
    refused(ex, &how);
    if (tls.server_hello) {
      if (run.client_cert_configured) {
        const std::string who =
            run.client_cert ? "ours (" + run.client_cert->subject + ")" : "ours";
        if (!tls.client_cert_requested && tls.completed) {
          checks.add("client-certificate", true,
                     "the server did not ask for a client certificate; " + who + " was not sent");
        } else if (tls.client_cert_requested) {
          checks.add("client-certificate", !main_refused,
                     !main_refused
                         ? "requested by the server; " + who + " was sent and accepted"
                         : "requested by the server; " + who + " was sent and refused: " + how);
        }
      } else if (tls.client_cert_requested) {
        checks.add("client-certificate", !main_refused,
                   !main_refused ? "requested by the server; none configured, served without one"
                                 : "requested by the server; none configured (--cert/--key), "
                                   "refused: " +
                                       how);
      }
    }
    // Rotation readiness (issue 14).
    for (Check& c : rotation_checks(run, tls)) checks.list.push_back(std::move(c));
    if (run.client_cert) {
      const std::string status = certificate_status(*run.client_cert, options);
      checks.add(
          "client-certificate-validity", status != "expired" && status != "not_yet_valid",
          status == "not_yet_valid"
              ? "ours is not valid before " + format_rfc3339(run.client_cert->not_before_unix)
              : "ours: " + status + ", " + expiry_detail(*run.client_cert, options));
    }

    if (tls.completed && run.expected.client_auth) {
      const bool should_request = *run.expected.client_auth != ClientAuth::none;
      checks.add("client-auth-requested", tls.client_cert_requested == should_request,
                 std::string("client auth ") + std::string(to_string(*run.expected.client_auth)) +
                     (tls.client_cert_requested ? ": the server asked for a client certificate"
                                                : ": the server did not ask for a client "
                                                  "certificate"));
    }
    if (tls.completed && (run.expected.min_version || run.expected.max_version)) {
      const std::uint16_t min = run.expected.min_version.value_or(kTls12);
      const std::uint16_t max = run.expected.max_version.value_or(kTls13);
      const bool within = tls.version_id >= min && tls.version_id <= max;
      checks.add("tls-version-allowed", within,
                 tls.version + (within ? " is" : " is not") + " within " + version_words(min) +
                     " to " + version_words(max));
    }

    if (tls.completed) {
      if (!ex.http.responded) {
        checks.add("http-status", false, "no HTTP response: " + ex.http.error);
      } else {
        checks.add("http-status", ex.http.status == 200,
                   "GET " + run.path + " returned " + std::to_string(ex.http.status));
        if (is_success(ex.http.status)) {
          std::string why;
          const bool text = is_text_exposition(ex.http.content_type, &why);
          checks.add("http-content-type", text, text ? ex.http.content_type : why);
          ExpositionLimits limits;
          limits.out_of_time = options.out_of_time;
          report.exposition = parse_exposition(ex.http.body, limits);
          const Exposition& e = report.exposition;
          if (!e.not_checked_whole.empty()) {
            checks.add("exposition-format", false,
                       "not checked whole: " + e.not_checked_whole +
                           (e.errors.empty()
                                ? ""
                                : "; first error: line " + std::to_string(e.errors.front().line) +
                                      ": " + e.errors.front().message));
          } else if (e.errors.empty()) {
            checks.add("exposition-format", true,
                       std::to_string(e.families.size()) + " families, " +
                           std::to_string(e.sample_count()) + " samples, no format errors");
          } else {
            std::string detail =
                "line " + std::to_string(e.errors.front().line) + ": " + e.errors.front().message;
            if (e.errors.size() > 1) {
              detail += " (and " + std::to_string(e.errors.size() - 1) + " more)";
            }
            checks.add("exposition-format", false, detail);
          }
        }
      }
    }

    for (const ProbeOutcome& probe : run.probes) judge_probe(probe, ex, checks);
  }

  report.checks = std::move(checks.list);
  report.ok = !report.checks.empty() && std::all_of(report.checks.begin(), report.checks.end(),
                                                    [](const Check& c) { return c.ok; });
  // Never report success for a server whose chain did not verify (issue 6).
  if (ex.connected && !tls.verified) report.ok = false;
  report.run = std::move(run);
  return report;
}

std::vector<Check> rotation_checks(const SelftestRun& run, const TlsFacts& tls) {
  Checks checks;
  if (run.configured_leaf && !tls.chain.empty()) {
    const CertInfo& served = tls.chain.front();
    const CertInfo& file = *run.configured_leaf;
    const bool current = served.sha256_fingerprint == file.sha256_fingerprint;
    checks.add("served-certificate-current", current,
               current ? "the server serves the certificate in " + run.configured_cert_file
                       : "the server still serves serial " + served.serial + " (not after " +
                             format_rfc3339(served.not_after_unix) + "), but " +
                             run.configured_cert_file + " holds serial " + file.serial +
                             " (not after " + format_rfc3339(file.not_after_unix) +
                             "): it has not loaded the rotated certificate (restart it, or "
                             "check that it watches the file)");
  }
  if (run.client_cert && tls.client_cert_requested && tls.client_cert_sent &&
      std::find(run.configured_client_ca_subjects.begin(), run.configured_client_ca_subjects.end(),
                run.client_cert->issuer) != run.configured_client_ca_subjects.end()) {
    const bool unknown = tls.alert == "unknown ca";
    checks.add("client-ca-pool", !unknown,
               unknown ? "the server refuses ours, issued by " + run.client_cert->issuer + " of " +
                             run.configured_client_ca_file +
                             ", as from an unknown CA: its client-CA pool is empty or older "
                             "than the file (was the file empty or missing when it started?)"
                       : "the server knows the CA in " + run.configured_client_ca_file +
                             " that issued ours");
  }
  return std::move(checks.list);
}

ExitCode exit_code(const SelftestReport& report) {
  if (report.unreachable) return ExitCode::cannot_run;
  return report.ok ? ExitCode::ok : ExitCode::check_failed;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  if (index >= values.size()) index = values.size() - 1;
  return values[index];
}

LoadSummary summarize(const LoadRun& run) {
  LoadSummary s;
  s.succeeded = run.latencies_ms.size();
  for (const auto& [reason, n] : run.errors) s.failed += n;
  const double seconds = run.duration_ms / 1000.0;
  if (seconds > 0) {
    s.requests_per_second = static_cast<double>(s.succeeded) / seconds;
    s.handshakes_per_second = static_cast<double>(run.handshakes) / seconds;
  }
  s.p50_ms = percentile(run.latencies_ms, 50);
  s.p90_ms = percentile(run.latencies_ms, 90);
  s.p99_ms = percentile(run.latencies_ms, 99);
  s.max_ms = run.latencies_ms.empty()
                 ? 0
                 : *std::max_element(run.latencies_ms.begin(), run.latencies_ms.end());
  return s;
}

void record_verification(LoadRun& run, const Exchange& first) {
  if (first.connected && !first.tls.chain.empty()) {
    run.verified = first.tls.verified && first.tls.hostname_match;
    run.verify_detail = !first.tls.verified ? "not verified: " + first.tls.verify_error
                                            : "\"" + first.tls.verify_name +
                                                  "\" is not among the certificate's SANs";
  } else if (first.connected) {
    run.verified = false;
    run.verify_detail = "no server certificate was received: " + first.tls.error;
  }
}

bool load_ok(const LoadRun& run) {
  const LoadSummary s = summarize(run);
  return run.verified && s.failed == 0 && s.succeeded > 0;
}

bool load_unreachable(const LoadRun& run) {
  const LoadSummary s = summarize(run);
  if (s.succeeded != 0 || run.handshakes != 0 || run.errors.empty()) return false;
  for (const auto& [reason, n] : run.errors) {
    if (reason.rfind("connect: ", 0) != 0) return false;
  }
  return true;
}

ExitCode exit_code(const LoadRun& run) {
  if (load_unreachable(run)) return ExitCode::cannot_run;
  return load_ok(run) ? ExitCode::ok : ExitCode::check_failed;
}

}  // namespace promtls::core
