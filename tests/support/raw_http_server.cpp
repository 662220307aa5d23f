#include "raw_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <utility>

namespace promtls::test {

RawHttpServer::RawHttpServer(std::string response) : response_(std::move(response)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error("RawHttpServer: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listener_);
    throw std::runtime_error("RawHttpServer: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

RawHttpServer::~RawHttpServer() {
  stopping_ = true;
  thread_.join();  // serve() polls with a short timeout and sees stopping_
  ::close(listener_);
}

void RawHttpServer::serve() {
  while (!stopping_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // The request, up to its blank line: bounded in size and time.
    std::string request;
    char buf[4096];
    for (int waited_ms = 0; waited_ms < 5000 && request.size() < 64 * 1024 &&
                            request.find("\r\n\r\n") == std::string::npos && !stopping_;) {
      pollfd r{fd, POLLIN, 0};
      if (::poll(&r, 1, 50) <= 0) {
        waited_ms += 50;
        continue;
      }
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t sent = 0;
    while (sent < response_.size()) {
      const ssize_t n = ::send(fd, response_.data() + sent, response_.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
    ++served_;
  }
}

}  // namespace promtls::test
