// TigeraStatus objects (core/tigera_status.hpp): read from `kubectl get tigerastatus -o yaml`
// output by the certificate sources, the tigera_operator_component_status gauge of
// spec/tigera-metrics.md §3.1, the state behind --fail-on, and inspect's text, JSON and
// exposition.
#include "promtls/core/tigera_status.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "promtls/core/inspect_report.hpp"
#include "promtls/tls/sources.hpp"

using namespace promtls;
using namespace promtls::core;

namespace {

// What `kubectl get tigerastatus -o yaml` prints (trimmed): a List of three components, one
// available, one degraded, one without conditions yet.
constexpr const char* kKubectlList = R"(apiVersion: v1
items:
- apiVersion: operator.tigera.io/v1
  kind: TigeraStatus
  metadata:
    name: calico
  spec: {}
  status:
    conditions:
    - lastTransitionTime: "2026-03-01T10:00:00Z"
      message: All Objects Available
      observedGeneration: 2
      reason: AllObjectsAvailable
      status: "False"
      type: Degraded
    - lastTransitionTime: "2026-03-01T10:00:00Z"
      message: All objects available
      reason: AllObjectsAvailable
      status: "True"
      type: Available
    - lastTransitionTime: "2026-03-01T10:00:00Z"
      message: All Objects Available
      reason: AllObjectsAvailable
      status: "False"
      type: Progressing
- apiVersion: operator.tigera.io/v1
  kind: TigeraStatus
  metadata:
    name: apiserver
  status:
    conditions:
    - message: 'Error querying installation: not ready'
      reason: ResourceNotReady
      status: "True"
      type: Degraded
    - reason: ResourceNotReady
      status: "False"
      type: Available
    - status: "False"
      type: Progressing
- apiVersion: operator.tigera.io/v1
  kind: TigeraStatus
  metadata:
    name: monitor
  status: {}
kind: List
metadata:
  resourceVersion: ""
)";

TigeraStatus status(const std::string& name, std::vector<TigeraStatusCondition> conditions) {
  return TigeraStatus{name, "status.yaml", std::move(conditions)};
}

}  // namespace

TEST_CASE("kubectl's TigeraStatus list is read as statuses, neither an error nor a skip") {
  const tls::LoadResult r = tls::load_bytes(kKubectlList, "tigerastatus.yaml");
  CHECK(r.errors.empty());
  CHECK(r.skipped.empty());
  CHECK(r.certificates.empty());
  REQUIRE(r.tigera_statuses.size() == 3);
  CHECK(r.tigera_statuses[0].name == "calico");
  CHECK(r.tigera_statuses[0].source == "tigerastatus.yaml");
  REQUIRE(r.tigera_statuses[0].conditions.size() == 3);
  CHECK(r.tigera_statuses[0].conditions[1].type == "Available");
  CHECK(r.tigera_statuses[0].conditions[1].status == "True");
  CHECK(r.tigera_statuses[0].conditions[1].reason == "AllObjectsAvailable");
  CHECK(r.tigera_statuses[1].conditions[0].message == "Error querying installation: not ready");
  CHECK(r.tigera_statuses[2].conditions.empty());
}

TEST_CASE("an unquoted YAML boolean status reads as True or False, and JSON objects work too") {
  const tls::LoadResult yaml = tls::load_bytes(R"(apiVersion: operator.tigera.io/v1
kind: TigeraStatus
metadata: {name: calico}
status:
  conditions:
  - {type: Available, status: True}
  - {type: Degraded, status: false}
)",
                                               "s.yaml");
  REQUIRE(yaml.tigera_statuses.size() == 1);
  CHECK(yaml.tigera_statuses[0].conditions[0].status == "True");
  CHECK(yaml.tigera_statuses[0].conditions[1].status == "False");
  const tls::LoadResult json = tls::load_bytes(
      R"({"apiVersion":"operator.tigera.io/v1","kind":"TigeraStatus","metadata":{"name":"x"},)"
      R"("status":{"conditions":[{"type":"Degraded","status":"True"}]}})",
      "s.json");
  REQUIRE(json.tigera_statuses.size() == 1);
  CHECK(component_state(json.tigera_statuses[0]) == TigeraComponentState::degraded);
}

