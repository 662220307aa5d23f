// Keystores as certificate sources: legacy PKCS#12 through OpenSSL's legacy provider, Java
// keystores (JKS, JCEKS) made by keytool, and cert-manager Secrets that carry them.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "keystore_fixtures.hpp"
#include "pki.hpp"
#include "promtls/tls/sources.hpp"
#include "run.hpp"
#include "trees.hpp"

using namespace promtls;
using namespace promtls::test;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Standard base64, as Secrets carry values.
std::string b64(const std::string& in) { return promtls::test::base64(in); }

tls::SourceOptions with_password(const std::string& password) {
  tls::SourceOptions options;
  options.passwords = {"not-it", password};
  return options;
}

// alias -> subject CNs, in file order within an entry.
std::map<std::string, std::vector<std::string>> by_alias(const tls::LoadResult& r) {
  std::map<std::string, std::vector<std::string>> out;
  for (const core::LocatedCert& c : r.certificates) {
    out[c.location.embedded_key].push_back(c.cert.subject_cn);
  }
  return out;
}

const std::map<std::string, std::vector<std::string>> kStoreEntries = {
    {"root", {"ks-root"}},
    {"other", {"ks-other-root"}},
    {"server", {"ks-leaf.example", "ks-root"}}};

std::uint32_t be32(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

}  // namespace

TEST_CASE("a legacy PKCS#12 (RC2-40, 3DES) opens through OpenSSL's legacy provider") {
  const KeystoreFixtures& f = keystore_fixtures();
  // The fixture really needs the legacy provider: OpenSSL's default provider alone cannot open it.
  const RunResult plain = run({"/usr/bin/openssl", "pkcs12", "-in", f.legacy_p12, "-noout",
                               "-passin", std::string("pass:") + kStorePassword},
                              {"PATH=/usr/bin:/bin"});
  REQUIRE(plain.exit_code != 0);
  CHECK(plain.err.find("unsupported") != std::string::npos);

  const auto result = tls::load_sources({f.legacy_p12}, with_password(kStorePassword));
  CHECK(result.errors.empty());
  REQUIRE(result.certificates.size() == 2);
  CHECK(result.certificates[0].cert.subject_cn == "ks-leaf.example");
  CHECK(result.certificates[0].cert.not_after_unix == kNow + 60 * kDay);
  CHECK(result.certificates[1].cert.subject_cn == "ks-root");
  CHECK(result.certificates[0].location.embedded_kind == "pkcs12");
  CHECK(result.certificates[0].location.filepath == f.legacy_p12);
}

TEST_CASE("a legacy PKCS#12 with a wrong password is a bad_passphrase error") {
  const KeystoreFixtures& f = keystore_fixtures();
  const auto result = tls::load_sources({f.legacy_p12}, with_password("guess"));
  CHECK(result.certificates.empty());
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].reason == "bad_passphrase");
  CHECK(result.errors[0].message.find("guess") == std::string::npos);
}

TEST_CASE("a modern PKCS#12 still opens with the default provider") {
  const KeystoreFixtures& f = keystore_fixtures();
  const auto result = tls::load_sources({f.modern_p12}, with_password(kStorePassword));
  CHECK(result.errors.empty());
  REQUIRE(result.certificates.size() == 2);
  CHECK(result.certificates[0].cert.subject_cn == "ks-leaf.example");
}

TEST_CASE("a JKS keystore yields its trusted certificates and the key entry's chain by alias") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  const std::string bytes = slurp(f.jks);
  REQUIRE(be32(bytes, 0) == 0xFEEDFEEDu);
  const auto result = tls::load_sources({f.jks}, with_password(kStorePassword));
  CHECK(result.errors.empty());
  CHECK(by_alias(result) == kStoreEntries);
  for (const core::LocatedCert& c : result.certificates) {
    CHECK(c.location.filepath == f.jks);
    CHECK(c.location.embedded_kind == "jks");
  }
}

