// The inspect report: certificates and licenses judged at `now`, load errors, and its renderings
// (the text table, the promtls/inspect/v1 JSON of DESIGN.md, the Prometheus gauges) and exit
// code. Pure: no I/O, no clock. Thread-safe.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
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
  bool verified = false;       // the chain verifies and the leaf matches the name
  std::string verify_error;
  bool verify_required = true;  // false with --no-verify: a chain that does not verify passes
  bool hostname_match = false;  // the leaf matches the name checked (--servername or the host)
};

// The report's certificates, each kept as one compact record: its fields encoded one after the
// other in large shared blocks, with what sorting, counting and the exit code need beside it.
// An InspectedCert is ~1.1 KB before its strings, mostly empty ones; 100,000 of them were most
// of inspect's memory (issue 17). Entries are copied in whole and read back whole (read(), at(),
// iteration); they are not changed in place (set() replaces one).
//
// Not thread-safe for changes; a const list may be read from several threads, each with its own
// InspectedCert or iterator. string_views it returns stay valid until the list changes.
class CertificateList {
 public:
  class const_iterator;

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void reserve(std::size_t n) { entries_.reserve(n); }
  void clear();

  // Appends a copy of `cert`.
  void push_back(const InspectedCert& cert);
  // Replaces entry i with `cert`.
  void set(std::size_t i, const InspectedCert& cert);

  // Entry i, decoded into `into` (whose strings' storage is reused): every field as given.
  void read(std::size_t i, InspectedCert& into) const;
  // Entry i, decoded. Const, so that assigning to a field of the copy does not compile.
  const InspectedCert at(std::size_t i) const;
  const InspectedCert back() const { return at(size() - 1); }

  // Fields of entry i without decoding it.
  std::int64_t not_after_unix(std::size_t i) const { return entries_[i].not_after_unix; }
  CertStatus status(std::size_t i) const { return entries_[i].status; }
  std::int64_t days_left(std::size_t i) const { return entries_[i].days_left; }
  std::size_t index(std::size_t i) const { return entries_[i].index; }
  bool is_ca(std::size_t i) const { return (entries_[i].flags & kIsCa) != 0; }
  // An endpoint's leaf (from_endpoint, index 0), which gets a verification note and may fail
  // the run; `endpoint_unverified`: one whose chain did not verify although it must.
  bool endpoint_leaf(std::size_t i) const { return (entries_[i].flags & kEndpointLeaf) != 0; }
  bool endpoint_unverified(std::size_t i) const {
    return (entries_[i].flags & kEndpointUnverified) != 0;
  }
  // Its Tigera annotations were checked and disagree with it.
  bool tigera_disagrees(std::size_t i) const { return (entries_[i].flags & kTigeraDisagrees) != 0; }
  std::string_view source(std::size_t i) const;
  std::string_view sha256_fingerprint(std::size_t i) const;

  // Stable sort of entries [from, size()) by not_after, soonest first.
  void sort_by_not_after(std::size_t from = 0);

  const_iterator begin() const;
  const_iterator end() const;

  // Decodes each entry in order into one InspectedCert it holds: a reference from * is valid
  // until the iterator moves.
  class const_iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = InspectedCert;
    using difference_type = std::ptrdiff_t;
    using pointer = const InspectedCert*;
    using reference = const InspectedCert&;

    const_iterator(const CertificateList* list, std::size_t i) : list_(list), i_(i) {}
    reference operator*() const;
    pointer operator->() const { return &**this; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const const_iterator& other) const { return i_ == other.i_; }
    bool operator!=(const const_iterator& other) const { return i_ != other.i_; }

