// The CI renderers as pure functions: GitHub workflow-command escaping, JUnit and SARIF shapes,
// and a description for every finding code the evaluators emit. (The CLI tests check the same
// outputs with real parsers.)
#include "promtls/core/ci_report.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "promtls/core/manifest.hpp"

using namespace promtls::core;

namespace {

Finding finding(std::string code, Severity s, std::string message, std::optional<Origin> o) {
  return Finding{std::move(code), s, {"METRICS_PORT"}, {}, std::move(message), "a hint", o};
}

ValidateRun sample() {
  ValidateRun run;
  TargetReport t{"Deployment ns/app, container app",
                 Origin{Origin::Kind::manifest, "dir/de ploy.yaml", 12, "Deployment ns/app"},
                 {}};
  t.evaluation.upstream.accepts = false;
  t.evaluation.upstream.error = "listen tcp: address tcp/abc: unknown port";
  t.evaluation.findings.push_back(finding(
      "port-invalid", Severity::error, "100% bad, a:b\nnext <&>",
      Origin{Origin::Kind::manifest, "dir/de ploy.yaml", 14, "Deployment ns/app, container app"}));
  t.evaluation.findings.push_back(
      finding("metrics-disabled", Severity::info, "plain", std::nullopt));
  run.targets.push_back(std::move(t));
  return run;
}

}  // namespace

TEST_CASE("github output escapes data and properties as the runner expects") {
  const std::string out = render_github(sample());
  CHECK(out.find("::error file=dir/de ploy.yaml,line=14,title=port-invalid METRICS_PORT::100%25 "
                 "bad, a:b%0Anext <&> [Deployment ns/app, container app]%0Ahint: a hint\n") !=
        std::string::npos);
  // No position: a plain line.
  CHECK(out.find("\ninfo metrics-disabled METRICS_PORT: plain") != std::string::npos);
  CHECK(out.find("INVALID Deployment ns/app, container app: 1 error, 0 warnings; knative refuses "
                 "to start: listen tcp: address tcp/abc: unknown port") != std::string::npos);
}

TEST_CASE("github output annotates errors and warnings without a position, without file") {
  ValidateRun run;
  TargetReport t{"environment", std::nullopt, {}};
  t.evaluation.findings.push_back(finding("port-out-of-range", Severity::error, "port 80",
                                          Origin{Origin::Kind::flag, "", 0, ""}));
  t.evaluation.findings.push_back(
      finding("value-whitespace", Severity::warning, "spaces", std::nullopt));
  run.targets.push_back(std::move(t));
  run.findings.push_back(finding("manifest-syntax", Severity::error, "broken", std::nullopt));
  const std::string out = render_github(run);
  INFO(out);
  CHECK(
      out.find("::error title=port-out-of-range METRICS_PORT::port 80 (--set)%0Ahint: a hint\n") !=
      std::string::npos);
  CHECK(out.find("::warning title=value-whitespace METRICS_PORT::spaces%0Ahint: a hint\n") !=
        std::string::npos);
  CHECK(out.rfind("::error title=manifest-syntax METRICS_PORT::broken%0Ahint: a hint\n", 0) == 0);
  CHECK(out.find("file=") == std::string::npos);
}

