// The fast reader must give exactly what the full X509 parse gives, field by field.
#include "promtls/tls/fast_cert.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fixed_time.hpp"
#include "pki.hpp"
#include "promtls/core/cert_policy.hpp"
#include "promtls/tls/pem.hpp"
#include "trees.hpp"

using namespace promtls;
using namespace promtls::test;

namespace {

void require_same(const core::CertInfo& fast, const core::CertInfo& full) {
  CHECK(fast.subject == full.subject);
  CHECK(fast.issuer == full.issuer);
  CHECK(fast.subject_cn == full.subject_cn);
  CHECK(fast.issuer_cn == full.issuer_cn);
  CHECK(fast.subject_attributes == full.subject_attributes);
  CHECK(fast.issuer_attributes == full.issuer_attributes);
  CHECK(fast.serial == full.serial);
  CHECK(fast.dns_names == full.dns_names);
  CHECK(fast.ip_addresses == full.ip_addresses);
  CHECK(fast.emails == full.emails);
  CHECK(fast.uris == full.uris);
  CHECK(fast.not_before_unix == full.not_before_unix);
  CHECK(fast.not_after_unix == full.not_after_unix);
  CHECK(fast.key.type == full.key.type);
  CHECK(fast.key.bits == full.key.bits);
  CHECK(fast.key.curve == full.key.curve);
  CHECK(fast.signature_algorithm == full.signature_algorithm);
  CHECK(fast.sha256_fingerprint == full.sha256_fingerprint);
  CHECK(fast.public_key_id == full.public_key_id);
  CHECK(fast.is_ca == full.is_ca);
  CHECK(fast.self_signed == full.self_signed);
  CHECK(fast.extended_key_usage == full.extended_key_usage);
  CHECK(fast.has_extended_key_usage == full.has_extended_key_usage);
  CHECK(fast.sans() == full.sans());
}

struct Fixture {
  std::string name;
  std::string der;
};

std::vector<Fixture> fixtures() {
  std::vector<Fixture> out;
  const Authority ec_ca = Authority::make("fixture-ca", KeyKind::ec_p384);
  const Authority rsa_ca = Authority::make("fixture-rsa-ca", KeyKind::rsa_2048);
  const Authority ed_ca = Authority::make("fixture-ed-ca", KeyKind::ed25519);
  out.push_back({"EC P-384 self-signed CA", ec_ca.cert.der()});
  out.push_back({"RSA 2048 self-signed CA", rsa_ca.cert.der()});
  out.push_back({"Ed25519 self-signed CA", ed_ca.cert.der()});
  const struct {
    const char* name;
    KeyKind kind;
    const Authority* ca;
  } leaves[] = {{"EC P-256 leaf", KeyKind::ec_p256, &ec_ca},
                {"EC P-384 leaf", KeyKind::ec_p384, &rsa_ca},
                {"RSA 1024 leaf", KeyKind::rsa_1024, &ec_ca},
                {"RSA 2048 leaf", KeyKind::rsa_2048, &rsa_ca},
                {"Ed25519 leaf", KeyKind::ed25519, &ed_ca}};
  for (const auto& l : leaves) {
    const Key key(l.kind);
    CertSpec spec;
    spec.cn = l.name;
    spec.organization = "Example, Inc.";
    spec.dns = {"a.example", "b.example"};
    spec.ips = {"127.0.0.1", "::1"};
    out.push_back({l.name, l.ca->leaf(spec, key).der()});
  }
  const Key key(KeyKind::ec_p256);
  CertSpec bare;
  bare.cn = "";
  bare.dns = {};
  bare.ips = {};
  bare.eku = {};
  bare.serial = 0xFFFFFFFFFFFFull;
  out.push_back({"no subject CN, SAN or EKU", ec_ca.leaf(bare, key).der()});
  CertSpec sha1;
  sha1.cn = "weak";
  sha1.signature_digest = "SHA1";
  sha1.eku = {"serverAuth"};
  sha1.not_before = kNow - 400 * kDay;
  sha1.not_after = kNow - 10 * kDay;
  out.push_back({"SHA-1 signed, expired", rsa_ca.leaf(sha1, key).der()});
  CertSpec special;
  special.cn = "odd \"name\", with+plus=eq;semi é";
  special.organization = " spaced ";
  out.push_back({"RFC 2253 escaping and UTF-8", ec_ca.leaf(special, key).der()});
  return out;
}

}  // namespace

