// write_inspect_json() against the DOM it replaced (inspect_json() + add_verdict_json(), dumped
// with dump(2) and a newline): byte for byte on reports loaded from real inputs (kubeadm,
// kubelet, Secret-volume and system-store trees in every variant, Kubernetes Secrets with
// Tigera annotations, PKCS#12, TigeraStatus lists, skipped files, unreadable inputs), on hand-
// made ones (endpoints, licenses, errors, hostile strings) and under every --fail-on; and valid
// JSON, repaired, where the DOM gave up (a file name that is not UTF-8).
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fixed_time.hpp"
#include "pki.hpp"
#include "promtls/core/inspect_report.hpp"
#include "promtls/tls/sources.hpp"
#include "trees.hpp"

using namespace promtls;
using namespace promtls::core;
using namespace promtls::test;

namespace {

// As `promtls inspect` builds its report from files (cmd_inspect.cpp's add_files()): the
// display source, the index within it, the judgement, the Tigera check, expiry order.
InspectReport loaded_report(const std::vector<std::string>& paths, bool recursive) {
  tls::SourceOptions options;
  options.recursive = recursive;
  options.passwords = {"storepass"};
  tls::LoadResult loaded = tls::load_sources(paths, options);
  InspectReport report;
  report.now_unix = kNow;
  report.inputs = paths;
  std::map<std::size_t, TigeraCheck> checks;
  for (const tls::TigeraSecret& s : loaded.tigera_secrets) {
    if (s.cert_index < loaded.certificates.size()) {
      checks[s.cert_index] = check_tigera(s.metadata, loaded.certificates[s.cert_index].cert);
    }
  }
  const ExpiryPolicy policy;
  for (std::size_t i = 0; i < loaded.certificates.size(); ++i) {
    InspectedCert ic;
    ic.located = loaded.certificates[i];
    ic.source = describe_location(ic.located.location);
    ic.index = i > 0 && ic.source == report.certificates.source(i - 1)
                   ? report.certificates.index(i - 1) + 1
                   : 0;
    ic.judgement = judge_certificate(ic.located.cert, policy, kNow);
    if (auto it = checks.find(i); it != checks.end()) ic.tigera = it->second;
    report.certificates.push_back(ic);
  }
  for (const tls::SourceError& e : loaded.errors) {
    report.errors.push_back({e.source, e.reason, e.message});
  }
  for (const tls::SkippedFile& s : loaded.skipped) report.skipped.push_back({s.source, s.kind});
  report.tigera_statuses = loaded.tigera_statuses;
  sort_by_expiry(report);
  return report;
}

std::string streamed(const InspectReport& report, FailOn fail_on, bool dedupe = true) {
  RenderOptions options;
  options.dedupe = dedupe;
  std::ostringstream out;
  write_inspect_json(report, inspect_verdict(report, fail_on), out, options);
  REQUIRE(out.good());
  return out.str();
}

std::string dom(const InspectReport& report, FailOn fail_on) {
  nlohmann::ordered_json j = inspect_json(report);
  add_verdict_json(j, inspect_verdict(report, fail_on));
  return j.dump(2) + "\n";
}

void check_same(const InspectReport& report) {
  for (const FailOn fail_on : {FailOn::warning, FailOn::critical, FailOn::expired}) {
    INFO("--fail-on " << to_string(fail_on));
    const std::string expected = dom(report, fail_on);
    CHECK(streamed(report, fail_on) == expected);
    // JSON keeps every place whatever --no-dedupe says.
    CHECK(streamed(report, fail_on, false) == expected);
  }
}

}  // namespace

TEST_CASE("streamed JSON is the DOM's dump on every tree and variant") {
  const std::pair<const char*, Tree (*)(Variant)> trees[] = {
      {"kubeadm control plane", kubeadm_control_plane},
      {"kubelet directory", kubelet_pki},
      {"Secret volume", secret_volume},
      {"system store", system_store},
  };
  std::size_t certificates = 0;
  std::size_t errors = 0;
  std::size_t skipped = 0;
  for (const auto& [name, build] : trees) {
    for (const Variant v : {Variant::all_fine, Variant::one_expired, Variant::one_unreadable}) {
      INFO(name << ", variant " << static_cast<int>(v));
      const Tree t = build(v);
      const InspectReport report = loaded_report({t.root}, true);
      certificates += report.certificates.size();
      errors += report.errors.size();
      skipped += report.skipped.size();
      check_same(report);
    }
  }
  // The fixtures hold what the comparison is about.
  CHECK(certificates > 50);
  CHECK(errors >= 4);
  CHECK(skipped > 10);
}

