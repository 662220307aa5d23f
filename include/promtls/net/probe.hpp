// The self-test client: connects to a metrics endpoint over TCP, completes a TLS handshake with
// OpenSSL, sends one HTTP/1.1 GET and reads the response, recording what it saw as plain facts
// (core::Exchange) for core/selftest to judge. It also runs the policy probes (a handshake
// without a client certificate, with one from a foreign CA generated in memory, with only
// TLS 1.2 or 1.3, with only disallowed TLS 1.2 suites, plain HTTP) and load mode.
//
// It never decides whether what it saw is good: a chain that does not verify still completes
// the handshake so its certificates, timings and the HTTP layer can be reported (spec/
// ecosystem.md §6: report expiry even when verification fails). Every connection has a
// deadline (`timeout_ms`, covering connect, handshake and response), and all of them together
// one when `total_timeout_ms` is set.
//
// A Prober is not thread-safe; load() runs its own worker threads internally. The process must
// ignore SIGPIPE (the cli does) since a server may close a connection while we write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "promtls/core/scrape_config.hpp"
#include "promtls/core/selftest.hpp"
#include "promtls/net/host_port.hpp"

namespace promtls::net {

struct ProbeTarget {
  HostPort address;        // where to connect (parse_client_target's rules)
  std::string servername;  // SNI and the name verified; "" = the host (no SNI for an IP literal)
  std::string path = "/metrics";
  int timeout_ms = 5000;  // each connection's deadline
  // Every connection also ends by this long after the Prober was made (selftest --timeout bounds
  // the whole run); 0 = no overall deadline.
  int total_timeout_ms = 0;
};

struct ClientTlsOptions {
  std::string ca_file;               // trusted CAs (PEM); "" = the system's default trust store
  std::string cert_file;             // our client certificate chain (PEM); "" = none
  std::string key_file;              // its private key (PEM); required with cert_file
  std::int64_t verify_at_unix = 0;   // the server chain is verified at this instant; 0 = now
  std::int64_t wall_clock_unix = 0;  // the real time, for the foreign CA's validity window
  std::uint16_t min_version = 0;     // offered versions; 0 as in core::TlsConfig (TLS 1.2)
  std::uint16_t max_version = 0;     // 0 as in core::TlsConfig (TLS 1.3)
};

class Prober {
 public:
  // Loads the CA file and our credentials. Throws promtls::Error (exit 3) naming the file when
  // one cannot be read, holds no certificate, or the key does not match the certificate.
  Prober(ProbeTarget target, ClientTlsOptions tls);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // One scrape with our credentials (connection: close).
  core::Exchange scrape();

  // One policy probe.
  core::ProbeOutcome probe(const core::ProbePlan& plan);

  // The key-exchange matrix: one handshake per attempt (our credentials, TLS 1.2 and 1.3), no
  // request. An attempt whose groups the linked OpenSSL cannot offer is refused with the reason.
  std::vector<core::KeyExchangeOutcome> key_exchange(
      const std::vector<core::KeyExchangeAttempt>& attempts);

  // `requests` scrapes over `concurrency` connections: kept alive and reused, or a new
  // connection and handshake for every request.
  core::LoadRun load(std::size_t requests, std::size_t concurrency, bool new_connections);

  // The subject and validity of our client certificate, when one is configured.
  std::optional<core::CertInfo> client_certificate() const;

  const ProbeTarget& target() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One scrape of `target` ("host:port") exactly as Prometheus makes it for `job`: its scheme,
// metrics_path, scrape_timeout and tls_config (CA, client certificate, server_name, version
// range), the chain verified at `now_unix`; the
// facts for core::judge_scrape(). Throws promtls::Error (exit 3) naming the job and the file when
// the job's CA file or client credentials cannot be loaded (Prometheus refuses such a
// configuration when it loads it).
core::Exchange scrape_as_prometheus(const core::ScrapeJob& job, const std::string& target,
                                    std::int64_t now_unix);

}  // namespace promtls::net
