// The one builder of client-side TLS contexts, for selftest's prober and inspect --connect:
// trust anchors (a CA file or the system store), our credentials (files, or an identity held in
// memory), protocol versions (0 means what it means in core::TlsConfig), TLS 1.2 suites and
// groups.
//
// A context never aborts a handshake on a bad chain: the chain is verified, the result kept on
// the connection, and the caller reports it (spec/ecosystem.md §6). Renegotiation, compression
// and session tickets are off. Internal to the net layer; build() is reentrant and a built
// context may be shared between threads.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

#include "detail/openssl.hpp"

namespace promtls::net::detail {

struct ClientContextSpec {
  std::string ca_file;    // trusted CAs (PEM); "" = the system's default trust store
  std::string cert_file;  // our certificate chain (PEM); "" = none
  std::string key_file;   // its private key (PEM); required with cert_file
  // An in-memory identity used instead of the files (both set, or neither); not owned.
  X509* identity_cert = nullptr;
  EVP_PKEY* identity_key = nullptr;
  std::uint16_t min_version = 0;    // code points; 0 as in core::TlsConfig (TLS 1.2)
  std::uint16_t max_version = 0;    // 0 as in core::TlsConfig (the library's maximum)
  std::string tls12_ciphers;        // an OpenSSL cipher list; "" = the library's defaults
  std::string groups;               // an OpenSSL groups list; "" = the library's defaults
  std::int64_t verify_at_unix = 0;  // the chain is verified at this instant; 0 = the current time
  bool alpn_http11 = false;         // offer ALPN "http/1.1"
};

// Builds the context. Throws promtls::Error (exit 3) naming the flag and the file when the CA
// file holds no certificate, our chain or key cannot be loaded or do not match, or OpenSSL
// accepts none of the suites or groups.
tls::detail::SslCtxPtr build_client_context(const ClientContextSpec& spec);

}  // namespace promtls::net::detail
