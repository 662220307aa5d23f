// promtls serve over real TLS on loopback: the client-authentication matrix, protocol versions,
// cipher suites and groups, and refusals at start.
#include <signal.h>
#include <unistd.h>

#include "run.hpp"
#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

struct Case {
  const char* client;
  bool accepted;
  const char* reason;  // the handshake failure reason counted, when refused
};

void check_matrix(const std::string& mode, const std::vector<Case>& cases) {
  ServePki pki;
  Serve s = start_serve(pki.tls_args(mode, mode != "none"), pki.log_path("serve.log"));
  for (const Case& c : cases) {
    INFO("client auth " << mode << ", client " << c.client);
    std::string error;
    const HttpResponse r = https_get(s.port, "/metrics", pki.client(c.client), &error);
    INFO(error);
    if (c.accepted) {
      CHECK(r.status == 200);
    } else {
      CHECK(r.status == 0);
    }
  }
  const HttpResponse m = https_get(s.port, "/metrics", pki.client());
  REQUIRE(m.status == 200);
  for (const Case& c : cases) {
    if (c.accepted) continue;
    INFO(m.body);
    CHECK(sample_value(m.body, std::string("promtls_tls_handshakes_total{result=\"failure\","
                                           "reason=\"") +
                                   c.reason + "\"}") >= 1);
  }
  s.process->signal(SIGTERM);
  CHECK(s.process->wait(5000) == std::optional<int>(0));
}

TEST_CASE("serve with client auth require accepts only a valid client certificate from the CA") {
  check_matrix("require", {{"client", true, ""},
                           {"none", false, "no_client_certificate"},
                           {"foreign", false, "unknown_ca"},
                           {"expired", false, "certificate_expired"}});
}

TEST_CASE("serve with client auth optional accepts no certificate but refuses bad ones") {
  check_matrix("optional", {{"client", true, ""},
                            {"none", true, ""},
                            {"foreign", false, "unknown_ca"},
                            {"expired", false, "certificate_expired"}});
}

TEST_CASE("serve with client auth none accepts every client") {
  check_matrix(
      "none",
      {{"client", true, ""}, {"none", true, ""}, {"foreign", true, ""}, {"expired", true, ""}});
}

TEST_CASE("serve refuses TLS 1.2 when the minimum version is 1.3") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  ClientOptions o = pki.client();
  o.max_version = 0x0303;
  TlsConnection old(s.port, o);
  CHECK_FALSE(old.handshake_ok());
  o.max_version = 0;
  TlsConnection ok(s.port, o);
  REQUIRE(ok.handshake_ok());
  CHECK(ok.version() == "TLSv1.3");
  const HttpResponse m = ok.request("/metrics");
  CHECK(sample_value(m.body,
                     "promtls_tls_handshakes_total{result=\"failure\","
                     "reason=\"protocol_version\"}") == 1);
}

TEST_CASE("serve refuses a TLS 1.2 cipher suite outside the configured list") {
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--set", "METRICS_PROMETHEUS_TLS_MIN_VERSION=1.2", "--set",
                           "METRICS_PROMETHEUS_TLS_CIPHER_SUITES="
                           "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  ClientOptions o = pki.client();
  o.max_version = 0x0303;
  o.tls12_ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384";
  TlsConnection refused(s.port, o);
  CHECK_FALSE(refused.handshake_ok());
  o.tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  TlsConnection ok(s.port, o);
  REQUIRE(ok.handshake_ok());
  CHECK(ok.version() == "TLSv1.2");
  CHECK(ok.cipher() == "ECDHE-ECDSA-AES128-GCM-SHA256");
  const HttpResponse m = ok.request("/metrics");
  CHECK(m.status == 200);
  CHECK(sample_value(m.body,
                     "promtls_tls_handshakes_total{result=\"failure\","
                     "reason=\"no_shared_cipher\"}") == 1);
}

