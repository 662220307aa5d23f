// The knative profile against spec/knative-env.md: every row of §7a and §7b, each rule of §2–§5,
// which error wins when several apply, and the findings beyond knative.
#include <catch2/catch.hpp>
#include <map>

#include "fake_files.hpp"
#include "findings.hpp"
#include "fixed_time.hpp"
#include "promtls/core/config.hpp"

using namespace promtls::core;
using promtls::test::FakeFiles;

namespace {

using promtls::test::has_finding;
using promtls::test::kNow;
using promtls::test::require_finding;

CertInfo ca_cert() {
  CertInfo c;
  c.subject = c.issuer = "CN=ca";
  c.subject_cn = c.issuer_cn = "ca";
  c.is_ca = true;
  c.self_signed = true;
  c.not_before_unix = kNow - 86400;
  c.not_after_unix = kNow + 3650 * 86400;
  c.key = {"EC", 256, "P-256"};
  c.signature_algorithm = "ecdsa-with-SHA256";
  return c;
}

FileFacts ca_file(const std::string& path) {
  FileFacts f;
  f.path = path;
  f.readable = true;
  f.is_pem = true;
  f.certificate_blocks = 1;
  f.certificates = {ca_cert()};
  return f;
}

Evaluation eval(const std::map<std::string, std::string>& vars, FileInspector* files = nullptr) {
  EnvSnapshot env;
  for (const auto& [k, v] : vars) env.set(k, v, Origin{Origin::Kind::flag, {}, 0, {}});
  EvaluateOptions options;
  options.now_unix = kNow;
  options.tls_library = {"OpenSSL 3.0.19", false};
  return evaluate(env, Profile::knative, options, files);
}

const std::string P = "METRICS_PROMETHEUS_";
const std::map<std::string, std::string> kTls = {{P + "TLS_CERT", "/etc/tls/tls.crt"},
                                                 {P + "TLS_KEY", "/etc/tls/tls.key"}};

std::map<std::string, std::string> with(std::map<std::string, std::string> base,
                                        const std::map<std::string, std::string>& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

}  // namespace

TEST_CASE("no variables: plain HTTP on all interfaces, port 9090") {
  const auto e = eval({});
  CHECK(e.upstream.accepts);
  CHECK(e.upstream.error.empty());
  CHECK_FALSE(e.config.tls);
  CHECK(e.config.port == 9090);
  CHECK(e.config.listen_address == ":9090");
  CHECK(has_finding(e, "tls-disabled"));
}

TEST_CASE("§7a TestNewServerEnvOverride: host and port from the environment") {
  const auto e = eval({{P + "HOST", "0.0.0.0"}, {P + "PORT", "1028"}});
  CHECK(e.upstream.accepts);
  CHECK(e.config.listen_address == "0.0.0.0:1028");
}

TEST_CASE("an empty variable counts as unset (R-G1)") {
  const auto e = eval({{P + "PORT", ""}, {P + "TLS_CERT", ""}, {P + "TLS_KEY", ""}});
  CHECK(e.upstream.accepts);
  CHECK(e.config.port == 9090);
}

TEST_CASE("§7a TestNewServerFailure: port 1000000 and 65536 are parse errors, 80 is out of range") {
  CHECK(eval({{P + "PORT", "1000000"}}).upstream.error ==
        "prometheus port \"1000000\" could not be parsed as a port number: strconv.ParseUint: "
        "parsing \"1000000\": value out of range");
  CHECK(eval({{P + "PORT", "65536"}}).upstream.error ==
        "prometheus port \"65536\" could not be parsed as a port number: strconv.ParseUint: "
        "parsing \"65536\": value out of range");
  CHECK(eval({{P + "PORT", "80"}}).upstream.error ==
        "prometheus port 80, should be between 1024 and 65535");
}

TEST_CASE("port syntax follows strconv.ParseUint (R-P1, R-P2, R-P3)") {
  for (const std::string bad : {"+1028", "-1", " 9090", "9090 ", "0x400", "1_024", "abc"}) {
    INFO(bad);
    const auto e = eval({{P + "PORT", bad}});
    CHECK(require_finding(e, "port-invalid").message.find("invalid syntax") != std::string::npos);
  }
  CHECK(eval({{P + "PORT", "09090"}}).config.port == 9090);
  CHECK(eval({{P + "PORT", "09090"}}).upstream.accepts);
  CHECK(eval({{P + "PORT", "09"}}).upstream.error ==
        "prometheus port 9, should be between 1024 and 65535");
  CHECK(eval({{P + "PORT", "1023"}}).upstream.error ==
        "prometheus port 1023, should be between 1024 and 65535");
  CHECK(eval({{P + "PORT", "0"}}).upstream.error ==
        "prometheus port 0, should be between 1024 and 65535");
  CHECK(eval({{P + "PORT", "1024"}}).upstream.accepts);
  CHECK(eval({{P + "PORT", "65535"}}).upstream.accepts);
  // The first offending byte decides: out of range before the x is seen.
  CHECK(eval({{P + "PORT", "70000x"}}).upstream.error.find("value out of range") !=
        std::string::npos);
  CHECK(eval({{P + "PORT", "7x0000"}}).upstream.error.find("invalid syntax") != std::string::npos);
}

TEST_CASE("the port message quotes control characters the way Go's %q does") {
  CHECK(eval({{P + "PORT", "90\t90"}}).upstream.error ==
        "prometheus port \"90\\t90\" could not be parsed as a port number: strconv.ParseUint: "
        "parsing \"90\\t90\": invalid syntax");
}

TEST_CASE("port errors win over TLS errors (R-P4)") {
  const auto e = eval({{P + "PORT", "80"}, {P + "TLS_CERT", "/x"}});
  CHECK(e.upstream.error == "prometheus port 80, should be between 1024 and 65535");
  CHECK(has_finding(e, "tls-cert-key-unpaired"));  // still reported as its own finding
}

TEST_CASE("§7a RequiresBothCertAndKey: only a certificate or only a key is an error") {
  const std::string msg =
      "both METRICS_PROMETHEUS_TLS_CERT and METRICS_PROMETHEUS_TLS_KEY must be set or neither";
  CHECK(eval({{P + "TLS_CERT", "/etc/tls/tls.crt"}, {P + "TLS_KEY", ""}}).upstream.error == msg);
  CHECK(eval({{P + "TLS_CERT", ""}, {P + "TLS_KEY", "/etc/tls/tls.key"}}).upstream.error == msg);
}

TEST_CASE("§7a WithTLSEnvVars: paths are stored verbatim and not opened by knative") {
  const auto e = eval(kTls);
  CHECK(e.upstream.accepts);
  CHECK(e.config.tls);
  CHECK(e.config.tls_config.cert_file == "/etc/tls/tls.crt");
  CHECK(e.config.tls_config.min_version == 0x0304);
  CHECK(e.config.tls_config.max_version == 0);
  CHECK_FALSE(e.config.tls_config.cipher_suites);
  CHECK_FALSE(e.config.tls_config.curves);
}

TEST_CASE("white-space paths count as set and are kept (R-G2)") {
  const auto e = eval({{P + "TLS_CERT", " "}, {P + "TLS_KEY", " "}});
  CHECK(e.upstream.accepts);
  CHECK(e.config.tls);
  CHECK(e.config.tls_config.cert_file == " ");
  CHECK(has_finding(e, "value-whitespace"));
}

TEST_CASE("§7a WithTLSConfigFromEnv: minimum version 1.2") {
  const auto e = eval(with(kTls, {{P + "TLS_MIN_VERSION", "1.2"}}));
  CHECK(e.upstream.accepts);
  CHECK(e.config.tls_config.min_version == 0x0303);
}

TEST_CASE("§7a TLSConfigWithCertFilesFromEnv: TLS 1.3 names accepted, ignored by Go") {
  const auto e = eval(with(
      kTls, {{P + "TLS_MIN_VERSION", "1.3"},
             {P + "TLS_MAX_VERSION", "1.3"},
             {P + "TLS_CIPHER_SUITES", "TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256"}}));
  CHECK(e.upstream.accepts);
  CHECK(e.config.tls_config.min_version == 0x0304);
  CHECK(e.config.tls_config.max_version == 0x0304);
  CHECK(*e.config.tls_config.cipher_suites == std::vector<std::uint16_t>{0x1302, 0x1303});
  CHECK(has_finding(e, "cipher-suites-ignored"));
}

TEST_CASE("§7a MTLS: require without a CA") {
  const auto e = eval(with(kTls, {{P + "TLS_CLIENT_AUTH", "require"}}));
  CHECK(e.upstream.error ==
        "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE must be set when "
        "METRICS_PROMETHEUS_TLS_CLIENT_AUTH is \"require\" (client certs cannot be validated "
        "without a CA)");
}

TEST_CASE("§7a MTLS: an invalid client auth shows the raw value") {
  CHECK(eval(with(kTls, {{P + "TLS_CLIENT_AUTH", "invalid"}})).upstream.error ==
        "invalid METRICS_PROMETHEUS_TLS_CLIENT_AUTH \"invalid\": must be \"none\", "
        "\"optional\", or \"require\"");
  CHECK(eval({{P + "TLS_CLIENT_AUTH", " Bogus "}}).upstream.error ==
        "invalid METRICS_PROMETHEUS_TLS_CLIENT_AUTH \" Bogus \": must be \"none\", "
        "\"optional\", or \"require\"");
}

TEST_CASE("§7a MTLS: optional and require with a valid CA are accepted") {
  FakeFiles files;
  files.files["/ca.pem"] = ca_file("/ca.pem");
  for (const auto& [mode, expected] :
       {std::pair{"optional", ClientAuth::optional}, std::pair{"require", ClientAuth::require}}) {
    const auto e = eval(
        with(kTls, {{P + "TLS_CLIENT_AUTH", mode}, {P + "TLS_CLIENT_CA_FILE", "/ca.pem"}}), &files);
    CHECK(e.upstream.accepts);
    CHECK(e.config.tls_config.client_auth == expected);
    CHECK(e.config.tls_config.client_ca_file == "/ca.pem");
  }
}

TEST_CASE("§7a MTLS: explicit none without a CA") {
  const auto e = eval(with(kTls, {{P + "TLS_CLIENT_AUTH", "none"}}));
  CHECK(e.upstream.accepts);
  CHECK(e.config.tls_config.client_auth == ClientAuth::none);
  CHECK(e.config.tls_config.client_ca_file.empty());
}

TEST_CASE("§7a MTLS: mTLS without TLS, and a CA without TLS") {
  const std::string msg =
      "METRICS_PROMETHEUS_TLS_CLIENT_AUTH and METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE require TLS "
      "to be enabled (METRICS_PROMETHEUS_TLS_CERT and METRICS_PROMETHEUS_TLS_KEY must be set)";
  CHECK(eval({{P + "TLS_CLIENT_AUTH", "require"}, {P + "TLS_CLIENT_CA_FILE", "/etc/tls/ca.pem"}})
            .upstream.error == msg);
  CHECK(eval({{P + "TLS_CLIENT_CA_FILE", "/etc/tls/ca.pem"}}).upstream.error == msg);
  // R-M2: the CA value is not trimmed here.
  CHECK(eval({{P + "TLS_CLIENT_CA_FILE", " "}}).upstream.error == msg);
  // none without TLS is plain HTTP.
  CHECK(eval({{P + "TLS_CLIENT_AUTH", "none"}}).upstream.accepts);
  CHECK(eval({{P + "TLS_CLIENT_AUTH", "optional"}}).upstream.error == msg);
}

TEST_CASE("§7a MTLS: a CA with empty or none client auth") {
  CHECK(eval(with(kTls, {{P + "TLS_CLIENT_CA_FILE", "/etc/tls/ca.pem"}})).upstream.error ==
        "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE is set but METRICS_PROMETHEUS_TLS_CLIENT_AUTH is "
        "\"\"; set METRICS_PROMETHEUS_TLS_CLIENT_AUTH to \"optional\" or \"require\" to use client "
        "certificate verification");
  CHECK(eval(with(kTls,
                  {{P + "TLS_CLIENT_AUTH", "none"}, {P + "TLS_CLIENT_CA_FILE", "/etc/tls/ca.pem"}}))
            .upstream.error.find("METRICS_PROMETHEUS_TLS_CLIENT_AUTH is \"none\";") !=
        std::string::npos);
  // A white-space-only CA with none is accepted and ignored (R-M4).
  CHECK(eval(with(kTls, {{P + "TLS_CLIENT_AUTH", "none"}, {P + "TLS_CLIENT_CA_FILE", "  "}}))
            .upstream.accepts);
}

TEST_CASE(
    "client auth is trimmed and case-folded, the message shows the normalised value (R-M1, R-M3)") {
  const auto e = eval(with(kTls, {{P + "TLS_CLIENT_AUTH", " Require "}}));
  CHECK(e.upstream.error.find("METRICS_PROMETHEUS_TLS_CLIENT_AUTH is \"require\" (client") !=
        std::string::npos);
}

TEST_CASE("client auth is checked even when TLS is off (R-M1)") {
  CHECK(eval({{P + "TLS_CLIENT_AUTH", "bogus"}}).upstream.error ==
        "invalid METRICS_PROMETHEUS_TLS_CLIENT_AUTH \"bogus\": must be \"none\", \"optional\", or "
        "\"require\"");
}

TEST_CASE("the CA path is trimmed before it is read (R-M7)") {
  FakeFiles files;
  files.files["/ca.pem"] = ca_file("/ca.pem");
  const auto e = eval(
      with(kTls, {{P + "TLS_CLIENT_AUTH", "require"}, {P + "TLS_CLIENT_CA_FILE", "  /ca.pem "}}),
      &files);
  CHECK(e.upstream.accepts);
  CHECK(e.config.tls_config.client_ca_file == "/ca.pem");
}

TEST_CASE("an unreadable CA file gives knative's read error (R-M7)") {
  FakeFiles files;
  const auto e = eval(with(kTls, {{P + "TLS_CLIENT_AUTH", "require"},
                                  {P + "TLS_CLIENT_CA_FILE", "/nonexistent/ca.pem"}}),
                      &files);
  CHECK(e.upstream.error ==
        "reading METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE: open /nonexistent/ca.pem: no such file or "
        "directory");
  CHECK(require_finding(e, "client-ca-unreadable").variables.front() == P + "TLS_CLIENT_CA_FILE");
}

TEST_CASE("a CA file where no certificate parses is rejected, one good block is enough (R-M7)") {
  FakeFiles files;
  FileFacts empty;
  empty.path = "/empty.pem";
  empty.readable = true;
  empty.certificate_blocks = 2;
  empty.bad_certificate_blocks = 2;
  files.files["/empty.pem"] = empty;
  FileFacts mixed = ca_file("/mixed.pem");
  mixed.certificate_blocks = 2;
  mixed.bad_certificate_blocks = 1;
  files.files["/mixed.pem"] = mixed;
  const auto base = with(kTls, {{P + "TLS_CLIENT_AUTH", "optional"}});
  CHECK(eval(with(base, {{P + "TLS_CLIENT_CA_FILE", "/empty.pem"}}), &files).upstream.error ==
        "no valid CA certificates found in METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE");
  const auto e = eval(with(base, {{P + "TLS_CLIENT_CA_FILE", "/mixed.pem"}}), &files);
  CHECK(e.upstream.accepts);
  CHECK(has_finding(e, "client-ca-bad-blocks"));
}

TEST_CASE("offline: the CA file is not read and the verdict says so") {
  const auto e =
      eval(with(kTls, {{P + "TLS_CLIENT_AUTH", "require"}, {P + "TLS_CLIENT_CA_FILE", "/ca.pem"}}));
  CHECK(e.upstream.accepts);
  CHECK_FALSE(e.upstream.files_checked);
}

TEST_CASE("§7b parseVersion: exact 1.2 and 1.3 only") {
  CHECK(eval(with(kTls, {{P + "TLS_MIN_VERSION", "1.2"}})).config.tls_config.min_version == 0x0303);
  CHECK(eval(with(kTls, {{P + "TLS_MAX_VERSION", "1.3"}})).config.tls_config.max_version == 0x0304);
  for (const std::string bad :
       {"1.0", "1.1", "1.2 ", "abc", "TLS1.2", "tls1.3", "VersionTLS13", "1.2.0", "12"}) {
    INFO(bad);
    const auto e = eval(with(kTls, {{P + "TLS_MIN_VERSION", bad}}));
    CHECK(e.upstream.error == "invalid METRICS_PROMETHEUS_TLS_MIN_VERSION \"" + bad +
                                  "\": unsupported TLS version \"" + bad +
                                  "\": must be \"1.2\" or \"1.3\"");
  }
  CHECK(eval(with(kTls, {{P + "TLS_MAX_VERSION", "bad"}})).upstream.error ==
        "invalid METRICS_PROMETHEUS_TLS_MAX_VERSION \"bad\": unsupported TLS version \"bad\": must "
        "be \"1.2\" or \"1.3\"");
}

TEST_CASE("version hints name the fix") {
  CHECK(require_finding(eval(with(kTls, {{P + "TLS_MIN_VERSION", "1.2 "}})), "tls-version-invalid")
            .hint.find("white space") != std::string::npos);
  CHECK(
      require_finding(eval(with(kTls, {{P + "TLS_MIN_VERSION", "TLS1.2"}})), "tls-version-invalid")
          .hint == "write 1.2");
}

TEST_CASE("§7b parseCipherSuites: order, duplicates, trimming, empty parts") {
  const auto ids = [](const std::string& v) {
    return *eval(with(kTls, {{P + "TLS_MIN_VERSION", "1.2"}, {P + "TLS_CIPHER_SUITES", v}}))
                .config.tls_config.cipher_suites;
  };
  CHECK(ids("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") == std::vector<std::uint16_t>{0xC02F});
  CHECK(ids("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384") ==
        std::vector<std::uint16_t>{0xC02F, 0xC030});
  CHECK(ids("  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ,\tTLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 ") ==
        std::vector<std::uint16_t>{0xC02F, 0xC030});
  CHECK(ids("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,,") == std::vector<std::uint16_t>{0xC02F});
  CHECK(ids("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,") ==
        std::vector<std::uint16_t>{0xC02F, 0xC02F});
  // R-V4: only separators is an empty, non-nil list.
  CHECK(ids(" , ").empty());
}

TEST_CASE("§7b unknown cipher suites: the first one is knative's error, each is a finding") {
  const auto e =
      eval(with(kTls, {{P + "TLS_CIPHER_SUITES", "DOES_NOT_EXIST, TLS_RSA_WITH_AES_128_CBC_SHA"}}));
  CHECK(e.upstream.error ==
        "invalid METRICS_PROMETHEUS_TLS_CIPHER_SUITES: unknown cipher suite \"DOES_NOT_EXIST\"");
  std::size_t unknown = 0;
  for (const auto& f : e.findings) unknown += f.code == "cipher-suite-unknown";
  CHECK(unknown == 2);
  // R-V6: validated even with minimum 1.3. G2: insecure suites are unknown to knative.
  const auto insecure =
      eval(with(kTls, {{P + "TLS_CIPHER_SUITES", "TLS_RSA_WITH_AES_128_CBC_SHA"}}));
  CHECK(insecure.upstream.error ==
        "invalid METRICS_PROMETHEUS_TLS_CIPHER_SUITES: unknown cipher suite "
        "\"TLS_RSA_WITH_AES_128_CBC_SHA\"");
  CHECK(require_finding(insecure, "cipher-suite-unknown").hint.find("InsecureCipherSuites") !=
        std::string::npos);
  // G1: the legacy alias without _SHA256 is not a Name.
  const auto alias =
      eval(with(kTls, {{P + "TLS_CIPHER_SUITES", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"}}));
  CHECK_FALSE(alias.upstream.accepts);
  CHECK(require_finding(alias, "cipher-suite-unknown").hint ==
        "did you mean TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256?");
  // Case matters.
  CHECK_FALSE(
      eval(with(kTls, {{P + "TLS_CIPHER_SUITES", "tls_aes_128_gcm_sha256"}})).upstream.accepts);
  // ';' is not a separator.
  CHECK_FALSE(
      eval(with(kTls, {{P + "TLS_CIPHER_SUITES", "TLS_AES_128_GCM_SHA256;TLS_AES_256_GCM_SHA384"}}))
          .upstream.accepts);
}

TEST_CASE("§7b parseCurvePreferences: knative's static map") {
  const auto ids = [](const std::string& v) {
    return *eval(with(kTls, {{P + "TLS_CURVE_PREFERENCES", v}})).config.tls_config.curves;
  };
  CHECK(ids("X25519") == std::vector<std::uint16_t>{29});
  CHECK(ids("CurveP256") == std::vector<std::uint16_t>{23});
  CHECK(ids("P-256") == std::vector<std::uint16_t>{23});
  CHECK(ids("X25519,P-256,CurveP384") == std::vector<std::uint16_t>{29, 23, 24});
  CHECK(ids(" X25519 , CurveP256 ") == std::vector<std::uint16_t>{29, 23});
  CHECK(ids("P-256,P-384,P-521,X25519") == std::vector<std::uint16_t>{23, 24, 25, 29});
  CHECK(ids("X25519MLKEM768") == std::vector<std::uint16_t>{4588});
  CHECK(ids(",").empty());
  for (const std::string bad : {"CurveP128", "x25519", "P256", "secp256r1", "prime256v1", "X448",
                                "SecP256r1MLKEM768", "SecP384r1MLKEM1024", "CurveID(23)"}) {
    INFO(bad);
    const auto e = eval(with(kTls, {{P + "TLS_CURVE_PREFERENCES", bad}}));
    CHECK(e.upstream.error ==
          "invalid METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES: unknown curve \"" + bad + "\"");
  }
  CHECK(
      require_finding(eval(with(kTls, {{P + "TLS_CURVE_PREFERENCES", "x25519"}})), "curve-unknown")
          .hint.find("X25519?") != std::string::npos);
}

TEST_CASE("§7b DefaultConfigFromEnv: all four applied together") {
  const auto e = eval(
      with(kTls, {{P + "TLS_MIN_VERSION", "1.2"},
                  {P + "TLS_MAX_VERSION", "1.3"},
                  {P + "TLS_CIPHER_SUITES",
                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
                  {P + "TLS_CURVE_PREFERENCES", "X25519,P-256"}}));
  CHECK(e.upstream.accepts);
  CHECK(e.config.tls_config.min_version == 0x0303);
  CHECK(e.config.tls_config.max_version == 0x0304);
  CHECK(e.config.tls_config.cipher_suites->size() == 2);
  CHECK(*e.config.tls_config.curves == std::vector<std::uint16_t>{29, 23});
}

TEST_CASE("tuning errors come in the order MIN, MAX, CIPHERS, CURVES, then the CA (R-M6)") {
  FakeFiles files;
  const auto all_bad = with(kTls, {{P + "TLS_MIN_VERSION", "1.0"},
                                   {P + "TLS_MAX_VERSION", "bad"},
                                   {P + "TLS_CIPHER_SUITES", "NOPE"},
                                   {P + "TLS_CURVE_PREFERENCES", "NotACurve"},
                                   {P + "TLS_CLIENT_AUTH", "require"},
                                   {P + "TLS_CLIENT_CA_FILE", "/missing.pem"}});
  auto vars = all_bad;
  CHECK(eval(vars, &files).upstream.error.rfind("invalid METRICS_PROMETHEUS_TLS_MIN_VERSION", 0) ==
        0);
  vars.erase(P + "TLS_MIN_VERSION");
  CHECK(eval(vars, &files).upstream.error.rfind("invalid METRICS_PROMETHEUS_TLS_MAX_VERSION", 0) ==
        0);
  vars.erase(P + "TLS_MAX_VERSION");
  CHECK(
      eval(vars, &files).upstream.error.rfind("invalid METRICS_PROMETHEUS_TLS_CIPHER_SUITES", 0) ==
      0);
  vars.erase(P + "TLS_CIPHER_SUITES");
  CHECK(eval(vars, &files)
            .upstream.error.rfind("invalid METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES", 0) == 0);
  vars.erase(P + "TLS_CURVE_PREFERENCES");
  CHECK(
      eval(vars, &files).upstream.error.rfind("reading METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE", 0) ==
      0);
  // A bad client auth wins over a bad version.
  CHECK(eval(with(all_bad, {{P + "TLS_CLIENT_AUTH", "bogus"}}), &files)
            .upstream.error.rfind("invalid METRICS_PROMETHEUS_TLS_CLIENT_AUTH", 0) == 0);
}

TEST_CASE("with TLS off the tuning variables are ignored, even invalid ones (R-G6)") {
  const auto e = eval({{P + "TLS_MIN_VERSION", "1.0"}, {P + "TLS_CIPHER_SUITES", "NOPE"}});
  CHECK(e.upstream.accepts);
  std::size_t ignored = 0;
  for (const auto& f : e.findings) ignored += f.code == "tuning-ignored-without-tls";
  CHECK(ignored == 2);
  CHECK(require_finding(e, "tuning-ignored-without-tls").severity == Severity::warning);
}

TEST_CASE("minimum above maximum: knative accepts, every handshake fails (R-V2)") {
  const auto e = eval(with(kTls, {{P + "TLS_MIN_VERSION", "1.3"}, {P + "TLS_MAX_VERSION", "1.2"}}));
  CHECK(e.upstream.accepts);
  CHECK(require_finding(e, "tls-min-above-max").severity == Severity::error);
  // The default minimum is 1.3, so a lone maximum of 1.2 is the same mistake.
  CHECK(has_finding(eval(with(kTls, {{P + "TLS_MAX_VERSION", "1.2"}})), "tls-min-above-max"));
}

TEST_CASE("a TLS 1.2 cipher list without an HTTP/2 AES-128-GCM suite never serves (G4)") {
  const auto e =
      eval(with(kTls, {{P + "TLS_MIN_VERSION", "1.2"},
                       {P + "TLS_CIPHER_SUITES", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}}));
  CHECK(e.upstream.accepts);
  CHECK(require_finding(e, "http2-cipher-missing").severity == Severity::error);
  // Only separators: an empty non-nil list (R-V4) has the same effect.
  CHECK(has_finding(
      eval(with(kTls, {{P + "TLS_MIN_VERSION", "1.2"}, {P + "TLS_CIPHER_SUITES", ","}})),
      "http2-cipher-missing"));
  CHECK_FALSE(has_finding(
      eval(with(kTls, {{P + "TLS_MIN_VERSION", "1.2"},
                       {P + "TLS_CIPHER_SUITES", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}})),
      "http2-cipher-missing"));
}

TEST_CASE("beside a startup error, what fails later says it follows once knative starts") {
  // A port knative refuses (a startup error) with a version range and a cipher list that fail
  // later: the later findings do not say "knative starts".
  const auto bad_port =
      with(kTls, {{P + "PORT", "80"},
                  {P + "TLS_MIN_VERSION", "1.2"},
                  {P + "TLS_MAX_VERSION", "1.2"},
                  {P + "TLS_CIPHER_SUITES", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}});
  const auto e = eval(bad_port);
  CHECK_FALSE(e.upstream.accepts);
  CHECK(require_finding(e, "http2-cipher-missing")
            .message.rfind("once knative starts, it will never serve: Go's HTTP/2 setup fails",
                           0) == 0);
  const auto range = eval(with(
      kTls, {{P + "PORT", "80"}, {P + "TLS_MIN_VERSION", "1.3"}, {P + "TLS_MAX_VERSION", "1.2"}}));
  CHECK(require_finding(range, "tls-min-above-max").message ==
        "the minimum version TLS 1.3 is above the maximum TLS 1.2: once knative starts, every "
        "handshake will fail");
  const auto host = eval({{P + "PORT", "80"}, {P + "HOST", "a:b"}});
  CHECK(require_finding(host, "host-listen-failure")
            .message.find(
                ": once knative starts, it will fail to listen on \"[a:b]:80\" and serve no "
                "metrics") != std::string::npos);
  // Without the startup error: the same findings say knative starts.
  CHECK(require_finding(eval({{P + "HOST", "a:b"}}), "host-listen-failure")
            .message.find("knative starts but fails to listen") != std::string::npos);
}

TEST_CASE("CBC suites are weak, TLS 1.3 names in a TLS 1.2 list have no effect") {
  const auto e = eval(with(kTls, {{P + "TLS_MIN_VERSION", "1.2"},
                                  {P + "TLS_CIPHER_SUITES",
                                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
                                   "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,TLS_AES_128_GCM_SHA256"}}));
  CHECK(require_finding(e, "cipher-suite-weak").message.find("CBC") != std::string::npos);
  CHECK(has_finding(e, "cipher-suite-tls13-listed"));
}

TEST_CASE("X25519MLKEM768 that promtls' own OpenSSL lacks is a warning naming the version") {
  const auto e = eval(with(kTls, {{P + "TLS_CURVE_PREFERENCES", "X25519MLKEM768,X25519"}}));
  CHECK(e.upstream.accepts);
  CHECK(require_finding(e, "curve-unsupported-by-tls-library").message.find("OpenSSL 3.0.19") !=
        std::string::npos);
  CHECK(has_finding(e, "curve-order-ignored"));
}

TEST_CASE(
    "promtls linked with an OpenSSL that loses DEFAULT's group tuples (CVE-2026-2673) is a "
    "warning naming the version, and a fixed one is not") {
  EnvSnapshot env;
  for (const auto& [k, v] : kTls) env.set(k, v, Origin{Origin::Kind::flag, {}, 0, {}});
  EvaluateOptions options;
  options.now_unix = kNow;
  options.tls_library = TlsLibrary{"OpenSSL 3.5.4 30 Sep 2025", true, 0x30500040L};
  const auto affected = evaluate(env, Profile::knative, options, nullptr);
  CHECK(affected.upstream.accepts);
  const Finding& f = require_finding(affected, "tls-library-cve-2026-2673");
  CHECK(f.severity == Severity::warning);
  CHECK(f.message.find("OpenSSL 3.5.4") != std::string::npos);
  CHECK(f.hint.find("3.5.6") != std::string::npos);
  options.tls_library = TlsLibrary{"OpenSSL 3.5.6", true, 0x30500060L};
  CHECK_FALSE(
      has_finding(evaluate(env, Profile::knative, options, nullptr), "tls-library-cve-2026-2673"));
  // validate judges the Go component and leaves the library out: no finding.
  options.tls_library = std::nullopt;
  CHECK_FALSE(
      has_finding(evaluate(env, Profile::knative, options, nullptr), "tls-library-cve-2026-2673"));
}

TEST_CASE(
    "every knative family that leaves X25519MLKEM768 out is told so, and Go's default has it") {
  // The metrics server: on by default, said as info; a list without it, a warning.
  CHECK(require_finding(eval(kTls), "go-post-quantum").severity == Severity::info);
  CHECK_FALSE(has_finding(eval(kTls), "go-post-quantum-off"));
  // TLS off: the metrics server serves no TLS, nothing to say.
  CHECK_FALSE(has_finding(eval({{P + "PORT", "9091"}}), "go-post-quantum"));
  // The other families: only the warning, under their own names.
  const auto activator = eval({{"ACTIVATOR_TLS_CURVE_PREFERENCES", "X25519,CurveP256"}});
  const Finding& off = require_finding(activator, "go-post-quantum-off");
  CHECK(off.variables == std::vector<std::string>{"ACTIVATOR_TLS_CURVE_PREFERENCES"});
  CHECK(off.message ==
        "the activator (knative/serving) will not negotiate X25519MLKEM768: "
        "ACTIVATOR_TLS_CURVE_PREFERENCES replaces Go's default set, which has it since Go 1.24, "
        "and does not list it");
  CHECK_FALSE(has_finding(activator, "go-post-quantum"));
  CHECK_FALSE(
      has_finding(eval({{"TLS_CURVE_PREFERENCES", "X25519MLKEM768"}}), "go-post-quantum-off"));
  const auto eventing12 = eval({{"TLS_MIN_VERSION", "1.2"}, {"TLS_MAX_VERSION", "1.2"}});
  CHECK(require_finding(eventing12, "go-post-quantum-off").variables ==
        std::vector<std::string>{"TLS_MAX_VERSION"});
  // An unparsable version: no guess about the key exchange.
  CHECK_FALSE(has_finding(eval({{"TLS_MAX_VERSION", "1.1"}}), "go-post-quantum-off"));
}

TEST_CASE("a bracketed or colon-ful host fails at listen time (R-P5)") {
  const auto e = eval({{P + "HOST", "[::1]"}});
  CHECK(e.upstream.accepts);
  CHECK(e.config.listen_address == "[[::1]]:9090");
  CHECK(require_finding(e, "host-listen-failure").severity == Severity::error);
  CHECK(has_finding(eval({{P + "HOST", "0.0.0.0:9090"}}), "host-listen-failure"));
  const auto v6 = eval({{P + "HOST", "::1"}});
  CHECK(v6.config.listen_address == "[::1]:9090");
  CHECK_FALSE(has_finding(v6, "host-listen-failure"));
  CHECK_FALSE(has_finding(eval({{P + "HOST", "fe80::1%eth0"}}), "host-listen-failure"));
}

TEST_CASE("an unknown METRICS_PROMETHEUS_ name gets a did-you-mean") {
  const auto e = eval({{P + "TLS_CERTFILE", "/x"}, {P + "TLS_KEY_FILE", "/y"}, {P + "PROT", "1"}});
  std::vector<std::string> hints;
  for (const auto& f : e.findings) {
    if (f.code == "unknown-variable") hints.push_back(f.variables.front() + " " + f.hint);
  }
  REQUIRE(hints.size() == 3);
  CHECK(std::find(hints.begin(), hints.end(), P + "PROT did you mean METRICS_PROMETHEUS_PORT?") !=
        hints.end());
  CHECK(std::find(hints.begin(), hints.end(),
                  P + "TLS_CERTFILE did you mean METRICS_PROMETHEUS_TLS_CERT?") != hints.end());
  CHECK(std::find(hints.begin(), hints.end(),
                  P + "TLS_KEY_FILE did you mean METRICS_PROMETHEUS_TLS_KEY?") != hints.end());
  // Variables outside the family are not ours to judge.
  CHECK_FALSE(has_finding(eval({{"METRICS_DOMAIN", "x"}}), "unknown-variable"));
}

TEST_CASE("a known name in lower or mixed case is a warning with the right spelling") {
  const auto e = eval({{"metrics_prometheus_tls_min_version", "1.2"},
                       {"Metrics_Prometheus_Port", "9091"},
                       {"metrics_prometheus_tls_certfile", "/x"},
                       {"metrics_client_auth", "x"}});  // a Tigera name: not knative's to judge
  std::vector<std::string> hints;
  for (const auto& f : e.findings) {
    if (f.code == "variable-wrong-case") {
      CHECK(f.severity == Severity::warning);
      hints.push_back(f.variables.front() + " " + f.hint);
    }
  }
  CHECK(hints == std::vector<std::string>{
                     "Metrics_Prometheus_Port did you mean METRICS_PROMETHEUS_PORT?",
                     "metrics_prometheus_tls_certfile did you mean METRICS_PROMETHEUS_TLS_CERT?",
                     "metrics_prometheus_tls_min_version did you mean "
                     "METRICS_PROMETHEUS_TLS_MIN_VERSION?"});
  CHECK(require_finding(e, "variable-wrong-case").message ==
        "Metrics_Prometheus_Port is not read: variable names are case-sensitive, and knative reads "
        "only upper-case names");
  // Not read means not applied: the port stays the default.
  CHECK(e.config.port == 9090);
  CHECK_FALSE(has_finding(e, "unknown-variable"));
}

TEST_CASE("findings cite where the value came from") {
  EnvSnapshot env;
  env.set(P + "PORT", "80", Origin{Origin::Kind::env_file, "prod.env", 12, {}});
  EvaluateOptions options;
  options.now_unix = kNow;
  const auto e = evaluate(env, Profile::knative, options, nullptr);
  REQUIRE(e.findings.front().origin);
  CHECK(e.findings.front().origin->to_string() == "prod.env:12");
}

TEST_CASE("each knative rule has its own stable code, severity and variables") {
  FakeFiles files;
  FileFacts empty;
  empty.path = "/empty.pem";
  empty.readable = true;
  files.files["/empty.pem"] = empty;
  struct Row {
    std::map<std::string, std::string> vars;
    std::string code;
    std::vector<std::string> variables;
  };
  const std::vector<Row> rows{
      {{{P + "PORT", "x"}}, "port-invalid", {P + "PORT"}},
      {{{P + "PORT", "80"}}, "port-out-of-range", {P + "PORT"}},
      {{{P + "TLS_KEY", "/k"}}, "tls-cert-key-unpaired", {P + "TLS_KEY"}},
      {{{P + "TLS_CLIENT_AUTH", "x"}}, "client-auth-invalid", {P + "TLS_CLIENT_AUTH"}},
      {{{P + "TLS_CLIENT_AUTH", "require"}, {P + "TLS_CLIENT_CA_FILE", "/ca"}},
       "mtls-requires-tls",
       {P + "TLS_CLIENT_AUTH", P + "TLS_CLIENT_CA_FILE"}},
      {with(kTls, {{P + "TLS_CLIENT_AUTH", "optional"}}),
       "client-ca-required",
       {P + "TLS_CLIENT_CA_FILE", P + "TLS_CLIENT_AUTH"}},
      {with(kTls, {{P + "TLS_CLIENT_CA_FILE", "/ca"}}),
       "client-ca-without-client-auth",
       {P + "TLS_CLIENT_CA_FILE", P + "TLS_CLIENT_AUTH"}},
      {with(kTls, {{P + "TLS_MAX_VERSION", "2"}}), "tls-version-invalid", {P + "TLS_MAX_VERSION"}},
      {with(kTls, {{P + "TLS_CIPHER_SUITES", "X"}}),
       "cipher-suite-unknown",
       {P + "TLS_CIPHER_SUITES"}},
      {with(kTls, {{P + "TLS_CURVE_PREFERENCES", "X"}}),
       "curve-unknown",
       {P + "TLS_CURVE_PREFERENCES"}},
      {with(kTls, {{P + "TLS_CLIENT_AUTH", "require"}, {P + "TLS_CLIENT_CA_FILE", "/nope"}}),
       "client-ca-unreadable",
       {P + "TLS_CLIENT_CA_FILE"}},
      {with(kTls, {{P + "TLS_CLIENT_AUTH", "require"}, {P + "TLS_CLIENT_CA_FILE", "/empty.pem"}}),
       "client-ca-no-certificates",
       {P + "TLS_CLIENT_CA_FILE"}},
  };
  for (const Row& row : rows) {
    INFO(row.code);
    const auto e = eval(row.vars, &files);
    const Finding& f = require_finding(e, row.code);
    CHECK(f.severity == Severity::error);
    CHECK(f.variables == row.variables);
    CHECK_FALSE(f.hint.empty());
    CHECK(f.message == e.upstream.error);  // the finding is knative's own message
  }
}

TEST_CASE("client CA certificates are judged for validity too") {
  FakeFiles files;
  FileFacts expired = ca_file("/old.pem");
  expired.certificates[0].not_after_unix = kNow - 1;
  files.files["/old.pem"] = expired;
  FileFacts future = ca_file("/new.pem");
  future.certificates[0].not_before_unix = kNow + 86400;
  files.files["/new.pem"] = future;
  FileFacts soon = ca_file("/soon.pem");
  soon.certificates[0].not_after_unix = kNow + 5 * 86400;
  files.files["/soon.pem"] = soon;
  const auto judged = [&](const std::string& path) {
    return eval(with(kTls, {{P + "TLS_CLIENT_AUTH", "require"}, {P + "TLS_CLIENT_CA_FILE", path}}),
                &files);
  };
  CHECK(require_finding(judged("/old.pem"), "client-ca-expired").message ==
        "client CA \"ca\" expired on 2026-12-31T23:59:59Z (1 second ago)");
  CHECK(require_finding(judged("/new.pem"), "client-ca-not-yet-valid").severity == Severity::error);
  CHECK(require_finding(judged("/soon.pem"), "client-ca-expires-soon").severity ==
        Severity::warning);
}

TEST_CASE("every other knative TLS family is parsed with its own names and messages") {
  for (const KnativeTlsFamily family : knative_tls_families()) {
    if (family == KnativeTlsFamily::metrics_prometheus) continue;
    const std::string p(prefix(family));
    INFO(p);
    const auto good =
        eval({{p + "TLS_MIN_VERSION", "1.2"}, {p + "TLS_CURVE_PREFERENCES", "X25519"}});
    CHECK(good.upstream.accepts);  // the metrics server does not read them
    REQUIRE(good.families.size() == 1);
    CHECK(good.families[0].prefix == p);
    CHECK(good.families[0].accepts);
    CHECK(good.families[0].min_version == 0x0303);  // TLS 1.2
    CHECK_FALSE(has_finding(good, "tuning-ignored-without-tls"));

    const auto bad = eval({{p + "TLS_MAX_VERSION", "1.1"},
                           {p + "TLS_CIPHER_SUITES", "NOPE"},
                           {p + "TLS_CURVE_PREFERENCES", "x25519"}});
    REQUIRE(bad.families.size() == 1);
    CHECK_FALSE(bad.families[0].accepts);
    CHECK(bad.families[0].error == "invalid " + p +
                                       "TLS_MAX_VERSION \"1.1\": unsupported TLS version \"1.1\": "
                                       "must be \"1.2\" or \"1.3\"");
    CHECK(require_finding(bad, "cipher-suite-unknown").message ==
          "invalid " + p + "TLS_CIPHER_SUITES: unknown cipher suite \"NOPE\"");
    CHECK(require_finding(bad, "curve-unknown").message ==
          "invalid " + p + "TLS_CURVE_PREFERENCES: unknown curve \"x25519\"");
    CHECK(require_finding(bad, "curve-unknown").severity == Severity::error);

    // The default minimum is TLS 1.3, so a maximum of 1.2 alone never handshakes.
    const auto above = eval({{p + "TLS_MAX_VERSION", "1.2"}});
    CHECK(has_finding(above, "tls-min-above-max"));
    // A misspelt name of the family gets a suggestion (eventing's TLS_* prefix is too common
    // to call every other TLS_ name a typo).
    if (p.empty()) continue;
    const auto typo = eval({{p + "TLS_MIN_VERISON", "1.2"}});
    CHECK(require_finding(typo, "unknown-variable").hint ==
          "did you mean " + p + "TLS_MIN_VERSION?");
  }
  // None present: no family verdict.
  CHECK(eval({{P + "PORT", "9091"}}).families.empty());
}
