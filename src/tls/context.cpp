#include "promtls/tls/context.hpp"

#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "cert_info.hpp"
#include "detail/openssl.hpp"
#include "promtls/core/credential_rules.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/tls_catalog.hpp"
#include "promtls/tls/disk.hpp"
#include "promtls/tls/pem.hpp"
#include "verify_cache.hpp"

namespace promtls::tls {
namespace {

using detail::drain_errors;

[[noreturn]] void fail(const std::string& what) { throw Error(what, ExitCode::cannot_run); }

std::string with_reason(std::string what) {
  const std::string reason = drain_errors();
  if (!reason.empty()) what += ": " + reason;
  return what;
}

// Accepts every presented certificate: the Go modes RequestClientCert and RequireAnyClientCert
// ask for a certificate without verifying it (spec/tigera-metrics.md §2).
int accept_any(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) noexcept { return 1; }

// Decides what a decrypted session ticket may do. A resumed session skips certificate
// verification, so one whose client certificate has expired since it was issued is not resumed
// (a full handshake verifies the certificate again), as Go's crypto/tls refuses it too.
SSL_TICKET_RETURN decrypt_ticket(SSL* /*ssl*/, SSL_SESSION* session,
                                 const unsigned char* /*key_name*/, size_t /*key_name_length*/,
                                 SSL_TICKET_STATUS status, void* /*arg*/) noexcept {
  switch (status) {
    case SSL_TICKET_SUCCESS:
    case SSL_TICKET_SUCCESS_RENEW:
      if (!ticket_resumable(session, static_cast<std::int64_t>(std::time(nullptr)))) {
        return SSL_TICKET_RETURN_IGNORE_RENEW;
      }
      return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE : SSL_TICKET_RETURN_USE_RENEW;
    case SSL_TICKET_EMPTY:
    case SSL_TICKET_NO_DECRYPT:
      return SSL_TICKET_RETURN_IGNORE_RENEW;
    default:
      return SSL_TICKET_RETURN_ABORT;
  }
}

// A credential file read once: the facts validate's rules judge and the bytes the context is
// built from are the same read, so a file rotated in between cannot be judged in one version
// and served in another.
struct CredentialFile {
  std::string bytes;
  core::FileFacts facts;
};

CredentialFile read_once(const std::string& path) {
  CredentialFile out;
  out.facts = read_credential_file(path, real_file_system(), &out.bytes);
  return out;
}

// Every certificate block of `bytes` (tls::is_certificate_block()), parsed, in file order; a
// block that does not parse is a null entry.
std::vector<detail::X509Ptr> certificates_of(std::string_view bytes) {
  std::vector<detail::X509Ptr> out;
  for (const detail::PemBlock& block : detail::pem_blocks(bytes)) {
    if (is_certificate_block(block.name)) out.push_back(detail::parse_certificate_block(block));
  }
  return out;
}

// The leaf and the rest of the chain, exactly as the file lists them.
void use_chain(SSL_CTX* ctx, const CredentialFile& file) {
  std::vector<detail::X509Ptr> chain = certificates_of(file.bytes);
  // credential_pair_refusal() has made sure every block parses and there is at least one.
  if (chain.empty() || !chain.front()) fail(core::no_certificate_message(file.facts.path));
  if (::SSL_CTX_use_certificate(ctx, chain.front().get()) != 1) {
    fail(with_reason(file.facts.path + ": cannot load the certificate chain"));
  }
  ::SSL_CTX_clear_chain_certs(ctx);
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (!chain[i] || ::SSL_CTX_add1_chain_cert(ctx, chain[i].get()) != 1) {
      fail(with_reason(file.facts.path + ": cannot load the certificate chain"));
    }
  }
}

// The first private key block of `file`, as describe_credentials() read it.
void use_key(SSL_CTX* ctx, const CredentialFile& file, const std::string& cert_path) {
  for (const detail::PemBlock& block : detail::pem_blocks(file.bytes)) {
    if (!is_private_key_block(block.name)) continue;
    const auto* p = reinterpret_cast<const unsigned char*>(block.data.data());
    detail::EvpPkeyPtr key(::d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(block.data.size())));
    if (!key) break;
    if (::SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || ::SSL_CTX_check_private_key(ctx) != 1) {
      drain_errors();
      fail(core::key_mismatch_message(file.facts.path, cert_path));
    }
    return;
  }
  fail(with_reason(file.facts.path + ": cannot load the private key"));
}

