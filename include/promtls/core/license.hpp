// Licenses: the Tigera LicenseKey model and its operator-side validity rules
// (spec/tigera-metrics.md §4), JWT claims and plain JSON licenses, their inspect status, and the
// license metric families serve and `inspect --output prometheus` expose (promtls names, and the
// Tigera operator's names for --metrics-compat tigera, spec §3.2-§3.4).
//
// Pure: bytes and `now` are parameters; no I/O, no clock, no OpenSSL (JWT signatures are verified
// by the tls layer, tls/license_verify). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/cert_policy.hpp"
#include "promtls/core/metrics.hpp"

namespace promtls::core {

// The times a license may carry: what an RFC 3339 time can write, 0000-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z. parse_license() refuses an expiry (or a JWT nbf or iat) outside them as
// an input error instead of converting it out of range or overflowing later arithmetic.
inline constexpr std::int64_t kLicenseTimeMinUnix = -62167219200;
inline constexpr std::int64_t kLicenseTimeMaxUnix = 253402300799;
// The longest grace period, in days, parse_license() accepts: the operator computes
// days * 24h as int64 nanoseconds, which hold 106751 days and wrap past it.
inline constexpr std::int64_t kMaxGracePeriodDays = 106751;

struct License {
  std::string source;                       // file the license came from
  std::string kind;                         // "LicenseKey", "jwt", "json"
  std::string package;                      // as written; may be empty
  std::optional<std::int64_t> expiry_unix;  // nullopt: no expiry (valid forever, spec §4)
  std::int64_t grace_period_days = 0;
  std::string grace_period_text;  // LicenseKey status.gracePeriod as written ("90d")
  std::string name;               // JWT claim "name" (the customer), when present
  std::vector<std::string> features;
  std::optional<bool> signature_verified;  // JWT with --license-cert: true; otherwise unset
};

// Tigera's ParseGracePeriod (operator pkg/controller/utils/license.go): "" -> 0; the text must
// end in 'd' and the rest parse as a Go Atoi integer (optional sign, decimal digits, no
// overflow) that is not negative; anything else -> 0. "90d" -> 90, "+3d" -> 3, "-5d" -> 0,
// "90" -> 0.
std::int64_t parse_grace_period(std::string_view text);

// The operator's three states (GetLicenseStatus).
enum class TigeraLicenseState { valid, in_grace_period, expired };

// GetLicenseStatus(expiry, grace) at `now_unix`: no expiry -> valid; now > expiry + grace days
// (strictly) -> expired; else now > expiry (strictly) -> in_grace_period; else valid. The grace
// duration is computed as Go does (days * 24h as int64 nanoseconds).
TigeraLicenseState tigera_license_state(std::optional<std::int64_t> expiry_unix,
                                        std::int64_t grace_days, std::int64_t now_unix);

enum class LicenseStatus { valid, warning, critical, in_grace_period, expired };

// inspect's license status: the Tigera state, and for a valid license with an expiry, warning
// or critical by threshold_band() (the thresholds' durations; licenses have no lifetime start).
LicenseStatus judge_license(const License& license, const ExpiryPolicy& policy,
                            std::int64_t now_unix);

// "valid", "warning", "critical", "in_grace_period", "expired".
std::string_view to_string(LicenseStatus status);

// Same ranks as certificates: valid 0, warning 1, critical and in_grace_period 2, expired 3.
int severity_rank(LicenseStatus status);
bool reaches(LicenseStatus status, FailOn fail_on);

// Strict Tigera annotation time layout "2006-01-02T15:04:05Z" (spec §3.2): exactly
// YYYY-MM-DDTHH:MM:SSZ, UTC, no fraction, and no leap second: as Go's time.Parse, second 60 is
// refused (parse_rfc3339 accepts it, as RFC 3339 does). Unix seconds or nullopt.
std::optional<std::int64_t> parse_tigera_time(std::string_view text);
// The same layout, for writing and cross-checking annotations.
std::string format_tigera_time(std::int64_t unix_seconds);

// A decoded compact JWS (header.payload.signature), signature not checked.
struct JwtParts {
  std::string header_json;    // decoded
  std::string payload_json;   // decoded
  std::string signing_input;  // "header.payload" as transmitted (what the signature covers)
  std::string signature;      // decoded bytes
  std::string alg;            // header "alg"
};

// Splits and base64url-decodes a compact JWS. nullopt, with `error` set, when malformed.
std::optional<JwtParts> decode_jwt(std::string_view token, std::string& error);

// Reads a license from file content: a Tigera LicenseKey object (YAML or JSON; status.expiry
// RFC 3339, status.gracePeriod, status.package), a compact JWS (claims exp, grace_period days,
// package or features, name), or plain JSON {expiry (RFC 3339 or Unix seconds), grace_period
// (days, or "90d"), package}. nullopt, with `error` set to a reason, when the content is none of
// these, or (naming the field) when a time is outside kLicenseTimeMinUnix..kLicenseTimeMaxUnix,
// a grace period exceeds kMaxGracePeriodDays or a grace_period is not a whole number. A negative
// grace period is 0. The signature of a JWT is not verified here.
std::optional<License> parse_license(std::string_view bytes, const std::string& source,
                                     std::string& error);

// The package label: the package, or "Enterprise" when empty (spec §3.3).
std::string license_package_label(const License& license);

// promtls_license_expiry_timestamp_seconds{package} (only licenses with an expiry) and
// promtls_license_valid{package} (0 only when the Tigera state is expired), in that order.
std::vector<MetricFamily> license_families(const std::vector<License>& licenses,
                                           std::int64_t now_unix);

// The Tigera operator's license gauges with its HELP texts (spec §3.3, §3.4):
// tigera_operator_license_expiry_timestamp_seconds{package} and tigera_operator_license_valid
// {package}, families sorted by name and samples by label value as client_golang prints them.
// Render with ValueFormat::go for byte-identical output.
std::vector<MetricFamily> tigera_license_families(const std::vector<License>& licenses,
                                                  std::int64_t now_unix);

// What the Tigera operator's certificate collector reads from one Secret (spec §3.2).
struct TigeraSecretMetadata {
  std::string name;
  std::string namespace_;
  bool has_signer_label = false;      // label certificates.operator.tigera.io/signer exists
  std::optional<std::string> issuer;  // annotation certificates.operator.tigera.io/issuer
  std::optional<std::string> expiry;  // annotation certificates.operator.tigera.io/expiry
};

// tigera_operator_tls_certificate_expiry_timestamp_seconds{issuer,name,namespace}: Secrets
// without the signer label or the expiry annotation, or whose expiry does not parse with the
// strict layout, are skipped; issuer "" when absent; samples sorted by label values.
MetricFamily tigera_certificate_family(const std::vector<TigeraSecretMetadata>& secrets);

}  // namespace promtls::core
