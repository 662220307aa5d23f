// X509 → core::CertInfo, through OpenSSL's full certificate parse.
#include "cert_info.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "promtls/core/time.hpp"

namespace promtls::tls::detail {

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

constexpr std::uint32_t kReplacement = 0xfffd;

// The length of the well-formed UTF-8 sequence (RFC 3629 §4: no overlong forms, surrogates or
// code points past U+10FFFF) at the start of `s`, or 0.
std::size_t utf8_sequence(std::string_view s) {
  const auto b = static_cast<unsigned char>(s[0]);
  if (b < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (b >= 0xc2 && b <= 0xdf) {
    n = 2;
    cp = b & 0x1fu;
  } else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    cp = b & 0x0fu;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    cp = b & 0x07u;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[k]);
    if ((c & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

bool seven_bit_type(int type) {
  return type == V_ASN1_PRINTABLESTRING || type == V_ASN1_IA5STRING ||
         type == V_ASN1_VISIBLESTRING || type == V_ASN1_NUMERICSTRING;
}

// utf8_text() of a UTF8String or a 7-bit type: its bytes, repaired.
std::string direct_text(const ASN1_STRING* s) {
  const std::string_view raw(reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)),
                             static_cast<std::size_t>(::ASN1_STRING_length(s)));
  if (!seven_bit_type(::ASN1_STRING_type(s))) return repair_utf8(raw);
  std::string out;
  out.reserve(raw.size());
  for (const char c : raw) {
    if (static_cast<unsigned char>(c) < 0x80) {
      out += c;
    } else {
      append_utf8(out, kReplacement);
    }
  }
  return out;
}

// True when utf8_text() changes some value of `name` where X509_NAME_print_ex would not: an
// invalid UTF8String, or a 7-bit type with a byte past 0x7f (print_ex reads it as Latin-1).
bool needs_repair(const X509_NAME* name) {
  for (int i = 0; i < ::X509_NAME_entry_count(name); ++i) {
    const ASN1_STRING* s = ::X509_NAME_ENTRY_get_data(::X509_NAME_get_entry(name, i));
    const int type = ::ASN1_STRING_type(s);
    if (type != V_ASN1_UTF8STRING && !seven_bit_type(type)) continue;
    std::string_view raw(reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)),
                         static_cast<std::size_t>(::ASN1_STRING_length(s)));
    while (!raw.empty()) {
      const std::size_t n =
          seven_bit_type(type) ? static_cast<std::size_t>(static_cast<unsigned char>(raw[0]) < 0x80)
                               : utf8_sequence(raw);
      if (n == 0) return true;
      raw.remove_prefix(n);
    }
  }
  return false;
}

std::string print_name(const X509_NAME* name) {
  BioPtr bio(::BIO_new(::BIO_s_mem()));
  ::X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  ::ERR_clear_error();
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

std::string repair_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    const std::size_t n = utf8_sequence(bytes);
    if (n == 0) {
      append_utf8(out, kReplacement);
      bytes.remove_prefix(1);
    } else {
      out.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
    }
  }
  return out;
}

std::string utf8_text(const ASN1_STRING* s) {
  const int type = ::ASN1_STRING_type(s);
  if (type == V_ASN1_UTF8STRING || seven_bit_type(type)) return direct_text(s);
  unsigned char* utf8 = nullptr;
  const int len = ::ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) {
    // A BMPString of odd length, a UniversalString of a code point past U+10FFFF.
    ::ERR_clear_error();
    return repair_utf8(std::string_view(reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)),
                                        static_cast<std::size_t>(::ASN1_STRING_length(s))));
  }
  std::string out =
      repair_utf8(std::string_view(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len)));
  ::OPENSSL_free(utf8);
  return out;
}

