// The time parsers (core/time.hpp, core/license.hpp): RFC 3339, the strict Tigera layout,
// durations and grace periods. What parses and is then formatted must parse back to itself.
#include <string>

#include "fuzz_support.hpp"
#include "promtls/core/license.hpp"
#include "promtls/core/time.hpp"

namespace {

constexpr std::int64_t kYear0 = -62'167'219'200;      // 0000-01-01T00:00:00Z
constexpr std::int64_t kYear10000 = 253'402'300'800;  // 10000-01-01T00:00:00Z

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace promtls;
  const std::string_view text = fuzz::as_text(data, size);

  if (const auto t = core::parse_rfc3339(text)) {
    // An offset or second 60 can carry a time just outside years 0000-9999, which has no
    // four-digit year to be written back with.
    const bool four_digit_year = *t >= kYear0 && *t < kYear10000;
    fuzz::require(!four_digit_year || core::parse_rfc3339(core::format_rfc3339(*t)) == t,
                  "format_rfc3339 parses back");
    (void)core::relative_phrase(*t, 0);
    (void)core::days_until(*t, 1'767'225'600);
  }
  if (const auto t = core::parse_tigera_time(text)) {
    fuzz::require(core::format_tigera_time(*t) == text, "the strict layout formats back as read");
  }
  std::string error;
  if (const auto d = core::parse_duration(text, error)) {
    fuzz::require(*d >= 0 && *d <= core::kMaxDurationSeconds, "a duration is within its bound");
  } else {
    fuzz::require(!error.empty(), "a refused duration says why");
  }
  fuzz::require(core::parse_grace_period(text) >= 0, "a grace period is never negative");
  return 0;
}
