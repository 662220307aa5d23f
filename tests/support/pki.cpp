#include "pki.hpp"

#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace promtls::test {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("test pki: " + what); }

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) fail("extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

std::string join(const std::vector<std::string>& parts, const std::string& prefix) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + prefix + p;
  return out;
}

}  // namespace

struct Key::Impl {
  EVP_PKEY* pkey = nullptr;
  ~Impl() { EVP_PKEY_free(pkey); }
};

Key::Key(KeyKind kind) : impl_(std::make_unique<Impl>()) {
  switch (kind) {
    case KeyKind::ec_p256:
      impl_->pkey = EVP_EC_gen("P-256");
      break;
    case KeyKind::ec_p384:
      impl_->pkey = EVP_EC_gen("P-384");
      break;
    case KeyKind::rsa_1024:
      impl_->pkey = EVP_RSA_gen(1024);
      break;
    case KeyKind::rsa_2048:
      impl_->pkey = EVP_RSA_gen(2048);
      break;
    case KeyKind::ed25519:
      impl_->pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (impl_->pkey == nullptr) fail("key generation");
}
Key::~Key() = default;
Key::Key(Key&&) noexcept = default;
Key& Key::operator=(Key&&) noexcept = default;
void* Key::native() const { return impl_->pkey; }

std::string Key::private_pem(const std::string& passphrase) const {
  BIO* bio = BIO_new(BIO_s_mem());
  const EVP_CIPHER* cipher = passphrase.empty() ? nullptr : EVP_aes_256_cbc();
  if (PEM_write_bio_PKCS8PrivateKey(
          bio, impl_->pkey, cipher,
          passphrase.empty() ? nullptr : const_cast<char*>(passphrase.c_str()),
          static_cast<int>(passphrase.size()), nullptr, nullptr) != 1) {
    fail("PEM_write_bio_PKCS8PrivateKey");
  }
  return bio_string(bio);
}

std::string Key::traditional_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PrivateKey_traditional(bio, impl_->pkey, nullptr, nullptr, 0, nullptr,
                                           nullptr) != 1) {
    fail("PEM_write_bio_PrivateKey_traditional");
  }
  return bio_string(bio);
}

std::string Key::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PUBKEY(bio, impl_->pkey) != 1) fail("PEM_write_bio_PUBKEY");
  return bio_string(bio);
}

Cert::Cert(void* x509) : x509_(x509) {}
Cert::~Cert() { X509_free(static_cast<X509*>(x509_)); }
Cert::Cert(Cert&& other) noexcept : x509_(other.x509_) { other.x509_ = nullptr; }
Cert& Cert::operator=(Cert&& other) noexcept {
  if (this != &other) {
    X509_free(static_cast<X509*>(x509_));
    x509_ = other.x509_;
    other.x509_ = nullptr;
  }
  return *this;
}
void* Cert::native() const { return x509_; }

std::string Cert::pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, static_cast<X509*>(x509_));
  return bio_string(bio);
}

