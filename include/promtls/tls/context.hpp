// Server-side TLS contexts built from a core::TlsConfig: certificate chain and key, protocol
// versions, cipher suites, groups, client authentication and the client CA bundle, with
// renegotiation and compression off and session tickets only when the config asks for them.
//
// Differences from Go's crypto/tls (the knative and Tigera servers), on purpose:
// - TLS 1.3 suites named in the cipher list restrict TLS 1.3 too (Go ignores them, spec G3).
// - A list without any TLS 1.2 suite disables TLS 1.2 (Go enables TLS 1.2 with no suites, so
//   every TLS 1.2 handshake fails; the effect on clients is the same).
// - X25519MLKEM768 is offered only when the linked OpenSSL provides it; otherwise it is
//   skipped (validate warns about it).
// - Session tickets are off unless ServerContextOptions::session_tickets (serve
//   --session-tickets, a serve option rather than part of the TLS configuration): a
//   scraper that keeps its connection alive never resumes, and issuing a ticket costs every
//   full handshake (bench/RESULTS.md). Tickets are sealed with keys drawn per context, so a
//   credential reload (a new context) ends resumption of older sessions.
// - The chain sent is exactly the certificate file's, as Go sends it; OpenSSL does not complete
//   it from the client-CA store.
//
// A ServerContext is immutable once built and may be shared between threads; build() is
// reentrant. No OpenSSL types appear here: native() returns the SSL_CTX* for the net layer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/cert_info.hpp"
#include "promtls/core/config.hpp"

namespace promtls::tls {

// How serve uses a context, beyond what the TLS configuration says.
struct ServerContextOptions {
  bool session_tickets = false;  // issue session tickets (no variable sets it: Go always does)
};

class ServerContext {
 public:
  // Loads the chain, key and (when the mode verifies) the CA bundle named in `config` and builds
  // the context. Each file is read once, judged by validate's rules
  // (core::credential_pair_refusal, core::client_ca_refusal) and the context is built from those
  // same bytes, so validate's verdict on the files is what serve does with them. Throws
  // promtls::Error (exit 3) with the refusal's message (the file and the reason: missing,
  // unreadable, not PEM, no certificate, a block that does not parse, no key, an encrypted key,
  // a key that does not match, a key file writable by others), or when OpenSSL rejects a
  // setting. `notes` (optional) receives one line per setting that was adjusted to what the
  // linked OpenSSL supports.
  static std::shared_ptr<const ServerContext> build(const core::TlsConfig& config,
                                                    const ServerContextOptions& options = {},
                                                    std::vector<std::string>* notes = nullptr);

  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  // The SSL_CTX*; owned by this object, valid while it lives.
  void* native() const { return ctx_; }
  // The serving (leaf) certificate.
  const core::CertInfo& leaf() const { return leaf_; }
  const core::TlsConfig& config() const { return config_; }

 private:
  ServerContext() = default;
  void* ctx_ = nullptr;
  core::CertInfo leaf_;
  core::TlsConfig config_;
};

// Whether a session restored from a ticket may be resumed at `now_unix`: false when the client
// certificate it carries has expired by then, since a resumed session skips verification (Go
// refuses these too). `session` is an SSL_SESSION*; a session without a client certificate is
// resumable. Performs no I/O.
bool ticket_resumable(void* session, std::int64_t now_unix);

// Why a server-side handshake failed, as a stable snake_case reason for
// promtls_tls_handshakes_total{reason}: no_client_certificate, unknown_ca, certificate_expired,
// certificate_not_yet_valid, bad_certificate, protocol_version, no_shared_cipher,
// no_shared_group, http_request, peer_alert, client_closed, other. `ssl` is the SSL* of the
// failed connection (may be null); `openssl_error` the packed OpenSSL error code (0 if none).
std::string_view handshake_failure_reason(void* ssl, unsigned long openssl_error);

// What a server-side connection `ssl` (SSL*) has negotiated so far, for
// promtls_tls_handshakes_total{version,group} and the handshake log line. A field is empty when
// the handshake has not chosen it (it failed before the ClientHello was read, or the library
// cannot say).
struct SessionFacts {
  std::string version;  // OpenSSL's spelling, as selftest reports it: "TLSv1.3", "TLSv1.2"
  std::string cipher;   // OpenSSL's name
  // The key-exchange group, by the catalog's OpenSSL name as selftest reports it
  // ("X25519MLKEM768", "X25519", "P-256"); OpenSSL's name for a group the catalog lacks.
  std::string group;
  bool client_certificate = false;
};
SessionFacts session_facts(void* ssl);

// The group list ServerContext::build() gives SSL_CTX_set1_groups_list for `config`: with no
// curve list and OpenSSL 3.5 or later, OpenSSL's default tuples written out
// (core::openssl35_default_groups(), never "DEFAULT", CVE-2026-2673); before 3.5, Go's set
// (core::server_default_groups()) as far as the library has it; otherwise the listed groups the
// library provides. Performs no I/O.
std::string server_group_list(const core::TlsConfig& config);

}  // namespace promtls::tls
