// promtls selftest against real servers on loopback: nginx (ssl_verify_client on, optional,
// off) and openssl s_server with an expired certificate, a wrong hostname, an untrusted CA and
// TLS 1.2 allowed while the configuration says 1.3; load mode against nginx.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "pki.hpp"
#include "run.hpp"
#include "selftest_servers.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string P = "METRICS_PROMETHEUS_";
const std::string kAt = "--at=2027-01-01T00:00:00Z";
const std::string kMetrics =
    "# HELP up Whether the target is up.\n# TYPE up gauge\nup 1\n"
    "# TYPE x509_cert_not_after gauge\nx509_cert_not_after{subject_CN=\"a\"} 1.8e+09\n";

// The check named `name` in a selftest JSON document (null when absent).
json check(const json& j, const std::string& name) {
  for (const auto& c : j["checks"]) {
    if (c["name"] == name) return c;
  }
  return nullptr;
}

std::vector<std::string> env_policy(const ServerFiles& f, const std::string& auth,
                                    const std::string& min = "") {
  std::vector<std::string> args{"--set", P + "TLS_CERT=" + f.cert, "--set", P + "TLS_KEY=" + f.key};
  if (!auth.empty()) args.insert(args.end(), {"--set", P + "TLS_CLIENT_AUTH=" + auth});
  if (!auth.empty() && auth != "none") {
    args.insert(args.end(), {"--set", P + "TLS_CLIENT_CA_FILE=" + f.ca});
  }
  if (!min.empty()) args.insert(args.end(), {"--set", P + "TLS_MIN_VERSION=" + min});
  return args;
}

RunResult selftest(std::uint16_t port, const ServerFiles& f, std::vector<std::string> extra,
                   bool with_client_cert = true) {
  std::vector<std::string> args{"selftest", "--no-env",  "-o",
                                "json",     kAt,         "--timeout",
                                "5",        "--connect", "127.0.0.1:" + std::to_string(port),
                                "--ca",     f.ca};
  if (with_client_cert) args.insert(args.end(), {"--cert", f.client_cert, "--key", f.client_key});
  args.insert(args.end(), extra.begin(), extra.end());
  return run_promtls(args);
}

}  // namespace

TEST_CASE("nginx with ssl_verify_client on passes every check and probe under require") {
  const ServerFiles f(CertSpec{}, kMetrics);
  const Nginx nginx = start_nginx(f, "on");
  const auto r = selftest(nginx.port, f, env_policy(f, "require"));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["schema"] == "promtls/selftest/v1");
  CHECK(j["ok"] == true);
  CHECK(j["tls"]["version"] == "TLSv1.3");
  CHECK(j["server_certificate"]["verified"] == true);
  CHECK(j["server_certificate"]["hostname_match"] == true);
  CHECK(j["server_certificate"]["days_left"] == 365);
  CHECK(j["client_certificate"]["requested"] == true);
  CHECK(j["client_certificate"]["accepted"] == true);
  CHECK(j["http"]["status"] == 200);
  CHECK(j["http"]["content_type"] == "text/plain; version=0.0.4");
  CHECK(j["http"]["families"] == 2);
  CHECK(j["http"]["samples"] == 2);
  // nginx completes the handshake and refuses at the HTTP layer with 400.
  CHECK(check(j, "probe-no-client-certificate")["ok"] == true);
  CHECK(check(j, "probe-foreign-ca-client-certificate-refused")["ok"] == true);
  CHECK(check(j, "probe-tls12-refused")["ok"] == true);
  CHECK(check(j, "probe-plaintext-http-refused")["ok"] == true);
  CHECK(j["timings_ms"]["total"].get<double>() > 0);
}

TEST_CASE("nginx with ssl_verify_client optional serves a client without a certificate") {
  const ServerFiles f(CertSpec{}, kMetrics);
  const Nginx nginx = start_nginx(f, "optional");
  const auto r = selftest(nginx.port, f, env_policy(f, "optional"));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(check(j, "probe-no-client-certificate")["ok"] == true);
  CHECK(check(j, "probe-foreign-ca-client-certificate-refused")["ok"] == true);
}