TEST_CASE("with a TLS 1.2 minimum serve prefers AEAD suites to CBC ones, as Go does") {
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--set", "METRICS_PROMETHEUS_TLS_MIN_VERSION=1.2"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  // openssl s_client offers its default list, CBC suites included; the server's order decides.
  const RunResult r =
      run({"/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(s.port),
           "-tls1_2", "-CAfile", pki.ca_file, "-cert", pki.client_cert, "-key", pki.client_key},
          {"PATH=/usr/bin:/bin"}, 10000);
  INFO(r.out << r.err);
  CHECK(r.out.find("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256") != std::string::npos);
  // A configured list is reordered too: Go ignores its order since Go 1.17.
  Serve listed =
      start_serve({"--set", "METRICS_PROMETHEUS_TLS_CERT=" + pki.server_cert, "--set",
                   "METRICS_PROMETHEUS_TLS_KEY=" + pki.server_key, "--set",
                   "METRICS_PROMETHEUS_TLS_MIN_VERSION=1.2", "--set",
                   "METRICS_PROMETHEUS_TLS_CIPHER_SUITES=TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,"
                   "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,"
                   "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
                  pki.log_path("listed.log"));
  ClientOptions o = pki.client("none");
  o.max_version = 0x0303;
  TlsConnection c(listed.port, o);
  REQUIRE(c.handshake_ok());
  CHECK(c.cipher() == "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_CASE("serve negotiates a configured group and refuses clients without one") {
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--set", "METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES=CurveP384"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  TlsConnection ok(s.port, pki.client());
  REQUIRE(ok.handshake_ok());
  CHECK(ok.group() == "secp384r1");
  CHECK(ok.request("/metrics").status == 200);
  ClientOptions o = pki.client();
  o.groups = "X25519:P-256";
  TlsConnection refused(s.port, o);
  CHECK_FALSE(refused.handshake_ok());
}

TEST_CASE(
    "serve counts handshakes by negotiated version and group, empty when it failed before "
    "choosing, and logs each one at debug level") {
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--set", "METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES=CurveP384",
                           "--log-level", "debug"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  ClientOptions o = pki.client();
  o.groups = "X25519:P-256";
  TlsConnection refused(s.port, o);
  CHECK_FALSE(refused.handshake_ok());
  raw_exchange(s.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 2000);
  TlsConnection ok(s.port, pki.client());
  INFO(ok.error() << "\n" << s.process->log());
  REQUIRE(ok.handshake_ok());
  const HttpResponse m = ok.request("/metrics");
  REQUIRE(m.status == 200);
  INFO(m.body);
  CHECK(sample_value(m.body,
                     "promtls_tls_handshakes_total{result=\"success\",reason=\"ok\","
                     "version=\"TLSv1.3\",group=\"P-384\"}") == 1);
  // The version is chosen before the groups are compared; no group was.
  CHECK(sample_value(m.body,
                     "promtls_tls_handshakes_total{result=\"failure\",reason=\"no_shared_group\","
                     "version=\"TLSv1.3\",group=\"\"}") == 1);
  // Plain HTTP on the TLS port: nothing was negotiated.
  CHECK(sample_value(m.body,
                     "promtls_tls_handshakes_total{result=\"failure\",reason=\"http_request\","
                     "version=\"\",group=\"\"}") == 1);
  CHECK(s.process->wait_for_log("level=debug event=handshake", 2000));
  const std::string log = s.process->log();
  CHECK(log.find("version=TLSv1.3 group=P-384 cipher=TLS_AES_") != std::string::npos);
  CHECK(log.find("client_certificate=true") != std::string::npos);
}

TEST_CASE("serve logs no handshake line at the default log level") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  TlsConnection ok(s.port, pki.client());
  REQUIRE(ok.handshake_ok());
  CHECK(ok.request("/metrics").status == 200);
  s.process->signal(SIGTERM);
  CHECK(s.process->wait(5000) == std::optional<int>(0));
  CHECK(s.process->log().find("event=handshake ") == std::string::npos);
}

TEST_CASE(
    "serve with the tigera profile asks RequireAnyClientCert for a certificate it does not "
    "verify") {
  ServePki pki;
  const std::vector<std::string> args{"--profile", "tigera",
                                      "--set",     "METRICS_ENABLED=true",
                                      "--set",     "METRICS_SCHEME=https",
                                      "--set",     "METRICS_TLS_CERT_FILE=" + pki.server_cert,
                                      "--set",     "METRICS_TLS_KEY_FILE=" + pki.server_key,
                                      "--set",     "METRICS_TLS_CA_FILE=" + pki.ca_file,
                                      "--set",     "METRICS_CLIENT_AUTH=RequireAnyClientCert"};
  Serve s = start_serve(args, pki.log_path("serve.log"));
  CHECK(s.process->log().find("client_auth=require-any") != std::string::npos);
  CHECK(https_get(s.port, "/metrics", pki.client("foreign")).status == 200);
  CHECK(https_get(s.port, "/metrics", pki.client()).status == 200);
  const HttpResponse none = https_get(s.port, "/metrics", pki.client("none"));
  CHECK(none.status == 0);
}

TEST_CASE("serve picks the Tigera profile by default from its variables and logs the choice") {
  ServePki pki;
  std::vector<std::string> args{"--set", "METRICS_ENABLED=true",
                                "--set", "METRICS_SCHEME=https",
                                "--set", "METRICS_TLS_CERT_FILE=" + pki.server_cert,
                                "--set", "METRICS_TLS_KEY_FILE=" + pki.server_key,
                                "--set", "METRICS_TLS_CA_FILE=" + pki.ca_file,
                                "--set", "METRICS_CLIENT_AUTH=RequireAnyClientCert"};
  {
    Serve s = start_serve(args, pki.log_path("auto.log"));
    const std::string log = s.process->log();
    INFO(log);
    CHECK(log.find("client_auth=require-any") != std::string::npos);
    CHECK(log.find("profile-auto: --profile auto picked tigera (") != std::string::npos);
    CHECK(log.find("profile-mixed") == std::string::npos);
  }
  // A knative variable too: still the Tigera configuration (more of its variables), and said.
  args.insert(args.end(), {"--set", "METRICS_PROMETHEUS_PORT=9091"});
  Serve s = start_serve(args, pki.log_path("mixed.log"));
  const std::string log = s.process->log();
  INFO(log);
  CHECK(log.find("client_auth=require-any") != std::string::npos);
  CHECK(log.find("profile-mixed: variables of both families are present: promtls serves the "
                 "tigera configuration and ignores the knative variables") != std::string::npos);
}

TEST_CASE("serve with the tigera profile and metrics disabled exits 1") {
  const RunResult r =
      run({promtls_binary(), "serve", "--no-env", "--profile", "tigera", "--listen", "127.0.0.1:0"},
          {}, 10000);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("disables the metrics endpoint") != std::string::npos);
}