TEST_CASE("the fast reader reports every field exactly as the full X509 parse") {
  for (const Fixture& f : fixtures()) {
    INFO(f.name);
    core::CertInfo fast;
    core::CertInfo full;
    std::size_t consumed = 0;
    REQUIRE(tls::read_certificate_fast(f.der, fast, &consumed));
    REQUIRE(tls::parse_der_certificate(f.der, full));
    CHECK(consumed == f.der.size());
    require_same(fast, full);
  }
}

TEST_CASE("the summary and table readers give the full parse's names, serial and validity") {
  for (const Fixture& f : fixtures()) {
    INFO(f.name);
    core::CertInfo summary;
    core::CertInfo full;
    std::size_t consumed = 0;
    REQUIRE(tls::read_certificate_fast(f.der, summary, &consumed, tls::CertDetail::summary));
    REQUIRE(tls::parse_der_certificate(f.der, full));
    CHECK(consumed == f.der.size());
    CHECK(summary.subject_cn == full.subject_cn);
    CHECK(summary.issuer_cn == full.issuer_cn);
    CHECK(summary.subject_attributes == full.subject_attributes);
    CHECK(summary.issuer_attributes == full.issuer_attributes);
    CHECK(summary.serial == full.serial);
    CHECK(summary.not_before_unix == full.not_before_unix);
    CHECK(summary.not_after_unix == full.not_after_unix);
    core::CertInfo table;
    REQUIRE(tls::read_certificate_fast(f.der, table, nullptr, tls::CertDetail::table));
    CHECK(table.subject_cn == full.subject_cn);
    CHECK(table.not_before_unix == full.not_before_unix);
    CHECK(table.not_after_unix == full.not_after_unix);
    CHECK(summary.sha256_fingerprint == full.sha256_fingerprint);
    CHECK(table.sha256_fingerprint == full.sha256_fingerprint);
    CHECK(summary.is_ca == full.is_ca);
    if (full.subject_cn.empty()) CHECK(table.subject_attributes == full.subject_attributes);
  }
}

TEST_CASE("the fast PEM reader reads every block of a bundle like the full parse") {
  const Authority ca = Authority::make("bundle-ca");
  const Key key(KeyKind::rsa_2048);
  CertSpec spec;
  spec.cn = "bundle-leaf";
  const std::string pem = "junk before\n" + ca.leaf(spec, key).pem() + ca.cert.pem();
  std::size_t blocks = 0;
  std::size_t bad = 0;
  const auto fast = tls::read_pem_certificates_fast(pem, &blocks, &bad);
  const auto full = tls::parse_pem_certificates(pem);
  CHECK(blocks == 2);
  CHECK(bad == 0);
  REQUIRE(fast.size() == 2);
  REQUIRE(full.size() == 2);
  require_same(fast[0], full[0]);
  require_same(fast[1], full[1]);
}

