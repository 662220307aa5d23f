#include "promtls/core/rules.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "promtls/core/error.hpp"
#include "promtls/core/metric_table.hpp"

namespace promtls::core {
namespace {

using Annotations = std::vector<std::pair<std::string, std::string>>;

std::string days(int n) { return std::to_string(n) + (n == 1 ? " day" : " days"); }

// Where a certificate came from, for annotations: the Secret when the series has Secret labels
// (x509-certificate-exporter's secret_* labels), else the file path.
constexpr const char* kCertificateSource =
    "{{ if $labels.secret_name }}Secret {{ $labels.secret_namespace }}/{{ $labels.secret_name }}"
    " key {{ $labels.secret_key }}{{ else }}{{ $labels.filepath }}{{ end }}";

// Prometheus' duration syntax (model.ParseDuration): "0", or one or more NUMBER UNIT with units
// in the order y, w, d, h, m, s, ms, each at most once. Sets `zero` when every number is 0.
bool is_prometheus_duration(const std::string& text, bool& zero) {
  zero = true;
  if (text == "0") return true;
  static constexpr std::array<std::string_view, 7> kUnits{"y", "w", "d", "h", "m", "s", "ms"};
  std::size_t at = 0;
  std::size_t next_unit = 0;
  while (at < text.size()) {
    const std::size_t digits = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0) ++at;
    if (at == digits || at - digits > 9) return false;
    if (text.find_first_not_of('0', digits) < at) zero = false;
    std::size_t end = at;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end])) != 0) ++end;
    const std::string_view unit(text.data() + at, end - at);
    std::size_t u = next_unit;
    while (u < kUnits.size() && kUnits[u] != unit) ++u;
    if (u == kUnits.size()) return false;
    next_unit = u + 1;
    at = end;
  }
  return !text.empty();
}

std::vector<RuleGroup> promtls_rules(int warn, int crit, const std::string& down_for) {
  const auto cert_expiring = [](const std::string& alert, const std::string& severity, int d) {
    return AlertRule{
        alert,
        metric::kX509CertNotAfter.str() + " - time() < " + std::to_string(d) + " * 86400",
        "",
        severity,
        {{"summary", "Certificate {{ $labels.subject_CN }} expires in less than " + days(d)},
         {"description", std::string(kCertificateSource) +
                             " (serial {{ $labels.serial_number }}, issuer {{ $labels.issuer_CN "
                             "}}) expires in {{ $value | humanizeDuration }}."}}};
  };
  const auto license_expiring = [](const std::string& alert, const std::string& severity, int d) {
    return AlertRule{
        alert,
        metric::kLicenseExpiry.str() + " - time() < " + std::to_string(d) + " * 86400",
        "",
        severity,
        {{"summary", "License {{ $labels.package }} expires in less than " + days(d)},
         {"description",
          "The {{ $labels.package }} license reported by {{ $labels.instance }} expires in "
          "{{ $value | humanizeDuration }} (a negative time means it has expired and may be in "
          "its grace period)."}}};
  };
  return {
      RuleGroup{"promtls-certificates",
                {cert_expiring("CertificateExpiringWarning", "warning", warn),
                 cert_expiring("CertificateExpiringCritical", "critical", crit),
                 AlertRule{"CertificateExpired",
                           metric::kX509CertExpired.str() + " == 1",
                           "",
                           "critical",
                           {{"summary", "Certificate {{ $labels.subject_CN }} has expired"},
                            {"description", std::string(kCertificateSource) +
                                                " (serial {{ $labels.serial_number }}) is past "
                                                "its notAfter date."}}},
                 AlertRule{"CertificateNotYetValid",
                           metric::kX509CertNotBefore.str() + " - time() > 0",
                           "",
                           "warning",
                           {{"summary", "Certificate {{ $labels.subject_CN }} is not valid yet"},
                            {"description", std::string(kCertificateSource) +
                                                " becomes valid in {{ $value | humanizeDuration "
                                                "}}; clients reject it until then."}}}}},
      RuleGroup{"promtls-licenses",
                {license_expiring("LicenseExpiringWarning", "warning", warn),
                 license_expiring("LicenseExpiringCritical", "critical", crit),
                 AlertRule{"LicenseInvalid",
                           metric::kLicenseValid.str() + " == 0",
                           "",
                           "critical",
                           {{"summary", "License {{ $labels.package }} is no longer valid"},
                            {"description",
                             "The {{ $labels.package }} license reported by {{ $labels.instance "
                             "}} has expired and its grace period is over."}}}}},
      RuleGroup{
          "promtls-server",
          {AlertRule{
               "PromtlsCredentialReloadFailed",
               "increase(" + metric::kCredentialReloads.str() + "{result=\"failure\"}[15m]) > 0",
               "",
               "warning",
               {{"summary",
                 "promtls serve on {{ $labels.instance }} failed to reload its "
                 "credentials"},
                {"description",
                 "A replaced certificate, key or client CA could not be loaded; the "
                 "server keeps serving the previous ones. Its log says why."}}},
           AlertRule{"PromtlsServingCertificateExpiring",
                     metric::kServingCertificateNotAfter.str() + " - time() < " +
                         std::to_string(crit) + " * 86400",
                     "",
                     "critical",
                     {{"summary",
                       "The serving certificate of {{ $labels.instance }} expires in "
                       "less than " +
                           days(crit)},
                      {"description",
                       "promtls serve on {{ $labels.instance }} presents a certificate that "
                       "expires in {{ $value | humanizeDuration }}; scrapes fail after that."}}},
           AlertRule{"PromtlsSourceDown",
                     metric::kSourceUp.str() + " == 0",
                     down_for,
                     "warning",
                     {{"summary",
                       "promtls serve on {{ $labels.instance }} cannot read "
                       "{{ $labels.source }}"},
                      {"description",
                       "{{ $labels.source }} " +
                           (down_for.empty() ? std::string("could not be read at the last load")
                                             : "has not been readable for " + down_for) +
                           ": its certificates or license are missing from the metrics. "
                           "promtls_source_errors_total names the files and reasons."}}},
           AlertRule{"PromtlsSourceErrors",
                     "increase(" + metric::kSourceErrors.str() + "[15m]) > 0",
                     "",
                     "warning",
                     {{"summary",
                       "promtls serve on {{ $labels.instance }} cannot read "
                       "{{ $labels.source }}"},
                      {"description",
                       "Reading {{ $labels.source }} failed ({{ $labels.reason }}); its "
                       "certificates are missing from the metrics."}}}}},
  };
}

