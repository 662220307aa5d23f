// PKCS#12 certificate sources (sources_detail.hpp), including files written with the legacy
// algorithms (`openssl pkcs12 -export -legacy`: RC2-40-CBC or 3DES bags, as Windows and older
// Java write them), which OpenSSL 3 reads only through its "legacy" provider.
#include <openssl/crypto.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>

#include "detail/openssl.hpp"
#include "promtls/tls/fast_cert.hpp"
#include "sources_detail.hpp"

namespace promtls::tls::detail {
namespace {

// The most MAC or PBKDF iterations a PKCS#12 file may ask for (README, Reliability): 500 times
// OpenSSL's and Java's defaults (2,048 and 10,000), above OWASP's 600,000 for PBKDF2-SHA256, and
// about a second of one core per password tried.
constexpr long kMaxPkcs12Iterations = 5'000'000;

struct Pkcs12Deleter {
  void operator()(PKCS12* p) const noexcept { ::PKCS12_free(p); }
};
using Pkcs12Ptr = std::unique_ptr<PKCS12, Pkcs12Deleter>;

// Why a private library context rather than loading "legacy" into the default one: the default
// context is the whole process's (serve's and selftest's TLS contexts, chain verification).
// Loading a provider there explicitly also stops OpenSSL from loading "default" implicitly
// (OSSL_PROVIDER(7): the fallback applies only while no provider was loaded), and would leave
// MD4, RC4, DES, Blowfish and the rest available to everything for the life of the process
// because one keystore file needed them. A private OSSL_LIB_CTX holding "default" (for SHA-1,
// the MAC and the modern bags) and "legacy" (RC2, DES) confines the weak algorithms to reading
// PKCS#12 files: it is made the calling thread's default context only while one file is parsed
// (OSSL_LIB_CTX_set0_default(3) is per-thread in OpenSSL 3.0), since PKCS12_parse() has no
// library-context parameter. Made once (a function-local static: thread-safe initialisation),
// never freed; an OSSL_LIB_CTX may be used by several threads at once. Null when either
// provider cannot be loaded (Debian 12 ships legacy.so in libssl3, in ossl-modules/).
OSSL_LIB_CTX* legacy_context() {
  static OSSL_LIB_CTX* const context = []() -> OSSL_LIB_CTX* {
    OSSL_LIB_CTX* ctx = ::OSSL_LIB_CTX_new();
    if (ctx == nullptr) return nullptr;
    if (::OSSL_PROVIDER_load(ctx, "default") == nullptr ||
        ::OSSL_PROVIDER_load(ctx, "legacy") == nullptr) {
      ::ERR_clear_error();
      // Kept, not freed: OpenSSL 3.0 leaves parts of a failed provider load behind that
      // OSSL_LIB_CTX_free() no longer reaches (LeakSanitizer sees them lost). Once per process.
      static OSSL_LIB_CTX* const failed = ctx;
      static_cast<void>(failed);
      return nullptr;
    }
    return ctx;
  }();
  return context;
}

// Where OpenSSL looks for provider modules, for the error when "legacy" is missing.
std::string modules_dir() {
  const char* env = std::getenv("OPENSSL_MODULES");
  if (env != nullptr && *env != '\0') return env;
  const char* dir = ::OPENSSL_info(OPENSSL_INFO_MODULES_DIR);
  return dir != nullptr ? dir : "OpenSSL's MODULESDIR";
}

// Makes `ctx` the calling thread's default library context for the scope.
class ScopedDefaultContext {
 public:
  explicit ScopedDefaultContext(OSSL_LIB_CTX* ctx) : previous_(::OSSL_LIB_CTX_set0_default(ctx)) {}
  ~ScopedDefaultContext() { ::OSSL_LIB_CTX_set0_default(previous_); }
  ScopedDefaultContext(const ScopedDefaultContext&) = delete;
  ScopedDefaultContext& operator=(const ScopedDefaultContext&) = delete;

