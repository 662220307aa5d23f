// The Tigera operator profile against spec/tigera-metrics.md §1–§2: every variable's parsing,
// the fatal startup errors byte for byte and in the operator's order, and each quirk as a finding.
#include <catch2/catch.hpp>
#include <map>

#include "fake_files.hpp"
#include "findings.hpp"
#include "fixed_time.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/profile.hpp"

using namespace promtls::core;
using promtls::test::FakeFiles;

namespace {

using promtls::test::find_finding;
using promtls::test::has_finding;
using promtls::test::kNow;

CertInfo cert(const std::string& cn, bool ca, std::vector<std::string> dns = {}) {
  CertInfo c;
  c.subject = "CN=" + cn;
  c.issuer = "CN=tigera-operator-signer";
  c.subject_cn = cn;
  c.issuer_cn = "tigera-operator-signer";
  c.is_ca = ca;
  c.not_before_unix = kNow - 86400;
  c.not_after_unix = kNow + 365 * 86400;
  c.key = {"EC", 256, "P-256"};
  c.signature_algorithm = "ecdsa-with-SHA256";
  c.public_key_id = cn;
  c.dns_names = std::move(dns);
  return c;
}

FileFacts pem_file(const std::string& path, std::vector<CertInfo> certs) {
  FileFacts f;
  f.path = path;
  f.readable = true;
  f.is_pem = true;
  f.certificate_blocks = certs.size();
  f.certificates = std::move(certs);
  return f;
}

FileFacts key_file(const std::string& path, const std::string& spki) {
  FileFacts f;
  f.path = path;
  f.readable = true;
  f.is_pem = true;
  f.mode = 0600;
  f.key_block_present = true;
  f.key = KeyInfo{"EC", 256, "P-256"};
  f.key_public_key_id = spki;
  return f;
}

// The operator's default files, all good.
FakeFiles good_files() {
  FakeFiles files;
  files.files["/etc/tigera-operator-tls/tls.crt"] =
      pem_file("/etc/tigera-operator-tls/tls.crt",
               {cert("tigera-operator-metrics", false,
                     {"tigera-operator-metrics", "tigera-operator-metrics.tigera-operator"})});
  files.files["/etc/tigera-operator-tls/tls.key"] =
      key_file("/etc/tigera-operator-tls/tls.key", "tigera-operator-metrics");
  files.files["/etc/tigera-ca-private/tls.crt"] =
      pem_file("/etc/tigera-ca-private/tls.crt", {cert("tigera-operator-signer", true)});
  return files;
}

Evaluation eval(const std::map<std::string, std::string>& vars, FileInspector* files = nullptr) {
  EnvSnapshot env;
  for (const auto& [k, v] : vars) env.set(k, v, Origin{Origin::Kind::flag, {}, 0, {}});
  EvaluateOptions options;
  options.now_unix = kNow;
  return evaluate(env, Profile::tigera, options, files);
}

const std::map<std::string, std::string> kServing{{"METRICS_ENABLED", "true"},
                                                  {"METRICS_SCHEME", "https"}};

std::map<std::string, std::string> serving(std::map<std::string, std::string> extra) {
  auto vars = kServing;
  for (auto& [k, v] : extra) vars[k] = v;
  return vars;
}

}  // namespace

TEST_CASE("tigera: the profile is offered and its variables are in the one table") {
  CHECK(parse_profile("tigera") == Profile::tigera);
  for (const char* name :
       {"METRICS_ENABLED", "METRICS_HOST", "METRICS_PORT", "METRICS_SCHEME", "METRICS_CLIENT_AUTH",
        "TLS_MIN_VERSION", "METRICS_TLS_CERT_FILE", "METRICS_TLS_KEY_FILE", "METRICS_TLS_CA_FILE",
        "OPERATOR_NAMESPACE", "OPERATOR_NAME"}) {
    INFO(name);
    const VariableSpec* v = find_variable(name, Profile::tigera);
    REQUIRE(v != nullptr);
    CHECK(belongs_to(name, Profile::tigera));
    CHECK(!v->meaning.empty());
  }
  CHECK(find_variable("METRICS_PORT")->default_value == "9484");
  CHECK(find_variable("METRICS_TLS_CA_FILE")->default_value == "/etc/tigera-ca-private/tls.crt");
}

