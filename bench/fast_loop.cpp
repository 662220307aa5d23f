// In-process comparison used while tuning: the same walk as pem_loop, through
// tls::load_sources (the fast reader), printing the count.
#include <cstdio>

#include "promtls/tls/sources.hpp"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  promtls::tls::SourceOptions options;
  options.recursive = true;
  const auto result = promtls::tls::load_sources({argv[1]}, options);
  std::printf("%zu %zu\n", result.certificates.size(), result.errors.size());
  return 0;
}
