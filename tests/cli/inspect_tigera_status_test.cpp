// promtls inspect on `kubectl get tigerastatus -o yaml` output: the component table in text, the
// tigera_statuses JSON list, the component gauge with -o prometheus (checked by promtool), and
// --fail-on failing on a degraded or unavailable component as on an expired certificate.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow

std::string status_list(const std::string& apiserver_degraded) {
  return R"(apiVersion: v1
items:
- apiVersion: operator.tigera.io/v1
  kind: TigeraStatus
  metadata:
    name: apiserver
  status:
    conditions:
    - message: 'Waiting for the calico API server'
      reason: ResourceNotReady
      status: ")" +
         apiserver_degraded + R"("
      type: Degraded
    - reason: AllObjectsAvailable
      status: "True"
      type: Available
    - status: "False"
      type: Progressing
- apiVersion: operator.tigera.io/v1
  kind: TigeraStatus
  metadata:
    name: calico
  status:
    conditions:
    - {type: Degraded, status: "False"}
    - {type: Available, status: "True"}
    - {type: Progressing, status: "False"}
kind: List
metadata:
  resourceVersion: ""
)";
}

// A certificate valid for years around kNow, next to the statuses.
std::string write_cert(const TempDir& dir) {
  const Authority ca =
      Authority::make("inspect-tigera-ca", KeyKind::ec_p256, kNow - 365 * kDay, kNow + 3650 * kDay);
  return dir.write("ca.crt", ca.cert.pem(), 0644);
}

}  // namespace

TEST_CASE("inspect shows healthy TigeraStatus components and exits 0") {
  TempDir dir;
  write_cert(dir);
  dir.write("tigerastatus.yaml", status_list("False"), 0644);
  const RunResult r = run_promtls({"inspect", kAt, dir.path().string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("COMPONENT") != std::string::npos);
  CHECK(r.out.find("apiserver       True      False       False    available   ") !=
        std::string::npos);
  CHECK(r.out.find(", 0 errors;") != std::string::npos);
}

TEST_CASE("a degraded component fails inspect like an expired certificate, at every --fail-on") {
  TempDir dir;
  const std::string file = dir.write("tigerastatus.yaml", status_list("True"), 0644);
  for (const char* fail_on : {"warning", "critical", "expired"}) {
    const RunResult r = run_promtls({"inspect", kAt, "--fail-on", fail_on, file});
    INFO(fail_on << "\n" << r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("  apiserver: Degraded=True (ResourceNotReady): Waiting for the calico API "
                     "server\n") != std::string::npos);
  }
}

TEST_CASE("inspect's JSON lists the TigeraStatus conditions") {
  TempDir dir;
  const std::string file = dir.write("tigerastatus.yaml", status_list("True"), 0644);
  const RunResult r = run_promtls({"inspect", kAt, "-o", "json", file});
  REQUIRE(r.exit_code == 1);
  const json report = json::parse(r.out);
  REQUIRE(report["tigera_statuses"].size() == 2);
  CHECK(report["tigera_statuses"][0]["name"] == "apiserver");
  CHECK(report["tigera_statuses"][0]["state"] == "degraded");
  CHECK(report["tigera_statuses"][0]["source"] == file);
  CHECK(report["tigera_statuses"][0]["conditions"][0]["reason"] == "ResourceNotReady");
  CHECK(report["tigera_statuses"][1]["state"] == "available");
  CHECK(report["errors"].empty());
  CHECK(report["certificates"].empty());
}

TEST_CASE("inspect -o prometheus emits the component gauge, accepted by promtool") {
  TempDir dir;
  write_cert(dir);
  const std::string file = dir.write("tigerastatus.yaml", status_list("False"), 0644);
  const RunResult r = run_promtls({"inspect", kAt, "-o", "prometheus", dir.path().string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("x509_cert_not_after{") != std::string::npos);
  CHECK(r.out.find("# TYPE tigera_operator_component_status gauge\n"
                   "tigera_operator_component_status{component=\"apiserver\","
                   "condition=\"available\"} 1\n") != std::string::npos);
  CHECK(r.out.find("tigera_operator_component_status{component=\"calico\","
                   "condition=\"progressing\"} 0\n") != std::string::npos);
  const std::string metrics = dir.write("metrics.prom", r.out, 0644);
  const RunResult check =
      run({"/bin/sh", "-c", "/usr/bin/promtool check metrics < '" + metrics + "'"},
          {"PATH=/usr/bin:/bin"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  // Without statuses, no component family.
  const RunResult plain = run_promtls({"inspect", kAt, "-o", "prometheus", write_cert(dir)});
  CHECK(plain.out.find("tigera_operator_component_status") == std::string::npos);
}