TEST_CASE("tigera: with no variables metrics are off and the operator starts") {
  const auto e = eval({});
  CHECK(e.upstream.accepts);
  CHECK(!e.config.enabled);
  CHECK(e.config.listen_address == "0");
  CHECK(has_finding(e, "metrics-disabled"));
}

TEST_CASE("tigera: METRICS_ENABLED is compared with EqualFold and not trimmed") {
  CHECK(eval({{"METRICS_ENABLED", "TRUE"}}).config.enabled);
  CHECK(eval({{"METRICS_ENABLED", "tRuE"}}).config.enabled);
  for (const char* v : {"1", "yes", " true", "true "}) {
    INFO(v);
    const auto e = eval({{"METRICS_ENABLED", v}});
    CHECK(!e.config.enabled);
    CHECK(has_finding(e, "metrics-enabled-not-true"));
  }
  CHECK(!has_finding(eval({{"METRICS_ENABLED", "false"}}), "metrics-enabled-not-true"));
}

TEST_CASE("tigera: defaults are 0.0.0.0 and 9484, empty values mean the default") {
  auto e = eval({{"METRICS_ENABLED", "true"}});
  CHECK(e.config.listen_address == "0.0.0.0:9484");
  CHECK(e.config.port == 9484);
  e = eval({{"METRICS_ENABLED", "true"}, {"METRICS_HOST", ""}, {"METRICS_PORT", ""}});
  CHECK(e.config.listen_address == "0.0.0.0:9484");
  CHECK(e.upstream.accepts);
}

TEST_CASE("tigera: METRICS_SCHEME https in any case turns TLS on, anything else is HTTP") {
  CHECK(eval(serving({{"METRICS_SCHEME", "HTTPS"}})).config.tls);
  const auto e = eval(serving({{"METRICS_SCHEME", "https "}}));
  CHECK(!e.config.tls);
  CHECK(has_finding(e, "scheme-not-https"));
  CHECK(!has_finding(eval(serving({{"METRICS_SCHEME", "http"}})), "scheme-not-https"));
}

TEST_CASE("tigera: plain HTTP with metrics on is flagged because the ServiceMonitor uses https") {
  const auto e = eval({{"METRICS_ENABLED", "true"}});
  CHECK(e.upstream.accepts);
  REQUIRE(has_finding(e, "servicemonitor-scheme-mismatch"));
  CHECK(find_finding(e, "servicemonitor-scheme-mismatch")->severity == Severity::warning);
}

TEST_CASE("tigera: the four client auth modes, case-insensitive, default RequireAndVerify") {
  CHECK(eval(kServing).config.tls_config.client_auth == ClientAuth::require);
  CHECK(eval(serving({{"METRICS_CLIENT_AUTH", "requireandverifyclientcert"}}))
            .config.tls_config.client_auth == ClientAuth::require);
  CHECK(eval(serving({{"METRICS_CLIENT_AUTH", "RequireAnyClientCert"}}))
            .config.tls_config.client_auth == ClientAuth::require_any);
  CHECK(eval(serving({{"METRICS_CLIENT_AUTH", "VERIFYCLIENTCERTIFGIVEN"}}))
            .config.tls_config.client_auth == ClientAuth::optional);
  CHECK(eval(serving({{"METRICS_CLIENT_AUTH", "NoClientCert"}})).config.tls_config.client_auth ==
        ClientAuth::none);
  CHECK(has_finding(eval(serving({{"METRICS_CLIENT_AUTH", "RequireAnyClientCert"}})),
                    "client-auth-unverified"));
}

TEST_CASE("tigera: an unknown client auth value is fatal with the operator's exact error") {
  const auto e = eval(serving({{"METRICS_CLIENT_AUTH", "require"}}));
  CHECK(!e.upstream.accepts);
  CHECK(e.upstream.error ==
        "unsupported client auth type: require (supported: RequireAndVerifyClientCert, "
        "RequireAnyClientCert, VerifyClientCertIfGiven, NoClientCert)");
  CHECK(find_finding(e, "client-auth-invalid")->hint.find("RequireAndVerifyClientCert") !=
        std::string::npos);
}

