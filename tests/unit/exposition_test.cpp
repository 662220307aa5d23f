// The text exposition 0.0.4 parser: what it accepts, and every format error with its line.
#include "promtls/core/exposition.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "promtls/core/metrics.hpp"

using promtls::core::parse_exposition;

namespace {
std::string first_error(std::string_view text) {
  const auto e = parse_exposition(text);
  if (e.errors.empty()) return "";
  return std::to_string(e.errors.front().line) + ": " + e.errors.front().message;
}
}  // namespace

TEST_CASE("a well-formed exposition yields its families and samples") {
  const auto e = parse_exposition(
      "# HELP http_requests_total The total.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
      "\n"
      "# A normal comment.\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n"
      "\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
      "metric_without_timestamp_and_labels 12.47\n"
      "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
      "# TYPE rpc_duration_seconds summary\n"
      "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
      "rpc_duration_seconds_sum 1.7560473e+07\n"
      "rpc_duration_seconds_count 2693\n"
      "# TYPE http_request_duration_seconds histogram\n"
      "http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n"
      "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
      "http_request_duration_seconds_sum 53423\n"
      "http_request_duration_seconds_count 144320\n");
  INFO((e.errors.empty() ? "" : e.errors.front().message));
  REQUIRE(e.errors.empty());
  REQUIRE(e.families.size() == 6);
  CHECK(e.sample_count() == 12);
  CHECK(e.families[0].name == "http_requests_total");
  CHECK(e.families[0].type == "counter");
  CHECK(e.families[0].help == "The total.");
  CHECK(e.families[0].samples[0].timestamp_ms == 1395066363000);
  CHECK(e.families[1].samples[0].labels[0].second == "C:\\DIR\\FILE.TXT");
  CHECK(e.families[1].samples[0].labels[1].second == "Cannot find file:\n\"FILE.TXT\"");
  CHECK(std::isinf(e.families[3].samples[0].value));
  CHECK(e.families[3].samples[0].timestamp_ms == -3982045);
  CHECK(e.families[4].type == "summary");
  CHECK(e.families[4].samples.size() == 3);
  CHECK(e.families[5].type == "histogram");
  CHECK(e.families[5].samples.size() == 4);
}

TEST_CASE("what promtls renders parses back without errors") {
  promtls::core::MetricFamily f{"x509_cert_not_after",
                                "Expiry \\ with\nnewline",
                                "gauge",
                                {{{{"subject_CN", "a \"b\"\nc"}}, 1.7e9}}};
  const auto e = parse_exposition(promtls::core::render_exposition({f}));
  REQUIRE(e.errors.empty());
  CHECK(e.families.at(0).help == "Expiry \\ with\nnewline");
  CHECK(e.families.at(0).samples.at(0).labels.at(0).second == "a \"b\"\nc");
}

TEST_CASE("NaN values and an empty body are valid") {
  CHECK(first_error("x NaN\n") == "");
  CHECK(first_error("") == "");
  CHECK(parse_exposition("x 1").sample_count() == 1);  // no final newline
}

TEST_CASE("syntax errors are reported with their line") {
  CHECK(first_error("ok 1\n1bad 2\n") == "2: invalid metric name \"1bad\"");
  CHECK(first_error("x{a=\"1\"\n") == "1: unexpected end of line in the label set");
  CHECK(first_error("x{a=1} 2\n") == "1: expected '\"' at start of the value of label \"a\"");
  CHECK(first_error("x{a\"1\"} 2\n") == "1: expected '=' after label name \"a\"");
  CHECK(first_error("x{a=\"\\t\"} 2\n") ==
        "1: invalid escape sequence \"\\t\" in the value of label \"a\"");
  CHECK(first_error("x{a=\"1\",a=\"2\"} 2\n") == "1: duplicate label name \"a\"");
  CHECK(first_error("x\n") == "1: expected a value after metric \"x\"");
  CHECK(first_error("x one\n") == "1: expected float as value, got \"one\"");
  CHECK(first_error("x 1 2.5\n") == "1: expected integer as timestamp, got \"2.5\"");
  CHECK(first_error("x 1 2 3\n") == "1: spurious string after timestamp: \"3\"");
  CHECK(first_error("x{a=\"1\"}} 2\n") == "1: invalid character '}' after metric name \"x\"");
  CHECK(first_error("x{a=\"1\" b=\"2\"} 2\n") ==
        "1: unexpected 'b' after the value of label \"a\"");
}

TEST_CASE("metadata errors follow the format's rules") {
  CHECK(first_error("# TYPE x gauge\n# TYPE x counter\n") ==
        "2: second TYPE line for metric name \"x\", or TYPE reported after samples");
  CHECK(first_error("x 1\n# TYPE x gauge\n") ==
        "2: second TYPE line for metric name \"x\", or TYPE reported after samples");
  CHECK(first_error("# HELP x a\n# HELP x b\n") == "2: second HELP line for metric name \"x\"");
  CHECK(first_error("# TYPE x gaug\n") == "1: unknown metric type \"gaug\"");
  CHECK(first_error("# HELP 0x help\n") == "1: invalid metric name in comment: \"0x\"");
  CHECK(first_error("# HELP x bad \\t escape\n") ==
        "1: invalid escape sequence \"\\t\" in the HELP of x");
  CHECK(first_error("# HELP\n# just a comment\n#TYPE\n") == "");
}

