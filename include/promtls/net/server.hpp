// The promtls metrics server: HTTP/1.1 (keep-alive) over TLS with optional client
// authentication, or plain HTTP, serving GET/HEAD /metrics, /healthz and /readyz; an optional
// plain-HTTP probe listener with only /healthz and /readyz.
//
// What it does: accepts connections up to a cap per listener (beyond it, a new connection evicts
// the longest-silent one that has not made a request yet, or is closed at once when every open
// one has), bounds the handshake, each request-header read and keep-alive idle time with
// deadlines, refuses
// oversized headers (431), answers 404 for unknown paths and 405 for other methods on known
// paths. Certificates named by `watch` are re-read by a background thread when the files change;
// a scrape renders the last result and never parses a certificate. Server credentials are
// re-checked once a second and on SIGHUP (tls::Credentials). SIGTERM/SIGINT stop accepting and
// let in-flight requests finish within `drain_timeout`.
//
// Threading: run() blocks the calling thread, which does all network I/O; one helper thread
// re-reads watched sources. Logs go to stderr, one line per event.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "promtls/core/config.hpp"
#include "promtls/core/error.hpp"

namespace promtls::net {

enum class LogFormat { text, json, off };  // off: no log lines at all

struct ServerOptions {
  // "HOST:PORT", ":PORT" (all interfaces), "[v6]:PORT"; port 0 = any (parse_listen_address).
  std::string listen;
  std::string probe_listen;            // the same syntax; empty = no probe listener
  std::optional<core::TlsConfig> tls;  // nullopt = plain HTTP
  // Issue TLS session tickets (--session-tickets; tls::ServerContextOptions). Off by default: a
  // scraper that keeps its connection alive never resumes (bench/RESULTS.md).
  bool session_tickets = false;
  std::vector<std::string> watch;  // certificate files and directories to expose
  bool watch_recursive = false;
  bool watch_follow_symlinks = false;  // follow links out of the watched directories
  std::vector<std::string> licenses;   // license files (core::parse_license formats)
  // Emit the Tigera operator's names instead of x509_cert_* and promtls_license_*
  // (spec/tigera-metrics.md §3): the certificate gauge from Secret manifests among `watch`.
  bool tigera_compat = false;
  // Go's server bounds the TLS handshake by ReadHeaderTimeout (knative's: 5 s).
  std::chrono::milliseconds handshake_timeout{5000};
  // knative's ReadHeaderTimeout: from the end of the handshake for the first request, from its
  // first byte for each later one on a keep-alive connection.
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds idle_timeout{120000};
  std::chrono::milliseconds drain_timeout{10000};
  std::chrono::milliseconds source_interval{1000};  // how often watched sources are checked
  std::size_t max_header_bytes = 8192;
  // The main listener's connection budget; the probe listener has its own.
  std::size_t max_connections = 512;
  std::size_t max_probe_connections = 64;
  LogFormat log_format = LogFormat::text;
  // Also log at debug level: one "handshake" line per completed handshake with its version,
  // group and cipher (--log-level debug).
  bool log_debug = false;
  std::string version;                     // for promtls_build_info
  std::vector<std::string> startup_notes;  // logged as warnings once listening
};

// Runs the server until SIGTERM or SIGINT, then drains. Logs "listening" events naming the bound
// addresses (with the OS-chosen port when the port is 0). Returns 0 after a clean drain. Throws
// promtls::Error (exit 3) when an address does not parse or cannot be bound, or when the
// credentials cannot be loaded at start.
ExitCode run(const ServerOptions& options);

// The same server in-process, for selftest --local: the constructor loads the credentials, binds
// `options.listen` (port 0 picks one) and starts serving on a background thread; it throws
// promtls::Error as run() does. No signal handlers are installed. stop() drains (bounded by
// drain_timeout) and joins; the destructor calls it.
class LocalServer {
 public:
  explicit LocalServer(const ServerOptions& options);
  ~LocalServer();
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  // The main listener's bound port.
  unsigned short port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace promtls::net