TEST_CASE("tigera: client auth is lower-cased but not trimmed") {
  const auto e = eval(serving({{"METRICS_CLIENT_AUTH", " NoClientCert"}}));
  CHECK(e.upstream.error ==
        "unsupported client auth type:  NoClientCert (supported: RequireAndVerifyClientCert, "
        "RequireAnyClientCert, VerifyClientCertIfGiven, NoClientCert)");
  CHECK(find_finding(e, "client-auth-invalid")->hint.find("does not trim") != std::string::npos);
}

TEST_CASE("tigera: TLS_MIN_VERSION is exactly 1.2 or 1.3, default 1.2") {
  CHECK(eval(kServing).config.tls_config.min_version == 0x0303);
  CHECK(eval(serving({{"TLS_MIN_VERSION", "1.3"}})).config.tls_config.min_version == 0x0304);
  for (const char* v : {"1.0", "1.1", "TLS1.2", "1.2 ", "tls1.3"}) {
    INFO(v);
    const auto e = eval(serving({{"TLS_MIN_VERSION", v}}));
    CHECK(e.upstream.error ==
          "unsupported TLS version: " + std::string(v) + " (supported versions: 1.2, 1.3)");
  }
}

TEST_CASE("tigera: METRICS_CLIENT_AUTH is parsed before TLS_MIN_VERSION") {
  const auto e = eval(serving({{"METRICS_CLIENT_AUTH", "x"}, {"TLS_MIN_VERSION", "1.1"}}));
  CHECK(e.upstream.error.rfind("unsupported client auth type: x ", 0) == 0);
  CHECK(has_finding(e, "tls-version-invalid"));
}

TEST_CASE("tigera: TLS variables are parsed and fatal even with metrics disabled") {
  const auto e = eval({{"METRICS_SCHEME", "https"}, {"TLS_MIN_VERSION", "1.1"}});
  CHECK(!e.config.enabled);
  CHECK(!e.upstream.accepts);
  CHECK(e.upstream.error == "unsupported TLS version: 1.1 (supported versions: 1.2, 1.3)");
  REQUIRE(has_finding(e, "tls-parsed-while-metrics-disabled"));
  CHECK(find_finding(e, "tls-parsed-while-metrics-disabled")->severity == Severity::warning);
  CHECK(find_finding(eval({{"METRICS_SCHEME", "https"}}), "tls-parsed-while-metrics-disabled")
            ->severity == Severity::info);
}

TEST_CASE("tigera: TLS variables are ignored when the scheme is not https") {
  const auto e = eval(
      {{"METRICS_ENABLED", "true"}, {"TLS_MIN_VERSION", "1.1"}, {"METRICS_CLIENT_AUTH", "bogus"}});
  CHECK(e.upstream.accepts);
  CHECK(has_finding(e, "tls-settings-ignored-without-https"));
}

TEST_CASE("tigera: a bad port kills the manager with Go's listen error") {
  auto e = eval({{"METRICS_ENABLED", "true"}, {"METRICS_PORT", "abc"}});
  CHECK(e.upstream.error == "listen tcp: address tcp/abc: unknown port");
  e = eval({{"METRICS_ENABLED", "true"}, {"METRICS_PORT", "99999"}});
  CHECK(e.upstream.error == "listen tcp: address 99999: invalid port");
  e = eval({{"METRICS_ENABLED", "true"}, {"METRICS_PORT", "-1"}});
  CHECK(e.upstream.error == "listen tcp: address -1: invalid port");
  REQUIRE(has_finding(e, "port-invalid"));
}

TEST_CASE("tigera: a bad port with metrics off does not stop the operator but is reported") {
  const auto e = eval({{"METRICS_PORT", "abc"}});
  CHECK(e.upstream.accepts);
  REQUIRE(has_finding(e, "port-invalid"));
  CHECK(find_finding(e, "port-invalid")->severity == Severity::warning);
  CHECK(has_finding(e, "metrics-address-ignored"));
}