// Loads every certificate of the PEM bundle at `path` into the context's trust store and the list
// of CA names sent in the CertificateRequest. Like Go's AppendCertsFromPEM, blocks that do not
// parse are skipped and at least one certificate must parse (spec R-M7; core::client_ca_refusal).
void load_client_ca(SSL_CTX* ctx, const std::string& path) {
  const CredentialFile file = read_once(path);
  if (auto refusal = core::client_ca_refusal(file.facts)) fail(*refusal);
  X509_STORE* store = ::SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  for (const detail::X509Ptr& cert : certificates_of(file.bytes)) {
    if (!cert) continue;
    ::X509_STORE_add_cert(store, cert.get());
    if (X509_NAME* name = ::X509_NAME_dup(::X509_get_subject_name(cert.get()))) {
      sk_X509_NAME_push(names, name);
    }
  }
  drain_errors();
  ::SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
}

// The server's TLS 1.2 preference (SSL_OP_CIPHER_SERVER_PREFERENCE): forward-secret AEAD suites
// first, then forward-secret CBC, then the rest, each group in the catalogue's order. Go's server
// ignores the order of a configured list since Go 1.17 and prefers AEADs the same way
// (crypto/tls cipherSuitesPreferenceOrder); the catalogue's own order is by code point and puts
// ECDHE-ECDSA-AES128-SHA (CBC, SHA-1) first.
int tls12_preference_rank(const core::CipherSuite& suite) {
  const bool weak = suite.openssl_name.find("RC4") != std::string_view::npos ||
                    suite.openssl_name.find("DES") != std::string_view::npos;
  if (weak) return 4;
  return (suite.forward_secret ? 0 : 2) + (suite.cbc ? 1 : 0);
}

std::string tls12_cipher_list(const core::TlsConfig& config) {
  // Go's defaults for TLS 1.0-1.2: every suite in tls.CipherSuites() (spec G1); a configured
  // list's suites in the catalogue's order, not the list's.
  const auto wanted = [&config](const core::CipherSuite& suite) {
    if (suite.tls13) return false;
    if (!config.cipher_suites) return suite.go_secure;
    return std::find(config.cipher_suites->begin(), config.cipher_suites->end(), suite.id) !=
           config.cipher_suites->end();
  };
  std::vector<const core::CipherSuite*> suites;
  for (const core::CipherSuite& suite : core::cipher_suites()) {
    if (wanted(suite)) suites.push_back(&suite);
  }
  std::stable_sort(suites.begin(), suites.end(), [](const auto* a, const auto* b) {
    return tls12_preference_rank(*a) < tls12_preference_rank(*b);
  });
  std::string out;
  for (const core::CipherSuite* suite : suites) {
    if (!out.empty()) out += ':';
    out += suite->openssl_name;
  }
  return out;
}

std::string tls13_cipher_list(const core::TlsConfig& config) {
  std::string out;
  if (!config.cipher_suites) return out;
  for (const std::uint16_t id : *config.cipher_suites) {
    const core::CipherSuite* suite = core::find_cipher_suite(id);
    if (suite == nullptr || !suite->tls13) continue;
    if (out.find(suite->openssl_name) != std::string::npos) continue;
    if (!out.empty()) out += ':';
    out += suite->openssl_name;
  }
  return out;
}

bool library_has_group(std::string_view openssl_name) {
  detail::SslCtxPtr probe(::SSL_CTX_new(::TLS_server_method()));
  const bool ok =
      probe && ::SSL_CTX_set1_groups_list(probe.get(), std::string(openssl_name).c_str()) == 1;
  drain_errors();
  return ok;
}

// OpenSSL 3.5's default list written out group by group in its tuple syntax
// ("?*X25519MLKEM768/?*X25519:?P-256/..."): "?" lets a library built without a group (a FIPS
// provider without ML-KEM) skip it. Never through "DEFAULT": OpenSSL 3.5 before 3.5.6 drops the
// tuples of a list that says DEFAULT, so no HelloRetryRequest is sent for X25519MLKEM768 and a
// classical group is chosen (CVE-2026-2673).
std::string tuple_default_list() {
  std::string out;
  for (const core::TupleGroup& entry : core::openssl35_default_groups()) {
    const core::Group* group = core::find_group(entry.id);
    if (group == nullptr) continue;
    if (!out.empty()) out += entry.starts_tuple ? '/' : ':';
    out += '?';
    if (entry.key_share) out += '*';
    out += group->openssl_name;
  }
  return out;
}

// Whether the linked library reads tuple-structured group lists (OpenSSL 3.5 or later).
bool library_has_tuples() { return ::OpenSSL_version_num() >= 0x30500000L; }

