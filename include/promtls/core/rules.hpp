// Prometheus alerting rules for the metrics promtls serve exposes: certificate expiry (the
// x509-certificate-exporter gauges and labels), license expiry and validity, and the server's
// own health (a watched source that stays down: promtls_source_up == 0); or, with
// MetricsCompat::tigera, the Tigera operator's rules (spec/tigera-metrics.md §5). Rendered as a
// PrometheusRule object (monitoring.coreos.com/v1, for the Prometheus operator) or as a plain
// Prometheus rules file.
//
// Performs no I/O and reads no clock (the rules compare with PromQL's time() when Prometheus
// evaluates them). Functions are pure and safe to call from any thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace promtls::core {

enum class RulesFormat {
  prometheus_rule,  // a PrometheusRule object; the groups go under spec
  prometheus,       // a rules file for Prometheus' rule_files (and promtool check rules)
};

enum class MetricsCompat {
  none,    // promtls' own metric names (DESIGN.md "Metric names")
  tigera,  // the Tigera operator's metric names and its PrometheusRule `calico`
};

// Default thresholds, as x509-certificate-exporter's bundled alerts (spec/ecosystem.md §2).
inline constexpr int kDefaultWarnDays = 28;
inline constexpr int kDefaultCritDays = 14;
// How long promtls_source_up stays 0 before PromtlsSourceDown fires. Ten minutes: a Secret
// volume's atomic swap never takes a source down, a non-atomic copy or a brief outage of a
// network mount clears within a few retries (serve retries every 30 s while errors last), and a
// path that is still unreadable after ten scrapes at the usual 1m interval is worth a look.
inline constexpr const char* kDefaultSourceDownFor = "10m";

struct RulesOptions {
  RulesFormat format = RulesFormat::prometheus_rule;
  MetricsCompat compat = MetricsCompat::none;
  // Days before expiry at which the warning and critical alerts fire; nullopt means the
  // default (28 and 14). With MetricsCompat::tigera the operator's thresholds are fixed and
  // setting either is an error.
  std::optional<int> warn_days;
  std::optional<int> crit_days;
  // The `for` of PromtlsSourceDown as a Prometheus duration ("10m", "1h30m", "0s": at once);
  // nullopt means kDefaultSourceDownFor. Not with MetricsCompat::tigera.
  std::optional<std::string> source_down_for;
  // PrometheusRule metadata. An empty name means the default ("promtls", or "calico" for
  // tigera); an empty namespace is omitted (tigera: "tigera-prometheus"). Labels are added
  // after the profile's own (tigera: prometheus and role), in the given order.
  std::string name;
  std::string namespace_name;
  std::vector<std::pair<std::string, std::string>> labels;
};

struct AlertRule {
  std::string alert;
  std::string expr;
  std::string for_duration;  // "" when the rule fires on its first evaluation
  std::string severity;      // "warning", "critical" or "info"
  std::vector<std::pair<std::string, std::string>> annotations;  // summary, description
};

struct RuleGroup {
  std::string name;
  std::vector<AlertRule> rules;
};

// The rule groups for `options` (format and metadata are ignored). Throws promtls::Error with
// ExitCode::usage when a threshold is not positive, when the critical threshold is not below the
// warning one, when source_down_for is not a Prometheus duration, or when thresholds or
// source_down_for are set together with MetricsCompat::tigera.
std::vector<RuleGroup> alert_rules(const RulesOptions& options);

// The YAML document for `options`: a comment line naming the equivalent command, then either
// the PrometheusRule object or the rules file. Throws as alert_rules(), and promtls::Error
// with ExitCode::usage for a label name or value that is not a valid Kubernetes label.
std::string render_rules(const RulesOptions& options);

// The scalar `value` as YAML: plain when that reads back as the same string, else
// single-quoted with quotes doubled.
std::string yaml_scalar(const std::string& value);

}  // namespace promtls::core
