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

// Whole days (rounded toward negative infinity) between now and `when`.
std::int64_t days_until(std::int64_t when_unix, std::int64_t now_unix);

// "in 3 days", "in 1 day", "in 5 hours", "3 days ago": a short human phrase.
std::string relative_phrase(std::int64_t when_unix, std::int64_t now_unix);

}  // namespace promtls::core
