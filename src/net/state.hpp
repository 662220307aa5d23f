// The serve state that the HTTP layer renders: watched certificate sources (re-read by a
// background thread when the files change), the server's own counters and process metrics.
// No Boost here, so this TU compiles quickly and is testable without a network.
#pragma once

#include <array>
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
#include <unordered_map>
#include <utility>
#include <vector>

#include "log.hpp"
#include "promtls/core/license.hpp"
#include "promtls/core/metrics.hpp"
#include "promtls/tls/sources.hpp"

namespace promtls::net::detail {

// What to watch: certificate sources (through tls::load_sources()) and license files (through
// core::parse_license()). For --metrics-compat tigera the same sources give the Tigera labels and
// annotations of their Secrets (spec/tigera-metrics.md §3.2) and their TigeraStatus objects
// (§3.1) instead of certificates.
struct WatchSpec {
  std::vector<std::string> paths;
  std::vector<std::string> licenses;
  bool recursive = false;
  bool follow_symlinks = false;  // tls::SourceOptions::follow_symlinks
  bool tigera = false;
  // While the last load had errors, the sources are loaded again this often even when no file
  // changed (a directory's permission fixed where it could not be watched), and each failed
  // attempt is counted (promtls_source_errors_total).
  std::chrono::milliseconds retry_interval{30000};
  // Where the files are read; null: the real file system (tls::real_file_system()). Not owned;
  // must outlive the watcher's thread (tests hand in fakes that fail or block).
  core::FileSystem* files = nullptr;
  // Changes are seen through inotify on the walked directories (inotify.hpp); `poll_only`
  // forces the fallback that stats the directories every interval (PROMTLS_WATCH_POLL=1, for
  // the tests of that path). Either way every file is checked (one stat each, reading only
  // the changed ones) every `full_check_interval`, and more often, `poll_full_check_interval`,
  // while polling, which does not see a file rewritten in place.
  bool poll_only = false;
  std::chrono::milliseconds full_check_interval{300000};
  std::chrono::milliseconds poll_full_check_interval{60000};
};

// Whether each of `roots` (the --watch paths and --license files as given, each once, in order)
// is up: no error of `errors` falls under it. An error falls under a root when its source is the
// root itself, or a path below it (the walker names files by the path they were reached through,
// core/fs.hpp); for a glob root, below the directories before its first glob character. A file
// reached through two roots is read once, under the first, and counts for that one.
std::vector<std::pair<std::string, bool>> source_health(
    const std::vector<std::string>& roots, const std::vector<tls::SourceError>& errors);

// Re-reads the watched files whose identities (tls::FileKey) changed, when inotify (or, as the
// fallback, the directories' stat every `interval`) says something changed, at every full check
// (WatchSpec), and while errors last every spec.retry_interval; keeps the last result and
// publishes a new snapshot only when something did change. Thread-safe.
//
// Nothing that goes wrong while reading ends the process: an exception from one file (an
// allocation failure, a parser's) is that file's source error (internal_error), one from
// anywhere else in a load is an internal_error of every watched root; each is counted in
// error_counts() like any other source error and the thread carries on.
class SourceWatcher {
 public:
  SourceWatcher(WatchSpec spec, std::chrono::milliseconds interval, Logger& log);
  ~SourceWatcher();  // stop() without a limit
  SourceWatcher(const SourceWatcher&) = delete;
  SourceWatcher& operator=(const SourceWatcher&) = delete;

  void start();
  // Asks the thread to stop: a load under way stops before its next file. Does not wait.
  void request_stop();
  // request_stop(), then waits for the thread: without `limit` until it ends (true); with one at
  // most that long, and a thread still inside one file then (a file that takes minutes to
  // decrypt) is left to end on its own (false): it holds its own state and touches nothing of
  // the caller's again, not even the Logger.
  bool stop(std::optional<std::chrono::milliseconds> limit = std::nullopt);

  struct Snapshot {
    // Each file's results in walk order (shared with the watcher's cache: unchanged files are
    // the same objects from one snapshot to the next).
    std::vector<std::shared_ptr<const tls::SourceFile>> files;
    std::size_t certificate_count = 0;
    // Every certificate of `files`, in order (a copy).
    std::vector<core::LocatedCert> certificates() const;
    std::vector<tls::SourceError> errors;
    std::vector<core::License> licenses;
    std::vector<core::TigeraSecretMetadata> tigera_secrets;
    std::vector<core::TigeraStatus> tigera_statuses;  // tigera only
    // The exposition of the certificate families (Tigera's with tigera), assembled from each
    // file's pre-rendered lines: right while text_from <= now < text_until (x509_cert_expired
    // flips at a not_after); outside that, null, or empty `files`, the Renderer renders from
    // certificates().
    std::shared_ptr<const std::string> text;
    std::int64_t text_from = 0;
    std::int64_t text_until = 0;
    // promtls_source_up: each --watch path and --license file (source_health()).
    std::vector<std::pair<std::string, bool>> up;
  };
  // The last result; null before the first load finished.
  std::shared_ptr<const Snapshot> snapshot() const;
  // promtls_source_errors_total by (source, reason).
  std::map<std::pair<std::string, std::string>, std::uint64_t> error_counts() const;
  std::uint64_t loads() const;
  // Files the last load read (the others were unchanged), and whether changes are seen by
  // polling (inotify missing, out of watches, or WatchSpec::poll_only).
  std::size_t last_reads() const;
  bool polling() const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the thread, which may outlive this object
  std::thread thread_;
};

// Counters the I/O thread updates. Not synchronised: I/O thread only.
struct ServerCounters {
  // (result, reason, version, group); version and group are empty when the handshake failed
  // before choosing them (tls::SessionFacts).
  std::map<std::array<std::string, 4>, std::uint64_t> handshakes;
  std::map<std::string, std::uint64_t> requests;  // by status code
  std::uint64_t connections_rejected = 0;
  // Connections without a request yet closed to make room for a new one (Server::add()).
  std::uint64_t connections_evicted = 0;
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_failed = 0;
};

// A /metrics body: `shared` (the sources' families, one immutable buffer shared by every
// scrape until the next change) then `own` (licenses, the server's families, process metrics).
// Gzipped, the two parts are one gzip stream: `shared` compressed once per change, `own` per
// scrape, continuing the stream.
struct MetricsBody {
  std::shared_ptr<const std::string> shared;  // may be null
  std::string own;
  bool gzip = false;  // the parts are gzip-compressed
  std::size_t size() const { return (shared ? shared->size() : 0) + own.size(); }
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
  Renderer();
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;
  // The body; gzip-compressed (Content-Encoding: gzip) when `gzip`.
  MetricsBody render_body(const RenderInput& in, bool gzip);
  // The plain body as one string (tests).
  std::string render(const RenderInput& in);

 private:
  struct Gzip;
  std::unique_ptr<Gzip> gzip_;  // the compressed shared part of the last gzipped body
  // Process metrics are sampled at most once a second: listing /proc/self/fd and reading statm
  // per scrape was a measurable share of a keep-alive scrape (bench/RESULTS.md).
  std::chrono::steady_clock::time_point process_at_{};
  std::string process_text_;
  std::shared_ptr<const SourceWatcher::Snapshot> cached_for_;
  std::int64_t cached_until_ = 0;
  std::shared_ptr<const std::string> cached_text_;
};

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds, read from /proc/self.
std::vector<core::MetricFamily> process_families();

}  // namespace promtls::net::detail
