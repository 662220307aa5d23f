// Third-party TLS servers for the selftest integration tests: nginx (Debian nginx-light) and
// `openssl s_server -WWW`, started on an OS-chosen loopback port in a temporary directory and
// stopped (SIGTERM, then SIGKILL) when the object is destroyed, also when a test fails.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pki.hpp"
#include "process.hpp"

namespace promtls::test {

// Server credentials and content for a test server: a CA valid far around both kNow and the
// real clock (real servers judge client certificates at the real time), a server certificate
// with `server_spec`, and a client certificate from the same CA. `metrics` is the body served
// at /metrics.
struct ServerFiles {
  ServerFiles(const CertSpec& server_spec, const std::string& metrics_body);
  TempDir dir;
  std::string cert, key, ca, client_cert, client_key, metrics;
};

// A CertSpec valid from 2000 to 2099: for certificates a real server judges by its clock.
CertSpec wide_spec(const std::string& cn);

struct Nginx {
  std::uint16_t port = 0;
  std::unique_ptr<Process> process;
};

// nginx with `ssl_verify_client` set to `verify` ("on", "optional", "off"), `protocols`
// (e.g. "TLSv1.3"), serving `files.metrics` at /metrics as text/plain; version=0.0.4.
Nginx start_nginx(const ServerFiles& files, const std::string& verify,
                  const std::string& protocols = "TLSv1.3");

struct SServer {
  std::uint16_t port = 0;
  std::unique_ptr<Process> process;
};

// openssl s_server -WWW serving the directory of `files` (so /metrics is files.metrics), with
// extra arguments (e.g. {"-tls1_2"} or {"-Verify", "1", "-CAfile", ca}).
SServer start_s_server(const ServerFiles& files, const std::vector<std::string>& extra = {});

struct NodeExporter {
  std::uint16_t port = 0;
  std::unique_ptr<Process> process;
};

// prometheus-node-exporter (Go, exporter-toolkit TLS) with `client_auth_type` (Go's name, e.g.
// "RequireAndVerifyClientCert") and `min_version` (e.g. "TLS13"), a few collectors only.
NodeExporter start_node_exporter(const ServerFiles& files, const std::string& client_auth_type,
                                 const std::string& min_version);

// The alert prometheus-node-exporter's Go sends a TLS 1.3 client that brings no certificate
// when one is required, as OpenSSL names it: "bad certificate" from Go 1.19 (Debian 12's
// exporter), "certificate required", RFC 8446's alert for it, from later Go (Debian 13's is
// built with Go 1.24; golang/go#52113). Read from the exporter's --version.
std::string node_exporter_missing_certificate_alert();

}  // namespace promtls::test
