#include "promtls/tls/jwt_verify.hpp"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "detail/openssl.hpp"

namespace promtls::tls {
namespace {

struct Alg {
  const char* name;
  const char* digest;
  int key_type;  // EVP_PKEY_RSA or EVP_PKEY_EC
  bool pss;
  int coordinate_bytes;  // ES*: size of r and s in the JOSE signature
};

constexpr Alg kAlgs[] = {
    {"RS256", "SHA256", EVP_PKEY_RSA, false, 0}, {"RS512", "SHA512", EVP_PKEY_RSA, false, 0},
    {"PS256", "SHA256", EVP_PKEY_RSA, true, 0},  {"PS512", "SHA512", EVP_PKEY_RSA, true, 0},
    {"ES256", "SHA256", EVP_PKEY_EC, false, 32}, {"ES384", "SHA384", EVP_PKEY_EC, false, 48},
};

detail::EvpPkeyPtr load_key(std::string_view pem) {
  detail::BioPtr bio = detail::memory_bio(pem.data(), pem.size());
  if (X509* cert = ::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    detail::EvpPkeyPtr key(::X509_get_pubkey(cert));
    ::X509_free(cert);
    return key;
  }
  ::ERR_clear_error();
  bio = detail::memory_bio(pem.data(), pem.size());
  return detail::EvpPkeyPtr(::PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

// JOSE ECDSA signatures are r || s, fixed width (RFC 7518 §3.4); OpenSSL wants DER.
bool jose_to_der(const std::string& sig, int width, std::string& der) {
  if (sig.size() != static_cast<std::size_t>(2 * width)) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ecdsa = ::ECDSA_SIG_new();
  BIGNUM* r = ::BN_bin2bn(p, width, nullptr);
  BIGNUM* s = ::BN_bin2bn(p + width, width, nullptr);
  ::ECDSA_SIG_set0(ecdsa, r, s);
  unsigned char* out = nullptr;
  const int len = ::i2d_ECDSA_SIG(ecdsa, &out);
  ::ECDSA_SIG_free(ecdsa);
  if (len <= 0) return false;
  der.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
  ::OPENSSL_free(out);
  return true;
}

}  // namespace

std::string verify_jwt(const core::JwtParts& jwt, std::string_view key_pem) {
  const Alg* alg = nullptr;
  for (const Alg& a : kAlgs) {
    if (jwt.alg == a.name) alg = &a;
  }
  if (alg == nullptr) return "alg " + (jwt.alg.empty() ? "(none)" : jwt.alg) + " is not supported";
  detail::EvpPkeyPtr key = load_key(key_pem);
  if (!key) {
    ::ERR_clear_error();
    return "no certificate or public key in the license certificate file";
  }
  const int type = ::EVP_PKEY_get_base_id(key.get());
  if (type != alg->key_type) {
    return std::string("key type ") + (type == EVP_PKEY_EC ? "EC" : ::OBJ_nid2sn(type)) +
           " does not match alg " + alg->name;
  }
  std::string signature = jwt.signature;
  if (alg->coordinate_bytes > 0) {
    std::string der;
    if (!jose_to_der(jwt.signature, alg->coordinate_bytes, der)) {
      return "signature does not verify (wrong length for " + std::string(alg->name) + ")";
    }
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, detail::Deleter<::EVP_MD_CTX_free>> md(::EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (::EVP_DigestVerifyInit_ex(md.get(), &pctx, alg->digest, nullptr, nullptr, key.get(),
                                nullptr) != 1) {
    return "cannot verify: " + detail::drain_errors();
  }
  if (alg->pss) {
    ::EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    ::EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  const int rc = ::EVP_DigestVerify(
      md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(jwt.signing_input.data()), jwt.signing_input.size());
  ::ERR_clear_error();
  return rc == 1 ? "" : "signature does not verify";
}

}  // namespace promtls::tls
