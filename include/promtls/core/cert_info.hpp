// Plain descriptions of certificates, keys and credential files, as extracted by the tls layer.
//
// These are the facts the core judges (expiry, strength, pairing); the core never parses
// certificates itself. Plain values; safe to copy between threads. Performs no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace promtls::core {

struct KeyInfo {
  std::string type;   // "RSA", "EC", "Ed25519", "Ed448", "DSA", or OpenSSL's short name
  int bits = 0;       // key size in bits (RSA modulus, EC field size)
  std::string curve;  // "P-256" style NIST name or OpenSSL's short name; empty for non-EC
};

struct CertInfo {
  std::string subject;  // RFC 2253 one-line form, e.g. "CN=api,O=Example"
  std::string issuer;
  std::string subject_cn;  // first CN, or empty
  std::string issuer_cn;
  // Name attributes by OpenSSL short name ("C", "ST", "L", "O", "OU", "CN", ...), in order.
  std::vector<std::pair<std::string, std::string>> subject_attributes;
  std::vector<std::pair<std::string, std::string>> issuer_attributes;
  std::string serial;  // lower-case hex, no separators, no leading zeros ("0" for zero)
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // textual IPv4/IPv6
  std::vector<std::string> emails;
  std::vector<std::string> uris;
  std::int64_t not_before_unix = 0;
  std::int64_t not_after_unix = 0;
  KeyInfo key;
  std::string signature_algorithm;  // OpenSSL long name, e.g. "ecdsa-with-SHA256"
  std::string sha256_fingerprint;   // upper-case hex bytes joined by ':'
  std::string public_key_id;        // hex SHA-256 of the key type and public key; equal for a pair
  bool is_ca = false;               // basicConstraints CA:TRUE
  bool self_signed = false;         // subject == issuer
  std::vector<std::string> extended_key_usage;  // "serverAuth", "clientAuth", or dotted OIDs
  bool has_extended_key_usage = false;

  // SANs as "DNS:x", "IP:y", "email:z", "URI:u", in that order.
  std::vector<std::string> sans() const;
};

// What reading one credential file produced. Built by tls::read_credential_file().
struct FileFacts {
  std::string path;
  bool readable = false;
  std::string read_error;  // Go-style os error when !readable: "open /x: no such file or directory"
  unsigned mode = 0;       // permission bits (st_mode & 07777); 0 when unknown
  bool is_pem = false;     // at least one PEM block found
  std::vector<CertInfo> certificates;  // CERTIFICATE blocks (or DER) that parsed, in file order
  std::size_t certificate_blocks = 0;  // CERTIFICATE blocks seen, parsed or not
  std::size_t bad_certificate_blocks = 0;
  std::optional<KeyInfo> key;      // the first private key that parsed
  std::string key_public_key_id;   // CertInfo::public_key_id of the key's public half
  bool key_encrypted = false;      // an encrypted private key block was found
  bool key_block_present = false;  // any PRIVATE KEY block was found
  std::string key_error;           // why a present key block did not parse
};

}  // namespace promtls::core
