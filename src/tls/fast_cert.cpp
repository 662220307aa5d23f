// Certificates through OpenSSL's ASN.1 templates, without the public-key decoder.
//
// The template below mirrors RFC 5280 §4.1 (and OpenSSL's own X509_CINF in crypto/x509/x_x509.c)
// with the same ASN.1 item types for every field inspect reports (X509_NAME, ASN1_TIME,
// ASN1_INTEGER, X509_ALGOR, X509_EXTENSION), so names, times, serials and extensions are decoded
// by the very code d2i_X509 uses. Only SubjectPublicKeyInfo differs: it is kept as an
// AlgorithmIdentifier plus the raw BIT STRING instead of an X509_PUBKEY, whose decode callback
// builds an EVP_PKEY through the provider decoders (the whole cost of d2i_X509 in OpenSSL 3).
#include "promtls/tls/fast_cert.hpp"

#include <openssl/asn1t.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <map>
#include <mutex>

#include "cert_info.hpp"
#include "promtls/tls/pem.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#ifndef __clang__  // GCC only: clang has no -Wuseless-cast and warns about the unknown name
#pragma GCC diagnostic ignored "-Wuseless-cast"
#endif
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"

extern "C" {

typedef STACK_OF(X509_NAME_ENTRY) STACK_OF_X509_NAME_ENTRY;
DEFINE_STACK_OF(STACK_OF_X509_NAME_ENTRY)

typedef struct {
  ASN1_TIME* not_before;
  ASN1_TIME* not_after;
} PROMTLS_VALIDITY;

typedef struct {
  X509_ALGOR* algorithm;
  ASN1_BIT_STRING* public_key;
  ASN1_ENCODING enc;  // the original DER, for the SPKI fingerprint
} PROMTLS_SPKI;

typedef struct {
  ASN1_INTEGER* version;
  ASN1_INTEGER* serial;
  X509_ALGOR* signature;
  ASN1_TYPE* issuer;  // the Name's DER: decoded with d2i_X509_NAME, issuers cached
  PROMTLS_VALIDITY* validity;
  ASN1_TYPE* subject;
  PROMTLS_SPKI* key;
  ASN1_BIT_STRING* issuer_uid;
  ASN1_BIT_STRING* subject_uid;
  ASN1_TYPE* extensions;  // the Extensions' DER, decoded only when they are reported
} PROMTLS_TBS;

typedef struct {
  PROMTLS_TBS* tbs;
  X509_ALGOR* signature_algorithm;
  ASN1_BIT_STRING* signature;
} PROMTLS_CERT;

// RSAPublicKey (RFC 8017 A.1.1) as generic INTEGERs: the modulus length is the key size.
typedef struct {
  ASN1_INTEGER* modulus;
  ASN1_INTEGER* exponent;
} PROMTLS_RSA_PUB;

ASN1_SEQUENCE(PROMTLS_VALIDITY) =
    {
        ASN1_SIMPLE(PROMTLS_VALIDITY, not_before, ASN1_TIME),
        ASN1_SIMPLE(PROMTLS_VALIDITY, not_after, ASN1_TIME),
} static_ASN1_SEQUENCE_END(PROMTLS_VALIDITY)

        ASN1_SEQUENCE_enc(PROMTLS_SPKI, enc, 0) =
            {
                ASN1_SIMPLE(PROMTLS_SPKI, algorithm, X509_ALGOR),
                ASN1_SIMPLE(PROMTLS_SPKI, public_key, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END_ref(PROMTLS_SPKI, PROMTLS_SPKI)

                ASN1_SEQUENCE(PROMTLS_TBS) =
                    {
                        ASN1_EXP_OPT(PROMTLS_TBS, version, ASN1_INTEGER, 0),
                        ASN1_SIMPLE(PROMTLS_TBS, serial, ASN1_INTEGER),
                        ASN1_SIMPLE(PROMTLS_TBS, signature, X509_ALGOR),
                        ASN1_SIMPLE(PROMTLS_TBS, issuer, ASN1_ANY),
                        ASN1_SIMPLE(PROMTLS_TBS, validity, PROMTLS_VALIDITY),
                        ASN1_SIMPLE(PROMTLS_TBS, subject, ASN1_ANY),
                        ASN1_SIMPLE(PROMTLS_TBS, key, PROMTLS_SPKI),
                        ASN1_IMP_OPT(PROMTLS_TBS, issuer_uid, ASN1_BIT_STRING, 1),
                        ASN1_IMP_OPT(PROMTLS_TBS, subject_uid, ASN1_BIT_STRING, 2),
                        ASN1_EXP_OPT(PROMTLS_TBS, extensions, ASN1_ANY, 3),
} static_ASN1_SEQUENCE_END(PROMTLS_TBS)

                        ASN1_SEQUENCE(PROMTLS_CERT) =
                            {
                                ASN1_SIMPLE(PROMTLS_CERT, tbs, PROMTLS_TBS),
                                ASN1_SIMPLE(PROMTLS_CERT, signature_algorithm, X509_ALGOR),
                                ASN1_SIMPLE(PROMTLS_CERT, signature, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(PROMTLS_CERT)

                                ASN1_SEQUENCE(PROMTLS_RSA_PUB) =
                                    {
                                        ASN1_SIMPLE(PROMTLS_RSA_PUB, modulus, ASN1_INTEGER),
                                        ASN1_SIMPLE(PROMTLS_RSA_PUB, exponent, ASN1_INTEGER),
} static_ASN1_SEQUENCE_END(PROMTLS_RSA_PUB)

    // The summary path: the same certificate with everything it does not report kept as raw ANY
    // (copied, not decoded), and Names as OpenSSL's own internal Name form (x_name.c's
    // X509_NAME_INTERNAL: SEQUENCE OF SET OF X509_NAME_ENTRY) without the canonical encoding
    // X509_NAME computes for comparisons.
    typedef struct {
  ASN1_INTEGER* version;
  ASN1_INTEGER* serial;
  ASN1_TYPE* signature;
  STACK_OF(STACK_OF_X509_NAME_ENTRY) * issuer;
  PROMTLS_VALIDITY* validity;
  STACK_OF(STACK_OF_X509_NAME_ENTRY) * subject;
  ASN1_TYPE* key;
  ASN1_BIT_STRING* issuer_uid;
  ASN1_BIT_STRING* subject_uid;
  ASN1_TYPE* extensions;
} PROMTLS_TBS_SUMMARY;

typedef struct {
  PROMTLS_TBS_SUMMARY* tbs;
  ASN1_TYPE* signature_algorithm;
  ASN1_BIT_STRING* signature;
} PROMTLS_CERT_SUMMARY;

ASN1_ITEM_TEMPLATE(PROMTLS_RDN) = ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SET_OF, 0, RDNS, X509_NAME_ENTRY)
    static_ASN1_ITEM_TEMPLATE_END(PROMTLS_RDN)

        ASN1_ITEM_TEMPLATE(PROMTLS_NAME) = ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SEQUENCE_OF, 0, Name,
                                                                 PROMTLS_RDN)
            static_ASN1_ITEM_TEMPLATE_END(PROMTLS_NAME)

                ASN1_SEQUENCE(PROMTLS_TBS_SUMMARY) =
                    {
                        ASN1_EXP_OPT(PROMTLS_TBS_SUMMARY, version, ASN1_INTEGER, 0),
                        ASN1_SIMPLE(PROMTLS_TBS_SUMMARY, serial, ASN1_INTEGER),
                        ASN1_SIMPLE(PROMTLS_TBS_SUMMARY, signature, ASN1_ANY),
                        ASN1_SIMPLE(PROMTLS_TBS_SUMMARY, issuer, PROMTLS_NAME),
                        ASN1_SIMPLE(PROMTLS_TBS_SUMMARY, validity, PROMTLS_VALIDITY),
                        ASN1_SIMPLE(PROMTLS_TBS_SUMMARY, subject, PROMTLS_NAME),
                        ASN1_SIMPLE(PROMTLS_TBS_SUMMARY, key, ASN1_ANY),
                        ASN1_IMP_OPT(PROMTLS_TBS_SUMMARY, issuer_uid, ASN1_BIT_STRING, 1),
                        ASN1_IMP_OPT(PROMTLS_TBS_SUMMARY, subject_uid, ASN1_BIT_STRING, 2),
                        ASN1_EXP_OPT(PROMTLS_TBS_SUMMARY, extensions, ASN1_ANY, 3),
} static_ASN1_SEQUENCE_END(PROMTLS_TBS_SUMMARY)

                        ASN1_SEQUENCE(PROMTLS_CERT_SUMMARY) = {
                            ASN1_SIMPLE(PROMTLS_CERT_SUMMARY, tbs, PROMTLS_TBS_SUMMARY),
                            ASN1_SIMPLE(PROMTLS_CERT_SUMMARY, signature_algorithm, ASN1_ANY),
                            ASN1_SIMPLE(PROMTLS_CERT_SUMMARY, signature, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(PROMTLS_CERT_SUMMARY)

}  // extern "C"

namespace {

PROMTLS_CERT* d2i_cert(const unsigned char** in, long len) {
  return (PROMTLS_CERT*)ASN1_item_d2i(nullptr, in, len, ASN1_ITEM_rptr(PROMTLS_CERT));
}
void free_cert(PROMTLS_CERT* cert) {
  ASN1_item_free((ASN1_VALUE*)cert, ASN1_ITEM_rptr(PROMTLS_CERT));
}
PROMTLS_RSA_PUB* d2i_rsa_pub(const unsigned char** in, long len) {
  return (PROMTLS_RSA_PUB*)ASN1_item_d2i(nullptr, in, len, ASN1_ITEM_rptr(PROMTLS_RSA_PUB));
}
PROMTLS_CERT_SUMMARY* d2i_cert_summary(const unsigned char** in, long len) {
  return (PROMTLS_CERT_SUMMARY*)ASN1_item_d2i(nullptr, in, len,
                                              ASN1_ITEM_rptr(PROMTLS_CERT_SUMMARY));
}
void free_cert_summary(PROMTLS_CERT_SUMMARY* cert) {
  ASN1_item_free((ASN1_VALUE*)cert, ASN1_ITEM_rptr(PROMTLS_CERT_SUMMARY));
}
void free_rsa_pub(PROMTLS_RSA_PUB* key) {
  ASN1_item_free((ASN1_VALUE*)key, ASN1_ITEM_rptr(PROMTLS_RSA_PUB));
}

}  // namespace

#pragma GCC diagnostic pop

namespace promtls::tls {
namespace {

using CertPtr = std::unique_ptr<PROMTLS_CERT, detail::Deleter<free_cert>>;
using NamePtr = std::unique_ptr<X509_NAME, detail::Deleter<::X509_NAME_free>>;

// A decoded Name with the facts CertInfo needs from it.
struct NameFacts {
  NamePtr name;
  std::string text;
  std::string cn;
  std::vector<std::pair<std::string, std::string>> attributes;
  bool repaired = false;  // rebuilt by repaired_name(): compares by DER only
};

std::string_view der_of(const ASN1_TYPE* any) {
  if (any == nullptr || any->type != V_ASN1_SEQUENCE) return {};
  const ASN1_STRING* s = any->value.sequence;
  return {reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)),
          static_cast<std::size_t>(::ASN1_STRING_length(s))};
}

// A Name OpenSSL refuses to decode because a value is not what its string type says (a
// UTF8String that is not UTF-8: d2i_X509_NAME converts every value to its canonical form and
// fails), rebuilt from the raw entries with each value as utf8_text() gives it: the summary
// reader reads such a Name the same way, so every output reports the certificate alike.
NamePtr repaired_name(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  auto* rdns = reinterpret_cast<STACK_OF(STACK_OF_X509_NAME_ENTRY)*>(
      ASN1_item_d2i(nullptr, &p, static_cast<long>(der.size()), ASN1_ITEM_rptr(PROMTLS_NAME)));
  if (rdns == nullptr) return nullptr;
  NamePtr name(::X509_NAME_new());
  bool ok = name != nullptr;
  for (int i = 0; ok && i < sk_STACK_OF_X509_NAME_ENTRY_num(rdns); ++i) {
    const STACK_OF(X509_NAME_ENTRY)* rdn = sk_STACK_OF_X509_NAME_ENTRY_value(rdns, i);
    for (int j = 0; ok && j < sk_X509_NAME_ENTRY_num(rdn); ++j) {
      const X509_NAME_ENTRY* entry = sk_X509_NAME_ENTRY_value(rdn, j);
      const std::string text = detail::utf8_text(::X509_NAME_ENTRY_get_data(entry));
      // The first entry of an RDN opens a new set; the others join the last one.
      ok = ::X509_NAME_add_entry_by_OBJ(name.get(), ::X509_NAME_ENTRY_get_object(entry),
                                        MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(text.data()),
                                        static_cast<int>(text.size()), -1, j == 0 ? 0 : -1) == 1;
    }
  }
  ASN1_item_free(reinterpret_cast<ASN1_VALUE*>(rdns), ASN1_ITEM_rptr(PROMTLS_NAME));
  if (!ok) return nullptr;
  return name;
}

bool decode_name(std::string_view der, NameFacts& out, bool full = true) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  out.name.reset(::d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
  if (!out.name) {
    ::ERR_clear_error();
    out.name = repaired_name(der);
    out.repaired = out.name != nullptr;
  }
  if (!out.name) return false;
  if (full) out.text = detail::name_text(out.name.get());
  out.cn = detail::common_name(out.name.get());
  out.attributes = detail::attributes(out.name.get());
  return true;
}

// Issuers repeat (one CA signs many certificates): their decoded facts are kept per thread, keyed
// by the Name's DER, in a small cache that is emptied when full.
const NameFacts* issuer_facts(std::string_view der) {
  thread_local std::map<std::string, NameFacts, std::less<>> cache;
  auto it = cache.find(der);
  if (it != cache.end()) return &it->second;
  NameFacts facts;
  if (!decode_name(der, facts)) return nullptr;
  if (cache.size() >= 64) cache.clear();
  return &cache.emplace(std::string(der), std::move(facts)).first->second;
}
using RsaPubPtr = std::unique_ptr<PROMTLS_RSA_PUB, detail::Deleter<free_rsa_pub>>;

int bit_length(const ASN1_INTEGER* n) {
  const unsigned char* p = ::ASN1_STRING_get0_data(n);
  int len = ::ASN1_STRING_length(n);
  while (len > 0 && *p == 0) {
    ++p;
    --len;
  }
  if (len == 0) return 0;
  int top = 0;
  for (unsigned v = *p; v != 0; v >>= 1) ++top;
  return (len - 1) * 8 + top;
}

// EVP_PKEY_get_bits() of an EC key is the order's bit length of its group (not the field size);
// it depends only on the curve, so it is looked up once per curve.
int ec_order_bits(int curve_nid) {
  static std::mutex mutex;
  static std::map<int, int> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(curve_nid);
  if (it != cache.end()) return it->second;
  int bits = 0;
  if (EC_GROUP* group = ::EC_GROUP_new_by_curve_name(curve_nid)) {
    bits = ::EC_GROUP_order_bits(group);
    ::EC_GROUP_free(group);
  }
  cache.emplace(curve_nid, bits);
  return bits;
}

std::string bit_string_bytes(const ASN1_BIT_STRING* bits) {
  return std::string(reinterpret_cast<const char*>(::ASN1_STRING_get0_data(bits)),
                     static_cast<std::size_t>(::ASN1_STRING_length(bits)));
}

// Key type, size and curve from the SubjectPublicKeyInfo, with the names detail::key_info() uses.
// Returns false for algorithms that need the real key decoder.
//
// `base_id` and `material` receive what detail::public_key_id() hashes for such a key: the
// EVP_PKEY base id, then the RSA modulus in BN_bn2hex form, or the encoded public key (for EC
// and RFC 8410 keys that is the BIT STRING's content: OpenSSL keeps the point's encoding form).
bool key_from_spki(const PROMTLS_SPKI* spki, core::KeyInfo& key, int& base_id,
                   std::string& material) {
  const ASN1_OBJECT* oid = nullptr;
  int param_type = 0;
  const void* param = nullptr;
  ::X509_ALGOR_get0(&oid, &param_type, &param, spki->algorithm);
  const int nid = ::OBJ_obj2nid(oid);
  switch (nid) {
    case NID_rsaEncryption:
    case NID_rsassaPss: {
      const unsigned char* p = ::ASN1_STRING_get0_data(spki->public_key);
      RsaPubPtr rsa(d2i_rsa_pub(&p, ::ASN1_STRING_length(spki->public_key)));
      if (!rsa) return false;
      key.type = nid == NID_rsaEncryption ? "RSA" : "RSA-PSS";
      key.bits = bit_length(rsa->modulus);
      base_id = nid == NID_rsaEncryption ? EVP_PKEY_RSA : EVP_PKEY_RSA_PSS;
      std::unique_ptr<BIGNUM, detail::Deleter<::BN_free>> n(
          ::ASN1_INTEGER_to_BN(rsa->modulus, nullptr));
      if (!n) return false;
      char* text = ::BN_bn2hex(n.get());
      material = text;
      ::OPENSSL_free(text);
      return true;
    }
    case NID_X9_62_id_ecPublicKey: {
      if (param_type != V_ASN1_OBJECT) return false;  // explicit parameters: full decode
      const int curve = ::OBJ_obj2nid(static_cast<const ASN1_OBJECT*>(param));
      if (curve == NID_undef) return false;
      key.type = "EC";
      key.bits = ec_order_bits(curve);
      const char* nist = ::EC_curve_nid2nist(curve);
      key.curve = nist != nullptr ? nist : ::OBJ_nid2sn(curve);
      base_id = EVP_PKEY_EC;
      material = bit_string_bytes(spki->public_key);
      return key.bits > 0;
    }
    // RFC 8410 keys: the sizes OpenSSL reports for them (ED25519_BITS, ED448_BITS).
    case NID_ED25519:
      key.type = "Ed25519";
      key.bits = 256;
      base_id = EVP_PKEY_ED25519;
      material = bit_string_bytes(spki->public_key);
      return true;
    case NID_ED448:
      key.type = "Ed448";
      key.bits = 456;
      base_id = EVP_PKEY_ED448;
      material = bit_string_bytes(spki->public_key);
      return true;
    default:
      return false;
  }
}

void free_extensions(X509_EXTENSIONS* exts) {
  sk_X509_EXTENSION_pop_free(exts, ::X509_EXTENSION_free);
}

// SHA-256 through a digest fetched once: SHA256() fetches the algorithm on every call.
void sha256(const unsigned char* data, std::size_t len, unsigned char* digest) {
  static EVP_MD* const md = ::EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned int out_len = 0;
  ::EVP_Digest(data, len, digest, &out_len, md, nullptr);
}

}  // namespace

namespace {

using SummaryPtr = std::unique_ptr<PROMTLS_CERT_SUMMARY, detail::Deleter<free_cert_summary>>;

// The attributes of a Name in its internal form, as detail::attributes() gives them for the
// X509_NAME (same order: RDN by RDN, entries in encoded order), and the first CN as
// detail::common_name() finds it.
// With `out` null only the CN is read.
void summary_attributes(const STACK_OF(STACK_OF_X509_NAME_ENTRY) * rdns,
                        std::vector<std::pair<std::string, std::string>>* out, std::string& cn) {
  bool cn_found = false;
  for (int i = 0; i < sk_STACK_OF_X509_NAME_ENTRY_num(rdns); ++i) {
    const STACK_OF(X509_NAME_ENTRY)* rdn = sk_STACK_OF_X509_NAME_ENTRY_value(rdns, i);
    for (int j = 0; j < sk_X509_NAME_ENTRY_num(rdn); ++j) {
      const X509_NAME_ENTRY* entry = sk_X509_NAME_ENTRY_value(rdn, j);
      const int nid = ::OBJ_obj2nid(::X509_NAME_ENTRY_get_object(entry));
      if (out == nullptr && (cn_found || nid != NID_commonName)) continue;
      std::string text = detail::utf8_text(::X509_NAME_ENTRY_get_data(entry));
      if (nid == NID_commonName && !cn_found) {
        cn_found = true;
        cn = text;
      }
      if (out == nullptr) continue;
      out->emplace_back(nid == NID_undef ? "" : ::OBJ_nid2sn(nid), std::move(text));
    }
  }
}

// basicConstraints CA:TRUE among the Extensions kept as raw DER (only basicConstraints is
// decoded).
bool summary_is_ca(const ASN1_TYPE* extensions) {
  const std::string_view der = der_of(extensions);
  if (der.empty()) return false;
  const auto* e = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509_EXTENSIONS, detail::Deleter<free_extensions>> exts(
      ::d2i_X509_EXTENSIONS(nullptr, &e, static_cast<long>(der.size())));
  if (!exts) return false;
  bool ca = false;
  if (auto* bc = static_cast<BASIC_CONSTRAINTS*>(
          ::X509V3_get_d2i(exts.get(), NID_basic_constraints, nullptr, nullptr))) {
    ca = bc->ca != 0;
    ::BASIC_CONSTRAINTS_free(bc);
  }
  return ca;
}

bool read_summary(std::string_view der, core::CertInfo& info, std::size_t* consumed, bool table) {
  const auto* start = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* p = start;
  SummaryPtr cert(d2i_cert_summary(&p, static_cast<long>(der.size())));
  if (!cert) {
    ::ERR_clear_error();
    return false;
  }
  if (consumed != nullptr) *consumed = static_cast<std::size_t>(p - start);
  const PROMTLS_TBS_SUMMARY* tbs = cert->tbs;
  info = core::CertInfo{};
  if (table) {
    summary_attributes(tbs->subject, nullptr, info.subject_cn);
    // Without a CN the table names the certificate by its other attributes.
    if (info.subject_cn.empty()) {
      summary_attributes(tbs->subject, &info.subject_attributes, info.subject_cn);
    }
  } else {
    summary_attributes(tbs->subject, &info.subject_attributes, info.subject_cn);
    summary_attributes(tbs->issuer, &info.issuer_attributes, info.issuer_cn);
    info.serial = detail::serial_text(tbs->serial);
    info.is_ca = summary_is_ca(tbs->extensions);
  }
  info.not_before_unix = detail::unix_time(tbs->validity->not_before);
  info.not_after_unix = detail::unix_time(tbs->validity->not_after);
  // The fingerprint at every level: inspect reports a certificate met at several places once.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  sha256(start, static_cast<std::size_t>(p - start), digest);
  info.sha256_fingerprint = detail::hex(digest, sizeof digest, true, true);
  ::ERR_clear_error();
  return true;
}

}  // namespace

bool read_certificate_fast(std::string_view der, core::CertInfo& info, std::size_t* consumed,
                           CertDetail level) {
  if (level != CertDetail::full) {
    return read_summary(der, info, consumed, level == CertDetail::table);
  }
  const bool full = true;
  const auto* start = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* p = start;
  CertPtr cert(d2i_cert(&p, static_cast<long>(der.size())));
  if (!cert) {
    ::ERR_clear_error();
    return false;
  }
  const auto length = static_cast<std::size_t>(p - start);
  if (consumed != nullptr) *consumed = length;
  const PROMTLS_TBS* tbs = cert->tbs;

  const std::string_view subject_der = der_of(tbs->subject);
  const std::string_view issuer_der = der_of(tbs->issuer);
  NameFacts subject;
  const NameFacts* issuer = issuer_facts(issuer_der);
  if (issuer == nullptr || !decode_name(subject_der, subject, full)) {
    ::ERR_clear_error();
    return false;
  }
  info = core::CertInfo{};
  info.subject = std::move(subject.text);
  info.issuer = issuer->text;
  info.subject_cn = std::move(subject.cn);
  info.issuer_cn = issuer->cn;
  info.subject_attributes = std::move(subject.attributes);
  info.issuer_attributes = issuer->attributes;
  info.serial = detail::serial_text(tbs->serial);
  info.not_before_unix = detail::unix_time(tbs->validity->not_before);
  info.not_after_unix = detail::unix_time(tbs->validity->not_after);
  if (!full) {
    ::ERR_clear_error();
    return true;
  }
  info.self_signed =
      subject_der == issuer_der || (!subject.repaired && !issuer->repaired &&
                                    ::X509_NAME_cmp(subject.name.get(), issuer->name.get()) == 0);

  const PROMTLS_SPKI* spki = tbs->key;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  int base_id = 0;
  std::string material;
  if (key_from_spki(spki, info.key, base_id, material)) {
    material.insert(0, std::to_string(base_id) + ":");
    sha256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
    info.public_key_id = detail::hex(digest, sizeof digest, false, false);
  } else if (spki->enc.enc != nullptr) {
    // Other algorithms: decode just the key, as the full parse would.
    const unsigned char* k = spki->enc.enc;
    detail::EvpPkeyPtr pkey(::d2i_PUBKEY(nullptr, &k, spki->enc.len));
    if (pkey) {
      info.key = detail::key_info(pkey.get());
      info.public_key_id = detail::public_key_id(pkey.get());
    } else {
      info.key = core::KeyInfo{};
    }
    ::ERR_clear_error();
  }

  const ASN1_OBJECT* sig_oid = nullptr;
  ::X509_ALGOR_get0(&sig_oid, nullptr, nullptr, cert->signature_algorithm);
  info.signature_algorithm = ::OBJ_nid2ln(::OBJ_obj2nid(sig_oid));
  sha256(start, length, digest);
  info.sha256_fingerprint = detail::hex(digest, sizeof digest, true, true);

  const std::string_view exts_der = der_of(tbs->extensions);
  const auto* e = reinterpret_cast<const unsigned char*>(exts_der.data());
  std::unique_ptr<X509_EXTENSIONS, detail::Deleter<free_extensions>> extensions(
      exts_der.empty() ? nullptr
                       : ::d2i_X509_EXTENSIONS(nullptr, &e, static_cast<long>(exts_der.size())));
  if (!exts_der.empty() && !extensions) {
    ::ERR_clear_error();
    return false;  // d2i_X509 refuses malformed extensions too
  }
  if (const STACK_OF(X509_EXTENSION)* exts = extensions.get()) {
    if (auto* bc = static_cast<BASIC_CONSTRAINTS*>(
            ::X509V3_get_d2i(exts, NID_basic_constraints, nullptr, nullptr))) {
      info.is_ca = bc->ca != 0;
      ::BASIC_CONSTRAINTS_free(bc);
    }
    if (auto* names = static_cast<GENERAL_NAMES*>(
            ::X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr))) {
      detail::add_sans(names, info);
      ::GENERAL_NAMES_free(names);
    }
    if (auto* eku = static_cast<EXTENDED_KEY_USAGE*>(
            ::X509V3_get_d2i(exts, NID_ext_key_usage, nullptr, nullptr))) {
      detail::add_eku(eku, info);
      ::EXTENDED_KEY_USAGE_free(eku);
    }
  }
  ::ERR_clear_error();
  return true;
}

namespace {

constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";

// The common case: only plain "CERTIFICATE" blocks without RFC 1421 headers, each at the start of
// a line. Their bodies go straight to OpenSSL's base64 decoder (EVP_Decode*, what PEM_read_bio
// uses), without a BIO and line-by-line copies. Returns false when the text needs the general
// reader (other block types, headers, a body that does not decode).
bool simple_pem(std::string_view pem, std::vector<std::string>& ders) {
  if (pem.find("-----BEGIN ") != pem.find(kBegin)) return false;  // another block type first
  std::size_t pos = 0;
  std::unique_ptr<EVP_ENCODE_CTX, detail::Deleter<::EVP_ENCODE_CTX_free>> ctx(
      ::EVP_ENCODE_CTX_new());
  for (;;) {
    const std::size_t begin = pem.find("-----BEGIN ", pos);
    if (begin == std::string_view::npos) return true;
    if (pem.compare(begin, kBegin.size(), kBegin) != 0) return false;
    if (begin > 0 && pem[begin - 1] != '\n') return false;
    std::size_t body = begin + kBegin.size();
    if (body < pem.size() && pem[body] == '\r') ++body;
    if (body >= pem.size() || pem[body] != '\n') return false;
    ++body;
    const std::size_t end = pem.find(kEnd, body);
    if (end == std::string_view::npos || pem[end - 1] != '\n') return false;
    // A BEGIN line before the END line: a block that never ended (the general reader says so).
    if (pem.find("-----BEGIN ", body) < end) return false;
    const std::string_view b64 = pem.substr(body, end - body);
    if (b64.find(':') != std::string_view::npos) return false;  // RFC 1421 headers
    std::string der(b64.size() * 3 / 4 + 3, '\0');
    int out_len = 0;
    int final_len = 0;
    ::EVP_DecodeInit(ctx.get());
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (::EVP_DecodeUpdate(ctx.get(), out, &out_len,
                           reinterpret_cast<const unsigned char*>(b64.data()),
                           static_cast<int>(b64.size())) < 0 ||
        ::EVP_DecodeFinal(ctx.get(), out + out_len, &final_len) != 1) {
      return false;
    }
    der.resize(static_cast<std::size_t>(out_len + final_len));
    ders.push_back(std::move(der));
    pos = end + kEnd.size();
  }
}

}  // namespace

std::vector<core::CertInfo> read_pem_certificates_fast(std::string_view pem, std::size_t* blocks,
                                                       std::size_t* bad_blocks, CertDetail level) {
  std::vector<core::CertInfo> certs;
  auto take = [&](std::string_view der) {
    if (blocks != nullptr) ++*blocks;
    core::CertInfo info;
    if (read_certificate_fast(der, info, nullptr, level)) {
      certs.push_back(std::move(info));
    } else if (bad_blocks != nullptr) {
      ++*bad_blocks;
    }
  };
  if (std::vector<std::string> ders; simple_pem(pem, ders)) {
    for (const std::string& der : ders) take(der);
    return certs;
  }
  for (const detail::PemBlock& block : detail::pem_blocks(pem)) {
    // The one list of names (pem.hpp). A TRUSTED CERTIFICATE carries trust settings after the
    // certificate; they are ignored.
    if (is_certificate_block(block.name)) take(block.data);
  }
  return certs;
}

}  // namespace promtls::tls
