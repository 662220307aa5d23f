// PKCS#12 certificate sources (sources_detail.hpp).
#include <openssl/pkcs12.h>

#include <memory>

#include "detail/openssl.hpp"
#include "promtls/tls/fast_cert.hpp"
#include "sources_detail.hpp"

namespace promtls::tls::detail {
namespace {

struct Pkcs12Deleter {
  void operator()(PKCS12* p) const noexcept { ::PKCS12_free(p); }
};

}  // namespace

// PKCS#12: the MAC tells which password is right; then the certificate bags are read (the key
// is decrypted by PKCS12_parse and freed at once, never exposed).
bool load_pkcs12(std::string_view bytes, const std::string& source, const SourceOptions& options,
                 LoadResult& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::unique_ptr<PKCS12, Pkcs12Deleter> p12(
      ::d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size())));
  ::ERR_clear_error();
  if (!p12) return false;
  std::vector<const char*> candidates{nullptr, ""};
  for (const std::string& pw : options.passwords) candidates.push_back(pw.c_str());
  const char* password = nullptr;
  bool found = false;
  if (::PKCS12_mac_present(p12.get()) == 0) {
    found = true;  // no integrity password; try the candidates on the bags below
  } else {
    for (const char* candidate : candidates) {
      const int len = candidate == nullptr ? 0 : -1;
      if (::PKCS12_verify_mac(p12.get(), candidate, len) == 1) {
        password = candidate;
        found = true;
        break;
      }
    }
  }
  ::ERR_clear_error();
  if (!found) {
    out.errors.push_back({source, "bad_passphrase",
                          source + ": PKCS#12 password is wrong (tried the empty password" +
                              (options.passwords.empty() ? "" : " and the given ones") + ")"});
    return true;
  }
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (::PKCS12_parse(p12.get(), password, &pkey, &cert, &ca) != 1) {
    ::ERR_clear_error();
    out.errors.push_back({source, "bad_pkcs12", source + ": PKCS#12 bags cannot be decrypted"});
    return true;
  }
  ::EVP_PKEY_free(pkey);
  std::vector<X509*> all;
  if (cert != nullptr) all.push_back(cert);
  for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i) all.push_back(sk_X509_value(ca, i));
  std::size_t index = 0;
  for (X509* x : all) {
    unsigned char* der = nullptr;
    const int len = ::i2d_X509(x, &der);
    core::LocatedCert located;
    if (len > 0 && read_certificate_fast(std::string_view(reinterpret_cast<char*>(der),
                                                          static_cast<std::size_t>(len)),
                                         located.cert, nullptr, options.detail)) {
      located.location.filepath = source;
      located.location.embedded_kind = "pkcs12";
      located.location.embedded_key = std::to_string(index++);
      out.certificates.push_back(std::move(located));
    }
    ::OPENSSL_free(der);
  }
  ::X509_free(cert);
  sk_X509_pop_free(ca, ::X509_free);
  ::ERR_clear_error();
  if (all.empty()) {
    out.errors.push_back(
        {source, "no_certificate_found", source + ": PKCS#12 holds no certificate"});
  }
  return true;
}

// Certificates in one value (PEM, or DER when `der_ok`); the location is filled by the caller.
}  // namespace promtls::tls::detail
