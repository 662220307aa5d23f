// A small blocking OpenSSL client for integration tests of `promtls serve`: connect on loopback,
// handshake with optional client certificate and restricted versions/suites/groups, send one or
// more HTTP/1.1 requests, read responses. Also raw-TCP helpers for abuse tests and a background
// process wrapper that stops what it starts. Independent of the product's own probe client.
// Not thread-safe per object.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "process.hpp"

namespace promtls::test {

struct ClientOptions {
  std::string ca_file;    // verify the server against this CA ("" = no verification)
  std::string cert_file;  // client certificate chain ("" = none)
  std::string key_file;
  std::string server_name = "localhost";
  int min_version = 0;        // 0x0303 / 0x0304; 0 = library default
  int max_version = 0;        // 0 = library maximum
  std::string tls12_ciphers;  // OpenSSL names; "" = default
  std::string groups;         // OpenSSL names joined by ':'; "" = default
  int timeout_ms = 5000;
  int receive_buffer_bytes = 0;  // SO_RCVBUF before connecting (a slow reader); 0 = default
  std::string session;           // a session() from an earlier connection to offer; "" = none
};

struct HttpResponse {
  int status = 0;  // 0 when no response was read
  std::string headers;
  std::string body;
};

// One TLS connection; requests may be repeated on it (keep-alive).
class TlsConnection {
 public:
  TlsConnection(int port, const ClientOptions& options);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  bool handshake_ok() const { return handshake_ok_; }
  const std::string& error() const { return error_; }  // why the handshake or a request failed
  std::string version() const;                         // "TLSv1.3"
  std::string cipher() const;
  std::string group() const;        // negotiated group name, "" when unknown
  std::string peer_serial() const;  // server certificate serial, lower-case hex
  int peer_chain_length() const;    // certificates the server sent, 0 before a handshake
  // The session to resume later (DER; "" when the server issued no ticket). TLS 1.3 tickets
  // arrive after the handshake: read a response first.
  std::string session() const;
  bool resumed() const;  // whether this handshake resumed ClientOptions::session

  // Sends `method path` with Connection: keep-alive and reads one response; status 0 on failure.
  HttpResponse request(const std::string& path, const std::string& method = "GET");
  // Writes `bytes` as they are (one TLS record per call); false on failure.
  bool send(const std::string& bytes);
  // Reads one response (a HEAD response has no body); status 0 on failure.
  HttpResponse read_response(bool head = false);
  // Reads until the server closes the connection (close_notify or EOF) or the timeout passes;
  // true when it closed. What arrived before is kept for read_response().
  bool wait_closed();

 private:
  int fd_ = -1;
  void* ctx_ = nullptr;
  void* ssl_ = nullptr;
  bool handshake_ok_ = false;
  std::string error_;
  std::string pending_;
};

// Connects, handshakes and GETs `path` once. `error` receives the failure text.
HttpResponse https_get(int port, const std::string& path, const ClientOptions& options,
                       std::string* error = nullptr);

// Plain TCP: connect to 127.0.0.1:port (with SO_RCVBUF `receive_buffer_bytes` when not 0); -1 on
// failure. The caller closes.
int tcp_connect(int port, int receive_buffer_bytes = 0);
// Writes `request` on a new plain connection and reads until the peer closes or `timeout_ms`
// passes; returns what was read.
std::string raw_exchange(int port, const std::string& request, int timeout_ms = 5000);
// Parses status, headers and body of an HTTP/1.1 response text (Content-Length bodies).
HttpResponse parse_response(const std::string& text);

// `promtls serve` started with `args` (and "--listen 127.0.0.1:0"), waiting for its listening
// events. port is the main listener's, probe_port the probe listener's (0 when none).
struct Serve {
  std::unique_ptr<Process> process;
  int port = 0;
  int probe_port = 0;
};
// Throws std::runtime_error (with the log) when serve does not start listening within 10 s.
Serve start_serve(const std::vector<std::string>& args, const std::string& log_path,
                  const std::vector<std::string>& env = {});

}  // namespace promtls::test
