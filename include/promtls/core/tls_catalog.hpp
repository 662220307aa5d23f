// The TLS vocabulary shared by the profiles: protocol versions, cipher suites and key-exchange
// groups, with Go's names, IANA code points and names, OpenSSL's names, the spellings people
// write for them, and the default lists of Go and of promtls' own server.
//
// This catalog is the only place a suite or group id is written: parsing, validation, reports
// and the OpenSSL mapping (src/tls, src/net) read it (STYLE.md, one table per fact). Go facts
// follow spec/knative-env.md §6 (Go ≥ 1.24) and spec/pqc.md. Performs no I/O; the tables are
// immutable and every function is safe to call from any thread. Returned pointers and spans
// point into static storage and stay valid for the life of the program.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace promtls::core {

inline constexpr std::uint16_t kTls12 = 0x0303;
inline constexpr std::uint16_t kTls13 = 0x0304;

// "TLS 1.2" / "TLS 1.3" / "TLS 1.x" for a protocol version code point.
std::string_view version_name(std::uint16_t version);

// The configuration spelling Prometheus' tls_config (min_version) and the Prometheus Operator's
// tlsConfig (minVersion) share, Go's config names: "TLS10" .. "TLS13" <-> the code point.
// parse_config_version: nullopt for any other text; config_version_name: "" for any other code.
std::optional<std::uint16_t> parse_config_version(std::string_view text);
std::string_view config_version_name(std::uint16_t version);

struct CipherSuite {
  std::string_view go_name;       // Go's tls.CipherSuite.Name, which is also the IANA name
  std::uint16_t id;               // IANA code point
  std::string_view openssl_name;  // OpenSSL's name (TLS 1.3 names are the IANA names)
  bool tls13;                     // a TLS 1.3 suite (not configurable in Go)
  bool go_secure;                 // in tls.CipherSuites(); false: tls.InsecureCipherSuites()
  bool cbc;                       // CBC mode
  bool forward_secret;            // ECDHE key exchange (or TLS 1.3)
  // One of the two suites Go's HTTP/2 server demands when a TLS 1.2 suite list is given
  // (spec/knative-env.md §6 G4): TLS_ECDHE_{RSA,ECDSA}_WITH_AES_128_GCM_SHA256.
  bool http2_required = false;
};

// Every suite Go knows, secure and insecure, TLS 1.3 first.
std::span<const CipherSuite> cipher_suites();
// The suite with that exact (case-sensitive) Go name, or nullptr.
const CipherSuite* find_cipher_suite_by_go_name(std::string_view name);
// The suite with that exact OpenSSL name ("ECDHE-RSA-AES128-GCM-SHA256", or a TLS 1.3 IANA
// name), or nullptr.
const CipherSuite* find_cipher_suite_by_openssl_name(std::string_view name);
// The suite with IANA code point `id`, or nullptr.
const CipherSuite* find_cipher_suite(std::uint16_t id);

struct Group {
  // Go's CurveID.String() ("CurveP256", "X25519"); for a group Go lacks (X448), its usual name.
  std::string_view name;
  std::uint16_t id;               // IANA TLS Supported Groups code point, Go's CurveID
  std::string_view iana_name;     // the registry's name, which OpenSSL 3's SSL_group_to_name gives
  std::string_view openssl_name;  // for SSL_CTX_set1_groups_list
  bool tls13_only;
  bool post_quantum;  // a hybrid with ML-KEM (spec/pqc.md)
  bool go;            // Go's crypto/tls (1.24 or later) can negotiate it
};

// Every group promtls knows, by id.
std::span<const Group> groups();
// The group with code point `id`, or nullptr.
const Group* find_group(std::uint16_t id);
// The group whose Go name (CurveID.String()) is exactly `name`, or nullptr. nullptr also for a
// group Go lacks.
const Group* find_group_by_go_name(std::string_view name);
// The group OpenSSL calls `name`: its groups-list name ("P-256") or the IANA name OpenSSL
// reports after a handshake ("secp256r1"), exact; nullptr when neither matches.
const Group* find_group_by_openssl_name(std::string_view name);
// True when `id` is a post-quantum hybrid group of the catalog.
bool is_post_quantum(std::uint16_t id);

// knative's static curve map (spec R-V5), every accepted spelling.
struct GroupSpelling {
  std::string_view spelling;
  std::uint16_t id;
};
std::span<const GroupSpelling> knative_group_spellings();
// The entry of knative's map for `spelling` (exact and case-sensitive, as knative looks it up),
// or nullptr.
const GroupSpelling* find_knative_group_spelling(std::string_view spelling);

// What people write for a group that knative's map does not take as written, and the knative
// spelling that means the same group: a knative spelling in another case, OpenSSL's and the
// IANA names, the name without its dash.
struct GroupAlias {
  std::string_view alias;    // compared ignoring ASCII case
  std::string_view suggest;  // a spelling of knative_group_spellings() for the same group
};
std::span<const GroupAlias> group_aliases();
// The alias equal to `name` ignoring ASCII case, or nullptr.
const GroupAlias* find_group_alias(std::string_view name);

// Default lists, as group or suite ids, most preferred first.
// Go's default key-exchange set (Go ≥ 1.24, spec §6 G5), in Go's internal preference order.
std::span<const std::uint16_t> go_default_curve_preferences();
// Go's default TLS 1.0–1.2 suites (Go ≥ 1.24 without GODEBUG: cipherSuitesPreferenceOrder minus
// the RSA key exchange, 3DES, CBC-SHA256 and RC4 suites), in Go's preference order.
std::span<const std::uint16_t> go_default_tls12_cipher_suites();
// The groups promtls' server offers when the configuration names none, most preferred first;
// a group the linked TLS library cannot negotiate is left out by the caller.
std::span<const std::uint16_t> server_default_groups();

// One group of a TLS library's tuple-structured group list (OpenSSL 3.5's syntax: tuples
// separated by "/", "*" marks a group a client sends a key share for). A server picks by tuple,
// first tuple first, sending a HelloRetryRequest for a group of an earlier tuple rather than
// taking a key share of a later one.
struct TupleGroup {
  std::uint16_t id;
  bool key_share;     // a client sends a key share for it
  bool starts_tuple;  // the first group of a tuple
};
// OpenSSL 3.5's default group list, most preferred first: what promtls serve offers without a
// configured list when the library has tuples (OpenSSL 3.5 or later).
std::span<const TupleGroup> openssl35_default_groups();
// Whether the OpenSSL whose OPENSSL_VERSION_NUMBER is `version_number` loses the tuple
// structure of a group list written with DEFAULT (CVE-2026-2673: 3.5 before 3.5.6, 3.6 before
// 3.6.2). promtls never writes DEFAULT; serve still warns (a finding of check_tls_library).
bool openssl_group_tuples_affected(std::uint64_t version_number);

inline constexpr std::uint16_t kX25519MLKEM768 = 4588;

}  // namespace promtls::core
