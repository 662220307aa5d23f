// The TLS vocabulary shared by the profiles: protocol versions, cipher suites and key-exchange
// groups, with Go's names, IANA code points and OpenSSL's names.
//
// One table drives parsing, validation and the OpenSSL mapping (STYLE.md). Go facts follow
// spec/knative-env.md §6 (Go ≥ 1.24). Performs no I/O; immutable, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace promtls::core {

inline constexpr std::uint16_t kTls12 = 0x0303;
inline constexpr std::uint16_t kTls13 = 0x0304;

// "TLS 1.2" / "TLS 1.3" / "TLS 1.x" for a protocol version code point.
std::string_view version_name(std::uint16_t version);

struct CipherSuite {
  std::string_view go_name;       // Go's tls.CipherSuite.Name
  std::uint16_t id;               // IANA code point
  std::string_view openssl_name;  // OpenSSL's name (TLS 1.3 names are the IANA names)
  bool tls13;                     // a TLS 1.3 suite (not configurable in Go)
  bool go_secure;                 // in tls.CipherSuites(); false: tls.InsecureCipherSuites()
  bool cbc;                       // CBC mode
  bool forward_secret;            // ECDHE key exchange (or TLS 1.3)
};

// Every suite Go knows, secure and insecure.
std::span<const CipherSuite> cipher_suites();
const CipherSuite* find_cipher_suite_by_go_name(std::string_view name);
const CipherSuite* find_cipher_suite(std::uint16_t id);

struct Group {
  std::string_view name;          // the name used in knative's static map (first spelling)
  std::uint16_t id;               // IANA/Go CurveID
  std::string_view openssl_name;  // for SSL_CTX_set1_groups_list
  bool tls13_only;
};

// knative's static curve map (spec R-V5), every accepted spelling.
struct GroupSpelling {
  std::string_view spelling;
  std::uint16_t id;
};
std::span<const GroupSpelling> knative_group_spellings();
const Group* find_group(std::uint16_t id);

inline constexpr std::uint16_t kX25519MLKEM768 = 4588;

}  // namespace promtls::core