   private:
    const CertificateList* list_;
    std::size_t i_;
    mutable InspectedCert current_;
    mutable std::size_t decoded_ = static_cast<std::size_t>(-1);
  };

 private:
  static constexpr std::uint8_t kIsCa = 1;
  static constexpr std::uint8_t kEndpointLeaf = 2;
  static constexpr std::uint8_t kEndpointUnverified = 4;
  static constexpr std::uint8_t kTigeraDisagrees = 8;

  struct Entry {
    std::int64_t not_after_unix = 0;
    std::int64_t days_left = 0;
    std::size_t index = 0;     // InspectedCert::index
    std::uint32_t block = 0;   // which of blocks_
    std::uint32_t offset = 0;  // where in it the encoded fields start
    CertStatus status = CertStatus::ok;
    std::uint8_t flags = 0;
  };

  Entry encode(const InspectedCert& cert);
  const char* data(const Entry& e) const { return blocks_[e.block].data() + e.offset; }

  std::vector<Entry> entries_;
  // Each block is filled up to the capacity it was given and never grows past it, so encoded
  // entries never move while the list is appended to.
  std::vector<std::string> blocks_;
  std::string scratch_;  // the entry being encoded
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
  CertificateList certificates;
  std::vector<InspectedLicense> licenses;
  std::vector<InspectError> errors;
  std::vector<InspectSkipped> skipped;
  std::vector<TigeraStatus> tigera_statuses;  // TigeraStatus objects among the inputs
  // The inputs as given (files, directories, globs, "-", --connect targets, --license files),
  // for the per-source gauge of the Prometheus output. Errors are matched to the input they are
  // at or under.
  std::vector<std::string> inputs;
};

// How the text and JSON renderings treat the same certificate met at several places (the same
// SHA-256 fingerprint: hash links, a bundle and its member files, Secret-volume symlinks), and
// how wide the text may be.
struct RenderOptions {
  // One row per distinct certificate (the first in report order, which is expiry order), its
  // other places counted in the text and listed in JSON's "paths"; false keeps one per place.
  // Certificates without a fingerprint are never merged.
  bool dedupe = true;
  // The text's width in columns: long subjects and sources are cut to fit, marked "...". 0 never
  // cuts (stdout is not a terminal, or -o wide).
  std::size_t width = 0;
};

// For each certificate of the report, the index of the first certificate with the same
// fingerprint (itself when it is the first, or when it has no fingerprint).
std::vector<std::size_t> first_of_each_certificate(const InspectReport& report);

// kubeadm's residual time (k8s.io/apimachinery duration.ShortHumanDuration, as
// `kubeadm certs check-expiration` prints it): "45s", "59m", "23h", "364d", "9y"; "<invalid>"
// when more than a second in the past, "0s" within it.
std::string short_human_duration(std::int64_t seconds);

// The certificate's display source for a location: the file, with the Secret, ConfigMap or
// embedded key it sat under.
std::string describe_location(const CertLocation& location);

// Sorts certificates and licenses by expiry, soonest first (no expiry last), keeping the order of
// equal ones.
void sort_by_expiry(InspectReport& report);

// {"schema": "promtls/inspect/v1", judged_at, summary, certificates, licenses, errors, skipped}
// (DESIGN.md). `summary` counts certificates and licenses by status (every status present, zero
// or not), errors and skipped files. JSON keeps one entry per place a certificate was found
// (as before, for scripts), and each carries "paths": every source its fingerprint was found at,
// in report order. `options` is accepted for symmetry with the text renderers.
nlohmann::ordered_json inspect_json(const InspectReport& report, const RenderOptions& options = {});

// The status table (STATUS, DAYS, NOT AFTER, SUBJECT, SOURCE), then notes (annotation
// mismatches, endpoint verification), licenses, errors and a summary line ("12 certificates
// (1 expired), 3 skipped; 0 licenses, 0 errors; judged at ..."). A subject without a CN is shown
// by its O and OU, else its whole DN.
std::string render_inspect_text(const InspectReport& report, const RenderOptions& options = {});

