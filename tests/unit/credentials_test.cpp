// The deep credential checks, on real files read by the OpenSSL layer.
#include "promtls/tls/credentials.hpp"

#include <openssl/crypto.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>

#include "findings.hpp"
#include "pki.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/error.hpp"
#include "promtls/tls/context.hpp"
#include "promtls/tls/fast_cert.hpp"
#include "promtls/tls/pem.hpp"
#include "promtls/tls/sources.hpp"
#include "test_skip.hpp"

using namespace promtls;
using namespace promtls::test;

namespace {

const std::string P = "METRICS_PROMETHEUS_";

struct Fixture {
  TempDir dir;
  Authority ca = Authority::make("test-ca");
  Key key{KeyKind::ec_p256};

  std::string cert_path;
  std::string key_path;
  std::string ca_path;

  Fixture() {
    CertSpec spec;
    spec.cn = "metrics";
    cert_path = dir.write("tls.crt", ca.leaf(spec, key).pem());
    key_path = dir.write("tls.key", key.private_pem());
    ca_path = dir.write("ca.crt", ca.cert.pem());
  }

  core::Evaluation evaluate(std::map<std::string, std::string> extra = {},
                            std::int64_t now = kNow) const {
    core::EnvSnapshot env;
    env.set(P + "TLS_CERT", cert_path, {});
    env.set(P + "TLS_KEY", key_path, {});
    for (const auto& [k, v] : extra) env.set(k, v, {});
    core::EvaluateOptions options;
    options.now_unix = now;
    options.tls_library = tls::library_info();
    tls::OpenSslFileInspector files;
    return core::evaluate(env, core::Profile::knative, options, &files);
  }
};

// What serve's credential loader does with the fixture's files: "" when it serves them, else
// the message it exits with (exit code 3).
std::string serve_refusal(const Fixture& f) {
  core::TlsConfig config;
  config.cert_file = f.cert_path;
  config.key_file = f.key_path;
  try {
    tls::Credentials credentials(config);
    return "";
  } catch (const Error& e) {
    CHECK(e.exit_code() == ExitCode::cannot_run);
    return e.what();
  }
}

}  // namespace

TEST_CASE("a valid certificate, key and CA give no finding but the key-exchange note") {
  Fixture f;
  const auto e =
      f.evaluate({{P + "TLS_CLIENT_AUTH", "require"}, {P + "TLS_CLIENT_CA_FILE", f.ca_path}});
  INFO(::Catch::Detail::stringify(finding_codes(e)));
  CHECK(finding_codes(e) == std::vector<std::string>{"go-post-quantum"});
  CHECK(e.upstream.accepts);
}

