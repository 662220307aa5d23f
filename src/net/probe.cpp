#include "promtls/net/probe.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "cert_info.hpp"
#include "detail/openssl.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/tls_catalog.hpp"
#include "promtls/tls/pem.hpp"

namespace promtls::net {
namespace {

using Clock = std::chrono::steady_clock;
using tls::detail::BioPtr;
using tls::detail::EvpPkeyPtr;
using tls::detail::SslCtxPtr;
using tls::detail::SslPtr;
using tls::detail::X509Ptr;

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int ms_left(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

bool is_ip_literal(const std::string& host) {
  in6_addr a6{};
  in_addr a4{};
  return ::inet_pton(AF_INET, host.c_str(), &a4) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

// What the message callback saw during a handshake and afterwards.
struct Trace {
  bool server_hello = false;
  bool certificate_request = false;
  int alert = -1;  // the last alert description the server sent
};

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

std::string alert_words(int alert) {
  if (alert == TLS13_AD_CERTIFICATE_REQUIRED) return "certificate required";
  const char* text = ::SSL_alert_desc_string_long(alert);
  std::string out = text != nullptr ? text : "";
  if (out.empty() || out == "unknown") out = "alert " + std::to_string(alert);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

// A TCP connection, optionally with TLS on top, with deadline-bounded I/O.
struct Connection {
  int fd = -1;
  SslPtr ssl;
  Trace trace;
  bool peer_closed = false;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    ssl.reset();
    if (fd >= 0) ::close(fd);
  }

  bool wait(short events, Clock::time_point deadline) const {
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

  // Drives one OpenSSL call to completion or the deadline. Returns its result (> 0 on success),
  // with the SSL_get_error code in `error`.
  template <typename Fn>
  int ssl_call(Fn fn, Clock::time_point deadline, int& error, bool& timed_out) {
    timed_out = false;
    for (;;) {
      const int rc = fn();
      if (rc > 0) return rc;
      error = ::SSL_get_error(ssl.get(), rc);
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
  std::string ssl_failure(int error, bool timed_out, int saved_errno) {
    if (timed_out) return "timed out";
    std::string queue = tls::detail::drain_errors();
    std::string out;
    if (trace.alert >= 0) out = "the server sent alert \"" + alert_words(trace.alert) + "\"";
    if (!queue.empty() && out.empty()) out = queue;
    if (!out.empty()) return out;
    if (error == SSL_ERROR_ZERO_RETURN) return "the server closed the connection";
    if (error == SSL_ERROR_SYSCALL) {
      return saved_errno != 0 ? std::string(std::strerror(saved_errno))
                              : "the server closed the connection";
    }
    return "TLS error " + std::to_string(error);
  }

  // Writes everything; returns "" or the reason it could not.
  std::string write_all(std::string_view data, Clock::time_point deadline) {
    std::size_t done = 0;
    while (done < data.size()) {
      if (ssl) {
        int error = 0;
        bool timed_out = false;
        std::size_t written = 0;
        errno = 0;
        const int rc = ssl_call(
            [&] {
              return ::SSL_write_ex(ssl.get(), data.data() + done, data.size() - done, &written);
            },
            deadline, error, timed_out);
        if (rc <= 0) return ssl_failure(error, timed_out, errno);
        done += written;
      } else {
        const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
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

  // Reads some bytes: > 0 bytes read, 0 orderly end of stream, -1 error (reason in `why`).
  long read_some(char* buf, std::size_t size, Clock::time_point deadline, std::string& why) {
    if (ssl) {
      int error = 0;
      bool timed_out = false;
      std::size_t got = 0;
      errno = 0;
      const int rc = ssl_call([&] { return ::SSL_read_ex(ssl.get(), buf, size, &got); }, deadline,
                              error, timed_out);
      if (rc > 0) return static_cast<long>(got);
      if (!timed_out && error == SSL_ERROR_ZERO_RETURN) return 0;
      why = ssl_failure(error, timed_out, errno);
      return -1;
    }
    for (;;) {
      const ssize_t n = ::recv(fd, buf, size, 0);
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
};

// Resolves and connects; returns "" or the reason. Sets `resolved`.
std::string connect_tcp(Connection& conn, const std::string& host, std::uint16_t port,
                        Clock::time_point deadline, bool& resolved) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    resolved = false;
    return "cannot resolve " + host + ": " + ::gai_strerror(rc);
  }
  resolved = true;
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
      conn.fd = fd;
      return {};
    }
    if (errno != EINPROGRESS) {
      last = std::strerror(errno);
      ::close(fd);
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, ms_left(deadline));
    if (ready <= 0) {
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
    conn.fd = fd;
    return {};
  }
  return "cannot connect to " + join_host_port(host, port) + ": " + last;
}

std::uint16_t group_id_of(int nid) {
  if ((nid & TLSEXT_nid_unknown) != 0) return static_cast<std::uint16_t>(nid & 0xFFFF);
  switch (nid) {
    case NID_X9_62_prime256v1:
      return 23;
    case NID_secp384r1:
      return 24;
    case NID_secp521r1:
      return 25;
    case NID_X25519:
      return 29;
    case NID_X448:
      return 30;
    default:
      return 0;
  }
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

// Fills the TLS facts available after the handshake (or after it failed).
void describe_session(Connection& conn, const std::string& verify_name, core::TlsFacts& facts) {
  SSL* ssl = conn.ssl.get();
  facts.server_hello = conn.trace.server_hello;
  facts.client_cert_requested = conn.trace.certificate_request;
  facts.client_cert_sent = conn.trace.certificate_request && ::SSL_get_certificate(ssl) != nullptr;
  if (facts.server_hello) {
    facts.version = ::SSL_get_version(ssl);
    facts.version_id = static_cast<std::uint16_t>(::SSL_version(ssl));
    if (const SSL_CIPHER* cipher = ::SSL_get_current_cipher(ssl)) {
      const char* name = ::SSL_CIPHER_standard_name(cipher);
      facts.cipher = name != nullptr ? name : ::SSL_CIPHER_get_name(cipher);
      facts.cipher_id = ::SSL_CIPHER_get_protocol_id(cipher);
    } else if (const SSL_SESSION* session = ::SSL_get_session(ssl)) {
      if (const SSL_CIPHER* c = ::SSL_SESSION_get0_cipher(session)) {
        const char* name = ::SSL_CIPHER_standard_name(c);
        facts.cipher = name != nullptr ? name : ::SSL_CIPHER_get_name(c);
        facts.cipher_id = ::SSL_CIPHER_get_protocol_id(c);
      }
    }
  }
  if (facts.completed) {
    const int nid = static_cast<int>(SSL_get_negotiated_group(ssl));
    if (nid != 0 && nid != NID_undef) {
      facts.group_id = group_id_of(nid);
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

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined
  std::string body;
  bool keep_alive = true;
};

// Reads one HTTP/1.1 response (RFC 9112: Content-Length, chunked, or until close). Returns ""
// or the reason; `first_byte` is set when the first byte arrives.
std::string read_response(Connection& conn, std::string& buffer, Clock::time_point deadline,
                          Response& response, std::optional<Clock::time_point>* first_byte) {
  char chunk[16384];
  std::string why;
  const auto fill = [&]() -> long {
    const long n = conn.read_some(chunk, sizeof chunk, deadline, why);
    if (n > 0) {
      if (first_byte != nullptr && !first_byte->has_value()) *first_byte = Clock::now();
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    return n;
  };
  std::size_t header_end = std::string::npos;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHeaderBytes) return "response headers larger than 64 KiB";
    const long n = fill();
    if (n < 0) return why;
    if (n == 0) {
      return buffer.empty() ? "the server closed the connection without a response"
                            : "the connection closed inside the response headers";
    }
  }
  const std::string head = buffer.substr(0, header_end);
  buffer.erase(0, header_end + 4);
  std::size_t pos = head.find("\r\n");
  const std::string status_line = head.substr(0, pos);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12 || status_line[8] != ' ') {
    return "not an HTTP/1.x response: \"" + status_line.substr(0, 40) + "\"";
  }
  try {
    response.status = std::stoi(status_line.substr(9, 3));
  } catch (const std::exception&) {
    return "malformed status line \"" + status_line.substr(0, 40) + "\"";
  }
  response.keep_alive = status_line.rfind("HTTP/1.0", 0) != 0;
  while (pos != std::string::npos) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string line =
        head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    pos = next;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string value = trim(line.substr(colon + 1));
    auto [it, inserted] = response.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  if (const auto it = response.headers.find("connection"); it != response.headers.end()) {
    const std::string v = lower(it->second);
    if (v.find("close") != std::string::npos) response.keep_alive = false;
    if (v.find("keep-alive") != std::string::npos) response.keep_alive = true;
  }
  const auto te = response.headers.find("transfer-encoding");
  const auto cl = response.headers.find("content-length");
  if (response.status == 204 || response.status == 304 || response.status / 100 == 1) return {};
  if (te != response.headers.end() && lower(te->second).find("chunked") != std::string::npos) {
    for (;;) {
      std::size_t eol;
      while ((eol = buffer.find("\r\n")) == std::string::npos) {
        const long n = fill();
        if (n <= 0) return n < 0 ? why : "the connection closed inside a chunked body";
      }
      std::size_t size = 0;
      try {
        size = std::stoul(buffer.substr(0, eol), nullptr, 16);
      } catch (const std::exception&) {
        return "malformed chunk size";
      }
      if (response.body.size() + size > kMaxBodyBytes) return "response body larger than 64 MiB";
      while (buffer.size() < eol + 2 + size + 2) {
        const long n = fill();
        if (n <= 0) return n < 0 ? why : "the connection closed inside a chunked body";
      }
      if (size == 0) {
        // Trailers (rare) end with an empty line; we consumed "0\r\n" and expect "\r\n".
        std::size_t trailer_end;
        while ((trailer_end = buffer.find("\r\n", eol + 2)) == std::string::npos) {
          const long n = fill();
          if (n <= 0) return n < 0 ? why : "the connection closed inside chunk trailers";
        }
        buffer.erase(0, trailer_end + 2);
        return {};
      }
      response.body.append(buffer, eol + 2, size);
      buffer.erase(0, eol + 2 + size + 2);
    }
  }
  if (cl != response.headers.end()) {
    std::size_t length = 0;
    try {
      length = std::stoul(cl->second);
    } catch (const std::exception&) {
      return "malformed Content-Length \"" + cl->second + "\"";
    }
    if (length > kMaxBodyBytes) return "response body larger than 64 MiB";
    while (buffer.size() < length) {
      const long n = fill();
      if (n < 0) return why;
      if (n == 0) return "the connection closed before the whole body arrived";
    }
    response.body = buffer.substr(0, length);
    buffer.erase(0, length);
    return {};
  }
  // No length: the body runs to the end of the connection.
  for (;;) {
    if (buffer.size() > kMaxBodyBytes) return "response body larger than 64 MiB";
    const long n = fill();
    if (n < 0) return why;
    if (n == 0) break;
  }
  response.body = std::move(buffer);
  buffer.clear();
  response.keep_alive = false;
  return {};
}

std::string request_text(const ProbeTarget& target, const std::string& host_header,
                         bool keep_alive) {
  return "GET " + target.path + " HTTP/1.1\r\nHost: " + host_header +
         "\r\nUser-Agent: promtls-selftest\r\n"
         "Accept: text/plain;version=0.0.4;q=1.0,*/*;q=0.1\r\n"
         "Accept-Encoding: identity\r\nConnection: " +
         (keep_alive ? "keep-alive" : "close") + "\r\n\r\n";
}

// An in-memory CA the server cannot know, and a client certificate it issued.
struct ForeignIdentity {
  EvpPkeyPtr key;
  X509Ptr cert;
};

X509Ptr make_cert(EVP_PKEY* subject_key, EVP_PKEY* issuer_key, X509* issuer, const char* cn,
                  bool ca, std::int64_t not_before, std::int64_t not_after, long serial) {
  X509Ptr cert(::X509_new());
  if (!cert) return nullptr;
  ::X509_set_version(cert.get(), 2);
  ::ASN1_INTEGER_set(::X509_get_serialNumber(cert.get()), serial);
  ::ASN1_TIME_set(::X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before));
  ::ASN1_TIME_set(::X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after));
  X509_NAME* name = ::X509_get_subject_name(cert.get());
  ::X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("promtls selftest"), -1, -1,
                               0);
  ::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
  ::X509_set_issuer_name(cert.get(), issuer != nullptr ? ::X509_get_subject_name(issuer) : name);
  ::X509_set_pubkey(cert.get(), subject_key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  ::X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  const auto add = [&](int nid, const char* value) {
    if (X509_EXTENSION* ext = ::X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)) {
      ::X509_add_ext(cert.get(), ext, -1);
      ::X509_EXTENSION_free(ext);
    }
  };
  if (ca) {
    add(NID_basic_constraints, "critical,CA:TRUE");
    add(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add(NID_basic_constraints, "critical,CA:FALSE");
    add(NID_key_usage, "critical,digitalSignature");
    add(NID_ext_key_usage, "clientAuth");
  }
  if (::X509_sign(cert.get(), issuer_key, ::EVP_sha256()) <= 0) return nullptr;
  return cert;
}

ForeignIdentity make_foreign_identity(std::int64_t wall_clock) {
  ForeignIdentity id;
  EvpPkeyPtr ca_key(::EVP_EC_gen("P-256"));
  id.key.reset(::EVP_EC_gen("P-256"));
  if (!ca_key || !id.key) throw Error("cannot generate a key: " + tls::detail::drain_errors());
  // Valid now by the server's clock, so that the only thing wrong is the issuer.
  const X509Ptr ca = make_cert(ca_key.get(), ca_key.get(), nullptr, "promtls selftest foreign CA",
                               true, wall_clock - 3600, wall_clock + 86400, 1);
  if (!ca) throw Error("cannot make the foreign CA: " + tls::detail::drain_errors());
  id.cert = make_cert(id.key.get(), ca_key.get(), ca.get(), "promtls-selftest-foreign-client",
                      false, wall_clock - 3600, wall_clock + 86400, 2);
  if (!id.cert) throw Error("cannot make the foreign client certificate");
  return id;
}

struct CtxSpec {
  bool with_cert = true;  // our credentials
  const ForeignIdentity* foreign = nullptr;
  int min_version = TLS1_2_VERSION;
  int max_version = 0;  // 0 = the library maximum
  std::string ciphers;  // TLS 1.2 list; "" = defaults
};

}  // namespace

std::optional<std::pair<std::string, std::uint16_t>> split_host_port(std::string_view text) {
  std::string host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(0, colon));
    if (host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs brackets
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return std::make_pair(host, static_cast<std::uint16_t>(value));
}

std::string join_host_port(const std::string& host, std::uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

struct Prober::Impl {
  ProbeTarget target;
  ClientTlsOptions options;
  std::string verify_name;
  std::string sni;  // "" for IP literals
  std::string host_header;
  std::optional<core::CertInfo> client_cert;
  std::unique_ptr<ForeignIdentity> foreign;

  SslCtxPtr make_ctx(const CtxSpec& spec) const {
    SslCtxPtr ctx(::SSL_CTX_new(::TLS_client_method()));
    if (!ctx) throw Error("cannot create a TLS context: " + tls::detail::drain_errors());
    ::SSL_CTX_set_min_proto_version(ctx.get(), spec.min_version);
    if (spec.max_version != 0) ::SSL_CTX_set_max_proto_version(ctx.get(), spec.max_version);
    // Never abort the handshake on a bad chain: it is verified (the result kept) and reported.
    ::SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    ::SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION |
                                         SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
    X509_VERIFY_PARAM* param = ::SSL_CTX_get0_param(ctx.get());
    ::X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(options.verify_at_unix));
    if (options.ca_file.empty()) {
      ::SSL_CTX_set_default_verify_paths(ctx.get());
    } else if (::SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(), nullptr) != 1) {
      throw Error("--ca " + options.ca_file + ": no CA certificates could be loaded (" +
                  tls::detail::drain_errors() + ")");
    }
    static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    ::SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof kAlpn);
    if (!spec.ciphers.empty()) {
      // Old suites (CBC-SHA1, RSA key exchange) must be offerable to prove they are refused.
      ::SSL_CTX_set_security_level(ctx.get(), 0);
      if (::SSL_CTX_set_cipher_list(ctx.get(), spec.ciphers.c_str()) != 1) {
        throw Error("the linked OpenSSL supports none of the cipher suites " + spec.ciphers);
      }
    }
    if (spec.foreign != nullptr) {
      ::SSL_CTX_use_certificate(ctx.get(), spec.foreign->cert.get());
      ::SSL_CTX_use_PrivateKey(ctx.get(), spec.foreign->key.get());
    } else if (spec.with_cert && !options.cert_file.empty()) {
      if (::SSL_CTX_use_certificate_chain_file(ctx.get(), options.cert_file.c_str()) != 1) {
        throw Error("--cert " + options.cert_file + ": cannot load the certificate chain (" +
                    tls::detail::drain_errors() + ")");
      }
      if (::SSL_CTX_use_PrivateKey_file(ctx.get(), options.key_file.c_str(), SSL_FILETYPE_PEM) !=
          1) {
        throw Error("--key " + options.key_file + ": cannot load the private key (" +
                    tls::detail::drain_errors() + ")");
      }
      if (::SSL_CTX_check_private_key(ctx.get()) != 1) {
        throw Error("--key " + options.key_file + " does not match the certificate in --cert " +
                    options.cert_file);
      }
    }
    ::ERR_clear_error();
    return ctx;
  }

  // Connects (and handshakes when `ctx` is set); fills the connect and TLS facts.
  // `describe`: extract the certificates and session facts (not needed in load mode).
  bool open(Connection& conn, SSL_CTX* ctx, Clock::time_point start, Clock::time_point deadline,
            core::Exchange& ex, bool describe = true) const {
    ex.plaintext = ctx == nullptr;
    const std::string err = connect_tcp(conn, target.host, target.port, deadline, ex.resolved);
    if (!err.empty()) {
      ex.connect_error = err;
      ex.timings.total_ms = ms_since(start);
      return false;
    }
    ex.connected = true;
    ex.timings.connect_ms = ms_since(start);
    if (ctx == nullptr) return true;
    conn.ssl.reset(::SSL_new(ctx));
    if (!conn.ssl) throw Error("cannot create a TLS connection: " + tls::detail::drain_errors());
    ::SSL_set_fd(conn.ssl.get(), conn.fd);
    if (!sni.empty()) {
      // SSL_set_tlsext_host_name without its C cast.
      ::SSL_ctrl(conn.ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(sni.c_str()));
    }
    ::SSL_set_msg_callback(conn.ssl.get(), trace_message);
    ::SSL_ctrl(conn.ssl.get(), SSL_CTRL_SET_MSG_CALLBACK_ARG, 0, &conn.trace);
    int error = 0;
    bool timed_out = false;
    errno = 0;
    const int rc =
        conn.ssl_call([&] { return ::SSL_connect(conn.ssl.get()); }, deadline, error, timed_out);
    ex.tls.completed = rc == 1;
    if (!ex.tls.completed) {
      ex.timings.total_ms = ms_since(start);
      ex.tls.error = conn.ssl_failure(error, timed_out, errno);
      if (ex.tls.error.find("wrong version number") != std::string::npos) {
        ex.tls.error += " (the server does not speak TLS on this port?)";
      }
      if (conn.trace.alert >= 0) ex.tls.alert = alert_words(conn.trace.alert);
    } else {
      ex.timings.handshake_ms = ms_since(start);
    }
    if (describe) describe_session(conn, verify_name, ex.tls);
    return ex.tls.completed;
  }

  // One request on an open connection: fills the HTTP facts and timings.
  void request(Connection& conn, std::string& buffer, bool keep_alive, Clock::time_point start,
               Clock::time_point deadline, core::Exchange& ex, Response* out = nullptr) const {
    std::string err = conn.write_all(request_text(target, host_header, keep_alive), deadline);
    Response response;
    std::optional<Clock::time_point> first_byte;
    if (err.empty()) {
      err = read_response(conn, buffer, deadline, response, &first_byte);
    } else {
      // The server may have refused us with an alert we have not read yet.
      std::string why;
      char scratch[512];
      if (conn.read_some(scratch, sizeof scratch, deadline, why) < 0 && conn.trace.alert >= 0) {
        err = why;
      }
    }
    if (first_byte) {
      ex.timings.first_byte_ms =
          std::chrono::duration<double, std::milli>(*first_byte - start).count();
    }
    ex.timings.total_ms = ms_since(start);
    if (conn.trace.alert >= 0 && ex.tls.alert.empty()) ex.tls.alert = alert_words(conn.trace.alert);
    if (!err.empty()) {
      ex.http.error = err;
      return;
    }
    ex.http.responded = true;
    ex.http.status = response.status;
    if (const auto it = response.headers.find("content-type"); it != response.headers.end()) {
      ex.http.content_type = it->second;
    }
    if (out != nullptr) {
      *out = std::move(response);
    } else {
      ex.http.body = std::move(response.body);
    }
  }

  core::Exchange exchange(SSL_CTX* ctx) const {
    core::Exchange ex;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::milliseconds(target.timeout_ms);
    Connection conn;
    if (!open(conn, ctx, start, deadline, ex)) return ex;
    std::string buffer;
    request(conn, buffer, false, start, deadline, ex);
    if (ctx != nullptr) describe_session(conn, verify_name, ex.tls);
    return ex;
  }
};

Prober::Prober(ProbeTarget target, ClientTlsOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->target = std::move(target);
  impl_->options = std::move(options);
  Impl& m = *impl_;
  if (m.target.path.empty() || m.target.path.front() != '/') m.target.path = "/" + m.target.path;
  m.verify_name = m.target.servername.empty() ? m.target.host : m.target.servername;
  m.sni = is_ip_literal(m.verify_name) ? "" : m.verify_name;
  m.host_header = join_host_port(m.verify_name, m.target.port);
  if (!m.options.cert_file.empty()) {
    if (m.options.key_file.empty()) throw Error("--cert needs --key", kExitUsage);
    const core::FileFacts facts = tls::read_credential_file(m.options.cert_file);
    if (!facts.readable) throw Error("--cert: " + facts.read_error);
    if (facts.certificates.empty()) {
      throw Error("--cert " + m.options.cert_file + ": no certificate found");
    }
    m.client_cert = facts.certificates.front();
  } else if (!m.options.key_file.empty()) {
    throw Error("--key needs --cert", kExitUsage);
  }
  // Fail early, with the file named, when the CA or our credentials do not load.
  m.make_ctx(CtxSpec{});
}

Prober::~Prober() = default;

const ProbeTarget& Prober::target() const { return impl_->target; }

std::optional<core::CertInfo> Prober::client_certificate() const { return impl_->client_cert; }

core::Exchange Prober::scrape() {
  const SslCtxPtr ctx = impl_->make_ctx(CtxSpec{});
  core::Exchange ex = impl_->exchange(ctx.get());
  return ex;
}

core::ProbeOutcome Prober::probe(const core::ProbePlan& plan) {
  core::ProbeOutcome outcome{plan, {}};
  CtxSpec spec;
  switch (plan.kind) {
    case core::ProbeKind::no_client_cert:
      spec.with_cert = false;
      break;
    case core::ProbeKind::foreign_client_cert:
      if (!impl_->foreign) {
        impl_->foreign = std::make_unique<ForeignIdentity>(
            make_foreign_identity(impl_->options.wall_clock_unix));
      }
      spec.foreign = impl_->foreign.get();
      break;
    case core::ProbeKind::tls12:
      spec.min_version = spec.max_version = TLS1_2_VERSION;
      break;
    case core::ProbeKind::tls13:
      spec.min_version = spec.max_version = TLS1_3_VERSION;
      break;
    case core::ProbeKind::disallowed_cipher: {
      spec.min_version = spec.max_version = TLS1_2_VERSION;
      std::string list;
      for (const auto& name : plan.openssl_ciphers) list += (list.empty() ? "" : ":") + name;
      spec.ciphers = list;
      break;
    }
    case core::ProbeKind::plaintext_http:
      outcome.exchange = impl_->exchange(nullptr);
      return outcome;
  }
  const SslCtxPtr ctx = impl_->make_ctx(spec);
  outcome.exchange = impl_->exchange(ctx.get());
  return outcome;
}

core::LoadRun Prober::load(std::size_t requests, std::size_t concurrency, bool new_connections) {
  core::LoadRun run;
  run.target = join_host_port(impl_->target.host, impl_->target.port);
  run.requests = requests;
  run.concurrency = concurrency == 0 ? 1 : concurrency;
  run.new_connections = new_connections;
  const SslCtxPtr ctx = impl_->make_ctx(CtxSpec{});
  const std::size_t n_threads = std::min(run.concurrency, requests == 0 ? 1 : requests);
  // Worker t makes request t first, so every worker opens its connection however late its
  // thread starts (C connections means C, not whoever got scheduled before the requests ran
  // out); the rest are shared out from n_threads on.
  std::atomic<std::size_t> next{n_threads};
  std::atomic<std::size_t> handshakes{0};
  std::mutex mutex;
  const Impl& m = *impl_;

  const auto worker = [&](std::size_t first) noexcept {
    std::vector<double> latencies;
    std::map<std::string, std::size_t> errors;
    std::unique_ptr<Connection> conn;
    std::string buffer;
    for (std::size_t i = first; i < requests; i = next.fetch_add(1)) {
      try {
        const auto start = Clock::now();
        const auto deadline = start + std::chrono::milliseconds(m.target.timeout_ms);
        core::Exchange ex;
        if (!conn || new_connections) {
          conn = std::make_unique<Connection>();
          buffer.clear();
          if (!m.open(*conn, ctx.get(), start, deadline, ex, false)) {
            ++errors[ex.connected ? "handshake: " + ex.tls.error : "connect: " + ex.connect_error];
            conn.reset();
            continue;
          }
          handshakes.fetch_add(1);
        } else {
          ex.connected = true;
          ex.tls.completed = true;
        }
        Response response;
        m.request(*conn, buffer, !new_connections, start, deadline, ex, &response);
        if (!ex.http.responded) {
          ++errors["http: " + ex.http.error];
          conn.reset();
          continue;
        }
        if (ex.http.status < 200 || ex.http.status >= 300) {
          ++errors["http status " + std::to_string(ex.http.status)];
        } else {
          latencies.push_back(ms_since(start));
        }
        if (!response.keep_alive || new_connections) conn.reset();
      } catch (const std::exception& e) {
        ++errors[std::string("internal: ") + e.what()];
        conn.reset();
      }
    }
    const std::lock_guard<std::mutex> lock(mutex);
    run.latencies_ms.insert(run.latencies_ms.end(), latencies.begin(), latencies.end());
    for (const auto& [reason, n] : errors) run.errors[reason] += n;
  };

  const auto start = Clock::now();
  std::vector<std::thread> threads;
  threads.reserve(n_threads);
  for (std::size_t t = 0; t < n_threads; ++t) threads.emplace_back(worker, t);
  for (auto& t : threads) t.join();
  run.duration_ms = ms_since(start);
  run.handshakes = handshakes.load();
  return run;
}

}  // namespace promtls::net
