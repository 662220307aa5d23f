// serve's key exchange against OpenSSL 3.5's own client (openssl s_client): the hybrid
// X25519MLKEM768 and the classical X25519 alone, and the HelloRetryRequest that OpenSSL's tuple
// order makes serve send to a client that offers the hybrid without a key share for it. The
// group is read back from serve's own promtls_tls_handshakes_total{group}. ML-KEM only: skipped
// where the linked OpenSSL has none (Debian 12's 3.0).
#include <signal.h>

#include <string>
#include <vector>

#include "promtls/tls/context.hpp"
#include "run.hpp"
#include "serve_fixture.hpp"
#include "test_skip.hpp"

namespace promtls::test {
namespace {

// How many ServerHello messages `openssl s_client -msg` printed as received: two when the first
// was a HelloRetryRequest (RFC 8446 §4.1.4 sends it as a ServerHello with a fixed random).
int server_hellos(const std::string& msg_output) {
  int n = 0;
  std::size_t pos = 0;
  while ((pos = msg_output.find("<<< ", pos)) != std::string::npos) {
    const std::size_t end = msg_output.find('\n', pos);
    if (msg_output.substr(pos, end - pos).find(", ServerHello") != std::string::npos) ++n;
    pos = end;
  }
  return n;
}

// `openssl s_client -groups GROUPS -msg` with the test client certificate against serve; its
// standard input is empty, so it closes once the handshake is done.
RunResult s_client(const ServePki& pki, int port, const std::string& groups) {
  return run({"/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
              "-servername", "localhost", "-CAfile", pki.ca_file, "-cert", pki.client_cert, "-key",
              pki.client_key, "-groups", groups, "-msg", "-verify_return_error"},
             {"PATH=/usr/bin:/bin"}, 15000);
}

// serve's count of successful handshakes that negotiated `group`, read over a connection that
// offers only `read_over` (the read's own handshake is counted before the body is rendered).
double handshakes_with(const ServePki& pki, int port, const std::string& group,
                       const std::string& read_over = "P-256") {
  ClientOptions o = pki.client();
  o.groups = read_over;
  const HttpResponse m = https_get(port, "/metrics", o);
  if (m.status != 200) return -2;
  return sample_value(m.body,
                      "promtls_tls_handshakes_total{result=\"success\",group=\"" + group + "\"}");
}

TEST_CASE(
    "serve without a curve list negotiates X25519MLKEM768 with OpenSSL 3.5's client, X25519 with "
    "a client that offers only X25519, and X25519MLKEM768 after a HelloRetryRequest with a "
    "client that offers it without a key share") {
  PROMTLS_REQUIRE_MLKEM();
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));

  const RunResult hybrid = s_client(pki, s.port, "X25519MLKEM768");
  INFO(hybrid.out << hybrid.err);
  CHECK(hybrid.exit_code == 0);
  CHECK(server_hellos(hybrid.out) == 1);
  CHECK(handshakes_with(pki, s.port, "X25519MLKEM768") == 1);

  const RunResult classical = s_client(pki, s.port, "X25519");
  INFO(classical.out << classical.err);
  CHECK(classical.exit_code == 0);
  CHECK(server_hellos(classical.out) == 1);
  CHECK(handshakes_with(pki, s.port, "X25519") == 1);

  // Key share X25519 only ("*" marks the groups a 3.5 client sends shares for), the hybrid in
  // supported_groups: serve's first tuple is X25519MLKEM768 alone, so it asks for that share
  // (HelloRetryRequest) rather than take the X25519 one of its second tuple.
  const RunResult retried = s_client(pki, s.port, "X25519MLKEM768:*X25519");
  INFO(retried.out << retried.err);
  CHECK(retried.exit_code == 0);
  CHECK(server_hellos(retried.out) == 2);
  CHECK(handshakes_with(pki, s.port, "X25519MLKEM768") == 2);
  CHECK(handshakes_with(pki, s.port, "X25519") == 1);

  s.process->signal(SIGTERM);
  CHECK(s.process->wait(5000) == std::optional<int>(0));
}

TEST_CASE(
    "serve with an explicit curve list of X25519 negotiates X25519 even with a client that sends "
    "an X25519MLKEM768 key share") {
  PROMTLS_REQUIRE_MLKEM();
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--set", "METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES=X25519"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  const RunResult both = s_client(pki, s.port, "*X25519MLKEM768:*X25519");
  INFO(both.out << both.err);
  CHECK(both.exit_code == 0);
  CHECK(server_hellos(both.out) == 1);
  // That handshake and the read's own.
  CHECK(handshakes_with(pki, s.port, "X25519", "X25519") == 2);
  const RunResult hybrid_only = s_client(pki, s.port, "X25519MLKEM768");
  CHECK(hybrid_only.exit_code != 0);
  s.process->signal(SIGTERM);
  CHECK(s.process->wait(5000) == std::optional<int>(0));
}

TEST_CASE(
    "serve's default group list on OpenSSL 3.5 is OpenSSL's default written out in tuples, never "
    "DEFAULT") {
  PROMTLS_REQUIRE_MLKEM();
  const std::string list = tls::server_group_list(core::TlsConfig{});
  CHECK(list == "?*X25519MLKEM768/?*X25519:?P-256/?X448:?P-384:?P-521/?ffdhe2048:?ffdhe3072");
  CHECK(list.find("DEFAULT") == std::string::npos);
}

}  // namespace
}  // namespace promtls::test
