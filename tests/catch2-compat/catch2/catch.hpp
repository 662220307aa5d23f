// Catch2 v2's <catch2/catch.hpp> for builds against Catch2 v3 (Debian 13). tests/CMakeLists.txt
// puts this directory first on the include path only when it finds Catch2 3, so the tests keep
// one spelling for both versions: all of v3, plus the v2 names the tests use that v3 renamed.
#pragma once

#include <catch2/catch_all.hpp>
#include <string>

// v2 declared Approx in the global namespace too.
using Catch::Approx;

namespace Catch {

// v2's string matchers lived in namespace Catch; v3 keeps them in Catch::Matchers, where the
// substring matcher is ContainsSubstring (Contains matches ranges).
inline Matchers::StringContainsMatcher Contains(const std::string& text,
                                                CaseSensitive sensitivity = CaseSensitive::Yes) {
  return Matchers::ContainsSubstring(text, sensitivity);
}
using Matchers::EndsWith;
using Matchers::Equals;
using Matchers::Matches;
using Matchers::StartsWith;

}  // namespace Catch
