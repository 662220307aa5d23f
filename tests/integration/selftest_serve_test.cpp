// promtls selftest against promtls serve: the built binary started on an OS-chosen loopback port
// under require (every check and probe passes), a configuration that claims require while serve
// runs with optional (a probe fails), load mode; and selftest --local, which starts serve
// in-process with the same configuration.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "run.hpp"
#include "selftest_args.hpp"
#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

using nlohmann::json;

const std::string kAt = "--at=2027-01-01T00:00:00Z";

json check(const json& j, const std::string& name) {
  for (const auto& c : j["checks"]) {
    if (c["name"] == name) return c;
  }
  return nullptr;
}

// selftest -o json against 127.0.0.1:port with the test CA, the valid client certificate and
// the serve configuration `policy` (--set arguments), plus `extra`.
RunResult selftest(int port, const ServePki& pki, const std::vector<std::string>& policy,
                   const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args =
      selftest_json_args(port, pki.ca_file, pki.client_cert, pki.client_key);
  args.insert(args.end(), policy.begin(), policy.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return run_promtls(args);
}

void stop(Serve& s) {
  s.process->signal(SIGTERM);
  CHECK(s.process->wait(5000) == std::optional<int>(0));
}

TEST_CASE("selftest passes every check and probe against serve under require") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  const RunResult r = selftest(s.port, pki, pki.tls_args("require"));
  INFO(r.out << r.err << s.process->log());
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["ok"] == true);
  CHECK(j["tls"]["version"] == "TLSv1.3");
  CHECK(j["client_certificate"]["requested"] == true);
  CHECK(j["client_certificate"]["accepted"] == true);
  CHECK(j["http"]["status"] == 200);
  REQUIRE(j["checks"].size() > 5);
  for (const auto& c : j["checks"]) {
    INFO(c.dump());
    CHECK(c["ok"] == true);
  }
  CHECK(check(j, "probe-no-client-certificate")["ok"] == true);
  CHECK(check(j, "probe-foreign-ca-client-certificate-refused")["ok"] == true);
  CHECK(check(j, "probe-tls12-refused")["ok"] == true);
  CHECK(check(j, "probe-plaintext-http-refused")["ok"] == true);
  stop(s);
}

TEST_CASE("selftest fails a server that still serves the certificate before a rotation") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  // The configuration (what the Secret holds now) names a newer certificate than the running
  // server loaded.
  pki.issue_server("rotated", 0x2002);
  std::vector<std::string> config = pki.tls_args("require");
  config[1] = "METRICS_PROMETHEUS_TLS_CERT=" + (pki.dir.path() / "rotated.crt").string();
  config[3] = "METRICS_PROMETHEUS_TLS_KEY=" + (pki.dir.path() / "rotated.key").string();
  RunResult r = selftest(s.port, pki, config);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json stale = check(json::parse(r.out), "served-certificate-current");
  REQUIRE(!stale.is_null());
  CHECK(stale["ok"] == false);
  CHECK(stale["detail"].get<std::string>().find("the server still serves serial") == 0);
  CHECK(stale["detail"].get<std::string>().find("rotated.crt holds serial") != std::string::npos);
  // The file the server loaded: current.
  r = selftest(s.port, pki, pki.tls_args("require"));
  CHECK(check(json::parse(r.out), "served-certificate-current")["ok"] == true);
  CHECK(r.exit_code == 0);
  stop(s);
}

TEST_CASE("selftest says the client-CA pool is stale when our certificate from its CA is refused") {
  ServePki pki;
  // The server trusts another CA (the file it loaded then), the configuration names the CA that
  // issued our certificate (the file now).
  std::vector<std::string> server = pki.tls_args("require", false);
  const std::string other = pki.dir.write("other-ca.crt", pki.foreign.cert.pem(), 0644);
  server.insert(server.end(), {"--set", "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=" + other});
  Serve s = start_serve(server, pki.log_path("serve.log"));
  const RunResult r = selftest(s.port, pki, pki.tls_args("require"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json pool = check(json::parse(r.out), "client-ca-pool");
  REQUIRE(!pool.is_null());
  CHECK(pool["ok"] == false);
  CHECK(pool["detail"].get<std::string>().find("its client-CA pool is empty or older than the "
                                               "file") != std::string::npos);
  stop(s);
}

TEST_CASE("selftest fails a configuration that claims require while serve runs with optional") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("optional"), pki.log_path("serve.log"));
  const RunResult r = selftest(s.port, pki, pki.tls_args("require"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["ok"] == false);
  CHECK(check(j, "probe-no-client-certificate")["ok"] == false);
  // The same server passes the configuration it really runs.
  const RunResult ok = selftest(s.port, pki, pki.tls_args("optional"));
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  stop(s);
}

TEST_CASE("load mode against serve makes every scrape without errors") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  for (const bool fresh : {false, true}) {
    std::vector<std::string> extra{"--load", "50", "--concurrency", "4"};
    if (fresh) extra.push_back("--new-connections");
    const RunResult r = selftest(s.port, pki, {}, extra);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out);
    CHECK(j["ok"] == true);
    CHECK(j["load"]["succeeded"] == 50);
    CHECK(j["load"]["failed"] == 0);
    CHECK(j["load"]["errors"].empty());
    CHECK(j["load"]["handshakes"] == (fresh ? 50 : 4));
  }
  stop(s);
}

}  // namespace
}  // namespace promtls::test

