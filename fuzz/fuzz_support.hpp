// What every harness shares: the libFuzzer entry point's declaration and the one way a harness
// reports a broken invariant (an abort libFuzzer records as a crash, with the input saved).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace promtls::fuzz {

// The input as text. The bytes are not copied: libFuzzer keeps them alive for the call.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Aborts, naming the invariant, when `ok` is false.
inline void require(bool ok, const char* invariant) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s\n", invariant);
  std::abort();
}

}  // namespace promtls::fuzz