TEST_CASE("junit output has one testcase per target with an escaped failure") {
  const std::string out = render_junit(sample());
  CHECK(out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
  CHECK(out.find("tests=\"1\" failures=\"1\"") != std::string::npos);
  CHECK(out.find("<failure message=\"listen tcp: address tcp/abc: unknown port\" "
                 "type=\"port-invalid\">") != std::string::npos);
  CHECK(out.find("next &lt;&amp;&gt;") != std::string::npos);
}

TEST_CASE("junit output replaces bytes XML cannot carry") {
  ValidateRun run = sample();
  run.targets[0].evaluation.findings[0].message = std::string("bad\x01\xff byte");
  const std::string out = render_junit(run);
  CHECK(out.find("bad\\x01\\xFF byte") != std::string::npos);
}

TEST_CASE("sarif output has one rule per code and results with locations") {
  const auto j = sarif_json(sample(), "1.2.3");
  CHECK(j["version"] == "2.1.0");
  const auto& r = j["runs"][0];
  CHECK(r["tool"]["driver"]["name"] == "promtls");
  REQUIRE(r["tool"]["driver"]["rules"].size() == 2);
  CHECK(r["tool"]["driver"]["rules"][0]["id"] == "port-invalid");
  CHECK(r["tool"]["driver"]["rules"][0]["shortDescription"]["text"] ==
        describe_code("port-invalid"));
  REQUIRE(r["results"].size() == 2);
  const auto& loc = r["results"][0]["locations"][0];
  CHECK(loc["physicalLocation"]["artifactLocation"]["uri"] == "dir/de%20ploy.yaml");
  CHECK(loc["physicalLocation"]["region"]["startLine"] == 14);
  CHECK(r["results"][1]["level"] == "note");
  CHECK(!r["results"][1]["locations"][0].contains("physicalLocation"));
}

TEST_CASE("sarif messages keep the hint as a separate sentence") {
  ValidateRun run = sample();
  auto& findings = run.targets[0].evaluation.findings;
  findings[0].message = "prometheus port 80, should be between 1024 and 65535";
  findings[0].hint = "9090 is the default";
  findings[1].message = "already a sentence.";
  findings[1].hint = "";
  const auto j = sarif_json(run, "1");
  const auto& results = j["runs"][0]["results"];
  CHECK(results[0]["message"]["text"] ==
        "prometheus port 80, should be between 1024 and 65535. Hint: 9090 is the default.");
  CHECK(results[1]["message"]["text"] == "already a sentence.");
}

TEST_CASE("sarif rule names differ from their ids and absolute paths are file URIs") {
  ValidateRun run = sample();
  run.targets[0].evaluation.findings[0].origin->file = "/srv/k8s/de ploy.yaml";
  const auto j = sarif_json(run, "1");
  const auto& r = j["runs"][0];
  CHECK(r["tool"]["driver"]["rules"][0]["id"] == "port-invalid");
  CHECK(r["tool"]["driver"]["rules"][0]["name"] == "PortInvalid");
  CHECK(r["tool"]["driver"]["rules"][1]["name"] == "MetricsDisabled");
  CHECK(r["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "file:///srv/k8s/de%20ploy.yaml");
}

TEST_CASE("every finding code the evaluators emit has a description") {
  // Broad inputs that trigger most codes; the point is that none falls back to the generic text.
  std::vector<Finding> all;
  const std::vector<ManifestInput> inputs{
      {"m.yaml",
       "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
       "  - name: k\n    envFrom: [{configMapRef: {name: x}}]\n    env:\n"
       "    - {name: METRICS_PROMETHEUS_PORT, value: 80}\n"
       "    - {name: METRICS_PROMETHEUS_TLS_CERT, value: \" /a\"}\n"
       "    - {name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH, value: bogus}\n"
       "    - {name: METRICS_PROMETHEUS_TLS_MIN_VERSION, value: \"1.0\"}\n"
       "    - {name: METRICS_PROMETHEUS_TLS_CERTFILE, value: x}\n"
       "    - {name: METRICS_PROMETHEUS_HOST, value: \"[::1]\"}\n"
       "  - name: t\n    env:\n    - {name: METRICS_ENABLED, value: \"true\"}\n"
       "    - {name: METRICS_SCHEME, value: https}\n    - {name: METRICS_PORT, value: http}\n"
       "    - {name: METRICS_CLIENT_AUTH, value: RequireAnyClientCert}\n"
       "    - {name: OPERATOR_NAME, value: x}\n"
       "    - {name: METRICS_TLS_KEY_FILE, valueFrom: {secretKeyRef: {name: s, key: k}}}\n"
       "---\nkind: Pod\nspec: [\n"}};
  const ManifestSet set = parse_manifests(inputs);
  all.insert(all.end(), set.findings.begin(), set.findings.end());
  EvaluateOptions options;
  for (const auto& t : set.targets) {
    const auto e = evaluate_manifest_target(t, std::nullopt, options);
    all.insert(all.end(), e.findings.begin(), e.findings.end());
  }
  REQUIRE(all.size() > 15);
  for (const Finding& f : all) {
    INFO(f.code);
    CHECK(describe_code(f.code) != describe_code("no-such-code"));
  }
}

TEST_CASE("text output for a manifest says its files are in the pod, not skipped by offline") {
  ValidateRun run;
  TargetReport t{"Pod p, container c", Origin{Origin::Kind::manifest, "m.yaml", 3, "Pod p"}, {}};
  t.evaluation.upstream.accepts = true;
  t.evaluation.upstream.files_checked = false;
  run.targets.push_back(t);
  const std::string out = render_run_text(run, TextStyle{});
  INFO(out);
  CHECK(out.find("knative accepts the variables (files not read: they are in the pod)") !=
        std::string::npos);
  CHECK(out.rfind("== Pod p, container c (m.yaml:3) [knative]\n", 0) == 0);
  CHECK(out.find("valid: 1 container checked, 0 invalid\n") != std::string::npos);
}

TEST_CASE("ci_report: the JSON and SARIF writers print what dump(2) prints of the documents") {
  using json = nlohmann::ordered_json;
  const auto dump = [](const json& j) {
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  };
  ValidateRun empty;
  ValidateRun two = sample();
  two.targets.push_back(two.targets.front());
  two.targets.back().name = "invalid UTF-8 \xff, \"quoted\"";
  two.targets.back().evaluation.findings.clear();  // empty arrays stay "[]"
  two.findings.push_back(finding("manifest-syntax", Severity::error, "not valid YAML",
                                 Origin{Origin::Kind::manifest, "a.yaml", 3, {}}));
  for (const ValidateRun* run : {&empty, &two}) {
    std::ostringstream json_out;
    write_run_json(*run, json_out);
    CHECK(json_out.str() == dump(run_json(*run)));
    std::ostringstream sarif_out;
    write_sarif_json(*run, "1.2.3", sarif_out);
    CHECK(sarif_out.str() == dump(sarif_json(*run, "1.2.3")));
  }
  std::ostringstream out;
  write_run_json(two, out);
  const json parsed = json::parse(out.str());
  CHECK(parsed["targets"].size() == 2);
}
