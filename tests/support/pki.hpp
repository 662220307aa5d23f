// Test PKI builder: keys and certificates made in memory with OpenSSL, with explicit validity
// windows (never relative to the day the tests run), written as PEM/DER files on request.
// Used by unit, integration and CLI tests, and by tests/data/make-demo-pki.
// Not thread-safe per object; independent objects may be used from different threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fixed_time.hpp"

namespace promtls::test {

enum class KeyKind { ec_p256, ec_p384, rsa_1024, rsa_2048, ed25519 };

class Key {
 public:
  explicit Key(KeyKind kind);
  ~Key();
  Key(Key&&) noexcept;
  Key& operator=(Key&&) noexcept;

  // PKCS#8 PEM ("PRIVATE KEY"), or encrypted PKCS#8 with `passphrase`.
  std::string private_pem(const std::string& passphrase = {}) const;
  // Traditional PEM ("RSA PRIVATE KEY" / "EC PRIVATE KEY").
  std::string traditional_pem() const;
  // SubjectPublicKeyInfo PEM ("PUBLIC KEY").
  std::string public_pem() const;
  void* native() const;  // EVP_PKEY*

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct CertSpec {
  std::string cn = "localhost";
  std::vector<std::string> dns = {"localhost"};
  std::vector<std::string> ips = {"127.0.0.1"};
  std::int64_t not_before = kNow - 30 * kDay;
  std::int64_t not_after = kNow + 365 * kDay;
  bool is_ca = false;
  std::vector<std::string> eku = {"serverAuth", "clientAuth"};  // empty: no EKU extension
  std::string signature_digest = "SHA256";                      // "SHA1" for weak fixtures
  std::uint64_t serial = 0;                                     // 0: derived from the CN
  std::optional<std::string> organization;
  // The CN as exactly these bytes in an ASN.1 string of `cn_string_type` (hostile certificates,
  // issue 18): "T61String" (which OpenSSL reads as Latin-1), "UTF8String", "BMPString"; empty: a
  // UTF8String of `cn` as usual. Subject only. A UTF8String that is not UTF-8 throws: OpenSSL
  // neither encodes nor decodes such a Name (d2i_X509 refuses the whole certificate).
  std::string cn_string_type;
};

class Cert {
 public:
  Cert(void* x509);  // takes ownership of an X509*
  ~Cert();
  Cert(Cert&&) noexcept;
  Cert& operator=(Cert&&) noexcept;

  std::string pem() const;
  std::string der() const;
  void* native() const;  // X509*

 private:
  void* x509_;
};

// Issues a certificate for `subject_key` signed by `issuer_key`; self-signed when `issuer` is
// null (then `issuer_key` must be the subject's key).
Cert issue(const CertSpec& spec, const Key& subject_key, const Cert* issuer, const Key& issuer_key);

// A CA with its key, and helpers to issue leaves.
struct Authority {
  Key key;
  Cert cert;
  static Authority make(const std::string& cn, KeyKind kind = KeyKind::ec_p256,
                        std::int64_t not_before = kNow - 365 * kDay,
                        std::int64_t not_after = kNow + 3650 * kDay);
  Cert leaf(const CertSpec& spec, const Key& subject_key) const {
    return issue(spec, subject_key, &cert, key);
  }
};

// A real three-level chain: a root CA "<name>-root", an intermediate CA "<name>-intermediate"
// it issued, and a leaf (CertSpec's defaults, CN "metrics") for `leaf_key` issued by the
// intermediate.
struct Chain {
  Authority root;
  Key intermediate_key;
  Cert intermediate;
  Cert leaf;
  static Chain make(const Key& leaf_key, const std::string& name = "chain");
};

// A PKCS#12 file (DER) holding `key`, `cert` and `chain`, protected by `password` (may be empty).
std::string pkcs12(const Cert& cert, const Key& key, const std::vector<const Cert*>& chain,
                   const std::string& password);

// `der` (a PKCS#12 with a MAC) with the MAC's iteration count replaced by `iterations`: the
// MAC no longer verifies, but reading the count costs nothing, and a reader that verifies first
// spends `iterations` rounds per password (issue 18). Made without running them.
std::string pkcs12_with_mac_iterations(const std::string& der, long iterations);

// A PKCS#12 (no password, a MAC of one iteration) holding `cert` and a PKCS#8 shrouded key bag
// whose PBES2/PBKDF2 parameters ask for `iterations` rounds (its ciphertext is random): a reader
// that decrypts the bag spends them. Made without running them.
std::string pkcs12_with_key_bag_iterations(const Cert& cert, long iterations);

// A compact JWS ({"alg":alg,"typ":"JWT"}.payload.signature) of `payload_json`, signed with `key`;
// `alg` is RS256, RS512, PS256, PS512, ES256 or ES384.
std::string sign_jwt(const std::string& payload_json, const Key& key, const std::string& alg);

// Unpadded base64url (RFC 4648 §5).
std::string base64url(const std::string& bytes);

// A temporary directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `name` inside the directory with `mode`; returns the full path.
  std::string write(const std::string& name, const std::string& content,
                    unsigned mode = 0600) const;

 private:
  std::filesystem::path path_;
};

}  // namespace promtls::test
