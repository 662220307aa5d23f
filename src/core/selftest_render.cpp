// Rendering a judged self-test: the checklist text, the "promtls/selftest/v1" JSON, and the load
// report in both forms (selftest.hpp). The verdicts themselves are in selftest_judge.cpp.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "promtls/core/round.hpp"
#include "promtls/core/selftest.hpp"
#include "promtls/core/time.hpp"
#include "promtls/core/tls_catalog.hpp"
#include "selftest_text.hpp"

namespace promtls::core {
namespace {

using detail::expiry_detail;
using detail::is_success;
using detail::join;
using detail::ms;
using detail::version_words;
using nlohmann::ordered_json;

ordered_json opt_ms(const std::optional<double>& v) {
  if (!v) return nullptr;
  return round_half_away(*v * 1000.0) / 1000.0;
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

  if (run.key_exchange) {
    const KeyExchangeFacts& kx = *run.key_exchange;
    out += "  key exchange " + judge_key_exchange(kx).text + "\n";
    for (const KeyExchangeOutcome& o : kx.outcomes) {
      std::string result =
          o.accepted ? o.group + (o.version_id == kTls12 ? " (TLS 1.2)" : "") : "refused";
      if (o.accepted && o.hello_retry) result += " after a HelloRetryRequest";
      if (o.attempt.groups.size() == 1 && o.accepted) result = "accepted";
      out += "               " + o.attempt.label + ": " + result + "\n";
    }
    out += "\n";
  }

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
  if (run.key_exchange) {
    const KeyExchangeFacts& kx = *run.key_exchange;
    const KeyExchangeVerdict verdict = judge_key_exchange(kx);
    const auto names = [](const std::vector<std::uint16_t>& ids) {
      ordered_json arr = ordered_json::array();
      for (const std::uint16_t id : ids) {
        const Group* g = find_group(id);
        arr.push_back(g != nullptr ? std::string(g->openssl_name) : std::to_string(id));
      }
      return arr;
    };
    ordered_json attempts = ordered_json::array();
    for (const KeyExchangeOutcome& o : kx.outcomes) {
      attempts.push_back({{"name", o.attempt.name},
                          {"groups", names(o.attempt.groups)},
                          {"key_shares", names(o.attempt.shares)},
                          {"accepted", o.accepted},
                          {"group", str_or_null(o.group)},
                          {"version", str_or_null(o.version)},
                          {"hello_retry", o.hello_retry},
                          {"error", str_or_null(o.error)}});
    }
    j["key_exchange"] = {{"verdict", verdict.verdict},
                         {"text", verdict.text},
                         {"library", str_or_null(kx.library)},
                         {"config_reason", str_or_null(kx.config_reason)},
                         {"attempts", std::move(attempts)}};
  }
  ordered_json checks = ordered_json::array();
  for (const Check& c : report.checks) {
    checks.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
  }
  j["checks"] = checks;
  return j;
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
  j["ok"] = load_ok(run);
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
