// The expiry threshold options of inspect and selftest: --warn and --crit (DURATION or PERCENT)
// with their aliases --warn-days, --crit-days and (inspect) --warn-percent, registered once and
// turned into a core::ExpiryPolicy by core::make_expiry_policy(). Part of the cli layer.
#pragma once

#include <string>
#include <vector>

#include "promtls/core/cert_policy.hpp"

namespace CLI {
class App;
}

namespace promtls::cli {

// What was given, in the order given; empty lists mean the defaults (30d and 7d).
struct ThresholdOptions {
  std::vector<std::string> warn;  // "--warn 30d", "--warn-days 30", "--warn-percent 66"
  std::vector<std::string> crit;  // "--crit 72h", "--crit-days 3"
  // Long-lived targets of CLI11's options (their values are recorded in warn and crit).
  std::vector<std::string> warn_values;
  std::vector<std::string> crit_values;
  std::int64_t warn_days = 0;
  std::int64_t crit_days = 0;
  double warn_percent = 0;
};

// Adds --warn, --crit, --warn-days, --crit-days and, when `warn_percent`, --warn-percent.
void add_threshold_options(CLI::App& app, ThresholdOptions& options, bool warn_percent);

// The policy; throws promtls::Error (exit 2) naming the option and value when one does not
// parse or the thresholds contradict each other.
core::ExpiryPolicy resolve_thresholds(const ThresholdOptions& options);

}  // namespace promtls::cli