 private:
  OSSL_LIB_CTX* previous_;
};

// Drains the error queue; true when some entry says an algorithm is not available (no provider
// implements it: "unsupported", as RC2-40-CBC is under the default provider alone).
bool drain_unsupported() {
  bool unsupported = false;
  for (unsigned long e = ::ERR_get_error(); e != 0; e = ::ERR_get_error()) {
    if (ERR_GET_REASON(e) == ERR_R_UNSUPPORTED) unsupported = true;
  }
  return unsupported;
}

// The key-derivation iterations `alg` asks for: PBES2 with PBKDF2 (PBKDF2-params' iteration
// count), or a PKCS#12 / PKCS#5 v1 PBE (PBEParameter's); nullopt for anything else (no
// iteration count to bound). A count that does not fit a long is LONG_MAX.
std::optional<long> pbe_iterations(const X509_ALGOR* alg) {
  if (alg == nullptr) return std::nullopt;
  const ASN1_OBJECT* oid = nullptr;
  int ptype = 0;
  const void* pval = nullptr;
  ::X509_ALGOR_get0(&oid, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE || alg->parameter == nullptr) return std::nullopt;
  const auto count = [](const ASN1_INTEGER* iter) -> long {
    const long n = ::ASN1_INTEGER_get(iter);
    ::ERR_clear_error();
    return n < 0 ? std::numeric_limits<long>::max() : n;
  };
  if (::OBJ_obj2nid(oid) == NID_pbes2) {
    auto* pbe2 = static_cast<PBE2PARAM*>(
        ::ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter));
    if (pbe2 == nullptr) return std::nullopt;
    std::optional<long> out;
    if (pbe2->keyfunc != nullptr && ::OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2 &&
        pbe2->keyfunc->parameter != nullptr) {
      auto* kdf = static_cast<PBKDF2PARAM*>(
          ::ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter));
      if (kdf != nullptr) out = count(kdf->iter);
      ::PBKDF2PARAM_free(kdf);
    }
    ::PBE2PARAM_free(pbe2);
    ::ERR_clear_error();
    return out;
  }
  auto* pbe =
      static_cast<PBEPARAM*>(::ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter));
  ::ERR_clear_error();
  if (pbe == nullptr) return std::nullopt;
  const long out = count(pbe->iter);
  ::PBEPARAM_free(pbe);
  return out;
}

// The largest iteration count among what can be seen without a password: the MAC's and each
// encrypted safe's and each plain safe's shrouded key bags'. A count above
// kMaxPkcs12Iterations is refused before any key derivation runs.
long visible_iterations(PKCS12* p12) {
  long most = 0;
  const auto note = [&most](std::optional<long> n) {
    if (n) most = std::max(most, *n);
  };
  if (::PKCS12_mac_present(p12) == 1) {
    const ASN1_INTEGER* iter = nullptr;
    ::PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12);
    // An absent count is the default, 1 (RFC 7292 §4).
    if (iter != nullptr) {
      const long n = ::ASN1_INTEGER_get(iter);
      note(n < 0 ? std::numeric_limits<long>::max() : n);
    }
  }
  STACK_OF(PKCS7)* safes = ::PKCS12_unpack_authsafes(p12);
  for (int i = 0; safes != nullptr && i < sk_PKCS7_num(safes); ++i) {
    PKCS7* safe = sk_PKCS7_value(safes, i);
    const int type = ::OBJ_obj2nid(safe->type);
    if (type == NID_pkcs7_encrypted && safe->d.encrypted != nullptr &&
        safe->d.encrypted->enc_data != nullptr) {
      note(pbe_iterations(safe->d.encrypted->enc_data->algorithm));
    } else if (type == NID_pkcs7_data) {
      STACK_OF(PKCS12_SAFEBAG)* bags = ::PKCS12_unpack_p7data(safe);
      for (int b = 0; bags != nullptr && b < sk_PKCS12_SAFEBAG_num(bags); ++b) {
        const X509_SIG* shrouded = ::PKCS12_SAFEBAG_get0_pkcs8(sk_PKCS12_SAFEBAG_value(bags, b));
        if (shrouded == nullptr) continue;
        const X509_ALGOR* alg = nullptr;
        ::X509_SIG_get0(shrouded, &alg, nullptr);
        note(pbe_iterations(alg));
      }
      sk_PKCS12_SAFEBAG_pop_free(bags, ::PKCS12_SAFEBAG_free);
    }
  }
  sk_PKCS7_pop_free(safes, ::PKCS7_free);
  ::ERR_clear_error();
  return most;
}

enum class Outcome { read, bad_passphrase, bad_bags, unsupported };

