// Internal: OpenSSL objects to core data. Used by pem.cpp and the net layer.
#pragma once

#include <openssl/x509v3.h>

#include <string>
#include <string_view>

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
//
// Every string taken from a certificate (names, attribute values, the CN, SANs) goes through
// utf8_text() here, at extraction, so that CertInfo holds only valid UTF-8 and no renderer (text,
// JSON, Prometheus labels, serve's exposition, selftest) can meet bytes it cannot write (issue
// 18). UTF8String: each byte that is not part of a well-formed sequence becomes U+FFFD;
// PrintableString, IA5String, VisibleString, NumericString (7-bit types): each byte past 0x7f is
// U+FFFD; T61String and the other legacy types as OpenSSL reads them (one byte, one Latin-1 code
// point); BMPString and UniversalString converted, U+FFFD where they are malformed.
std::string utf8_text(const ASN1_STRING* s);
// `bytes` with each byte that does not begin or continue a well-formed UTF-8 sequence (RFC 3629)
// replaced by U+FFFD.
std::string repair_utf8(std::string_view bytes);
std::string name_text(const X509_NAME* name);  // RFC 2253 one-line form, valid UTF-8
std::string common_name(const X509_NAME* name);
std::vector<std::pair<std::string, std::string>> attributes(const X509_NAME* name);
std::int64_t unix_time(const ASN1_TIME* t);
std::string serial_text(const ASN1_INTEGER* serial);  // lower-case hex, no leading zeros
void add_sans(const GENERAL_NAMES* names, core::CertInfo& out);
void add_eku(const EXTENDED_KEY_USAGE* eku, core::CertInfo& out);
// Hex text of bytes, optionally ':'-separated and upper-case.
std::string hex(const unsigned char* data, std::size_t len, bool colons, bool upper);

}  // namespace promtls::tls::detail