TEST_CASE("a JCEKS keystore with secret-key entries yields every certificate") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  const std::string bytes = slurp(f.jceks);
  REQUIRE(be32(bytes, 0) == 0xCECECECEu);
  REQUIRE(be32(bytes, 8) == 6);  // three certificate entries and three sealed secret keys
  const auto result = tls::load_sources({f.jceks}, with_password(kStorePassword));
  CHECK(result.errors.empty());
  CHECK(by_alias(result) == kStoreEntries);
  for (const core::LocatedCert& c : result.certificates) {
    CHECK(c.location.embedded_kind == "jceks");
  }
}

TEST_CASE("a Java keystore whose digest matches no password is a bad_passphrase error") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  for (const std::string& path : {f.jks, f.jceks}) {
    for (const tls::SourceOptions& options : {tls::SourceOptions{}, with_password("guess")}) {
      const auto result = tls::load_sources({path}, options);
      CHECK(result.certificates.empty());
      REQUIRE(result.errors.size() == 1);
      CHECK(result.errors[0].reason == "bad_passphrase");
      CHECK(result.errors[0].source == path);
      CHECK(result.errors[0].message.find("integrity check failed") != std::string::npos);
      CHECK(result.errors[0].message.find("guess") == std::string::npos);
      CHECK(result.errors[0].message.find(kStorePassword) == std::string::npos);
    }
  }
}

TEST_CASE("a truncated Java keystore is a bad_keystore error at every length") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  for (const std::string& path : {f.jks, f.jceks}) {
    const std::string bytes = slurp(path);
    for (std::size_t n = 4; n < bytes.size(); ++n) {
      const auto result =
          tls::load_bytes(std::string_view(bytes).substr(0, n), "cut", with_password("storepass"));
      INFO(path << " cut at " << n);
      REQUIRE(result.errors.size() == 1);
      CHECK(result.errors[0].reason == "bad_keystore");
      CHECK(result.certificates.empty());
    }
    const auto extra = tls::load_bytes(bytes + "x", "extra", with_password(kStorePassword));
    REQUIRE(extra.errors.size() == 1);
    CHECK(extra.errors[0].reason == "bad_keystore");
    CHECK(extra.errors[0].message.find("1 bytes follow the last entry") != std::string::npos);
  }
}

TEST_CASE("corrupt Java keystores are errors, never certificates") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  const std::string good = slurp(f.jks);
  const auto load = [](const std::string& bytes) {
    return tls::load_bytes(bytes, "corrupt.jks", with_password(kStorePassword));
  };
  SECTION("a flipped byte inside a certificate fails the integrity check") {
    std::string bytes = good;
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
    const auto result = load(bytes);
    CHECK(result.certificates.empty());
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].reason == "bad_passphrase");
  }
  SECTION("a huge entry count is a bad_keystore error, not an allocation") {
    std::string bytes = good;
    bytes.replace(8, 4, std::string("\x7f\xff\xff\xff", 4));
    const auto result = load(bytes);
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].reason == "bad_keystore");
  }
  SECTION("a negative count is a bad_keystore error") {
    std::string bytes = good;
    bytes.replace(8, 4, std::string("\xff\xff\xff\xff", 4));
    const auto result = load(bytes);
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].reason == "bad_keystore");
  }
  SECTION("an unknown version is a bad_keystore error") {
    std::string bytes = good;
    bytes[7] = 9;
    const auto result = load(bytes);
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].reason == "bad_keystore");
    CHECK(result.errors[0].message.find("unknown version 9") != std::string::npos);
  }
  SECTION("a bare magic number is a bad_keystore error") {
    const auto result = load(std::string("\xfe\xed\xfe\xed", 4));
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].reason == "bad_keystore");
    CHECK(result.errors[0].message.find("corrupt.jks: bad JKS keystore: the header is truncated") ==
          0);
  }
}

