// Certificate expiry policy: the status inspect reports and serve's thresholds use, judged from
// plain CertInfo values at an explicit `now`.
//
// Pure: no I/O, no clock, no OpenSSL. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/cert_info.hpp"

namespace promtls::core {

inline constexpr std::int64_t kSecondsPerDay = 86400;

// ok < warning < critical < expired in severity; not_yet_valid counts as critical (the
// certificate cannot be used now, but it has not run out).
enum class CertStatus { ok, warning, critical, expired, not_yet_valid };

// One threshold (warning or critical): met when fewer than `seconds` are left before not_after,
// or when at least `used_percent` of the lifetime (not_before to not_after) is used; a part that
// is unset never triggers. Either part alone meets the threshold.
struct ExpiryThreshold {
  std::optional<std::int64_t> seconds;
  std::optional<double> used_percent;  // 0..100
};

inline constexpr std::int64_t kDefaultWarnSeconds = 30 * kSecondsPerDay;
inline constexpr std::int64_t kDefaultCritSeconds = 7 * kSecondsPerDay;

// The thresholds of inspect and selftest (--warn, --crit and their aliases --warn-days,
// --crit-days, --warn-percent). Build one from the options with make_expiry_policy().
struct ExpiryPolicy {
  ExpiryThreshold warn{kDefaultWarnSeconds, std::nullopt};
  ExpiryThreshold crit{kDefaultCritSeconds, std::nullopt};
  // True when the warning threshold was given and the critical one was not: the default
  // critical threshold then applies only to a certificate that also meets the warning one, so
  // `--warn 3d` leaves a certificate with 5 days left ok (not critical at the default 7 days)
  // and `--warn 66%` leaves a 24-hour certificate ok until 66% of it is used.
  bool crit_needs_warn = false;
};

// One threshold as given on the command line: `given` is how it was written, for messages
// ("--warn 30d", "--warn-days 30"); exactly one of seconds and used_percent is set.
struct ThresholdSetting {
  std::string given;
  std::optional<std::int64_t> seconds;
  std::optional<double> used_percent;
};

// Parses the value of --warn or --crit: a duration (parse_duration's rules: "30d", "72h",
// "1d12h", "0") or a percentage of the lifetime used ("66%", "12.5%", 0 to 100). Returns the
// setting, or nullopt with `error` naming the option and the value ("--warn 30: a number
// without a unit is ambiguous; ...").
std::optional<ThresholdSetting> parse_threshold(std::string_view option, std::string_view value,
                                                std::string& error);

// The policy from every setting given for the warning and the critical threshold (any mix of
// --warn/--warn-days/--warn-percent, --crit/--crit-days). A threshold that is given replaces
// its default entirely: `--warn 66%` drops the default 30-day part. Settings of the same part
// (duration or percentage) must agree: `--warn 5d --warn-days 10` is an error, `--warn-days 30
// --warn-percent 66` sets both parts. When both thresholds have a duration, the critical one
// must not be longer than the warning one. Returns nullopt with `error` (a usage error) naming
// the settings.
std::optional<ExpiryPolicy> make_expiry_policy(const std::vector<ThresholdSetting>& warn,
                                               const std::vector<ThresholdSetting>& crit,
                                               std::string& error);

// 0 (neither threshold met), 1 (the warning threshold) or 2 (the critical one) for `left`
// seconds before expiry and, for certificates, the percentage of the lifetime used (nullopt for
// licenses, which have no start: their thresholds are the durations only, and a threshold
// given only as a percentage leaves licenses at the default duration of that threshold).
int threshold_band(const ExpiryPolicy& policy, std::int64_t left,
                   std::optional<double> used_percent);

struct CertJudgement {
  CertStatus status = CertStatus::ok;
  std::int64_t days_left = 0;          // days_until(not_after, now): floor, negative once past
  double lifetime_used_percent = 0.0;  // (now - not_before) / (not_after - not_before), 0..100
};

// Judges one certificate at `now_unix`. RFC 5280 §4.1.2.5: the validity period includes both
// not_before and not_after, so a certificate is expired only when now > not_after and not yet
// valid only when now < not_before. Otherwise critical when threshold_band() is 2 (fewer than
// crit.seconds left, i.e. now + crit.seconds > not_after, or crit.used_percent used), warning
// when it is 1, else ok. Exactly crit.seconds left is not yet critical.
CertJudgement judge_certificate(const CertInfo& cert, const ExpiryPolicy& policy,
                                std::int64_t now_unix);

// "ok", "warning", "critical", "expired", "not_yet_valid".
std::string_view to_string(CertStatus status);

// The --fail-on threshold: which statuses make a run fail (exit 1).
enum class FailOn { warning, critical, expired };

// Parses "warning", "critical" or "expired"; nullopt otherwise.
std::optional<FailOn> parse_fail_on(std::string_view text);

// "warning", "critical", "expired".
std::string_view to_string(FailOn fail_on);

// Severity rank used for --fail-on and for sorting: ok 0, warning 1, critical and
// not_yet_valid 2, expired 3.
int severity_rank(CertStatus status);

// True when `status` reaches the `fail_on` threshold (warning: rank >= 1, critical: >= 2,
// expired: == 3).
bool reaches(CertStatus status, FailOn fail_on);

// True when a severity rank (0 ok, 1 warning, 2 critical, 3 expired) reaches `fail_on`; the one
// rule behind reaches() for certificates and licenses.
bool rank_reaches(int rank, FailOn fail_on);

}  // namespace promtls::core
