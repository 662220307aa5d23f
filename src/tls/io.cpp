#include "detail/io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace promtls::tls::detail {

int read_to_end(int fd, std::string& bytes, std::size_t size_hint, std::uint64_t max_bytes) {
  // Reading into the string's own storage saves a copy per chunk; reusing a string keeps its
  // capacity, so a loader that reads many files does not touch fresh pages for each. Reads are
  // at least a page (some /proc files refuse short ones).
  const std::size_t limit =
      static_cast<std::size_t>(std::min<std::uint64_t>(max_bytes, SIZE_MAX / 2));
  bytes.resize(std::min(limit, std::max<std::size_t>(size_hint, 4096)));
  std::size_t used = 0;
  for (;;) {
    if (used == bytes.size()) {
      if (used == limit) {
        // At the limit: one more read tells "exactly the limit" from "more".
        char probe[4096];
        ssize_t n = 0;
        do {
          n = ::read(fd, probe, sizeof probe);
        } while (n < 0 && errno == EINTR);
        if (n == 0) break;
        const int err = n > 0 ? EFBIG : errno;
        bytes.resize(used);
        return err;
      }
      bytes.resize(std::min(limit, std::max<std::size_t>(4096, bytes.size() * 2)));
    }
    const ssize_t n = ::read(fd, bytes.data() + used, bytes.size() - used);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      bytes.resize(used);
      return err;
    }
    used += static_cast<std::size_t>(n);
  }
  bytes.resize(used);
  return 0;
}

}  // namespace promtls::tls::detail
