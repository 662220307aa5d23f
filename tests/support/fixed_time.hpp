// The fixed instants every test judges at: tests never depend on the day they run (STYLE.md).
// Header-only constants.
#pragma once

#include <cstdint>

namespace promtls::test {

inline constexpr std::int64_t kNow = 1798761600;  // 2027-01-01T00:00:00Z
inline constexpr std::int64_t kDay = 86400;

}  // namespace promtls::test