TEST_CASE("three series per TigeraStatus, 1 only for a condition whose status is True") {
  const tls::LoadResult r = tls::load_bytes(kKubectlList, "tigerastatus.yaml");
  const MetricFamily f = tigera_component_family(r.tigera_statuses);
  CHECK(f.name == "tigera_operator_component_status");
  CHECK(f.help == "TigeraStatus conditions for operator-managed components. 1 = true, 0 = false.");
  CHECK(f.type == "gauge");
  std::ostringstream text;
  text << render_exposition({f}, ValueFormat::go);
  CHECK(text.str() ==
        "# HELP tigera_operator_component_status TigeraStatus conditions for operator-managed "
        "components. 1 = true, 0 = false.\n"
        "# TYPE tigera_operator_component_status gauge\n"
        "tigera_operator_component_status{component=\"apiserver\",condition=\"available\"} 0\n"
        "tigera_operator_component_status{component=\"apiserver\",condition=\"degraded\"} 1\n"
        "tigera_operator_component_status{component=\"apiserver\",condition=\"progressing\"} 0\n"
        "tigera_operator_component_status{component=\"calico\",condition=\"available\"} 1\n"
        "tigera_operator_component_status{component=\"calico\",condition=\"degraded\"} 0\n"
        "tigera_operator_component_status{component=\"calico\",condition=\"progressing\"} 0\n"
        "tigera_operator_component_status{component=\"monitor\",condition=\"available\"} 0\n"
        "tigera_operator_component_status{component=\"monitor\",condition=\"degraded\"} 0\n"
        "tigera_operator_component_status{component=\"monitor\",condition=\"progressing\"} 0\n");
}

TEST_CASE("status values other than the exact True are 0, and a repeated name is one component") {
  const MetricFamily f = tigera_component_family(
      {status("calico", {{"Available", "true", "", ""}, {"Degraded", "Unknown", "", ""}}),
       status("calico", {{"Available", "True", "", ""}}),
       status("log-storage", {{"Progressing", "True", "", ""}, {"Available", "True", "", ""}})});
  REQUIRE(f.samples.size() == 6);
  for (std::size_t i = 0; i < 3; ++i) CHECK(f.samples[i].value == 0);
  CHECK(f.samples[3].labels[0].second == "log-storage");
  CHECK(f.samples[3].value == 1);  // available
  CHECK(f.samples[4].value == 0);  // degraded
  CHECK(f.samples[5].value == 1);  // progressing
}

TEST_CASE("a component's state: degraded, then not available, then progressing") {
  using S = TigeraComponentState;
  CHECK(component_state(status("a", {{"Available", "True", "", ""}})) == S::available);
  CHECK(component_state(status("a", {{"Available", "True", "", ""},
                                     {"Progressing", "True", "", ""}})) == S::progressing);
  CHECK(component_state(status(
            "a", {{"Available", "True", "", ""}, {"Degraded", "True", "", ""}})) == S::degraded);
  CHECK(component_state(status("a", {{"Available", "False", "", ""},
                                     {"Progressing", "True", "", ""}})) == S::unavailable);
  CHECK(component_state(status("a", {})) == S::unavailable);
  CHECK(to_string(S::unavailable) == "unavailable");
}

