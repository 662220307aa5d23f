#include "promtls/core/time.hpp"

#include <catch2/catch.hpp>

using namespace promtls::core;

TEST_CASE("RFC 3339 round trip and offsets") {
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339("2027-01-01T00:00:00Z") == 1798761600);
  CHECK(parse_rfc3339("2027-01-01T01:00:00+01:00") == 1798761600);
  CHECK(parse_rfc3339("2026-12-31T19:00:00.999-05:00") == 1798761600);
  CHECK(parse_rfc3339("2027-01-01") == 1798761600);
  CHECK(format_rfc3339(1798761600) == "2027-01-01T00:00:00Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59Z");
  CHECK(parse_rfc3339("2024-02-29T12:00:00Z").has_value());
  for (const char* bad : {"2023-02-29T00:00:00Z", "2027-13-01T00:00:00Z", "2027-01-01T00:00:00",
                          "2027-01-01T24:00:00Z", "yesterday", "2027-01-01T00:00:00Zjunk"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

TEST_CASE("days_until floors and relative phrases read naturally") {
  CHECK(days_until(86400 * 3, 0) == 3);
  CHECK(days_until(86400 * 3 - 1, 0) == 2);
  CHECK(days_until(-1, 0) == -1);
  CHECK(relative_phrase(86400 * 2, 0) == "in 2 days");
  CHECK(relative_phrase(0, 3600) == "1 hour ago");
}

TEST_CASE("days left is the floor of the seconds left over 86400 at every boundary") {
  constexpr std::int64_t kDay = 86400;
  constexpr std::int64_t kNotAfter = 1798761600;
  CHECK(days_until(kNotAfter, kNotAfter - 30 * kDay) == 30);      // exactly 30 days
  CHECK(days_until(kNotAfter, kNotAfter - 30 * kDay + 1) == 29);  // 30 days minus one second
  CHECK(days_until(kNotAfter, kNotAfter - kDay) == 1);
  CHECK(days_until(kNotAfter, kNotAfter - 1) == 0);
  CHECK(days_until(kNotAfter, kNotAfter) == 0);       // not_after itself
  CHECK(days_until(kNotAfter, kNotAfter + 1) == -1);  // one second past
  CHECK(days_until(kNotAfter, kNotAfter + kDay) == -1);
  CHECK(days_until(kNotAfter, kNotAfter + kDay + 1) == -2);
  // The phrase's future day count is the same number.
  CHECK(relative_phrase(kNotAfter, kNotAfter - 30 * kDay + 1) == "in 29 days");
  CHECK(relative_phrase(kNotAfter, kNotAfter - kDay) == "in 1 day");
  CHECK(relative_phrase(kNotAfter, kNotAfter + 1) == "1 second ago");
}

TEST_CASE("durations are whole numbers with units, largest first") {
  std::string error;
  CHECK(parse_duration("30d", error) == 30 * 86400);
  CHECK(parse_duration("72h", error) == 72 * 3600);
  CHECK(parse_duration("1d12h", error) == 36 * 3600);
  CHECK(parse_duration("1w", error) == 7 * 86400);
  CHECK(parse_duration("2w3d4h5m6s", error) == ((17 * 24 + 4) * 60 + 5) * 60 + 6);
  CHECK(parse_duration("90m", error) == 5400);
  CHECK(parse_duration("45s", error) == 45);
  CHECK(parse_duration("0", error) == 0);
  CHECK(parse_duration("0s", error) == 0);
  CHECK(parse_duration("10000w", error) == kMaxDurationSeconds);
  const auto refused = [](const char* text) {
    std::string why;
    const bool ok = parse_duration(text, why).has_value();
    INFO(text);
    CHECK_FALSE(ok);
    return why;
  };
  CHECK(refused("30") ==
        "a number without a unit is ambiguous; write a duration such as 30d, 72h or 1d12h "
        "(units w, d, h, m, s)");
  CHECK(refused("1d12") ==
        "the last number has no unit; write a duration such as 30d, 72h or 1d12h (units w, d, h, "
        "m, s)");
  CHECK(refused("12h1d").find("largest first, each at most once") != std::string::npos);
  CHECK(refused("1d1d").find("largest first, each at most once") != std::string::npos);
  CHECK(refused("3y").find("unknown unit 'y'") != std::string::npos);
  CHECK(refused("").find("empty") == 0);
  CHECK(refused("d").find("expected a number at \"d\"") == 0);
  CHECK(refused("-1d").find("expected a number") == 0);
  CHECK(refused("1.5d").find("unknown unit '.'") == 0);
  CHECK(refused("1 d").find("unknown unit ' '") == 0);
  CHECK(refused("10001w").find("longer than the maximum, 10000w;") == 0);
  CHECK(refused("99999999999999999999d").find("longer than the maximum, 10000w;") == 0);
}
