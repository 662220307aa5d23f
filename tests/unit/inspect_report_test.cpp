// The inspect report's renderings built from reports made by hand: duplicates by fingerprint,
// never-cut text, subjects without a CN, the kubeadm view, JSON's judged_at/summary/skipped, and
// the per-source gauge.
#include "promtls/core/inspect_report.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "fixed_time.hpp"

using namespace promtls;
using namespace promtls::core;
using promtls::test::kDay;
using promtls::test::kNow;

namespace {

InspectedCert cert(const std::string& cn, const std::string& source, std::int64_t not_after,
                   const std::string& fingerprint, CertStatus status = CertStatus::ok) {
  InspectedCert ic;
  ic.located.cert.subject_cn = cn;
  ic.located.cert.subject = cn.empty() ? "" : "CN=" + cn;
  ic.located.cert.issuer_cn = "kubernetes";
  ic.located.cert.not_before_unix = kNow - 10 * kDay;
  ic.located.cert.not_after_unix = not_after;
  ic.located.cert.sha256_fingerprint = fingerprint;
  ic.located.location.filepath = source;
  ic.source = source;
  ic.judgement.status = status;
  ic.judgement.days_left = (not_after - kNow) / kDay;
  return ic;
}

// A CA at two places (a bundle and its member file, as with /etc/ssl/certs hash links) and two
// leaves, one expired, with sources far longer than 80 columns.
InspectReport sample() {
  InspectReport r;
  r.now_unix = kNow;
  const std::string deep = "/var/lib/kubelet/pods/0123456789abcdef/volumes/kubernetes.io~secret/";
  r.certificates.push_back(
      cert("expired-client", deep + "tls/tls.crt", kNow - kDay, "AA", CertStatus::expired));
  r.certificates.push_back(
      cert("apiserver", "/etc/kubernetes/pki/apiserver.crt", kNow + 364 * kDay + 3600, "BB"));
  InspectedCert ca = cert("kubernetes", "/etc/kubernetes/pki/ca.crt", kNow + 3650 * kDay, "CC");
  ca.located.cert.is_ca = true;
  r.certificates.push_back(ca);
  ca.source = "/etc/ssl/certs/bundle.pem";
  ca.index = 3;
  r.certificates.push_back(ca);
  r.skipped = {{"/etc/kubernetes/pki/sa.key", "private_key"},
               {"/etc/kubernetes/pki/sa.pub", "public_key"}};
  return r;
}

std::size_t longest_line(const std::string& text) {
  std::size_t longest = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) longest = std::max(longest, line.size());
  return longest;
}

}  // namespace

TEST_CASE("a certificate found at several places is one row, with its places counted") {
  const InspectReport r = sample();
  const std::string text = render_inspect_text(r);
  CHECK(text.find("/etc/kubernetes/pki/ca.crt (+1 more)") != std::string::npos);
  CHECK(text.find("bundle.pem") == std::string::npos);
  CHECK(text.find("3 certificates (1 expired, 2 ok), 1 more place (--no-dedupe lists them), "
                  "2 skipped; 0 licenses, 0 errors; judged at 2027-01-01T00:00:00Z\n") !=
        std::string::npos);
  RenderOptions all;
  all.dedupe = false;
  const std::string every = render_inspect_text(r, all);
  CHECK(every.find("/etc/ssl/certs/bundle.pem #3") != std::string::npos);
  CHECK(every.find("(+1 more)") == std::string::npos);
  CHECK(every.find("4 certificates (1 expired, 3 ok), 2 skipped;") != std::string::npos);
}

TEST_CASE("certificates without a fingerprint are never merged") {
  InspectReport r;
  r.now_unix = kNow;
  r.certificates.push_back(cert("a", "/x.pem", kNow + kDay, ""));
  r.certificates.push_back(cert("a", "/y.pem", kNow + kDay, ""));
  CHECK(first_of_each_certificate(r) == std::vector<std::size_t>{0, 1});
  CHECK(inspect_json(r)["certificates"][0]["paths"].size() == 1);
}

TEST_CASE("text without a width never cuts a path or a subject") {
  InspectReport r = sample();
  InspectedCert longer = r.certificates.at(1);
  longer.located.cert.subject_cn = std::string(60, 's');
  r.certificates.set(1, longer);
  const std::string text = render_inspect_text(r);
  CHECK(text.find("..") == std::string::npos);
  CHECK(text.find(r.certificates.at(0).source) != std::string::npos);
  CHECK(text.find(std::string(60, 's')) != std::string::npos);
  // The columns stay aligned: every SOURCE starts where the header's does.
  const std::size_t column = text.find("SOURCE");
  CHECK(text.find("/etc/kubernetes/pki/apiserver.crt") ==
        text.find('\n', text.find(std::string(60, 's')) - column) + 1 + column);
}

