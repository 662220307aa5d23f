#include "promtls/core/cert_policy.hpp"

#include <algorithm>

#include "promtls/core/round.hpp"
#include "promtls/core/time.hpp"

namespace promtls::core {

CertJudgement judge_certificate(const CertInfo& cert, const ExpiryPolicy& policy,
                                std::int64_t now_unix) {
  CertJudgement out;
  out.days_left = days_until(cert.not_after_unix, now_unix);
  const std::int64_t lifetime = cert.not_after_unix - cert.not_before_unix;
  if (lifetime > 0) {
    const double used = static_cast<double>(now_unix - cert.not_before_unix) /
                        static_cast<double>(lifetime) * 100.0;
    out.lifetime_used_percent = round_half_away(std::clamp(used, 0.0, 100.0) * 100.0) / 100.0;
  } else {
    out.lifetime_used_percent = now_unix >= cert.not_before_unix ? 100.0 : 0.0;
  }
  const std::int64_t left = cert.not_after_unix - now_unix;
  if (now_unix > cert.not_after_unix) {
    out.status = CertStatus::expired;
  } else if (now_unix < cert.not_before_unix) {
    out.status = CertStatus::not_yet_valid;
  } else if (left < policy.crit_days * kSecondsPerDay) {
    out.status = CertStatus::critical;
  } else if (left < policy.warn_days * kSecondsPerDay ||
             (policy.warn_percent && out.lifetime_used_percent >= *policy.warn_percent)) {
    out.status = CertStatus::warning;
  }
  return out;
}

std::string_view to_string(CertStatus status) {
  switch (status) {
    case CertStatus::ok:
      return "ok";
    case CertStatus::warning:
      return "warning";
    case CertStatus::critical:
      return "critical";
    case CertStatus::expired:
      return "expired";
    case CertStatus::not_yet_valid:
      return "not_yet_valid";
  }
  return "ok";
}

std::optional<FailOn> parse_fail_on(std::string_view text) {
  if (text == "warning") return FailOn::warning;
  if (text == "critical") return FailOn::critical;
  if (text == "expired") return FailOn::expired;
  return std::nullopt;
}

int severity_rank(CertStatus status) {
  switch (status) {
    case CertStatus::ok:
      return 0;
    case CertStatus::warning:
      return 1;
    case CertStatus::critical:
    case CertStatus::not_yet_valid:
      return 2;
    case CertStatus::expired:
      return 3;
  }
  return 0;
}

bool reaches(CertStatus status, FailOn fail_on) {
  return rank_reaches(severity_rank(status), fail_on);
}

bool rank_reaches(int rank, FailOn fail_on) {
  switch (fail_on) {
    case FailOn::warning:
      return rank >= 1;
    case FailOn::critical:
      return rank >= 2;
    case FailOn::expired:
      return rank >= 3;
  }
  return false;
}

}  // namespace promtls::core
