#include "connection.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "cert_info.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/tls_catalog.hpp"

namespace promtls::net::detail {
namespace {

int ms_left(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

bool wait_fd(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int left = ms_left(deadline);
    if (left == 0) return false;
    const int rc = ::poll(&p, 1, left);
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return false;
  }
}

extern "C" void trace_message(int write_p, int /*version*/, int content_type, const void* buf,
                              std::size_t len, SSL* /*ssl*/, void* arg) noexcept {
  auto* trace = static_cast<Trace*>(arg);
  if (trace == nullptr || write_p != 0 || len == 0) return;
  const auto* bytes = static_cast<const unsigned char*>(buf);
  if (content_type == SSL3_RT_HANDSHAKE) {
    if (bytes[0] == SSL3_MT_SERVER_HELLO) trace->server_hello = true;
    if (bytes[0] == SSL3_MT_CERTIFICATE_REQUEST) trace->certificate_request = true;
  } else if (content_type == SSL3_RT_ALERT && len >= 2) {
    trace->alert = bytes[1];
  }
}

// The IANA code point of a negotiated group, from the catalog by the name OpenSSL reports; 0
// when the catalog does not know it.
std::uint16_t group_id_of(SSL* ssl, int nid) {
  if ((nid & TLSEXT_nid_unknown) != 0) return static_cast<std::uint16_t>(nid & 0xFFFF);
  const char* name = ::SSL_group_to_name(ssl, nid);
  const core::Group* group = name != nullptr ? core::find_group_by_openssl_name(name) : nullptr;
  return group != nullptr ? group->id : std::uint16_t{0};
}

// The TLS SignatureScheme name (RFC 8446 §4.2.3) of the server's handshake signature.
std::string signature_scheme(SSL* ssl, const core::CertInfo* leaf) {
  int type = NID_undef;
  int hash = NID_undef;
  if (::SSL_get_peer_signature_type_nid(ssl, &type) != 1) return {};
  ::SSL_get_peer_signature_nid(ssl, &hash);
  const std::string h = hash == NID_sha256   ? "sha256"
                        : hash == NID_sha384 ? "sha384"
                        : hash == NID_sha512 ? "sha512"
                        : hash == NID_sha1   ? "sha1"
                                             : "";
  switch (type) {
    case EVP_PKEY_RSA_PSS:
      return "rsa_pss_" +
             std::string(leaf != nullptr && leaf->key.type == "RSA-PSS" ? "pss_" : "rsae_") + h;
    case EVP_PKEY_RSA:
      return "rsa_pkcs1_" + h;
    case EVP_PKEY_EC:
      if (hash == NID_sha256) return "ecdsa_secp256r1_sha256";
      if (hash == NID_sha384) return "ecdsa_secp384r1_sha384";
      if (hash == NID_sha512) return "ecdsa_secp521r1_sha512";
      return "ecdsa_" + h;
    case EVP_PKEY_ED25519:
      return "ed25519";
    case EVP_PKEY_ED448:
      return "ed448";
    default: {
      const char* sn = ::OBJ_nid2sn(type);
      return std::string(sn != nullptr ? sn : "unknown") + (h.empty() ? "" : "+" + h);
    }
  }
}

void cipher_facts(const SSL_CIPHER* cipher, core::TlsFacts& facts) {
  const char* name = ::SSL_CIPHER_standard_name(cipher);
  facts.cipher = name != nullptr ? name : ::SSL_CIPHER_get_name(cipher);
  facts.cipher_id = ::SSL_CIPHER_get_protocol_id(cipher);
}

}  // namespace

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool is_ip_literal(const std::string& host) {
  in6_addr a6{};
  in_addr a4{};
  return ::inet_pton(AF_INET, host.c_str(), &a4) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

std::string alert_words(int alert) {
  if (alert == TLS13_AD_CERTIFICATE_REQUIRED) return "certificate required";
  const char* text = ::SSL_alert_desc_string_long(alert);
  std::string out = text != nullptr ? text : "";
  if (out.empty() || out == "unknown") out = "alert " + std::to_string(alert);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

Connection::~Connection() {
  ssl_.reset();
  if (fd_ >= 0) ::close(fd_);
}

bool Connection::wait(short events, Clock::time_point deadline) const {
  return wait_fd(fd_, events, deadline);
}

bool Connection::connect(const HostPort& target, Clock::time_point deadline,
                         ConnectFailure& failure) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(target.port);
  const int rc = ::getaddrinfo(target.host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    failure = {false, ::gai_strerror(rc)};
    return false;
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(list, ::freeaddrinfo);
  std::string last = "no address";
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      fd_ = fd;
      return true;
    }
    if (errno != EINPROGRESS) {
      last = std::strerror(errno);
      ::close(fd);
      continue;
    }
    if (!wait_fd(fd, POLLOUT, deadline)) {
      last = "timed out";
      ::close(fd);
      continue;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last = std::strerror(err);
      ::close(fd);
      continue;
    }
    fd_ = fd;
    return true;
  }
  failure = {true, last};
  return false;
}

// Drives one OpenSSL call to completion or the deadline. Returns its result (> 0 on success),
// with the SSL_get_error code in `error`.
template <typename Fn>
int Connection::ssl_call(Fn fn, Clock::time_point deadline, int& error, bool& timed_out) {
  timed_out = false;
  for (;;) {
    const int rc = fn();
    if (rc > 0) return rc;
    error = ::SSL_get_error(ssl_.get(), rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      if (!wait(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        timed_out = true;
        return rc;
      }
      continue;
    }
    return rc;
  }
}

// Why the last SSL call failed, in words.
std::string Connection::ssl_failure(int error, bool timed_out, int saved_errno) {
  if (timed_out) return "timed out";
  std::string queue = tls::detail::drain_errors();
  std::string out;
  if (trace_.alert >= 0) out = "the server sent alert \"" + alert_words(trace_.alert) + "\"";
  if (!queue.empty() && out.empty()) out = queue;
  if (!out.empty()) return out;
  if (error == SSL_ERROR_ZERO_RETURN) return "the server closed the connection";
  if (error == SSL_ERROR_SYSCALL) {
    return saved_errno != 0 ? std::string(std::strerror(saved_errno))
                            : "the server closed the connection";
  }
  return "TLS error " + std::to_string(error);
}

bool Connection::handshake(SSL_CTX* ctx, const HandshakeOptions& options,
                           Clock::time_point deadline, std::string& error_text) {
  ssl_.reset(::SSL_new(ctx));
  if (!ssl_) throw Error("cannot create a TLS connection: " + tls::detail::drain_errors());
  ::SSL_set_fd(ssl_.get(), fd_);
  if (!options.sni.empty()) {
    // SSL_set_tlsext_host_name without its C cast.
    ::SSL_ctrl(ssl_.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(options.sni.c_str()));
  }
  if (options.verify_hostname && !options.verify_name.empty()) {
    if (is_ip_literal(options.verify_name)) {
      ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl_.get()), options.verify_name.c_str());
    } else {
      ::SSL_set1_host(ssl_.get(), options.verify_name.c_str());
    }
  }
  ::SSL_set_msg_callback(ssl_.get(), trace_message);
  ::SSL_ctrl(ssl_.get(), SSL_CTRL_SET_MSG_CALLBACK_ARG, 0, &trace_);
  int error = 0;
  bool timed_out = false;
  errno = 0;
  const int rc = ssl_call([&] { return ::SSL_connect(ssl_.get()); }, deadline, error, timed_out);
  if (rc == 1) return true;
  error_text = ssl_failure(error, timed_out, errno);
  if (error_text.find("wrong version number") != std::string::npos) {
    error_text += " (the server does not speak TLS on this port?)";
  }
  return false;
}

