// A real Prometheus (Debian's /usr/bin/prometheus) scrapes promtls serve over mutual TLS.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

using namespace std::chrono_literals;

nlohmann::json query(int port, const std::string& promql) {
  std::string q;
  for (const char c : promql) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      q += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      q += buf;
    }
  }
  const HttpResponse r = parse_response(
      raw_exchange(port, "GET /api/v1/query?query=" + q +
                             " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  if (r.status != 200) return nullptr;
  return nlohmann::json::parse(r.body, nullptr, false);
}

// The value of `up` for `job`, or nullopt while Prometheus has not scraped it yet.
std::optional<double> up(int port, const std::string& job) {
  const auto j = query(port, "up{job=\"" + job + "\"}");
  if (j.is_null() || j.is_discarded() || j["data"]["result"].empty()) return std::nullopt;
  return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
}

TEST_CASE("a real Prometheus scrapes serve over mTLS and a foreign client certificate is refused") {
  if (!std::filesystem::exists("/usr/bin/prometheus")) FAIL("prometheus is not installed");
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--watch", pki.ca_file});
  Serve s = start_serve(args, pki.log_path("serve.log"));

  const int prom_port = free_port();
  const std::string target = "127.0.0.1:" + std::to_string(s.port);
  auto job = [&](const std::string& name, const std::string& cert, const std::string& key) {
    return "  - job_name: " + name +
           "\n    scheme: https\n    tls_config:\n      ca_file: " + pki.ca_file +
           "\n      cert_file: " + cert + "\n      key_file: " + key +
           "\n      server_name: localhost\n    static_configs:\n      - targets: ['" + target +
           "']\n";
  };
  const std::string config =
      "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n" +
      job("promtls", pki.client_cert, pki.client_key) +
      job("foreign", pki.foreign_cert, pki.foreign_key);
  const std::string config_file = pki.dir.write("prometheus.yml", config, 0644);
  Process prom({"/usr/bin/prometheus", "--config.file=" + config_file,
                "--storage.tsdb.path=" + (pki.dir.path() / "tsdb").string(),
                "--web.listen-address=127.0.0.1:" + std::to_string(prom_port),
                "--storage.tsdb.retention.time=1h", "--log.level=warn"},
               {}, pki.log_path("prometheus.log"));

  std::optional<double> good, bad;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline && (!good || !bad || *good != 1)) {
    std::this_thread::sleep_for(500ms);
    good = up(prom_port, "promtls");
    bad = up(prom_port, "foreign");
  }
  INFO(prom.log());
  REQUIRE(good.has_value());
  CHECK(*good == 1);
  REQUIRE(bad.has_value());
  CHECK(*bad == 0);

  const auto gauge = query(prom_port, "x509_cert_not_after{subject_CN=\"promtls-test-ca\"}");
  REQUIRE(!gauge.is_null());
  REQUIRE(!gauge["data"]["result"].empty());
  CHECK(std::stod(gauge["data"]["result"][0]["value"][1].get<std::string>()) ==
        static_cast<double>(k2099));
  prom.signal(SIGTERM);
  CHECK(prom.wait(10000).has_value());
}

}  // namespace
}  // namespace promtls::test
