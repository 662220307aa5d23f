// The inspect report: certificates and licenses judged at `now`, load errors, and its renderings
// (the text table, the promtls/inspect/v1 JSON of DESIGN.md, the Prometheus gauges) and exit
// code. Pure: no I/O, no clock. Thread-safe.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "promtls/core/cert_policy.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/license.hpp"
#include "promtls/core/metrics.hpp"
#include "promtls/core/tigera_status.hpp"

namespace promtls::core {

// What a Secret's Tigera annotations say (spec/tigera-metrics.md §3.2), checked against the
// certificate in its tls.crt: the issuer annotation against the issuer CN, the expiry annotation
// (strict layout) against not_after.
struct TigeraCheck {
  std::optional<std::string> issuer;
  std::optional<std::string> expiry;
  bool issuer_matches = true;
  bool expiry_matches = true;
  bool agrees() const { return issuer_matches && expiry_matches; }
};

TigeraCheck check_tigera(const TigeraSecretMetadata& secret, const CertInfo& cert);

struct InspectedCert {
  LocatedCert located;
  std::string source;     // for people: the file, "file (Secret ns/name tls.crt)", "host:port"
  std::size_t index = 0;  // position within its source (bundle order, chain order)
  CertJudgement judgement;
  std::optional<TigeraCheck> tigera;
  bool from_endpoint = false;  // fetched with --connect; then `verified` and `verify_error` apply
  bool verified = false;
  std::string verify_error;
};

struct InspectedLicense {
  License license;
  LicenseStatus status = LicenseStatus::valid;
};

struct InspectError {
  std::string source;
  std::string reason;  // stable snake_case (sources.hpp reasons, signature_invalid, ...)
  std::string message;
};

// A walked file that holds no certificate and is not meant to (tls::SkippedFile).
struct InspectSkipped {
  std::string source;
  std::string kind;
};

struct InspectReport {
  std::int64_t now_unix = 0;
  std::vector<InspectedCert> certificates;
  std::vector<InspectedLicense> licenses;
  std::vector<InspectError> errors;
  std::vector<InspectSkipped> skipped;
  std::vector<TigeraStatus> tigera_statuses;  // TigeraStatus objects among the inputs
};

// The certificate's display source for a location: the file, with the Secret, ConfigMap or
// embedded key it sat under.
std::string describe_location(const CertLocation& location);

// Sorts certificates and licenses by expiry, soonest first (no expiry last), keeping the order of
// equal ones.
void sort_by_expiry(InspectReport& report);

// {"schema": "promtls/inspect/v1", certificates, licenses, errors} (DESIGN.md).
nlohmann::ordered_json inspect_json(const InspectReport& report);

// The table (readable at 80 columns), then notes (annotation mismatches, endpoint verification),
// licenses, errors and a summary line.
std::string render_inspect_text(const InspectReport& report);

// certificate_families() and license_families() for the report, without duplicate series.
std::vector<MetricFamily> inspect_families(const InspectReport& report);

// Writes render_exposition(inspect_families(report)) to `out`, byte for byte, without building
// the families: the certificate gauges are written sample by sample from the report (holding
// each kept certificate's labels once, for the duplicate check), in chunks of about 64 KiB, so
// inspect over 100,000 certificates never holds the whole text. Stream errors are left in `out`'s
// state for the caller.
void write_inspect_exposition(const InspectReport& report, std::ostream& out);

// ExitCode::cannot_run when any input could not be read or parsed; else check_failed when a
// certificate or license reaches `fail_on` (an annotation that disagrees with its certificate,
// or an endpoint chain that does not verify, counts as a warning); else ok.
ExitCode inspect_exit_code(const InspectReport& report, FailOn fail_on);

}  // namespace promtls::core
