#include "promtls/core/round.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using promtls::core::round_half_away;

namespace {

// Bit-identical, so -0.0 differs from 0.0 and NaN equals NaN.
bool same(double a, double b) {
  unsigned char x[sizeof a];
  unsigned char y[sizeof b];
  std::memcpy(x, &a, sizeof a);
  std::memcpy(y, &b, sizeof b);
  return std::memcmp(x, y, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

}  // namespace

TEST_CASE("round_half_away equals std::round on halves, edges and special values") {
  const double inf = std::numeric_limits<double>::infinity();
  for (const double v : {0.0,
                         -0.0,
                         0.5,
                         -0.5,
                         1.5,
                         -1.5,
                         2.5,
                         -2.5,
                         0.49999999999999994,
                         -0.49999999999999994,
                         0.3,
                         -0.3,
                         0.7,
                         -0.7,
                         99.995,
                         12.3456 * 100.0,
                         4503599627370495.5,
                         -4503599627370495.5,
                         4503599627370496.0,
                         9007199254740993.0,
                         1e300,
                         -1e300,
                         5e-324,
                         -5e-324,
                         inf,
                         -inf,
                         std::numeric_limits<double>::quiet_NaN(),
                         std::numeric_limits<double>::max(),
                         std::numeric_limits<double>::lowest()}) {
    INFO(v);
    CHECK(same(round_half_away(v), std::round(v)));
  }
}

TEST_CASE("round_half_away equals std::round on a million values of every magnitude") {
  std::mt19937_64 rng(42);  // fixed seed: the same values on every run
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-20, 60);
  for (int i = 0; i < 1000000; ++i) {
    const double v = std::ldexp(mantissa(rng), exponent(rng));
    if (!same(round_half_away(v), std::round(v))) {
      FAIL("differs for " << v);
    }
  }
  SUCCEED();
}