TEST_CASE("the fast reader rejects what is not a certificate") {
  core::CertInfo info;
  CHECK_FALSE(tls::read_certificate_fast("", info));
  CHECK_FALSE(tls::read_certificate_fast("not der at all", info));
  const Authority ca = Authority::make("trunc-ca");
  const std::string der = ca.cert.der();
  CHECK_FALSE(tls::read_certificate_fast(std::string_view(der).substr(0, der.size() - 10), info));
  std::size_t bad = 0;
  CHECK(tls::read_pem_certificates_fast(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", nullptr, &bad)
            .empty());
  CHECK(bad == 1);
}

namespace {

// The verdicts inspect, serve and validate reach from a reader's output: how many certificates,
// how many blocks refused, and each certificate's status at instants around every threshold.
void require_same_verdicts(std::string_view pem, const std::string& where) {
  INFO(where);
  std::size_t fast_blocks = 0;
  std::size_t fast_bad = 0;
  std::size_t full_bad = 0;
  const auto fast = tls::read_pem_certificates_fast(pem, &fast_blocks, &fast_bad);
  const auto full = tls::parse_pem_certificates(pem, &full_bad);
  CHECK(fast_bad == full_bad);
  CHECK(fast_blocks == fast.size() + fast_bad);
  REQUIRE(fast.size() == full.size());
  const core::ExpiryPolicy policy;
  for (std::size_t i = 0; i < fast.size(); ++i) {
    require_same(fast[i], full[i]);
    for (const std::int64_t at :
         {kNow - 500 * kDay, kNow, kNow + 250 * kDay, kNow + 295 * kDay, kNow + 3700 * kDay}) {
      const core::CertJudgement a = core::judge_certificate(fast[i], policy, at);
      const core::CertJudgement b = core::judge_certificate(full[i], policy, at);
      CHECK(a.status == b.status);
      CHECK(a.days_left == b.days_left);
    }
  }
  // validate's and serve's reader (tls::describe_credentials) is the fast reader too.
  const core::FileFacts facts = tls::describe_credentials(pem, where);
  CHECK(facts.certificates.size() == full.size());
  CHECK(facts.bad_certificate_blocks == full_bad);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("the fast and full readers give the same verdicts on every file of every tree fixture") {
  using Make = Tree (*)(Variant);
  const std::pair<const char*, Make> trees[] = {{"kubeadm", kubeadm_control_plane},
                                                {"kubelet", kubelet_pki},
                                                {"secret volume", secret_volume},
                                                {"system store", system_store}};
  std::size_t files = 0;
  std::size_t certificates = 0;
  for (const auto& [name, make] : trees) {
    for (const Variant variant : {Variant::all_fine, Variant::one_expired}) {
      const Tree tree = make(variant);
      // The whole temporary directory: kubeadm's tree keeps the kubelet's beside its root.
      const std::filesystem::path top = std::filesystem::path(tree.root).parent_path();
      for (const auto& entry : std::filesystem::recursive_directory_iterator(top)) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(entry.path(), ec)) continue;
        const std::string bytes = read_file(entry.path());
        ++files;
        certificates += tls::parse_pem_certificates(bytes).size();
        require_same_verdicts(bytes, std::string(name) + ": " + entry.path().string());
      }
    }
  }
  // Not vacuous: the trees' files and their PEM certificates were all seen.
  CHECK(files > 50);
  CHECK(certificates > 30);
}

TEST_CASE("the fast and full readers refuse and accept the same odd PEM blocks") {
  const Authority ca = Authority::make("odd-ca");
  const Key key(KeyKind::ec_p256);
  const std::string leaf = ca.leaf(CertSpec{}, key).pem();
  auto replaced = [](std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
      s.replace(at, from.size(), to);
    return s;
  };
  const std::string body_start = "-----\n";
  const std::size_t body = leaf.find(body_start) + body_start.size();
  const struct {
    const char* name;
    std::string pem;
  } cases[] = {
      {"a good leaf", leaf},
      {"CRLF line ends", replaced(leaf, "\n", "\r\n")},
      {"TRUSTED CERTIFICATE", replaced(leaf, " CERTIFICATE-----", " TRUSTED CERTIFICATE-----")},
      {"X509 CERTIFICATE", replaced(leaf, " CERTIFICATE-----", " X509 CERTIFICATE-----")},
      {"a corrupt body between good ones",
       leaf + "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n" + ca.cert.pem()},
      {"base64 of bytes that are not DER",
       "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n" + leaf},
      {"a truncated body", leaf.substr(0, body + 40) + "\n-----END CERTIFICATE-----\n"},
      {"no END line", leaf.substr(0, leaf.find("-----END"))},
      {"text and keys around", "subject=odd\n" + key.private_pem() + leaf + "trailing\n"},
      {"a header line", leaf.substr(0, body) + "Proc-Type: 4,ENCRYPTED\n\n" + leaf.substr(body)},
  };
  for (const auto& c : cases) require_same_verdicts(c.pem, c.name);
}
