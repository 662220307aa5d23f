#include "thresholds.hpp"

#include <CLI/CLI.hpp>
#include <memory>

#include "promtls/core/error.hpp"

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
  app.add_option_function<std::vector<std::string>>(
         "--warn", [](const std::vector<std::string>&) {},
         "warning when less than DURATION is left (30d, 72h, 1d12h; units w d h m s) or PERCENT "
         "of the lifetime is used (66%); default 30d; repeatable for one of each")
      ->type_name("DURATION|PERCENT")
      ->allow_extra_args(false)
      ->each(record(o.warn, "--warn"));
  app.add_option_function<std::vector<std::string>>(
         "--crit", [](const std::vector<std::string>&) {},
         "critical when less than DURATION is left or PERCENT of the lifetime is used; default "
         "7d, but never before the --warn threshold when only --warn is given")
      ->type_name("DURATION|PERCENT")
      ->allow_extra_args(false)
      ->each(record(o.crit, "--crit"));
  app.add_option("--warn-days", o.warn_days, "alias of --warn DAYSd")
      ->check(CLI::NonNegativeNumber)
      ->type_name("DAYS")
      ->each(record(o.warn, "--warn-days"));
  app.add_option("--crit-days", o.crit_days, "alias of --crit DAYSd")
      ->check(CLI::NonNegativeNumber)
      ->type_name("DAYS")
      ->each(record(o.crit, "--crit-days"));
  if (warn_percent) {
    app.add_option("--warn-percent", o.warn_percent, "alias of --warn PERCENT%")
        ->check(CLI::Range(0.0, 100.0))
        ->type_name("PERCENT")
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
      if (!s) throw Error(error, kExitUsage);
      s->given = g;
      out.push_back(std::move(*s));
    }
    return out;
  };
  const auto policy = core::make_expiry_policy(settings(o.warn), settings(o.crit), error);
  if (!policy) throw Error(error, kExitUsage);
  return *policy;
}

}  // namespace promtls::cli
