// A real Prometheus (Debian's /usr/bin/prometheus) scrapes promtls serve over mutual TLS.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "prometheus.hpp"
#include "serve_fixture.hpp"

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

}  // namespace
}  // namespace promtls::test
