// inspect given hostile data (issue 18): license times and grace periods at and past the ends of
// their range, and certificates whose strings are not UTF-8. Each is an input error naming the
// file and the field, or is reported with its strings made valid; the other inputs are kept.
#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "pki.hpp"
#include "run.hpp"
#include "trees.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow

}  // namespace

TEST_CASE("an out-of-range license time exits 3 naming the file and the field") {
  TempDir dir;
  const std::string good =
      dir.write("good.json", R"({"expiry": "2028-01-01T00:00:00Z", "package": "Good"})");
  const std::string huge =
      dir.write("huge.json", R"({"expiry": 9223372036854775807, "grace_period": 1})");
  const std::string far = dir.write("far.json", R"({"expiry": 1e300})");
  const std::string grace =
      dir.write("grace.json", R"({"expiry": 1798761600, "grace_period": 1000000})");
  const std::string jwt = dir.write(
      "exp.jwt", base64url(R"({"alg":"none"})") + "." + base64url(R"({"exp":1e300})") + ".");
  auto r = run_promtls({"inspect", "--license", good, "--license", huge, "--license", far,
                        "--license", grace, "--license", jwt, kAt, "-o", "json"});
  CHECK(r.exit_code == 3);
  const json report = json::parse(r.out);
  REQUIRE(report["licenses"].size() == 1);
  CHECK(report["licenses"][0]["package"] == "Good");
  CHECK(report["licenses"][0]["status"] == "valid");
  REQUIRE(report["errors"].size() == 4);
  const std::pair<std::string, std::string> expected[] = {
      {huge, huge + ": expiry 9223372036854775807 is out of range"},
      {far, far + ": expiry 1e+300 is out of range"},
      {grace, grace + ": grace_period 1000000 is out of range"},
      {jwt, jwt + ": JWT claim exp 1e+300 is out of range"},
  };
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(report["errors"][i].dump());
    CHECK(report["errors"][i]["source"] == expected[i].first);
    CHECK(report["errors"][i]["reason"] == "decode_failed");
    CHECK(report["errors"][i]["message"].get<std::string>().rfind(expected[i].second, 0) == 0);
  }
  r = run_promtls({"inspect", "--license", huge, kAt});
  CHECK(r.exit_code == 3);
  CHECK(r.out.find(huge + ": expiry 9223372036854775807 is out of range (a time from "
                          "0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z") != std::string::npos);
  CHECK(r.out.find("expired") == std::string::npos);
}

namespace {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// past U+10FFFF).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      cp = b & 0x1fu;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      cp = b & 0x0fu;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      cp = b & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3fu);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A UTF8String CN whose bytes are not UTF-8. OpenSSL refuses to encode such a Name (and
// d2i_X509 refuses the certificate), so it is issued with a placeholder CN of the same length
// whose bytes are then replaced in the DER: the signature no longer verifies, which inspect
// does not check.
std::string invalid_utf8_cn_pem(const Authority& ca, const Key& key) {
  CertSpec spec;
  spec.cn = "badQQQQend";
  std::string der = ca.leaf(spec, key).der();
  const auto at = der.find("QQQQ");
  REQUIRE(at != std::string::npos);
  der.replace(at, 4, "\xff\xfe\xc3(");
  std::string b64 = base64(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

// A bundle of a good certificate and three whose strings are not UTF-8 as written: a T61String
// CN in Latin-1 ("café"), a UTF8String CN with bytes that are not UTF-8, and a DNS SAN (an
// IA5String, 7-bit by definition) with a byte past 0x7f.
std::string hostile_bundle(const TempDir& dir) {
  const Authority ca = Authority::make("bundle-ca");
  const Key key(KeyKind::ec_p256);
  CertSpec good;
  good.cn = "good";
  CertSpec t61;
  t61.cn = "caf\xe9";
  t61.cn_string_type = "T61String";
  CertSpec utf8;
  utf8.cn = "bad\xff\xfe\xc3(end";
  utf8.cn_string_type = "UTF8String";
  CHECK_THROWS_WITH(ca.leaf(utf8, key),
                    "OpenSSL cannot encode the subject CN as a UTF8String (a UTF8String must be "
                    "UTF-8)");
  CertSpec san;
  san.cn = "san";
  san.dns = {"h\xe9.example", "ok.example"};
  return dir.write("bundle.pem", ca.leaf(good, key).pem() + ca.leaf(t61, key).pem() +
                                     invalid_utf8_cn_pem(ca, key) + ca.leaf(san, key).pem());
}

// Each byte that is not part of a UTF-8 sequence is one U+FFFD: ff, fe, and c3 (which a '('
// cannot continue).
constexpr const char* kRepairedCn = "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd(end";

}  // namespace

TEST_CASE("certificate strings that are not UTF-8 are reported as valid UTF-8, none lost") {
  TempDir dir;
  const std::string bundle = hostile_bundle(dir);
  auto r = run_promtls({"inspect", bundle, kAt, "-o", "json"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  REQUIRE(valid_utf8(r.out));
  const json report = json::parse(r.out);
  REQUIRE(report["certificates"].size() == 4);
  CHECK(report["errors"].empty());
  std::set<std::string> subjects;
  std::set<std::string> dns;
  for (const json& c : report["certificates"]) {
    subjects.insert(c["subject"].get<std::string>());
    for (const json& name : c["sans"]) dns.insert(name.get<std::string>());
  }
  CHECK(subjects.count("CN=good") == 1);
  CHECK(subjects.count("CN=caf\xc3\xa9") == 1);  // Latin-1 é as UTF-8
  // The JSON reader rebuilds the Name OpenSSL refuses instead of losing the certificate.
  CHECK(subjects.count(std::string("CN=") + kRepairedCn) == 1);
  CHECK(subjects.count("CN=san") == 1);
  CHECK(dns.count("DNS:h\xef\xbf\xbd.example") == 1);
  CHECK(dns.count("DNS:ok.example") == 1);

  r = run_promtls({"inspect", bundle, kAt});
  CHECK(r.exit_code == 0);
  CHECK(valid_utf8(r.out));
  CHECK(r.out.find("caf\xc3\xa9") != std::string::npos);
  CHECK(r.out.find(kRepairedCn) != std::string::npos);
  CHECK(r.out.find("good") != std::string::npos);

  r = run_promtls({"inspect", bundle, kAt, "-o", "prometheus"});
  CHECK(r.exit_code == 0);
  CHECK(valid_utf8(r.out));
  CHECK(r.out.find("subject_CN=\"caf\xc3\xa9\"") != std::string::npos);
  CHECK(r.out.find("subject_CN=\"good\"") != std::string::npos);
  CHECK(r.out.find(std::string("subject_CN=\"") + kRepairedCn + "\"") != std::string::npos);
  const auto check = run({"/bin/sh", "-c",
                          shell_quote(promtls_binary()) + " inspect " + shell_quote(bundle) + " " +
                              kAt + " -o prometheus | promtool check metrics"},
                         {"PATH=/usr/bin:/bin"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
}
