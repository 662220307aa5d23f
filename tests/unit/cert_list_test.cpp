// The inspect report's compact certificate list: every field of an entry comes back as it was
// given (long strings, bytes that are not text, extreme numbers), decoding into a record that
// held another entry leaves nothing of it, entries span blocks, copies are independent, and the
// sort is stable.
#include <catch2/catch.hpp>
#include <limits>

#include "fixed_time.hpp"
#include "promtls/core/inspect_report.hpp"

using namespace promtls::core;
using promtls::test::kDay;
using promtls::test::kNow;

namespace {

// An entry with every field set, none to its default; `n` varies the strings.
InspectedCert full(int n) {
  const std::string tag = std::to_string(n);
  InspectedCert ic;
  CertInfo& c = ic.located.cert;
  c.subject = "CN=leaf-" + tag + ",O=Example";
  c.issuer = "CN=Example CA " + tag;
  c.subject_cn = "leaf-" + tag;
  c.issuer_cn = "Example CA " + tag;
  c.subject_attributes = {{"CN", "leaf-" + tag}, {"O", "Example"}, {"OU", std::string(200, 'u')}};
  c.issuer_attributes = {{"CN", "Example CA " + tag}};
  c.serial = "7f" + tag;
  c.dns_names = {"a" + tag + ".example", "b.example"};
  c.ip_addresses = {"10.0.0." + tag, "::1"};
  c.emails = {"ops@example.org"};
  c.uris = {"spiffe://cluster.local/ns/x/sa/" + tag};
  c.not_before_unix = kNow - 30 * kDay - n;
  c.not_after_unix = kNow + 30 * kDay + n;
  c.key = {"EC", 256, "P-256"};
  c.signature_algorithm = "ecdsa-with-SHA256";
  c.sha256_fingerprint = "AB:CD:" + tag;
  c.public_key_id = "0123456789abcdef" + tag;
  c.is_ca = true;
  c.self_signed = true;
  c.extended_key_usage = {"serverAuth", "1.3.6.1.5.5.7.3.2"};
  c.has_extended_key_usage = true;
  CertLocation& l = ic.located.location;
  l.filepath = "/var/lib/kubelet/pods/" + tag + "/tls.crt";
  l.embedded_kind = "pkcs12";
  l.embedded_key = "alias-" + tag;
  l.secret_namespace = "ns";
  l.secret_name = "secret-" + tag;
  l.secret_key = "tls.crt";
  l.configmap_namespace = "cm-ns";
  l.configmap_name = "cm";
  l.configmap_key = "ca.crt";
  l.certificate_name = "cert-" + tag;
  l.kube_context = "prod, staging";
  ic.source = l.filepath + " (Secret ns/secret-" + tag + " tls.crt)";
  ic.index = static_cast<std::size_t>(n) + 1;
  ic.judgement = {CertStatus::critical, 29 + n, 50.25};
  ic.tigera = TigeraCheck{"tigera-ca", "2027-01-11T00:00:00Z", false, true};
  ic.from_endpoint = true;
  ic.verified = true;
  ic.verify_error = "unable to get local issuer certificate";
  ic.verify_required = false;
  ic.hostname_match = true;
  return ic;
}

void check_equal(const InspectedCert& a, const InspectedCert& b) {
  const CertInfo& x = a.located.cert;
  const CertInfo& y = b.located.cert;
  CHECK(x.subject == y.subject);
  CHECK(x.issuer == y.issuer);
  CHECK(x.subject_cn == y.subject_cn);
  CHECK(x.issuer_cn == y.issuer_cn);
  CHECK(x.subject_attributes == y.subject_attributes);
  CHECK(x.issuer_attributes == y.issuer_attributes);
  CHECK(x.serial == y.serial);
  CHECK(x.dns_names == y.dns_names);
  CHECK(x.ip_addresses == y.ip_addresses);
  CHECK(x.emails == y.emails);
  CHECK(x.uris == y.uris);
  CHECK(x.not_before_unix == y.not_before_unix);
  CHECK(x.not_after_unix == y.not_after_unix);
  CHECK(x.key.type == y.key.type);
  CHECK(x.key.bits == y.key.bits);
  CHECK(x.key.curve == y.key.curve);
  CHECK(x.signature_algorithm == y.signature_algorithm);
  CHECK(x.sha256_fingerprint == y.sha256_fingerprint);
  CHECK(x.public_key_id == y.public_key_id);
  CHECK(x.is_ca == y.is_ca);
  CHECK(x.self_signed == y.self_signed);
  CHECK(x.extended_key_usage == y.extended_key_usage);
  CHECK(x.has_extended_key_usage == y.has_extended_key_usage);
  const CertLocation& l = a.located.location;
  const CertLocation& m = b.located.location;
  CHECK(l.filepath == m.filepath);
  CHECK(l.embedded_kind == m.embedded_kind);
  CHECK(l.embedded_key == m.embedded_key);
  CHECK(l.secret_namespace == m.secret_namespace);
  CHECK(l.secret_name == m.secret_name);
  CHECK(l.secret_key == m.secret_key);
  CHECK(l.configmap_namespace == m.configmap_namespace);
  CHECK(l.configmap_name == m.configmap_name);
  CHECK(l.configmap_key == m.configmap_key);
  CHECK(l.certificate_name == m.certificate_name);
  CHECK(l.kube_context == m.kube_context);
  CHECK(a.source == b.source);
  CHECK(a.index == b.index);
  CHECK(a.judgement.status == b.judgement.status);
  CHECK(a.judgement.days_left == b.judgement.days_left);
  CHECK(a.judgement.lifetime_used_percent == b.judgement.lifetime_used_percent);
  REQUIRE(a.tigera.has_value() == b.tigera.has_value());
  if (a.tigera) {
    CHECK(a.tigera->issuer == b.tigera->issuer);
    CHECK(a.tigera->expiry == b.tigera->expiry);
    CHECK(a.tigera->issuer_matches == b.tigera->issuer_matches);
    CHECK(a.tigera->expiry_matches == b.tigera->expiry_matches);
  }
  CHECK(a.from_endpoint == b.from_endpoint);
  CHECK(a.verified == b.verified);
  CHECK(a.verify_error == b.verify_error);
  CHECK(a.verify_required == b.verify_required);
  CHECK(a.hostname_match == b.hostname_match);
}

}  // namespace