TEST_CASE("histograms, summaries, duplicates and grouping are checked") {
  CHECK(first_error("# TYPE h histogram\nh_bucket 1\n") ==
        "2: histogram bucket \"h_bucket\" has no \"le\" label");
  CHECK(first_error("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n") ==
        "2: histogram bucket \"h_bucket\" has a non-numeric le=\"x\"");
  CHECK(first_error("# TYPE h histogram\nh 1\n") ==
        "2: histogram \"h\" has a sample without _bucket, _sum or _count");
  CHECK(first_error("# TYPE s summary\ns 1\n") ==
        "2: summary sample \"s\" has no \"quantile\" label");
  CHECK(first_error("x{a=\"1\",b=\"2\"} 1\nx{b=\"2\",a=\"1\"} 2\n") ==
        "2: duplicate sample for \"x\" with the same labels");
  CHECK(first_error("a 1\nb 1\na{x=\"1\"} 2\n") ==
        "3: lines of metric family \"a\" are not grouped together (an earlier group ended "
        "before line 2)");
}

TEST_CASE("every bad line is reported and good lines are kept") {
  const auto e = parse_exposition("good 1\nbad{ 2\nalso_good 3\nworse x\n");
  REQUIRE(e.errors.size() == 2);
  CHECK(e.errors[0].line == 2);
  CHECK(e.errors[1].line == 4);
  CHECK(e.sample_count() == 2);
}

namespace {
// One sample `name{l0="v",l1="v",...} 1` with `labels` labels.
std::string sample_with_labels(std::size_t labels) {
  std::string s = "wide{";
  for (std::size_t i = 0; i < labels; ++i) s += (i ? ",l" : "l") + std::to_string(i) + "=\"v\"";
  return s + "} 1\n";
}
}  // namespace

TEST_CASE("a sample with more labels than the limit stops the parse and says so") {
  promtls::core::ExpositionLimits limits;
  limits.max_labels_per_sample = 100;
  auto e = parse_exposition("ok 1\n" + sample_with_labels(100) + sample_with_labels(101), limits);
  CHECK(e.not_checked_whole == "a sample on line 3 has more than 100 labels");
  CHECK(e.sample_count() == 2);  // what came before the limit is kept
  // The default limit, 10,000, against the 100,000 labels that took 18 s when the duplicate
  // check scanned every earlier label: refused at label 10,001.
  e = parse_exposition(sample_with_labels(100000));
  CHECK(e.not_checked_whole == "a sample on line 1 has more than 10000 labels");
  CHECK(e.sample_count() == 0);
  // Up to the limit, a repeated name is still found, wherever it is.
  std::string repeated = sample_with_labels(10000);
  repeated.replace(repeated.find("l9999="), 6, "l0000=");
  repeated.replace(repeated.find("l0000="), 6, "l0=");  // the second l0, at the end
  e = parse_exposition(repeated);
  CHECK(e.not_checked_whole.empty());
  REQUIRE(e.errors.size() == 1);
  CHECK(e.errors.front().message == "duplicate label name \"l0\"");
}

TEST_CASE("more families than the limit stop the parse and say so") {
  promtls::core::ExpositionLimits limits;
  limits.max_families = 3;
  const auto e = parse_exposition("# TYPE a gauge\na 1\nb 1\n# HELP c C.\nc 1\nd 1\ne 1\n", limits);
  CHECK(e.not_checked_whole == "more than 3 metric families (line 6)");
  CHECK(e.families.size() == 3);
}

TEST_CASE("a body over the size limit is not parsed at all") {
  promtls::core::ExpositionLimits limits;
  limits.max_bytes = 10;
  const auto e = parse_exposition("a_metric 1\nb 2\n", limits);
  CHECK(e.not_checked_whole == "the body is 15 bytes, over the limit of 10");
  CHECK(e.families.empty());
  CHECK(parse_exposition("a_metric 1").not_checked_whole.empty());
}

TEST_CASE("format errors past the limit stop the parse and say so") {
  promtls::core::ExpositionLimits limits;
  limits.max_errors = 2;
  const auto e = parse_exposition("1bad 1\n2bad 1\n3bad 1\ngood 1\n", limits);
  CHECK(e.errors.size() == 2);
  CHECK(e.not_checked_whole == "more than 2 format errors (stopped at line 3)");
  CHECK(e.sample_count() == 0);
}

TEST_CASE("the caller's out-of-time callback stops the parse between lines and inside a sample") {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += "m" + std::to_string(i) + " 1\n";
  promtls::core::ExpositionLimits limits;
  int asked = 0;
  limits.out_of_time = [&asked] { return ++asked == 2; };  // the second question: out of time
  auto e = parse_exposition(body, limits);
  CHECK(e.not_checked_whole == "parsing ran out of time at line 2048");
  CHECK(e.sample_count() == 2047);
  asked = 0;
  limits.out_of_time = [&asked] { return ++asked == 1; };
  e = parse_exposition(sample_with_labels(5000), limits);
  CHECK(e.not_checked_whole == "parsing ran out of time at line 1");
  CHECK(e.sample_count() == 0);
  // Never out of time: the whole body is read.
  limits.out_of_time = [] { return false; };
  CHECK(parse_exposition(body, limits).sample_count() == 5000);
}
