// JWS signature verification for license tokens (RFC 7515 compact serialisation, RFC 7518
// algorithms RS256, RS512, PS256, PS512, ES256, ES384) with OpenSSL. Reentrant.
#pragma once

#include <string>
#include <string_view>

#include "promtls/core/license.hpp"

namespace promtls::tls {

// Verifies `jwt`'s signature with the public key in `key_pem` (a CERTIFICATE or a PUBLIC KEY
// PEM block). Returns "" when the signature is valid, else the reason ("alg HS256 is not
// supported", "signature does not verify", "key type EC does not match alg RS256").
std::string verify_jwt(const core::JwtParts& jwt, std::string_view key_pem);

}  // namespace promtls::tls