TEST_CASE("a certificate list gives back every field of every entry as it was given") {
  CertificateList list;
  const InspectedCert a = full(1);
  InspectedCert odd = full(2);
  // Bytes that are not text, a string whose length takes three bytes to write, extremes.
  odd.located.cert.subject = std::string("nul\0and\xff\x80", 9) + std::string(20000, 'x');
  odd.located.cert.not_before_unix = std::numeric_limits<std::int64_t>::min();
  odd.located.cert.not_after_unix = std::numeric_limits<std::int64_t>::max();
  odd.located.cert.key.bits = -1;
  odd.judgement.days_left = -4000000;
  odd.judgement.lifetime_used_percent = -0.0;
  odd.tigera = TigeraCheck{std::nullopt, "", true, false};
  const InspectedCert empty;  // every default
  list.push_back(a);
  list.push_back(odd);
  list.push_back(empty);
  REQUIRE(list.size() == 3);
  check_equal(list.at(0), a);
  check_equal(list.at(1), odd);
  check_equal(list.at(2), empty);
  CHECK(list.back().source == empty.source);

  SECTION("read() into a record that held another entry leaves nothing of it") {
    InspectedCert into = full(7);
    into.located.cert.dns_names.push_back("extra.example");
    list.read(2, into);
    check_equal(into, empty);
    list.read(1, into);
    check_equal(into, odd);
  }
  SECTION("iteration decodes each entry in order") {
    std::vector<std::string> sources;
    for (const InspectedCert& ic : list) sources.push_back(ic.source);
    CHECK(sources == std::vector<std::string>{a.source, odd.source, ""});
  }
  SECTION("the fields read in place agree with the entries") {
    CHECK(list.source(0) == a.source);
    CHECK(list.sha256_fingerprint(0) == "AB:CD:1");
    CHECK(list.sha256_fingerprint(2).empty());
    CHECK(list.status(0) == CertStatus::critical);
    CHECK(list.days_left(1) == -4000000);
    CHECK(list.not_after_unix(1) == std::numeric_limits<std::int64_t>::max());
    CHECK(list.index(0) == 2);
    CHECK(list.is_ca(0));
    CHECK_FALSE(list.is_ca(2));
    // full(1) is an endpoint's second certificate (index 2), so not its leaf.
    CHECK_FALSE(list.endpoint_leaf(0));
    CHECK(list.tigera_disagrees(0));  // its issuer annotation disagrees
    CHECK(list.tigera_disagrees(1));  // its expiry annotation disagrees
    CHECK_FALSE(list.tigera_disagrees(2));
  }
  SECTION("set() replaces one entry and keeps the others") {
    list.set(0, empty);
    check_equal(list.at(0), empty);
    check_equal(list.at(1), odd);
  }
}

