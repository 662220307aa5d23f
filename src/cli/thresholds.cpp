#include "thresholds.hpp"

#include <CLI/CLI.hpp>
#include <memory>

#include "common.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/time.hpp"

namespace promtls::cli {
namespace {

// Records "OPTION VALUE" for each value, so that resolve_thresholds() can name what was given.
auto record(std::vector<std::string>& into, const char* option) {
  return [&into, option](const std::string& value) {
    into.push_back(std::string(option) + " " + value);
  };
}

}  // namespace

void add_threshold_options(CLI::App& app, ThresholdOptions& o, bool warn_percent) {
  add_repeatable_option(
      app, "--warn", o.warn_values,
      "warning when less than DURATION is left (30d, 72h, 1d12h; units w d h m s) or PERCENT "
      "of the lifetime is used (66%); default 30d; repeatable for one of each")
      ->type_name("DURATION|PERCENT")
      ->each(record(o.warn, "--warn"));
  add_repeatable_option(
      app, "--crit", o.crit_values,
      "critical when less than DURATION is left or PERCENT of the lifetime is used; default "
      "7d, but never before the --warn threshold when only --warn is given")
      ->type_name("DURATION|PERCENT")
      ->each(record(o.crit, "--crit"));
  // The longest duration --warn and --crit take, in whole days.
  constexpr std::int64_t kMaxDays = core::kMaxDurationSeconds / 86400;
  add_number_option(app, "--warn-days", o.warn_days, 0, kMaxDays, "DAYS", "alias of --warn DAYSd")
      ->each(record(o.warn, "--warn-days"));
  add_number_option(app, "--crit-days", o.crit_days, 0, kMaxDays, "DAYS", "alias of --crit DAYSd")
      ->each(record(o.crit, "--crit-days"));
  if (warn_percent) {
    add_number_option(app, "--warn-percent", o.warn_percent, 0.0, 100.0, "PERCENT",
                      "alias of --warn PERCENT%")
        ->each(record(o.warn, "--warn-percent"));
  }
}

core::ExpiryPolicy resolve_thresholds(const ThresholdOptions& o) {
  std::string error;
  const auto settings = [&error](const std::vector<std::string>& given) {
    std::vector<core::ThresholdSetting> out;
    for (const std::string& g : given) {
      const std::size_t space = g.find(' ');
      const std::string option = g.substr(0, space);
      std::string value = g.substr(space + 1);
      // The aliases' values are plain numbers CLI11 has checked: days and a percentage.
      if (option == "--warn-days" || option == "--crit-days") value += "d";
      if (option == "--warn-percent") value += "%";
      auto s = core::parse_threshold(option, value, error);
      if (!s) throw Error(error, ExitCode::usage);
      s->given = g;
      out.push_back(std::move(*s));
    }
    return out;
  };
  const auto policy = core::make_expiry_policy(settings(o.warn), settings(o.crit), error);
  if (!policy) throw Error(error, ExitCode::usage);
  return *policy;
}

}  // namespace promtls::cli
