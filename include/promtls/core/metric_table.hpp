// The one table of metric families: every family promtls exposes (serve, `inspect --output
// prometheus`), the Tigera operator's families of `--metrics-compat tigera`
// (spec/tigera-metrics.md §3), and the foreign families `promtls rules --metrics-compat tigera`
// alerts on. Each entry is the family's name, type, HELP text and label names; the renderers
// (core/metrics.hpp), serve's families (src/net/state.cpp), the license families
// (core/license.hpp) and the alert expressions (core/rules.cpp) read names and texts from here,
// never re-typed. DESIGN.md "Metric names" lists the same names; a test keeps them in step.
//
// Constants only: no I/O, nothing mutable. Thread-safe.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>

namespace promtls::core {

enum class MetricType { gauge, counter, untyped };

// "gauge", "counter", "untyped": the word on the exposition's TYPE line.
std::string_view to_string(MetricType type);

// Who writes a family. promtls renders `promtls` and `tigera_compat` families; `foreign` ones are
// written by another program and only named by alert rules.
enum class MetricOrigin { promtls, tigera_compat, foreign };

struct MetricSpec {
  std::string_view name;
  MetricType type = MetricType::gauge;
  std::string_view help;
  // Every label a sample of the family may carry, in the order they are printed. Families whose
  // labels depend on the input (the certificate gauges) print only the non-empty ones.
  std::span<const std::string_view> labels;
  MetricOrigin origin = MetricOrigin::promtls;