std::string Cert::der() const {
  unsigned char* der = nullptr;
  const int len = i2d_X509(static_cast<X509*>(x509_), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

Cert issue(const CertSpec& spec, const Key& subject_key, const Cert* issuer,
           const Key& issuer_key) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  std::uint64_t serial = spec.serial;
  if (serial == 0) {
    serial = 1469598103934665603ull;
    for (const char c : spec.cn)
      serial = (serial ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    serial >>= 2;
  }
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial);
  X509_NAME* name = X509_NAME_new();
  if (spec.organization) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.organization->c_str()),
                               -1, -1, 0);
  }
  // A type that is not an MBSTRING_* flag makes OpenSSL store the bytes unconverted.
  const int cn_type = spec.cn_string_type.empty()           ? MBSTRING_UTF8
                      : spec.cn_string_type == "T61String"  ? V_ASN1_T61STRING
                      : spec.cn_string_type == "UTF8String" ? V_ASN1_UTF8STRING
                      : spec.cn_string_type == "BMPString"  ? V_ASN1_BMPSTRING
                                                            : -1;
  if (cn_type == -1) throw std::runtime_error("unknown cn_string_type " + spec.cn_string_type);
  X509_NAME_add_entry_by_txt(name, "CN", cn_type,
                             reinterpret_cast<const unsigned char*>(spec.cn.data()),
                             static_cast<int>(spec.cn.size()), -1, 0);
  // X509_set_subject_name copies the Name through its DER, and OpenSSL will not encode (nor
  // decode: d2i_X509 refuses the certificate) a UTF8String that is not UTF-8, so such a subject
  // cannot be built here: say so rather than issue a certificate with an empty subject.
  const int subject_set = X509_set_subject_name(cert, name);
  X509_NAME_free(name);
  if (subject_set != 1) {
    X509_free(cert);
    ERR_clear_error();
    throw std::runtime_error("OpenSSL cannot encode the subject CN as a " +
                             (spec.cn_string_type.empty() ? "UTF8String" : spec.cn_string_type) +
                             " (a UTF8String must be UTF-8)");
  }
  X509* issuer_x509 = issuer != nullptr ? static_cast<X509*>(issuer->native()) : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_x509));
  ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(spec.not_before));
  ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(spec.not_after));
  X509_set_pubkey(cert, static_cast<EVP_PKEY*>(subject_key.native()));

  add_ext(cert, issuer_x509, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_ext(cert, issuer_x509, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_ext(cert, issuer_x509, NID_authority_key_identifier, "keyid");
  add_ext(
      cert, issuer_x509, NID_key_usage,
      spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
  if (!spec.eku.empty()) add_ext(cert, issuer_x509, NID_ext_key_usage, join(spec.eku, ""));
  std::string san = join(spec.dns, "DNS:");
  const std::string ips = join(spec.ips, "IP:");
  if (!ips.empty()) san += (san.empty() ? "" : ",") + ips;
  if (!san.empty()) add_ext(cert, issuer_x509, NID_subject_alt_name, san);

  auto* key = static_cast<EVP_PKEY*>(issuer_key.native());
  const bool no_digest = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
  const EVP_MD* md = no_digest ? nullptr : EVP_get_digestbyname(spec.signature_digest.c_str());
  if (X509_sign(cert, key, md) == 0) fail("X509_sign");
  return Cert(cert);
}

Authority Authority::make(const std::string& cn, KeyKind kind, std::int64_t not_before,
                          std::int64_t not_after) {
  Key key(kind);
  CertSpec spec;
  spec.cn = cn;
  spec.dns = {};
  spec.ips = {};
  spec.is_ca = true;
  spec.eku = {};
  spec.not_before = not_before;
  spec.not_after = not_after;
  Cert cert = issue(spec, key, nullptr, key);
  return Authority{std::move(key), std::move(cert)};
}

Chain Chain::make(const Key& leaf_key, const std::string& name) {
  Authority root = Authority::make(name + "-root");
  Key intermediate_key(KeyKind::ec_p256);
  CertSpec ca;
  ca.cn = name + "-intermediate";
  ca.dns = {};
  ca.ips = {};
  ca.is_ca = true;
  ca.eku = {};
  Cert intermediate = issue(ca, intermediate_key, &root.cert, root.key);
  CertSpec spec;
  spec.cn = "metrics";
  Cert leaf = issue(spec, leaf_key, &intermediate, intermediate_key);
  return Chain{std::move(root), std::move(intermediate_key), std::move(intermediate),
               std::move(leaf)};
}

std::string pkcs12(const Cert& cert, const Key& key, const std::vector<const Cert*>& chain,
                   const std::string& password) {
  STACK_OF(X509)* ca = sk_X509_new_null();
  for (const Cert* c : chain) sk_X509_push(ca, static_cast<X509*>(c->native()));
  PKCS12* p12 =
      PKCS12_create(password.c_str(), "promtls test", static_cast<EVP_PKEY*>(key.native()),
                    static_cast<X509*>(cert.native()), ca, 0, 0, 0, 0, 0);
  sk_X509_free(ca);
  if (p12 == nullptr) fail("PKCS12_create");
  unsigned char* der = nullptr;
  const int len = i2d_PKCS12(p12, &der);
  PKCS12_free(p12);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

namespace {

std::string der_of(PKCS12* p12) {
  unsigned char* der = nullptr;
  const int len = i2d_PKCS12(p12, &der);
  if (len <= 0) fail("i2d_PKCS12");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::string pkcs12_with_mac_iterations(const std::string& der, long iterations) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(der.size()));
  if (p12 == nullptr) fail("d2i_PKCS12");
  const ASN1_INTEGER* iter = nullptr;
  PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12);
  // The count lives in `p12` (OpenSSL hands it out const only to discourage exactly this).
  if (iter == nullptr || ASN1_INTEGER_set(const_cast<ASN1_INTEGER*>(iter), iterations) != 1) {
    PKCS12_free(p12);
    fail("PKCS#12 MAC iterations");
  }
  std::string out = der_of(p12);
  PKCS12_free(p12);
  return out;
}

std::string pkcs12_with_key_bag_iterations(const Cert& cert, long iterations) {
  STACK_OF(PKCS12_SAFEBAG)* bags = nullptr;
  if (PKCS12_add_cert(&bags, static_cast<X509*>(cert.native())) == nullptr) fail("PKCS12_add_cert");
  X509_SIG* sig = X509_SIG_new();
  X509_ALGOR* alg = nullptr;
  ASN1_OCTET_STRING* digest = nullptr;
  X509_SIG_getm(sig, &alg, &digest);
  X509_ALGOR* pbe2 = PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), static_cast<int>(iterations), nullptr, 0,
                                       nullptr, NID_hmacWithSHA256);
  const std::string ciphertext(48, '\x5a');
  if (pbe2 == nullptr || X509_ALGOR_copy(alg, pbe2) != 1 ||
      ASN1_OCTET_STRING_set(digest, reinterpret_cast<const unsigned char*>(ciphertext.data()),
                            static_cast<int>(ciphertext.size())) != 1) {
    fail("shrouded key bag");
  }
  X509_ALGOR_free(pbe2);
  sk_PKCS12_SAFEBAG_push(bags, PKCS12_SAFEBAG_create0_pkcs8(sig));
  STACK_OF(PKCS7)* safes = nullptr;
  if (PKCS12_add_safe(&safes, bags, -1, 0, nullptr) != 1) fail("PKCS12_add_safe");
  sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
  PKCS12* p12 = PKCS12_add_safes(safes, 0);
  sk_PKCS7_pop_free(safes, PKCS7_free);
  if (p12 == nullptr || PKCS12_set_mac(p12, "", 0, nullptr, 0, 1, nullptr) != 1) {
    fail("PKCS12_set_mac");
  }
  std::string out = der_of(p12);
  PKCS12_free(p12);
  return out;
}

