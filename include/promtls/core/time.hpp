// Time as plain numbers: RFC 3339 parsing and formatting without the C library's time zone
// state. Every time-dependent function in promtls takes `now` as a parameter (DESIGN.md).
// Performs no I/O; pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace promtls::core {

// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" (also 't'/'z' and a space for 'T'), and a bare
// "YYYY-MM-DD" as midnight UTC. Fractions are truncated. Returns Unix seconds, or nullopt.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

// "2026-01-02T03:04:05Z".
std::string format_rfc3339(std::int64_t unix_seconds);

// Days from the civil date to 1970-01-01 (proleptic Gregorian); the inverse of civil_from_days.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// The one "days left" rule of promtls (inspect's DAYS and days_left, selftest's days_left,
// validate's and selftest's "in N days"): floor((when - now) / 86400), rounded toward negative
// infinity. Exactly N days before `when` is N; one second less is N - 1; `when` itself is 0; one
// second after it is -1.
std::int64_t days_until(std::int64_t when_unix, std::int64_t now_unix);

// The longest duration parse_duration accepts: 10,000 weeks (about 190 years).
inline constexpr std::int64_t kMaxDurationSeconds = 10000LL * 7 * 86400;

// Parses a duration as a sequence of <whole number><unit> parts, units w (7 days), d (86400 s),
// h, m and s, largest unit first and each unit at most once: "30d", "72h", "1d12h", "90m",
// "1w". "0" alone is zero; any other number without a unit is refused as ambiguous (days for
// --warn-days, seconds for `openssl x509 -checkend`). No sign, no fractions, no spaces. Returns
// seconds, or nullopt with `error` saying why (without naming an option).
std::optional<std::int64_t> parse_duration(std::string_view text, std::string& error);

// "in 3 days", "in 1 day", "in 5 hours", "3 days ago": a short human phrase. A future day count
// is days_until(when, now); a past one is the whole days elapsed since `when`.
std::string relative_phrase(std::int64_t when_unix, std::int64_t now_unix);

}  // namespace promtls::core
