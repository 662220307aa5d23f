// promtls inspect as a user runs it: sorting, statuses, JSON, Prometheus output checked by
// promtool, licenses at the grace boundaries, signed JWTs, exit codes, and a live endpoint.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "pki.hpp"
#include "process.hpp"
#include "run.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

RunResult sh(const std::string& script) {
  return run({"/bin/sh", "-c", script}, {"PATH=/usr/bin:/bin"});
}

// A directory of certificates with explicit validity windows around kNow.
struct Tree {
  TempDir dir;
  Authority ca =
      Authority::make("tree-ca", KeyKind::ec_p256, kNow - 365 * kDay, kNow + 3650 * kDay);
  Key key{KeyKind::ec_p256};
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
  void leaf(const std::string& file, const std::string& cn, std::int64_t nb, std::int64_t na,
            bool der = false) {
    CertSpec spec;
    spec.cn = cn;
    spec.not_before = nb;
    spec.not_after = na;
    const Cert c = ca.leaf(spec, key);
    dir.write(file, der ? c.der() : c.pem());
  }
  Tree() {
    leaf("certs/expired.pem", "expired", kNow - 100 * kDay, kNow - kDay);
    leaf("certs/five.pem", "five-days", kNow - 85 * kDay, kNow + 5 * kDay);
    leaf("certs/twenty.der", "twenty-days", kNow - 70 * kDay, kNow + 20 * kDay, true);
    leaf("certs/long.pem", "long-lived", kNow - kDay, kNow + 3000 * kDay);
    leaf("certs/future.pem", "not-yet", kNow + 10 * kDay, kNow + 400 * kDay);
    dir.write("certs/chain.pem", [&] {
      CertSpec spec;
      spec.cn = "chain-leaf";
      spec.not_before = kNow - kDay;
      spec.not_after = kNow + 200 * kDay;
      return ca.leaf(spec, key).pem() + ca.cert.pem();
    }());
  }
};

// openssl s_server on 127.0.0.1 with an OS-chosen port (read back from its ACCEPT line), its
// output in a log beside the certificate; stopped on destruction.
class TlsServer {
 public:
  TlsServer(const std::string& cert, const std::string& key, const std::string& chain,
            const std::string& verify_ca = {}) {
    static int started = 0;
    ProcessOptions options;
    options.argv = {
        "/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key,
        "-cert_chain",      chain};
    if (!verify_ca.empty())
      options.argv.insert(options.argv.end(), {"-Verify", "1", "-CAfile", verify_ca});
    options.env = std::vector<std::string>{};
    options.log_path = (std::filesystem::path(cert).parent_path() /
                        ("s_server-" + std::to_string(++started) + ".log"))
                           .string();
    options.stdin_pipe = true;  // s_server stops at EOF on stdin
    options.stop_grace_ms = 1000;
    process_ = std::make_unique<Process>(std::move(options));
    // The port is known once the whole ACCEPT line is in the log.
    const std::string needle = "ACCEPT 127.0.0.1:";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (port_.empty() && std::chrono::steady_clock::now() < deadline &&
           process_->wait_for_log(needle, 10000)) {
      const std::string log = process_->log();
      const std::size_t at = log.find(needle) + needle.size();
      const std::size_t eol = log.find('\n', at);
      if (eol != std::string::npos) port_ = log.substr(at, eol - at);
    }
    if (port_.empty()) throw std::runtime_error("s_server did not start: " + process_->log());
  }
  std::string address() const { return "127.0.0.1:" + port_; }

 private:
  std::unique_ptr<Process> process_;
  std::string port_;
};

