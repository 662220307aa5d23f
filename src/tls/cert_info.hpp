// Internal: OpenSSL objects to core data. Used by pem.cpp and the net layer.
#pragma once

#include <openssl/x509v3.h>

#include <string>

#include "detail/openssl.hpp"
#include "promtls/core/cert_info.hpp"

namespace promtls::tls::detail {

// Describes a parsed certificate (full X509 parse).
core::CertInfo cert_info(X509* cert);
// Type, size and curve of a public or private key.
core::KeyInfo key_info(const EVP_PKEY* key);
// An identifier of a key's public half that is equal for a certificate and its private key:
// hex SHA-256 over the key type and its public components. "" on failure.
std::string public_key_id(const EVP_PKEY* key);
// The pieces cert_info() is made of, shared with the fast path (fast_cert.hpp) so both describe
// a certificate with the same code.
std::string name_text(const X509_NAME* name);  // RFC 2253 one-line form
std::string common_name(const X509_NAME* name);
std::vector<std::pair<std::string, std::string>> attributes(const X509_NAME* name);
std::int64_t unix_time(const ASN1_TIME* t);
std::string serial_text(const ASN1_INTEGER* serial);  // lower-case hex, no leading zeros
void add_sans(const GENERAL_NAMES* names, core::CertInfo& out);
void add_eku(const EXTENDED_KEY_USAGE* eku, core::CertInfo& out);
// Hex text of bytes, optionally ':'-separated and upper-case.
std::string hex(const unsigned char* data, std::size_t len, bool colons, bool upper);

}  // namespace promtls::tls::detail
