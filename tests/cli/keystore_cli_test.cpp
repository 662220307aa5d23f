// promtls inspect on keystores as a user runs it: a keytool JKS and JCEKS, a legacy PKCS#12, a
// cert-manager Secret; exit codes, JSON locations, the wrong-password and missing-provider errors.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "keystore_fixtures.hpp"
#include "pki.hpp"
#include "run.hpp"
#include "trees.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Standard base64, as Secrets carry values.
std::string b64(const std::string& in) { return promtls::test::base64(in); }

json inspect_json(const std::vector<std::string>& args, int expected_exit,
                  const std::vector<std::string>& env = {}) {
  std::vector<std::string> all = {"inspect", kAt, "-o", "json"};
  all.insert(all.end(), args.begin(), args.end());
  const RunResult r = run_promtls(all, env);
  INFO(r.err);
  CHECK(r.exit_code == expected_exit);
  return json::parse(r.out);
}

std::multiset<std::string> rows(const json& report) {
  std::multiset<std::string> out;
  for (const json& c : report["certificates"]) {
    const json& l = c["location"];
    out.insert(l.value("embedded_kind", "") + " " + l.value("embedded_key", "") + " " +
               c["subject"].get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("inspect reads a keytool JKS and JCEKS with --password and exits 0") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  for (const auto& [path, kind] : {std::pair{f.jks, "jks"}, std::pair{f.jceks, "jceks"}}) {
    const json report = inspect_json({path, "--password", kStorePassword}, 0);
    CHECK(report["errors"].empty());
    const std::string k = kind;
    CHECK(rows(report) ==
          std::multiset<std::string>{k + " other CN=ks-other-root", k + " root CN=ks-root",
                                     k + " server CN=ks-leaf.example", k + " server CN=ks-root"});
    for (const json& c : report["certificates"]) CHECK(c["location"]["filepath"] == path);
  }
}

TEST_CASE("inspect on a Java keystore with a wrong password exits 3 and names the keystore") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  const json report = inspect_json({f.jks, "--password", "guess"}, 3);
  CHECK(report["certificates"].empty());
  REQUIRE(report["errors"].size() == 1);
  CHECK(report["errors"][0]["reason"] == "bad_passphrase");
  CHECK(report["errors"][0]["source"] == f.jks);
  const std::string message = report["errors"][0]["message"];
  CHECK(message.find("JKS keystore integrity check failed") != std::string::npos);
  CHECK(message.find("guess") == std::string::npos);
}

TEST_CASE("inspect on a truncated keystore exits 3 with a bad_keystore error") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  TempDir dir;
  const std::string bytes = slurp(f.jceks);
  const std::string cut = dir.write("cut.jceks", bytes.substr(0, bytes.size() / 3));
  const json report = inspect_json({cut, "--password", kStorePassword}, 3);
  REQUIRE(report["errors"].size() == 1);
  CHECK(report["errors"][0]["reason"] == "bad_keystore");
  CHECK(report["errors"][0]["message"].get<std::string>().find(cut + ": bad JCEKS keystore: ") ==
        0);
}

TEST_CASE("inspect reads a legacy PKCS#12, and names the legacy provider when it is missing") {
  const KeystoreFixtures& f = keystore_fixtures();
  const json report = inspect_json({f.legacy_p12, "--password", kStorePassword}, 0);
  CHECK(rows(report) ==
        std::multiset<std::string>{"pkcs12 0 CN=ks-leaf.example", "pkcs12 1 CN=ks-root"});
  // OpenSSL looks for provider modules in $OPENSSL_MODULES: an empty directory has no legacy.so.
  TempDir empty;
  const json missing = inspect_json({f.legacy_p12, "--password", kStorePassword}, 3,
                                    {"OPENSSL_MODULES=" + empty.path().string()});
  CHECK(missing["certificates"].empty());
  REQUIRE(missing["errors"].size() == 1);
  CHECK(missing["errors"][0]["reason"] == "bad_pkcs12");
  const std::string message = missing["errors"][0]["message"];
  CHECK(message.find("OpenSSL's \"legacy\" provider cannot be loaded (legacy.so in " +
                     empty.path().string() + ")") != std::string::npos);
  // The modern file needs no legacy provider.
  const json modern = inspect_json({f.modern_p12, "--password", kStorePassword}, 0,
                                   {"OPENSSL_MODULES=" + empty.path().string()});
  CHECK(modern["certificates"].size() == 2);
}

TEST_CASE("inspect reports a cert-manager Secret's keystores with the Certificate name") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  TempDir dir;
  const std::string secret =
      dir.write("secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-tls\n"
                "  namespace: shop\n  annotations:\n"
                "    cert-manager.io/certificate-name: web\n"
                "type: kubernetes.io/tls\ndata:\n  tls.crt: " +
                    b64(f.leaf.pem()) + "\n  keystore.p12: " + b64(slurp(f.modern_p12)) +
                    "\n  truststore.jks: " + b64(slurp(f.jks)) + "\n");
  const json report = inspect_json({secret, "--password", kStorePassword}, 0);
  CHECK(report["errors"].empty());
  REQUIRE(report["certificates"].size() == 7);
  std::multiset<std::string> keys;
  for (const json& c : report["certificates"]) {
    const json& l = c["location"];
    CHECK(l["certificate_name"] == "web");
    CHECK(l["secret_name"] == "web-tls");
    keys.insert(l["secret_key"].get<std::string>());
  }
  CHECK(keys.count("truststore.jks") == 4);
  CHECK(keys.count("keystore.p12") == 2);
  CHECK(keys.count("tls.crt") == 1);

  // The source people read names the Secret key, the keystore entry and the Certificate.
  std::set<std::string> sources;
  for (const json& c : report["certificates"]) sources.insert(c["source"].get<std::string>());
  CHECK(sources.count(secret +
                      " (Secret shop/web-tls truststore.jks jks server, Certificate web)") == 1);
  CHECK(sources.count(secret + " (Secret shop/web-tls tls.crt, Certificate web)") == 1);

  // The Prometheus labels stay x509-certificate-exporter's: no certificate_name label.
  const RunResult prom =
      run_promtls({"inspect", kAt, "-o", "prometheus", secret, "--password", kStorePassword});
  CHECK(prom.exit_code == 0);
  CHECK(prom.out.find("secret_key=\"truststore.jks\"") != std::string::npos);
  CHECK(prom.out.find("certificate_name") == std::string::npos);

  // Without the password the keystores are errors (exit 3) and tls.crt is still reported.
  const json locked = inspect_json({secret}, 3);
  CHECK(locked["certificates"].size() == 1);
  CHECK(locked["errors"].size() == 2);
}
