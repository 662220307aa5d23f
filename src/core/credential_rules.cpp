#include "promtls/core/credential_rules.hpp"

namespace promtls::core {

bool key_mode_refused(unsigned mode) { return (mode & 0002u) != 0; }

std::string_view key_mode_readers(unsigned mode) {
  if ((mode & 0004u) != 0) return "others";
  if ((mode & 0040u) != 0) return "its group";
  return {};
}

bool key_matches_certificate(const FileFacts& cert, const FileFacts& key) {
  if (cert.certificates.empty() || !key.key || key.key_public_key_id.empty()) return true;
  return cert.certificates.front().public_key_id == key.key_public_key_id;
}

std::string key_mode_refusal_message(const std::string& key_path) {
  return key_path + ": the private key file is world-writable; refusing to use it (chmod o-w)";
}

std::string key_mismatch_message(const std::string& key_path, const std::string& cert_path) {
  return key_path + ": the private key does not match the certificate in " + cert_path;
}

std::string no_certificate_message(const std::string& cert_path) {
  return cert_path + ": cannot load the certificate chain: no CERTIFICATE block parses";
}

std::optional<std::string> credential_pair_refusal(const FileFacts& cert, const FileFacts& key) {
  if (key.readable && key_mode_refused(key.mode)) return key_mode_refusal_message(key.path);
  if (cert.readable && cert.is_pem && cert.certificates.empty()) {
    return no_certificate_message(cert.path);
  }
  if (!key_matches_certificate(cert, key)) return key_mismatch_message(key.path, cert.path);
  return std::nullopt;
}

}  // namespace promtls::core
