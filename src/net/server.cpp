// serve's server: listeners, credentials, sources and draining (server_core.hpp); sessions are
// in session.cpp, the in-process LocalServer in local_server.cpp.
#include "promtls/net/server.hpp"

#include "server_core.hpp"

namespace promtls::net {
namespace detail {

void Server::on_accept(tcp::socket socket, bool probe) {
  if (sessions_.size() >= options_.max_connections) {
    ++counters_.connections_rejected;
    std::uint64_t suppressed = 0;
    if (reject_log_.allow(Clock::now(), suppressed)) {
      log_.log(
          "warning", "connection_rejected",
          {{"reason", "max_connections"}, {"limit", std::to_string(options_.max_connections)}});
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  start_session(*this, std::move(socket), probe, probe || !options_.tls ? nullptr : generation_);
}

}  // namespace detail

int run(const ServerOptions& options) {
  detail::Server server(options, true);
  return server.run();
}

}  // namespace promtls::net