TEST_CASE("text with a width fits it, cutting the subject's end and the source's start") {
  InspectReport r = sample();
  InspectedCert longer = r.certificates.at(1);
  longer.located.cert.subject_cn = std::string(60, 's');
  r.certificates.set(1, longer);
  RenderOptions options;
  options.width = 80;
  const std::string text = render_inspect_text(r, options);
  const std::string table = text.substr(0, text.find("\n\n"));
  CHECK(longest_line(table) <= 80);
  CHECK(table.find(std::string(19, 's') + "...") != std::string::npos);
  CHECK(table.find("...") != std::string::npos);
  CHECK(table.find("tls/tls.crt") != std::string::npos);  // the end of a path is kept
  options.width = 200;
  CHECK(render_inspect_text(r, options).find("...") == std::string::npos);
}

TEST_CASE("a subject without a CN is named by its O and OU, else its whole DN") {
  CertInfo c;
  c.subject_attributes = {{"C", "DE"}, {"O", "Example"}, {"OU", "Ops"}};
  CHECK(display_subject(c) == "O=Example, OU=Ops");
  c.subject_attributes = {{"C", "DE"}, {"L", "Berlin"}};
  CHECK(display_subject(c) == "C=DE, L=Berlin");
  c.subject = "L=Berlin,C=DE";
  CHECK(display_subject(c) == "L=Berlin,C=DE");
  c.subject_cn = "api";
  CHECK(display_subject(c) == "api");
  CHECK(display_subject(CertInfo{}) == "(empty subject)");
  InspectReport r;
  r.now_unix = kNow;
  InspectedCert org = cert("", "/o.pem", kNow + kDay, "DD");
  org.located.cert.subject_attributes = {{"O", "system:masters"}};
  r.certificates.push_back(org);
  CHECK(render_inspect_text(r).find("O=system:masters") != std::string::npos);
  CHECK(render_inspect_text(r).find("(empty subject)") == std::string::npos);
}

TEST_CASE("kubeconfig certificates are named by file, context and user") {
  CertLocation l;
  l.filepath = "/etc/kubernetes/admin.conf";
  l.embedded_kind = "kubeconfig";
  l.embedded_key = "user/kubernetes-admin/client-certificate-data";
  l.kube_context = "kubernetes-admin@kubernetes";
  CHECK(describe_location(l) ==
        "/etc/kubernetes/admin.conf (kubeconfig context kubernetes-admin@kubernetes, user "
        "kubernetes-admin)");
  l.kube_context.clear();
  l.embedded_key = "cluster/kubernetes/certificate-authority-data";
  CHECK(describe_location(l) == "/etc/kubernetes/admin.conf (kubeconfig cluster kubernetes)");
  // The context is for people only: the labels are what they were.
  l.kube_context = "ctx";
  LocatedCert located;
  located.location = l;
  for (const auto& [name, value] : certificate_labels(located)) CHECK(value != "ctx");
}

TEST_CASE("kubeadm's residual time") {
  CHECK(short_human_duration(-2) == "<invalid>");
  CHECK(short_human_duration(-1) == "0s");
  CHECK(short_human_duration(59) == "59s");
  CHECK(short_human_duration(60) == "1m");
  CHECK(short_human_duration(3599) == "59m");
  CHECK(short_human_duration(3600) == "1h");
  CHECK(short_human_duration(kDay - 1) == "23h");
  CHECK(short_human_duration(kDay) == "1d");
  CHECK(short_human_duration(365 * kDay - 1) == "364d");
  CHECK(short_human_duration(365 * kDay) == "1y");
  CHECK(short_human_duration(3650 * kDay) == "10y");
}

TEST_CASE("the kubeadm view lists certificates, then CAs, as kubeadm certs check-expiration") {
  const std::string text = render_inspect_table(sample());
  const std::size_t certs = text.find("CERTIFICATE   ");
  const std::size_t cas = text.find("\nCERTIFICATE AUTHORITY   EXPIRES");
  REQUIRE(certs == 0);
  REQUIRE(cas != std::string::npos);
  CHECK(text.find("EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   SOURCE\n") !=
        std::string::npos);
  const std::size_t api = text.find("apiserver");
  REQUIRE(api < cas);
  const std::string row = text.substr(api, text.find('\n', api) - api);
  CHECK(row.find("   Dec 31, 2027 01:00 UTC   364d            kubernetes              "
                 "/etc/kubernetes/pki/apiserver.crt") != std::string::npos);
  CHECK(text.find("Dec 31, 2026 00:00 UTC   expired") != std::string::npos);
  const std::size_t ca = text.find("kubernetes ", cas);
  REQUIRE(ca != std::string::npos);
  CHECK(text.substr(ca).find("Dec 29, 2036 00:00 UTC   10y             "
                             "/etc/kubernetes/pki/ca.crt (+1 more)") != std::string::npos);
  CHECK(text.find("3 certificates (1 expired, 2 ok)") != std::string::npos);
}

