#include "promtls/core/license.hpp"

#include <catch2/catch.hpp>

#include "pki.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/core/kube.hpp"

using namespace promtls::core;

namespace {

constexpr std::int64_t kExpiry = 1798761600;  // 2027-01-01T00:00:00Z
constexpr std::int64_t kDay = 86400;

}  // namespace

TEST_CASE("grace periods parse exactly as the operator's ParseGracePeriod") {
  CHECK(parse_grace_period("90d") == 90);
  CHECK(parse_grace_period("0d") == 0);
  CHECK(parse_grace_period("+3d") == 3);
  CHECK(parse_grace_period("-5d") == 0);
  CHECK(parse_grace_period("90") == 0);
  CHECK(parse_grace_period("abc") == 0);
  CHECK(parse_grace_period("") == 0);
  CHECK(parse_grace_period("d") == 0);
  CHECK(parse_grace_period("+d") == 0);
  CHECK(parse_grace_period(" 9d") == 0);
  CHECK(parse_grace_period("9D") == 0);
  CHECK(parse_grace_period("1_0d") == 0);
  CHECK(parse_grace_period("99999999999999999999d") == 0);
}

TEST_CASE("the license state is the less severe one at each boundary instant") {
  const std::int64_t grace = 90;
  CHECK(tigera_license_state(kExpiry, grace, kExpiry) == TigeraLicenseState::valid);
  CHECK(tigera_license_state(kExpiry, grace, kExpiry + 1) == TigeraLicenseState::in_grace_period);
  CHECK(tigera_license_state(kExpiry, grace, kExpiry + 90 * kDay) ==
        TigeraLicenseState::in_grace_period);
  CHECK(tigera_license_state(kExpiry, grace, kExpiry + 90 * kDay + 1) ==
        TigeraLicenseState::expired);
  CHECK(tigera_license_state(kExpiry, 0, kExpiry + 1) == TigeraLicenseState::expired);
  CHECK(tigera_license_state(std::nullopt, 0, kExpiry * 4) == TigeraLicenseState::valid);
}

TEST_CASE("inspect license status adds warning and critical before expiry") {
  License l;
  l.expiry_unix = kExpiry;
  l.grace_period_days = 30;
  const ExpiryPolicy policy;
  CHECK(judge_license(l, policy, kExpiry - 40 * kDay) == LicenseStatus::valid);
  CHECK(judge_license(l, policy, kExpiry - 20 * kDay) == LicenseStatus::warning);
  CHECK(judge_license(l, policy, kExpiry - 5 * kDay) == LicenseStatus::critical);
  CHECK(judge_license(l, policy, kExpiry) == LicenseStatus::critical);
  CHECK(judge_license(l, policy, kExpiry + 1) == LicenseStatus::in_grace_period);
  CHECK(judge_license(l, policy, kExpiry + 30 * kDay + 1) == LicenseStatus::expired);
  l.expiry_unix.reset();
  CHECK(judge_license(l, policy, kExpiry) == LicenseStatus::valid);
  CHECK(reaches(LicenseStatus::in_grace_period, FailOn::critical));
  CHECK_FALSE(reaches(LicenseStatus::in_grace_period, FailOn::expired));
}

TEST_CASE("a LicenseKey object in YAML is read from its status") {
  std::string error;
  const auto l = parse_license(R"(apiVersion: projectcalico.org/v3
kind: LicenseKey
metadata:
  name: default
spec:
  token: abc
status:
  expiry: "2027-01-01T00:00:00Z"
  gracePeriod: 90d
  package: Enterprise
  maxnodes: 100
)",
                               "lk.yaml", error);
  REQUIRE(l);
  CHECK(l->kind == "LicenseKey");
  CHECK(l->expiry_unix == kExpiry);
  CHECK(l->grace_period_days == 90);
  CHECK(l->package == "Enterprise");
}

