// Profiles and the one table of environment variables each profile reads.
//
// The table feeds the parsers, --help, the man page's ENVIRONMENT section (a test keeps them
// in step) and the "did you mean" suggestions for unknown names. Performs no I/O; the table
// is immutable and safe to read from any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace promtls::core {

class EnvSnapshot;

enum class Profile { knative, tigera };

// "knative" or "tigera".
std::string_view to_string(Profile profile);
// Parses "knative" / "tigera"; nullopt otherwise ("auto" is resolved by detect_profile()).
std::optional<Profile> parse_profile(std::string_view name);

struct VariableSpec {
  std::string_view name;
  Profile profile;
  std::string_view default_value;  // as documented by the upstream component; "" when none
  std::string_view meaning;        // one sentence, for --help and the man page
  bool tls_tuning;                 // read only when TLS is on (knative R-G6)
  bool path;                       // the value names a file
  // The value assumed when a manifest sets the variable through valueFrom and promtls cannot
  // know it: one the component accepts, so that only presence-based rules apply. "" for paths
  // (a placeholder naming the reference is used instead).
  std::string_view assumed_value = {};
};

// Every variable of every profile, in documentation order.
std::span<const VariableSpec> all_variables();

// The variable called exactly `name`, or nullptr.
const VariableSpec* find_variable(std::string_view name);

// The prefix that marks a name as belonging to `profile`'s family ("METRICS_PROMETHEUS_" for
// knative), used to spot unknown names.
std::string_view family_prefix(Profile profile);

// True when `name` is read by `profile`'s component (a row of the table) or starts with its
// family prefix. METRICS_PROMETHEUS_* names belong to knative only.
bool belongs_to(std::string_view name, Profile profile);

// The profile `--profile auto` picks for a snapshot: the family with more variables present
// (set, even to ""), knative on a tie or when neither is present. `reason` receives a sentence
// saying which variables decided ("METRICS_ENABLED, METRICS_SCHEME are set").
Profile detect_profile(const EnvSnapshot& env, std::string& reason);

// The known variable of `profile` closest to `name` by edit distance, if it is close enough to
// be a plausible typo (a distance of at most a third of the name, or a shared stem); else "".
std::string_view suggest_variable(std::string_view name, Profile profile);

}  // namespace promtls::core