TEST_CASE("tigera: a service name port resolves, and any port but 9484 misses the Service") {
  auto e = eval({{"METRICS_ENABLED", "true"}, {"METRICS_PORT", "https"}});
  CHECK(e.upstream.accepts);
  CHECK(e.config.port == 443);
  CHECK(has_finding(e, "port-service-name"));
  CHECK(has_finding(e, "port-service-mismatch"));
  e = eval({{"METRICS_ENABLED", "true"}, {"METRICS_PORT", "8484"}});
  CHECK(e.upstream.accepts);
  CHECK(has_finding(e, "port-service-mismatch"));
  CHECK(!has_finding(eval({{"METRICS_ENABLED", "true"}, {"METRICS_PORT", "9484"}}),
                     "port-service-mismatch"));
}

TEST_CASE("tigera: host and port are concatenated, so an unbracketed IPv6 literal fails") {
  auto e = eval({{"METRICS_ENABLED", "true"}, {"METRICS_HOST", "::1"}});
  CHECK(e.upstream.error == "listen tcp: address ::1:9484: too many colons in address");
  CHECK(has_finding(e, "host-listen-failure"));
  e = eval({{"METRICS_ENABLED", "true"}, {"METRICS_HOST", "[::1]"}});
  CHECK(e.upstream.accepts);
  CHECK(e.config.listen_address == "[::1]:9484");
}

TEST_CASE("tigera: the CA is loaded even with NoClientCert, and a missing CA fails handshakes") {
  FakeFiles files = good_files();
  files.files.erase("/etc/tigera-ca-private/tls.crt");
  const auto e = eval(serving({{"METRICS_CLIENT_AUTH", "NoClientCert"}}), &files);
  CHECK(e.upstream.accepts);  // read per connection, never at startup
  CHECK(has_finding(e, "client-ca-loaded-without-client-auth"));
  REQUIRE(has_finding(e, "client-ca-unreadable"));
  CHECK(find_finding(e, "client-ca-unreadable")->message ==
        "every handshake fails: failed to read metrics client CA from "
        "/etc/tigera-ca-private/tls.crt: open /etc/tigera-ca-private/tls.crt: no such file or "
        "directory");
}

TEST_CASE("tigera: a CA file without certificates has the operator's handshake message") {
  FakeFiles files = good_files();
  files.files["/ca.pem"] = pem_file("/ca.pem", {});
  const auto e = eval(serving({{"METRICS_TLS_CA_FILE", "/ca.pem"}}), &files);
  REQUIRE(has_finding(e, "client-ca-no-certificates"));
  CHECK(find_finding(e, "client-ca-no-certificates")->message ==
        "every handshake fails: metrics client CA file /ca.pem contained no valid PEM "
        "certificates");
}

TEST_CASE("tigera: good default files give no error and the effective configuration") {
  FakeFiles files = good_files();
  const auto e = eval(kServing, &files);
  for (const auto& f : e.findings) {
    INFO(f.code << ": " << f.message);
    CHECK(f.severity != Severity::error);
  }
  CHECK(e.upstream.accepts);
  CHECK(e.config.tls_config.cert_file == "/etc/tigera-operator-tls/tls.crt");
  CHECK(e.config.tls_config.key_file == "/etc/tigera-operator-tls/tls.key");
  CHECK(e.config.tls_config.client_ca_file == "/etc/tigera-ca-private/tls.crt");
  CHECK(e.config.tls_config.max_version == 0);
  CHECK(!has_finding(e, "cert-missing-service-name"));
}

TEST_CASE("tigera: the knative deep file checks apply to the operator's files") {
  FakeFiles files = good_files();
  files.files["/etc/tigera-operator-tls/tls.key"] =
      key_file("/etc/tigera-operator-tls/tls.key", "some-other-key");
  auto e = eval(kServing, &files);
  CHECK(has_finding(e, "cert-key-mismatch"));
  files = good_files();
  files.files["/etc/tigera-operator-tls/tls.crt"].certificates[0].not_after_unix = kNow - 10;
  e = eval(kServing, &files);
  CHECK(has_finding(e, "cert-expired"));
  files = good_files();
  files.files.erase("/etc/tigera-operator-tls/tls.crt");
  e = eval(kServing, &files);
  REQUIRE(has_finding(e, "cert-file-unreadable"));
  CHECK(find_finding(e, "cert-file-unreadable")->hint ==
        "every handshake fails with \"failed to load metrics TLS keypair: open "
        "/etc/tigera-operator-tls/tls.crt: no such file or directory\"; mount the Secret "
        "tigera-operator-tls or fix the path");
}

