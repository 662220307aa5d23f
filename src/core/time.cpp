#include "promtls/core/time.hpp"

#include <cstdio>
#include <iterator>

namespace promtls::core {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

struct Civil {
  std::int64_t y;
  unsigned m;
  unsigned d;
};

// Howard Hinnant's algorithm.
Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 ||
      static_cast<unsigned>(d) > days_in_month(y, static_cast<unsigned>(mo))) {
    return std::nullopt;
  }
  const std::int64_t day = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  if (s.size() == 10) return day * 86400;
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::size_t pos = 19;
  if (s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  return day * 86400 + h * 3600 + mi * 60 + se - offset;
}

std::string format_rfc3339(std::int64_t t) {
  const std::int64_t day = floor_div(t, 86400);
  const std::int64_t secs = t - day * 86400;
  const Civil c = civil_from_days(day);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(c.y), c.m, c.d, static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

std::int64_t days_until(std::int64_t when_unix, std::int64_t now_unix) {
  return floor_div(when_unix - now_unix, 86400);
}

std::optional<std::int64_t> parse_duration(std::string_view text, std::string& error) {
  const auto usage = [&error](std::string why) {
    error = std::move(why) + "; write a duration such as 30d, 72h or 1d12h (units w, d, h, m, s)";
    return std::nullopt;
  };
  if (text.empty()) return usage("empty");
  const std::string too_long =
      "longer than the maximum, " + std::to_string(kMaxDurationSeconds / (7 * 86400)) + "w";
  if (text == "0") return 0;
  struct Unit {
    char name;
    std::int64_t seconds;
  };
  constexpr Unit kUnits[] = {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must come largest first, each once
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    std::int64_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      n = n * 10 + (text[pos] - '0');
      if (n > kMaxDurationSeconds) return usage(too_long);
      ++pos;
    }
    if (pos == start)
      return usage("expected a number at \"" + std::string(text.substr(pos)) + "\"");
    if (pos == text.size()) {
      return usage(start == 0 ? "a number without a unit is ambiguous"
                              : "the last number has no unit");
    }
    std::size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].name != text[pos]) ++u;
    if (u == std::size(kUnits)) {
      bool known = false;
      for (const Unit& unit : kUnits) known = known || unit.name == text[pos];
      return usage(known ? "units must come largest first, each at most once"
                         : "unknown unit '" + std::string(1, text[pos]) + "'");
    }
    ++pos;
    next_unit = u + 1;
    total += n * kUnits[u].seconds;
    if (total > kMaxDurationSeconds) return usage(too_long);
  }
  return total;
}

std::string relative_phrase(std::int64_t when, std::int64_t now) {
  const std::int64_t delta = when >= now ? when - now : now - when;
  std::string amount;
  const auto unit = [](std::int64_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  if (delta >= 86400) {
    amount = unit(when >= now ? days_until(when, now) : delta / 86400, "day");
  } else if (delta >= 3600) {
    amount = unit(delta / 3600, "hour");
  } else if (delta >= 60) {
    amount = unit(delta / 60, "minute");
  } else {
    amount = unit(delta, "second");
  }
  return when >= now ? "in " + amount : amount + " ago";
}

}  // namespace promtls::core
