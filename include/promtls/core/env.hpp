// Environment snapshots: the variables a configuration is read from, each with its origin.
//
// Sources are layered: later sources override earlier ones (process environment, then env
// files in order, then --set flags). Parsing env files is pure: callers pass the file's bytes.
// Performs no I/O. Objects are not synchronised; share them read-only between threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "promtls/core/finding.hpp"

namespace promtls::core {

struct EnvValue {
  std::string value;  // verbatim, never trimmed
  Origin origin;
};

class EnvSnapshot {
 public:
  // Sets (or overrides) `name`; an empty value is kept and counts as unset where the consumer
  // says so (knative's R-G1).
  void set(std::string name, std::string value, Origin origin);

  // The entry for `name`, or nullptr when the snapshot has none. The pointer is valid until
  // the next call to set().
  const EnvValue* find(std::string_view name) const;

  // The value of `name`, or "" when absent.
  std::string_view get(std::string_view name) const;

  // True when `name` is present with a non-empty value.
  bool is_set(std::string_view name) const;

  const std::map<std::string, EnvValue, std::less<>>& entries() const { return vars_; }

 private:
  std::map<std::string, EnvValue, std::less<>> vars_;
};

// Parses a dotenv file. Accepted syntax, one assignment per line:
//   KEY=VALUE            value up to end of line, surrounding blanks removed, kept verbatim;
//                        an unquoted value ends at " #" (a comment)
//   export KEY=VALUE     the `export ` prefix is ignored
//   KEY='VALUE'          single quotes: taken literally, no escapes, may not span lines
//   KEY="VALUE"          double quotes: \n \r \t \" \\ \$ escapes; other backslashes are kept
//   # comment, blank lines, CRLF line endings
// KEY must match [A-Za-z_][A-Za-z0-9_]*. Every malformed line adds an error finding
// (`env-file-syntax`) naming file:line; well-formed lines are still returned. Returns the
// assignments in file order with their origins.
std::vector<std::pair<std::string, EnvValue>> parse_dotenv(std::string_view text,
                                                           std::string_view file_name,
                                                           std::vector<Finding>& findings);

// Splits a --set argument "KEY=VALUE" (the value verbatim, possibly empty). Returns nullopt
// when there is no '=' or the key is empty.
std::optional<std::pair<std::string, std::string>> split_assignment(std::string_view arg);

}  // namespace promtls::core