TEST_CASE("tigera: files are read only by a serving TLS endpoint") {
  FakeFiles files;
  eval({{"METRICS_SCHEME", "https"}}, &files);
  CHECK(files.reads.empty());
  eval({{"METRICS_ENABLED", "true"}}, &files);
  CHECK(files.reads.empty());
}

TEST_CASE("tigera: a certificate without the ServiceMonitor's server name is a warning") {
  FakeFiles files = good_files();
  files.files["/etc/tigera-operator-tls/tls.crt"].certificates[0].dns_names = {"other"};
  CHECK(has_finding(eval(kServing, &files), "cert-missing-service-name"));
}

TEST_CASE("tigera: OPERATOR_NAME changes the certificate names but not the Service") {
  const auto e = eval(serving({{"OPERATOR_NAME", "my-operator"}}));
  REQUIRE(has_finding(e, "operator-name-san-mismatch"));
  CHECK(find_finding(e, "operator-name-san-mismatch")->message.find("my-operator-metrics") !=
        std::string::npos);
}

TEST_CASE("tigera: misspelt METRICS_ names get a did-you-mean hint") {
  const auto e = eval({{"METRICS_TLS_CERT", "/x"}});
  REQUIRE(has_finding(e, "unknown-variable"));
  CHECK(find_finding(e, "unknown-variable")->hint == "did you mean METRICS_TLS_CERT_FILE?");
}

TEST_CASE("auto profile: picks by the family present and says why") {
  EnvSnapshot env;
  CHECK(choose_profile(env, std::nullopt).reason.find("default") != std::string::npos);
  env.set("METRICS_ENABLED", "true", {});
  env.set("METRICS_SCHEME", "https", {});
  ProfileChoice c = choose_profile(env, std::nullopt);
  CHECK(c.profiles == std::vector<Profile>{Profile::tigera});
  CHECK(c.reason == "tigera (METRICS_ENABLED, METRICS_SCHEME are present)");
  env.set("METRICS_PROMETHEUS_TLS_CERT", "/c", {});
  c = choose_profile(env, std::nullopt);
  CHECK(c.profiles == std::vector<Profile>{Profile::tigera, Profile::knative});
  CHECK(c.reason.find("knative: METRICS_PROMETHEUS_TLS_CERT") != std::string::npos);
  EnvSnapshot k;
  k.set("METRICS_PROMETHEUS_PORT", "9090", {});
  CHECK(choose_profile(k, std::nullopt).profiles == std::vector<Profile>{Profile::knative});
}

TEST_CASE("tigera: paths and hosts are taken literally, white space included") {
  const auto e = eval(serving({{"METRICS_TLS_CERT_FILE", "/tls/tls.crt "}}));
  REQUIRE(has_finding(e, "value-whitespace"));
  CHECK(find_finding(e, "value-whitespace")->message ==
        "METRICS_TLS_CERT_FILE value \"/tls/tls.crt \" has leading or trailing white space, which "
        "the operator keeps");
  CHECK(e.config.tls_config.cert_file == "/tls/tls.crt ");
}

TEST_CASE("tigera: a prefix of a client auth mode gets a did-you-mean hint") {
  const auto e = eval(serving({{"METRICS_CLIENT_AUTH", "RequireAndVerify"}}));
  CHECK(find_finding(e, "client-auth-invalid")->hint ==
        "did you mean RequireAndVerifyClientCert? (the operator logs \"invalid "
        "METRICS_CLIENT_AUTH\" and exits 1)");
}

TEST_CASE("tigera: the effective configuration follows the operator's defaults") {
  const auto e = eval(serving(
      {{"METRICS_CLIENT_AUTH", "VerifyClientCertIfGiven"}, {"METRICS_TLS_CA_FILE", "/ca.pem"}}));
  CHECK(e.config.profile == Profile::tigera);
  CHECK(e.config.enabled);
  CHECK(e.config.tls);
  CHECK(e.config.host == "0.0.0.0");
  CHECK(e.config.tls_config.client_auth == ClientAuth::optional);
  CHECK(e.config.tls_config.client_ca_file == "/ca.pem");
  CHECK(e.config.tls_config.min_version == 0x0303);
}
