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