TEST_CASE("a LicenseKey in JSON without an expiry is valid") {
  std::string error;
  const auto l =
      parse_license(R"({"kind":"LicenseKey","status":{"expiry":null}})", "lk.json", error);
  REQUIRE(l);
  CHECK_FALSE(l->expiry_unix);
  CHECK(judge_license(*l, {}, kExpiry) == LicenseStatus::valid);
  CHECK(license_package_label(*l) == "Enterprise");
}

TEST_CASE("a plain JSON license takes RFC 3339 or Unix seconds and days or 90d") {
  std::string error;
  auto l = parse_license(R"({"expiry":"2027-01-01T00:00:00Z","grace_period":7,"package":"X"})",
                         "l.json", error);
  REQUIRE(l);
  CHECK(l->expiry_unix == kExpiry);
  CHECK(l->grace_period_days == 7);
  l = parse_license(R"({"expiry":1798761600,"grace_period":"14d"})", "l.json", error);
  REQUIRE(l);
  CHECK(l->expiry_unix == kExpiry);
  CHECK(l->grace_period_days == 14);
  CHECK_FALSE(parse_license(R"({"expiry":"next year"})", "l.json", error));
  CHECK(error.find("expiry") != std::string::npos);
}

TEST_CASE("JWT claims give expiry, grace period, package from features and name") {
  const std::string token =
      promtls::test::base64url(R"({"alg":"none"})") + "." +
      promtls::test::base64url(R"({"exp":1798761600,"grace_period":90,"features":["cnx",)"
                               R"("all"],"name":"ACME"})") +
      ".";
  std::string error;
  const auto l = parse_license(token + "\n", "l.jwt", error);
  REQUIRE(l);
  CHECK(l->kind == "jwt");
  CHECK(l->expiry_unix == kExpiry);
  CHECK(l->grace_period_days == 90);
  CHECK(l->package == "Enterprise");
  CHECK(l->name == "ACME");
  CHECK_FALSE(l->signature_verified);
}

TEST_CASE("malformed licenses are errors with a reason") {
  std::string error;
  CHECK_FALSE(parse_license("", "x", error));
  CHECK(error == "empty file");
  CHECK_FALSE(parse_license("a.b!.c", "x", error));
  CHECK_FALSE(parse_license("kind: ConfigMap\n", "x", error));
  CHECK(error.find("no LicenseKey") != std::string::npos);
  CHECK_FALSE(parse_license(
      promtls::test::base64url("{") + "." + promtls::test::base64url("{}") + ".", "x", error));
  CHECK(error == "JWT header is not JSON");
}

TEST_CASE("license families use the promtls names and 0 only for expired") {
  License a;
  a.package = "Enterprise";
  a.expiry_unix = kExpiry;
  License b;
  b.package = "CloudPro";
  b.expiry_unix = kExpiry - 100 * kDay;
  const auto families = license_families({a, b}, kExpiry - kDay);
  REQUIRE(families.size() == 2);
  CHECK(render_exposition(families) ==
        "# HELP promtls_license_expiry_timestamp_seconds Unix timestamp of license expiry.\n"
        "# TYPE promtls_license_expiry_timestamp_seconds gauge\n"
        "promtls_license_expiry_timestamp_seconds{package=\"CloudPro\"} 1790121600\n"
        "promtls_license_expiry_timestamp_seconds{package=\"Enterprise\"} 1798761600\n"
        "# HELP promtls_license_valid Whether the license is valid (including grace period). "
        "1 = valid, 0 = invalid.\n"
        "# TYPE promtls_license_valid gauge\n"
        "promtls_license_valid{package=\"CloudPro\"} 0\n"
        "promtls_license_valid{package=\"Enterprise\"} 1\n");
}