TEST_CASE("streamed JSON is the DOM's dump for Secrets, Tigera annotations, PKCS#12, statuses") {
  TempDir dir;
  const Authority ca = Authority::make("tigera-ca");
  const Key leaf_key(KeyKind::ec_p256);
  CertSpec spec;
  spec.cn = "typha";
  spec.dns = {"typha", "typha.calico-system.svc"};
  spec.not_after = kNow + 10 * kDay;  // critical
  const Cert leaf = ca.leaf(spec, leaf_key);
  const nlohmann::json secret = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"type", "kubernetes.io/tls"},
      {"metadata",
       {{"name", "typha-certs"},
        {"namespace", "calico-system"},
        {"annotations",
         {{"certificates.operator.tigera.io/issuer", "someone-else"},
          {"certificates.operator.tigera.io/expiry", "2027-01-11T00:00:00Z"}}}}},
      {"data",
       {{"tls.crt", base64(leaf.pem())},
        {"tls.key", base64(leaf_key.private_pem())},
        {"ca.crt", base64(ca.cert.pem())}}}};
  const nlohmann::json configmap = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", {{"name", "bundle"}, {"namespace", "kube-system"}}},
      {"data", {{"ca.crt", ca.cert.pem() + leaf.pem()}}}};
  const nlohmann::json list = {
      {"apiVersion", "v1"}, {"kind", "List"}, {"items", {secret, configmap}}};
  const std::string secrets = list.dump();
  dir.write("secrets.json", secrets, 0644);
  dir.write("server.p12", pkcs12(leaf, leaf_key, {&ca.cert}, "storepass"), 0644);
  dir.write("statuses.yaml", R"(apiVersion: v1
kind: List
items:
- apiVersion: operator.tigera.io/v1
  kind: TigeraStatus
  metadata: {name: apiserver}
  status:
    conditions:
    - {type: Degraded, status: "True", reason: ResourceNotReady, message: "Waiting for \"it\"\n"}
    - {type: Available, status: "False"}
- apiVersion: operator.tigera.io/v1
  kind: TigeraStatus
  metadata: {name: calico}
  status: {conditions: []}
)",
            0644);
  dir.write("csr.pem", csr(leaf_key, "pending"), 0644);
  dir.write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
            0644);
  const std::string root = dir.path().string();
  const InspectReport report = loaded_report({root, root + "/missing.pem"}, false);
  REQUIRE(report.certificates.size() >= 4);
  CHECK(report.tigera_statuses.size() == 2);
  CHECK(!report.errors.empty());
  CHECK(!report.skipped.empty());
  bool annotated = false;
  for (const InspectedCert& ic : report.certificates) annotated = annotated || ic.tigera;
  CHECK(annotated);
  check_same(report);
}

namespace {

InspectedCert hand_made(const std::string& cn, const std::string& source, std::int64_t not_after,
                        const std::string& fingerprint) {
  InspectedCert ic;
  CertInfo& c = ic.located.cert;
  c.subject_cn = cn;
  c.subject = "CN=" + cn + ",O=Example";
  c.issuer = "CN=issuer";
  c.issuer_cn = "issuer";
  c.serial = "1f";
  c.dns_names = {cn, "*." + cn};
  c.ip_addresses = {"::1"};
  c.emails = {"ops@example.com"};
  c.uris = {"spiffe://cluster.local/ns/x/sa/y"};
  c.not_before_unix = kNow - 100 * kDay;
  c.not_after_unix = not_after;
  c.key = {"RSA", 2048, ""};
  c.signature_algorithm = "sha256WithRSAEncryption";
  c.sha256_fingerprint = fingerprint;
  c.extended_key_usage = {"serverAuth", "1.2.3.4"};
  ic.located.location.filepath = source;
  ic.source = source;
  ic.judgement = judge_certificate(c, ExpiryPolicy{}, kNow);
  return ic;
}

}  // namespace