TEST_CASE("nginx without client verification fails a configuration that says require") {
  const ServerFiles f(CertSpec{}, kMetrics);
  const Nginx nginx = start_nginx(f, "off");
  const auto r = selftest(nginx.port, f, env_policy(f, "require"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["ok"] == false);
  CHECK(check(j, "client-auth-requested")["ok"] == false);
  CHECK(check(j, "probe-no-client-certificate")["ok"] == false);
  // With client auth none the same server passes.
  const auto none = selftest(nginx.port, f, env_policy(f, "none"), false);
  INFO(none.out);
  CHECK(none.exit_code == 0);
}

TEST_CASE("the text report is a checklist that names failing checks") {
  const ServerFiles f(CertSpec{}, kMetrics);
  const Nginx nginx = start_nginx(f, "off");
  auto args = env_policy(f, "require");
  const auto r = run_promtls({"selftest", "--no-env", kAt, "--connect",
                              "127.0.0.1:" + std::to_string(nginx.port), "--ca", f.ca, args[0],
                              args[1], args[2], args[3], args[4], args[5], args[6], args[7]});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("  ok    server-certificate-verified: ") != std::string::npos);
  CHECK(r.out.find("  FAIL  client-auth-requested: client auth require: the server did not ask "
                   "for a client certificate") != std::string::npos);
  // 15 with served-certificate-current: the configuration names nginx's certificate file.
  CHECK(r.out.find("  ok    served-certificate-current: ") != std::string::npos);
  CHECK(r.out.find("failed: 3 of 15 checks failed") != std::string::npos);
}