namespace promtls::test {
namespace {

RunResult selftest_local(const std::vector<std::string>& policy,
                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"selftest", "--no-env", "--local",   "-o",
                                "json",     kAt,        "--timeout", "5"};
  args.insert(args.end(), policy.begin(), policy.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return run_promtls(args);
}

TEST_CASE("selftest --local proves a valid configuration end to end and exits 0") {
  ServePki pki;
  const RunResult r = selftest_local(
      pki.tls_args("require"),
      {"--ca", pki.ca_file, "--cert", pki.client_cert, "--key", pki.client_key, "--server-log"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["ok"] == true);
  CHECK(j["target"].get<std::string>().rfind("127.0.0.1:", 0) == 0);
  CHECK(j["target"] != "127.0.0.1:0");
  CHECK(j["client_certificate"]["accepted"] == true);
  CHECK(check(j, "probe-no-client-certificate")["ok"] == true);
  CHECK(check(j, "probe-foreign-ca-client-certificate-refused")["ok"] == true);
  // The in-process server logged its probes' handshake failures and was stopped.
  CHECK(r.err.find("event=handshake_failed") != std::string::npos);
  CHECK(r.err.find("event=stopped") != std::string::npos);
}

TEST_CASE("selftest --local keeps the in-process server quiet without --server-log") {
  ServePki pki;
  const RunResult r =
      selftest_local(pki.tls_args("require"),
                     {"--ca", pki.ca_file, "--cert", pki.client_cert, "--key", pki.client_key});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["ok"] == true);
  CHECK(r.err.find("event=") == std::string::npos);
}

TEST_CASE("selftest --local without a client certificate fails under require") {
  ServePki pki;
  const RunResult r = selftest_local(pki.tls_args("require"), {"--ca", pki.ca_file});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["ok"] == false);
}

TEST_CASE("selftest --local load mode against the in-process server has no errors") {
  ServePki pki;
  const RunResult r = selftest_local(pki.tls_args("require"),
                                     {"--ca", pki.ca_file, "--cert", pki.client_cert, "--key",
                                      pki.client_key, "--load", "50", "--concurrency", "4"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["load"]["succeeded"] == 50);
  CHECK(j["load"]["failed"] == 0);
}

TEST_CASE("selftest --local refuses a key that does not match the certificate with exit 3") {
  ServePki pki;
  const RunResult r = selftest_local({"--set", "METRICS_PROMETHEUS_TLS_CERT=" + pki.server_cert,
                                      "--set", "METRICS_PROMETHEUS_TLS_KEY=" + pki.client_key},
                                     {"--ca", pki.ca_file});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("cert-key-mismatch") != std::string::npos);
  CHECK(r.out.empty());
  CHECK(r.err.find("cannot load the credentials (the errors above); not starting the server") !=
        std::string::npos);
  CHECK(r.err.find(pki.client_key) != std::string::npos);
}

TEST_CASE("selftest --local exits 3 for a missing certificate and 1 for a configuration error") {
  ServePki pki;
  const std::string missing = pki.log_path("missing.crt");
  const RunResult r = selftest_local({"--set", "METRICS_PROMETHEUS_TLS_CERT=" + missing, "--set",
                                      "METRICS_PROMETHEUS_TLS_KEY=" + pki.server_key},
                                     {"--ca", pki.ca_file});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("error cert-file-unreadable METRICS_PROMETHEUS_TLS_CERT: cannot read "
                   "METRICS_PROMETHEUS_TLS_CERT: open " +
                   missing) != std::string::npos);
  CHECK(r.out.empty());
  const RunResult bad = selftest_local(pki.tls_args("bogus"), {"--ca", pki.ca_file});
  INFO(bad.err);
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("the configuration has errors; not starting the server") != std::string::npos);
}

TEST_CASE("selftest --local without a TLS configuration or with --connect is a usage error") {
  ServePki pki;
  const RunResult none = selftest_local({});
  INFO(none.err);
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("METRICS_PROMETHEUS_TLS_CERT") != std::string::npos);
  const RunResult both = selftest_local(pki.tls_args("require"), {"--connect", "127.0.0.1:1"});
  INFO(both.err);
  CHECK(both.exit_code == 2);
  CHECK(both.err.find("--connect") != std::string::npos);
}