TEST_CASE("serve refuses a world-writable private key file with exit code 3") {
  ServePki pki;
  std::filesystem::permissions(pki.server_key, std::filesystem::perms::others_write,
                               std::filesystem::perm_options::add);
  std::vector<std::string> argv{promtls_binary(), "serve", "--no-env", "--listen", "127.0.0.1:0"};
  for (const auto& a : pki.tls_args("require")) argv.push_back(a);
  const RunResult r = run(argv, {}, 10000);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("world-writable") != std::string::npos);
  CHECK(r.err.find("PRIVATE KEY") == std::string::npos);
}

// serve with `tls` (the knative variables as --set arguments), expected to refuse at start.
RunResult serve_refusing(const std::vector<std::string>& tls) {
  std::vector<std::string> argv{promtls_binary(), "serve", "--no-env", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), tls.begin(), tls.end());
  return run(argv, {}, 10000);
}

// The knative variables with `var` replaced by `value`.
std::vector<std::string> with(std::vector<std::string> args, const std::string& var,
                              const std::string& value) {
  for (std::string& a : args) {
    if (a.rfind(var + "=", 0) == 0) a = var + "=" + value;
  }
  return args;
}

TEST_CASE("serve exits 3 naming the variable and the file for credentials it cannot load") {
  ServePki pki;
  const std::string cert_var = "METRICS_PROMETHEUS_TLS_CERT";
  const std::string key_var = "METRICS_PROMETHEUS_TLS_KEY";
  const std::string ca_var = "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE";
  const std::string missing = pki.log_path("missing.crt");
  const std::string not_pem = pki.dir.write("not-pem.key", "just text\n", 0600);
  const std::string empty_ca = pki.dir.write("empty-ca.crt", "", 0644);
  const std::string unreadable = pki.dir.write("unreadable.key", "x", 0600);
  std::filesystem::permissions(unreadable, std::filesystem::perms::none);
  struct Case {
    std::string var, value, code, message;
    std::string named;  // the variable the finding names, when not `var`
  };
  const std::vector<Case> cases{
      {cert_var, missing, "cert-file-unreadable",
       "cannot read " + cert_var + ": open " + missing + ": no such file or directory"},
      {key_var, not_pem, "key-file-not-pem", key_var + " file " + not_pem + " holds no PEM data"},
      {key_var, pki.client_key, "cert-key-mismatch",
       "the private key in " + pki.client_key + " does not match the certificate in " +
           pki.server_cert,
       cert_var},
      {cert_var, pki.server_key, "cert-file-no-certificate",
       cert_var + " file " + pki.server_key + " holds no parsable CERTIFICATE block"},
      {ca_var, empty_ca, "client-ca-no-certificates",
       "no valid CA certificates found in " + ca_var},
      {ca_var, missing, "client-ca-unreadable", "reading " + ca_var + ": "},
  };
  for (const Case& c : cases) {
    INFO(c.code);
    const RunResult r = serve_refusing(with(pki.tls_args("require"), c.var, c.value));
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("error " + c.code + " " + (c.named.empty() ? c.var : c.named) + ": ") !=
          std::string::npos);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.err.find("promtls serve: cannot load the credentials (the errors above); not "
                     "starting") != std::string::npos);
    CHECK(r.err.find("listening") == std::string::npos);
  }
  // Root reads any file: the unreadable case only means something for other users.
  if (::geteuid() != 0) {
    const RunResult r = serve_refusing(with(pki.tls_args("require"), key_var, unreadable));
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("error key-file-unreadable " + key_var) != std::string::npos);
  }
}

