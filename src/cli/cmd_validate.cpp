// promtls validate: check a metrics-endpoint TLS configuration and predict what the component
// will do with it.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/profile.hpp"
#include "promtls/core/report.hpp"
#include "promtls/tls/pem.hpp"

namespace promtls::cli {
namespace {

struct ValidateOptions {
  EnvSourceOptions sources;
  std::string profile = "knative";
  std::string output = "text";
  bool offline = false;
  bool strict = false;
  int warn_days = 30;
  std::string at;
};

std::string environment_help() {
  std::string out = "\nEnvironment (knative profile):\n";
  for (const auto& v : core::all_variables()) {
    out += "  " + std::string(v.name) + "\n      " + std::string(v.meaning);
    if (!v.default_value.empty()) out += " (default " + std::string(v.default_value) + ")";
    out += "\n";
  }
  out +=
      "\nExit status: 0 valid, 1 invalid (or warnings with --strict), 2 usage error,\n"
      "3 could not run (an env file cannot be read).\n";
  return out;
}

int run(const ValidateOptions& o) {
  std::vector<core::Finding> source_findings;
  const core::EnvSnapshot env = gather_env(o.sources, source_findings);
  const auto profile = core::parse_profile(o.profile);
  if (!profile) throw Error("--profile " + o.profile + ": unknown profile", kExitUsage);

  core::EvaluateOptions options;
  options.now_unix = resolve_now(o.at);
  options.warn_days = o.warn_days;
  options.tls_library = tls::library_info();
  tls::OpenSslFileInspector inspector;
  core::Evaluation evaluation =
      core::evaluate(env, *profile, options, o.offline ? nullptr : &inspector);
  evaluation.findings.insert(evaluation.findings.begin(), source_findings.begin(),
                             source_findings.end());

  if (o.output == "json") {
    std::cout << core::validate_json(evaluation, o.strict).dump(2) << "\n";
  } else {
    std::cout << core::render_validate_text(evaluation, o.strict,
                                            core::TextStyle{stdout_wants_color()});
  }
  return core::fails(evaluation.findings, o.strict) ? kExitCheckFailed : kExitOk;
}

}  // namespace

void register_validate(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* sub = app.add_subcommand(
      "validate", "check a metrics TLS configuration and predict what the component will say");
  add_env_source_options(*sub, options->sources);
  sub->add_option("--profile", options->profile, "which component's rules apply")
      ->check(CLI::IsMember({"knative"}))
      ->capture_default_str();
  sub->add_option("-o,--output", options->output, "report format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->add_flag("--offline", options->offline, "skip every file and clock check");
  sub->add_flag("--strict", options->strict, "fail (exit 1) on warnings too");
  sub->add_option("--warn-days", options->warn_days, "warn when a certificate expires within DAYS")
      ->check(CLI::NonNegativeNumber)
      ->type_name("DAYS")
      ->capture_default_str();
  sub->add_option("--at", options->at, "judge certificates at this RFC 3339 time (default: now)")
      ->type_name("TIME");
  sub->footer(environment_help());
  sub->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace promtls::cli