// The Tigera operator's variables for the test PKI, with `auth` as METRICS_CLIENT_AUTH.
std::vector<std::string> tigera_args(const ServePki& pki, const std::string& auth) {
  return {"--set", "METRICS_ENABLED=true",
          "--set", "METRICS_SCHEME=https",
          "--set", "METRICS_CLIENT_AUTH=" + auth,
          "--set", "METRICS_TLS_CERT_FILE=" + pki.server_cert,
          "--set", "METRICS_TLS_KEY_FILE=" + pki.server_key,
          "--set", "METRICS_TLS_CA_FILE=" + pki.ca_file};
}

TEST_CASE(
    "selftest --profile tigera --local proves each of the operator's four client-auth modes") {
  ServePki pki;
  const std::vector<std::string> client{"--profile", "tigera",        "--ca",  pki.ca_file,
                                        "--cert",    pki.client_cert, "--key", pki.client_key};
  struct Mode {
    std::string go_name;
    std::string expected;  // expected_policy.client_auth
    bool foreign_probed;   // the foreign-CA probe runs (the mode verifies)
  };
  for (const Mode& m :
       {Mode{"RequireAndVerifyClientCert", "require", true},
        Mode{"requireanyclientcert", "require-any", false},
        Mode{"VerifyClientCertIfGiven", "optional", true}, Mode{"NoClientCert", "none", false}}) {
    INFO(m.go_name);
    const RunResult r = selftest_local(tigera_args(pki, m.go_name), client);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out);
    CHECK(j["ok"] == true);
    CHECK(j["expected_policy"]["source"] == "environment");
    CHECK(j["expected_policy"]["client_auth"] == m.expected);
    // TLS_MIN_VERSION unset: the operator's default minimum, TLS 1.2 (knative's would be 1.3).
    CHECK(j["expected_policy"]["min_version"] == "TLS 1.2");
    CHECK(check(j, "probe-tls12-refused") == nullptr);
    CHECK((check(j, "probe-foreign-ca-client-certificate-refused") != nullptr) == m.foreign_probed);
    // Refused under the two require modes, served under optional; not probed under none.
    const json no_cert = check(j, "probe-no-client-certificate");
    CHECK((no_cert != nullptr) == (m.expected != "none"));
    if (no_cert != nullptr) CHECK(no_cert["ok"] == true);
  }
}

TEST_CASE("selftest --profile tigera --local enforces TLS_MIN_VERSION=1.3 and auto finds it too") {
  ServePki pki;
  std::vector<std::string> env = tigera_args(pki, "RequireAndVerifyClientCert");
  env.insert(env.end(), {"--set", "TLS_MIN_VERSION=1.3"});
  const std::vector<std::string> client{"--ca",          pki.ca_file, "--cert",
                                        pki.client_cert, "--key",     pki.client_key};
  for (const std::string profile : {"tigera", "auto"}) {
    INFO(profile);
    std::vector<std::string> extra = client;
    extra.insert(extra.end(), {"--profile", profile});
    const RunResult r = selftest_local(env, extra);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out);
    CHECK(j["expected_policy"]["min_version"] == "TLS 1.3");
    // auto says what it picked, on stderr.
    CHECK((r.err.find("promtls: info: --profile auto picked tigera (") != std::string::npos) ==
          (profile == "auto"));
    REQUIRE(check(j, "probe-tls12-refused") != nullptr);
    CHECK(check(j, "probe-tls12-refused")["ok"] == true);
  }
  // Forced knative, the same variables configure nothing knative serves.
  std::vector<std::string> extra = client;
  extra.insert(extra.end(), {"--profile", "knative"});
  const RunResult knative = selftest_local(env, extra);
  CHECK(knative.exit_code == 2);
  CHECK(knative.err.find("METRICS_PROMETHEUS_TLS_CERT") != std::string::npos);
}

TEST_CASE("selftest --profile tigera refuses the operator's bad values and names its variables") {
  ServePki pki;
  const RunResult bad = selftest_local(tigera_args(pki, "require"), {"--profile", "tigera"});
  INFO(bad.err);
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("client-auth-invalid") != std::string::npos);
  const RunResult off =
      run_promtls({"selftest", "--no-env", "--profile", "tigera", "--set", "METRICS_SCHEME=https"});
  INFO(off.err);
  CHECK(off.exit_code == 2);
  CHECK(off.err.find("METRICS_ENABLED=true") != std::string::npos);
}

}  // namespace
}  // namespace promtls::test