std::string name_text(const X509_NAME* name) {
  if (!needs_repair(name)) return repair_utf8(print_name(name));
  // print_ex stops at the first string that is not UTF-8, and reads 7-bit types as Latin-1:
  // print a copy whose values are utf8_text()'s, so the one-line form agrees with the
  // attributes and the CN.
  const std::unique_ptr<X509_NAME, Deleter<::X509_NAME_free>> copy(::X509_NAME_new());
  for (int i = 0; i < ::X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = ::X509_NAME_get_entry(name, i);
    const std::string text = utf8_text(::X509_NAME_ENTRY_get_data(entry));
    const int set = ::X509_NAME_ENTRY_set(entry);
    const int previous = i == 0 ? -1 : ::X509_NAME_ENTRY_set(::X509_NAME_get_entry(name, i - 1));
    ::X509_NAME_add_entry_by_OBJ(copy.get(), ::X509_NAME_ENTRY_get_object(entry), MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(text.data()),
                                 static_cast<int>(text.size()), -1, set == previous ? -1 : 0);
  }
  std::string text = repair_utf8(print_name(copy.get()));
  if (!text.empty()) return text;
  // The copy did not print: the attributes in RFC 2253's order (last RDN first), unescaped.
  const auto values = attributes(name);
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    text += (text.empty() ? "" : ",") + it->first + "=" + it->second;
  }
  return text;
}

std::string common_name(const X509_NAME* name) {
  const int idx = ::X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return {};
  return utf8_text(::X509_NAME_ENTRY_get_data(::X509_NAME_get_entry(name, idx)));
}

std::vector<std::pair<std::string, std::string>> attributes(const X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < ::X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = ::X509_NAME_get_entry(name, i);
    const int nid = ::OBJ_obj2nid(::X509_NAME_ENTRY_get_object(entry));
    out.emplace_back(nid == NID_undef ? "" : ::OBJ_nid2sn(nid),
                     utf8_text(::X509_NAME_ENTRY_get_data(entry)));
  }
  return out;
}

std::int64_t unix_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (::ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  const std::int64_t days = core::days_from_civil(
      tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1), static_cast<unsigned>(tm.tm_mday));
  return days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  const unsigned char* p = ::ASN1_STRING_get0_data(ip);
  const int len = ::ASN1_STRING_length(ip);
  char buf[INET6_ADDRSTRLEN] = {};
  if (len == 4 && ::inet_ntop(AF_INET, p, buf, sizeof buf) != nullptr) return buf;
  if (len == 16 && ::inet_ntop(AF_INET6, p, buf, sizeof buf) != nullptr) return buf;
  return "<" + std::to_string(len) + "-byte address>";
}

void add_sans(const GENERAL_NAMES* names, core::CertInfo& out) {
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    switch (gn->type) {
      case GEN_DNS:
        out.dns_names.push_back(utf8_text(gn->d.dNSName));
        break;
      case GEN_IPADD:
        out.ip_addresses.push_back(ip_text(gn->d.iPAddress));
        break;
      case GEN_EMAIL:
        out.emails.push_back(utf8_text(gn->d.rfc822Name));
        break;
      case GEN_URI:
        out.uris.push_back(utf8_text(gn->d.uniformResourceIdentifier));
        break;
      default:
        break;
    }
  }
}

void add_eku(const EXTENDED_KEY_USAGE* eku, core::CertInfo& out) {
  if (eku == nullptr) return;
  out.has_extended_key_usage = true;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
    const ASN1_OBJECT* obj = sk_ASN1_OBJECT_value(eku, i);
    const int nid = ::OBJ_obj2nid(obj);
    if (nid != NID_undef) {
      out.extended_key_usage.emplace_back(::OBJ_nid2sn(nid));
    } else {
      char buf[128];
      ::OBJ_obj2txt(buf, sizeof buf, obj, 1);
      out.extended_key_usage.emplace_back(buf);
    }
  }
}