TEST_CASE("an expired server certificate fails verification and reports its days left") {
  CertSpec spec;
  spec.not_before = kNow - 100 * kDay;
  spec.not_after = kNow - 3 * kDay;
  const ServerFiles f(spec, kMetrics);
  const SServer server = start_s_server(f);
  const auto r = selftest(server.port, f, {"--no-probes"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["server_certificate"]["verified"] == false);
  CHECK(j["server_certificate"]["verify_error"] == "certificate has expired");
  CHECK(j["server_certificate"]["days_left"] == -3);
  CHECK(j["server_certificate"]["status"] == "expired");
  CHECK(check(j, "server-certificate-validity")["ok"] == false);
  // The HTTP layer is still reported.
  CHECK(j["http"]["status"] == 200);
}

TEST_CASE("a certificate for another host fails the hostname check") {
  CertSpec spec;
  spec.cn = "other";
  spec.dns = {"other.example"};
  spec.ips = {"10.0.0.1"};
  const ServerFiles f(spec, kMetrics);
  const SServer server = start_s_server(f);
  const auto r = selftest(server.port, f, {"--no-probes", "--servername", "localhost"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["server_certificate"]["verified"] == true);
  CHECK(j["server_certificate"]["hostname_match"] == false);
  CHECK(check(j, "server-hostname-match")["detail"] ==
        "\"localhost\" is not among the certificate's SANs (DNS:other.example, IP:10.0.0.1)");
}

TEST_CASE("a server certificate from an untrusted CA fails with OpenSSL's reason") {
  const ServerFiles f(CertSpec{}, kMetrics);
  const ServerFiles other(CertSpec{}, kMetrics);
  const SServer server = start_s_server(f);
  auto r = run_promtls({"selftest", "--no-env", "-o", "json", kAt, "--no-probes", "--connect",
                        "127.0.0.1:" + std::to_string(server.port), "--ca", other.ca});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["ok"] == false);
  CHECK(j["server_certificate"]["verify_error"] == "unable to get local issuer certificate");
  CHECK(j["server_certificate"]["hostname_match"] == true);
  CHECK(j["server_certificate"]["chain"].size() == 1);
  // Load mode does not pass an unverified server either.
  r = run_promtls({"selftest", "--no-env", "-o", "json", kAt, "--load", "3", "--concurrency", "1",
                   "--connect", "127.0.0.1:" + std::to_string(server.port), "--ca", other.ca});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json load = json::parse(r.out);
  CHECK(load["ok"] == false);
  CHECK(load["load"]["failed"] == 0);
  CHECK(check(load, "server-certificate-verified")["detail"] ==
        "not verified: unable to get local issuer certificate");
}

TEST_CASE("a server that allows TLS 1.2 while the configuration says 1.3 fails the probe") {
  const ServerFiles f(CertSpec{}, kMetrics);
  const SServer server = start_s_server(f);
  // knative's default minimum is 1.3 when TLS is on; say it explicitly too.
  for (const std::string min : {"", "1.3"}) {
    const auto r = selftest(server.port, f, env_policy(f, "", min));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const json j = json::parse(r.out);
    CHECK(check(j, "probe-tls12-refused")["ok"] == false);
    CHECK(check(j, "probe-tls12-refused")["detail"].get<std::string>().rfind(
              "TLS 1.2 accepted: the server negotiated TLSv1.2", 0) == 0);
  }
  // Told that 1.2 is allowed, the same server passes.
  const auto ok = selftest(server.port, f, env_policy(f, "", "1.2"));
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
}

TEST_CASE("a TLS 1.2 cipher outside the allow list that the server accepts fails the probe") {
  const ServerFiles f(CertSpec{}, kMetrics);
  const SServer server = start_s_server(f, {"-tls1_2"});
  const auto r = selftest(server.port, f,
                          {"--expect-min-version", "1.2", "--expect-max-version", "1.2",
                           "--expect-ciphers", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["tls"]["version"] == "TLSv1.2");
  CHECK(check(j, "probe-disallowed-cipher-refused")["ok"] == false);
  CHECK(check(j, "probe-tls13-refused")["ok"] == true);
  // A server restricted to the allowed suite refuses the others.
  const SServer strict = start_s_server(f, {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"});
  const auto s = selftest(strict.port, f,
                          {"--expect-min-version", "1.2", "--expect-max-version", "1.2",
                           "--expect-ciphers", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"});
  INFO(s.out << s.err);
  CHECK(check(json::parse(s.out), "probe-disallowed-cipher-refused")["ok"] == true);
}

TEST_CASE("a malformed exposition body fails the format check with its line") {
  const ServerFiles f(CertSpec{}, "# TYPE up gauge\nup 1\nup{a=\"1\"\n");
  const Nginx nginx = start_nginx(f, "off");
  const auto r = selftest(nginx.port, f, {"--no-probes"}, false);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(check(j, "exposition-format")["detail"] ==
        "line 3: unexpected end of line in the label set");
  CHECK(j["http"]["format_errors"][0]["line"] == 3);
}

TEST_CASE(
    "node_exporter (Go) with RequireAndVerifyClientCert and TLS 1.3 passes the knative policy") {
  const ServerFiles f(CertSpec{}, "");
  const NodeExporter ne = start_node_exporter(f, "RequireAndVerifyClientCert", "TLS13");
  const auto r = selftest(ne.port, f, env_policy(f, "require"));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["http"]["families"].get<int>() > 5);
  CHECK(check(j, "exposition-format")["ok"] == true);
  // Go refuses at the handshake: in TLS 1.3 the client learns it from the alert it reads next.
  CHECK(check(j, "probe-no-client-certificate")["detail"] ==
        "a connection without a client certificate was refused (no HTTP response: the server "
        "sent alert \"" +
            node_exporter_missing_certificate_alert() + "\")");
  CHECK(check(j, "probe-tls12-refused")["ok"] == true);
}

TEST_CASE("node_exporter with Go's default minimum TLS 1.2 fails knative's TLS 1.3 policy") {
  const ServerFiles f(CertSpec{}, "");
  const NodeExporter ne = start_node_exporter(f, "RequireAndVerifyClientCert", "TLS12");
  const auto r = selftest(ne.port, f, env_policy(f, "require"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(check(json::parse(r.out), "probe-tls12-refused")["ok"] == false);
}

// A listening socket nobody accepts on: the kernel completes TCP, TLS never starts. Returns the
// socket (the caller closes it) and sets `port`.
int silent_listener(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 64) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port = ntohs(addr.sin_port);
  return fd;
}

TEST_CASE("a server that never answers the handshake times out with a failing check") {
  std::uint16_t port = 0;
  const int fd = silent_listener(port);
  const auto r = run_promtls({"selftest", "--no-env", "-o", "json", "--no-probes", "--timeout",
                              "0.5", "--connect", "127.0.0.1:" + std::to_string(port)});
  ::close(fd);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(check(json::parse(r.out), "tls-handshake")["detail"] == "timed out");
}

TEST_CASE("the whole self-test against a server that never answers ends within --timeout") {
  std::uint16_t port = 0;
  const int fd = silent_listener(port);
  const auto start = std::chrono::steady_clock::now();
  // With the probes, each of which would otherwise wait the whole timeout again.
  const auto r = run_promtls({"selftest", "--no-env", "-o", "json", "--timeout", "2",
                              "--expect-client-auth", "require", "--expect-min-version", "1.3",
                              "--connect", "127.0.0.1:" + std::to_string(port)});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(check(json::parse(r.out), "tls-handshake")["detail"] == "timed out");
  CHECK(seconds < 2 + 1.0);
}

TEST_CASE("an endpoint nobody listens on exits 3") {
  const std::uint16_t port = free_port();
  const auto r = run_promtls(
      {"selftest", "--no-env", "--connect", "127.0.0.1:" + std::to_string(port), "--timeout", "2"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("unreachable: could not connect to 127.0.0.1:" + std::to_string(port)) !=
        std::string::npos);
}

TEST_CASE("the target comes from the same variables serve reads") {
  const ServerFiles f(CertSpec{}, kMetrics);
  const Nginx nginx = start_nginx(f, "on");
  auto args = env_policy(f, "require");
  std::vector<std::string> argv{"selftest",
                                "--no-env",
                                "-o",
                                "json",
                                kAt,
                                "--ca",
                                f.ca,
                                "--cert",
                                f.client_cert,
                                "--key",
                                f.client_key,
                                "--set",
                                P + "PORT=" + std::to_string(nginx.port)};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run_promtls(argv);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["target"] == "localhost:" + std::to_string(nginx.port));
}

TEST_CASE("selftest usage errors exit 2 with a message") {
  auto r = run_promtls({"selftest", "--no-env"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no target: pass --connect HOST:PORT") != std::string::npos);
  r = run_promtls({"selftest", "--no-env", "--connect", "localhost"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--connect localhost: expected HOST:PORT") != std::string::npos);
  r = run_promtls({"selftest", "--no-env", "--connect", "localhost:1", "--expect-ciphers", "NOPE"});
  CHECK(r.exit_code == 2);
  r = run_promtls({"selftest", "--no-env", "--set", P + "TLS_MIN_VERSION=1.0", "--set",
                   P + "TLS_CERT=a", "--set", P + "TLS_KEY=b"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("invalid METRICS_PROMETHEUS_TLS_MIN_VERSION \"1.0\"") != std::string::npos);
  r = run_promtls({"selftest", "--no-env", "--connect", "localhost:1", "--cert", "/nonexistent.pem",
                   "--key", "/nonexistent.key"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("/nonexistent.pem") != std::string::npos);
}

TEST_CASE("load mode against nginx reports rates and latency over keep-alive and new connections") {
  const ServerFiles f(CertSpec{}, kMetrics);
  const Nginx nginx = start_nginx(f, "on");
  for (const bool fresh : {false, true}) {
    std::vector<std::string> extra{"--load", "60", "--concurrency", "3"};
    if (fresh) extra.push_back("--new-connections");
    const auto r = selftest(nginx.port, f, extra);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out);
    CHECK(j["ok"] == true);
    CHECK(j["load"]["succeeded"] == 60);
    CHECK(j["load"]["failed"] == 0);
    CHECK(j["load"]["handshakes"] == (fresh ? 60 : 3));
    CHECK(j["load"]["requests_per_second"].get<double>() > 0);
    CHECK(j["load"]["latency_ms"]["p99"].get<double>() >=
          j["load"]["latency_ms"]["p50"].get<double>());
  }
  // Without a client certificate nginx answers 400: errors by reason, exit 1.
  const auto r = selftest(nginx.port, f, {"--load", "10", "--concurrency", "2"}, false);
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["load"]["errors"]["http status 400"] == 10);
}
