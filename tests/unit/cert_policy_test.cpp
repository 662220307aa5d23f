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
  const ExpiryPolicy policy{{0, std::nullopt}, {0, std::nullopt}};
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
  policy.warn.used_percent = 66;
  CHECK(judge_certificate(cert(kNow - 70 * kDay, kNow + 100 * kDay), policy, kNow).status ==
        CertStatus::ok);
  CHECK(judge_certificate(cert(kNow - 700 * kDay, kNow + 300 * kDay), policy, kNow).status ==
        CertStatus::warning);
}

namespace {

ThresholdSetting setting(const char* option, const char* value) {
  std::string error;
  const auto s = parse_threshold(option, value, error);
  INFO(error);
  REQUIRE(s);
  return *s;
}

ExpiryPolicy policy_of(const std::vector<ThresholdSetting>& warn,
                       const std::vector<ThresholdSetting>& crit) {
  std::string error;
  const auto p = make_expiry_policy(warn, crit, error);
  INFO(error);
  REQUIRE(p);
  return *p;
}

std::string policy_error(const std::vector<ThresholdSetting>& warn,
                         const std::vector<ThresholdSetting>& crit) {
  std::string error;
  CHECK_FALSE(make_expiry_policy(warn, crit, error));
  return error;
}

CertStatus status_with(const ExpiryPolicy& p, std::int64_t lifetime, std::int64_t left) {
  return judge_certificate(cert(kNow + left - lifetime, kNow + left), p, kNow).status;
}

}  // namespace

TEST_CASE("threshold values are durations or percentages and errors name the option") {
  CHECK(setting("--warn", "30d").seconds == 30 * kDay);
  CHECK(setting("--warn", "30d").given == "--warn 30d");
  CHECK(setting("--crit", "72h").seconds == 72 * 3600);
  CHECK(setting("--crit", "1d12h").seconds == 36 * 3600);
  CHECK(setting("--warn", "66%").used_percent == 66.0);
  CHECK_FALSE(setting("--warn", "66%").seconds);
  CHECK(setting("--warn", "12.5%").used_percent == 12.5);
  CHECK(setting("--warn", "0%").used_percent == 0.0);
  CHECK(setting("--warn", "100%").used_percent == 100.0);
  std::string error;
  CHECK_FALSE(parse_threshold("--warn", "30", error));
  CHECK(error ==
        "--warn 30: a number without a unit is ambiguous; write a duration such as 30d, 72h or "
        "1d12h (units w, d, h, m, s), or a percentage of the lifetime such as 66%");
  for (const char* bad : {"101%", "-5%", "%", "1e2%", "6.6.6%", "five%"}) {
    INFO(bad);
    CHECK_FALSE(parse_threshold("--crit", bad, error));
    CHECK(error == "--crit " + std::string(bad) +
                       ": expected a percentage of the lifetime from 0% to 100%, such as 66%");
  }
  CHECK_FALSE(parse_threshold("--crit", "3y", error));
  CHECK(error.rfind("--crit 3y: unknown unit 'y'", 0) == 0);
}

TEST_CASE("the defaults are 30 days for warning and 7 days for critical") {
  const ExpiryPolicy p = policy_of({}, {});
  CHECK(p.warn.seconds == 30 * kDay);
  CHECK(p.crit.seconds == 7 * kDay);
  CHECK_FALSE(p.crit_needs_warn);
  CHECK(status_with(p, 90 * kDay, 30 * kDay) == CertStatus::ok);
  CHECK(status_with(p, 90 * kDay, 30 * kDay - 1) == CertStatus::warning);
  CHECK(status_with(p, 90 * kDay, 7 * kDay) == CertStatus::warning);
  CHECK(status_with(p, 90 * kDay, 7 * kDay - 1) == CertStatus::critical);
}

TEST_CASE("a warning threshold alone is not overridden by the default critical one") {
  // --warn 3d: a certificate with 5 days left is ok (the default 7 days do not make it
  // critical); under 3 days it is critical, as the default critical threshold says.
  const ExpiryPolicy p = policy_of({setting("--warn", "3d")}, {});
  CHECK(p.crit_needs_warn);
  CHECK(status_with(p, 90 * kDay, 5 * kDay) == CertStatus::ok);
  CHECK(status_with(p, 90 * kDay, 3 * kDay) == CertStatus::ok);
  CHECK(status_with(p, 90 * kDay, 3 * kDay - 1) == CertStatus::critical);
  CHECK(reaches(status_with(p, 90 * kDay, 3 * kDay - 1), FailOn::warning));
  CHECK_FALSE(reaches(status_with(p, 90 * kDay, 5 * kDay), FailOn::warning));
  // --warn 60d: above the default critical threshold, which then applies as usual.
  const ExpiryPolicy wide = policy_of({setting("--warn", "60d")}, {});
  CHECK(status_with(wide, 365 * kDay, 40 * kDay) == CertStatus::warning);
  CHECK(status_with(wide, 365 * kDay, 7 * kDay - 1) == CertStatus::critical);
  // --warn 0 turns both off, like openssl x509 -checkend 0: only expiry counts.
  const ExpiryPolicy off = policy_of({setting("--warn", "0")}, {});
  CHECK(status_with(off, 90 * kDay, 0) == CertStatus::ok);
  CHECK(judge_certificate(cert(kNow - kDay, kNow - 1), off, kNow).status == CertStatus::expired);
}