// One attempt at `bytes` (already known to be PKCS#12) under the thread's current default
// library context: the MAC tells which password is right, then PKCS12_parse() decrypts the bags.
// The private key it decrypts is freed at once, never exposed. `ders` gets the certificates.
Outcome read_pkcs12(std::string_view bytes, const std::vector<const char*>& candidates,
                    std::vector<std::string>& ders) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  Pkcs12Ptr p12(::d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size())));
  if (!p12) return drain_unsupported() ? Outcome::unsupported : Outcome::bad_bags;
  bool unsupported = false;
  std::vector<const char*> to_try;
  if (::PKCS12_mac_present(p12.get()) == 0) {
    to_try = candidates;  // no integrity password: the one that decrypts the bags is right
  } else {
    for (const char* candidate : candidates) {
      const int len = candidate == nullptr ? 0 : -1;
      if (::PKCS12_verify_mac(p12.get(), candidate, len) == 1) {
        to_try.push_back(candidate);
        break;
      }
      unsupported = drain_unsupported() || unsupported;
    }
    if (to_try.empty()) return unsupported ? Outcome::unsupported : Outcome::bad_passphrase;
  }
  for (const char* password : to_try) {
    EVP_PKEY* pkey = nullptr;
    X509* cert = nullptr;
    STACK_OF(X509)* ca = nullptr;
    if (::PKCS12_parse(p12.get(), password, &pkey, &cert, &ca) != 1) {
      unsupported = drain_unsupported() || unsupported;
      continue;
    }
    ::EVP_PKEY_free(pkey);
    std::vector<X509*> all;
    if (cert != nullptr) all.push_back(cert);
    for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i) all.push_back(sk_X509_value(ca, i));
    for (X509* x : all) {
      unsigned char* der = nullptr;
      const int len = ::i2d_X509(x, &der);
      if (len > 0) ders.emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
      ::OPENSSL_free(der);
    }
    ::X509_free(cert);
    sk_X509_pop_free(ca, ::X509_free);
    ::ERR_clear_error();
    return Outcome::read;
  }
  return unsupported ? Outcome::unsupported : Outcome::bad_bags;
}

}  // namespace

bool load_pkcs12(std::string_view bytes, const std::string& source, const SourceOptions& options,
                 LoadResult& out) {
  core::CertLocation location;
  location.filepath = source;
  return load_pkcs12(bytes, source, source, location, options, out);
}

bool load_pkcs12(std::string_view bytes, const std::string& source, const std::string& what,
                 const core::CertLocation& location, const SourceOptions& options,
                 LoadResult& out) {
  {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    Pkcs12Ptr probe(::d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size())));
    ::ERR_clear_error();
    if (!probe) return false;
    const long iterations = visible_iterations(probe.get());
    if (iterations > kMaxPkcs12Iterations) {
      // 2^31-1 iterations pin a core for minutes per password tried (issue 18).
      out.errors.push_back({source, "bad_pkcs12",
                            what + ": PKCS#12 asks for " + std::to_string(iterations) +
                                " key-derivation iterations, more than the " +
                                std::to_string(kMaxPkcs12Iterations) + " promtls allows"});
      return true;
    }
  }
  std::vector<const char*> candidates{nullptr, ""};
  for (const std::string& pw : options.passwords) candidates.push_back(pw.c_str());
  std::vector<std::string> ders;
  Outcome outcome = read_pkcs12(bytes, candidates, ders);
  if (outcome == Outcome::unsupported) {
    // Only now, when the default provider lacks an algorithm the file uses.
    OSSL_LIB_CTX* legacy = legacy_context();
    if (legacy == nullptr) {
      out.errors.push_back(
          {source, "bad_pkcs12",
           what +
               ": PKCS#12 uses an algorithm the default OpenSSL provider lacks (a legacy file: "
               "RC2 or 3DES), and OpenSSL's \"legacy\" provider cannot be loaded (legacy.so in " +
               modules_dir() + ")"});
      return true;
    }
    ders.clear();
    const ScopedDefaultContext scope(legacy);
    outcome = read_pkcs12(bytes, candidates, ders);
  }
  ::ERR_clear_error();
  switch (outcome) {
    case Outcome::read:
      break;
    case Outcome::bad_passphrase:
      out.errors.push_back({source, "bad_passphrase",
                            what + ": PKCS#12 password is wrong (tried the empty password" +
                                (options.passwords.empty() ? "" : " and the given ones") + ")"});
      return true;
    case Outcome::bad_bags:
    case Outcome::unsupported:
      out.errors.push_back({source, "bad_pkcs12", what + ": PKCS#12 bags cannot be decrypted"});
      return true;
  }
  std::size_t index = 0;
  for (const std::string& der : ders) {
    core::LocatedCert located;
    if (read_certificate_fast(der, located.cert, nullptr, options.detail)) {
      located.location = location;
      located.location.embedded_kind = "pkcs12";
      located.location.embedded_key = std::to_string(index++);
      out.certificates.push_back(std::move(located));
    }
  }
  if (ders.empty()) {
    out.errors.push_back({source, "no_certificate_found", what + ": PKCS#12 holds no certificate"});
  }
  return true;
}

}  // namespace promtls::tls::detail