// The kubeadm view (`kubeadm certs check-expiration`): CERTIFICATE, EXPIRES, RESIDUAL TIME,
// CERTIFICATE AUTHORITY (the issuer CN), SOURCE for the certificates that are not CAs, then
// CERTIFICATE AUTHORITY, EXPIRES, RESIDUAL TIME, SOURCE for the CAs; then the same notes,
// licenses, errors and summary line as render_inspect_text().
std::string render_inspect_table(const InspectReport& report, const RenderOptions& options = {});

// The name a person knows a certificate by: its subject CN; else its O and OU ("O=x, OU=y");
// else its whole subject DN; "(empty subject)" only when the subject has nothing.
std::string display_subject(const CertInfo& cert);

// certificate_families() and license_families() for the report, without duplicate series.
std::vector<MetricFamily> inspect_families(const InspectReport& report);

// Writes render_exposition(inspect_families(report)) to `out`, byte for byte, without building
// the families: the certificate gauges are written sample by sample from the report (holding
// each kept certificate's labels once, for the duplicate check), in chunks of about 64 KiB, so
// inspect over 100,000 certificates never holds the whole text. Stream errors are left in `out`'s
// state for the caller.
//
// After the certificate and license gauges: promtls_source_up{source} for every input of the
// report (1 when no error is at or under it, else 0) and for every error source not under any
// input (0), so a textfile-collector job alerts on a path that stopped being readable.
void write_inspect_exposition(const InspectReport& report, std::ostream& out);

// The promtls_source_up samples write_inspect_exposition() ends with: (source, 1 or 0), in the
// order of report.inputs, then the uncovered error sources in error order.
std::vector<std::pair<std::string, double>> inspect_source_up(const InspectReport& report);

// One reason a run fails: a certificate or license that reached --fail-on, or an endpoint whose
// chain did not verify.
struct InspectFailure {
  std::string kind;       // "certificate", "license" or "endpoint"
  std::string source;     // as in the report's entry
  std::size_t index = 0;  // certificates: the position within the source; else 0
  std::string status;     // the status that reached --fail-on; "unverified" for an endpoint
  std::string reason;     // the verification error, or why a warning counts; "" otherwise
};

// The exit code and everything behind it. Precedence: cannot_run (3) when any input could not
// be read or parsed, because the report is then incomplete, even when something also reached
// --fail-on; else check_failed (1) when anything is in `failed`; else ok (0).
struct InspectVerdict {
  ExitCode code = ExitCode::ok;
  FailOn fail_on = FailOn::critical;
  std::size_t unreadable = 0;  // report.errors.size()
  std::vector<InspectFailure> failed;
  // "" for exit 0; else one line naming every cause, e.g. "exit 3: 2 inputs could not be read
  // (the report is incomplete); also 1 certificate reached --fail-on critical".
  std::string summary;
};

// `failed` holds each certificate and license whose status reaches `fail_on`; with
// FailOn::warning also each certificate whose Tigera annotations disagree with it (counted as a
// warning); and, whatever `fail_on`, each endpoint (its leaf) whose chain or name did not verify
// unless verify_required is false (--no-verify).
InspectVerdict inspect_verdict(const InspectReport& report, FailOn fail_on);

// Adds "exit_code", "exit_reason" (the summary, null for 0), "fail_on" and "failed" [{kind,
// source, index, status, reason}] to inspect_json()'s object, beside its "errors".
void add_verdict_json(nlohmann::ordered_json& report_json, const InspectVerdict& verdict);

// Writes inspect_json(report) with add_verdict_json(verdict) applied, as `dump(2)` and a newline
// print it, byte for byte, without building the document: each certificate is written as it is
// reached, in report order, through a buffer that goes to `out` every 64 KiB. Only `summary`
// (which comes first) is counted beforehand. Stream errors are left in `out`'s state.
void write_inspect_json(const InspectReport& report, const InspectVerdict& verdict,
                        std::ostream& out, const RenderOptions& options = {});

// inspect_verdict(report, fail_on).code.
ExitCode inspect_exit_code(const InspectReport& report, FailOn fail_on);

}  // namespace promtls::core
