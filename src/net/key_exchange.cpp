// Prober::key_exchange: the handshakes of selftest's key-exchange matrix. Which key shares a
// ClientHello carries is set with OpenSSL 3.5's group-list syntax ("*" marks a key share); a
// HelloRetryRequest is inferred from the negotiated group: a TLS 1.3 server can only choose a
// group the client sent no key share for by asking again (RFC 8446 §4.1.4).
#include <algorithm>
#include <chrono>

#include "prober_impl.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/tls_catalog.hpp"

namespace promtls::net {

std::vector<core::KeyExchangeOutcome> Prober::key_exchange(
    const std::vector<core::KeyExchangeAttempt>& attempts) {
  std::vector<core::KeyExchangeOutcome> out;
  for (const core::KeyExchangeAttempt& attempt : attempts) {
    core::KeyExchangeOutcome outcome;
    outcome.attempt = attempt;
    detail::ClientContextSpec spec = impl_->base_spec();
    spec.groups = attempt.openssl_groups();
    tls::detail::SslCtxPtr ctx;
    try {
      ctx = detail::build_client_context(spec);
    } catch (const Error& e) {
      outcome.error = e.what();
      out.push_back(std::move(outcome));
      continue;
    }
    core::Exchange ex;
    const auto start = detail::Clock::now();
    const auto deadline = impl_->deadline_from(start);
    detail::Connection conn;
    if (impl_->open(conn, ctx.get(), start, deadline, ex)) {
      outcome.accepted = true;
      outcome.group_id = ex.tls.group_id;
      outcome.group = ex.tls.group;
      outcome.version = ex.tls.version;
      outcome.version_id = ex.tls.version_id;
      outcome.hello_retry = ex.tls.version_id == core::kTls13 && ex.tls.group_id != 0 &&
                            std::find(attempt.shares.begin(), attempt.shares.end(),
                                      ex.tls.group_id) == attempt.shares.end();
      conn.shutdown();
    } else {
      outcome.error = !ex.connect_error.empty() ? ex.connect_error : ex.tls.error;
    }
    out.push_back(std::move(outcome));
  }
  return out;
}

}  // namespace promtls::net
