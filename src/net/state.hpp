// The serve state that the HTTP layer renders: watched certificate sources (re-read by a
// background thread when the files change), the server's own counters and process metrics.
// No Boost here, so this TU compiles quickly and is testable without a network.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "log.hpp"
#include "promtls/core/license.hpp"
#include "promtls/core/metrics.hpp"
#include "promtls/tls/sources.hpp"

namespace promtls::net::detail {

// What to watch: certificate sources (through tls::load_sources()), license files (through
// core::parse_license()), and for --metrics-compat tigera the Kubernetes Secret manifests among
// the certificate sources (their Tigera labels and annotations, spec/tigera-metrics.md §3.2).
struct WatchSpec {
  std::vector<std::string> paths;
  std::vector<std::string> licenses;
  bool recursive = false;
  bool tigera = false;
};

// Re-reads the watched files whenever their identities change (checked every `interval`), and
// keeps the last result. Thread-safe.
class SourceWatcher {
 public:
  SourceWatcher(WatchSpec spec, std::chrono::milliseconds interval, Logger& log);
  ~SourceWatcher();  // stops the thread
  SourceWatcher(const SourceWatcher&) = delete;
  SourceWatcher& operator=(const SourceWatcher&) = delete;

  void start();
  void stop();

  struct Snapshot {
    std::vector<core::LocatedCert> certificates;
    std::vector<tls::SourceError> errors;
    std::vector<core::License> licenses;
    std::vector<core::TigeraSecretMetadata> tigera_secrets;
  };
  // The last result; null before the first load finished.
  std::shared_ptr<const Snapshot> snapshot() const;
  // promtls_source_errors_total by (source, reason).
  std::map<std::pair<std::string, std::string>, std::uint64_t> error_counts() const;
  std::uint64_t loads() const { return loads_.load(); }

 private:
  void loop();
  std::string signature() const;

  WatchSpec spec_;
  std::chrono::milliseconds interval_;
  Logger& log_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::shared_ptr<const Snapshot> snapshot_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> error_counts_;
  std::atomic<std::uint64_t> loads_{0};
  std::thread thread_;
};

// Counters the I/O thread updates. Not synchronised: I/O thread only.
struct ServerCounters {
  std::map<std::pair<std::string, std::string>, std::uint64_t> handshakes;  // (result, reason)
  std::map<std::string, std::uint64_t> requests;                            // by status code
  std::uint64_t connections_rejected = 0;
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_failed = 0;
};

struct RenderInput {
  std::int64_t now_unix = 0;
  std::optional<std::int64_t> serving_not_after;  // TLS only
  std::size_t open_connections = 0;
  std::string version;
  const ServerCounters* counters = nullptr;
  const SourceWatcher* sources = nullptr;  // may be null (no --watch)
  bool tigera = false;                     // --metrics-compat tigera
};

// Renders the certificate families (cached per snapshot until a certificate's expiry flips) and
// the server's own families. Not synchronised: I/O thread only.
class Renderer {
 public:
  std::string render(const RenderInput& in);

 private:
  // Process metrics are sampled at most once a second: listing /proc/self/fd and reading statm
  // per scrape was a measurable share of a keep-alive scrape (bench/RESULTS.md).
  std::chrono::steady_clock::time_point process_at_{};
  std::string process_text_;
  std::shared_ptr<const SourceWatcher::Snapshot> cached_for_;
  std::int64_t cached_until_ = 0;
  std::string cached_text_;
};

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds, read from /proc/self.
std::vector<core::MetricFamily> process_families();

}  // namespace promtls::net::detail