TEST_CASE("Tigera license families match the operator's output byte for byte") {
  License l;  // no package: labelled Enterprise; no expiry: only the valid gauge
  CHECK(render_exposition(tigera_license_families({l}, kExpiry), ValueFormat::go) ==
        "# HELP tigera_operator_license_valid Whether the Tigera license is valid (including "
        "grace period). 1 = valid, 0 = invalid.\n"
        "# TYPE tigera_operator_license_valid gauge\n"
        "tigera_operator_license_valid{package=\"Enterprise\"} 1\n");
  l.expiry_unix = 1781524800;
  const std::string text =
      render_exposition(tigera_license_families({l}, kExpiry), ValueFormat::go);
  CHECK(text.find("tigera_operator_license_expiry_timestamp_seconds{package=\"Enterprise\"} "
                  "1.7815248e+09\n") != std::string::npos);
  CHECK(text.find("tigera_operator_license_valid{package=\"Enterprise\"} 0\n") !=
        std::string::npos);
}

TEST_CASE("the Tigera certificate family skips unlabelled and unparsable secrets") {
  std::vector<TigeraSecretMetadata> secrets{
      {"b", "ns", true, "tigera-operator-signer", "2027-01-01T00:00:00Z"},
      {"a", "ns", true, std::nullopt, "2027-01-01T00:00:00Z"},
      {"c", "ns", false, "x", "2027-01-01T00:00:00Z"},
      {"d", "ns", true, "x", std::nullopt},
      {"e", "ns", true, "x", "2027-01-01T00:00:00.5Z"},
      {"f", "ns", true, "x", "2027-01-01T00:00:00+00:00"},
  };
  CHECK(render_exposition({tigera_certificate_family(secrets)}, ValueFormat::go) ==
        "# HELP tigera_operator_tls_certificate_expiry_timestamp_seconds Unix timestamp of "
        "certificate expiry for operator-managed TLS secrets.\n"
        "# TYPE tigera_operator_tls_certificate_expiry_timestamp_seconds gauge\n"
        "tigera_operator_tls_certificate_expiry_timestamp_seconds{issuer=\"\",name=\"a\","
        "namespace=\"ns\"} 1.7987616e+09\n"
        "tigera_operator_tls_certificate_expiry_timestamp_seconds{issuer=\"tigera-operator-"
        "signer\",name=\"b\",namespace=\"ns\"} 1.7987616e+09\n");
}

TEST_CASE("the strict Tigera layout refuses what Go's time.Parse refuses, second 60 included") {
  CHECK(parse_tigera_time("2024-02-29T23:59:59Z") == 1709251199);
  CHECK(format_tigera_time(*parse_tigera_time("2024-02-29T23:59:59Z")) == "2024-02-29T23:59:59Z");
  // Go: "second out of range" (RFC 3339 allows a leap second; time.Parse does not).
  CHECK_FALSE(parse_tigera_time("2024-02-29T23:59:60Z"));
  CHECK_FALSE(parse_tigera_time("2016-12-31T23:59:60Z"));
  for (const char* refused :
       {"2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:61Z",
        "2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00+00:00"}) {
    INFO(refused);
    CHECK_FALSE(parse_tigera_time(refused));
  }
  // A Secret annotated with a leap second is skipped, as the operator skips what it cannot parse.
  const std::vector<TigeraSecretMetadata> leap{{"s", "ns", true, "x", "2024-02-29T23:59:60Z"}};
  CHECK(render_exposition({tigera_certificate_family(leap)}, ValueFormat::go).find("name=\"s\"") ==
        std::string::npos);
}

TEST_CASE("documents parse as JSON, multi-document YAML and Lists") {
  auto docs = parse_documents("a: 1\n---\nb: \"2\"\n---\n");
  REQUIRE(first_error(docs) == nullptr);
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].root["a"].type() == ScalarType::integer);
  CHECK(docs[0].root["a"].text() == "1");
  CHECK(docs[1].root["b"].string() == "2");
  docs = parse_documents(R"({"kind":"SecretList","items":[{"kind":"Secret"},{"kind":"Secret"}]})");
  REQUIRE(first_error(docs) == nullptr);
  CHECK(kube::objects(docs).size() == 2);
  docs = parse_documents("a: [1,\n");
  REQUIRE(first_error(docs) != nullptr);
  CHECK(describe(*first_error(docs)).find("line") != std::string::npos);
  CHECK(base64_decode("aGVs\nbG8=") == "hello");
  CHECK_FALSE(base64_decode("a*b"));
  CHECK(base64url_decode("-_8") == std::string("\xfb\xff", 2));
}

