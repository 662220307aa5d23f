// The state a Prober shares between its single exchanges (probe.cpp) and load mode (load.cpp).
// Internal to the net layer.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "client_context.hpp"
#include "connection.hpp"
#include "foreign_identity.hpp"
#include "http_client.hpp"
#include "promtls/net/probe.hpp"

namespace promtls::net {

struct Prober::Impl {
  ProbeTarget target;
  ClientTlsOptions options;
  std::string verify_name;
  std::string sni;  // "" for IP literals
  std::string host_header;
  std::optional<core::CertInfo> client_cert;
  std::unique_ptr<tls::detail::ForeignIdentity> foreign;
  std::optional<detail::Clock::time_point> overall_deadline;  // ProbeTarget::total_timeout_ms

  // The deadline of a connection begun at `start`: its own timeout, or the overall deadline
  // when that comes first.
  detail::Clock::time_point deadline_from(detail::Clock::time_point start) const;

  // The client context of every exchange: our CA file and credentials, TLS 1.2 and up, ALPN
  // http/1.1; a probe narrows it.
  detail::ClientContextSpec base_spec() const;

  // Connects (and handshakes when `ctx` is set); fills the connect and TLS facts.
  // `describe`: extract the certificates and session facts (not needed in load mode).
  bool open(detail::Connection& conn, SSL_CTX* ctx, detail::Clock::time_point start,
            detail::Clock::time_point deadline, core::Exchange& ex, bool describe = true) const;

  // One request on an open connection: fills the HTTP facts and timings; the response goes to
  // `out` when given, its body to ex.http.body otherwise.
  void request(detail::Connection& conn, std::string& buffer, bool keep_alive,
               detail::Clock::time_point start, detail::Clock::time_point deadline,
               core::Exchange& ex, detail::Response* out = nullptr) const;

  // One connection, one request (connection: close).
  core::Exchange exchange(SSL_CTX* ctx) const;
};

}  // namespace promtls::net
