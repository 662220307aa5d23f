// The verification cache never accepts what a full verification refuses: real OpenSSL
// handshakes over a BIO pair against a server context that verifies client certificates.
#include "../../src/tls/verify_cache.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <string>

#include "pki.hpp"

namespace {

using promtls::tls::ChainDigest;
using promtls::tls::VerifyCache;
using namespace promtls::test;

ChainDigest digest_of(unsigned char b) {
  ChainDigest d{};
  d.fill(b);
  return d;
}

struct Ctx {
  SSL_CTX* p;
  explicit Ctx(SSL_CTX* c) : p(c) {}
  ~Ctx() { ::SSL_CTX_free(p); }
  Ctx(const Ctx&) = delete;
  Ctx& operator=(const Ctx&) = delete;
};

// A server context verifying clients against `cas` as serve's does (purpose sslclient, depth 8,
// certificate required), judging at `at`, with the cache installed.
SSL_CTX* server_ctx(const Authority& server_ca, const std::vector<const Cert*>& cas,
                    std::int64_t at, const Key& server_key, const Cert& server_cert) {
  (void)server_ca;
  SSL_CTX* c = ::SSL_CTX_new(::TLS_server_method());
  ::SSL_CTX_use_certificate(c, static_cast<X509*>(server_cert.native()));
  ::SSL_CTX_use_PrivateKey(c, static_cast<EVP_PKEY*>(server_key.native()));
  X509_STORE* store = ::SSL_CTX_get_cert_store(c);
  for (const Cert* ca : cas) ::X509_STORE_add_cert(store, static_cast<X509*>(ca->native()));
  X509_VERIFY_PARAM* param = ::SSL_CTX_get0_param(c);
  ::X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_CLIENT);
  ::X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
  ::SSL_CTX_set_verify_depth(c, 8);
  ::SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  promtls::tls::install_verify_cache(c, 1024);
  return c;
}

// A client sending `leaf` (+ `extra` intermediates) with `key`.
SSL_CTX* client_ctx(const Cert& leaf, const Key& key, const std::vector<const Cert*>& extra) {
  SSL_CTX* c = ::SSL_CTX_new(::TLS_client_method());
  ::SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  ::SSL_CTX_use_certificate(c, static_cast<X509*>(leaf.native()));
  ::SSL_CTX_use_PrivateKey(c, static_cast<EVP_PKEY*>(key.native()));
  for (const Cert* e : extra) {
    ::SSL_CTX_add1_chain_cert(c, static_cast<X509*>(e->native()));
  }
  ::SSL_CTX_set_mode(c, SSL_MODE_NO_AUTO_CHAIN);
  return c;
}

// One fresh handshake; the server's verify result (X509_V_OK when accepted) or -1 when the
// handshake failed.
long handshake(SSL_CTX* server, SSL_CTX* client) {
  SSL* s = ::SSL_new(server);
  SSL* c = ::SSL_new(client);
  BIO* a = nullptr;
  BIO* b = nullptr;
  ::BIO_new_bio_pair(&a, 0, &b, 0);
  ::SSL_set_bio(c, a, a);
  ::SSL_set_bio(s, b, b);
  ::SSL_set_connect_state(c);
  ::SSL_set_accept_state(s);
  bool s_done = false;
  bool failed = false;
  for (int i = 0; i < 50 && !s_done && !failed; ++i) {
    const int rc = ::SSL_do_handshake(c);
    if (rc <= 0 && ::SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) failed = true;
    const int rs = ::SSL_do_handshake(s);
    if (rs == 1) s_done = true;
    if (rs <= 0 && ::SSL_get_error(s, rs) != SSL_ERROR_WANT_READ) failed = true;
  }
  // TLS 1.3: the server judges the client's certificate before finishing.
  const long result = s_done ? ::SSL_get_verify_result(s) : -1;
  ::SSL_free(s);
  ::SSL_free(c);
  ::ERR_clear_error();
  return result;
}

}  // namespace

TEST_CASE("verify cache: a hit needs the same key inside the validity window", "[verify_cache]") {
  VerifyCache cache(4);
  cache.insert(digest_of(1), 100, 200);
  CHECK(cache.hit(digest_of(1), 150));
  CHECK_FALSE(cache.hit(digest_of(2), 150));
  CHECK_FALSE(cache.hit(digest_of(1), 99));  // not yet valid: dropped
  CHECK(cache.size() == 0);
  cache.insert(digest_of(1), 100, 200);
  CHECK(cache.hit(digest_of(1), 200));
  CHECK_FALSE(cache.hit(digest_of(1), 201));  // expired at use: dropped
  CHECK(cache.size() == 0);
}

