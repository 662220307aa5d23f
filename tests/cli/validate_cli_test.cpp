// promtls validate as a user runs it: exit codes, text, JSON, sources.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {
const std::string P = "METRICS_PROMETHEUS_";
const std::string kAt = "--at=2027-01-01T00:00:00Z";

struct Pki {
  TempDir dir;
  Authority ca = Authority::make("cli-ca");
  Key key{KeyKind::ec_p256};
  std::string cert, key_file, ca_file;
  Pki() {
    CertSpec spec;
    spec.cn = "metrics";
    cert = dir.write("tls.crt", ca.leaf(spec, key).pem());
    key_file = dir.write("tls.key", key.private_pem());
    ca_file = dir.write("ca.crt", ca.cert.pem());
  }
};
}  // namespace

TEST_CASE("validate with no variables accepts plain HTTP and exits 0") {
  const auto r = run_promtls({"validate", "--no-env"});
  CHECK(r.exit_code == 0);
  CHECK(
      r.out.find("valid: 0 errors, 0 warnings; knative accepts this configuration (plain HTTP)") !=
      std::string::npos);
}

TEST_CASE("the process environment is read unless --no-env") {
  const auto r = run_promtls({"validate", "-o", "json"}, {P + "PORT=80"});
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["upstream"]["error"] == "prometheus port 80, should be between 1024 and 65535");
  CHECK(j["findings"][0]["code"] == "profile-auto");
  CHECK(j["findings"][1]["code"] == "port-out-of-range");
  CHECK(j["findings"][1]["source"] == "env");
  CHECK(run_promtls({"validate", "--no-env"}, {P + "PORT=80"}).exit_code == 0);
}

TEST_CASE("JSON follows the documented schema and predicts knative's error") {
  Pki pki;
  const auto r =
      run_promtls({"validate", "--no-env", "-o", "json", kAt, "--set", P + "TLS_CERT=" + pki.cert,
                   "--set", P + "TLS_KEY=" + pki.key_file, "--set", P + "TLS_CLIENT_AUTH=Require",
                   "--set", P + "TLS_CLIENT_CA_FILE=" + pki.dir.path().string() + "/missing.pem"});
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["schema"] == "promtls/validate/v1");
  CHECK(j["valid"] == false);
  CHECK(j["profile"] == "knative");
  CHECK(j["upstream"]["accepts"] == false);
  CHECK(j["upstream"]["error"] == "reading METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE: open " +
                                      pki.dir.path().string() +
                                      "/missing.pem: no such file or directory");
  CHECK(j["config"]["client_auth"] == "require");
  CHECK(j["config"]["client_auth_go"] == "RequireAndVerifyClientCert");
  CHECK(j["config"]["min_version"] == "1.3");
  for (const auto& f : j["findings"]) {
    CHECK(f.contains("code"));
    CHECK(f.contains("severity"));
    CHECK(f.contains("variables"));
    CHECK(f.contains("message"));
    CHECK(f.contains("hint"));
    CHECK(f.contains("source"));
  }
}

TEST_CASE("a good mTLS configuration is valid, with the effective configuration") {
  Pki pki;
  const auto r = run_promtls(
      {"validate", "--no-env", "-o", "json", kAt, "--set", P + "TLS_CERT=" + pki.cert, "--set",
       P + "TLS_KEY=" + pki.key_file, "--set", P + "TLS_CLIENT_AUTH=require", "--set",
       P + "TLS_CLIENT_CA_FILE=" + pki.ca_file, "--set", P + "TLS_MIN_VERSION=1.2", "--set",
       P + "TLS_CIPHER_SUITES=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "--set",
       P + "TLS_CURVE_PREFERENCES=X25519"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["valid"] == true);
  CHECK(j["upstream"]["error"].is_null());
  CHECK(j["config"]["cipher_suites"][0]["id"] == "0xC02B");
  CHECK(j["config"]["cipher_suites"][0]["openssl_name"] == "ECDHE-ECDSA-AES128-GCM-SHA256");
  CHECK(j["config"]["curves"][0]["name"] == "X25519");
}

TEST_CASE("warnings pass, and fail with --strict") {
  Pki pki;
  const std::vector<std::string> base{"validate",
                                      "--no-env",
                                      kAt,
                                      "--set",
                                      P + "TLS_CERT=" + pki.cert,
                                      "--set",
                                      P + "TLS_KEY=" + pki.key_file,
                                      "--set",
                                      P + "TLS_CIPHER_SUITES=TLS_AES_128_GCM_SHA256"};
  CHECK(run_promtls(base).exit_code == 0);
  auto strict = base;
  strict.push_back("--strict");
  const auto r = run_promtls(strict);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("warning cipher-suites-ignored") != std::string::npos);
}