TEST_CASE("every byte of a JCEKS sealed key may be corrupt without a crash") {
  if (!keytool_available()) return;
  // The Java-serialization skipper meets attacker-controlled tags and lengths: every single-byte
  // change is either read (an error or certificates) without reading out of bounds.
  const KeystoreFixtures& f = keystore_fixtures();
  const std::string good = slurp(f.jceks);
  for (std::size_t at = 12; at < good.size(); at += 7) {
    for (const int value : {0x00, 0x70, 0x71, 0x75, 0xff}) {
      std::string bytes = good;
      bytes[at] = static_cast<char>(value);
      const auto result = tls::load_bytes(bytes, "fuzz", with_password(kStorePassword));
      if (bytes == good) continue;
      CHECK(!result.errors.empty());
    }
  }
}

TEST_CASE("a cert-manager Secret's keystores are read with the Certificate name") {
  if (!keytool_available()) return;
  const KeystoreFixtures& f = keystore_fixtures();
  const std::string yaml =
      "apiVersion: v1\n"
      "kind: Secret\n"
      "metadata:\n"
      "  name: web-tls\n"
      "  namespace: shop\n"
      "  annotations:\n"
      "    cert-manager.io/certificate-name: web\n"
      "    cert-manager.io/issuer-name: ca-issuer\n"
      "type: kubernetes.io/tls\n"
      "data:\n"
      "  tls.crt: " +
      b64(f.leaf.pem()) +
      "\n"
      "  tls.key: " +
      b64(f.leaf_key.private_pem()) +
      "\n"
      "  keystore.p12: " +
      b64(slurp(f.modern_p12)) +
      "\n"
      "  truststore.p12: " +
      b64(slurp(f.legacy_p12)) +
      "\n"
      "  truststore.jks: " +
      b64(slurp(f.jks)) + "\n";
  const auto result = tls::load_bytes(yaml, "secret.yaml", with_password(kStorePassword));
  CHECK(result.errors.empty());
  std::multiset<std::string> found;
  for (const core::LocatedCert& c : result.certificates) {
    CHECK(c.location.secret_namespace == "shop");
    CHECK(c.location.secret_name == "web-tls");
    CHECK(c.location.certificate_name == "web");
    found.insert(c.location.secret_key + " " + c.location.embedded_kind + " " +
                 c.location.embedded_key + " " + c.cert.subject_cn);
  }
  CHECK(found == std::multiset<std::string>{
                     "keystore.p12 pkcs12 0 ks-leaf.example", "keystore.p12 pkcs12 1 ks-root",
                     "tls.crt   ks-leaf.example", "truststore.jks jks other ks-other-root",
                     "truststore.jks jks root ks-root", "truststore.jks jks server ks-leaf.example",
                     "truststore.jks jks server ks-root", "truststore.p12 pkcs12 0 ks-leaf.example",
                     "truststore.p12 pkcs12 1 ks-root"});

  const auto locked = tls::load_bytes(yaml, "secret.yaml", with_password("guess"));
  std::set<std::string> reasons;
  for (const tls::SourceError& e : locked.errors) {
    CHECK(e.source == "secret.yaml");
    CHECK(e.message.find("Secret shop/web-tls key ") != std::string::npos);
    reasons.insert(e.reason + " " + e.message.substr(e.message.find(" key ") + 5, 14));
  }
  CHECK(reasons ==
        std::set<std::string>{"bad_passphrase keystore.p12: ", "bad_passphrase truststore.jks",
                              "bad_passphrase truststore.p12"});
  // tls.crt is still read.
  REQUIRE(locked.certificates.size() == 1);
  CHECK(locked.certificates[0].location.secret_key == "tls.crt");
}

TEST_CASE("a Secret value named like a keystore that is not one is an error") {
  const std::string yaml =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n"
      "  keystore.jks: " +
      b64("not a keystore") + "\n  keystore.p12: " + b64("not pkcs12 either") + "\n";
  const auto result = tls::load_bytes(yaml, "s.yaml");
  std::set<std::string> reasons;
  for (const tls::SourceError& e : result.errors) reasons.insert(e.reason);
  CHECK(reasons == std::set<std::string>{"bad_keystore", "bad_pkcs12"});
  CHECK(result.errors.size() == 2);
}