const json* find_cert(const json& report, const std::string& subject_cn) {
  for (const json& c : report["certificates"]) {
    if (c["subject"].get<std::string>().find("CN=" + subject_cn) != std::string::npos) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("inspect sorts by expiry soonest first and judges each certificate") {
  Tree t;
  const auto r = run_promtls({"inspect", t.path("certs"), kAt});
  CHECK(r.exit_code == 1);  // expired and critical reach the default --fail-on critical
  const std::vector<std::string> order = {"expired", "five-days",  "twenty-days", "chain-leaf",
                                          "not-yet", "long-lived", "tree-ca"};
  std::size_t last = 0;
  for (const std::string& cn : order) {
    const std::size_t at = r.out.find(cn);
    INFO(cn << "\n" << r.out);
    REQUIRE(at != std::string::npos);
    CHECK(at >= last);
    last = at;
  }
  CHECK(r.out.find("expired          -1  2026-12-31  expired") != std::string::npos);
  CHECK(r.out.find("critical          5  2027-01-06  five-days") != std::string::npos);
  CHECK(r.out.find("warning          20  2027-01-21  twenty-days") != std::string::npos);
  CHECK(r.out.find("not_yet_valid   400") != std::string::npos);
  CHECK(r.out.find("7 certificates (1 expired, 1 not_yet_valid, 1 critical, 1 warning, 3 ok)") !=
        std::string::npos);
  // Not a terminal: no path is cut (issue 12; the table used to cut them to fit 80 columns).
  for (const char* file : {"expired.pem", "five.pem", "twenty.der", "long.pem", "future.pem"}) {
    CHECK(r.out.find(" " + t.path(std::string("certs/") + file) + "\n") != std::string::npos);
  }
  CHECK(r.out.find(" " + t.path("certs/chain.pem") + " #1\n") != std::string::npos);
  CHECK(r.out.find("...") == std::string::npos);
  CHECK(run_promtls({"inspect", t.path("certs"), kAt, "-o", "wide"}).out == r.out);
}

TEST_CASE("inspect JSON carries the DESIGN fields and not_after agrees with openssl x509") {
  Tree t;
  const auto r = run_promtls({"inspect", t.path("certs"), kAt, "-o", "json"});
  const json report = json::parse(r.out);
  CHECK(report["schema"] == "promtls/inspect/v1");
  const json* five = find_cert(report, "five-days");
  REQUIRE(five != nullptr);
  for (const char* field :
       {"source", "index", "subject", "issuer", "serial", "sans", "not_before", "not_after",
        "not_after_unix", "days_left", "lifetime_used_percent", "key", "signature_algorithm",
        "sha256_fingerprint", "is_ca", "status"}) {
    CHECK(five->contains(field));
  }
  CHECK((*five)["status"] == "critical");
  CHECK((*five)["days_left"] == 5);
  CHECK((*five)["lifetime_used_percent"] == 94.44);
  CHECK((*five)["key"]["type"] == "EC");
  CHECK((*five)["key"]["bits"] == 256);
  CHECK((*find_cert(report, "not-yet"))["status"] == "not_yet_valid");
  CHECK((*find_cert(report, "long-lived"))["status"] == "ok");
  CHECK((*find_cert(report, "twenty-days"))["status"] == "warning");
  CHECK((*find_cert(report, "expired"))["status"] == "expired");
  CHECK((*find_cert(report, "tree-ca"))["is_ca"] == true);
  CHECK((*find_cert(report, "tree-ca"))["index"] == 1);
  for (const char* file : {"expired.pem", "five.pem", "long.pem", "future.pem"}) {
    const auto o = sh("openssl x509 -noout -enddate -in " + shell_quote(t.path("certs/") + file));
    REQUIRE(o.exit_code == 0);
    // "notAfter=Jan  6 00:00:00 2027 GMT": compare through openssl's own date for the JSON value.
    bool matched = false;
    for (const json& c : report["certificates"]) {
      if (c["source"].get<std::string>().ends_with(file)) {
        const auto d = sh("date -u -d @" + std::to_string(c["not_after_unix"].get<long long>()) +
                          " '+notAfter=%b %e %H:%M:%S %Y GMT'");
        CHECK(d.out == o.out);
        CHECK(c["not_after"].get<std::string>().substr(0, 10) ==
              sh("date -u -d @" + std::to_string(c["not_after_unix"].get<long long>()) + " +%F")
                  .out.substr(0, 10));
        matched = true;
      }
    }
    CHECK(matched);
  }
}

TEST_CASE("inspect exit codes follow --fail-on") {
  Tree t;
  CHECK(run_promtls({"inspect", t.path("certs/long.pem"), kAt}).exit_code == 0);
  CHECK(run_promtls({"inspect", t.path("certs/twenty.der"), kAt}).exit_code == 0);
  CHECK(
      run_promtls({"inspect", t.path("certs/twenty.der"), kAt, "--fail-on", "warning"}).exit_code ==
      1);
  CHECK(run_promtls({"inspect", t.path("certs/five.pem"), kAt, "--fail-on", "expired"}).exit_code ==
        0);
  CHECK(run_promtls({"inspect", t.path("certs/expired.pem"), kAt, "--fail-on", "expired"})
            .exit_code == 1);
  CHECK(run_promtls({"inspect", t.path("certs/long.pem"), kAt, "--warn-percent", "0.01",
                     "--fail-on", "warning"})
            .exit_code == 1);
}

TEST_CASE("an unreadable input exits 3 and the other inputs are still reported") {
  Tree t;
  t.dir.write("certs/garbage.pem",
              "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  const auto r = run_promtls({"inspect", t.path("certs/long.pem"), t.path("missing.pem"),
                              t.path("certs/garbage.pem"), kAt, "-o", "json"});
  CHECK(r.exit_code == 3);
  const json report = json::parse(r.out);
  CHECK(report["certificates"].size() == 1);
  REQUIRE(report["errors"].size() == 2);
  CHECK(report["errors"][0]["message"] ==
        "open " + t.path("missing.pem") + ": no such file or directory");
  CHECK(report["errors"][0]["reason"] == "not_found");
  CHECK(report["errors"][1]["reason"] == "bad_pem");
}

TEST_CASE(
    "a named directory with no file in it is reported as skipped, an empty subdirectory "
    "is not") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "unmounted");
  std::filesystem::create_directories(dir.path() / "only-dirs/a/b");
  const std::string unmounted = (dir.path() / "unmounted").string();
  const std::string only_dirs = (dir.path() / "only-dirs").string();
  auto r = run_promtls({"inspect", unmounted, only_dirs, kAt});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);  // nothing failed to read; the listing says why nothing is reported
  CHECK(r.out.find("Skipped:\n  " + unmounted + " (empty_directory)\n  " + only_dirs +
                   " (empty_directory)\n") != std::string::npos);
  CHECK(r.out.find("0 certificates, 2 skipped;") != std::string::npos);
  r = run_promtls({"inspect", unmounted, kAt, "-o", "json"});
  const json report = json::parse(r.out);
  REQUIRE(report["skipped"].size() == 1);
  CHECK(report["skipped"][0] == json({{"source", unmounted}, {"kind", "empty_directory"}}));

  // kubeadm's tree has an empty manifests/ on a worker: a walked empty directory is normal.
  Tree t;
  std::filesystem::create_directories(t.dir.path() / "certs/manifests");
  r = run_promtls({"inspect", t.path("certs"), kAt, "-o", "json"});
  CHECK(json::parse(r.out)["skipped"].empty());
}

