#include "promtls/core/credential_rules.hpp"

#include <algorithm>
#include <array>

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

std::optional<std::size_t> misplaced_leaf(const FileFacts& cert, const FileFacts& key) {
  const std::vector<CertInfo>& chain = cert.certificates;
  if (chain.size() < 2) return std::nullopt;
  if (key.key && !key.key_public_key_id.empty()) {
    if (chain.front().public_key_id == key.key_public_key_id) return std::nullopt;
    for (std::size_t i = 1; i < chain.size(); ++i) {
      if (chain[i].public_key_id == key.key_public_key_id) return i;
    }
    return std::nullopt;  // the key belongs to none of them: a plain mismatch
  }
  // No key to compare: a CA first, then a certificate it issued that is not a CA.
  if (!chain.front().is_ca) return std::nullopt;
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (chain[i].is_ca) continue;
    for (std::size_t j = 0; j < i; ++j) {
      if (chain[i].issuer == chain[j].subject && (j == 0 || chain[j].issuer == chain[0].subject)) {
        return i;
      }
    }
  }
  return std::nullopt;
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

std::string chain_order_message(const std::string& cert_path, std::size_t leaf) {
  return cert_path + ": the certificate chain is out of order: the leaf is certificate " +
         std::to_string(leaf + 1) + ", but the first certificate is served as the server's own" +
         " (put the leaf first, then each issuer after the certificate it signed)";
}

std::optional<std::string> credential_pair_refusal(const FileFacts& cert, const FileFacts& key) {
  const std::string cannot_load_key = key.path + ": cannot load the private key: ";
  if (!key.readable) return cannot_load_key + key.read_error;
  if (key_mode_refused(key.mode)) return key_mode_refusal_message(key.path);
  if (!cert.readable) {
    return cert.path + ": cannot load the certificate chain: " + cert.read_error;
  }
  if (!cert.is_pem) return cert.path + ": cannot load the certificate chain: no PEM data";
  if (cert.certificates.empty()) return no_certificate_message(cert.path);
  if (cert.bad_certificate_blocks > 0) {
    return cert.path +
           ": cannot load the certificate chain: " + std::to_string(cert.bad_certificate_blocks) +
           " of " + std::to_string(cert.certificate_blocks) + " CERTIFICATE blocks do not parse";
  }
  if (!key.key) {
    if (key.key_encrypted) return cannot_load_key + "the key is encrypted";
    if (!key.key_block_present) return cannot_load_key + "no PRIVATE KEY block";
    return cannot_load_key + (key.key_error.empty() ? "the key does not parse" : key.key_error);
  }
  if (const auto leaf = misplaced_leaf(cert, key)) return chain_order_message(cert.path, *leaf);
  if (!key_matches_certificate(cert, key)) return key_mismatch_message(key.path, cert.path);
  return std::nullopt;
}

std::optional<std::string> client_ca_refusal(const FileFacts& ca) {
  if (!ca.readable) return ca.path + ": cannot read the client CA bundle: " + ca.read_error;
  if (ca.certificates.empty()) {
    return ca.path + ": no valid CA certificates found in the client CA bundle";
  }
  return std::nullopt;
}

bool credential_load_failure(std::string_view finding_code) {
  // In credential_pair_refusal()'s order, then client_ca_refusal()'s.
  static constexpr std::array<std::string_view, 14> kCodes{
      "key-file-unreadable",  "key-file-world-writable",   "cert-file-unreadable",
      "cert-file-not-pem",    "cert-file-no-certificate",  "cert-file-bad-blocks",
      "key-file-not-pem",     "key-file-no-key",           "key-encrypted",
      "key-file-invalid",     "cert-chain-out-of-order",   "cert-key-mismatch",
      "client-ca-unreadable", "client-ca-no-certificates",
  };
  return std::find(kCodes.begin(), kCodes.end(), finding_code) != kCodes.end();
}

}  // namespace promtls::core