TEST_CASE("streamed JSON is the DOM's dump for endpoints, licenses, errors and odd strings") {
  InspectReport r;
  r.now_unix = kNow;
  r.inputs = {"/etc/a.pem", "api.example:443", "/lic.json"};
  // Quotes, backslashes, every control character, DEL and multi-byte UTF-8 (valid).
  std::string hostile = "q\"b\\s/";
  for (char c = 1; c < 0x20; ++c) hostile += c;
  hostile +=
      "\x7f"
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92";
  InspectedCert odd = hand_made(hostile, "/etc/a.pem", kNow - kDay, "AA:BB");
  odd.located.cert.key = {"EC", 256, "P-256"};
  odd.located.location.secret_name = hostile;
  odd.located.location.certificate_name = "cert-manager-name";
  odd.tigera = TigeraCheck{hostile, std::nullopt, false, true};
  r.certificates.push_back(odd);
  InspectedCert second = hand_made("dup", "/etc/a.pem", kNow + 5 * kDay, "CC");
  second.index = 1;
  r.certificates.push_back(second);
  r.certificates.push_back(hand_made("dup", "/etc/b.pem", kNow + 5 * kDay, "CC"));
  r.certificates.push_back(hand_made("nofp", "/etc/c.pem", kNow + 20 * kDay, ""));
  r.certificates.push_back(hand_made("nofp", "/etc/d.pem", kNow + 20 * kDay, ""));
  for (std::size_t i = 0; i < 2; ++i) {
    InspectedCert ic = hand_made("api.example", "api.example:443", kNow + 200 * kDay, "EE");
    ic.located.cert.extended_key_usage.clear();
    ic.located.cert.dns_names.clear();
    ic.located.cert.ip_addresses.clear();
    ic.located.cert.emails.clear();
    ic.located.cert.uris.clear();
    ic.index = i;
    ic.from_endpoint = true;
    ic.verified = false;
    ic.verify_error = i == 0 ? "unable to get local issuer certificate" : "";
    ic.verify_required = i == 0;
    ic.hostname_match = true;
    r.certificates.push_back(ic);
  }
  InspectedCert not_yet = hand_made("later", "/etc/e.pem", kNow + 900 * kDay, "FF");
  not_yet.located.cert.not_before_unix = kNow + kDay;
  not_yet.judgement = judge_certificate(not_yet.located.cert, ExpiryPolicy{}, kNow);
  r.certificates.push_back(not_yet);
  InspectedLicense a;
  a.license.source = "/lic.json";
  a.license.kind = "json";
  a.license.expiry_unix = kNow + 3 * kDay;
  a.license.grace_period_days = 30;
  a.status = judge_license(a.license, ExpiryPolicy{}, kNow);
  r.licenses.push_back(a);
  InspectedLicense b;
  b.license.source = "/lic2.jwt";
  b.license.kind = "jwt";
  b.license.name = hostile;
  b.license.signature_verified = true;
  b.status = judge_license(b.license, ExpiryPolicy{}, kNow);
  r.licenses.push_back(b);
  r.errors.push_back({"/etc/gone.pem", "not_found", "open /etc/gone.pem: " + hostile});
  r.skipped.push_back({"/etc/a.key", "private_key"});
  TigeraStatus status;
  status.name = "calico";
  status.source = "/etc/s.yaml";
  status.conditions.push_back({"Degraded", "True", "Why", hostile});
  r.tigera_statuses.push_back(status);
  sort_by_expiry(r);
  check_same(r);

  SECTION("an empty report") { check_same(InspectReport{}); }
  SECTION("the JSON is valid and holds the strings as given") {
    const auto j = nlohmann::ordered_json::parse(streamed(r, FailOn::critical));
    CHECK(j["certificates"][0]["location"]["secret_name"] == hostile);
    CHECK(j["errors"][0]["message"] == "open /etc/gone.pem: " + hostile);
  }
}

TEST_CASE("a file name that is not UTF-8 is repaired to U+FFFD, the rest of the JSON kept") {
  InspectReport r;
  r.now_unix = kNow;
  const std::string bad = "/etc/x\xff\x01\xc3(\xed\xa0\x80q.pem";  // 0xFF, a cut pair, a surrogate
  r.certificates.push_back(hand_made("ok", bad, kNow + 300 * kDay, "AA"));
  r.errors.push_back({bad, "read_failed", "read " + bad});
  const std::string text = streamed(r, FailOn::critical);
  const auto j = nlohmann::ordered_json::parse(text);  // throws if invalid
  CHECK(j["certificates"][0]["source"] ==
        "/etc/x\xef\xbf\xbd\x01\xef\xbf\xbd(\xef\xbf\xbd"
        "\xef\xbf\xbd\xef\xbf\xbdq.pem");
  CHECK(j["certificates"][0]["paths"][0] == j["certificates"][0]["source"]);
  CHECK(j["errors"][0]["source"] == j["certificates"][0]["source"]);
  CHECK(j["exit_code"] == 3);
  // The DOM refused the whole document.
  CHECK_THROWS(dom(r, FailOn::critical));
}
