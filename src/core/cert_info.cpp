#include "promtls/core/cert_info.hpp"

namespace promtls::core {

std::vector<std::string> CertInfo::sans() const {
  std::vector<std::string> out;
  out.reserve(dns_names.size() + ip_addresses.size() + emails.size() + uris.size());
  for (const auto& v : dns_names) out.push_back("DNS:" + v);
  for (const auto& v : ip_addresses) out.push_back("IP:" + v);
  for (const auto& v : emails) out.push_back("email:" + v);
  for (const auto& v : uris) out.push_back("URI:" + v);
  return out;
}

}  // namespace promtls::core
