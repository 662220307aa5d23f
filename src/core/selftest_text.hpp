// Phrases the self-test judging (selftest_judge.cpp) and rendering (selftest_render.cpp) share,
// so that a check's detail and the report's lines say things the same way. Private to
// promtls_core; pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "promtls/core/selftest.hpp"
#include "promtls/core/time.hpp"
#include "promtls/core/tls_catalog.hpp"

namespace promtls::core::detail {

inline std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", v);
  return buf;
}

inline std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

inline bool is_success(int status) { return status >= 200 && status < 300; }

inline std::string version_words(std::uint16_t v) { return std::string(version_name(v)); }

inline std::string expiry_detail(const CertInfo& cert, const SelftestOptions& options) {
  return "not after " + format_rfc3339(cert.not_after_unix) + " (" +
         relative_phrase(cert.not_after_unix, options.now_unix) + ")";
}

}  // namespace promtls::core::detail
