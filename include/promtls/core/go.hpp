// Small re-implementations of the Go standard library behaviours that knative's and the Tigera
// operator's messages depend on, so that promtls can reproduce those messages byte for byte.
// Performs no I/O; all functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promtls::core::go {

// strconv.Quote: wraps in double quotes, escapes `"` and `\`, writes \a \b \f \n \r \t \v,
// other control characters and bytes of invalid UTF-8 as \xNN, non-printable runes as \uNNNN.
std::string quote(std::string_view s);

// strings.TrimSpace: removes leading and trailing Unicode white space (ASCII \t \n \v \f \r and
// space, U+0085, U+00A0 and the other Unicode White_Space runes) from UTF-8 text.
std::string_view trim_space(std::string_view s);

// strings.ToLower for ASCII letters only. Go folds all of Unicode; the difference only matters
// for exotic inputs such as U+0130 (spec/knative-env.md §8.3).
std::string to_lower_ascii(std::string_view s);
// strings.ToUpper for ASCII letters; other bytes are kept.
std::string to_upper_ascii(std::string_view s);

// strings.EqualFold for ASCII.
bool equal_fold_ascii(std::string_view a, std::string_view b);

// strconv.ParseUint(s, 10, bits): on failure returns nullopt and sets `error` to the message Go
// produces, e.g. `strconv.ParseUint: parsing "x": invalid syntax` or `...: value out of range`.
std::optional<std::uint64_t> parse_uint(std::string_view s, int bits, std::string& error);

// strconv.Atoi for values that fit in 64 bits (accepts a leading + or -).
std::optional<std::int64_t> atoi(std::string_view s);

// The message of an *os.PathError for `op` ("open", "read") on `path` with errno `err`, as Go
// prints it: "open /x: no such file or directory".
std::string path_error(std::string_view op, std::string_view path, int err);

// A Go release, "1.24". The GODEBUG defaults of a binary follow the `go` line of its main
// module's go.mod (go.dev/doc/godebug); promtls assumes that line and the toolchain agree.
struct Version {
  int major = 1;
  int minor = 0;
};
// "1.24", "1.24.3", "go1.25", "1.26rc1" (the patch level and pre-release are ignored); nullopt
// for anything else.
std::optional<Version> parse_version(std::string_view text);
std::string to_string(Version v);  // "1.24"

// The value GODEBUG (comma-separated key=value pairs, the last one of a key wins, as Go's
// internal/godebug reads it) gives `key`; nullopt when it does not set it.
std::optional<std::string> godebug_setting(std::string_view godebug, std::string_view key);

// Go 1.23's pre-standard hybrid (no CurveID constant; CurveID.String() names it). Not in the
// catalog: no promtls component and no Go 1.24+ peer can negotiate it.
inline constexpr std::uint16_t kX25519Kyber768Draft00 = 0x6399;

// The catalog's Go name of a group, or "X25519Kyber768Draft00"; "CurveID(N)" otherwise.
std::string group_name(std::uint16_t id);

// What a Go crypto/tls server of `version` offers for key exchange, from its CurvePreferences
// (nullopt or empty: Go's default set), its MaxVersion (0x0303: TLS 1.2 only) and GODEBUG.
// Facts (spec/pqc.md; golang/go src/crypto/tls/defaults.go): Go 1.23 defaults to
// X25519Kyber768Draft00 first (tlskyber=0 removes it); Go 1.24 and 1.25 to X25519MLKEM768,
// X25519, P-256, P-384, P-521 (tlsmlkem=0 removes the hybrid); Go 1.26 adds SecP256r1MLKEM768
// and SecP384r1MLKEM1024 after X25519MLKEM768 (tlssecpmlkem=0 removes those two). GODEBUG
// changes only the default set: an explicit list is kept. Since Go 1.24 an explicit list is a
// set ordered by Go's own preference order (proposal #69393); the hybrids are TLS 1.3 only.
struct KeyExchange {
  enum class Off {
    none,        // a standard ML-KEM hybrid is offered
    old_go,      // the Go release has no ML-KEM hybrid
    curve_list,  // an explicit curve list without one
    godebug,     // GODEBUG removed it from the default set
    tls12_max,   // the maximum version is TLS 1.2
  };
  Version version;
  std::string version_source;  // why this version is assumed, for the report
  std::string godebug;         // the GODEBUG value read ("" when unset)
  // Offered in a TLS 1.3 handshake, in Go's preference order (TLS 1.2 handshakes drop the
  // hybrids; with a maximum of TLS 1.2 they are dropped here).
  std::vector<std::uint16_t> groups;
  bool post_quantum = false;  // a standard hybrid (X25519MLKEM768, SecP*MLKEM*) is offered
  Off off = Off::none;
  std::string off_setting;  // with Off::godebug: the setting, e.g. "tlsmlkem=0"
};
KeyExchange key_exchange(Version version, const std::optional<std::vector<std::uint16_t>>& curves,
                         std::uint16_t max_version, std::string_view godebug);

// net/http.StatusText: Go's reason phrase for `code` ("Not Found"; 413 is Go's "Request Entity
// Too Large", not RFC 9110's "Content Too Large"), for the codes a metrics endpoint answers with
// and a scrape meets; "" for the others. The one table of reason phrases: promtls serve writes
// its status lines with it, selftest's prediction of Prometheus' error ("server returned HTTP
// status 404 Not Found") reads it.
std::string_view status_text(int code);

}  // namespace promtls::core::go
