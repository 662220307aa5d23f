#include "promtls/core/tls_catalog.hpp"

#include <array>

namespace promtls::core {
namespace {

// spec/knative-env.md §6 G1 (tls.CipherSuites()) and G2 (tls.InsecureCipherSuites()), Go ≥ 1.24.
constexpr std::array kSuites{
    // go name, id, OpenSSL name, tls13, go_secure, cbc, forward_secret
    CipherSuite{"TLS_AES_128_GCM_SHA256", 0x1301, "TLS_AES_128_GCM_SHA256", true, true, false,
                true},
    CipherSuite{"TLS_AES_256_GCM_SHA384", 0x1302, "TLS_AES_256_GCM_SHA384", true, true, false,
                true},
    CipherSuite{"TLS_CHACHA20_POLY1305_SHA256", 0x1303, "TLS_CHACHA20_POLY1305_SHA256", true, true,
                false, true},
    CipherSuite{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC009, "ECDHE-ECDSA-AES128-SHA", false,
                true, true, true},
    CipherSuite{"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xC00A, "ECDHE-ECDSA-AES256-SHA", false,
                true, true, true},
    CipherSuite{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC013, "ECDHE-RSA-AES128-SHA", false, true,
                true, true},
    CipherSuite{"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xC014, "ECDHE-RSA-AES256-SHA", false, true,
                true, true},
    CipherSuite{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256",
                false, true, false, true},
    CipherSuite{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xC02C, "ECDHE-ECDSA-AES256-GCM-SHA384",
                false, true, false, true},
    CipherSuite{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC02F, "ECDHE-RSA-AES128-GCM-SHA256",
                false, true, false, true},
    CipherSuite{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xC030, "ECDHE-RSA-AES256-GCM-SHA384",
                false, true, false, true},
    CipherSuite{"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA8,
                "ECDHE-RSA-CHACHA20-POLY1305", false, true, false, true},
    CipherSuite{"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9,
                "ECDHE-ECDSA-CHACHA20-POLY1305", false, true, false, true},
    // Insecure: rejected by knative as "unknown cipher suite".
    CipherSuite{"TLS_RSA_WITH_RC4_128_SHA", 0x0005, "RC4-SHA", false, false, false, false},
    CipherSuite{"TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000A, "DES-CBC3-SHA", false, false, true, false},
    CipherSuite{"TLS_RSA_WITH_AES_128_CBC_SHA", 0x002F, "AES128-SHA", false, false, true, false},
    CipherSuite{"TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, "AES256-SHA", false, false, true, false},
    CipherSuite{"TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003C, "AES128-SHA256", false, false, true,
                false},
    CipherSuite{"TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009C, "AES128-GCM-SHA256", false, false, false,
                false},
    CipherSuite{"TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009D, "AES256-GCM-SHA384", false, false, false,
                false},
    CipherSuite{"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", 0xC007, "ECDHE-ECDSA-RC4-SHA", false, false,
                false, true},
    CipherSuite{"TLS_ECDHE_RSA_WITH_RC4_128_SHA", 0xC011, "ECDHE-RSA-RC4-SHA", false, false, false,
                true},
    CipherSuite{"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", 0xC012, "ECDHE-RSA-DES-CBC3-SHA", false,
                false, true, true},
    CipherSuite{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xC023, "ECDHE-ECDSA-AES128-SHA256",
                false, false, true, true},
    CipherSuite{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 0xC027, "ECDHE-RSA-AES128-SHA256", false,
                false, true, true},
};

constexpr std::array kGroups{
    Group{"CurveP256", 23, "P-256", false},
    Group{"CurveP384", 24, "P-384", false},
    Group{"CurveP521", 25, "P-521", false},
    Group{"X25519", 29, "X25519", false},
    Group{"X25519MLKEM768", kX25519MLKEM768, "X25519MLKEM768", true},
};

// spec/knative-env.md R-V5: the static map, exact and case-sensitive.
constexpr std::array kKnativeSpellings{
    GroupSpelling{"CurveP256", 23},
    GroupSpelling{"CurveP384", 24},
    GroupSpelling{"CurveP521", 25},
    GroupSpelling{"X25519", 29},
    GroupSpelling{"X25519MLKEM768", kX25519MLKEM768},
    GroupSpelling{"P-256", 23},
    GroupSpelling{"P-384", 24},
    GroupSpelling{"P-521", 25},
};

}  // namespace

std::string_view version_name(std::uint16_t version) {
  switch (version) {
    case 0x0301:
      return "TLS 1.0";
    case 0x0302:
      return "TLS 1.1";
    case kTls12:
      return "TLS 1.2";
    case kTls13:
      return "TLS 1.3";
    default:
      return "TLS ?";
  }
}

std::span<const CipherSuite> cipher_suites() { return kSuites; }

const CipherSuite* find_cipher_suite_by_go_name(std::string_view name) {
  for (const auto& s : kSuites) {
    if (s.go_name == name) return &s;
  }
  return nullptr;
}

const CipherSuite* find_cipher_suite(std::uint16_t id) {
  for (const auto& s : kSuites) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::span<const GroupSpelling> knative_group_spellings() { return kKnativeSpellings; }

const Group* find_group(std::uint16_t id) {
  for (const auto& g : kGroups) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

}  // namespace promtls::core
