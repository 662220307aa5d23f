#include "foreign_identity.hpp"

#include <openssl/x509v3.h>

#include <ctime>

#include "promtls/core/error.hpp"

namespace promtls::tls::detail {
namespace {

X509Ptr make_cert(EVP_PKEY* subject_key, EVP_PKEY* issuer_key, X509* issuer, const char* cn,
                  bool ca, std::int64_t not_before, std::int64_t not_after, long serial) {
  X509Ptr cert(::X509_new());
  if (!cert) return nullptr;
  ::X509_set_version(cert.get(), 2);
  ::ASN1_INTEGER_set(::X509_get_serialNumber(cert.get()), serial);
  ::ASN1_TIME_set(::X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before));
  ::ASN1_TIME_set(::X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after));
  X509_NAME* name = ::X509_get_subject_name(cert.get());
  ::X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("promtls selftest"), -1, -1,
                               0);
  ::X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
  ::X509_set_issuer_name(cert.get(), issuer != nullptr ? ::X509_get_subject_name(issuer) : name);
  ::X509_set_pubkey(cert.get(), subject_key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  ::X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  const auto add = [&](int nid, const char* value) {
    if (X509_EXTENSION* ext = ::X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)) {
      ::X509_add_ext(cert.get(), ext, -1);
      ::X509_EXTENSION_free(ext);
    }
  };
  if (ca) {
    add(NID_basic_constraints, "critical,CA:TRUE");
    add(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add(NID_basic_constraints, "critical,CA:FALSE");
    add(NID_key_usage, "critical,digitalSignature");
    add(NID_ext_key_usage, "clientAuth");
  }
  if (::X509_sign(cert.get(), issuer_key, ::EVP_sha256()) <= 0) return nullptr;
  return cert;
}

}  // namespace

ForeignIdentity make_foreign_identity(std::int64_t wall_clock) {
  ForeignIdentity id;
  EvpPkeyPtr ca_key(::EVP_EC_gen("P-256"));
  id.key.reset(::EVP_EC_gen("P-256"));
  if (!ca_key || !id.key) throw Error("cannot generate a key: " + drain_errors());
  // Valid now by the server's clock, so that the only thing wrong is the issuer.
  const X509Ptr ca = make_cert(ca_key.get(), ca_key.get(), nullptr, "promtls selftest foreign CA",
                               true, wall_clock - 3600, wall_clock + 86400, 1);
  if (!ca) throw Error("cannot make the foreign CA: " + drain_errors());
  id.cert = make_cert(id.key.get(), ca_key.get(), ca.get(), "promtls-selftest-foreign-client",
                      false, wall_clock - 3600, wall_clock + 86400, 2);
  if (!id.cert) throw Error("cannot make the foreign client certificate");
  return id;
}

}  // namespace promtls::tls::detail
