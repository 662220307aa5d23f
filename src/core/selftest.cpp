#include "promtls/core/selftest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "promtls/core/round.hpp"
#include "promtls/core/time.hpp"
#include "promtls/core/tls_catalog.hpp"

namespace promtls::core {
namespace {

using nlohmann::ordered_json;

std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", v);
  return buf;
}

ordered_json opt_ms(const std::optional<double>& v) {
  if (!v) return nullptr;
  return round_half_away(*v * 1000.0) / 1000.0;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

bool is_success(int status) { return status >= 200 && status < 300; }

std::string version_words(std::uint16_t v) { return std::string(version_name(v)); }

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

std::string expiry_detail(const CertInfo& cert, const SelftestOptions& options) {
  return "not after " + format_rfc3339(cert.not_after_unix) + " (" +
         relative_phrase(cert.not_after_unix, options.now_unix) + ")";
}

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

ordered_json policy_json(const ExpectedPolicy& p) {
  ordered_json j;
  j["source"] = p.source.empty() ? ordered_json(nullptr) : ordered_json(p.source);
  j["client_auth"] =
      p.client_auth ? ordered_json(std::string(to_string(*p.client_auth))) : ordered_json(nullptr);
  j["min_version"] = p.min_version ? ordered_json(version_words(*p.min_version)) : nullptr;
  j["max_version"] = p.max_version ? ordered_json(version_words(*p.max_version)) : nullptr;
  if (p.cipher_suites) {
    ordered_json suites = ordered_json::array();
    for (std::uint16_t id : *p.cipher_suites) {
      const CipherSuite* s = find_cipher_suite(id);
      suites.push_back(s != nullptr ? std::string(s->go_name) : std::to_string(id));
    }
    j["cipher_suites"] = suites;
  } else {
    j["cipher_suites"] = nullptr;
  }
  return j;
}

std::string policy_text(const ExpectedPolicy& p) {
  std::vector<std::string> parts;
  if (p.client_auth) parts.push_back("client auth " + std::string(to_string(*p.client_auth)));
  if (p.min_version) parts.push_back("min " + version_words(*p.min_version));
  if (p.max_version) parts.push_back("max " + version_words(*p.max_version));
  if (p.cipher_suites) {
    parts.push_back(std::to_string(p.cipher_suites->size()) + " allowed cipher suites");
  }
  return join(parts, ", ");
}

}  // namespace

ExpectedPolicy expected_policy_from(const TlsConfig& config) {
  ExpectedPolicy p;
  p.client_auth = config.client_auth;
  p.min_version = config.min_version == 0 ? kTls13 : config.min_version;
  p.max_version = config.max_version == 0 ? kTls13 : config.max_version;
  p.cipher_suites = config.cipher_suites;
  p.source = "environment";
  return p;
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

ordered_json certificate_json(const CertInfo& cert, const std::string& source, std::size_t index,
                              const SelftestOptions& options) {
  ordered_json j;
  j["source"] = source;
  j["index"] = index;
  j["subject"] = cert.subject;
  j["issuer"] = cert.issuer;
  j["serial"] = cert.serial;
  j["sans"] = cert.sans();
  j["not_before"] = format_rfc3339(cert.not_before_unix);
  j["not_before_unix"] = cert.not_before_unix;
  j["not_after"] = format_rfc3339(cert.not_after_unix);
  j["not_after_unix"] = cert.not_after_unix;
  const CertJudgement judgement = judge_certificate(cert, options.expiry, options.now_unix);
  j["days_left"] = judgement.days_left;
  j["lifetime_used_percent"] = judgement.lifetime_used_percent;
  j["key"] = {{"type", cert.key.type}, {"bits", cert.key.bits}};
  if (!cert.key.curve.empty()) j["key"]["curve"] = cert.key.curve;
  j["signature_algorithm"] = cert.signature_algorithm;
  j["sha256_fingerprint"] = cert.sha256_fingerprint;
  j["is_ca"] = cert.is_ca;
  j["extended_key_usage"] = cert.extended_key_usage;
  j["status"] = std::string(to_string(judgement.status));
  return j;
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
          report.exposition = parse_exposition(ex.http.body);
          const Exposition& e = report.exposition;
          if (e.errors.empty()) {
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

int exit_code(const SelftestReport& report) {
  if (report.unreachable) return 3;
  return report.ok ? 0 : 1;
}

std::string render_selftest_text(const SelftestReport& report, const TextStyle& style) {
  const SelftestRun& run = report.run;
  const Exchange& ex = run.main;
  const TlsFacts& tls = ex.tls;
  const auto paint = [&](const std::string& text, const char* code) {
    return style.color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  std::string out = "selftest https://" + run.target + run.path;
  if (!run.servername.empty()) out += " (server name " + run.servername + ")";
  out += "\n\n";

  std::vector<std::string> timing;
  if (ex.timings.connect_ms) timing.push_back("connect " + ms(*ex.timings.connect_ms));
  if (ex.timings.handshake_ms) timing.push_back("handshake " + ms(*ex.timings.handshake_ms));
  if (ex.timings.first_byte_ms) timing.push_back("first byte " + ms(*ex.timings.first_byte_ms));
  if (ex.timings.total_ms) timing.push_back("total " + ms(*ex.timings.total_ms));
  if (!timing.empty()) out += "  timings      " + join(timing, ", ") + "\n";
  if (tls.server_hello) {
    out += "  tls          " + tls.version + " " + tls.cipher;
    if (!tls.group.empty()) {
      out += ", group " + tls.group;
      if (tls.group_id == kX25519MLKEM768) out += " (post-quantum hybrid)";
    }
    out += ", ALPN " + (tls.alpn.empty() ? std::string("none") : tls.alpn);
    if (!tls.signature_algorithm.empty()) out += ", signature " + tls.signature_algorithm;
    out += "\n";
  }
  for (std::size_t i = 0; i < tls.chain.size(); ++i) {
    const CertInfo& c = tls.chain[i];
    out += (i == 0 ? "  server cert  " : "  chain[" + std::to_string(i) + "]     ") + c.subject +
           " (issuer " + c.issuer + ")\n";
    out += "               " + certificate_status(c, report.options) + ", " +
           expiry_detail(c, report.options) + "\n";
    out += "               " + c.key.type + " " + std::to_string(c.key.bits) + " bits, " +
           c.signature_algorithm;
    const auto sans = c.sans();
    if (!sans.empty()) out += ", SANs " + join(sans, ", ");
    out += "\n";
  }
  if (tls.server_hello) {
    out += "  client cert  ";
    out += tls.client_cert_requested ? "requested by the server" : "not requested by the server";
    if (run.client_cert) {
      out += "; ours " + run.client_cert->subject + ", " +
             certificate_status(*run.client_cert, report.options) + ", " +
             expiry_detail(*run.client_cert, report.options);
    }
    out += "\n";
  }
  if (ex.http.responded) {
    out += "  http         " + std::to_string(ex.http.status) + ", " +
           (ex.http.content_type.empty() ? std::string("no content type") : ex.http.content_type);
    if (is_success(ex.http.status)) {
      out += ", " + std::to_string(report.exposition.families.size()) + " families, " +
             std::to_string(report.exposition.sample_count()) + " samples";
    }
    out += "\n";
  }
  out += "  policy       " +
         (run.expected.source.empty()
              ? std::string("unknown (set the METRICS_PROMETHEUS_* variables or --expect-*)")
              : policy_text(run.expected) + " (from " + run.expected.source + ")") +
         "\n\n";

  std::size_t failed = 0;
  for (const Check& c : report.checks) {
    if (!c.ok) ++failed;
    out += (c.ok ? paint("  ok    ", "32") : paint("  FAIL  ", "31")) + c.name + ": " + c.detail +
           "\n";
  }
  for (std::size_t i = 0; i < report.exposition.errors.size() && i < 10; ++i) {
    const auto& e = report.exposition.errors[i];
    out += "        exposition line " + std::to_string(e.line) + ": " + e.message + "\n";
  }
  out += "\n";
  if (report.unreachable) {
    out += paint("unreachable", "31") + ": could not connect to " + run.target + "\n";
  } else if (report.ok) {
    out += paint("passed", "32") + ": all " + std::to_string(report.checks.size()) +
           " checks passed\n";
  } else {
    out += paint("failed", "31") + ": " + std::to_string(failed) + " of " +
           std::to_string(report.checks.size()) + " checks failed\n";
  }
  return out;
}

ordered_json selftest_json(const SelftestReport& report) {
  const SelftestRun& run = report.run;
  const Exchange& ex = run.main;
  const TlsFacts& tls = ex.tls;
  ordered_json j;
  j["schema"] = "promtls/selftest/v1";
  j["ok"] = report.ok;
  j["target"] = run.target;
  j["servername"] = run.servername;
  j["path"] = run.path;
  j["timings_ms"] = {{"connect", opt_ms(ex.timings.connect_ms)},
                     {"handshake", opt_ms(ex.timings.handshake_ms)},
                     {"first_byte", opt_ms(ex.timings.first_byte_ms)},
                     {"total", opt_ms(ex.timings.total_ms)}};
  const auto str_or_null = [](const std::string& s) {
    return s.empty() ? ordered_json(nullptr) : ordered_json(s);
  };
  j["tls"] = {{"version", str_or_null(tls.version)},
              {"cipher", str_or_null(tls.cipher)},
              {"group", str_or_null(tls.group)},
              {"post_quantum", tls.group_id == kX25519MLKEM768},
              {"alpn", str_or_null(tls.alpn)},
              {"signature_algorithm", str_or_null(tls.signature_algorithm)}};
  if (tls.chain.empty()) {
    j["server_certificate"] = nullptr;
  } else {
    ordered_json leaf =
        certificate_json(tls.chain.front(), "https://" + run.target, 0, report.options);
    leaf["verified"] = tls.verified;
    leaf["verify_error"] = str_or_null(tls.verify_error);
    leaf["hostname_match"] = tls.hostname_match;
    leaf["verified_name"] = tls.verify_name;
    ordered_json chain = ordered_json::array();
    for (std::size_t i = 0; i < tls.chain.size(); ++i) {
      chain.push_back(certificate_json(tls.chain[i], "https://" + run.target, i, report.options));
    }
    leaf["chain"] = chain;
    j["server_certificate"] = leaf;
  }
  ordered_json client;
  client["requested"] = tls.client_cert_requested;
  client["sent"] = tls.client_cert_sent;
  client["accepted"] = tls.client_cert_sent ? ordered_json(!refused(ex)) : ordered_json(nullptr);
  if (run.client_cert) {
    client["subject"] = run.client_cert->subject;
    client["not_after"] = format_rfc3339(run.client_cert->not_after_unix);
    client["days_left"] = days_until(run.client_cert->not_after_unix, report.options.now_unix);
    client["status"] = certificate_status(*run.client_cert, report.options);
  }
  j["client_certificate"] = client;
  ordered_json http;
  http["status"] = ex.http.responded ? ordered_json(ex.http.status) : ordered_json(nullptr);
  http["content_type"] = ex.http.responded ? str_or_null(ex.http.content_type) : nullptr;
  http["families"] = report.exposition.families.size();
  http["samples"] = report.exposition.sample_count();
  ordered_json errors = ordered_json::array();
  for (const auto& e : report.exposition.errors) {
    errors.push_back({{"line", e.line}, {"message", e.message}});
  }
  http["format_errors"] = errors;
  j["http"] = http;
  j["expected_policy"] = policy_json(run.expected);
  ordered_json checks = ordered_json::array();
  for (const Check& c : report.checks) {
    checks.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
  }
  j["checks"] = checks;
  return j;
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

std::string render_load_text(const LoadRun& run, const TextStyle& style) {
  const LoadSummary s = summarize(run);
  char buf[512];
  std::string out = "load https://" + run.target + ": " + std::to_string(run.requests) +
                    " requests over " + std::to_string(run.concurrency) + " connections (" +
                    (run.new_connections ? "a new handshake per request" : "keep-alive") + ")\n\n";
  std::snprintf(buf, sizeof buf,
                "  requests     %zu succeeded, %zu failed in %.1f ms\n"
                "  throughput   %.1f requests/s, %.1f handshakes/s (%zu handshakes)\n"
                "  latency      p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                s.succeeded, s.failed, run.duration_ms, s.requests_per_second,
                s.handshakes_per_second, run.handshakes, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms);
  out += buf;
  for (const auto& [reason, n] : run.errors) {
    out += "  error        " + std::to_string(n) + " x " + reason + "\n";
  }
  const auto paint = [&](const std::string& text, const char* code) {
    return style.color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  if (!run.verified) out += "  verify       " + run.verify_detail + "\n";
  out += "\n" + (!run.verified   ? paint("failed", "31") + ": the server did not verify\n"
                 : s.failed == 0 ? paint("passed", "32") + ": no errors\n"
                                 : paint("failed", "31") + ": " + std::to_string(s.failed) +
                                       " requests failed\n");
  return out;
}

ordered_json load_json(const LoadRun& run) {
  const LoadSummary s = summarize(run);
  const auto round3 = [](double v) { return round_half_away(v * 1000.0) / 1000.0; };
  ordered_json j;
  j["schema"] = "promtls/selftest/v1";
  j["ok"] = run.verified && s.failed == 0 && s.succeeded > 0;
  j["target"] = run.target;
  ordered_json errors = ordered_json::object();
  for (const auto& [reason, n] : run.errors) errors[reason] = n;
  j["load"] = {{"requests", run.requests},
               {"concurrency", run.concurrency},
               {"new_connections", run.new_connections},
               {"succeeded", s.succeeded},
               {"failed", s.failed},
               {"duration_ms", round3(run.duration_ms)},
               {"requests_per_second", round3(s.requests_per_second)},
               {"handshakes", run.handshakes},
               {"handshakes_per_second", round3(s.handshakes_per_second)},
               {"latency_ms",
                {{"p50", round3(s.p50_ms)},
                 {"p90", round3(s.p90_ms)},
                 {"p99", round3(s.p99_ms)},
                 {"max", round3(s.max_ms)}}},
               {"errors", errors}};
  j["checks"] = ordered_json::array(
      {{{"name", "server-certificate-verified"},
        {"ok", run.verified},
        {"detail", run.verified ? "the chain and name verify" : run.verify_detail}},
       {{"name", "load-errors"},
        {"ok", s.failed == 0 && s.succeeded > 0},
        {"detail",
         std::to_string(s.failed) + " of " + std::to_string(run.requests) + " requests failed"}}});
  return j;
}

}  // namespace promtls::core
