// The fast reader must give exactly what the full X509 parse gives, field by field.
#include "promtls/tls/fast_cert.hpp"

#include <catch2/catch.hpp>

#include "pki.hpp"
#include "promtls/tls/pem.hpp"

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
