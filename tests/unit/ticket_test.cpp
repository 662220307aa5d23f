// Which sessions restored from a ticket serve may resume: real sessions from an in-memory
// handshake with a ServerContext, judged at fixed times.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <catch2/catch.hpp>
#include <memory>

#include "pki.hpp"
#include "promtls/core/config.hpp"
#include "promtls/tls/context.hpp"

using namespace promtls;
using namespace promtls::test;

namespace {

struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

// A server context with tickets and client certificates requested but not verified, so that a
// certificate outside its validity window still completes the handshake.
struct Fixture {
  TempDir dir;
  Authority ca = Authority::make("ticket-ca");
  Key server_key{KeyKind::ec_p256};
  Key client_key{KeyKind::ec_p256};
  std::int64_t client_not_after = kNow + kDay;
  std::shared_ptr<const tls::ServerContext> server;
  std::string client_cert_path, client_key_path;

  Fixture() {
    CertSpec s;
    s.cn = "localhost";
    core::TlsConfig config;
    config.cert_file = dir.write("server.crt", ca.leaf(s, server_key).pem());
    config.key_file = dir.write("server.key", server_key.private_pem());
    config.client_auth = core::ClientAuth::request;
    server = tls::ServerContext::build(config, tls::ServerContextOptions{true});
    CertSpec c;
    c.cn = "scraper";
    c.eku = {"clientAuth"};
    c.not_before = kNow - 30 * kDay;
    c.not_after = client_not_after;
    client_cert_path = dir.write("client.crt", ca.leaf(c, client_key).pem());
    client_key_path = dir.write("client.key", client_key.private_pem());
  }

  // Runs a handshake over a BIO pair; returns the server's SSL (its session holds what a ticket
  // would carry).
  SslPtr handshake(bool present_certificate) const {
    std::unique_ptr<SSL_CTX, SslCtxFree> cctx(SSL_CTX_new(TLS_client_method()));
    if (present_certificate) {
      REQUIRE(SSL_CTX_use_certificate_chain_file(cctx.get(), client_cert_path.c_str()) == 1);
      REQUIRE(SSL_CTX_use_PrivateKey_file(cctx.get(), client_key_path.c_str(), SSL_FILETYPE_PEM) ==
              1);
    }
    SslPtr client(SSL_new(cctx.get()));
    SslPtr srv(SSL_new(static_cast<SSL_CTX*>(server->native())));
    BIO* a = nullptr;
    BIO* b = nullptr;
    REQUIRE(BIO_new_bio_pair(&a, 0, &b, 0) == 1);
    SSL_set_bio(client.get(), a, a);
    SSL_set_bio(srv.get(), b, b);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(srv.get());
    bool client_done = false, server_done = false;
    for (int i = 0; i < 20 && !(client_done && server_done); ++i) {
      if (!client_done) client_done = SSL_do_handshake(client.get()) == 1;
      if (!server_done) server_done = SSL_do_handshake(srv.get()) == 1;
    }
    ERR_clear_error();
    REQUIRE(client_done);
    REQUIRE(server_done);
    return srv;
  }
};

}  // namespace

TEST_CASE("a session whose client certificate has expired is not resumed") {
  Fixture f;
  const SslPtr srv = f.handshake(true);
  SSL_SESSION* session = SSL_get_session(srv.get());
  REQUIRE(session != nullptr);
  REQUIRE(SSL_SESSION_get0_peer(session) != nullptr);
  CHECK(tls::ticket_resumable(session, kNow));
  CHECK(tls::ticket_resumable(session, f.client_not_after - 1));
  CHECK_FALSE(tls::ticket_resumable(session, f.client_not_after + 1));
  CHECK_FALSE(tls::ticket_resumable(session, f.client_not_after + 365 * kDay));
}

TEST_CASE("a session without a client certificate is resumable") {
  Fixture f;
  const SslPtr srv = f.handshake(false);
  SSL_SESSION* session = SSL_get_session(srv.get());
  REQUIRE(session != nullptr);
  CHECK(SSL_SESSION_get0_peer(session) == nullptr);
  CHECK(tls::ticket_resumable(session, kNow + 3650 * kDay));
}