std::string base64url(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += t[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += t[(acc << (6 - bits)) & 63];
  return out;
}

std::string sign_jwt(const std::string& payload_json, const Key& key, const std::string& alg) {
  const std::string input =
      base64url("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "." + base64url(payload_json);
  const std::string digest = alg.substr(2) == "256"   ? "SHA256"
                             : alg.substr(2) == "384" ? "SHA384"
                                                      : "SHA512";
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit_ex(md, &pctx, digest.c_str(), nullptr, nullptr,
                            static_cast<EVP_PKEY*>(key.native()), nullptr) != 1) {
    fail("EVP_DigestSignInit_ex");
  }
  if (alg[0] == 'P') {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  std::size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(md, nullptr, &len, data, input.size());
  std::string sig(len, '\0');
  if (EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len, data, input.size()) !=
      1) {
    fail("EVP_DigestSign");
  }
  sig.resize(len);
  EVP_MD_CTX_free(md);
  if (alg[0] == 'E') {  // DER ECDSA-Sig-Value -> r || s (RFC 7518 §3.4)
    const std::size_t width = alg == "ES256" ? 32 : 48;
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(2 * width, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()),
                 static_cast<int>(width));
    BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + width,
                 static_cast<int>(width));
    ECDSA_SIG_free(ecdsa);
    sig = raw;
  }
  return input + "." + base64url(sig);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "promtls-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) fail("mkdtemp");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content,
                           unsigned mode) const {
  const std::filesystem::path p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) fail("write " + p.string());
  }
  ::chmod(p.c_str(), static_cast<mode_t>(mode));
  return p.string();
}

}  // namespace promtls::test
