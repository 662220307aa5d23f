#include "detail/openssl.hpp"

namespace promtls::tls::detail {

std::string drain_errors() {
  std::string out;
  while (const unsigned long code = ::ERR_get_error()) {
    const char* reason = ::ERR_reason_error_string(code);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : "unknown OpenSSL error";
  }
  return out;
}

}  // namespace promtls::tls::detail