TEST_CASE("an endpoint's leaf that did not verify is flagged only when verification is required") {
  CertificateList list;
  InspectedCert leaf;
  leaf.from_endpoint = true;
  leaf.verify_error = "self-signed certificate";
  list.push_back(leaf);  // index 0, not verified, required
  leaf.verify_required = false;
  list.push_back(leaf);
  leaf.verify_required = true;
  leaf.verified = true;
  list.push_back(leaf);
  CHECK(list.endpoint_leaf(0));
  CHECK(list.endpoint_unverified(0));
  CHECK(list.endpoint_leaf(1));
  CHECK_FALSE(list.endpoint_unverified(1));
  CHECK_FALSE(list.endpoint_unverified(2));
}

TEST_CASE("a certificate list spans blocks, holds an entry larger than a block, and copies") {
  CertificateList list;
  constexpr int kCount = 3000;  // about 2.5 MB: three 1 MiB blocks
  for (int i = 0; i < kCount; ++i) list.push_back(full(i));
  InspectedCert big = full(-1);
  big.verify_error = std::string(3u << 20, 'e');  // 3 MiB
  list.push_back(big);
  list.push_back(full(kCount));
  REQUIRE(list.size() == kCount + 2);
  InspectedCert scratch;
  for (int i = 0; i < kCount; i += 499) {
    list.read(static_cast<std::size_t>(i), scratch);
    check_equal(scratch, full(i));
  }
  check_equal(list.at(kCount), big);
  check_equal(list.at(kCount + 1), full(kCount));

  CertificateList copy = list;
  copy.push_back(full(-2));
  copy.set(0, full(-3));
  CHECK(list.size() == kCount + 2);
  check_equal(list.at(0), full(0));
  check_equal(copy.at(0), full(-3));
  check_equal(copy.at(kCount + 2), full(-2));
  check_equal(copy.at(kCount), big);
  list.clear();
  CHECK(list.empty());
  CHECK(copy.size() == kCount + 3);
}

TEST_CASE("sorting a certificate list by not_after is stable and leaves what is before `from`") {
  CertificateList list;
  const auto add = [&list](const std::string& source, std::int64_t not_after) {
    InspectedCert ic;
    ic.source = source;
    ic.located.cert.not_after_unix = not_after;
    list.push_back(ic);
  };
  add("kept-late", kNow + 9 * kDay);
  add("b1", kNow + 5 * kDay);
  add("a", kNow + kDay);
  add("b2", kNow + 5 * kDay);
  add("c", kNow + 7 * kDay);
  const auto sources = [&list] {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list.size(); ++i) out.emplace_back(list.source(i));
    return out;
  };
  list.sort_by_not_after(1);
  CHECK(sources() == std::vector<std::string>{"kept-late", "a", "b1", "b2", "c"});
  list.sort_by_not_after();
  CHECK(sources() == std::vector<std::string>{"a", "b1", "b2", "c", "kept-late"});
  CHECK(list.at(0).located.cert.not_after_unix == kNow + kDay);
}