TEST_CASE("the reader describes the certificate as OpenSSL parses it") {
  Fixture f;
  const core::FileFacts facts = tls::read_credential_file(f.cert_path);
  REQUIRE(facts.readable);
  REQUIRE(facts.certificates.size() == 1);
  const core::CertInfo& c = facts.certificates.front();
  CHECK(c.subject == "CN=metrics");
  CHECK(c.issuer == "CN=test-ca");
  CHECK(c.subject_cn == "metrics");
  CHECK(c.issuer_cn == "test-ca");
  CHECK(c.dns_names == std::vector<std::string>{"localhost"});
  CHECK(c.ip_addresses == std::vector<std::string>{"127.0.0.1"});
  CHECK(c.sans() == std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1"});
  CHECK(c.not_before_unix == kNow - 30 * kDay);
  CHECK(c.not_after_unix == kNow + 365 * kDay);
  CHECK(c.key.type == "EC");
  CHECK(c.key.bits == 256);
  CHECK(c.key.curve == "P-256");
  CHECK(c.signature_algorithm == "ecdsa-with-SHA256");
  CHECK(c.sha256_fingerprint.size() == 32 * 3 - 1);
  CHECK_FALSE(c.is_ca);
  CHECK(c.extended_key_usage == std::vector<std::string>{"serverAuth", "clientAuth"});
  const core::FileFacts key = tls::read_credential_file(f.key_path);
  REQUIRE(key.key);
  CHECK(key.key_public_key_id == c.public_key_id);
  CHECK_FALSE(c.public_key_id.empty());
  CHECK(key.mode == 0600);
}

TEST_CASE("an expired, a not-yet-valid and an expiring certificate") {
  Fixture f;
  CHECK(has_finding(f.evaluate({}, kNow + 400 * kDay), "cert-expired"));
  CHECK(has_finding(f.evaluate({}, kNow - 31 * kDay), "cert-not-yet-valid"));
  const auto soon = f.evaluate({}, kNow + 350 * kDay);
  CHECK(has_finding(soon, "cert-expires-soon"));
  CHECK(soon.upstream.accepts);  // knative never looks at validity
}

TEST_CASE("a key that does not match the certificate") {
  Fixture f;
  Key other(KeyKind::ec_p256);
  f.dir.write("tls.key", other.private_pem());
  const auto e = f.evaluate();
  CHECK(has_finding(e, "cert-key-mismatch"));
  CHECK(e.upstream.accepts);
}

TEST_CASE("an RSA key in traditional PEM matches, RSA-1024 is too small") {
  Fixture f;
  Key rsa(KeyKind::rsa_1024);
  CertSpec spec;
  spec.cn = "weak";
  f.dir.write("tls.crt", f.ca.leaf(spec, rsa).pem());
  f.dir.write("tls.key", rsa.traditional_pem());
  const auto e = f.evaluate();
  CHECK(has_finding(e, "rsa-key-too-small"));
  CHECK_FALSE(has_finding(e, "cert-key-mismatch"));
}

TEST_CASE("an encrypted key is an error") {
  Fixture f;
  f.dir.write("tls.key", f.key.private_pem("secret"));
  CHECK(has_finding(f.evaluate(), "key-encrypted"));
}

TEST_CASE("a certificate without serverAuth, and a SHA-1 signature") {
  Fixture f;
  CertSpec spec;
  spec.cn = "client-only";
  spec.eku = {"clientAuth"};
  spec.signature_digest = "SHA1";
  f.dir.write("tls.crt", f.ca.leaf(spec, f.key).pem());
  const auto e = f.evaluate();
  CHECK(has_finding(e, "cert-no-server-auth-eku"));
  CHECK(has_finding(e, "cert-sha1-signature"));
}

TEST_CASE("a CA bundle holding a leaf that is not a CA") {
  Fixture f;
  CertSpec spec;
  spec.cn = "leaf";
  f.dir.write("ca.crt", f.ca.leaf(spec, f.key).pem() + f.ca.cert.pem());
  const auto e =
      f.evaluate({{P + "TLS_CLIENT_AUTH", "require"}, {P + "TLS_CLIENT_CA_FILE", f.ca_path}});
  CHECK(has_finding(e, "client-ca-not-ca"));
  CHECK(e.upstream.accepts);
}

TEST_CASE("a CA bundle with a corrupt block still loads, garbage alone does not") {
  Fixture f;
  const std::string garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  f.dir.write("ca.crt", garbage + f.ca.cert.pem());
  auto e = f.evaluate({{P + "TLS_CLIENT_AUTH", "optional"}, {P + "TLS_CLIENT_CA_FILE", f.ca_path}});
  CHECK(e.upstream.accepts);
  CHECK(has_finding(e, "client-ca-bad-blocks"));
  f.dir.write("ca.crt", garbage);
  e = f.evaluate({{P + "TLS_CLIENT_AUTH", "optional"}, {P + "TLS_CLIENT_CA_FILE", f.ca_path}});
  CHECK(e.upstream.error ==
        "no valid CA certificates found in METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE");
}

TEST_CASE("a key file readable by others is a warning") {
  Fixture f;
  f.dir.write("tls.key", f.key.private_pem(), 0644);
  CHECK(has_finding(f.evaluate(), "key-file-permissive"));
}

TEST_CASE("missing, non-PEM and swapped files") {
  Fixture f;
  CHECK(has_finding(f.evaluate({{P + "TLS_CERT", f.dir.path().string() + "/nope.crt"}}),
                    "cert-file-unreadable"));
  f.dir.write("der.crt", f.ca.cert.der());
  CHECK(has_finding(f.evaluate({{P + "TLS_CERT", f.dir.path().string() + "/der.crt"}}),
                    "cert-file-not-pem"));
  const auto swapped = f.evaluate({{P + "TLS_CERT", f.key_path}, {P + "TLS_KEY", f.cert_path}});
  CHECK(has_finding(swapped, "cert-file-no-certificate"));
  CHECK(has_finding(swapped, "key-file-no-key"));
  const auto dir = f.evaluate({{P + "TLS_KEY", f.dir.path().string()}});
  REQUIRE(has_finding(dir, "key-file-unreadable"));
}

TEST_CASE("the linked OpenSSL is described") {
  const core::TlsLibrary lib = tls::library_info();
  CHECK(lib.version.rfind("OpenSSL 3.", 0) == 0);
}

TEST_CASE("the linked OpenSSL offers X25519MLKEM768 exactly from version 3.5 on") {
  const core::TlsLibrary lib = tls::library_info();
  INFO(lib.version);
  CHECK(lib.has_x25519mlkem768 == (::OpenSSL_version_num() >= 0x30500000L));
}

TEST_CASE("X25519MLKEM768 requested from an OpenSSL that offers it gives no library warning") {
  PROMTLS_REQUIRE_MLKEM();
  Fixture f;
  const auto e = f.evaluate({{P + "TLS_CURVE_PREFERENCES", "X25519MLKEM768,X25519"}});
  CHECK_FALSE(has_finding(e, "curve-unsupported-by-tls-library"));
  CHECK(has_finding(e, "curve-order-ignored"));
}

TEST_CASE("sources load PEM bundles, DER files and directories, and report errors by reason") {
  TempDir dir;
  const Authority ca = Authority::make("src-ca");
  const Key key(KeyKind::ec_p256);
  CertSpec spec;
  spec.cn = "leaf";
  const Cert leaf = ca.leaf(spec, key);
  dir.write("certs/bundle.pem", leaf.pem() + ca.cert.pem());
  dir.write("certs/one.der", ca.cert.der());
  dir.write("certs/sub/deep.pem", leaf.pem());
  dir.write("certs/junk.txt", "not a certificate");
  const std::string root = dir.path().string() + "/certs";

  auto flat = tls::load_sources({root}, {});
  CHECK(flat.certificates.size() == 3);
  REQUIRE(flat.errors.size() == 1);
  CHECK(flat.errors[0].reason == "decode_failed");
  CHECK(flat.certificates[0].location.filepath == root + "/bundle.pem");
  CHECK(flat.certificates[0].cert.subject_cn == "leaf");
  CHECK(flat.certificates[1].cert.subject_cn == "src-ca");

  tls::SourceOptions recursive;
  recursive.recursive = true;
  CHECK(tls::load_sources({root}, recursive).certificates.size() == 4);

  const auto missing = tls::load_sources({root + "/nope.pem"}, {});
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].reason == "not_found");
  CHECK(missing.errors[0].message == "open " + root + "/nope.pem: no such file or directory");
}

