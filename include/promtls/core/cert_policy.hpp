// Certificate expiry policy: the status inspect reports and serve's thresholds use, judged from
// plain CertInfo values at an explicit `now`.
//
// Pure: no I/O, no clock, no OpenSSL. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "promtls/core/cert_info.hpp"

namespace promtls::core {

inline constexpr std::int64_t kSecondsPerDay = 86400;

// ok < warning < critical < expired in severity; not_yet_valid counts as critical (the
// certificate cannot be used now, but it has not run out).
enum class CertStatus { ok, warning, critical, expired, not_yet_valid };

// The thresholds of `inspect` (--warn-days, --crit-days, --warn-percent).
struct ExpiryPolicy {
  std::int64_t warn_days = 30;  // warning when fewer than this many whole days are left
  std::int64_t crit_days = 7;   // critical when fewer than this many whole days are left
  // warning when at least this percentage of the lifetime is used (step uses 66); unset: off.
  std::optional<double> warn_percent;
};

struct CertJudgement {
  CertStatus status = CertStatus::ok;
  std::int64_t days_left = 0;          // whole days until not_after, rounded down (negative past)
  double lifetime_used_percent = 0.0;  // (now - not_before) / (not_after - not_before), 0..100
};

// Judges one certificate at `now_unix`. RFC 5280 §4.1.2.5: the validity period includes both
// not_before and not_after, so a certificate is expired only when now > not_after and not yet
// valid only when now < not_before. Otherwise critical when fewer than crit_days whole days are
// left (now + crit_days*86400 > not_after), warning likewise for warn_days or when the used
// lifetime reaches warn_percent, else ok.
CertJudgement judge_certificate(const CertInfo& cert, const ExpiryPolicy& policy,
                                std::int64_t now_unix);

// "ok", "warning", "critical", "expired", "not_yet_valid".
std::string_view to_string(CertStatus status);

// The --fail-on threshold: which statuses make a run fail (exit 1).
enum class FailOn { warning, critical, expired };

// Parses "warning", "critical" or "expired"; nullopt otherwise.
std::optional<FailOn> parse_fail_on(std::string_view text);

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
