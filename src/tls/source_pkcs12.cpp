// PKCS#12 certificate sources (sources_detail.hpp), including files written with the legacy
// algorithms (`openssl pkcs12 -export -legacy`: RC2-40-CBC or 3DES bags, as Windows and older
// Java write them), which OpenSSL 3 reads only through its "legacy" provider.
#include <openssl/crypto.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include <cstdlib>
#include <memory>

#include "detail/openssl.hpp"
#include "promtls/tls/fast_cert.hpp"
#include "sources_detail.hpp"

namespace promtls::tls::detail {
namespace {

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
