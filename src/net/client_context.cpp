#include "client_context.hpp"

#include "promtls/core/config.hpp"
#include "promtls/core/error.hpp"

namespace promtls::net::detail {

tls::detail::SslCtxPtr build_client_context(const ClientContextSpec& spec) {
  using tls::detail::drain_errors;
  tls::detail::SslCtxPtr ctx(::SSL_CTX_new(::TLS_client_method()));
  if (!ctx) throw Error("cannot create a TLS context: " + drain_errors());
  SSL_CTX* c = ctx.get();
  ::SSL_CTX_set_min_proto_version(c, core::effective_min_version(spec.min_version));
  ::SSL_CTX_set_max_proto_version(c, core::effective_max_version(spec.max_version));
  // Never abort the handshake on a bad chain: it is verified (the result kept) and reported.
  ::SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  ::SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
  if (spec.verify_at_unix != 0) {
    ::X509_VERIFY_PARAM_set_time(::SSL_CTX_get0_param(c), static_cast<time_t>(spec.verify_at_unix));
  }
  if (spec.ca_file.empty()) {
    ::SSL_CTX_set_default_verify_paths(c);
  } else if (::SSL_CTX_load_verify_locations(c, spec.ca_file.c_str(), nullptr) != 1) {
    throw Error("--ca " + spec.ca_file + ": no CA certificates could be loaded (" + drain_errors() +
                ")");
  }
  if (spec.alpn_http11) {
    static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    ::SSL_CTX_set_alpn_protos(c, kAlpn, sizeof kAlpn);
  }
  if (!spec.tls12_ciphers.empty()) {
    // Old suites (CBC-SHA1, RSA key exchange) must be offerable to prove they are refused.
    ::SSL_CTX_set_security_level(c, 0);
    if (::SSL_CTX_set_cipher_list(c, spec.tls12_ciphers.c_str()) != 1) {
      throw Error("the linked OpenSSL supports none of the cipher suites " + spec.tls12_ciphers);
    }
  }
  if (!spec.groups.empty() && ::SSL_CTX_set1_groups_list(c, spec.groups.c_str()) != 1) {
    throw Error("the linked OpenSSL supports none of the groups " + spec.groups);
  }
  if (spec.identity_cert != nullptr && spec.identity_key != nullptr) {
    ::SSL_CTX_use_certificate(c, spec.identity_cert);
    ::SSL_CTX_use_PrivateKey(c, spec.identity_key);
  } else if (!spec.cert_file.empty()) {
    if (::SSL_CTX_use_certificate_chain_file(c, spec.cert_file.c_str()) != 1) {
      throw Error("--cert " + spec.cert_file + ": cannot load the certificate chain (" +
                  drain_errors() + ")");
    }
    if (::SSL_CTX_use_PrivateKey_file(c, spec.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw Error("--key " + spec.key_file + ": cannot load the private key (" + drain_errors() +
                  ")");
    }
    if (::SSL_CTX_check_private_key(c) != 1) {
      throw Error("--key " + spec.key_file + " does not match the certificate in --cert " +
                  spec.cert_file);
    }
  }
  ::ERR_clear_error();
  return ctx;
}

}  // namespace promtls::net::detail