TEST_CASE("a degraded or unavailable component fails every --fail-on, progressing only warning") {
  const std::vector<TigeraStatus> fine{status("a", {{"Available", "True", "", ""}})};
  const std::vector<TigeraStatus> rolling{
      status("a", {{"Available", "True", "", ""}, {"Progressing", "True", "", ""}})};
  const std::vector<TigeraStatus> degraded{
      status("a", {{"Available", "True", "", ""}, {"Degraded", "True", "", ""}})};
  const std::vector<TigeraStatus> absent{status("a", {})};
  for (const FailOn f : {FailOn::warning, FailOn::critical, FailOn::expired}) {
    CHECK_FALSE(tigera_statuses_reach(fine, f));
    CHECK(tigera_statuses_reach(degraded, f));
    CHECK(tigera_statuses_reach(absent, f));
  }
  CHECK(tigera_statuses_reach(rolling, FailOn::warning));
  CHECK_FALSE(tigera_statuses_reach(rolling, FailOn::critical));

  InspectReport report;
  report.tigera_statuses = fine;
  CHECK(inspect_exit_code(report, FailOn::expired) == ExitCode::ok);
  report.tigera_statuses = degraded;
  CHECK(inspect_exit_code(report, FailOn::expired) == ExitCode::check_failed);
}

TEST_CASE("inspect's JSON lists the statuses with their conditions and state") {
  InspectReport report;
  report.tigera_statuses = tls::load_bytes(kKubectlList, "ts.yaml").tigera_statuses;
  const auto j = inspect_json(report);
  REQUIRE(j["tigera_statuses"].size() == 3);
  const auto& api = j["tigera_statuses"][1];
  CHECK(api["name"] == "apiserver");
  CHECK(api["source"] == "ts.yaml");
  CHECK(api["state"] == "degraded");
  CHECK(api["available"] == false);
  CHECK(api["degraded"] == true);
  CHECK(api["progressing"] == false);
  REQUIRE(api["conditions"].size() == 3);
  CHECK(api["conditions"][0] == nlohmann::ordered_json({{"type", "Degraded"},
                                                        {"status", "True"},
                                                        {"reason", "ResourceNotReady"},
                                                        {"message",
                                                         "Error querying installation: "
                                                         "not ready"}}));
  CHECK(inspect_json(InspectReport{})["tigera_statuses"] == nlohmann::ordered_json::array());
}

TEST_CASE("inspect's text shows a table of components and why the bad ones are bad") {
  InspectReport report;
  report.tigera_statuses = tls::load_bytes(kKubectlList, "ts.yaml").tigera_statuses;
  const std::string text = render_inspect_text(report);
  INFO(text);
  CHECK(text.find("COMPONENT       AVAILABLE PROGRESSING DEGRADED STATE       SOURCE\n"
                  "calico          True      False       False    available   ts.yaml\n"
                  "apiserver       False     False       True     degraded    ts.yaml\n"
                  "monitor         -         -           -        unavailable ts.yaml\n") !=
        std::string::npos);
  CHECK(text.find("  apiserver: Degraded=True (ResourceNotReady): Error querying installation: "
                  "not ready\n") != std::string::npos);
  CHECK(text.find("  apiserver: Available=False (ResourceNotReady)\n") != std::string::npos);
  CHECK(text.find("  monitor: no conditions reported\n") != std::string::npos);
  CHECK(text.find("calico:") == std::string::npos);
  CHECK(render_inspect_text(InspectReport{}).find("COMPONENT") == std::string::npos);
}

TEST_CASE("inspect's exposition adds the component gauge only when statuses were read") {
  InspectReport report;
  report.now_unix = 1767225600;
  std::ostringstream none;
  write_inspect_exposition(report, none);
  CHECK(none.str().find("tigera_operator_component_status") == std::string::npos);
  report.tigera_statuses = tls::load_bytes(kKubectlList, "ts.yaml").tigera_statuses;
  std::ostringstream streamed;
  write_inspect_exposition(report, streamed);
  CHECK(streamed.str() == render_exposition(inspect_families(report)));
  CHECK(streamed.str().find("tigera_operator_component_status{component=\"apiserver\","
                            "condition=\"degraded\"} 1\n") != std::string::npos);
}
