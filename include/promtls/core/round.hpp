// Rounding to the nearest integer, halves away from zero, without the C math library.
// promtls needs no other libm function, and loading libm.so.6 costs every promtls process about
// 300 KiB of resident memory before main() (its IFUNC resolvers are spread over its code; issue
// 5, bench/rss.sh), so the binary does not link it (--as-needed drops it). Use this instead of
// std::round in promtls' own code; tests/cli/docs_install_test.cpp fails if libm comes back.
// Performs no I/O; pure and thread-safe.
#pragma once

#include <cmath>
#include <cstdint>

namespace promtls::core {

// Exactly std::round(v) for every double: halves away from zero, the sign of zero kept, NaN,
// infinities and values of magnitude 2^52 or more (already integral) returned unchanged.
// (std::fabs and std::copysign are compiled inline; they call nothing.)
inline double round_half_away(double v) {
  if (!(std::fabs(v) < 0x1p52)) return v;
  const double whole = static_cast<double>(static_cast<std::int64_t>(v));  // toward zero, exact
  const double fraction = v - whole;                                       // exact
  double out = whole;
  if (fraction >= 0.5) out += 1.0;
  if (fraction <= -0.5) out -= 1.0;
  return std::copysign(out, v);
}

}  // namespace promtls::core