TEST_CASE("serve exits 1 when a configuration error is beside a credential it cannot load") {
  ServePki pki;
  const RunResult r =
      serve_refusing(with(pki.tls_args("bogus"), "METRICS_PROMETHEUS_TLS_KEY", pki.client_key));
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("invalid METRICS_PROMETHEUS_TLS_CLIENT_AUTH \"bogus\"") != std::string::npos);
  CHECK(r.err.find("promtls serve: the configuration has errors; not starting") !=
        std::string::npos);
}

TEST_CASE("serve prints the configuration errors and exits 1 without listening") {
  ServePki pki;
  std::vector<std::string> argv{promtls_binary(), "serve", "--no-env", "--listen", "127.0.0.1:0"};
  for (const auto& a : pki.tls_args("bogus")) argv.push_back(a);
  const RunResult r = run(argv, {}, 10000);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("invalid METRICS_PROMETHEUS_TLS_CLIENT_AUTH \"bogus\"") != std::string::npos);
  CHECK(r.err.find("listening") == std::string::npos);
}

TEST_CASE("serve exits 3 when the listen address is taken") {
  ServePki pki;
  Serve first = start_serve({}, pki.log_path("first.log"));
  const RunResult r = run({promtls_binary(), "serve", "--no-env", "--listen",
                           "127.0.0.1:" + std::to_string(first.port)},
                          {}, 10000);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port)) !=
        std::string::npos);
}

}  // namespace
}  // namespace promtls::test
