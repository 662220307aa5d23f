#include "promtls/core/finding.hpp"

namespace promtls::core {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::info:
      return "info";
    case Severity::warning:
      return "warning";
    case Severity::error:
      return "error";
  }
  return "error";
}

std::string Origin::to_string() const {
  switch (kind) {
    case Kind::environment:
      return "env";
    case Kind::flag:
      return "--set";
    case Kind::builtin:
      return "default";
    case Kind::env_file:
    case Kind::manifest: {
      std::string out = file;
      if (line != 0) out += ":" + std::to_string(line);
      if (!context.empty()) out += " (" + context + ")";
      return out;
    }
  }
  return "";
}

FindingCounts count(const std::vector<Finding>& findings) {
  FindingCounts counts;
  for (const auto& f : findings) {
    switch (f.severity) {
      case Severity::error:
        ++counts.errors;
        break;
      case Severity::warning:
        ++counts.warnings;
        break;
      case Severity::info:
        ++counts.infos;
        break;
    }
  }
  return counts;
}

bool fails(const std::vector<Finding>& findings, bool strict) {
  const auto counts = count(findings);
  return counts.errors > 0 || (strict && counts.warnings > 0);
}

}  // namespace promtls::core
