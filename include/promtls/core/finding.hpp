// Findings: what promtls has to say about a user's input, as values.
//
// A finding is never thrown; checks append findings to a vector and every one is reported.
// Codes are stable kebab-case identifiers, never reused for another meaning (DESIGN.md).
// Performs no I/O. All types are plain values, safe to copy between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promtls::core {

enum class Severity { info, warning, error };

// "info", "warning" or "error".
std::string_view to_string(Severity severity);

// Where a value came from: the process environment, a --set flag, an env file line, or a
// Kubernetes manifest line. `file` and `line` are set only for file-backed origins.
struct Origin {
  enum class Kind { environment, flag, env_file, manifest, builtin };
  Kind kind = Kind::builtin;
  std::string file;      // env file or manifest path; empty otherwise
  std::size_t line = 0;  // 1-based; 0 when unknown
  std::string context;   // e.g. "StatefulSet mon/app, container app"; may be empty

  // "env", "--set", "file.env:12", "deploy.yaml:41 (StatefulSet mon/app, container app)",
  // or "default".
  std::string to_string() const;
};

struct Finding {
  std::string code;  // stable kebab-case, e.g. "cert-key-mismatch"
  Severity severity = Severity::error;
  std::vector<std::string> variables;  // the variables the finding is about; may be empty
  std::string subject;                 // a file or object when no variable fits; may be empty
  std::string message;
  std::string hint;  // empty when there is none
  std::optional<Origin> origin;
};

// Counts of findings by severity.
struct FindingCounts {
  std::size_t errors = 0;
  std::size_t warnings = 0;
  std::size_t infos = 0;
};
FindingCounts count(const std::vector<Finding>& findings);

// True when any finding is an error, or (with `strict`) a warning.
bool fails(const std::vector<Finding>& findings, bool strict);

}  // namespace promtls::core
