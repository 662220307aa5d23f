// An in-memory client identity from a CA no server can know: selftest's proof that a server
// verifying client certificates refuses one its client CA did not issue. Pure OpenSSL, no I/O.
// Internal to the tls and net layers; reentrant.
#pragma once

#include <cstdint>

#include "detail/openssl.hpp"

namespace promtls::tls::detail {

struct ForeignIdentity {
  EvpPkeyPtr key;  // the client's P-256 key
  X509Ptr cert;    // "CN=promtls-selftest-foreign-client", clientAuth, issued by the foreign CA
};

// A fresh foreign CA (its key discarded) and a client certificate it issued, both valid from an
// hour before `wall_clock_unix` to a day after it: by the server's clock the only thing wrong is
// the issuer. Throws promtls::Error when OpenSSL cannot make a key or a certificate.
ForeignIdentity make_foreign_identity(std::int64_t wall_clock_unix);

}  // namespace promtls::tls::detail
