// promtls rules: print Prometheus alerting rules for the metrics serve exposes.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "exit_status.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/metric_table.hpp"
#include "promtls/core/rules.hpp"

namespace promtls::cli {
namespace {

struct RulesCliOptions {
  std::string format = "prometheus-rule";
  std::string metrics_compat = "promtls";
  int warn_days = core::kDefaultWarnDays;
  int crit_days = core::kDefaultCritDays;
  bool warn_days_given = false;
  bool crit_days_given = false;
  std::string source_down_for = core::kDefaultSourceDownFor;
  bool source_down_for_given = false;
  std::string name;
  std::string namespace_name;
  std::vector<std::string> labels;
};

ExitCode run(const RulesCliOptions& o) {
  core::RulesOptions options;
  options.format =
      o.format == "prometheus" ? core::RulesFormat::prometheus : core::RulesFormat::prometheus_rule;
  options.compat =
      o.metrics_compat == "tigera" ? core::MetricsCompat::tigera : core::MetricsCompat::none;
  if (o.warn_days_given) options.warn_days = o.warn_days;
  if (o.crit_days_given) options.crit_days = o.crit_days;
  if (o.source_down_for_given) options.source_down_for = o.source_down_for;
  options.name = o.name;
  options.namespace_name = o.namespace_name;
  for (const std::string& label : o.labels) {
    const auto eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--label " + label + ": expected KEY=VALUE", ExitCode::usage);
    }
    options.labels.emplace_back(label.substr(0, eq), label.substr(eq + 1));
  }
  if (options.format == core::RulesFormat::prometheus &&
      (!o.name.empty() || !o.namespace_name.empty() || !o.labels.empty())) {
    throw Error(
        "--name, --namespace and --label describe the PrometheusRule object; "
        "--format prometheus has no metadata",
        ExitCode::usage);
  }
  std::cout << core::render_rules(options);
  return ExitCode::ok;
}

}  // namespace

void register_rules(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<RulesCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "rules", "print Prometheus alerting rules for certificate and license expiry");
  sub->add_option("--format", options->format,
                  "a PrometheusRule object (Prometheus operator) or a plain rules file")
      ->check(CLI::IsMember({"prometheus-rule", "prometheus"}))
      ->capture_default_str();
  sub->add_option("--metrics-compat", options->metrics_compat,
                  "alert on promtls' metric names, or reproduce the Tigera operator's rules")
      ->check(CLI::IsMember({"promtls", "tigera"}))
      ->capture_default_str();
  add_number_option(*sub, "--warn-days", options->warn_days, 1, 3650, "DAYS",
                    "the warning alerts fire when fewer than DAYS are left")
      ->capture_default_str()
      ->each([options](const std::string&) { options->warn_days_given = true; });
  add_number_option(*sub, "--crit-days", options->crit_days, 1, 3650, "DAYS",
                    "the critical alerts fire when fewer than DAYS are left")
      ->capture_default_str()
      ->each([options](const std::string&) { options->crit_days_given = true; });
  sub->add_option("--source-down-for", options->source_down_for,
                  "PromtlsSourceDown fires when a watched source has been unreadable "
                  "(promtls_source_up == 0) for this long (Prometheus duration; 0s: at once)")
      ->type_name("DURATION")
      ->capture_default_str()
      ->each([options](const std::string&) { options->source_down_for_given = true; });
  sub->add_option("--name", options->name,
                  "metadata.name of the PrometheusRule (default: promtls; tigera: calico)")
      ->type_name("NAME");
  sub->add_option("--namespace", options->namespace_name,
                  "metadata.namespace of the PrometheusRule (default: none; tigera: "
                  "tigera-prometheus)")
      ->type_name("NAMESPACE");
  add_repeatable_option(*sub, "--label", options->labels,
                        "add a metadata label, e.g. for the Prometheus operator's ruleSelector "
                        "(repeatable)")
      ->type_name("KEY=VALUE");
  namespace m = core::metric;
  sub->footer(
      "\nAlerts (default): certificates from " + std::string(m::kX509CertNotAfter.name) + " / " +
      std::string(m::kX509CertExpired.name) + " /\n" + std::string(m::kX509CertNotBefore.name) +
      ", licenses from " + std::string(m::kLicenseExpiry.name) + " /\n" +
      std::string(m::kLicenseValid.name) +
      ", and serve's own health (credential reloads, serving certificate,\n"
      "a watched source down for --source-down-for, source errors). --metrics-compat tigera\n"
      "prints the operator's PrometheusRule calico.\n"
      "Check the output with promtool check rules (--format prometheus).\n" +
      exit_status_footer({{ExitCode::ok, "printed"},
                          {ExitCode::usage, "usage error"},
                          {ExitCode::interrupted, "interrupted (SIGINT)"}}));
  sub->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace promtls::cli