TEST_CASE("license times outside RFC 3339's years are input errors naming the field") {
  struct Case {
    std::string text;
    std::string message_start;
  };
  const std::string jwt_head = promtls::test::base64url(R"({"alg":"none"})") + ".";
  const auto jwt = [&](const std::string& claims) {
    return jwt_head + promtls::test::base64url(claims) + ".";
  };
  const Case cases[] = {
      {R"({"expiry": 9223372036854775807, "grace_period": 1})",
       "expiry 9223372036854775807 is out of range (a time from 0000-01-01T00:00:00Z to "
       "9999-12-31T23:59:59Z, Unix seconds -62167219200 to 253402300799)"},
      // A document number past int64 is read as a double.
      {R"({"expiry": 18446744073709551615})", "expiry 1.8446744073709552e+19 is out of range"},
      {R"({"expiry": 1e400})", "expiry beyond the range of a double is out of range"},
      {R"({"expiry": -9223372036854775808})", "expiry -9223372036854775808 is out of range"},
      {R"({"expiry": 1e300})", "expiry 1e+300 is out of range"},
      {R"({"expiry": -1e300})", "expiry -1e+300 is out of range"},
      {R"({"expiry": 253402300800})", "expiry 253402300800 is out of range"},
      {R"({"expiry": "0000-01-01T00:00:00+01:00"})",
       "expiry \"0000-01-01T00:00:00+01:00\" is out of range"},
      {R"({"kind":"LicenseKey","status":{"expiry":1e19}})", "status.expiry 1e+19 is out of range"},
      {jwt(R"({"exp":1e300})"), "JWT claim exp 1e+300 is out of range"},
      {jwt(R"({"exp":1798761600,"nbf":-1e20})"), "JWT claim nbf -1e+20 is out of range"},
      {jwt(R"({"exp":18446744073709551615})"), "JWT claim exp 18446744073709551615 is out"},
      {jwt(R"({"exp":1798761600,"iat":9223372036854775807})"),
       "JWT claim iat 9223372036854775807 is out of range"},
      {jwt(R"({"exp":1798761600,"iat":"yesterday"})"), "JWT claim iat is not a number"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    std::string error;
    CHECK_FALSE(parse_license(c.text, "l.json", error));
    CHECK(error.rfind(c.message_start, 0) == 0);
  }
}

TEST_CASE("the ends of the license time range and fractional seconds still parse") {
  std::string error;
  auto l = parse_license(R"({"expiry": 253402300799})", "l.json", error);
  REQUIRE(l);
  CHECK(l->expiry_unix == kLicenseTimeMaxUnix);
  l = parse_license(R"({"expiry": -62167219200.0})", "l.json", error);
  REQUIRE(l);
  CHECK(l->expiry_unix == kLicenseTimeMinUnix);
  l = parse_license(R"({"expiry": "9999-12-31T23:59:59Z"})", "l.json", error);
  REQUIRE(l);
  CHECK(l->expiry_unix == kLicenseTimeMaxUnix);
  l = parse_license(R"({"expiry": 1798761600.9})", "l.json", error);
  REQUIRE(l);
  CHECK(l->expiry_unix == kExpiry);
  l = parse_license(R"({"expiry": -1})", "l.json", error);
  REQUIRE(l);
  CHECK(l->expiry_unix == -1);
}

TEST_CASE("a grace period longer than the operator's duration holds is an input error") {
  const std::string jwt_head = promtls::test::base64url(R"({"alg":"none"})") + ".";
  std::string error;
  auto l = parse_license(R"({"expiry": 253402300799, "grace_period": 106751})", "l.json", error);
  REQUIRE(l);
  CHECK(l->grace_period_days == kMaxGracePeriodDays);
  // The latest expiry plus the longest grace is still after the latest `now`.
  CHECK(judge_license(*l, {}, kLicenseTimeMaxUnix) == LicenseStatus::critical);
  CHECK(judge_license(*l, {}, kLicenseTimeMinUnix) == LicenseStatus::valid);
  const std::pair<std::string, std::string> cases[] = {
      {R"({"expiry": 1798761600, "grace_period": 106752})",
       "grace_period 106752 is out of range (at most 106751 days"},
      {R"({"expiry": 1798761600, "grace_period": 18446744073709551615})",
       "grace_period 1.8446744073709552e+19 is out of range"},
      {R"({"expiry": 1798761600, "grace_period": 1.5})",
       "grace_period 1.5 is not a whole number of days"},
      {R"({"expiry": 1798761600, "grace_period": "9999999d"})",
       "grace_period \"9999999d\" is out of range"},
      {R"({"expiry": 1798761600, "grace_period": 1e300})", "grace_period 1e+300 is out of range"},
      {R"({"expiry": 1798761600, "grace_period": true})",
       "grace_period true is not a whole number of days nor a text such as \"90d\""},
      {R"({"kind":"LicenseKey","status":{"expiry":"2027-01-01T00:00:00Z",)"
       R"("gracePeriod":"200000d"}})",
       "status.gracePeriod \"200000d\" is out of range"},
      {jwt_head + promtls::test::base64url(R"({"exp":1798761600,"grace_period":9e18})") + ".",
       "JWT claim grace_period 9e+18 is out of range"},
      {jwt_head + promtls::test::base64url(R"({"exp":1798761600,"grace_period":1e400})") + ".",
       "JWT claims are not JSON"},
      {jwt_head +
           promtls::test::base64url(R"({"exp":1798761600,"grace_period":18446744073709551615})") +
           ".",
       "JWT claim grace_period 18446744073709551615 is out of range"},
      {jwt_head + promtls::test::base64url(R"({"exp":1798761600,"grace_period":200000})") + ".",
       "JWT claim grace_period 200000 is out of range"},
  };
  for (const auto& [text, message_start] : cases) {
    INFO(text);
    CHECK_FALSE(parse_license(text, "l.json", error));
    CHECK(error.rfind(message_start, 0) == 0);
  }
  // What Go's Atoi itself refuses stays ParseGracePeriod's 0, and a negative grace is 0.
  l = parse_license(R"({"expiry": 1798761600, "grace_period": "99999999999999999999d"})", "l",
                    error);
  REQUIRE(l);
  CHECK(l->grace_period_days == 0);
  l = parse_license(R"({"expiry": 1798761600, "grace_period": -9223372036854775808})", "l", error);
  REQUIRE(l);
  CHECK(l->grace_period_days == 0);
  l = parse_license(R"({"expiry": 1798761600, "grace_period": 90.0})", "l", error);
  REQUIRE(l);
  CHECK(l->grace_period_days == 90);
}

TEST_CASE("the license state never overflows at the ends of int64") {
  constexpr std::int64_t kMax = INT64_MAX;
  constexpr std::int64_t kMin = INT64_MIN;
  CHECK(tigera_license_state(kMax, 1, 0) == TigeraLicenseState::valid);
  CHECK(tigera_license_state(kMax, 1, kMax) == TigeraLicenseState::valid);
  CHECK(tigera_license_state(kMin, -1, 0) == TigeraLicenseState::expired);
  License l;
  l.expiry_unix = kMax;
  CHECK(judge_license(l, {}, kMin) == LicenseStatus::valid);
  l.expiry_unix = kMin;
  CHECK(judge_license(l, {}, kMax) == LicenseStatus::expired);
}
