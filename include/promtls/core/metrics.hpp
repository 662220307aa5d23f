// Prometheus metric families as plain values, the certificate gauges serve and
// `inspect --output prometheus` expose (x509-certificate-exporter's names and labels, so existing
// dashboards and alerts work; DESIGN.md), and the text exposition format 0.0.4: a streamed writer
// (ExpositionWriter) and the whole-family renderer over it. Names, types and HELP texts come from
// the metric table (core/metric_table.hpp). serve renders its families with prometheus-cpp's
// TextSerializer where that gives the same bytes (src/net/prometheus_text.hpp); tests prove both
// give byte-identical exposition.
//
// Pure: no I/O, no clock (`now` is a parameter). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "promtls/core/cert_info.hpp"
#include "promtls/core/metric_table.hpp"

namespace promtls::core {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;  // printed in this order
  double value = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  std::string type = "gauge";  // "gauge", "counter", "untyped"
  std::vector<Sample> samples;
};

// A family with `spec`'s name, HELP text and type, and no samples.
MetricFamily make_family(const MetricSpec& spec);

// Where a certificate was found, for its labels. Empty fields are not emitted.
struct CertLocation {
  std::string filepath;       // the file (or object file) it came from
  std::string embedded_kind;  // "kubeconfig", "pkcs12", ... when inside a container format
  std::string embedded_key;   // e.g. the kubeconfig user or Secret key it sat under
  std::string secret_namespace;
  std::string secret_name;
  std::string secret_key;
  std::string configmap_namespace;
  std::string configmap_name;
  std::string configmap_key;
  // The cert-manager Certificate that wrote the Secret (its cert-manager.io/certificate-name
  // annotation). Shown by inspect, but not a label (not in location_fields()): the
  // x509-certificate-exporter label set stays as it is.
  std::string certificate_name;
  // The kubeconfig contexts that use the user or cluster an embedded certificate sat under,
  // joined by ", ", for people (describe_location()); never a label or a JSON location field.
  std::string kube_context = {};  // (initialised: aggregate initialisations may omit it)
};

// The non-empty location fields by their label/JSON names (filepath, embedded_kind, embedded_key,
// secret_*, configmap_*), in that order: one list for the metric labels and the JSON report.
std::vector<std::pair<std::string, std::string>> location_fields(const CertLocation& location);

// Calls visit(name, value) for each field location_fields() holds, in its order, without
// copying them.
template <typename Visit>
void visit_location_fields(const CertLocation& l, Visit&& visit) {
  const auto add = [&visit](const char* name, const std::string& value) {
    if (!value.empty()) visit(name, value);
  };
  add("filepath", l.filepath);
  add("embedded_kind", l.embedded_kind);
  add("embedded_key", l.embedded_key);
  add("secret_namespace", l.secret_namespace);
  add("secret_name", l.secret_name);
  add("secret_key", l.secret_key);
  add("configmap_namespace", l.configmap_namespace);
  add("configmap_name", l.configmap_name);
  add("configmap_key", l.configmap_key);
}

struct LocatedCert {
  CertInfo cert;
  CertLocation location;
};

// The labels x509-certificate-exporter gives a certificate: serial_number (decimal),
// subject_{C,ST,L,O,OU,CN}, issuer_{C,ST,L,O,OU,CN}, filename, filepath, embedded_*,
// secret_*, configmap_*; only non-empty ones, in that order.
std::vector<std::pair<std::string, std::string>> certificate_labels(const LocatedCert& cert);

// x509_cert_not_after, x509_cert_not_before and x509_cert_expired (1 when not_after < now).
std::vector<MetricFamily> certificate_families(const std::vector<LocatedCert>& certs,
                                               std::int64_t now_unix);

// A lower-case hex serial ("0a1b", optionally "-"-prefixed) as decimal digits.
std::string hex_serial_to_decimal(std::string_view hex);

// How sample values are printed. `go` follows Go's strconv.FormatFloat(v, 'g', -1, 64) as
// client_golang does (1.7815248e+09), needed for byte-identical Tigera output
// (spec/tigera-metrics.md §3); `plain` prints integers in full (1781524800).
enum class ValueFormat { go, plain };
std::string format_value(double value, ValueFormat format);

// Writes the text exposition (0.0.4) one line at a time, so a caller with many samples never
// holds them as families: per family "# HELP", "# TYPE", then its samples; label values escape
// \\, \" and newlines, HELP escapes \\ and newlines. Lines are appended to `out` in the order
// the calls are made; the caller may take and clear `out` between calls (to stream it). Not
// thread-safe; `out` must outlive the writer.
class ExpositionWriter {
 public:
  ExpositionWriter(std::string& out, ValueFormat format) : out_(out), format_(format) {}

  // "# HELP name help" and "# TYPE name type".
  void header(std::string_view name, std::string_view help, std::string_view type);
  void header(const MetricSpec& spec) { header(spec.name, spec.help, to_string(spec.type)); }
  // "name{labels} value"; no braces without labels.
  void sample(std::string_view name, const Labels& labels, double value);
  // The same with the labels already written by label_text().
  void sample_text(std::string_view name, std::string_view label_text, double value);
  // Appends "{k="v",...}" as sample() writes it (values escaped), or nothing without labels.
  static void label_text(std::string& out, const Labels& labels);
  // The header, then every sample of `family`.
  void family(const MetricFamily& family);

 private:
  std::string& out_;
  ValueFormat format_;
};

// The text exposition of `families`, written with ExpositionWriter, in the order given.
std::string render_exposition(const std::vector<MetricFamily>& families,
                              ValueFormat format = ValueFormat::plain);

}  // namespace promtls::core