TEST_CASE("JSON carries judged_at, summary, skipped, and every place of a certificate") {
  InspectReport r = sample();
  r.errors.push_back({"/etc/kubernetes/pki/bad.crt", "bad_pem", "bad.crt: bad PEM"});
  InspectedLicense lic;
  lic.status = LicenseStatus::in_grace_period;
  r.licenses.push_back(lic);
  const nlohmann::ordered_json j = inspect_json(r);
  CHECK(j["judged_at"] == "2027-01-01T00:00:00Z");
  CHECK(j["summary"]["certificates"] == nlohmann::ordered_json::parse(
                                            R"({"total": 4, "ok": 3, "warning": 0, "critical": 0,
                                                "expired": 1, "not_yet_valid": 0})"));
  CHECK(j["summary"]["licenses"]["total"] == 1);
  CHECK(j["summary"]["licenses"]["in_grace_period"] == 1);
  CHECK(j["summary"]["licenses"]["valid"] == 0);
  CHECK(j["summary"]["errors"] == 1);
  CHECK(j["summary"]["skipped"] == 2);
  CHECK(j["skipped"] == nlohmann::ordered_json::parse(
                            R"([{"source": "/etc/kubernetes/pki/sa.key", "kind": "private_key"},
                               {"source": "/etc/kubernetes/pki/sa.pub", "kind": "public_key"}])"));
  REQUIRE(j["certificates"].size() == 4);  // one entry per place, as before
  const auto& ca = j["certificates"][2];
  CHECK(ca["source"] == "/etc/kubernetes/pki/ca.crt");
  CHECK(ca["paths"] ==
        nlohmann::ordered_json::array({"/etc/kubernetes/pki/ca.crt", "/etc/ssl/certs/bundle.pem"}));
  CHECK(j["certificates"][3]["source"] == "/etc/ssl/certs/bundle.pem");
  CHECK(j["certificates"][3]["paths"] == ca["paths"]);
  CHECK(j["certificates"][0]["paths"].size() == 1);
}

TEST_CASE("an empty report's JSON and text still say what was skipped") {
  InspectReport r;
  r.now_unix = kNow;
  r.skipped = {{"/d/key.pem", "private_key"}};
  CHECK(inspect_json(r)["summary"]["skipped"] == 1);
  CHECK(
      render_inspect_text(r) ==
      "\nSkipped:\n  /d/key.pem (private_key)\n\n0 certificates, 1 skipped; 0 licenses, 0 errors; "
      "judged at 2027-01-01T00:00:00Z\n");
  // Beside a certificate the skipped files are only counted.
  r.certificates.push_back(cert("leaf", "/d/tls.crt", kNow + 400 * kDay, "EE"));
  CHECK(render_inspect_text(r).find("Skipped:") == std::string::npos);
  // A long list names the first 20 and says how many more.
  r.certificates.clear();
  for (int i = 0; i < 24; ++i) r.skipped.push_back({"/d/k" + std::to_string(i), "private_key"});
  const std::string text = render_inspect_text(r);
  CHECK(text.find("  /d/k18 (private_key)\n  ... 5 more (-o json)\n") != std::string::npos);
}

TEST_CASE("the per-source gauge is 0 for an input with an error at or under it") {
  InspectReport r;
  r.now_unix = kNow;
  r.inputs = {"/etc/kubernetes/", "/etc/ssl/certs/ca.pem", "pki/**/*.crt", "127.0.0.1:8443",
              "/etc/kubernetes/"};
  r.errors = {{"/etc/kubernetes/pki/bad.crt", "bad_pem", "bad"},
              {"pki/etcd/x.crt", "read_failed", "x"},
              {"/elsewhere.pem", "not_found", "gone"},
              {"/elsewhere.pem", "not_found", "gone again"}};
  using Up = std::vector<std::pair<std::string, double>>;
  CHECK(inspect_source_up(r) == Up{{"/etc/kubernetes/", 0},
                                   {"/etc/ssl/certs/ca.pem", 1},
                                   {"pki/**/*.crt", 0},
                                   {"127.0.0.1:8443", 1},
                                   {"/elsewhere.pem", 0}});
  std::ostringstream out;
  write_inspect_exposition(r, out);
  CHECK(out.str() == render_exposition(inspect_families(r)));
  CHECK(out.str().find("# TYPE promtls_source_up gauge\n"
                       "promtls_source_up{source=\"/etc/kubernetes/\"} 0\n"
                       "promtls_source_up{source=\"/etc/ssl/certs/ca.pem\"} 1\n") !=
        std::string::npos);
  // A sibling directory sharing a prefix is not under the input.
  r.inputs = {"/etc/kube"};
  r.errors = {{"/etc/kubernetes/x.crt", "bad_pem", "bad"}};
  CHECK(inspect_source_up(r) == Up{{"/etc/kube", 1}, {"/etc/kubernetes/x.crt", 0}});
}