std::string group_list(const core::TlsConfig& config, std::vector<std::string>* notes) {
  std::string out;
  // Exact names: "X25519" is a prefix of "X25519MLKEM768", so a substring search would drop it.
  std::vector<std::string_view> added;
  auto add = [&out, &added](std::string_view name) {
    if (std::find(added.begin(), added.end(), name) != added.end()) return;
    added.push_back(name);
    if (!out.empty()) out += ':';
    out += name;
  };
  // With tuples, OpenSSL's own default order; before OpenSSL 3.5, the catalog's server defaults
  // (Go's set, spec G5), as far as the library provides them.
  const auto defaults = [&]() -> std::string {
    if (library_has_tuples()) return tuple_default_list();
    for (const std::uint16_t id : core::server_default_groups()) {
      const core::Group* group = core::find_group(id);
      if (group != nullptr && library_has_group(group->openssl_name)) add(group->openssl_name);
    }
    return out;
  };
  if (!config.curves || config.curves->empty()) return defaults();
  for (const std::uint16_t id : *config.curves) {
    const core::Group* group = core::find_group(id);
    if (group == nullptr) continue;
    if (!library_has_group(group->openssl_name)) {
      if (notes != nullptr) {
        notes->push_back("group " + std::string(group->name) + " is not provided by " +
                         ::OpenSSL_version(OPENSSL_VERSION) + "; it is not offered");
      }
      continue;
    }
    add(group->openssl_name);
  }
  if (out.empty()) {
    if (notes != nullptr) notes->push_back("no listed group is available; using the defaults");
    return defaults();
  }
  return out;
}

}  // namespace

ServerContext::~ServerContext() { ::SSL_CTX_free(static_cast<SSL_CTX*>(ctx_)); }

std::shared_ptr<const ServerContext> ServerContext::build(const core::TlsConfig& config,
                                                          const ServerContextOptions& options,
                                                          std::vector<std::string>* notes) {
  // One read of each file, judged by validate's rules before anything is built from it.
  const CredentialFile cert = read_once(config.cert_file);
  const CredentialFile key = read_once(config.key_file);
  if (auto refusal = core::credential_pair_refusal(cert.facts, key.facts)) fail(*refusal);
  detail::SslCtxPtr ctx(::SSL_CTX_new(::TLS_server_method()));
  if (!ctx) fail(with_reason("cannot create a TLS context"));
  SSL_CTX* c = ctx.get();

  ::SSL_CTX_set_options(
      c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // No server-side session cache. Tickets are off unless asked for: a scraper that keeps its
  // connection alive never resumes, and issuing a ticket costs every full handshake
  // (bench/RESULTS.md). When on: one stateless ticket per full handshake (TLS 1.2 and 1.3),
  // sealed with keys this context drew at random, so tickets from before a credential reload
  // no longer resume.
  ::SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  if (options.session_tickets) {
    ::SSL_CTX_set_num_tickets(c, 1);
    ::SSL_CTX_set_session_ticket_cb(c, nullptr, decrypt_ticket, nullptr);
  } else {
    ::SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    ::SSL_CTX_set_num_tickets(c, 0);
  }
  // Resumption needs a session id context whenever clients may be verified; harmless otherwise.
  static constexpr unsigned char kSessionIdContext[] = "promtls";
  ::SSL_CTX_set_session_id_context(c, kSessionIdContext, sizeof kSessionIdContext - 1);
  // Idle connections keep no record buffers. The chain sent is exactly the certificate file's,
  // as Go's crypto/tls sends it: OpenSSL would otherwise complete it from the client-CA store on
  // every handshake, one more signature verification each (bench/RESULTS.md).
  ::SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);

  // Versions: 0 means what core::TlsConfig says (min: TLS 1.2, the floor whatever the
  // configuration says, spec R-V1; max: TLS 1.3, spec G6).
  std::uint16_t min_version = core::effective_min_version(config.min_version);
  const std::string v12 = tls12_cipher_list(config);
  if (v12.empty() && min_version < core::kTls13) {
    if (notes != nullptr) notes->push_back("no TLS 1.2 cipher suite is listed; TLS 1.2 is off");
    min_version = core::kTls13;
  }
  if (::SSL_CTX_set_min_proto_version(c, min_version) != 1 ||
      ::SSL_CTX_set_max_proto_version(c, core::effective_max_version(config.max_version)) != 1) {
    fail(with_reason("cannot set the TLS protocol versions"));
  }
  if (!v12.empty() && ::SSL_CTX_set_cipher_list(c, v12.c_str()) != 1) {
    fail(with_reason("cannot set the TLS 1.2 cipher suites " + v12));
  }
  if (const std::string v13 = tls13_cipher_list(config); !v13.empty()) {
    if (::SSL_CTX_set_ciphersuites(c, v13.c_str()) != 1) {
      fail(with_reason("cannot set the TLS 1.3 cipher suites " + v13));
    }
  }
  if (const std::string groups = group_list(config, notes);
      ::SSL_CTX_set1_groups_list(c, groups.c_str()) != 1) {
    fail(with_reason("cannot set the key exchange groups " + groups));
  }

  use_chain(c, cert);
  use_key(c, key, config.cert_file);

  switch (config.client_auth) {
    case core::ClientAuth::none:
      ::SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
      break;
    case core::ClientAuth::request:
      ::SSL_CTX_set_verify(c, SSL_VERIFY_PEER, accept_any);
      break;
    case core::ClientAuth::require_any:
      ::SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
      break;
    case core::ClientAuth::optional:
    case core::ClientAuth::require: {
      load_client_ca(c, config.client_ca_file);
      // Go also requires the clientAuth extended key usage (or none at all).
      X509_VERIFY_PARAM* param = ::SSL_CTX_get0_param(c);
      ::X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_CLIENT);
      ::SSL_CTX_set_verify_depth(c, 8);
      int mode = SSL_VERIFY_PEER;
      if (config.client_auth == core::ClientAuth::require) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      ::SSL_CTX_set_verify(c, mode, nullptr);
      // Successful verifications are remembered by chain digest for this context only, so a
      // CA reload (a new context) starts empty; expiry is checked at every use.
      install_verify_cache(c);
      break;
    }
  }

  std::shared_ptr<ServerContext> out(new ServerContext);
  if (X509* leaf = ::SSL_CTX_get0_certificate(c)) out->leaf_ = detail::cert_info(leaf);
  out->config_ = config;
  out->ctx_ = ctx.release();
  drain_errors();
  return out;
}

