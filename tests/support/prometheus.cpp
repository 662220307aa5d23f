#include "prometheus.hpp"

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "tls_client.hpp"

namespace promtls::test {
namespace {

std::string url_encode(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

nlohmann::json get_json(std::uint16_t port, const std::string& path) {
  // HTTP/1.0: the body comes whole, never chunked (Go chunks longer HTTP/1.1 answers).
  const HttpResponse r =
      parse_response(raw_exchange(port, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"));
  if (r.status != 200) return nullptr;
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

}  // namespace

RealPrometheus::RealPrometheus(const std::filesystem::path& dir, const std::string& scrape_configs,
                               const std::vector<std::string>& env) {
  if (!std::filesystem::exists("/usr/bin/prometheus")) FAIL("prometheus is not installed");
  const std::filesystem::path config = dir / "prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                        << scrape_configs;
  port_ = free_port();
  process_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + config.string(),
                               "--storage.tsdb.path=" + (dir / "tsdb").string(),
                               "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                               "--storage.tsdb.retention.time=1h", "--log.level=warn"},
      env, (dir / "prometheus.log").string());
}

RealPrometheus::~RealPrometheus() { stop(); }

bool RealPrometheus::stop() {
  if (!process_) return true;
  process_->signal(SIGTERM);
  const bool exited = process_->wait(10000).has_value();
  return exited;
}

nlohmann::json RealPrometheus::query(const std::string& promql) const {
  return get_json(port_, "/api/v1/query?query=" + url_encode(promql));
}

std::optional<double> RealPrometheus::up(const std::string& job) const {
  const auto j = query("up{job=\"" + job + "\"}");
  if (j.is_null() || j["data"]["result"].empty()) return std::nullopt;
  return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
}

std::vector<RealPrometheus::Target> RealPrometheus::targets() const {
  std::vector<Target> out;
  const auto j = get_json(port_, "/api/v1/targets?state=active");
  if (j.is_null()) return out;
  for (const auto& t : j["data"]["activeTargets"]) {
    out.push_back({t["labels"].value("job", ""), t["labels"].value("instance", ""),
                   t.value("health", ""), t.value("lastError", "")});
  }
  return out;
}

std::vector<RealPrometheus::Target> RealPrometheus::wait_targets(
    const std::function<bool(const std::vector<Target>&)>& done, int timeout_ms) const {
  std::vector<Target> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    seen = targets();
    if (done(seen)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return seen;
}

}  // namespace promtls::test