TEST_CASE("inspect usage errors exit 2") {
  CHECK(run_promtls({"inspect"}).exit_code == 2);
  CHECK(run_promtls({"inspect", "x.pem", "--fail-on", "fatal"}).exit_code == 2);
  CHECK(run_promtls({"inspect", "x.pem", "--at", "tomorrow"}).exit_code == 2);
  CHECK(run_promtls({"inspect", "--connect", "nohostport"}).exit_code == 2);
  // A critical threshold alone may exceed the default warning one (issue 12: one threshold
  // alone works); above a warning threshold that is given it is still a usage error.
  CHECK(run_promtls({"inspect", "x.pem", "--warn-days", "30", "--crit-days", "40"}).exit_code == 2);
}

TEST_CASE("standard input is read for -") {
  Tree t;
  const auto r = sh(shell_quote(promtls_binary()) + " inspect - " + kAt + " < " +
                    shell_quote(t.path("certs/chain.pem")));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("chain-leaf") != std::string::npos);
  CHECK(r.out.find("tree-ca") != std::string::npos);
}

TEST_CASE("prometheus output passes promtool check metrics") {
  Tree t;
  const std::string license = t.dir.write(
      "license.yaml",
      "apiVersion: projectcalico.org/v3\nkind: LicenseKey\nmetadata:\n  name: default\n"
      "status:\n  expiry: \"2027-03-01T00:00:00Z\"\n  gracePeriod: 90d\n  package: Enterprise\n");
  const std::string cmd = shell_quote(promtls_binary()) + " inspect " +
                          shell_quote(t.path("certs")) + " --license " + shell_quote(license) +
                          " " + kAt + " -o prometheus";
  const auto r = sh(cmd);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("x509_cert_not_after{") != std::string::npos);
  CHECK(r.out.find("x509_cert_expired{serial_number=") != std::string::npos);
  CHECK(r.out.find("promtls_license_expiry_timestamp_seconds{package=\"Enterprise\"} 1803859200") !=
        std::string::npos);
  CHECK(r.out.find("promtls_license_valid{package=\"Enterprise\"} 1") != std::string::npos);
  const auto check = sh(cmd + " | promtool check metrics");
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
}