TEST_CASE("a percentage warning alone replaces the 30 days, so short-lived certificates work") {
  // step certificate needs-renewal's 66%: a 24-hour certificate is ok until 66% is used.
  const ExpiryPolicy p = policy_of({setting("--warn", "66%")}, {});
  CHECK_FALSE(p.warn.seconds);
  CHECK(status_with(p, kDay, kDay / 2) == CertStatus::ok);               // 50% used
  CHECK(status_with(p, kDay, kDay / 4) == CertStatus::critical);         // 75% used, under 7 days
  CHECK(status_with(p, 365 * kDay, 100 * kDay) == CertStatus::warning);  // 72.6% used
  CHECK(status_with(p, 365 * kDay, 200 * kDay) == CertStatus::ok);
  CHECK(status_with(p, 365 * kDay, 7 * kDay - 1) == CertStatus::critical);
}

TEST_CASE("a critical threshold alone keeps the default warning one") {
  const ExpiryPolicy p = policy_of({}, {setting("--crit", "72h")});
  CHECK_FALSE(p.crit_needs_warn);
  CHECK(status_with(p, 90 * kDay, 20 * kDay) == CertStatus::warning);
  CHECK(status_with(p, 90 * kDay, 72 * 3600) == CertStatus::warning);
  CHECK(status_with(p, 90 * kDay, 72 * 3600 - 1) == CertStatus::critical);
  // Longer than the default warning threshold: critical from 40 days, no warning band.
  const ExpiryPolicy wide = policy_of({}, {setting("--crit-days", "40d")});
  CHECK(status_with(wide, 365 * kDay, 39 * kDay) == CertStatus::critical);
  CHECK(status_with(wide, 365 * kDay, 40 * kDay) == CertStatus::ok);
  // A percentage critical threshold.
  const ExpiryPolicy pct = policy_of({}, {setting("--crit", "90%")});
  CHECK(status_with(pct, 1000 * kDay, 100 * kDay) == CertStatus::critical);
  CHECK(status_with(pct, 1000 * kDay, 101 * kDay) == CertStatus::ok);
}

TEST_CASE("aliases and new options agree or the policy is refused") {
  // --warn-days 30 --warn-percent 66: both parts, either one warns.
  const ExpiryPolicy both =
      policy_of({setting("--warn-days", "30d"), setting("--warn-percent", "66%")}, {});
  CHECK(both.warn.seconds == 30 * kDay);
  CHECK(both.warn.used_percent == 66.0);
  CHECK(status_with(both, 1000 * kDay, 300 * kDay) == CertStatus::warning);  // 70% used
  CHECK(status_with(both, 40 * kDay, 29 * kDay) == CertStatus::warning);
  CHECK(status_with(both, 1000 * kDay, 500 * kDay) == CertStatus::ok);
  // The same value twice is fine.
  CHECK(policy_of({setting("--warn", "10d"), setting("--warn-days", "10d")}, {}).warn.seconds ==
        10 * kDay);
  CHECK(policy_of({setting("--warn", "240h"), setting("--warn-days", "10d")}, {}).warn.seconds ==
        10 * kDay);
  CHECK(policy_error({setting("--warn", "5d"), setting("--warn-days", "10d")}, {}) ==
        "--warn 5d and --warn-days 10d set the warning threshold to different durations");
  CHECK(policy_error({setting("--warn", "66%"), setting("--warn-percent", "70%")}, {}) ==
        "--warn 66% and --warn-percent 70% set the warning threshold to different percentages");
  CHECK(policy_error({}, {setting("--crit", "3d"), setting("--crit", "2d")}) ==
        "--crit 3d and --crit 2d set the critical threshold to different durations");
  CHECK(policy_error({setting("--warn", "30d")}, {setting("--crit", "40d")}) ==
        "--crit 40d is more than --warn 30d: the critical threshold must not be longer than the "
        "warning one");
  CHECK(policy_error({setting("--warn", "80%")}, {setting("--crit", "70%")}) ==
        "--crit 70% is less than --warn 80%: the critical threshold must not come before the "
        "warning one");
  // Equal thresholds are allowed: no warning band.
  CHECK(policy_of({setting("--warn", "7d")}, {setting("--crit", "7d")}).crit.seconds == 7 * kDay);
}

TEST_CASE("licenses use the durations and a percentage-only threshold leaves them at the default") {
  const ExpiryPolicy pct = policy_of({setting("--warn", "66%")}, {});
  CHECK(threshold_band(pct, 20 * kDay, std::nullopt) == 1);
  CHECK(threshold_band(pct, 40 * kDay, std::nullopt) == 0);
  CHECK(threshold_band(pct, 5 * kDay, std::nullopt) == 2);
  const ExpiryPolicy short_warn = policy_of({setting("--warn", "3d")}, {});
  CHECK(threshold_band(short_warn, 5 * kDay, std::nullopt) == 0);
  CHECK(threshold_band(short_warn, 2 * kDay, std::nullopt) == 2);
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
  CHECK(to_string(FailOn::warning) == "warning");
}
