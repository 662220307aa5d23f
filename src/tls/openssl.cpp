#include "detail/openssl.hpp"

#include <openssl/pem.h>

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

std::vector<PemBlock> pem_blocks(std::string_view bytes) {
  std::vector<PemBlock> blocks;
  BioPtr bio = memory_bio(bytes.data(), bytes.size());
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (::PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) break;
    blocks.push_back(
        {name, header, std::string(reinterpret_cast<char*>(data), static_cast<std::size_t>(len))});
    ::OPENSSL_free(name);
    ::OPENSSL_free(header);
    ::OPENSSL_free(data);
  }
  ::ERR_clear_error();
  return blocks;
}

}  // namespace promtls::tls::detail
