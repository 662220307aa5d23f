// The env-file parser (core/env.hpp): parse_dotenv over any bytes, and split_assignment over
// each line as a --set argument.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "promtls/core/env.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace promtls;
  const std::string_view text = fuzz::as_text(data, size);
  std::vector<core::Finding> findings;
  const auto assignments = core::parse_dotenv(text, "fuzz.env", findings);
  for (const auto& [key, value] : assignments) {
    fuzz::require(!key.empty(), "an assignment has a key");
    fuzz::require(value.value.size() <= text.size(), "a value is no longer than the file");
  }
  core::EnvSnapshot env;
  for (const auto& [key, value] : assignments) env.set(key, value.value, value.origin);
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (const auto split = core::split_assignment(text.substr(start, end - start))) {
      fuzz::require(!split->first.empty(), "a --set key is not empty");
    }
    start = end + 1;
  }
  return 0;
}
