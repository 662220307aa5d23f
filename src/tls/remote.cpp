#include "promtls/tls/remote.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "detail/openssl.hpp"
#include "promtls/core/error.hpp"
#include "promtls/tls/fast_cert.hpp"

namespace promtls::tls {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

bool wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd pfd{fd, events, 0};
    const int rc = ::poll(&pfd, 1, remaining_ms(deadline));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return false;
  }
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// A non-blocking TCP connection to the first address that answers before the deadline.
int connect_tcp(const RemoteOptions& o, Clock::time_point deadline, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* list = nullptr;
  const int gai = ::getaddrinfo(o.host.c_str(), o.port.c_str(), &hints, &list);
  if (gai != 0) {
    error = "resolve " + o.host + ": " + ::gai_strerror(gai);
    return -1;
  }
  const std::string where = o.host + ":" + o.port;
  error = "connect " + where + ": no address";
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (fd.get() < 0) continue;
    int rc = ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (!wait_fd(fd.get(), POLLOUT, deadline)) {
        error = "connect " + where + ": timed out";
        continue;
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (so_error != 0) {
        error = "connect " + where + ": " + std::strerror(so_error);
        continue;
      }
      rc = 0;
    }
    if (rc != 0) {
      error = "connect " + where + ": " + std::strerror(errno);
      continue;
    }
    ::freeaddrinfo(list);
    error.clear();
    return fd.release();
  }
  ::freeaddrinfo(list);
  return -1;
}

bool is_ip(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

RemoteResult fetch_chain(const RemoteOptions& o) {
  RemoteResult result;
  detail::SslCtxPtr ctx(::SSL_CTX_new(::TLS_client_method()));
  if (!ctx) throw Error("cannot create a TLS client context: " + detail::drain_errors());
  ::SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Verification is recorded, never enforced: the chain is reported either way.
  ::SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (!o.ca_file.empty()) {
    if (::SSL_CTX_load_verify_locations(ctx.get(), o.ca_file.c_str(), nullptr) != 1) {
      throw Error("--ca " + o.ca_file + ": cannot load CA certificates: " + detail::drain_errors());
    }
  } else {
    ::SSL_CTX_set_default_verify_paths(ctx.get());
  }
  if (!o.cert_file.empty() || !o.key_file.empty()) {
    const std::string key = o.key_file.empty() ? o.cert_file : o.key_file;
    if (::SSL_CTX_use_certificate_chain_file(ctx.get(), o.cert_file.c_str()) != 1) {
      throw Error("--cert " + o.cert_file +
                  ": cannot load the client certificate: " + detail::drain_errors());
    }
    if (::SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw Error("--key " + key + ": cannot load the client key: " + detail::drain_errors());
    }
    if (::SSL_CTX_check_private_key(ctx.get()) != 1) {
      throw Error("--key " + key + ": does not match --cert " + o.cert_file);
    }
  }
  ::ERR_clear_error();

  const auto deadline = Clock::now() + std::chrono::milliseconds(o.timeout_ms);
  Fd fd(connect_tcp(o, deadline, result.error));
  if (fd.get() < 0) return result;

  detail::SslPtr ssl(::SSL_new(ctx.get()));
  ::SSL_set_fd(ssl.get(), fd.get());
  const std::string name = !o.servername.empty() ? o.servername : o.host;
  // SSL_set_tlsext_host_name is a macro with a C cast; the control call is the same thing.
  if (!is_ip(name)) {
    ::SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(name.c_str()));
  }
  if (o.verify_at_unix != 0) {
    ::X509_VERIFY_PARAM_set_time(::SSL_get0_param(ssl.get()),
                                 static_cast<time_t>(o.verify_at_unix));
  }
  if (is_ip(name)) {
    ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl.get()), name.c_str());
  } else {
    ::SSL_set1_host(ssl.get(), name.c_str());
  }
  for (;;) {
    const int rc = ::SSL_connect(ssl.get());
    if (rc == 1) break;
    const int err = ::SSL_get_error(ssl.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!wait_fd(fd.get(), err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        result.error = "handshake with " + o.host + ":" + o.port + ": timed out";
        break;
      }
      continue;
    }
    const std::string detail = detail::drain_errors();
    result.error = "handshake with " + o.host + ":" + o.port + ": " +
                   (detail.empty() ? "connection closed by peer" : detail);
    break;
  }
  // Even a failed handshake may have received the server's chain (TLS 1.2 before a client
  // certificate alert, for one); report whatever arrived.
  if (STACK_OF(X509)* chain = ::SSL_get_peer_cert_chain(ssl.get())) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      unsigned char* der = nullptr;
      const int len = ::i2d_X509(sk_X509_value(chain, i), &der);
      core::CertInfo info;
      if (len > 0 && read_certificate_fast(std::string_view(reinterpret_cast<char*>(der),
                                                            static_cast<std::size_t>(len)),
                                           info)) {
        result.chain.push_back(std::move(info));
      }
      ::OPENSSL_free(der);
    }
  }
  result.connected = result.error.empty();
  if (!result.chain.empty()) {
    const long verify = ::SSL_get_verify_result(ssl.get());
    result.verified = verify == X509_V_OK && result.connected;
    if (verify != X509_V_OK) result.verify_error = ::X509_verify_cert_error_string(verify);
  }
  if (result.connected) {
    result.tls_version = ::SSL_get_version(ssl.get());
    ::SSL_shutdown(ssl.get());
  }
  ::ERR_clear_error();
  return result;
}

}  // namespace promtls::tls
