// A real Prometheus (Debian's /usr/bin/prometheus) for integration tests: started on a free
// loopback port with the scrape jobs a test gives, queried through its HTTP API, stopped
// (SIGTERM) when the object is destroyed, also when a test fails. Not thread-safe per object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "process.hpp"

namespace promtls::test {

class RealPrometheus {
 public:
  // Writes prometheus.yml into `dir` (a 1 s scrape interval and timeout, then `scrape_configs`,
  // the text of the list's items, each starting "  - job_name: ...") and starts Prometheus with
  // its storage in `dir`, with exactly `env` as its environment ("K=V", such as a GODEBUG
  // setting). Fails the test when Prometheus is not installed.
  RealPrometheus(const std::filesystem::path& dir, const std::string& scrape_configs,
                 const std::vector<std::string>& env = {});
  ~RealPrometheus();
  RealPrometheus(const RealPrometheus&) = delete;
  RealPrometheus& operator=(const RealPrometheus&) = delete;

  // The decoded response of /api/v1/query for `promql`; null while Prometheus is not ready.
  nlohmann::json query(const std::string& promql) const;

  // The value of `up` for `job`, or nullopt while Prometheus has not scraped it yet.
  std::optional<double> up(const std::string& job) const;

  struct Target {
    std::string job;
    std::string instance;
    std::string health;      // "up", "down" or "unknown" (not scraped yet)
    std::string last_error;  // Prometheus' lastError, "" when up
  };
  // /api/v1/targets' active targets, in its order; empty while Prometheus is not ready.
  std::vector<Target> targets() const;

  // Polls `done` with targets() every 250 ms for up to `timeout_ms`; returns the last list.
  std::vector<Target> wait_targets(const std::function<bool(const std::vector<Target>&)>& done,
                                   int timeout_ms = 30000) const;

  // SIGTERM and wait; true when it exited within 10 s.
  bool stop();

  std::string log() const { return process_->log(); }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace promtls::test
