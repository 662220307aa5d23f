#include "promtls/core/metric_table.hpp"

namespace promtls::core {
namespace {

using namespace metric;

constexpr std::array<const MetricSpec*, 26> kTable{&kX509CertExpired,
                                                   &kX509CertNotAfter,
                                                   &kX509CertNotBefore,
                                                   &kLicenseExpiry,
                                                   &kLicenseValid,
                                                   &kBuildInfo,
                                                   &kTlsHandshakes,
                                                   &kServingCertificateNotAfter,
                                                   &kCredentialReloads,
                                                   &kSourceErrors,
                                                   &kSourceUp,
                                                   &kHttpRequests,
                                                   &kConnectionsRejected,
                                                   &kConnectionsEvicted,
                                                   &kOpenConnections,
                                                   &kProcessCpuSeconds,
                                                   &kProcessOpenFds,
                                                   &kProcessMaxFds,
                                                   &kProcessResidentMemory,
                                                   &kProcessStartTime,
                                                   &kProcessVirtualMemory,
                                                   &kTigeraCertificateExpiry,
                                                   &kTigeraLicenseExpiry,
                                                   &kTigeraLicenseValid,
                                                   &kTigeraComponentStatus,
                                                   &kCalicoDeniedPackets};

}  // namespace

std::string_view to_string(MetricType type) {
  switch (type) {
    case MetricType::gauge:
      return "gauge";
    case MetricType::counter:
      return "counter";
    case MetricType::untyped:
      return "untyped";
  }
  return "untyped";
}

std::span<const MetricSpec* const> metric_table() { return kTable; }

const MetricSpec* find_metric(std::string_view name) {
  for (const MetricSpec* spec : kTable) {
    if (spec->name == name) return spec;
  }
  return nullptr;
}

}  // namespace promtls::core
