// The one client connection of the net layer, for selftest's prober and inspect --connect: TCP
// with a deadline, a TLS handshake driven by OpenSSL on the non-blocking socket, deadline-bounded
// reads and writes, and the facts of the session (the presented chain, the verification
// result, version, cipher, group, ALPN) as core::TlsFacts.
//
// It reports and never judges: a chain that does not verify still completes the handshake. Every
// call takes the deadline of the whole exchange. Internal to the net layer; a Connection is
// used by one thread at a time. The process must ignore SIGPIPE (writes use send(2) with
// MSG_NOSIGNAL, but OpenSSL writes with write(2)).
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "detail/openssl.hpp"
#include "promtls/core/selftest.hpp"
#include "promtls/net/host_port.hpp"

namespace promtls::net::detail {

using Clock = std::chrono::steady_clock;

// Milliseconds from `start` to now.
double ms_since(Clock::time_point start);

// True for an IPv4 or IPv6 literal (which gets no SNI and is matched against IP SANs).
bool is_ip_literal(const std::string& host);

// An alert description in lower-case words, e.g. "certificate required".
std::string alert_words(int alert);

// What the message callback saw during a handshake and afterwards.
struct Trace {
  bool server_hello = false;
  bool certificate_request = false;
  int alert = -1;  // the last alert description the server sent
};

// Why connect() failed: `resolved` false when the name did not resolve; `reason` in words
// ("Connection refused", "timed out", getaddrinfo's text).
struct ConnectFailure {
  bool resolved = false;
  std::string reason;
};

struct HandshakeOptions {
  std::string sni;          // "" = none (IP literals get none)
  std::string verify_name;  // with verify_hostname: the name or IP checked in the verify result
  // Make the hostname part of the chain verification (inspect --connect: a mismatch is a
  // verify_error); otherwise only TlsFacts::hostname_match reports it (selftest).
  bool verify_hostname = false;
};

class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Resolves `target` and connects to the first address that answers before `deadline`.
  // Returns true, or false with `failure` filled.
  bool connect(const HostPort& target, Clock::time_point deadline, ConnectFailure& failure);

  // TLS client handshake on the connected socket. Returns true when it completed; otherwise
  // `error` says why in words ("timed out", "the server sent alert ...", OpenSSL's reasons).
  // Throws promtls::Error only when OpenSSL cannot create the session.
  bool handshake(SSL_CTX* ctx, const HandshakeOptions& options, Clock::time_point deadline,
                 std::string& error);

  // Fills `facts` from the session: what the server sent, the negotiated parameters (when the
  // handshake completed, facts.completed), the chain and its verification against
  // `verify_name`.
  void describe(const std::string& verify_name, core::TlsFacts& facts) const;

  // Writes everything; returns "" or the reason it could not.
  std::string write_all(std::string_view data, Clock::time_point deadline);

  // Reads some bytes: > 0 bytes read, 0 orderly end of stream, -1 error (reason in `why`).
  long read_some(char* buf, std::size_t size, Clock::time_point deadline, std::string& why);

  // Sends close_notify without waiting for the peer's.
  void shutdown();

  bool tls() const { return ssl_ != nullptr; }
  const Trace& trace() const { return trace_; }

 private:
  bool wait(short events, Clock::time_point deadline) const;
  template <typename Fn>
  int ssl_call(Fn fn, Clock::time_point deadline, int& error, bool& timed_out);
  std::string ssl_failure(int error, bool timed_out, int saved_errno);

  int fd_ = -1;
  tls::detail::SslPtr ssl_;
  Trace trace_;
};

}  // namespace promtls::net::detail
