#include "promtls/core/cert_policy.hpp"

#include <algorithm>
#include <charconv>

#include "promtls/core/round.hpp"
#include "promtls/core/time.hpp"

namespace promtls::core {
namespace {

bool met(const ExpiryThreshold& t, std::int64_t default_seconds, std::int64_t left,
         std::optional<double> used_percent) {
  if (!used_percent) {
    // A license: durations only (see threshold_band); a percentage-only threshold falls back to
    // the default duration. Plain branches rather than an optional temporary: GCC 14 at -Os
    // reports the temporary's payload as maybe-uninitialized.
    if (t.seconds) return left < *t.seconds;
    return t.used_percent.has_value() && left < default_seconds;
  }
  return (t.seconds && left < *t.seconds) || (t.used_percent && *used_percent >= *t.used_percent);
}

// Merges the settings of one threshold; nullopt (with `error`) when two set the same part to
// different values. `from_seconds` and `from_percent` receive the first setting of each part.
std::optional<ExpiryThreshold> merge(const std::vector<ThresholdSetting>& settings,
                                     std::string_view which, const ThresholdSetting*& from_seconds,
                                     const ThresholdSetting*& from_percent, std::string& error) {
  ExpiryThreshold out;
  for (const ThresholdSetting& s : settings) {
    if (s.seconds) {
      if (from_seconds != nullptr && *from_seconds->seconds != *s.seconds) {
        error = from_seconds->given + " and " + s.given + " set the " + std::string(which) +
                " threshold to different durations";
        return std::nullopt;
      }
      if (from_seconds == nullptr) from_seconds = &s;
      out.seconds = s.seconds;
    }
    if (s.used_percent) {
      if (from_percent != nullptr && *from_percent->used_percent != *s.used_percent) {
        error = from_percent->given + " and " + s.given + " set the " + std::string(which) +
                " threshold to different percentages";
        return std::nullopt;
      }
      if (from_percent == nullptr) from_percent = &s;
      out.used_percent = s.used_percent;
    }
  }
  return out;
}

}  // namespace

std::optional<ThresholdSetting> parse_threshold(std::string_view option, std::string_view value,
                                                std::string& error) {
  ThresholdSetting out;
  out.given = std::string(option) + " " + std::string(value);
  if (!value.empty() && value.back() == '%') {
    const std::string_view number = value.substr(0, value.size() - 1);
    double percent = 0;
    const bool digits_only =
        !number.empty() && std::all_of(number.begin(), number.end(),
                                       [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    const auto [end, ec] =
        digits_only ? std::from_chars(number.data(), number.data() + number.size(), percent)
                    : std::from_chars_result{number.data(), std::errc::invalid_argument};
    if (ec != std::errc() || end != number.data() + number.size() || percent > 100.0) {
      error = out.given + ": expected a percentage of the lifetime from 0% to 100%, such as 66%";
      return std::nullopt;
    }
    out.used_percent = percent;
    return out;
  }
  std::string why;
  const auto seconds = parse_duration(value, why);
  if (!seconds) {
    error = out.given + ": " + why + ", or a percentage of the lifetime such as 66%";
    return std::nullopt;
  }
  out.seconds = seconds;
  return out;
}

std::optional<ExpiryPolicy> make_expiry_policy(const std::vector<ThresholdSetting>& warn,
                                               const std::vector<ThresholdSetting>& crit,
                                               std::string& error) {
  ExpiryPolicy policy;
  const ThresholdSetting* warn_seconds = nullptr;
  const ThresholdSetting* warn_percent = nullptr;
  const ThresholdSetting* crit_seconds = nullptr;
  const ThresholdSetting* crit_percent = nullptr;
  const auto w = merge(warn, "warning", warn_seconds, warn_percent, error);
  if (!w) return std::nullopt;
  const auto c = merge(crit, "critical", crit_seconds, crit_percent, error);
  if (!c) return std::nullopt;
  if (!warn.empty()) policy.warn = *w;
  if (!crit.empty()) policy.crit = *c;
  policy.crit_needs_warn = !warn.empty() && crit.empty();
  if (warn_seconds != nullptr && crit_seconds != nullptr &&
      *crit_seconds->seconds > *warn_seconds->seconds) {
    error = crit_seconds->given + " is more than " + warn_seconds->given +
            ": the critical threshold must not be longer than the warning one";
    return std::nullopt;
  }
  if (warn_percent != nullptr && crit_percent != nullptr &&
      *crit_percent->used_percent < *warn_percent->used_percent) {
    error = crit_percent->given + " is less than " + warn_percent->given +
            ": the critical threshold must not come before the warning one";
    return std::nullopt;
  }
  return policy;
}

int threshold_band(const ExpiryPolicy& policy, std::int64_t left,
                   std::optional<double> used_percent) {
  const bool warn = met(policy.warn, kDefaultWarnSeconds, left, used_percent);
  const bool crit = met(policy.crit, kDefaultCritSeconds, left, used_percent) &&
                    (!policy.crit_needs_warn || warn);
  return crit ? 2 : warn ? 1 : 0;
}

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
  } else {
    const int band = threshold_band(policy, left, out.lifetime_used_percent);
    if (band == 2) out.status = CertStatus::critical;
    if (band == 1) out.status = CertStatus::warning;
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

std::string_view to_string(FailOn fail_on) {
  switch (fail_on) {
    case FailOn::warning:
      return "warning";
    case FailOn::critical:
      return "critical";
    case FailOn::expired:
      return "expired";
  }
  return "critical";
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
