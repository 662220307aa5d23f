#include "verify_cache.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>

namespace promtls::tls {

std::size_t ChainDigestHash::operator()(const ChainDigest& d) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

bool VerifyCache::hit(const ChainDigest& key, std::int64_t now) {
  const std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  if (now < it->second.not_before || now > it->second.not_after) {
    order_.erase(it->second.order);
    entries_.erase(it);
    return false;
  }
  order_.splice(order_.begin(), order_, it->second.order);
  return true;
}

void VerifyCache::insert(const ChainDigest& key, std::int64_t not_before, std::int64_t not_after) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    it->second.not_before = not_before;
    it->second.not_after = not_after;
    order_.splice(order_.begin(), order_, it->second.order);
    return;
  }
  while (entries_.size() >= capacity_ && !order_.empty()) {
    entries_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(key);
  entries_.emplace(key, Entry{not_before, not_after, order_.begin()});
}

std::size_t VerifyCache::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

bool chain_digest(void* chain_ptr, ChainDigest& out) {
  auto* chain = static_cast<STACK_OF(X509)*>(chain_ptr);
  if (chain == nullptr || sk_X509_num(chain) == 0) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&::EVP_MD_CTX_free)> md(::EVP_MD_CTX_new(),
                                                               &::EVP_MD_CTX_free);
  if (!md || ::EVP_DigestInit_ex(md.get(), ::EVP_sha256(), nullptr) != 1) return false;
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    unsigned char* der = nullptr;
    const int len = ::i2d_X509(sk_X509_value(chain, i), &der);
    if (len <= 0) return false;
    const auto n = static_cast<std::uint32_t>(len);
    const unsigned char prefix[4] = {
        static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
        static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
    const bool ok = ::EVP_DigestUpdate(md.get(), prefix, sizeof prefix) == 1 &&
                    ::EVP_DigestUpdate(md.get(), der, n) == 1;
    ::OPENSSL_free(der);
    if (!ok) return false;
  }
  unsigned int size = 0;
  return ::EVP_DigestFinal_ex(md.get(), out.data(), &size) == 1 && size == out.size();
}

namespace {

bool to_unix(const ASN1_TIME* t, std::int64_t& out) {
  std::tm tm{};
  if (t == nullptr || ::ASN1_TIME_to_tm(t, &tm) != 1) return false;
  out = static_cast<std::int64_t>(::timegm(&tm));
  return true;
}

// The window in which every certificate of the verified path is valid.
bool path_window(X509_STORE_CTX* ctx, std::int64_t& not_before, std::int64_t& not_after) {
  STACK_OF(X509)* path = ::X509_STORE_CTX_get0_chain(ctx);
  if (path == nullptr || sk_X509_num(path) == 0) return false;
  not_before = std::numeric_limits<std::int64_t>::min();
  not_after = std::numeric_limits<std::int64_t>::max();
  for (int i = 0; i < sk_X509_num(path); ++i) {
    X509* cert = sk_X509_value(path, i);
    std::int64_t nb = 0;
    std::int64_t na = 0;
    if (!to_unix(::X509_get0_notBefore(cert), nb) || !to_unix(::X509_get0_notAfter(cert), na)) {
      return false;
    }
    not_before = std::max(not_before, nb);
    not_after = std::min(not_after, na);
  }
  return not_before <= not_after;
}

void free_cache(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
                void* /*argp*/) {
  delete static_cast<VerifyCache*>(ptr);
}

int ex_index() {
  static const int index = ::SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_cache);
  return index;
}

// SSL_CTX_set_cert_verify_callback: a cached success skips X509_verify_cert; anything else is
// a full verification with the context's parameters (purpose sslclient, depth), and only its
// successes are kept.
int verify_with_cache(X509_STORE_CTX* ctx, void* arg) {
  auto* cache = static_cast<VerifyCache*>(arg);
  ChainDigest key{};
  const bool keyed = cache != nullptr && chain_digest(::X509_STORE_CTX_get0_untrusted(ctx), key);
  // The chain the client sent must start with the certificate being verified.
  STACK_OF(X509)* sent = ::X509_STORE_CTX_get0_untrusted(ctx);
  const bool leaf_first =
      keyed && sk_X509_num(sent) > 0 && sk_X509_value(sent, 0) == ::X509_STORE_CTX_get0_cert(ctx);
  // The instant the full verification would judge at: the parameters' time when set.
  X509_VERIFY_PARAM* param = ::X509_STORE_CTX_get0_param(ctx);
  const auto now = (::X509_VERIFY_PARAM_get_flags(param) & X509_V_FLAG_USE_CHECK_TIME) != 0
                       ? static_cast<std::int64_t>(::X509_VERIFY_PARAM_get_time(param))
                       : static_cast<std::int64_t>(std::time(nullptr));
  if (leaf_first && cache->hit(key, now)) {
    ::X509_STORE_CTX_set_error(ctx, X509_V_OK);
    return 1;
  }
  const int ok = ::X509_verify_cert(ctx);
  if (ok == 1 && leaf_first && ::X509_STORE_CTX_get_error(ctx) == X509_V_OK) {
    std::int64_t not_before = 0;
    std::int64_t not_after = 0;
    if (path_window(ctx, not_before, not_after)) cache->insert(key, not_before, not_after);
  }
  return ok;
}

}  // namespace

void install_verify_cache(void* ssl_ctx, std::size_t capacity) {
  auto* c = static_cast<SSL_CTX*>(ssl_ctx);
  const int index = ex_index();
  if (index < 0) return;
  auto cache = std::make_unique<VerifyCache>(capacity);
  if (::SSL_CTX_set_ex_data(c, index, cache.get()) != 1) return;
  ::SSL_CTX_set_cert_verify_callback(c, verify_with_cache, cache.release());
}

VerifyCache* verify_cache_of(void* ssl_ctx) {
  const int index = ex_index();
  if (index < 0) return nullptr;
  return static_cast<VerifyCache*>(::SSL_CTX_get_ex_data(static_cast<SSL_CTX*>(ssl_ctx), index));
}

}  // namespace promtls::tls
