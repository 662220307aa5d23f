// core::TlsConfig's versions of 0 mean the same thing in serve's server contexts and in the
// client contexts of selftest and inspect --connect: TLS 1.2 up to TLS 1.3.
#include <openssl/ssl.h>

#include <catch2/catch.hpp>

#include "client_context.hpp"
#include "pki.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/tls_catalog.hpp"
#include "promtls/tls/context.hpp"

using namespace promtls;
using namespace promtls::test;

static_assert(core::effective_min_version(0) == core::kTls12);
static_assert(core::effective_min_version(0x0301) == core::kTls12);
static_assert(core::effective_min_version(core::kTls13) == core::kTls13);
static_assert(core::effective_max_version(0) == core::kTls13);
static_assert(core::effective_max_version(core::kTls12) == core::kTls12);

TEST_CASE("versions of 0 give TLS 1.2 to 1.3 to serve's and to the client's contexts") {
  TempDir dir;
  const Authority ca = Authority::make("zero-ca");
  const Key key(KeyKind::ec_p256);
  CertSpec spec;
  spec.cn = "localhost";
  core::TlsConfig config;
  config.cert_file = dir.write("server.crt", ca.leaf(spec, key).pem());
  config.key_file = dir.write("server.key", key.private_pem());
  REQUIRE(config.min_version == 0);
  REQUIRE(config.max_version == 0);
  const auto server = tls::ServerContext::build(config);
  auto* server_ctx = static_cast<SSL_CTX*>(server->native());
  CHECK(SSL_CTX_get_min_proto_version(server_ctx) == TLS1_2_VERSION);
  CHECK(SSL_CTX_get_max_proto_version(server_ctx) == TLS1_3_VERSION);

  const auto client = net::detail::build_client_context({});
  CHECK(SSL_CTX_get_min_proto_version(client.get()) == TLS1_2_VERSION);
  CHECK(SSL_CTX_get_max_proto_version(client.get()) == TLS1_3_VERSION);

  // A set version is kept by both.
  config.min_version = config.max_version = core::kTls13;
  const auto server13 = tls::ServerContext::build(config);
  CHECK(SSL_CTX_get_min_proto_version(static_cast<SSL_CTX*>(server13->native())) == TLS1_3_VERSION);
  net::detail::ClientContextSpec only13;
  only13.min_version = only13.max_version = core::kTls13;
  CHECK(SSL_CTX_get_min_proto_version(net::detail::build_client_context(only13).get()) ==
        TLS1_3_VERSION);
}

TEST_CASE("the client context builder names the file it cannot load") {
  net::detail::ClientContextSpec spec;
  spec.ca_file = "/nonexistent/ca.pem";
  CHECK_THROWS_WITH(
      net::detail::build_client_context(spec),
      Catch::Contains("--ca /nonexistent/ca.pem: no CA certificates could be loaded"));
  spec.ca_file.clear();
  spec.cert_file = "/nonexistent/c.pem";
  spec.key_file = "/nonexistent/k.pem";
  CHECK_THROWS_WITH(
      net::detail::build_client_context(spec),
      Catch::Contains("--cert /nonexistent/c.pem: cannot load the certificate chain"));
}
