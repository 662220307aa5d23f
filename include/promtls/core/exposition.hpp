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
#include <functional>
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
  // Why the text was not checked whole ("a sample on line 3 has more than 10000 labels"), ""
  // when it was: a limit of ExpositionLimits was reached and parsing stopped there (what was read
  // before is kept).
  std::string not_checked_whole;
  std::size_t sample_count() const;
};

// Bounds on the work one parse may do, so that a hostile body costs a bounded time and memory
// (issue 18): a sample with 100,000 labels or a 60 MiB body must not stall a self-test.
struct ExpositionLimits {
  std::size_t max_bytes = std::size_t{64} << 20;  // a longer text is not parsed at all
  std::size_t max_labels_per_sample = 10000;
  std::size_t max_families = 100000;
  std::size_t max_errors = 10000;  // format errors kept before parsing stops
  // Asked every 1024 lines and every 1024 labels of a sample; true stops the parse ("out of
  // time"). Core has no clock: the caller's callback holds the deadline (selftest: --timeout or
  // the job's scrape_timeout). Empty: no time bound.
  std::function<bool()> out_of_time;
};

// Parses `text`. Never fails: format errors are collected (a line with an error contributes
// nothing) and parsing continues on the next line, until a limit stops it
// (Exposition::not_checked_whole). Label names of a sample are checked for repeats in
// O(n log n).
Exposition parse_exposition(std::string_view text, const ExpositionLimits& limits = {});

}  // namespace promtls::core