bool ticket_resumable(void* session_ptr, std::int64_t now_unix) {
  X509* peer = ::SSL_SESSION_get0_peer(static_cast<SSL_SESSION*>(session_ptr));
  if (peer == nullptr) return true;
  time_t now = static_cast<time_t>(now_unix);
  return ::X509_cmp_time(::X509_get0_notAfter(peer), &now) > 0;
}

std::string_view handshake_failure_reason(void* ssl_ptr, unsigned long openssl_error) {
  SSL* ssl = static_cast<SSL*>(ssl_ptr);
  const int lib = ERR_GET_LIB(openssl_error);
  const int reason = static_cast<int>(ERR_GET_REASON(openssl_error));
  if (openssl_error == 0) return "client_closed";
  if (lib != ERR_LIB_SSL) return "other";
  switch (reason) {
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      return "no_client_certificate";
    case SSL_R_CERTIFICATE_VERIFY_FAILED: {
      const long v = ssl != nullptr ? ::SSL_get_verify_result(ssl) : X509_V_OK;
      switch (v) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
          return "certificate_expired";
        case X509_V_ERR_CERT_NOT_YET_VALID:
          return "certificate_not_yet_valid";
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
          return "unknown_ca";
        default:
          return "bad_certificate";
      }
    }
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_UNKNOWN_PROTOCOL:
      return "protocol_version";
    case SSL_R_NO_SHARED_CIPHER:
      return "no_shared_cipher";
    case SSL_R_NO_SUITABLE_KEY_SHARE:
    case SSL_R_NO_SHARED_GROUPS:
      return "no_shared_group";
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      return "http_request";
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
      return "client_closed";
    default:
      break;
  }
  // Alerts the client sent (SSL_R_SSLV3_ALERT_* / SSL_R_TLSV1_ALERT_* are 1000 + alert code).
  if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) return "peer_alert";
  return "other";
}

SessionFacts session_facts(void* ssl_ptr) {
  SSL* ssl = static_cast<SSL*>(ssl_ptr);
  SessionFacts out;
  if (ssl == nullptr) return out;
  // A server makes the connection's session once it has chosen the version from the
  // ClientHello; before that, SSL_get_version() names the method's highest version, which
  // nothing chose (a plain-HTTP request, a version no side shares).
  // OpenSSL 3.0's SSL_get_negotiated_group() reads the session too, and crashes without one.
  if (::SSL_get_session(ssl) == nullptr) return out;
  if (const char* version = ::SSL_get_version(ssl)) out.version = version;
  if (const char* name = ::SSL_get_cipher_name(ssl)) {
    if (std::string_view(name) != "(NONE)") out.cipher = name;
  }
  out.client_certificate = ::SSL_get0_peer_certificate(ssl) != nullptr;
  const int nid = static_cast<int>(::SSL_get_negotiated_group(ssl));
  if (nid != 0 && nid != NID_undef) {
    // The catalog's OpenSSL name, as selftest reports the group; OpenSSL's own name for a group
    // the catalog lacks.
    const char* name = ::SSL_group_to_name(ssl, nid);
    const core::Group* group = name != nullptr ? core::find_group_by_openssl_name(name) : nullptr;
    if (group != nullptr) {
      out.group = group->openssl_name;
    } else if (name != nullptr) {
      out.group = name;
    }
  }
  return out;
}

std::string server_group_list(const core::TlsConfig& config) { return group_list(config, nullptr); }

}  // namespace promtls::tls
