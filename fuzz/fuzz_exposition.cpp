// The exposition parser (core/exposition.hpp) that selftest runs over a scraped body.
#include "fuzz_support.hpp"
#include "promtls/core/exposition.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace promtls;
  const core::Exposition parsed = core::parse_exposition(fuzz::as_text(data, size));
  std::size_t previous = 0;
  for (const core::ExpositionError& error : parsed.errors) {
    fuzz::require(error.line >= previous && error.line >= 1, "errors are in line order");
    previous = error.line;
  }
  (void)parsed.sample_count();
  return 0;
}