TEST_CASE("the --at option judges certificates at another time, --offline skips files") {
  Pki pki;
  const std::vector<std::string> base{"validate", "--no-env",
                                      "--set",    P + "TLS_CERT=" + pki.cert,
                                      "--set",    P + "TLS_KEY=" + pki.key_file};
  auto later = base;
  later.push_back("--at=2028-06-01T00:00:00Z");
  const auto r = run_promtls(later);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("error cert-expired METRICS_PROMETHEUS_TLS_CERT") != std::string::npos);
  later.push_back("--offline");
  CHECK(run_promtls(later).exit_code == 0);
}

TEST_CASE("env files layer under --set and findings cite file:line") {
  TempDir dir;
  const std::string env = dir.write("a.env", "# metrics\nexport METRICS_PROMETHEUS_PORT=80\n");
  auto r = run_promtls({"validate", "--no-env", "--env-file", env, "-o", "json"});
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["findings"][1]["source"] == env + ":2");
  r = run_promtls({"validate", "--no-env", "--env-file", env, "--set", P + "PORT=9091"});
  CHECK(r.exit_code == 0);
}

TEST_CASE("a malformed env file line is an error finding naming file:line") {
  TempDir dir;
  const std::string env = dir.write("bad.env", "METRICS_PROMETHEUS_PORT=9091\noops\n");
  const auto r = run_promtls({"validate", "--no-env", "--env-file", env});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("error env-file-syntax") != std::string::npos);
  CHECK(r.out.find(env + ":2") != std::string::npos);
}

TEST_CASE("usage errors exit 2, an unreadable env file exits 3") {
  CHECK(run_promtls({"validate", "--bogus"}).exit_code == 2);
  CHECK(run_promtls({"validate", "--output", "yaml"}).exit_code == 2);
  CHECK(run_promtls({"validate", "--set", "NOEQUALS"}).exit_code == 2);
  const auto at = run_promtls({"validate", "--at", "tomorrow"});
  CHECK(at.exit_code == 2);
  CHECK(at.err.find("--at tomorrow") != std::string::npos);
  CHECK(run_promtls({}).exit_code == 2);
  const auto r = run_promtls({"validate", "--env-file", "/nonexistent/x.env"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("/nonexistent/x.env") != std::string::npos);
}

TEST_CASE("text output has no colour when not on a terminal") {
  const auto r = run_promtls({"validate", "--no-env", "--set", P + "PORT=80"});
  CHECK(r.out.find('\033') == std::string::npos);
  CHECK(r.out.find("error port-out-of-range METRICS_PROMETHEUS_PORT: prometheus port 80, should be "
                   "between 1024 and 65535 (--set)") != std::string::npos);
  CHECK(r.out.find("  hint: ") != std::string::npos);
  CHECK(r.out.find("INVALID: 1 error, 0 warnings; knative refuses to start: prometheus port 80") !=
        std::string::npos);
}

TEST_CASE("help lists the environment variables from the table") {
  const auto r = run_promtls({"validate", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES") != std::string::npos);
  CHECK(r.out.find("--env-file") != std::string::npos);
}