TEST_CASE("a key file with no PEM, and a key block that does not parse") {
  Fixture f;
  f.dir.write("tls.key", "just text\n");
  CHECK(has_finding(f.evaluate(), "key-file-not-pem"));
  f.dir.write("tls.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  const auto e = f.evaluate();
  REQUIRE(has_finding(e, "key-file-invalid"));
  for (const auto& finding : e.findings) {
    if (finding.code == "key-file-invalid") {
      CHECK(finding.message.rfind("METRICS_PROMETHEUS_TLS_KEY file " + f.key_path +
                                      " holds a private key that does not parse",
                                  0) == 0);
    }
  }
}

TEST_CASE("golden messages for the credential findings") {
  Fixture f;
  Key other(KeyKind::ec_p256);
  f.dir.write("tls.key", other.private_pem(), 0640);
  const auto e = f.evaluate({}, kNow + 340 * kDay);
  std::map<std::string, std::string> messages;
  for (const auto& finding : e.findings) messages[finding.code] = finding.message;
  CHECK(messages["cert-key-mismatch"] ==
        "the private key in " + f.key_path + " does not match the certificate in " + f.cert_path);
  CHECK(messages["key-file-permissive"] ==
        "METRICS_PROMETHEUS_TLS_KEY file " + f.key_path + " is readable by its group (mode 0640)");
  CHECK(messages["cert-expires-soon"] ==
        "the serving certificate \"metrics\" expires on 2028-01-01T00:00:00Z (in 25 days, under "
        "--warn-days 30)");
}

TEST_CASE("a key file others may write is an error in validate because serve refuses it") {
  for (const unsigned mode : {0602u, 0666u, 0622u}) {
    Fixture f;
    f.dir.write("tls.key", f.key.private_pem(), mode);
    INFO("mode " << mode);
    const auto e = f.evaluate();
    CHECK(has_finding(e, "key-file-world-writable"));
    CHECK(std::any_of(e.findings.begin(), e.findings.end(), [](const core::Finding& x) {
      return x.code == "key-file-world-writable" && x.severity == core::Severity::error &&
             x.message.find("promtls serve refuses to use it") != std::string::npos;
    }));
    const std::string refusal = serve_refusal(f);
    CHECK(refusal ==
          f.key_path + ": the private key file is world-writable; refusing to use it (chmod o-w)");
  }
}

TEST_CASE("a key file others may only read is a warning in validate and serve accepts it") {
  for (const unsigned mode : {0644u, 0640u, 0600u, 0400u}) {
    Fixture f;
    f.dir.write("tls.key", f.key.private_pem(), mode);
    INFO("mode " << mode);
    const auto e = f.evaluate();
    CHECK_FALSE(has_finding(e, "key-file-world-writable"));
    CHECK(has_finding(e, "key-file-permissive") == (mode != 0600u && mode != 0400u));
    CHECK(serve_refusal(f).empty());
  }
}

TEST_CASE("validate and serve agree on a key that does not match the certificate") {
  Fixture f;
  Key other(KeyKind::ec_p256);
  f.dir.write("tls.key", other.private_pem());
  CHECK(has_finding(f.evaluate(), "cert-key-mismatch"));
  CHECK(serve_refusal(f) ==
        f.key_path + ": the private key does not match the certificate in " + f.cert_path);
}

TEST_CASE("a chain with the intermediate before the leaf is out of order, not a key mismatch") {
  Fixture f;
  const Chain chain = Chain::make(f.key);
  f.dir.write("tls.crt", chain.intermediate.pem() + chain.leaf.pem());
  const auto e = f.evaluate();
  INFO(::Catch::Detail::stringify(finding_codes(e)));
  CHECK_FALSE(has_finding(e, "cert-key-mismatch"));
  const core::Finding* finding = find_finding(e, "cert-chain-out-of-order");
  REQUIRE(finding != nullptr);
  CHECK(finding->severity == core::Severity::error);
  CHECK(finding->variables == std::vector<std::string>{P + "TLS_CERT"});
  CHECK(finding->message == P + "TLS_CERT file " + f.cert_path +
                                " lists \"chain-intermediate\" first and the leaf \"metrics\" as "
                                "certificate 2: the server sends the first certificate as its "
                                "own, and loading fails with \"tls: private key does not match "
                                "public key\"");
  CHECK(finding->hint.rfind("put the leaf first, then each issuer after the certificate it "
                            "signed",
                            0) == 0);
  // serve's loader refuses the file with the same diagnosis (exit 3).
  CHECK(serve_refusal(f) == f.cert_path +
                                ": the certificate chain is out of order: the leaf is "
                                "certificate 2, but the first certificate is served as the "
                                "server's own (put the leaf first, then each issuer after the "
                                "certificate it signed)");
}

TEST_CASE("the same chain leaf first passes validate and serve") {
  Fixture f;
  const Chain chain = Chain::make(f.key);
  f.dir.write("tls.crt", chain.leaf.pem() + chain.intermediate.pem());
  const auto e = f.evaluate();
  // Only the note that knative's Go server negotiates X25519MLKEM768.
  CHECK(finding_codes(e) == std::vector<std::string>{"go-post-quantum"});
  CHECK(serve_refusal(f).empty());
}

TEST_CASE("a reversed three-certificate chain names the leaf's place") {
  Fixture f;
  const Chain chain = Chain::make(f.key);
  f.dir.write("tls.crt", chain.root.cert.pem() + chain.intermediate.pem() + chain.leaf.pem());
  const auto e = f.evaluate();
  const core::Finding* finding = find_finding(e, "cert-chain-out-of-order");
  REQUIRE(finding != nullptr);
  CHECK(finding->message.find("lists \"chain-root\" first and the leaf \"metrics\" as "
                              "certificate 3") != std::string::npos);
}

TEST_CASE("an out-of-order chain is told by the issuers when the key cannot be read") {
  Fixture f;
  const Chain chain = Chain::make(f.key);
  f.dir.write("tls.crt", chain.intermediate.pem() + chain.leaf.pem());
  std::filesystem::remove(f.key_path);
  const auto e = f.evaluate();
  INFO(::Catch::Detail::stringify(finding_codes(e)));
  CHECK(has_finding(e, "key-file-unreadable"));
  CHECK(has_finding(e, "cert-chain-out-of-order"));
}

TEST_CASE("a key that matches no certificate of the chain is a key mismatch, not an order") {
  Fixture f;
  const Key other(KeyKind::ec_p256);
  const Chain chain = Chain::make(other);
  f.dir.write("tls.crt", chain.intermediate.pem() + chain.leaf.pem());
  const auto e = f.evaluate();
  INFO(::Catch::Detail::stringify(finding_codes(e)));
  CHECK(has_finding(e, "cert-key-mismatch"));
  CHECK_FALSE(has_finding(e, "cert-chain-out-of-order"));
  CHECK(serve_refusal(f) ==
        f.key_path + ": the private key does not match the certificate in " + f.cert_path);
}

TEST_CASE("a CA certificate served as the leaf, with its own key, is in order") {
  Fixture f;
  const Chain chain = Chain::make(f.key);
  f.dir.write("tls.crt", chain.root.cert.pem() + chain.leaf.pem());
  f.dir.write("tls.key", chain.root.key.private_pem());
  const auto e = f.evaluate();
  INFO(::Catch::Detail::stringify(finding_codes(e)));
  CHECK_FALSE(has_finding(e, "cert-chain-out-of-order"));
  CHECK_FALSE(has_finding(e, "cert-key-mismatch"));
}

TEST_CASE("X509 CERTIFICATE blocks are refused by every reader, validate and serve") {
  Fixture f;
  std::string pem = f.ca.leaf(CertSpec{}, f.key).pem();
  for (const std::string from : {"BEGIN CERTIFICATE", "END CERTIFICATE"}) {
    const std::size_t at = pem.find(from);
    REQUIRE(at != std::string::npos);
    pem.replace(at, from.size(), from.substr(0, from.find(' ')) + " X509 CERTIFICATE");
  }
  REQUIRE(pem.find("-----BEGIN X509 CERTIFICATE-----") != std::string::npos);
  CHECK_FALSE(tls::is_certificate_block("X509 CERTIFICATE"));
  std::size_t blocks = 0;
  CHECK(tls::read_pem_certificates_fast(pem, &blocks).empty());
  CHECK(blocks == 0);
  CHECK(tls::parse_pem_certificates(pem).empty());
  f.dir.write("tls.crt", pem);
  CHECK(has_finding(f.evaluate(), "cert-file-no-certificate"));
  CHECK(serve_refusal(f) ==
        f.cert_path + ": cannot load the certificate chain: no CERTIFICATE block parses");
  const auto loaded = tls::load_bytes(pem, "old.pem");
  CHECK(loaded.certificates.empty());
  REQUIRE(loaded.errors.size() == 1);
  CHECK(loaded.errors[0].reason == "no_certificate_found");
}

TEST_CASE("each pair validate refuses is refused by serve with the file and the reason") {
  const struct {
    const char* name;
    std::function<void(Fixture&)> setup;
    const char* code;                                    // validate's error finding
    std::function<std::string(const Fixture&)> refusal;  // serve's message
  } cases[] = {
      {"the key file is missing", [](Fixture& f) { std::filesystem::remove(f.key_path); },
       "key-file-unreadable",
       [](const Fixture& f) {
         return f.key_path + ": cannot load the private key: open " + f.key_path +
                ": no such file or directory";
       }},
      {"the certificate file is missing", [](Fixture& f) { std::filesystem::remove(f.cert_path); },
       "cert-file-unreadable",
       [](const Fixture& f) {
         return f.cert_path + ": cannot load the certificate chain: open " + f.cert_path +
                ": no such file or directory";
       }},
      {"the certificate is DER", [](Fixture& f) { f.dir.write("tls.crt", f.ca.cert.der()); },
       "cert-file-not-pem",
       [](const Fixture& f) {
         return f.cert_path + ": cannot load the certificate chain: no PEM data";
       }},
      {"a chain block does not parse",
       [](Fixture& f) {
         CertSpec spec;
         spec.cn = "metrics";
         f.dir.write("tls.crt",
                     f.ca.leaf(spec, f.key).pem() +
                         "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n");
       },
       "cert-file-bad-blocks",
       [](const Fixture& f) {
         return f.cert_path +
                ": cannot load the certificate chain: 1 of 2 CERTIFICATE blocks do not parse";
       }},
      {"the key file holds no key", [](Fixture& f) { f.dir.write("tls.key", "just text\n"); },
       "key-file-not-pem",
       [](const Fixture& f) {
         return f.key_path + ": cannot load the private key: no PRIVATE KEY block";
       }},
      {"the key is encrypted",
       [](Fixture& f) { f.dir.write("tls.key", f.key.private_pem("secret")); }, "key-encrypted",
       [](const Fixture& f) {
         return f.key_path + ": cannot load the private key: the key is encrypted";
       }},
      {"the key block does not parse",
       [](Fixture& f) {
         f.dir.write("tls.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
       },
       "key-file-invalid",
       [](const Fixture& f) { return f.key_path + ": cannot load the private key: "; }},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Fixture f;
    c.setup(f);
    const auto e = f.evaluate();
    CHECK(std::any_of(e.findings.begin(), e.findings.end(), [&](const core::Finding& x) {
      return x.code == c.code && x.severity == core::Severity::error;
    }));
    const std::string refusal = serve_refusal(f);
    const std::string expected = c.refusal(f);
    if (std::string_view(c.code) == "key-file-invalid") {
      CHECK(refusal.rfind(expected, 0) == 0);  // OpenSSL's reason follows
      CHECK(refusal.size() > expected.size());
    } else {
      CHECK(refusal == expected);
    }
  }
}

TEST_CASE("serve's context takes the leaf first in the file and the client CAs that parse") {
  Fixture f;
  const Key mid_key(KeyKind::ec_p256);
  CertSpec mid_spec;
  mid_spec.cn = "intermediate";
  mid_spec.is_ca = true;
  const Cert mid = f.ca.leaf(mid_spec, mid_key);
  CertSpec spec;
  spec.cn = "metrics";
  const Cert leaf = issue(spec, f.key, &mid, mid_key);
  f.dir.write("tls.crt", leaf.pem() + mid.pem());
  core::TlsConfig config;
  config.cert_file = f.cert_path;
  config.key_file = f.key_path;
  config.client_auth = core::ClientAuth::require;
  config.client_ca_file = f.dir.write("clients.crt", "junk\n" + f.ca.cert.pem());
  const auto context = tls::ServerContext::build(config);
  CHECK(context->leaf().subject_cn == "metrics");
  CHECK(context->leaf().issuer_cn == "intermediate");
  config.client_ca_file = f.dir.write("empty.crt", "no certificates here\n");
  CHECK_THROWS_WITH(
      tls::ServerContext::build(config),
      config.client_ca_file + ": no valid CA certificates found in the client CA bundle");
}

TEST_CASE("a chmod that fixes a refused key is noticed and the reload succeeds") {
  // Issue 18: the change check compares mode and ctime too, so a chmod alone is a change.
  Fixture f;
  core::TlsConfig config;
  config.cert_file = f.cert_path;
  config.key_file = f.key_path;
  tls::Credentials credentials(config, {}, std::chrono::milliseconds(0));
  const auto serial = credentials.current()->leaf().serial;
  auto now = std::chrono::steady_clock::now();
  CHECK_FALSE(credentials.poll(now += std::chrono::seconds(1)).attempted);
  // The same key rewritten world-writable: refused, the old context kept.
  f.dir.write("tls.key", f.key.private_pem(), 0666);
  std::filesystem::permissions(f.key_path, std::filesystem::perms(0666));
  const auto refused = credentials.poll(now += std::chrono::seconds(1));
  CHECK(refused.attempted);
  CHECK_FALSE(refused.ok);
  CHECK(refused.message.find("world-writable") != std::string::npos);
  CHECK_FALSE(credentials.poll(now += std::chrono::seconds(1)).attempted);  // reported once
  // Only the mode changes: no byte, size or mtime moves.
  const auto before = std::filesystem::last_write_time(f.key_path);
  std::filesystem::permissions(f.key_path, std::filesystem::perms(0600));
  CHECK(std::filesystem::last_write_time(f.key_path) == before);
  const auto fixed = credentials.poll(now += std::chrono::seconds(1));
  CHECK(fixed.attempted);
  CHECK(fixed.ok);
  CHECK(credentials.reloads_ok() == 1);
  CHECK(credentials.reloads_failed() == 1);
  CHECK(credentials.current()->leaf().serial == serial);
}
