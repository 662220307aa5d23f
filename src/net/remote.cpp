#include "promtls/net/remote.hpp"

#include "client_context.hpp"
#include "connection.hpp"
#include "promtls/core/error.hpp"

namespace promtls::net {

RemoteResult fetch_chain(const RemoteOptions& o) {
  if (o.cert_file.empty() && !o.key_file.empty())
    throw Error("--key needs --cert", ExitCode::usage);
  detail::ClientContextSpec spec;
  spec.ca_file = o.ca_file;
  spec.cert_file = o.cert_file;
  spec.key_file = o.key_file.empty() ? o.cert_file : o.key_file;
  spec.verify_at_unix = o.verify_at_unix;
  const auto ctx = detail::build_client_context(spec);

  RemoteResult result;
  const auto deadline = detail::Clock::now() + std::chrono::milliseconds(o.timeout_ms);
  detail::Connection conn;
  detail::ConnectFailure failure;
  if (!conn.connect(o.target, deadline, failure)) {
    result.error = failure.resolved ? "connect " + o.target.to_string() + ": " + failure.reason
                                    : "resolve " + o.target.host + ": " + failure.reason;
    return result;
  }
  detail::HandshakeOptions hs;
  hs.verify_name = !o.servername.empty() ? o.servername : o.target.host;
  hs.sni = detail::is_ip_literal(hs.verify_name) ? "" : hs.verify_name;
  hs.verify_hostname = true;
  std::string error;
  core::TlsFacts facts;
  facts.completed = conn.handshake(ctx.get(), hs, deadline, error);
  if (!facts.completed) result.error = "handshake with " + o.target.to_string() + ": " + error;
  conn.describe(hs.verify_name, facts);
  result.connected = facts.completed;
  result.chain = std::move(facts.chain);
  if (!result.chain.empty()) {
    result.verified = facts.verified && result.connected;
    result.verify_error = facts.verify_error;
    result.hostname_match = facts.hostname_match;
    if (!result.verified && result.verify_error.empty()) {
      result.verify_error = "the handshake did not complete";
    }
  }
  if (result.connected) {
    result.tls_version = facts.version;
    conn.shutdown();
  }
  return result;
}

}  // namespace promtls::net
