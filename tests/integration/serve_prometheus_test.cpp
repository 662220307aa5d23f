// A real Prometheus (Debian's /usr/bin/prometheus) scrapes promtls serve over mutual TLS; on
// Debian 13 (Prometheus built with Go 1.24, OpenSSL 3.5) the key exchange it negotiates is read
// back through its own HTTP API from serve's handshake metric.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "prometheus.hpp"
#include "serve_fixture.hpp"
#include "test_skip.hpp"

namespace promtls::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("a real Prometheus scrapes serve over mTLS and a foreign client certificate is refused") {
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--watch", pki.ca_file});
  Serve s = start_serve(args, pki.log_path("serve.log"));

  const std::string target = "127.0.0.1:" + std::to_string(s.port);
  auto job = [&](const std::string& name, const std::string& cert, const std::string& key) {
    return "  - job_name: " + name +
           "\n    scheme: https\n    tls_config:\n      ca_file: " + pki.ca_file +
           "\n      cert_file: " + cert + "\n      key_file: " + key +
           "\n      server_name: localhost\n    static_configs:\n      - targets: ['" + target +
           "']\n";
  };
  RealPrometheus prom(pki.dir.path(), job("promtls", pki.client_cert, pki.client_key) +
                                          job("foreign", pki.foreign_cert, pki.foreign_key));

  std::optional<double> good, bad;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline && (!good || !bad || *good != 1)) {
    std::this_thread::sleep_for(500ms);
    good = prom.up("promtls");
    bad = prom.up("foreign");
  }
  INFO(prom.log());
  REQUIRE(good.has_value());
  CHECK(*good == 1);
  REQUIRE(bad.has_value());
  CHECK(*bad == 0);

  const auto gauge = prom.query("x509_cert_not_after{subject_CN=\"promtls-test-ca\"}");
  REQUIRE(!gauge.is_null());
  REQUIRE(!gauge["data"]["result"].empty());
  CHECK(std::stod(gauge["data"]["result"][0]["value"][1].get<std::string>()) ==
        static_cast<double>(k2099));
  CHECK(prom.stop());
}

// Whether the Go binary at `path` was built with tlsmlkem=0 as its default GODEBUG: Go takes
// the GODEBUG defaults from the go line of the main module's go.mod, not from the toolchain
// (spec/pqc.md), and the build info Go embeds says which (`go version -m` prints it).
bool built_with_tlsmlkem_off(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto pos = bytes.find("DefaultGODEBUG=");
  if (pos == std::string::npos) return false;
  const std::string line = bytes.substr(pos, bytes.find_first_of("\n\t", pos) - pos);
  return line.find("tlsmlkem=0") != std::string::npos;
}

// A scrape job of `name` over mTLS with the test client certificate against `port`.
std::string mtls_job(const ServePki& pki, const std::string& name, int port) {
  return "  - job_name: " + name +
         "\n    scheme: https\n    tls_config:\n      ca_file: " + pki.ca_file +
         "\n      cert_file: " + pki.client_cert + "\n      key_file: " + pki.client_key +
         "\n      server_name: localhost\n    static_configs:\n      - targets: ['" +
         "127.0.0.1:" + std::to_string(port) + "']\n";
}

// The `group` label of the successful TLS 1.3 handshakes that `prom` scraped from job `job`'s
// serve (each serve has one scraper), read through Prometheus' HTTP API once it has a sample;
// empty if it has none within 30 s.
std::vector<std::string> scraped_groups(const RealPrometheus& prom, const std::string& job) {
  std::vector<std::string> groups;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline && groups.empty()) {
    std::this_thread::sleep_for(500ms);
    const auto r = prom.query("promtls_tls_handshakes_total{job=\"" + job +
                              "\",result=\"success\",version=\"TLSv1.3\"}");
    if (r.is_null()) continue;
    for (const auto& series : r["data"]["result"]) {
      groups.push_back(series["metric"].value("group", ""));
    }
  }
  return groups;
}

TEST_CASE(
    "a real Prometheus built with Go 1.24 scraping serve over mTLS negotiates X25519MLKEM768 "
    "unless its GODEBUG turns it off, and X25519 when serve's curve list is X25519") {
  PROMTLS_REQUIRE_MLKEM();
  ServePki pki;
  const std::vector<std::string> curve_x25519{"--set",
                                              "METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES=X25519"};
  std::vector<std::string> args = pki.tls_args("require");
  Serve packaged = start_serve(args, pki.log_path("packaged.log"));
  Serve turned_on = start_serve(args, pki.log_path("turned-on.log"));
  args.insert(args.end(), curve_x25519.begin(), curve_x25519.end());
  Serve classical = start_serve(args, pki.log_path("classical.log"));
  // Two Prometheus servers at once: as packaged, and with GODEBUG=tlsmlkem=1; each serve has
  // one of them as its only client.
  const std::filesystem::path a = pki.dir.path() / "prom-packaged";
  const std::filesystem::path b = pki.dir.path() / "prom-tlsmlkem";
  std::filesystem::create_directories(a);
  std::filesystem::create_directories(b);
  RealPrometheus as_packaged(a, mtls_job(pki, "packaged", packaged.port));
  RealPrometheus with_mlkem(
      b, mtls_job(pki, "turned_on", turned_on.port) + mtls_job(pki, "classical", classical.port),
      {"GODEBUG=tlsmlkem=1"});
  INFO(as_packaged.log() << "\n" << with_mlkem.log());
  const std::vector<std::string> one{"X25519"};
  const std::vector<std::string> hybrid{"X25519MLKEM768"};
  // Debian 13's prometheus 2.53 is built by Go 1.24 from a go.mod older than 1.24, so its
  // default is tlsmlkem=0: as packaged it sends no hybrid key share at all.
  const bool off = built_with_tlsmlkem_off("/usr/bin/prometheus");
  CHECK(scraped_groups(as_packaged, "packaged") == (off ? one : hybrid));
  // GODEBUG=tlsmlkem=1 in Prometheus' environment turns Go 1.24's default set back on.
  CHECK(scraped_groups(with_mlkem, "turned_on") == hybrid);
  CHECK(scraped_groups(with_mlkem, "classical") == one);
  CHECK(as_packaged.stop());
  CHECK(with_mlkem.stop());
  for (Serve* s : {&packaged, &turned_on, &classical}) {
    s->process->signal(SIGTERM);
    CHECK(s->process->wait(5000) == std::optional<int>(0));
  }
}

}  // namespace
}  // namespace promtls::test
