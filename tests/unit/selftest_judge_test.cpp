// Judging self-test observations: probe planning, refusal, checks and exit codes, load summary.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fixed_time.hpp"
#include "promtls/core/selftest.hpp"
#include "promtls/core/tls_catalog.hpp"

using namespace promtls::core;

namespace {

using promtls::test::kNow;

Exchange good_exchange() {
  Exchange ex;
  ex.resolved = ex.connected = true;
  ex.tls.server_hello = ex.tls.completed = true;
  ex.tls.version = "TLSv1.3";
  ex.tls.version_id = kTls13;
  ex.tls.cipher = "TLS_AES_128_GCM_SHA256";
  CertInfo leaf;
  leaf.subject = "CN=localhost";
  leaf.dns_names = {"localhost"};
  leaf.not_before_unix = kNow - 86400;
  leaf.not_after_unix = kNow + 90 * 86400;
  ex.tls.chain = {leaf};
  ex.tls.verified = true;
  ex.tls.hostname_match = true;
  ex.tls.verify_name = "localhost";
  ex.http.responded = true;
  ex.http.status = 200;
  ex.http.content_type = "text/plain; version=0.0.4; charset=utf-8";
  ex.http.body = "# TYPE up gauge\nup 1\n";
  return ex;
}

const Check* find(const SelftestReport& r, const std::string& name) {
  for (const auto& c : r.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

SelftestReport judge_main(const Exchange& ex, ExpectedPolicy policy = {}) {
  SelftestRun run;
  run.target = "localhost:9443";
  run.path = "/metrics";
  run.main = ex;
  run.expected = std::move(policy);
  SelftestOptions options;
  options.now_unix = kNow;
  return judge(std::move(run), options);
}
}  // namespace

TEST_CASE("a verified scrape of valid metrics passes and exits 0") {
  const auto r = judge_main(good_exchange());
  CHECK(r.ok);
  CHECK(exit_code(r) == promtls::ExitCode::ok);
  CHECK(find(r, "exposition-format")->detail == "1 families, 1 samples, no format errors");
  const auto j = selftest_json(r);
  CHECK(j["schema"] == "promtls/selftest/v1");
  CHECK(j["server_certificate"]["days_left"] == 90);
  CHECK(j["server_certificate"]["status"] == "ok");
  CHECK(j["http"]["samples"] == 1);
}

TEST_CASE("a chain that does not verify fails with OpenSSL's reason even if all else passes") {
  auto ex = good_exchange();
  ex.tls.verified = false;
  ex.tls.verify_error = "certificate has expired";
  const auto r = judge_main(ex);
  CHECK_FALSE(r.ok);
  CHECK(exit_code(r) == promtls::ExitCode::check_failed);
  CHECK(find(r, "server-certificate-verified")->detail == "not verified: certificate has expired");
  CHECK(selftest_json(r)["server_certificate"]["verify_error"] == "certificate has expired");
}

TEST_CASE("an unreachable target exits 3") {
  Exchange ex;
  ex.connect_error = "cannot connect to localhost:1: Connection refused";
  const auto r = judge_main(ex);
  CHECK(r.unreachable);
  CHECK(exit_code(r) == promtls::ExitCode::cannot_run);
}

TEST_CASE("a wrong content type and a malformed body are failing checks") {
  auto ex = good_exchange();
  ex.http.content_type = "application/json";
  ex.http.body = "up 1\nup 2\n";
  const auto r = judge_main(ex);
  CHECK_FALSE(find(r, "http-content-type")->ok);
  CHECK(find(r, "exposition-format")->detail ==
        "line 2: duplicate sample for \"up\" with the same labels");
  CHECK(exit_code(r) == promtls::ExitCode::check_failed);
}

TEST_CASE("the probes follow the expected policy") {
  ExpectedPolicy p;
  CHECK(plan_probes(p).size() == 1);  // plain HTTP only
  p.client_auth = ClientAuth::require;
  p.min_version = kTls13;
  auto plans = plan_probes(p);
  REQUIRE(plans.size() == 4);
  CHECK(plans[0].kind == ProbeKind::no_client_cert);
  CHECK(plans[0].expect_refused);
  CHECK(plans[1].kind == ProbeKind::foreign_client_cert);
  CHECK(plans[2].kind == ProbeKind::tls12);
  CHECK(plans[3].kind == ProbeKind::plaintext_http);

  p.client_auth = ClientAuth::optional;
  p.min_version = kTls12;
  p.max_version = kTls12;
  p.cipher_suites = std::vector<std::uint16_t>{0xC02F};
  plans = plan_probes(p);
  REQUIRE(plans.size() == 5);
  CHECK_FALSE(plans[0].expect_refused);
  CHECK(plans[2].kind == ProbeKind::tls13);
  CHECK(plans[3].kind == ProbeKind::disallowed_cipher);
  CHECK(std::find(plans[3].openssl_ciphers.begin(), plans[3].openssl_ciphers.end(),
                  "ECDHE-RSA-AES128-GCM-SHA256") == plans[3].openssl_ciphers.end());
  CHECK(std::find(plans[3].openssl_ciphers.begin(), plans[3].openssl_ciphers.end(),
                  "ECDHE-RSA-AES256-GCM-SHA384") != plans[3].openssl_ciphers.end());
}

TEST_CASE("a probe the server did not refuse fails the run") {
  SelftestRun run;
  run.target = "localhost:9443";
  run.main = good_exchange();
  ProbeOutcome tls12{{ProbeKind::tls12, true, {}}, good_exchange()};
  tls12.exchange.tls.version = "TLSv1.2";
  ProbeOutcome plain{{ProbeKind::plaintext_http, true, {}}, {}};
  plain.exchange.plaintext = plain.exchange.connected = plain.exchange.http.responded = true;
  plain.exchange.http.status = 400;
  run.probes = {tls12, plain};
  SelftestOptions options;
  options.now_unix = kNow;
  const auto r = judge(run, options);
  CHECK_FALSE(find(r, "probe-tls12-refused")->ok);
  CHECK(find(r, "probe-tls12-refused")->detail ==
        "TLS 1.2 accepted: the server negotiated TLSv1.2 TLS_AES_128_GCM_SHA256");
  CHECK(find(r, "probe-plaintext-http-refused")->ok);
  CHECK(exit_code(r) == promtls::ExitCode::check_failed);
}

TEST_CASE("refusal is judged at the TLS and HTTP layers") {
  Exchange ex = good_exchange();
  std::string how;
  CHECK_FALSE(refused(ex, &how));
  CHECK(how == "HTTP 200");
  ex.http.status = 400;  // nginx refuses a missing client certificate with 400
  CHECK(refused(ex, &how));
  ex.http.responded = false;
  ex.http.error = "the server sent alert \"certificate required\"";
  CHECK(refused(ex, &how));
  CHECK(how == "no HTTP response: the server sent alert \"certificate required\"");
}

TEST_CASE("certificate status uses the warning and critical thresholds") {
  CertInfo c;
  c.not_before_unix = kNow - 10;
  SelftestOptions o;
  o.now_unix = kNow;
  c.not_after_unix = kNow + 20 * 86400;
  CHECK(certificate_status(c, o) == "warning");
  c.not_after_unix = kNow + 5 * 86400;
  CHECK(certificate_status(c, o) == "critical");
  c.not_after_unix = kNow - 1;
  CHECK(certificate_status(c, o) == "expired");
  c.not_before_unix = kNow + 1;
  c.not_after_unix = kNow + 90 * 86400;
  CHECK(certificate_status(c, o) == "not_yet_valid");
}

TEST_CASE("load percentiles are nearest-rank and errors fail the load check") {
  CHECK(percentile({}, 50) == 0);
  CHECK(percentile({5, 1, 4, 2, 3}, 50) == 3);
  CHECK(percentile({5, 1, 4, 2, 3}, 90) == 5);
  LoadRun run;
  run.requests = 3;
  run.duration_ms = 1000;
  run.handshakes = 1;
  run.latencies_ms = {1, 2};
  run.errors["http status 503"] = 1;
  const auto s = summarize(run);
  CHECK(s.succeeded == 2);
  CHECK(s.failed == 1);
  CHECK(s.requests_per_second == Approx(2.0));
  CHECK(load_json(run)["ok"] == false);
}

TEST_CASE("an X25519MLKEM768 key exchange is flagged as post-quantum") {
  auto ex = good_exchange();
  ex.tls.group = "X25519MLKEM768";
  ex.tls.group_id = kX25519MLKEM768;
  const auto r = judge_main(ex);
  CHECK(selftest_json(r)["tls"]["post_quantum"] == true);
  CHECK(render_selftest_text(r, TextStyle{}).find("group X25519MLKEM768 (post-quantum hybrid)") !=
        std::string::npos);
  ex.tls.group = "X25519";
  ex.tls.group_id = 29;
  CHECK(selftest_json(judge_main(ex))["tls"]["post_quantum"] == false);
}

TEST_CASE("TLS probes are inconclusive when the server accepts no TLS handshake at all") {
  SelftestRun run;
  run.target = "localhost:8080";
  run.main.connected = true;
  run.main.tls.error = "wrong version number";
  ProbeOutcome no_cert{{ProbeKind::no_client_cert, true, {}}, {}};
  no_cert.exchange.connected = true;
  no_cert.exchange.tls.error = "wrong version number";
  run.probes = {no_cert};
  SelftestOptions options;
  options.now_unix = kNow;
  const auto r = judge(run, options);
  CHECK_FALSE(find(r, "probe-no-client-certificate")->ok);
  CHECK(find(r, "probe-no-client-certificate")->detail ==
        "inconclusive: the server did not accept a normal TLS handshake either (wrong version "
        "number)");
}

TEST_CASE("a load run passes only when the server verified and every request succeeded") {
  LoadRun run;
  run.requests = 2;
  run.handshakes = 1;
  run.latencies_ms = {1, 2};
  CHECK(load_ok(run));
  CHECK(exit_code(run) == promtls::ExitCode::ok);
  CHECK(load_json(run)["ok"] == true);

  run.errors["http status 503"] = 1;
  CHECK(!load_ok(run));
  CHECK(!load_unreachable(run));
  CHECK(exit_code(run) == promtls::ExitCode::check_failed);
  CHECK(load_json(run)["ok"] == false);

  LoadRun unverified;
  unverified.requests = 1;
  unverified.latencies_ms = {1};
  unverified.verified = false;
  CHECK(exit_code(unverified) == promtls::ExitCode::check_failed);
}

TEST_CASE("a load run where every request failed to connect could not run") {
  LoadRun run;
  run.requests = 4;
  run.errors["connect: Connection refused"] = 4;
  CHECK(load_unreachable(run));
  CHECK(exit_code(run) == promtls::ExitCode::cannot_run);
  // One failure that is not a connect error means the target was reached.
  run.errors["tls: handshake failed"] = 1;
  CHECK(!load_unreachable(run));
  CHECK(exit_code(run) == promtls::ExitCode::check_failed);
  // No requests failed and none succeeded: not unreachable, and not passed either.
  LoadRun empty;
  CHECK(!load_unreachable(empty));
  CHECK(exit_code(empty) == promtls::ExitCode::check_failed);
}

TEST_CASE("the verifying scrape before a load decides whether the load can pass") {
  Exchange first;
  first.connected = true;
  first.tls.chain.push_back(CertInfo{});
  first.tls.verified = true;
  first.tls.hostname_match = false;
  first.tls.verify_name = "example.test";
  LoadRun run;
  record_verification(run, first);
  CHECK(!run.verified);
  CHECK(run.verify_detail == "\"example.test\" is not among the certificate's SANs");

  first.tls.verified = false;
  first.tls.verify_error = "unable to get local issuer certificate";
  record_verification(run, first);
  CHECK(run.verify_detail == "not verified: unable to get local issuer certificate");

  Exchange no_chain;
  no_chain.connected = true;
  no_chain.tls.error = "handshake failure";
  LoadRun run2;
  record_verification(run2, no_chain);
  CHECK(!run2.verified);
  CHECK(run2.verify_detail == "no server certificate was received: handshake failure");

  // Not connected: the load's own errors decide; verification is left as it was.
  LoadRun run3;
  record_verification(run3, Exchange{});
  CHECK(run3.verified);

  first.tls.verified = true;
  first.tls.hostname_match = true;
  LoadRun run4;
  record_verification(run4, first);
  CHECK(run4.verified);
}

TEST_CASE("the expected policy reads versions of 0 as serve's context does: TLS 1.2 to 1.3") {
  TlsConfig zero;
  const ExpectedPolicy p = expected_policy_from(zero);
  CHECK(p.min_version == kTls12);
  CHECK(p.max_version == kTls13);
  CHECK(p.min_version == effective_min_version(zero.min_version));
  TlsConfig set;
  set.min_version = kTls13;
  set.max_version = kTls13;
  CHECK(expected_policy_from(set).min_version == kTls13);
}

namespace {

EnvSnapshot env_of(std::initializer_list<std::pair<const char*, const char*>> vars) {
  EnvSnapshot env;
  for (const auto& [k, v] : vars) env.set(k, v, Origin{Origin::Kind::flag, {}, 0, {}});
  return env;
}

}  // namespace

TEST_CASE("selftest's expected policy comes from the profile serve would read, flags on top") {
  const EnvSnapshot tigera = env_of({{"METRICS_ENABLED", "true"},
                                     {"METRICS_SCHEME", "https"},
                                     {"METRICS_CLIENT_AUTH", "RequireAnyClientCert"},
                                     {"METRICS_HOST", "0.0.0.0"}});
  SelftestSetup s = selftest_setup(tigera, std::nullopt, ExpectOverrides{}, EvaluateOptions{});
  CHECK(s.evaluation.config.profile == Profile::tigera);
  CHECK(s.configured);
  CHECK(s.rejected.empty());
  CHECK(s.serves_tls);
  CHECK(s.host == "localhost");  // the wildcard is reached through loopback
  CHECK(s.port == 9484);
  CHECK(s.expected.client_auth == ClientAuth::require_any);
  CHECK(s.expected.min_version == kTls12);  // the operator's default, not knative's 1.3
  CHECK(s.expected.source == "environment");
  REQUIRE(s.profile_notes.size() == 1);
  CHECK(s.profile_notes[0].message ==
        "--profile auto picked tigera (METRICS_CLIENT_AUTH, METRICS_ENABLED, METRICS_HOST and 1 "
        "more are present)");

  ExpectOverrides flags;
  flags.min_version = kTls13;
  s = selftest_setup(tigera, Profile::tigera, flags, EvaluateOptions{});
  CHECK(s.profile_notes.empty());
  CHECK(s.expected.min_version == kTls13);
  CHECK(s.expected.client_auth == ClientAuth::require_any);
  CHECK(s.expected.source == "environment and flags");

  // The same variables under a forced knative profile configure nothing to test.
  s = selftest_setup(tigera, Profile::knative, flags, EvaluateOptions{});
  CHECK_FALSE(s.serves_tls);
  CHECK(s.expected.source == "flags");
  CHECK_FALSE(s.expected.client_auth);
  CHECK(how_to_serve_tls(Profile::knative).find("METRICS_PROMETHEUS_TLS_CERT") !=
        std::string::npos);
  CHECK(how_to_serve_tls(Profile::tigera).find("METRICS_SCHEME=https") != std::string::npos);
}

TEST_CASE("selftest refuses a configuration its profile rejects, with the component's error") {
  const SelftestSetup bad = selftest_setup(
      env_of(
          {{"METRICS_SCHEME", "https"}, {"TLS_MIN_VERSION", "1.1"}, {"METRICS_ENABLED", "true"}}),
      std::nullopt, ExpectOverrides{}, EvaluateOptions{});
  CHECK(bad.rejected ==
        "the tigera configuration is rejected: unsupported TLS version: 1.1 (supported versions: "
        "1.2, 1.3)");
  const SelftestSetup knative = selftest_setup(env_of({{"METRICS_PROMETHEUS_PORT", "80"}}),
                                               std::nullopt, ExpectOverrides{}, EvaluateOptions{});
  CHECK(knative.rejected ==
        "the knative configuration is rejected: prometheus port 80, should be between 1024 and "
        "65535");
  // Nothing set: nothing to reject, nothing to test.
  const SelftestSetup none =
      selftest_setup(EnvSnapshot{}, std::nullopt, ExpectOverrides{}, EvaluateOptions{});
  CHECK_FALSE(none.configured);
  CHECK(none.rejected.empty());
  CHECK_FALSE(none.serves_tls);
}

namespace {
KeyExchangeOutcome kx_outcome(const std::string& name, std::uint16_t group, bool retry,
                              std::uint16_t version = kTls13) {
  KeyExchangeOutcome o;
  o.attempt.name = name;
  o.accepted = group != 0;
  o.group_id = group;
  o.group = group != 0 ? std::string(find_group(group)->openssl_name) : "";
  o.version_id = version;
  o.hello_retry = retry;
  return o;
}
}  // namespace

TEST_CASE("the key-exchange verdict: negotiated, after a retry, not offered, not testable") {
  KeyExchangeFacts facts;
  facts.library = "OpenSSL 3.0.19 27 Jan 2026";
  CHECK(judge_key_exchange(facts).verdict == "not_testable");
  CHECK(judge_key_exchange(facts).text ==
        "post-quantum key exchange: not testable with OpenSSL 3.0.x (it has no ML-KEM)");
  facts.testable = true;
  facts.outcomes = {kx_outcome("clients", kX25519MLKEM768, false),
                    kx_outcome("classical-key-share", kX25519MLKEM768, true)};
  CHECK(judge_key_exchange(facts).text == "post-quantum key exchange: negotiated (X25519MLKEM768)");
  facts.outcomes = {kx_outcome("clients", 4587, true)};
  CHECK(judge_key_exchange(facts).verdict == "after_retry");
  facts.outcomes = {kx_outcome("clients", 29, false), kx_outcome("post-quantum-only", 4588, false)};
  CHECK(judge_key_exchange(facts).text ==
        "post-quantum key exchange: not offered by the server (the server chose X25519, although "
        "it accepts X25519MLKEM768 offered alone)");
  facts.outcomes = {kx_outcome("clients", 29, false, kTls12)};
  CHECK(judge_key_exchange(facts).text.find("chose TLS 1.2") != std::string::npos);
  facts.outcomes = {kx_outcome("clients", 29, false)};
  facts.config_reason = "GODEBUG sets tlsmlkem=0";
  CHECK(judge_key_exchange(facts).text ==
        "post-quantum key exchange: not offered by the server (GODEBUG sets tlsmlkem=0)");
}

TEST_CASE("the key-exchange plan marks key shares in OpenSSL 3.5's list syntax") {
  const auto plan = plan_key_exchange();
  REQUIRE(plan.size() == 10);
  CHECK(plan[0].openssl_groups() == "*X25519MLKEM768:*X25519:P-256:P-384:P-521");
  CHECK(plan[1].openssl_groups() == "X25519MLKEM768:*X25519:P-256:P-384:P-521");
  CHECK(plan[2].openssl_groups() == "*X25519MLKEM768:SecP256r1MLKEM768:SecP384r1MLKEM1024");
  CHECK(plan[9].openssl_groups() == "*P-521");
}
