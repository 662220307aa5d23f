// The exact output of validate --manifest (text, json, sarif, github, junit) on fixed manifest
// streams, byte for byte: the guard for reworking how manifests are read and reports written
// (issue 17: documents evaluated one at a time, reports written without a whole DOM). The streams
// hold no certificates, so nothing in them depends on keys made at run time; the time is --at.
// PROMTLS_RECORD_GOLDEN=1 writes the files under tests/data/golden/validate/ instead of comparing
// (then review the diff).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;

namespace {

// A `helm template`-shaped stream: a ConfigMap read by envFrom, a knative Deployment with an
// unquoted number and a configMapKeyRef, a Tigera StatefulSet with a fieldRef and a wrong client
// auth word, a CronJob with an init container, a Service, a ServiceMonitor and a Prometheus
// configuration whose Secrets are not in the input.
const char* const kHelm = R"(---
# Source: app/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: metrics
  namespace: mon
data:
  METRICS_PROMETHEUS_TLS_MIN_VERSION: "1.3"
  METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES: X25519
---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: mon
spec:
  template:
    metadata:
      labels: {app.kubernetes.io/name: app}
    spec:
      containers:
      - name: app
        image: example.com/app:1.0
        ports: [{name: metrics, containerPort: 9090}]
        envFrom:
        - configMapRef: {name: metrics}
        env:
        - name: METRICS_PROMETHEUS_PORT
          value: 9090
        - name: METRICS_PROMETHEUS_TLS_CERT
          value: /tls/tls.crt
        - name: METRICS_PROMETHEUS_TLS_KEY
          value: /tls/tls.key
        - name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH
          valueFrom:
            configMapKeyRef: {name: metrics-auth, key: mode}
        volumeMounts: [{name: tls, mountPath: /tls}]
      volumes: [{name: tls, secret: {secretName: app-tls}}]
---
# Source: app/templates/service.yaml
apiVersion: v1
kind: Service
metadata: {name: app, namespace: mon}
spec:
  selector: {app.kubernetes.io/name: app}
  ports: [{name: https-metrics, port: 9090, targetPort: metrics}]
---
# Source: app/templates/servicemonitor.yaml
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: app, namespace: mon}
spec:
  selector: {matchLabels: {app: none}}
  endpoints:
  - port: https-metrics
    scheme: https
---
# Source: prometheus/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: prometheus-server, namespace: mon}
data:
  prometheus.yml: |
    scrape_configs:
    - job_name: app
      scheme: http
      static_configs:
      - targets: ['app.mon.svc:9090', '10.0.0.7:9090']
---
# Source: operator/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: tigera-operator
  namespace: tigera-operator
spec:
  template:
    spec:
      containers:
      - name: tigera-operator
        image: quay.io/tigera/operator:v1.34.0
        env:
        - {name: METRICS_ENABLED, value: "true"}
        - {name: METRICS_SCHEME, value: https}
        - {name: METRICS_CLIENT_AUTH, value: require}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
---
# Source: app/templates/cronjob.yaml
apiVersion: batch/v1
kind: CronJob
metadata: {name: rotate, namespace: mon}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - name: wait
            image: busybox
          containers:
          - name: rotate
            image: example.com/app:1.0
            env:
            - {name: METRICS_PROMETHEUS_PORT, value: "0"}
)";

// A stream with a document that does not parse between two that do, and a repeated key.
const char* const kBroken = R"(apiVersion: v1
kind: Pod
metadata: {name: first, namespace: a}
spec:
  containers:
  - name: app
    env:
    - {name: METRICS_PROMETHEUS_PORT, value: "9090"}
    - {name: METRICS_PROMETHEUS_PORT, value: "9091"}
---
apiVersion: v1
kind: Pod
metadata: {name: broken
spec: {}
---
apiVersion: v1
kind: Pod
metadata: {name: last, namespace: a}
spec:
  containers:
  - name: app
    env:
    - {name: METRICS_PROMETHEUS_TLS_CERT, value: /tls/tls.crt}
)";

// `kubectl get -o json` output: a List.
const char* const kList = R"({"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "node", "namespace": "kube-system"},
  "spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "example.com/agent:2",
   "env": [{"name": "METRICS_PROMETHEUS_PORT", "value": "9100"},
           {"name": "METRICS_PROMETHEUS_TLS_MIN_VERSION", "value": "1.1"}]}]}}}}
]}
)";

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every occurrence of `from` in `text` replaced by `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

void check_golden(const std::string& name, const std::string& stream) {
  TempDir dir;
  const std::string file = dir.write(name + ".yaml", stream);
  const std::filesystem::path golden =
      std::filesystem::path(PROMTLS_TEST_DATA_DIR) / "golden" / "validate";
  const bool record = std::getenv("PROMTLS_RECORD_GOLDEN") != nullptr;
  for (const std::string format : {"text", "json", "sarif", "github", "junit"}) {
    INFO(name << " -o " << format);
    const RunResult r = run_promtls(
        {"validate", "--at=2027-01-01T00:00:00Z", "--no-env", "--manifest", file, "-o", format});
    // The temporary directory is the only part that changes from run to run.
    const std::string out = "exit " + std::to_string(r.exit_code) + "\n" +
                            replace_all(r.out, dir.path().string(), "<dir>");
    const std::filesystem::path path = golden / (name + "." + format);
    if (record) {
      std::filesystem::create_directories(golden);
      std::ofstream(path, std::ios::binary) << out;
      continue;
    }
    REQUIRE(std::filesystem::exists(path));  // PROMTLS_RECORD_GOLDEN=1 records it
    CHECK(out == slurp(path));
  }
}

}  // namespace

TEST_CASE("validate's reports on a helm-shaped stream are byte-identical to the recorded ones") {
  check_golden("helm", kHelm);
}

TEST_CASE("validate's reports on a stream with a broken document are byte-identical") {
  check_golden("broken", kBroken);
}

TEST_CASE("validate's reports on a kubectl List are byte-identical to the recorded ones") {
  check_golden("list", kList);
}
