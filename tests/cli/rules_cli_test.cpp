// promtls rules as a user runs it, checked by Prometheus' own promtool: the rules load
// (promtool check rules) and each alert fires on synthetic series exactly at its threshold
// (promtool test rules with the unit-test files in tests/rules/).
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "docs_support.hpp"
#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using namespace promtls::test::docs;

namespace {

const std::vector<std::string> kEnv = {"PATH=/usr/bin:/bin", "HOME=/nonexistent"};

// Writes `promtls rules args...` to DIR/rules.yml and copies the promtool unit-test file next
// to it; returns the path of the copied test file.
std::string prepare(const TempDir& dir, const std::vector<std::string>& args,
                    const std::string& test_file) {
  std::vector<std::string> argv{"rules"};
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult r = run_promtls(argv);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  dir.write("rules.yml", r.out, 0644);
  return dir.write(test_file, read_text(source_path("tests/rules/" + test_file)), 0644);
}

RunResult promtool(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/promtool"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, kEnv, 60000);
}

}  // namespace

TEST_CASE("promtool check rules accepts every rules file promtls prints") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {}, {"--warn-days", "60", "--crit-days", "7"}, {"--metrics-compat", "tigera"}}) {
    TempDir dir;
    std::vector<std::string> argv{"rules", "--format", "prometheus"};
    argv.insert(argv.end(), args.begin(), args.end());
    const RunResult rules = run_promtls(argv);
    REQUIRE(rules.exit_code == 0);
    const std::string file = dir.write("rules.yml", rules.out, 0644);
    const RunResult check = promtool({"check", "rules", file});
    INFO(check.out << check.err);
    CHECK(check.exit_code == 0);
    CHECK(check.out.find(args.empty() ? "SUCCESS: 11 rules found" : "SUCCESS:") !=
          std::string::npos);
  }
}

TEST_CASE("promtool test rules fires each default alert on synthetic series") {
  TempDir dir;
  const RunResult r = promtool(
      {"test", "rules", prepare(dir, {"--format", "prometheus"}, "promtls_rules.test.yml")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("promtool test rules sees the thresholds move with --warn-days and --crit-days") {
  TempDir dir;
  const std::string test =
      prepare(dir, {"--format", "prometheus", "--warn-days", "40", "--crit-days", "3"},
              "custom_days_rules.test.yml");
  const RunResult r = promtool({"test", "rules", test});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  // The same expectations fail against the default thresholds: the test can tell them apart.
  TempDir other;
  const RunResult d = promtool(
      {"test", "rules", prepare(other, {"--format", "prometheus"}, "custom_days_rules.test.yml")});
  CHECK(d.exit_code == 1);
}

TEST_CASE(
    "promtool test rules fires PromtlsSourceDown for a path missing from the start and "
    "clears it on recovery") {
  TempDir dir;
  const RunResult r = promtool(
      {"test", "rules", prepare(dir, {"--format", "prometheus"}, "source_down_rules.test.yml")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("promtool test rules sees PromtlsSourceDown's wait move with --source-down-for") {
  TempDir dir;
  const RunResult r = promtool({"test", "rules",
                                prepare(dir, {"--format", "prometheus", "--source-down-for", "2m"},
                                        "source_down_custom.test.yml")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  // The default's ten minutes do not fire on the blip: the test tells them apart.
  TempDir other;
  const RunResult d = promtool(
      {"test", "rules", prepare(other, {"--format", "prometheus"}, "source_down_custom.test.yml")});
  CHECK(d.exit_code == 1);
}

TEST_CASE("promtool test rules fires each Tigera operator alert at its exact threshold") {
  TempDir dir;
  const RunResult r =
      promtool({"test", "rules",
                prepare(dir, {"--format", "prometheus", "--metrics-compat", "tigera"},
                        "tigera_rules.test.yml")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("the PrometheusRule's spec holds the same groups as the plain rules file") {
  for (const std::string compat : {"promtls", "tigera"}) {
    const RunResult object = run_promtls({"rules", "--metrics-compat", compat});
    const RunResult plain =
        run_promtls({"rules", "--metrics-compat", compat, "--format", "prometheus"});
    REQUIRE(object.exit_code == 0);
    REQUIRE(plain.exit_code == 0);
    const YAML::Node doc = YAML::Load(object.out);
    CHECK(doc["kind"].as<std::string>() == "PrometheusRule");
    YAML::Emitter a, b;
    a << doc["spec"]["groups"];
    b << YAML::Load(plain.out)["groups"];
    CHECK(std::string(a.c_str()) == std::string(b.c_str()));
  }
}

TEST_CASE("rules rejects bad option combinations with exit 2 and a message") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--metrics-compat", "tigera", "--warn-days", "20"}, "--metrics-compat tigera"},
      {{"--warn-days", "10", "--crit-days", "10"}, "--crit-days 10 must be below --warn-days 10"},
      {{"--crit-days", "30"}, "--crit-days 30 must be below --warn-days 28"},
      {{"--warn-days", "0"}, "--warn-days"},
      {{"--format", "yaml"}, "--format"},
      {{"--label", "team"}, "--label team: expected KEY=VALUE"},
      {{"--format", "prometheus", "--namespace", "monitoring"}, "has no metadata"},
      {{"--name", "Bad_Name"}, "--name Bad_Name"},
      {{"--source-down-for", "10 minutes"},
       "--source-down-for 10 minutes: not a Prometheus duration"},
      {{"--source-down-for", "5s10m"}, "--source-down-for 5s10m"},
      {{"--source-down-for", ""}, "--source-down-for"},
      {{"--metrics-compat", "tigera", "--source-down-for", "5m"},
       "--source-down-for does not apply"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv{"rules"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const RunResult r = run_promtls(argv);
    INFO(c.message);
    CHECK(r.exit_code == 2);
    CHECK(r.out == "");
    CHECK(r.err.find(c.message) != std::string::npos);
  }
}
