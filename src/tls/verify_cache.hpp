#pragma once
// A bounded cache of successful client-certificate verifications, one per server SSL_CTX.
//
// A credential reload builds a new context and with it a new, empty cache, so no result
// survives a change of the trusted CAs. The key is SHA-256 over the whole chain the client
// sent (every certificate's DER, length-prefixed); the value is the verified path's validity
// window, checked against `now` at every use. Only successes are stored.

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

namespace promtls::tls {

using ChainDigest = std::array<unsigned char, 32>;

struct ChainDigestHash {
  std::size_t operator()(const ChainDigest& d) const noexcept;
};

class VerifyCache {
 public:
  explicit VerifyCache(std::size_t capacity = 1024) : capacity_(capacity == 0 ? 1 : capacity) {}

  // True when `key` was verified and `now` lies inside its path's validity window. An entry
  // whose window no longer holds `now` is dropped.
  bool hit(const ChainDigest& key, std::int64_t now);
  // Records a successful verification valid over [not_before, not_after].
  void insert(const ChainDigest& key, std::int64_t not_before, std::int64_t not_after);
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    std::int64_t not_before;
    std::int64_t not_after;
    std::list<ChainDigest>::iterator order;
  };
  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::list<ChainDigest> order_;  // most recently used first
  std::unordered_map<ChainDigest, Entry, ChainDigestHash> entries_;
};

// Makes `ssl_ctx` (an SSL_CTX* that verifies client certificates) consult a cache of its own
// before X509_verify_cert; the cache lives and dies with the context.
void install_verify_cache(void* ssl_ctx, std::size_t capacity = 1024);

// The cache installed in `ssl_ctx`, or null (for tests and statistics).
VerifyCache* verify_cache_of(void* ssl_ctx);

// The key of a chain: `chain` is a STACK_OF(X509)*, the leaf first. False when a certificate
// cannot be encoded.
bool chain_digest(void* chain, ChainDigest& out);

}  // namespace promtls::tls