TEST_CASE("LicenseKey objects follow the operator's rules at every grace boundary") {
  TempDir dir;
  const std::string file = dir.write(
      "lk.json",
      R"({"apiVersion":"projectcalico.org/v3","kind":"LicenseKey","metadata":{"name":"default"},)"
      R"("status":{"expiry":"2027-01-01T00:00:00Z","gracePeriod":"30d","package":"CloudPro"}})");
  const struct {
    const char* at;
    const char* status;
    int exit_code;
    const char* valid;
  } cases[] = {
      {"2027-01-01T00:00:00Z", "critical", 1, "1"},         // exactly at expiry: still valid
      {"2027-01-01T00:00:01Z", "in_grace_period", 1, "1"},  // one second after expiry
      {"2027-01-31T00:00:00Z", "in_grace_period", 1, "1"},  // exactly at expiry + grace
      {"2027-01-31T00:00:01Z", "expired", 1, "0"},          // one second after
      {"2026-11-01T00:00:00Z", "valid", 0, "1"},
  };
  for (const auto& c : cases) {
    INFO(c.at);
    auto r = run_promtls({"inspect", "--license", file, "--at", c.at, "-o", "json"});
    CHECK(r.exit_code == c.exit_code);
    const json report = json::parse(r.out);
    REQUIRE(report["licenses"].size() == 1);
    CHECK(report["licenses"][0]["status"] == c.status);
    CHECK(report["licenses"][0]["grace_period_days"] == 30);
    CHECK(report["licenses"][0]["package"] == "CloudPro");
    r = run_promtls({"inspect", "--license", file, "--at", c.at, "-o", "prometheus"});
    CHECK(r.out.find(std::string("promtls_license_valid{package=\"CloudPro\"} ") + c.valid) !=
          std::string::npos);
  }
}