  // The name as a std::string, for building PromQL expressions and families.
  std::string str() const { return std::string(name); }
};

namespace metric {
namespace labels {
// x509-certificate-exporter's certificate labels (DESIGN.md), in its order.
inline constexpr std::array<std::string_view, 23> kCertificate{
    "serial_number",       "subject_C",        "subject_ST",   "subject_L",
    "subject_O",           "subject_OU",       "subject_CN",   "issuer_C",
    "issuer_ST",           "issuer_L",         "issuer_O",     "issuer_OU",
    "issuer_CN",           "filename",         "filepath",     "embedded_kind",
    "embedded_key",        "secret_namespace", "secret_name",  "secret_key",
    "configmap_namespace", "configmap_name",   "configmap_key"};
inline constexpr std::array<std::string_view, 1> kPackage{"package"};
inline constexpr std::array<std::string_view, 1> kVersion{"version"};
inline constexpr std::array<std::string_view, 1> kResult{"result"};
inline constexpr std::array<std::string_view, 1> kCode{"code"};
inline constexpr std::array<std::string_view, 4> kHandshake{"result", "reason", "version", "group"};
inline constexpr std::array<std::string_view, 2> kSourceReason{"source", "reason"};
inline constexpr std::array<std::string_view, 1> kSource{"source"};
// client_golang prints label pairs sorted by name (spec §3).
inline constexpr std::array<std::string_view, 3> kTigeraCertificate{"issuer", "name", "namespace"};
inline constexpr std::array<std::string_view, 2> kTigeraComponent{"component", "condition"};
inline constexpr std::array<std::string_view, 2> kCalicoDenied{"policy", "srcIP"};
}  // namespace labels

// --- certificates (x509-certificate-exporter's names, DESIGN.md) ---
inline constexpr MetricSpec kX509CertNotAfter{
    "x509_cert_not_after", MetricType::gauge,
    "The date after which the certificate expires, as a Unix timestamp.", labels::kCertificate};
inline constexpr MetricSpec kX509CertNotBefore{
    "x509_cert_not_before", MetricType::gauge,
    "The date before which the certificate is not valid, as a Unix timestamp.",
    labels::kCertificate};
inline constexpr MetricSpec kX509CertExpired{"x509_cert_expired", MetricType::gauge,
                                             "1 when the certificate has expired, else 0.",
                                             labels::kCertificate};

// --- licenses ---
inline constexpr MetricSpec kLicenseExpiry{"promtls_license_expiry_timestamp_seconds",
                                           MetricType::gauge, "Unix timestamp of license expiry.",
                                           labels::kPackage};
inline constexpr MetricSpec kLicenseValid{
    "promtls_license_valid", MetricType::gauge,
    "Whether the license is valid (including grace period). 1 = valid, 0 = invalid.",
    labels::kPackage};

// --- serve's own ---
inline constexpr MetricSpec kBuildInfo{"promtls_build_info", MetricType::gauge,
                                       "promtls build information; the value is always 1.",
                                       labels::kVersion};
inline constexpr MetricSpec kTlsHandshakes{
    "promtls_tls_handshakes_total", MetricType::counter,
    "TLS handshakes by result (success, failure), failure reason, negotiated TLS version and "
    "key-exchange group.",
    labels::kHandshake};
inline constexpr MetricSpec kServingCertificateNotAfter{
    "promtls_serving_certificate_not_after",
    MetricType::gauge,
    "Expiry of the certificate this server presents, as Unix seconds.",
    {}};
inline constexpr MetricSpec kCredentialReloads{
    "promtls_credential_reloads_total", MetricType::counter,
    "Reloads of the serving certificate, key and client CA by result.", labels::kResult};
// One failed read of a file (or of a watched path that cannot be walked) per load attempt: the
// first load, each reload after a change, and each retry while errors last (src/net/state.cpp).
// Skipped files (keys, CSRs, ...) are never errors. The source is the file that failed.
inline constexpr MetricSpec kSourceErrors{
    "promtls_source_errors_total", MetricType::counter,
    "Errors reading watched certificate sources, by source and reason.", labels::kSourceReason};
// One series per --watch path and --license file as given: 1 when its last load read the path
// and every file under it without an error, else 0 (x509-certificate-exporter v4's
// x509_source_up). The primary input of the PromtlsSourceDown alert (core/rules.hpp).
inline constexpr MetricSpec kSourceUp{
    "promtls_source_up", MetricType::gauge,
    "1 when the source (a watched or inspected path) and every file under it were read at the "
    "last load, else 0.",
    labels::kSource};
inline constexpr MetricSpec kHttpRequests{"promtls_http_requests_total", MetricType::counter,
                                          "HTTP requests answered, by status code.", labels::kCode};
inline constexpr MetricSpec kConnectionsRejected{
    "promtls_connections_rejected_total",
    MetricType::counter,
    "Connections closed at once because the connection limit was reached.",
    {}};
inline constexpr MetricSpec kConnectionsEvicted{
    "promtls_connections_evicted_total",
    MetricType::counter,
    "Connections that had not made a request yet, closed to make room for a new one at the "
    "connection limit.",
    {}};
inline constexpr MetricSpec kOpenConnections{
    "promtls_open_connections", MetricType::gauge, "Connections currently open.", {}};

// --- process metrics (client_golang's process collector names and HELP texts) ---
inline constexpr MetricSpec kProcessCpuSeconds{"process_cpu_seconds_total",
                                               MetricType::counter,
                                               "Total user and system CPU time spent in seconds.",
                                               {}};
inline constexpr MetricSpec kProcessOpenFds{
    "process_open_fds", MetricType::gauge, "Number of open file descriptors.", {}};
inline constexpr MetricSpec kProcessMaxFds{
    "process_max_fds", MetricType::gauge, "Maximum number of open file descriptors.", {}};
inline constexpr MetricSpec kProcessResidentMemory{
    "process_resident_memory_bytes", MetricType::gauge, "Resident memory size in bytes.", {}};
inline constexpr MetricSpec kProcessStartTime{
    "process_start_time_seconds",
    MetricType::gauge,
    "Start time of the process since unix epoch in seconds.",
    {}};
inline constexpr MetricSpec kProcessVirtualMemory{
    "process_virtual_memory_bytes", MetricType::gauge, "Virtual memory size in bytes.", {}};

// --- the Tigera operator's, for --metrics-compat tigera (spec/tigera-metrics.md §3) ---
inline constexpr MetricSpec kTigeraCertificateExpiry{
    "tigera_operator_tls_certificate_expiry_timestamp_seconds", MetricType::gauge,
    "Unix timestamp of certificate expiry for operator-managed TLS secrets.",
    labels::kTigeraCertificate, MetricOrigin::tigera_compat};
inline constexpr MetricSpec kTigeraLicenseExpiry{
    "tigera_operator_license_expiry_timestamp_seconds", MetricType::gauge,
    "Unix timestamp of Tigera license expiry.", labels::kPackage, MetricOrigin::tigera_compat};
inline constexpr MetricSpec kTigeraLicenseValid{
    "tigera_operator_license_valid", MetricType::gauge,
    "Whether the Tigera license is valid (including grace period). 1 = valid, 0 = invalid.",
    labels::kPackage, MetricOrigin::tigera_compat};
// From TigeraStatus objects among the inputs (core/tigera_status.hpp, spec §3.1); the
// operator's alert rules (spec §5) use it.
inline constexpr MetricSpec kTigeraComponentStatus{
    "tigera_operator_component_status", MetricType::gauge,
    "TigeraStatus conditions for operator-managed components. 1 = true, 0 = false.",
    labels::kTigeraComponent, MetricOrigin::tigera_compat};
// calico-node's (Felix) denied-packets gauge, which the operator's rule group also alerts on
// (spec §5, DeniedPacketsRate).
inline constexpr MetricSpec kCalicoDeniedPackets{
    "calico_denied_packets", MetricType::gauge,
    "Total number of packets denied by calico policies.", labels::kCalicoDenied,
    MetricOrigin::foreign};
}  // namespace metric

// Every entry above, promtls' own first, in the order serve prints them.
std::span<const MetricSpec* const> metric_table();

// The entry named `name`, or nullptr.
const MetricSpec* find_metric(std::string_view name);

}  // namespace promtls::core
