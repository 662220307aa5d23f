// Whole-file reads shared by the certificate loaders. Internal to the tls layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace promtls::tls::detail {

// Reads `fd` to its end into `bytes` (replacing its content), starting with room for
// `size_hint` bytes and doubling as needed; retries on EINTR. Returns 0, EFBIG when there are
// more than `max_bytes` (the first max_bytes stay in `bytes`), or the errno of the failing
// read (what was read before stays in `bytes`). Does not close `fd`.
int read_to_end(int fd, std::string& bytes, std::size_t size_hint = 8192,
                std::uint64_t max_bytes = UINT64_MAX);

}  // namespace promtls::tls::detail
