#include "promtls/core/cert_policy.hpp"

#include <catch2/catch.hpp>

#include "fixed_time.hpp"

using namespace promtls::core;

namespace {

using promtls::test::kDay;
using promtls::test::kNow;

CertInfo cert(std::int64_t not_before, std::int64_t not_after) {
  CertInfo c;
  c.not_before_unix = not_before;
  c.not_after_unix = not_after;
  return c;
}

}  // namespace

TEST_CASE("certificate status follows the warn and crit day thresholds") {
  const ExpiryPolicy policy;
  CHECK(judge_certificate(cert(kNow - 100 * kDay, kNow + 365 * kDay), policy, kNow).status ==
        CertStatus::ok);
  CHECK(judge_certificate(cert(kNow - 100 * kDay, kNow + 20 * kDay), policy, kNow).status ==
        CertStatus::warning);
  CHECK(judge_certificate(cert(kNow - 100 * kDay, kNow + 5 * kDay), policy, kNow).status ==
        CertStatus::critical);
  CHECK(judge_certificate(cert(kNow - 100 * kDay, kNow - 1), policy, kNow).status ==
        CertStatus::expired);
  CHECK(judge_certificate(cert(kNow + 1, kNow + 100 * kDay), policy, kNow).status ==
        CertStatus::not_yet_valid);
}

TEST_CASE("the validity window includes not_before and not_after themselves") {
  const ExpiryPolicy policy{0, 0, std::nullopt};
  CHECK(judge_certificate(cert(kNow, kNow + kDay), policy, kNow).status == CertStatus::ok);
  CHECK(judge_certificate(cert(kNow - kDay, kNow), policy, kNow).status == CertStatus::ok);
  CHECK(judge_certificate(cert(kNow - kDay, kNow), policy, kNow + 1).status == CertStatus::expired);
}

TEST_CASE("exactly crit days left is not yet critical, one second less is") {
  const ExpiryPolicy policy;
  CHECK(judge_certificate(cert(kNow - kDay, kNow + 7 * kDay), policy, kNow).status ==
        CertStatus::warning);
  CHECK(judge_certificate(cert(kNow - kDay, kNow + 7 * kDay - 1), policy, kNow).status ==
        CertStatus::critical);
  CHECK(judge_certificate(cert(kNow - kDay, kNow + 30 * kDay), policy, kNow).status ==
        CertStatus::ok);
  CHECK(judge_certificate(cert(kNow - kDay, kNow + 30 * kDay - 1), policy, kNow).status ==
        CertStatus::warning);
}

TEST_CASE("days left and the used lifetime are computed from now") {
  const auto j = judge_certificate(cert(kNow - 75 * kDay, kNow + 25 * kDay), {}, kNow);
  CHECK(j.days_left == 25);
  CHECK(j.lifetime_used_percent == Approx(75.0));
  CHECK(judge_certificate(cert(kNow - 75 * kDay, kNow - kDay / 2), {}, kNow).days_left == -1);
  CHECK(judge_certificate(cert(kNow + kDay, kNow + 2 * kDay), {}, kNow).lifetime_used_percent ==
        0.0);
}

TEST_CASE("warn percent marks a certificate whose lifetime is mostly used") {
  ExpiryPolicy policy;
  policy.warn_percent = 66;
  CHECK(judge_certificate(cert(kNow - 70 * kDay, kNow + 100 * kDay), policy, kNow).status ==
        CertStatus::ok);
  CHECK(judge_certificate(cert(kNow - 700 * kDay, kNow + 300 * kDay), policy, kNow).status ==
        CertStatus::warning);
}

TEST_CASE("fail-on thresholds rank statuses") {
  CHECK(parse_fail_on("critical") == FailOn::critical);
  CHECK_FALSE(parse_fail_on("fatal"));
  CHECK(reaches(CertStatus::warning, FailOn::warning));
  CHECK_FALSE(reaches(CertStatus::warning, FailOn::critical));
  CHECK(reaches(CertStatus::not_yet_valid, FailOn::critical));
  CHECK_FALSE(reaches(CertStatus::critical, FailOn::expired));
  CHECK(reaches(CertStatus::expired, FailOn::expired));
  CHECK(to_string(CertStatus::not_yet_valid) == "not_yet_valid");
}