TEST_CASE("verify cache: eviction keeps the bound and drops the least recently used",
          "[verify_cache]") {
  VerifyCache cache(3);
  for (unsigned char i = 1; i <= 3; ++i) cache.insert(digest_of(i), 0, 1000);
  CHECK(cache.hit(digest_of(1), 10));   // 1 becomes the most recent
  cache.insert(digest_of(4), 0, 1000);  // evicts 2
  CHECK(cache.size() == 3);
  CHECK_FALSE(cache.hit(digest_of(2), 10));
  CHECK(cache.hit(digest_of(1), 10));
  CHECK(cache.hit(digest_of(3), 10));
  CHECK(cache.hit(digest_of(4), 10));
  for (unsigned char i = 10; i < 100; ++i) cache.insert(digest_of(i), 0, 1000);
  CHECK(cache.size() == 3);
}

TEST_CASE("verify cache: real handshakes accept on hit only what a full verification accepts",
          "[verify_cache]") {
  const Key server_key(KeyKind::ec_p256);
  const Authority server_ca = Authority::make("server-ca");
  const Cert server_cert = server_ca.leaf(CertSpec{}, server_key);
  const Authority client_ca = Authority::make("client-ca");
  const Key client_key(KeyKind::ec_p256);
  CertSpec client_spec;
  client_spec.cn = "scraper";
  client_spec.eku = {"clientAuth"};
  client_spec.not_before = kNow - kDay;
  client_spec.not_after = kNow + kDay;
  const Cert good = client_ca.leaf(client_spec, client_key);

  Ctx server(server_ctx(server_ca, {&client_ca.cert}, kNow, server_key, server_cert));
  VerifyCache* cache = promtls::tls::verify_cache_of(server.p);
  REQUIRE(cache != nullptr);

  SECTION("a verified chain is cached and accepted again with X509_V_OK") {
    Ctx client(client_ctx(good, client_key, {}));
    CHECK(handshake(server.p, client.p) == X509_V_OK);
    CHECK(cache->size() == 1);
    CHECK(handshake(server.p, client.p) == X509_V_OK);
    CHECK(cache->size() == 1);
  }
  SECTION("expired at use: re-verified and refused") {
    Ctx client(client_ctx(good, client_key, {}));
    CHECK(handshake(server.p, client.p) == X509_V_OK);
    ::X509_VERIFY_PARAM_set_time(::SSL_CTX_get0_param(server.p), kNow + 2 * kDay);
    CHECK(handshake(server.p, client.p) == -1);
    CHECK(cache->size() == 0);
    CHECK(handshake(server.p, client.p) == -1);
  }
  SECTION("failures are never cached: an unknown CA is refused twice") {
    const Authority other = Authority::make("other-ca");
    const Cert stranger = other.leaf(client_spec, client_key);
    Ctx client(client_ctx(stranger, client_key, {}));
    CHECK(handshake(server.p, client.p) == -1);
    CHECK(handshake(server.p, client.p) == -1);
    CHECK(cache->size() == 0);
  }
  SECTION("a certificate without the clientAuth usage is refused on every attempt") {
    CertSpec server_only = client_spec;
    server_only.eku = {"serverAuth"};
    const Cert wrong_use = client_ca.leaf(server_only, client_key);
    Ctx good_client(client_ctx(good, client_key, {}));
    CHECK(handshake(server.p, good_client.p) == X509_V_OK);  // the cache is warm
    Ctx client(client_ctx(wrong_use, client_key, {}));
    CHECK(handshake(server.p, client.p) == -1);
    CHECK(handshake(server.p, client.p) == -1);
    CHECK(cache->size() == 1);
  }
  SECTION("same leaf, different intermediate sent: a miss, judged in full") {
    Ctx client(client_ctx(good, client_key, {}));
    CHECK(handshake(server.p, client.p) == X509_V_OK);
    const Authority other = Authority::make("other-ca");
    Ctx padded(client_ctx(good, client_key, {&other.cert}));
    CHECK(handshake(server.p, padded.p) == X509_V_OK);  // an extra unrelated cert is harmless
    CHECK(cache->size() == 2);                          // but it is a different key
  }
  SECTION("a CA reload (a new context) refuses a client of the removed CA after it was cached") {
    Ctx client(client_ctx(good, client_key, {}));
    CHECK(handshake(server.p, client.p) == X509_V_OK);
    const Authority new_ca = Authority::make("new-client-ca");
    Ctx reloaded(server_ctx(server_ca, {&new_ca.cert}, kNow, server_key, server_cert));
    CHECK(handshake(reloaded.p, client.p) == -1);
    CHECK(promtls::tls::verify_cache_of(reloaded.p)->size() == 0);
  }
}