TEST_CASE("signed JWT licenses verify with RSA and EC keys and a tampered one is an error") {
  TempDir dir;
  const std::string claims =
      R"({"exp":1830297600,"grace_period":90,"features":["cnx","all"],"name":"ACME"})";
  const struct {
    KeyKind kind;
    const char* alg;
  } algs[] = {{KeyKind::rsa_2048, "RS256"}, {KeyKind::rsa_2048, "RS512"},
              {KeyKind::rsa_2048, "PS256"}, {KeyKind::rsa_2048, "PS512"},
              {KeyKind::ec_p256, "ES256"},  {KeyKind::ec_p384, "ES384"}};
  for (const auto& a : algs) {
    INFO(a.alg);
    const Key key(a.kind);
    const std::string token = sign_jwt(claims, key, a.alg);
    const std::string jwt = dir.write(std::string(a.alg) + ".jwt", token + "\n");
    const std::string pub = dir.write(std::string(a.alg) + ".pub", key.public_pem());
    auto r = run_promtls({"inspect", "--license", jwt, "--license-cert", pub, kAt, "-o", "json"});
    CHECK(r.exit_code == 0);
    json report = json::parse(r.out);
    REQUIRE(report["licenses"].size() == 1);
    CHECK(report["licenses"][0]["status"] == "valid");
    CHECK(report["licenses"][0]["signature_verified"] == true);
    CHECK(report["licenses"][0]["package"] == "Enterprise");
    CHECK(report["licenses"][0]["name"] == "ACME");

    // Tamper with the claims (a later expiry) and keep the signature.
    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = token.find('.', dot1 + 1);
    const std::string forged = token.substr(0, dot1 + 1) +
                               base64url(R"({"exp":1930297600,"grace_period":90})") +
                               token.substr(dot2);
    const std::string bad = dir.write(std::string(a.alg) + "-tampered.jwt", forged);
    r = run_promtls({"inspect", "--license", bad, "--license-cert", pub, kAt, "-o", "json"});
    CHECK(r.exit_code == 3);
    report = json::parse(r.out);
    CHECK(report["licenses"].empty());
    REQUIRE(report["errors"].size() == 1);
    CHECK(report["errors"][0]["reason"] == "signature_invalid");
  }
  // Without --license-cert the claims are decoded without verification.
  const Key key(KeyKind::ec_p256);
  const std::string jwt = dir.write("plain.jwt", sign_jwt(claims, key, "ES256"));
  const auto r = run_promtls({"inspect", "--license", jwt, kAt, "-o", "json"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(json::parse(r.out)["licenses"][0].contains("signature_verified"));
}

TEST_CASE("a Secret list reports the Tigera annotations and flags a disagreement") {
  TempDir dir;
  const Authority ca = Authority::make("tigera-operator-signer");
  const Key key(KeyKind::ec_p256);
  CertSpec spec;
  spec.cn = "typha";
  spec.not_after = 1830297600;  // 2028-01-01T00:00:00Z
  const std::string pem = ca.leaf(spec, key).pem();
  const auto secret = [&](const std::string& name, const std::string& issuer,
                          const std::string& expiry) {
    return "- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: " + name +
           "\n    namespace: calico-system\n    annotations:\n"
           "      certificates.operator.tigera.io/issuer: " +
           issuer + "\n      certificates.operator.tigera.io/expiry: \"" + expiry +
           "\"\n  data:\n    tls.crt: " +
           [&] {
             std::string s = base64url(pem);
             for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
             while (s.size() % 4 != 0) s += '=';
             return s;
           }() +
           "\n    tls.key: " + "c2VjcmV0LWtleQ==\n";
  };
  const std::string file = dir.write(
      "secrets.yaml", "apiVersion: v1\nkind: List\nitems:\n" +
                          secret("good", "tigera-operator-signer", "2028-01-01T00:00:00Z") +
                          secret("stale", "someone-else", "2027-06-01T00:00:00Z"));
  auto r = run_promtls({"inspect", file, kAt, "-o", "json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("c2VjcmV0") == std::string::npos);  // Secret values are never printed
  const json report = json::parse(r.out);
  REQUIRE(report["certificates"].size() == 2);
  for (const json& c : report["certificates"]) {
    const bool good = c["location"]["secret_name"] == "good";
    CHECK(c["tigera_annotations"]["expiry_matches"] == good);
    CHECK(c["tigera_annotations"]["issuer_matches"] == good);
    CHECK(c["location"]["secret_key"] == "tls.crt");
  }
  r = run_promtls({"inspect", file, kAt});
  CHECK(r.out.find("annotation certificates.operator.tigera.io/expiry 2027-06-01T00:00:00Z "
                   "disagrees with the certificate's not after 2028-01-01T00:00:00Z") !=
        std::string::npos);
  CHECK(run_promtls({"inspect", file, kAt, "--fail-on", "warning"}).exit_code == 1);
}

TEST_CASE("a live endpoint's chain is reported with the verification result") {
  TempDir dir;
  const Authority ca =
      Authority::make("live-ca", KeyKind::ec_p256, kNow - 365 * kDay, kNow + 3650 * kDay);
  const Key key(KeyKind::ec_p256);
  CertSpec spec;
  spec.cn = "localhost";
  spec.not_before = kNow - kDay;
  spec.not_after = kNow + 3 * kDay;
  const std::string cert = dir.write("server.crt", ca.leaf(spec, key).pem());
  const std::string key_file = dir.write("server.key", key.private_pem());
  const std::string ca_file = dir.write("ca.crt", ca.cert.pem());
  const std::string other_ca = dir.write("other.crt", Authority::make("other").cert.pem());
  {
    TlsServer server(cert, key_file, ca_file);
    const auto r = run_promtls({"inspect", "--connect", server.address(), "--ca", ca_file,
                                "--servername", "localhost", kAt, "-o", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);  // 3 days left: critical
    const json report = json::parse(r.out);
    REQUIRE(report["certificates"].size() == 2);
    CHECK(report["certificates"][0]["subject"] == "CN=localhost");
    CHECK(report["certificates"][0]["verified"] == true);
    CHECK(report["certificates"][0]["status"] == "critical");
    CHECK(report["certificates"][1]["subject"] == "CN=live-ca");
  }
  {
    TlsServer server(cert, key_file, ca_file);
    const auto r = run_promtls(
        {"inspect", "--connect", server.address(), "--ca", other_ca, kAt, "-o", "json"});
    const json report = json::parse(r.out);
    REQUIRE(report["certificates"].size() == 2);
    CHECK(report["certificates"][0]["verified"] == false);
    CHECK(report["certificates"][0]["verify_error"] ==
          "self-signed certificate in certificate chain");
  }
  {
    // mTLS: the client certificate is sent when the endpoint asks for one.
    TlsServer server(cert, key_file, ca_file, ca_file);
    CertSpec client;
    client.cn = "client";
    client.not_before = kNow - kDay;
    client.not_after = kNow + 300 * kDay;
    const Key ckey(KeyKind::ec_p256);
    const std::string ccert = dir.write("client.crt", ca.leaf(client, ckey).pem());
    const std::string ckey_file = dir.write("client.key", ckey.private_pem());
    const auto r =
        run_promtls({"inspect", "--connect", server.address(), "--ca", ca_file, "--servername",
                     "localhost", "--cert", ccert, "--key", ckey_file, kAt, "-o", "json"});
    INFO(r.out << r.err);
    const json report = json::parse(r.out);
    CHECK(report["errors"].empty());
    CHECK(report["certificates"][0]["verified"] == true);
  }
  // Nothing listens: exit 3 with the reason, within the deadline.
  const auto r = run_promtls({"inspect", "--connect", "127.0.0.1:1", "--timeout", "2"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("connect 127.0.0.1:1: Connection refused") != std::string::npos);
}

TEST_CASE("a certificate in a bundle and in its member files is reported once, at every path") {
  Tree t;
  const Authority other =
      Authority::make("other-ca", KeyKind::ec_p256, kNow - 365 * kDay, kNow + 1000 * kDay);
  // The system store's layout: member files, a bundle of them, and a hash-named copy.
  t.dir.write("store/tree-ca.pem", t.ca.cert.pem());
  t.dir.write("store/other-ca.pem", other.cert.pem());
  t.dir.write("store/ca-certificates.crt", t.ca.cert.pem() + other.cert.pem());
  t.dir.write("store/5d2b8c1e.0", t.ca.cert.pem());
  const std::string store = t.path("store");
  const auto text = run_promtls({"inspect", store, kAt});
  INFO(text.out);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("2 certificates (2 ok), 3 more places (--no-dedupe lists them)") !=
        std::string::npos);
  CHECK(text.out.find("(+2 more)") != std::string::npos);
  CHECK(text.out.find("(+1 more)") != std::string::npos);

  const json report = json::parse(run_promtls({"inspect", store, kAt, "-o", "json"}).out);
  REQUIRE(report["certificates"].size() == 5);  // JSON keeps one entry per place
  std::set<std::string> tree_paths;
  for (const json& c : report["certificates"]) {
    if (c["subject"] == "CN=tree-ca") {
      CHECK(c["paths"].size() == 3);
      for (const json& p : c["paths"]) tree_paths.insert(p.get<std::string>());
    }
  }
  CHECK(tree_paths == std::set<std::string>{store + "/5d2b8c1e.0", store + "/ca-certificates.crt",
                                            store + "/tree-ca.pem"});

  const auto every = run_promtls({"inspect", store, kAt, "--no-dedupe"});
  CHECK(every.out.find("5 certificates (5 ok), 0 skipped") != std::string::npos);
  // Prometheus: one series per file, as x509-certificate-exporter.
  const auto prom = run_promtls({"inspect", store, kAt, "-o", "prometheus"});
  std::size_t series = 0;
  for (std::size_t at = prom.out.find("\nx509_cert_not_after{"); at != std::string::npos;
       at = prom.out.find("\nx509_cert_not_after{", at + 1)) {
    ++series;
  }
  CHECK(series == 5);  // one per file and certificate
}

TEST_CASE("the kubeadm view lists the certificates and then the CAs, kubeconfigs by context") {
  TempDir dir;
  const Authority ca =
      Authority::make("kubernetes", KeyKind::ec_p256, kNow - 365 * kDay, kNow + 3650 * kDay);
  const Key key(KeyKind::ec_p256);
  CertSpec api;
  api.cn = "kube-apiserver";
  api.not_before = kNow - kDay;
  api.not_after = kNow + 364 * kDay + 3600;
  dir.write("pki/apiserver.crt", ca.leaf(api, key).pem());
  dir.write("pki/ca.crt", ca.cert.pem());
  CertSpec admin;
  admin.cn = "kubernetes-admin";
  admin.organization = "system:masters";
  admin.not_before = kNow - kDay;
  admin.not_after = kNow + 100 * kDay;
  dir.write("admin.crt", ca.leaf(admin, key).pem());
  dir.write("admin.conf",
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n"
            "    server: https://10.0.0.1:6443\ncontexts:\n- name: kubernetes-admin@kubernetes\n"
            "  context:\n    cluster: kubernetes\n    user: kubernetes-admin\n"
            "current-context: kubernetes-admin@kubernetes\nusers:\n- name: kubernetes-admin\n"
            "  user:\n    client-certificate: admin.crt\n");
  const auto r = run_promtls({"inspect", dir.path().string(), "-r", kAt, "-o", "table"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const std::size_t cas = r.out.find("\nCERTIFICATE AUTHORITY   EXPIRES");
  REQUIRE(r.out.rfind("CERTIFICATE        ", 0) == 0);
  REQUIRE(cas != std::string::npos);
  CHECK(r.out.find("kube-apiserver     Dec 31, 2027 01:00 UTC   364d            kubernetes  ") <
        cas);
  CHECK(r.out.find("kubernetes-admin   Apr 11, 2027 00:00 UTC   100d            kubernetes  ") <
        cas);
  CHECK(r.out.find("(kubeconfig context kubernetes-admin@kubernetes, user kubernetes-admin)") <
        cas);
  CHECK(r.out.find("kubernetes              Dec 29, 2036 00:00 UTC   10y             " +
                   (dir.path() / "pki/ca.crt").string() + "\n") > cas);
}

TEST_CASE("inspect --output-file writes the report whole and atomically, mode 0644") {
  Tree t;
  const std::string out = t.path("textfile/certs.prom");
  std::filesystem::create_directories(t.path("textfile"));
  t.dir.write("textfile/certs.prom", "old\n", 0600);
  const auto r = run_promtls(
      {"inspect", t.path("certs/long.pem"), kAt, "-o", "prometheus", "--output-file", out});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  const std::string written = sh("cat " + shell_quote(out)).out;
  CHECK(written == run_promtls({"inspect", t.path("certs/long.pem"), kAt, "-o", "prometheus"}).out);
  CHECK(written.find("promtls_source_up{source=\"" + t.path("certs/long.pem") + "\"} 1\n") !=
        std::string::npos);
  CHECK((std::filesystem::status(out).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
         std::filesystem::perms::group_read | std::filesystem::perms::others_read));
  // Only the file itself is left: the temporary file was renamed over it.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(t.path("textfile"))) {
    names.push_back(e.path().filename().string());
  }
  CHECK(names == std::vector<std::string>{"certs.prom"});
  // A reader holding the old file keeps reading it whole; the path shows the new one (rename).
  const int held = ::open(out.c_str(), O_RDONLY);
  REQUIRE(held >= 0);
  REQUIRE(
      run_promtls({"inspect", t.path("certs/five.pem"), kAt, "-o", "json", "--output-file", out})
          .exit_code == 1);  // five days left: critical, and the file is still written
  std::string old_text(written.size() + 16, '\0');
  const ssize_t n = ::read(held, old_text.data(), old_text.size());
  ::close(held);
  CHECK(std::string(old_text.data(), static_cast<std::size_t>(std::max<ssize_t>(n, 0))) == written);
  CHECK(json::parse(sh("cat " + shell_quote(out)).out)["certificates"][0]["days_left"] == 5);
}

TEST_CASE("an --output-file that cannot be written exits 3 naming the path") {
  Tree t;
  for (const std::string& bad :
       {t.path("no/such/dir/certs.prom"), t.path("certs/long.pem/certs.prom")}) {
    const auto r = run_promtls(
        {"inspect", t.path("certs/long.pem"), kAt, "-o", "prometheus", "--output-file", bad});
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("--output-file " + bad + ": ") != std::string::npos);
    CHECK(r.out.empty());
  }
  // Nothing was left behind in the directory the failed file would have gone to.
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(t.path("certs"))) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 6);
}

TEST_CASE("inspect's Prometheus output has a per-source up gauge") {
  Tree t;
  const std::string cmd = shell_quote(promtls_binary()) + " inspect " +
                          shell_quote(t.path("certs")) + " " + shell_quote(t.path("gone.pem")) +
                          " " + kAt + " -o prometheus";
  const auto r = sh(cmd + " 2>/dev/null");
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("# TYPE promtls_source_up gauge\npromtls_source_up{source=\"" + t.path("certs") +
                   "\"} 1\npromtls_source_up{source=\"" + t.path("gone.pem") + "\"} 0\n") !=
        std::string::npos);
  const auto check = sh(cmd + " 2>/dev/null | promtool check metrics");
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
}

TEST_CASE("inspect refuses a device, a FIFO and a file over --max-file-size, exiting 3") {
  TempDir dir;
  const std::string fifo = (dir.path() / "pipe.pem").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string big = dir.write("big.pem", std::string(3000, 'x'));
  RunResult r = run_promtls({"inspect", "/dev/zero", fifo});
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("/dev/zero: not a regular file") != std::string::npos);
  CHECK(r.out.find(fifo + ": not a regular file") != std::string::npos);
  r = run_promtls({"inspect", "--max-file-size", "1K", big, "-o", "json"});
  CHECK(r.exit_code == 3);
  const json j = json::parse(r.out);
  REQUIRE(j["errors"].size() == 1);
  CHECK(j["errors"][0]["reason"] == "too_large");
  r = run_promtls({"inspect", "--max-file-size", "1T", big});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--max-file-size: \"1T\" is not a size") != std::string::npos);
}
