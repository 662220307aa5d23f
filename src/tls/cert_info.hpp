// Internal: OpenSSL objects to core data. Used by pem.cpp and the net layer.
#pragma once

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
// Hex text of bytes, optionally ':'-separated and upper-case.
std::string hex(const unsigned char* data, std::size_t len, bool colons, bool upper);

}  // namespace promtls::tls::detail
