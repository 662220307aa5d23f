// A parser for the Prometheus text exposition format 0.0.4, the body a metrics endpoint returns
// for `Accept: text/plain;version=0.0.4`. It reads what Prometheus' own parser (expfmt) reads:
// `# HELP` and `# TYPE` lines, other comments, and samples `name{label="value",...} value
// [timestamp]`, and reports every format error with its 1-based line. It does not read
// OpenMetrics (`# EOF`, exemplars, `_created`) or the protobuf format.
//
// Besides syntax it checks the rules of the format document that a scraper relies on: at most
// one HELP and one TYPE per family, TYPE before the family's first sample, a family's lines in
// one group, histogram buckets with an `le` label, summary quantiles with a `quantile` label, no
// repeated label name in a sample and no two samples with the same name and labels.
//
// Pure: no I/O. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promtls::core {

struct ExpositionSample {
  std::string name;                                         // as written, e.g. "x_bucket"
  std::vector<std::pair<std::string, std::string>> labels;  // in order, values unescaped
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;
  std::size_t line = 0;
};

struct ExpositionFamily {
  std::string name;
  std::string type = "untyped";  // counter, gauge, histogram, summary or untyped
  std::optional<std::string> help;
  std::vector<ExpositionSample> samples;
};

struct ExpositionError {
  std::size_t line = 0;  // 1-based
  std::string message;
};

struct Exposition {
  std::vector<ExpositionFamily> families;  // in order of first appearance
  std::vector<ExpositionError> errors;     // in line order; empty when the text is valid
  std::size_t sample_count() const;
};

// Parses `text`. Never fails: format errors are collected (a line with an error contributes
// nothing) and parsing continues on the next line.
Exposition parse_exposition(std::string_view text);

}  // namespace promtls::core