namespace {

template <typename T, auto Free>
using Owned = std::unique_ptr<T, Deleter<Free>>;

void read_sans(X509* cert, core::CertInfo& out) {
  Owned<GENERAL_NAMES, ::GENERAL_NAMES_free> names(static_cast<GENERAL_NAMES*>(
      ::X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  add_sans(names.get(), out);
}

void read_eku(X509* cert, core::CertInfo& out) {
  Owned<EXTENDED_KEY_USAGE, ::EXTENDED_KEY_USAGE_free> eku(static_cast<EXTENDED_KEY_USAGE*>(
      ::X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr)));
  add_eku(eku.get(), out);
}

}  // namespace

std::string serial_text(const ASN1_INTEGER* serial_number) {
  std::string out;
  Owned<BIGNUM, ::BN_free> serial(::ASN1_INTEGER_to_BN(serial_number, nullptr));
  if (serial) {
    char* text = ::BN_bn2hex(serial.get());
    out = text;
    ::OPENSSL_free(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool negative = !out.empty() && out.front() == '-';
    const std::size_t first = out.find_first_not_of('0', negative ? 1 : 0);
    out = (negative ? "-" : "") + (first == std::string::npos ? "0" : out.substr(first));
  }
  return out;
}

std::string hex(const unsigned char* data, std::size_t len, bool colons, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(len * 3);
  for (std::size_t i = 0; i < len; ++i) {
    if (colons && i > 0) out += ':';
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xF];
  }
  return out;
}

core::KeyInfo key_info(const EVP_PKEY* key) {
  core::KeyInfo info;
  switch (::EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      info.type = "RSA";
      break;
    case EVP_PKEY_RSA_PSS:
      info.type = "RSA-PSS";
      break;
    case EVP_PKEY_EC:
      info.type = "EC";
      break;
    case EVP_PKEY_ED25519:
      info.type = "Ed25519";
      break;
    case EVP_PKEY_ED448:
      info.type = "Ed448";
      break;
    case EVP_PKEY_DSA:
      info.type = "DSA";
      break;
    default: {
      const char* name = ::EVP_PKEY_get0_type_name(key);
      info.type = name != nullptr ? name : "unknown";
    }
  }
  info.bits = ::EVP_PKEY_get_bits(key);
  if (info.type == "EC") {
    char group[80] = {};
    std::size_t len = 0;
    if (::EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                         &len) == 1) {
      const char* nist = ::EC_curve_nid2nist(::OBJ_sn2nid(group));
      info.curve = nist != nullptr ? nist : group;
    }
  }
  return info;
}

std::string public_key_id(const EVP_PKEY* key) {
  // Parameter reads are cheap; re-encoding the key as a SubjectPublicKeyInfo goes through
  // OpenSSL 3's encoder machinery and cost a sixth of a validate run.
  std::string material = std::to_string(::EVP_PKEY_get_base_id(key)) + ":";
  BIGNUM* n = nullptr;
  if (::EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1) {
    char* text = ::BN_bn2hex(n);
    material += text;
    ::OPENSSL_free(text);
    ::BN_free(n);
  } else {
    unsigned char buf[2600];
    std::size_t len = 0;
    if (::EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf,
                                          &len) == 1 ||
        ::EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len) ==
            1) {
      material.append(reinterpret_cast<char*>(buf), len);
    } else {
      unsigned char* der = nullptr;
      const int der_len = ::i2d_PUBKEY(key, &der);
      if (der_len <= 0) {
        ::ERR_clear_error();
        return {};
      }
      material.append(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_len));
      ::OPENSSL_free(der);
    }
  }
  ::ERR_clear_error();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  ::SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  return hex(digest, sizeof digest, false, false);
}

core::CertInfo cert_info(X509* cert) {
  core::CertInfo info;
  const X509_NAME* subject = ::X509_get_subject_name(cert);
  const X509_NAME* issuer = ::X509_get_issuer_name(cert);
  info.subject = name_text(subject);
  info.issuer = name_text(issuer);
  info.subject_cn = common_name(subject);
  info.issuer_cn = common_name(issuer);
  info.subject_attributes = attributes(subject);
  info.issuer_attributes = attributes(issuer);
  info.self_signed = ::X509_NAME_cmp(subject, issuer) == 0;

  info.serial = serial_text(::X509_get0_serialNumber(cert));
  info.not_before_unix = unix_time(::X509_get0_notBefore(cert));
  info.not_after_unix = unix_time(::X509_get0_notAfter(cert));
  if (const EVP_PKEY* key = ::X509_get0_pubkey(cert)) {
    info.key = key_info(key);
    info.public_key_id = public_key_id(key);
  }
  info.signature_algorithm = ::OBJ_nid2ln(::X509_get_signature_nid(cert));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (::X509_digest(cert, ::EVP_sha256(), digest, &digest_len) == 1) {
    info.sha256_fingerprint = hex(digest, digest_len, true, true);
  }
  Owned<BASIC_CONSTRAINTS, ::BASIC_CONSTRAINTS_free> bc(static_cast<BASIC_CONSTRAINTS*>(
      ::X509_get_ext_d2i(cert, NID_basic_constraints, nullptr, nullptr)));
  info.is_ca = bc && bc->ca != 0;
  read_sans(cert, info);
  read_eku(cert, info);
  ::ERR_clear_error();
  return info;
}

}  // namespace promtls::tls::detail