void Connection::describe(const std::string& verify_name, core::TlsFacts& facts) const {
  SSL* ssl = ssl_.get();
  facts.server_hello = trace_.server_hello;
  facts.client_cert_requested = trace_.certificate_request;
  facts.client_cert_sent = trace_.certificate_request && ::SSL_get_certificate(ssl) != nullptr;
  if (facts.server_hello) {
    facts.version = ::SSL_get_version(ssl);
    facts.version_id = static_cast<std::uint16_t>(::SSL_version(ssl));
    if (const SSL_CIPHER* cipher = ::SSL_get_current_cipher(ssl)) {
      cipher_facts(cipher, facts);
    } else if (const SSL_SESSION* session = ::SSL_get_session(ssl)) {
      if (const SSL_CIPHER* c = ::SSL_SESSION_get0_cipher(session)) cipher_facts(c, facts);
    }
  }
  if (facts.completed) {
    const int nid = static_cast<int>(SSL_get_negotiated_group(ssl));
    if (nid != 0 && nid != NID_undef) {
      facts.group_id = group_id_of(ssl, nid);
      if (const core::Group* g = core::find_group(facts.group_id)) {
        facts.group = std::string(g->openssl_name);
      } else if (const char* name = ::SSL_group_to_name(ssl, nid)) {
        facts.group = name;
      }
    }
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    ::SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn != nullptr) facts.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  }
  facts.chain.clear();
  // Even a failed handshake may have received the server's chain (TLS 1.2 before a client
  // certificate alert, for one).
  if (STACK_OF(X509)* chain = ::SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      facts.chain.push_back(tls::detail::cert_info(sk_X509_value(chain, i)));
    }
  }
  if (facts.chain.empty()) return;
  if (facts.completed) facts.signature_algorithm = signature_scheme(ssl, &facts.chain.front());
  const long result = ::SSL_get_verify_result(ssl);
  facts.verified = result == X509_V_OK;
  if (!facts.verified) facts.verify_error = ::X509_verify_cert_error_string(result);
  facts.verify_name = verify_name;
  X509* leaf = ::SSL_get0_peer_certificate(ssl);
  if (leaf != nullptr) {
    facts.hostname_match =
        is_ip_literal(verify_name)
            ? ::X509_check_ip_asc(leaf, verify_name.c_str(), 0) == 1
            : ::X509_check_host(leaf, verify_name.c_str(), verify_name.size(), 0, nullptr) == 1;
  }
}

