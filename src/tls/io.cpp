#include "detail/io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace promtls::tls::detail {

int read_to_end(int fd, std::string& bytes, std::size_t size_hint) {
  // Reading into the string's own storage saves a copy per chunk; reusing a string keeps its
  // capacity, so a loader that reads many files does not touch fresh pages for each.
  bytes.resize(std::max<std::size_t>(size_hint, 1));
  std::size_t used = 0;
  for (;;) {
    if (used == bytes.size()) bytes.resize(std::max<std::size_t>(4096, bytes.size() * 2));
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
