// Owning handles for OpenSSL objects and the one helper that drains OpenSSL's error queue.
// Internal to the tls and net layers.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace promtls::tls::detail {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Fn(p);
  }
};

using X509Ptr = std::unique_ptr<X509, Deleter<::X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<::EVP_PKEY_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<::SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<::SSL_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<::BIO_free_all>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<::X509_STORE_free>>;

// Empties the calling thread's OpenSSL error queue and returns its entries joined by "; "
// (reason strings only), or "" when it was empty.
std::string drain_errors();

// A read-only memory BIO over `data` (which must outlive it).
inline BioPtr memory_bio(const void* data, std::size_t size) {
  return BioPtr(::BIO_new_mem_buf(data, static_cast<int>(size)));
}

struct PemBlock {
  std::string name;     // "CERTIFICATE", "PRIVATE KEY", ...
  std::string header;   // the RFC 1421 headers, "" when none
  std::string data;     // the decoded bytes; empty when !decoded
  bool decoded = true;  // false: the body is not base64, or the END line is missing
};

// Every PEM block in `bytes`, in order: each "-----BEGIN <name>-----" line up to its
// "-----END <name>-----" line. Text between blocks is ignored, as Go's pem.Decode does. A block
// whose body does not decode (or that has no END line) is returned with decoded == false, and
// scanning goes on after it, so one corrupt block neither hides the blocks after it nor
// disappears itself. Leaves the error queue empty.
std::vector<PemBlock> pem_blocks(std::string_view bytes);

// The certificate in a CERTIFICATE or TRUSTED CERTIFICATE block (whose trust settings are
// read and ignored); null when the block did not decode or does not parse. Leaves the error
// queue empty.
X509Ptr parse_certificate_block(const PemBlock& block);

}  // namespace promtls::tls::detail