// spec/tigera-metrics.md §5: PrometheusRule `calico`, group `calico.rules`, in the table's
// order. Expressions, `for` and severities are the operator's; the spec gives the summaries and
// what each description mentions.
std::vector<RuleGroup> tigera_rules() {
  const std::string cert = metric::kTigeraCertificateExpiry.str() + " - time()";
  const std::string license = metric::kTigeraLicenseExpiry.str() + " - time()";
  const auto tls = [](int d) {
    return Annotations{
        {"summary", "TLS certificate {{ $labels.name }} expires in less than " + days(d)},
        {"description",
         "TLS certificate {{ $labels.name }} in namespace {{ $labels.namespace }} "
         "expires in less than " +
             days(d) + "."}};
  };
  const auto component = [](const std::string& state, int minutes) {
    return Annotations{
        {"summary", "Component {{ $labels.component }} is " + state},
        {"description", "Component {{ $labels.component }} has been " + state + " for more than " +
                            std::to_string(minutes) + " minutes."}};
  };
  const std::string status = metric::kTigeraComponentStatus.str();
  const std::string degraded = status + "{condition=\"degraded\"} == 1";
  const std::string progressing = status + "{condition=\"progressing\"} == 1";
  return {RuleGroup{
      "calico.rules",
      {AlertRule{"DeniedPacketsRate",
                 "rate(" + metric::kCalicoDeniedPackets.str() + "[10s]) > 50",
                 "",
                 "info",
                 {{"summary", "Instance {{ $labels.instance }} - Large rate of packets denied"},
                  {"description",
                   "{{ $labels.instance }} with calico-node pod {{ $labels.pod }} "
                   "has been denying packets at a fast rate {{ $labels.sourceIp }} "
                   "by policy {{ $labels.policy }}."}}},
       AlertRule{"TLSCertExpiringWarning", cert + " < (30 * 24 - 8) * 3600", "", "warning",
                 tls(30)},
       AlertRule{"TLSCertExpiringCritical", cert + " < 7 * 24 * 3600", "", "critical", tls(7)},
       AlertRule{"LicenseExpiringWarning",
                 license + " < 30 * 24 * 3600",
                 "",
                 "warning",
                 {{"summary", "Calico Enterprise license expires in less than 30 days"},
                  {"description", "The Calico Enterprise license expires in less than 30 days."}}},
       AlertRule{
           "LicenseExpiringCritical",
           license + " < 7 * 24 * 3600 or " + metric::kTigeraLicenseValid.str() + " == 0",
           "",
           "critical",
           {{"summary", "Calico Enterprise license expires in less than 7 days or is invalid"},
            {"description",
             "The Calico Enterprise license expires in less than 7 days or is invalid."}}},
       AlertRule{"ComponentDegradedWarning", degraded, "15m", "warning", component("degraded", 15)},
       AlertRule{"ComponentDegradedCritical", degraded, "30m", "critical",
                 component("degraded", 30)},
       AlertRule{"ComponentProgressingWarning", progressing, "15m", "warning",
                 component("progressing", 15)},
       AlertRule{"ComponentProgressingCritical", progressing, "30m", "critical",
                 component("progressing", 30)}}}};
}

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Kubernetes label name segment / value: at most 63 characters of [A-Za-z0-9._-], starting and
// ending with an alphanumeric (a value may also be empty).
bool is_label_segment(const std::string& s) {
  if (s.empty() || s.size() > 63 || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// RFC 1123 subdomain (object names, label-key prefixes): lowercase alphanumerics, '-' and '.',
// at most 253 characters, starting and ending with an alphanumeric.
bool is_dns_subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253 || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

bool is_dns_label(const std::string& s) {
  return s.size() <= 63 && s.find('.') == std::string::npos && is_dns_subdomain(s);
}

bool is_label_key(const std::string& key) {
  const auto slash = key.find('/');
  if (slash == std::string::npos) return is_label_segment(key);
  return is_dns_subdomain(key.substr(0, slash)) && is_label_segment(key.substr(slash + 1));
}

void render_groups(std::string& out, const std::vector<RuleGroup>& groups,
                   const std::string& indent) {
  out += indent + "groups:\n";
  for (const RuleGroup& g : groups) {
    out += indent + "  - name: " + yaml_scalar(g.name) + "\n";
    out += indent + "    rules:\n";
    for (const AlertRule& r : g.rules) {
      const std::string in = indent + "        ";
      out += indent + "      - alert: " + yaml_scalar(r.alert) + "\n";
      out += in + "expr: " + yaml_scalar(r.expr) + "\n";
      if (!r.for_duration.empty()) out += in + "for: " + yaml_scalar(r.for_duration) + "\n";
      out += in + "labels:\n";
      out += in + "  severity: " + yaml_scalar(r.severity) + "\n";
      out += in + "annotations:\n";
      for (const auto& [key, value] : r.annotations) {
        out += in + "  " + key + ": " + yaml_scalar(value) + "\n";
      }
    }
  }
}

std::string command_line(const RulesOptions& o) {
  std::string cmd = "promtls rules";
  if (o.format == RulesFormat::prometheus) cmd += " --format prometheus";
  if (o.compat == MetricsCompat::tigera) cmd += " --metrics-compat tigera";
  if (o.warn_days) cmd += " --warn-days " + std::to_string(*o.warn_days);
  if (o.crit_days) cmd += " --crit-days " + std::to_string(*o.crit_days);
  if (o.source_down_for) cmd += " --source-down-for " + *o.source_down_for;
  if (o.format == RulesFormat::prometheus_rule) {
    if (!o.name.empty()) cmd += " --name " + o.name;
    if (!o.namespace_name.empty()) cmd += " --namespace " + o.namespace_name;
    for (const auto& [k, v] : o.labels) cmd += " --label " + k + "=" + v;
  }
  return cmd;
}

}  // namespace

std::vector<RuleGroup> alert_rules(const RulesOptions& options) {
  if (options.compat == MetricsCompat::tigera) {
    if (options.source_down_for) {
      throw Error(
          "--source-down-for does not apply to --metrics-compat tigera, which reproduces the "
          "operator's rules",
          ExitCode::usage);
    }
    if (options.warn_days || options.crit_days) {
      throw Error(
          "--warn-days and --crit-days do not apply to --metrics-compat tigera, which "
          "reproduces the operator's fixed thresholds (30 days minus 8 hours, and 7 days)",
          ExitCode::usage);
    }
    return tigera_rules();
  }
  const int warn = options.warn_days.value_or(kDefaultWarnDays);
  const int crit = options.crit_days.value_or(kDefaultCritDays);
  if (warn <= 0 || crit <= 0) {
    throw Error("--warn-days and --crit-days must be positive (got " + std::to_string(warn) +
                    " and " + std::to_string(crit) + ")",
                ExitCode::usage);
  }
  if (crit >= warn) {
    throw Error("--crit-days " + std::to_string(crit) + " must be below --warn-days " +
                    std::to_string(warn) + ": the critical alert fires closer to expiry",
                ExitCode::usage);
  }
  const std::string down_for = options.source_down_for.value_or(kDefaultSourceDownFor);
  bool zero = false;
  if (!is_prometheus_duration(down_for, zero)) {
    throw Error("--source-down-for " + down_for +
                    ": not a Prometheus duration (e.g. 10m, 1h30m, 0s for at once)",
                ExitCode::usage);
  }
  return promtls_rules(warn, crit, zero ? std::string() : down_for);
}

std::string render_rules(const RulesOptions& options) {
  const std::vector<RuleGroup> groups = alert_rules(options);
  std::string out = "# Generated by: " + command_line(options) + "\n";
  if (options.format == RulesFormat::prometheus) {
    render_groups(out, groups, "");
    return out;
  }

  const bool tigera = options.compat == MetricsCompat::tigera;
  const std::string name = !options.name.empty() ? options.name : tigera ? "calico" : "promtls";
  const std::string ns = !options.namespace_name.empty() ? options.namespace_name
                         : tigera                        ? "tigera-prometheus"
                                                         : "";
  if (!is_dns_subdomain(name)) {
    throw Error("--name " + name +
                    ": not a valid Kubernetes object name (lowercase letters, "
                    "digits, '-' and '.')",
                ExitCode::usage);
  }
  if (!ns.empty() && !is_dns_label(ns)) {
    throw Error("--namespace " + ns +
                    ": not a valid Kubernetes namespace (lowercase letters, "
                    "digits and '-', at most 63)",
                ExitCode::usage);
  }
  std::vector<std::pair<std::string, std::string>> labels;
  if (tigera) {
    labels = {{"prometheus", "calico-node-prometheus"}, {"role", "tigera-prometheus-rules"}};
  }
  for (const auto& [key, value] : options.labels) {
    if (!is_label_key(key) || (!value.empty() && !is_label_segment(value))) {
      throw Error("--label " + key + "=" + value +
                      ": not a valid Kubernetes label (name and value: at most 63 of "
                      "[A-Za-z0-9._-], starting and ending with a letter or digit)",
                  ExitCode::usage);
    }
    labels.emplace_back(key, value);
  }

  out += "apiVersion: monitoring.coreos.com/v1\n";
  out += "kind: PrometheusRule\n";
  out += "metadata:\n";
  out += "  name: " + yaml_scalar(name) + "\n";
  if (!ns.empty()) out += "  namespace: " + yaml_scalar(ns) + "\n";
  if (!labels.empty()) {
    out += "  labels:\n";
    for (const auto& [key, value] : labels) {
      out += "    " + yaml_scalar(key) + ": " + yaml_scalar(value) + "\n";
    }
  }
  out += "spec:\n";
  render_groups(out, groups, "  ");
  return out;
}

std::string yaml_scalar(const std::string& value) {
  bool plain = !value.empty() && value.front() != ' ' && value.back() != ' ' &&
               value.back() != ':' && value.find(": ") == std::string::npos &&
               value.find(" #") == std::string::npos;
  // Indicators that cannot start a plain scalar, and characters plain scalars cannot hold.
  if (plain && std::string("-?:,[]{}#&*!|>'\"%@`").find(value.front()) != std::string::npos) {
    plain = false;
  }
  if (plain && value.find_first_of("\n\t\r\\") != std::string::npos) plain = false;
  // Values a YAML 1.1 or 1.2 reader would turn into a bool, null or number.
  if (plain) {
    std::string lower = value;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}) {
      if (lower == word) plain = false;
    }
    for (const char* word : {".inf", "+.inf", "-.inf", ".nan"}) {
      if (lower == word) plain = false;
    }
    // Numbers, hex/octal/binary, sexagesimals and dates: only digits and these characters.
    const bool number_start = std::isdigit(static_cast<unsigned char>(value.front())) != 0 ||
                              std::string("+-.").find(value.front()) != std::string::npos;
    if (number_start && lower.find_first_not_of("0123456789+-.:_eoxbacdf") == std::string::npos) {
      plain = false;
    }
  }
  if (plain) return value;
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  return quoted + "'";
}

}  // namespace promtls::core