std::string Connection::write_all(std::string_view data, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < data.size()) {
    if (ssl_) {
      int error = 0;
      bool timed_out = false;
      std::size_t written = 0;
      errno = 0;
      const int rc = ssl_call(
          [&] {
            return ::SSL_write_ex(ssl_.get(), data.data() + done, data.size() - done, &written);
          },
          deadline, error, timed_out);
      if (rc <= 0) return ssl_failure(error, timed_out, errno);
      done += written;
    } else {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (!wait(POLLOUT, deadline)) return "timed out";
      } else {
        return std::strerror(errno);
      }
    }
  }
  return {};
}

long Connection::read_some(char* buf, std::size_t size, Clock::time_point deadline,
                           std::string& why) {
  if (ssl_) {
    int error = 0;
    bool timed_out = false;
    std::size_t got = 0;
    errno = 0;
    const int rc = ssl_call([&] { return ::SSL_read_ex(ssl_.get(), buf, size, &got); }, deadline,
                            error, timed_out);
    if (rc > 0) return static_cast<long>(got);
    if (!timed_out && error == SSL_ERROR_ZERO_RETURN) return 0;
    why = ssl_failure(error, timed_out, errno);
    return -1;
  }
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, size, 0);
    if (n >= 0) return static_cast<long>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      if (!wait(POLLIN, deadline)) {
        why = "timed out";
        return -1;
      }
      continue;
    }
    why = std::strerror(errno);
    return -1;
  }
}

void Connection::shutdown() {
  if (ssl_) ::SSL_shutdown(ssl_.get());
  ::ERR_clear_error();
}

}  // namespace promtls::net::detail
