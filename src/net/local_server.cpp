// selftest --local: serve's server in-process, on a background thread.
#include <iostream>
#include <thread>

#include "promtls/net/server.hpp"
#include "server_core.hpp"

namespace promtls::net {

struct LocalServer::Impl {
  explicit Impl(const ServerOptions& options) : server(options, false) {}
  detail::Server server;
  std::thread thread;
};

LocalServer::LocalServer(const ServerOptions& options) : impl_(std::make_unique<Impl>(options)) {
  impl_->server.start();
  impl_->thread = std::thread([impl = impl_.get()] {
    try {
      impl->server.loop();
    } catch (const std::exception& e) {
      std::cerr << "promtls: in-process server stopped: " << e.what() << "\n";
    }
  });
}

LocalServer::~LocalServer() { stop(); }

unsigned short LocalServer::port() const { return impl_->server.port(); }

void LocalServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace promtls::net
