#include "promtls/core/tls_catalog.hpp"

#include <array>
#include <utility>

namespace promtls::core {
namespace {

// spec/knative-env.md §6 G1 (tls.CipherSuites()) and G2 (tls.InsecureCipherSuites()), Go ≥ 1.24.
constexpr std::array kSuites{
    // go name, id, OpenSSL name, tls13, go_secure, cbc, forward_secret[, http2_required]
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
                false, true, false, true, true},
    CipherSuite{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xC02C, "ECDHE-ECDSA-AES256-GCM-SHA384",
                false, true, false, true},
    CipherSuite{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC02F, "ECDHE-RSA-AES128-GCM-SHA256",
                false, true, false, true, true},
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

// IANA TLS Supported Groups; Go's names from CurveID.String() (spec §6 G5, spec/pqc.md).
// SecP256r1MLKEM768 and SecP384r1MLKEM1024 are Go 1.26 names that knative's map lacks.
constexpr std::array kGroups{
    // name, id, IANA name, OpenSSL name, tls13_only, post_quantum, go
    Group{"CurveP256", 23, "secp256r1", "P-256", false, false, true},
    Group{"CurveP384", 24, "secp384r1", "P-384", false, false, true},
    Group{"CurveP521", 25, "secp521r1", "P-521", false, false, true},
    Group{"X25519", 29, "x25519", "X25519", false, false, true},
    Group{"X448", 30, "x448", "X448", false, false, false},
    Group{"SecP256r1MLKEM768", 4587, "SecP256r1MLKEM768", "SecP256r1MLKEM768", true, true, true},
    Group{"X25519MLKEM768", kX25519MLKEM768, "X25519MLKEM768", "X25519MLKEM768", true, true, true},
    Group{"SecP384r1MLKEM1024", 4589, "SecP384r1MLKEM1024", "SecP384r1MLKEM1024", true, true, true},
    // RFC 7919 finite-field groups: in OpenSSL 3.5's default list (TLS 1.3 only for promtls,
    // whose TLS 1.2 suites are all ECDHE); Go has none.
    Group{"ffdhe2048", 256, "ffdhe2048", "ffdhe2048", false, false, false},
    Group{"ffdhe3072", 257, "ffdhe3072", "ffdhe3072", false, false, false},
};

constexpr std::uint16_t id_of_go_group(std::string_view name) {
  for (const Group& g : kGroups) {
    if (g.name == name) return g.id;
  }
  return 0;  // not a group: the static_asserts below catch it
}

constexpr std::uint16_t id_of_go_suite(std::string_view name) {
  for (const CipherSuite& s : kSuites) {
    if (s.go_name == name) return s.id;
  }
  return 0;
}

// spec/knative-env.md R-V5: the static map, exact and case-sensitive.
constexpr std::array kKnativeSpellings{
    GroupSpelling{"CurveP256", id_of_go_group("CurveP256")},
    GroupSpelling{"CurveP384", id_of_go_group("CurveP384")},
    GroupSpelling{"CurveP521", id_of_go_group("CurveP521")},
    GroupSpelling{"X25519", id_of_go_group("X25519")},
    GroupSpelling{"X25519MLKEM768", id_of_go_group("X25519MLKEM768")},
    GroupSpelling{"P-256", id_of_go_group("CurveP256")},
    GroupSpelling{"P-384", id_of_go_group("CurveP384")},
    GroupSpelling{"P-521", id_of_go_group("CurveP521")},
};

// Spellings knative rejects (R-V5: "x25519", "P256", "secp256r1", "prime256v1") and the
// knative spelling of the same group. Every knative spelling is also an alias of itself, for
// the same spelling in another case.
constexpr std::array kGroupAliases{
    GroupAlias{"P256", "P-256"},           GroupAlias{"P384", "P-384"},
    GroupAlias{"P521", "P-521"},           GroupAlias{"secp256r1", "CurveP256"},
    GroupAlias{"prime256v1", "CurveP256"}, GroupAlias{"secp384r1", "CurveP384"},
    GroupAlias{"secp521r1", "CurveP521"},  GroupAlias{"CurveP256", "CurveP256"},
    GroupAlias{"CurveP384", "CurveP384"},  GroupAlias{"CurveP521", "CurveP521"},
    GroupAlias{"X25519", "X25519"},        GroupAlias{"X25519MLKEM768", "X25519MLKEM768"},
    GroupAlias{"P-256", "P-256"},          GroupAlias{"P-384", "P-384"},
    GroupAlias{"P-521", "P-521"},
};

// spec §6 G5: X25519MLKEM768, X25519, P-256, P-384, P-521 (Go 1.24 and 1.25).
constexpr std::array kGoDefaultCurves{
    id_of_go_group("X25519MLKEM768"), id_of_go_group("X25519"),    id_of_go_group("CurveP256"),
    id_of_go_group("CurveP384"),      id_of_go_group("CurveP521"),
};

// Go's cipherSuitesPreferenceOrder without the suites its defaults drop (crypto/tls
// defaults.go): AEADs with ECDHE first, then CBC with ECDHE. The set is tls.CipherSuites()'s
// TLS 1.0-1.2 part (spec §6 G1).
constexpr std::array kGoDefaultTls12Suites{
    id_of_go_suite("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    id_of_go_suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    id_of_go_suite("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    id_of_go_suite("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    id_of_go_suite("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    id_of_go_suite("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    id_of_go_suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    id_of_go_suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    id_of_go_suite("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    id_of_go_suite("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
};

// What promtls serve offers without a configured list on a TLS library without tuples (OpenSSL
// before 3.5): Go's default set, so that it behaves like the Go servers it stands in for.
constexpr auto kServerDefaultGroups = kGoDefaultCurves;

// OpenSSL 3.5's own default group list (ssl/t1_lib.c TLS_DEFAULT_GROUP_LIST, spec/pqc.md):
// "?*X25519MLKEM768 / ?*X25519:?secp256r1 / ?X448:?secp384r1:?secp521r1 / ?ffdhe2048:?ffdhe3072".
// promtls serve writes it out group by group instead of saying DEFAULT (CVE-2026-2673).
constexpr std::array kOpenSsl35DefaultGroups{
    // id, key_share, starts_tuple
    TupleGroup{kX25519MLKEM768, true, true},
    TupleGroup{id_of_go_group("X25519"), true, true},
    TupleGroup{id_of_go_group("CurveP256"), false, false},
    TupleGroup{id_of_go_group("X448"), false, true},
    TupleGroup{id_of_go_group("CurveP384"), false, false},
    TupleGroup{id_of_go_group("CurveP521"), false, false},
    TupleGroup{id_of_go_group("ffdhe2048"), false, true},
    TupleGroup{id_of_go_group("ffdhe3072"), false, false},
};

constexpr bool all_tuple_groups_known() {
  for (const TupleGroup& g : kOpenSsl35DefaultGroups) {
    if (g.id == 0) return false;
  }
  return kOpenSsl35DefaultGroups.front().starts_tuple;
}
static_assert(all_tuple_groups_known());

constexpr bool all_known(std::span<const std::uint16_t> ids) {
  for (const std::uint16_t id : ids) {
    if (id == 0) return false;
  }
  return true;
}
static_assert(all_known(kGoDefaultCurves) && all_known(kGoDefaultTls12Suites));

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The first row of `table` that `matches`, or nullptr: the one lookup every find_* shares.
template <class Row, std::size_t N, class Pred>
const Row* first_where(const std::array<Row, N>& table, Pred matches) {
  for (const Row& row : table) {
    if (matches(row)) return &row;
  }
  return nullptr;
}

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

namespace {
constexpr std::array<std::pair<std::string_view, std::uint16_t>, 4> kConfigVersions{
    {{"TLS10", 0x0301}, {"TLS11", 0x0302}, {"TLS12", kTls12}, {"TLS13", kTls13}}};
}  // namespace

std::optional<std::uint16_t> parse_config_version(std::string_view text) {
  for (const auto& [name, version] : kConfigVersions) {
    if (name == text) return version;
  }
  return std::nullopt;
}

std::string_view config_version_name(std::uint16_t version) {
  for (const auto& [name, code] : kConfigVersions) {
    if (code == version) return name;
  }
  return {};
}

std::span<const CipherSuite> cipher_suites() { return kSuites; }

const CipherSuite* find_cipher_suite_by_go_name(std::string_view name) {
  return first_where(kSuites, [&](const auto& s) { return s.go_name == name; });
}

const CipherSuite* find_cipher_suite(std::uint16_t id) {
  return first_where(kSuites, [&](const auto& s) { return s.id == id; });
}

const CipherSuite* find_cipher_suite_by_openssl_name(std::string_view name) {
  return first_where(kSuites, [&](const auto& s) { return s.openssl_name == name; });
}

std::span<const Group> groups() { return kGroups; }

const Group* find_group(std::uint16_t id) {
  return first_where(kGroups, [&](const auto& g) { return g.id == id; });
}

const Group* find_group_by_go_name(std::string_view name) {
  return first_where(kGroups, [&](const auto& g) { return g.go && g.name == name; });
}

const Group* find_group_by_openssl_name(std::string_view name) {
  return first_where(kGroups,
                     [&](const auto& g) { return g.openssl_name == name || g.iana_name == name; });
}

bool is_post_quantum(std::uint16_t id) {
  const Group* g = find_group(id);
  return g != nullptr && g->post_quantum;
}

std::span<const GroupSpelling> knative_group_spellings() { return kKnativeSpellings; }

const GroupSpelling* find_knative_group_spelling(std::string_view spelling) {
  return first_where(kKnativeSpellings, [&](const auto& g) { return g.spelling == spelling; });
}

std::span<const GroupAlias> group_aliases() { return kGroupAliases; }

const GroupAlias* find_group_alias(std::string_view name) {
  return first_where(kGroupAliases, [&](const auto& a) { return equal_fold(a.alias, name); });
}

std::span<const std::uint16_t> go_default_curve_preferences() { return kGoDefaultCurves; }

std::span<const std::uint16_t> go_default_tls12_cipher_suites() { return kGoDefaultTls12Suites; }

std::span<const std::uint16_t> server_default_groups() { return kServerDefaultGroups; }

std::span<const TupleGroup> openssl35_default_groups() { return kOpenSsl35DefaultGroups; }

bool openssl_group_tuples_affected(std::uint64_t version_number) {
  // OPENSSL_VERSION_NUMBER layout (OpenSSL 3): 0xMNN00PP0L. CVE-2026-2673: 3.5.0-3.5.5 and
  // 3.6.0-3.6.1; fixed in 3.5.6 and 3.6.2 (spec/pqc.md).
  const std::uint64_t major = version_number >> 28;
  const std::uint64_t minor = (version_number >> 20) & 0xFF;
  const std::uint64_t patch = (version_number >> 4) & 0xFF;
  if (major != 3) return false;
  return (minor == 5 && patch < 6) || (minor == 6 && patch < 2);
}

}  // namespace promtls::core
