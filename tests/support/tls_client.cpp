#include "tls_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "run.hpp"

namespace promtls::test {
namespace {

std::string ssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

void set_timeouts(int fd, int timeout_ms) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

int tcp_connect(int port, int receive_buffer_bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (receive_buffer_bytes > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

HttpResponse parse_response(const std::string& text) {
  HttpResponse r;
  const auto end = text.find("\r\n\r\n");
  if (text.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return r;
  r.status = std::atoi(text.c_str() + 9);
  r.headers = text.substr(0, end + 2);
  r.body = text.substr(end + 4);
  return r;
}

std::string raw_exchange(int port, const std::string& request, int timeout_ms) {
  const int fd = tcp_connect(port);
  if (fd < 0) return {};
  set_timeouts(fd, timeout_ms);
  std::size_t off = 0;
  while (off < request.size()) {
    const ssize_t n = send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return out;
}

TlsConnection::TlsConnection(int port, const ClientOptions& o) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ctx_ = ctx;
  if (o.min_version != 0) SSL_CTX_set_min_proto_version(ctx, o.min_version);
  if (o.max_version != 0) SSL_CTX_set_max_proto_version(ctx, o.max_version);
  if (!o.tls12_ciphers.empty()) SSL_CTX_set_cipher_list(ctx, o.tls12_ciphers.c_str());
  if (!o.groups.empty()) SSL_CTX_set1_groups_list(ctx, o.groups.c_str());
  if (!o.ca_file.empty()) {
    SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  if (!o.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      error_ = "client credentials: " + ssl_errors();
      return;
    }
  }
  fd_ = tcp_connect(port, o.receive_buffer_bytes);
  if (fd_ < 0) {
    error_ = "connect failed";
    return;
  }
  set_timeouts(fd_, o.timeout_ms);
  SSL* ssl = SSL_new(ctx);
  ssl_ = ssl;
  SSL_set_fd(ssl, fd_);
  SSL_set_tlsext_host_name(ssl, o.server_name.c_str());
  if (!o.ca_file.empty()) SSL_set1_host(ssl, o.server_name.c_str());
  if (!o.session.empty()) {
    const auto* p = reinterpret_cast<const unsigned char*>(o.session.data());
    if (SSL_SESSION* s = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(o.session.size()))) {
      SSL_set_session(ssl, s);
      SSL_SESSION_free(s);
    }
  }
  if (SSL_connect(ssl) == 1) {
    handshake_ok_ = true;
  } else {
    error_ = "handshake: " + ssl_errors();
  }
}

TlsConnection::~TlsConnection() {
  if (ssl_ != nullptr) {
    SSL_free(static_cast<SSL*>(ssl_));
  }
  if (fd_ >= 0) close(fd_);
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

std::string TlsConnection::version() const {
  return ssl_ != nullptr ? SSL_get_version(static_cast<SSL*>(ssl_)) : "";
}
std::string TlsConnection::cipher() const {
  const char* c = ssl_ != nullptr ? SSL_get_cipher_name(static_cast<SSL*>(ssl_)) : nullptr;
  return c != nullptr ? c : "";
}
std::string TlsConnection::group() const {
  if (ssl_ == nullptr) return "";
  SSL* ssl = static_cast<SSL*>(ssl_);
  const int g = static_cast<int>(SSL_get_negotiated_group(ssl));
  const char* name = g != 0 ? SSL_group_to_name(ssl, g) : nullptr;
  return name != nullptr ? name : "";
}
std::string TlsConnection::peer_serial() const {
  if (ssl_ == nullptr) return "";
  X509* cert = SSL_get0_peer_certificate(static_cast<SSL*>(ssl_));
  if (cert == nullptr) return "";
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (out.size() > 1 && out[0] == '0') out.erase(0, 1);
  return out;
}

int TlsConnection::peer_chain_length() const {
  if (ssl_ == nullptr) return 0;
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(static_cast<SSL*>(ssl_));
  return chain != nullptr ? sk_X509_num(chain) : 0;
}

std::string TlsConnection::session() const {
  if (ssl_ == nullptr) return "";
  SSL_SESSION* s = SSL_get0_session(static_cast<SSL*>(ssl_));
  if (s == nullptr || SSL_SESSION_is_resumable(s) != 1) return "";
  const int n = i2d_SSL_SESSION(s, nullptr);
  if (n <= 0) return "";
  std::string out(static_cast<std::size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_SSL_SESSION(s, &p);
  return out;
}

bool TlsConnection::resumed() const {
  return ssl_ != nullptr && SSL_session_reused(static_cast<SSL*>(ssl_)) == 1;
}

bool TlsConnection::send(const std::string& bytes) {
  if (!handshake_ok_) return false;
  if (SSL_write(static_cast<SSL*>(ssl_), bytes.data(), static_cast<int>(bytes.size())) <= 0) {
    error_ = "write: " + ssl_errors();
    return false;
  }
  return true;
}

HttpResponse TlsConnection::request(const std::string& path, const std::string& method) {
  if (!send(method + " " + path +
            " HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n")) {
    return {};
  }
  return read_response(method == "HEAD");
}

HttpResponse TlsConnection::read_response(bool head) {
  HttpResponse r;
  if (!handshake_ok_) return r;
  SSL* ssl = static_cast<SSL*>(ssl_);
  std::string& buf = pending_;
  for (;;) {
    const auto end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::size_t length = 0;
      static const std::regex kLength("content-length: *([0-9]+)", std::regex::icase);
      std::smatch m;
      const std::string header = buf.substr(0, end);
      if (std::regex_search(header, m, kLength)) length = std::stoul(m[1]);
      if (head) length = 0;
      if (buf.size() >= end + 4 + length) {
        r = parse_response(buf.substr(0, end + 4 + length));
        buf.erase(0, end + 4 + length);
        return r;
      }
    }
    char tmp[16384];
    const int n = SSL_read(ssl, tmp, sizeof tmp);
    if (n <= 0) {
      error_ = "read: " + std::to_string(SSL_get_error(ssl, n)) + " " + ssl_errors();
      return r;
    }
    buf.append(tmp, static_cast<std::size_t>(n));
  }
}

bool TlsConnection::wait_closed() {
  if (!handshake_ok_) return false;
  SSL* ssl = static_cast<SSL*>(ssl_);
  for (;;) {
    char tmp[16384];
    const int n = SSL_read(ssl, tmp, sizeof tmp);
    if (n > 0) {
      pending_.append(tmp, static_cast<std::size_t>(n));
      continue;
    }
    const int err = SSL_get_error(ssl, n);
    const bool timed_out = err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK);
    ERR_clear_error();
    return !timed_out;
  }
}

HttpResponse https_get(int port, const std::string& path, const ClientOptions& options,
                       std::string* error) {
  TlsConnection c(port, options);
  HttpResponse r = c.request(path);
  if (error != nullptr) *error = c.error();
  return r;
}

Serve start_serve(const std::vector<std::string>& args, const std::string& log_path,
                  const std::vector<std::string>& env) {
  std::vector<std::string> argv{promtls_binary(), "serve", "--no-env", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  const bool probe = std::find(args.begin(), args.end(), "--probe-listen") != args.end();
  Serve s;
  s.process = std::make_unique<Process>(argv, env, log_path);
  const bool json = std::find(args.begin(), args.end(), "json") != args.end();
  const std::string main_needle = json ? "\"listener\":\"main\"" : "listener=main";
  const std::string probe_needle = json ? "\"listener\":\"probe\"" : "listener=probe";
  if (!s.process->wait_for_log(main_needle, 10000) ||
      (probe && !s.process->wait_for_log(probe_needle, 10000))) {
    throw std::runtime_error("serve did not start:\n" + s.process->log());
  }
  static const std::regex kListen(
      "address.{1,3}127\\.0\\.0\\.1:([0-9]+).{1,3}listener.{1,3}(main|probe)");
  const std::string log = s.process->log();
  for (std::sregex_iterator it(log.begin(), log.end(), kListen), end; it != end; ++it) {
    ((*it)[2] == "main" ? s.port : s.probe_port) = std::stoi((*it)[1]);
  }
  return s;
}

}  // namespace promtls::test
