// ServiceMonitor / PodMonitor / Service views and monitor -> Service selection
// (core/monitor.hpp), over a helm-like multi-document stream.
#include "promtls/core/monitor.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "promtls/core/documents.hpp"
#include "promtls/core/kube.hpp"

using namespace promtls::core;

namespace {

const char* const kStream = R"(# Source: chart/templates/service.yaml
apiVersion: v1
kind: Service
metadata: {name: activator, namespace: knative-serving, labels: {app: activator}}
spec:
  selector: {app: activator}
  ports:
  - {name: https-metrics, port: 9090, targetPort: 9091}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: elsewhere, labels: {app: activator}}
spec:
  ports: [{name: http, port: 80}]
---
# Source: chart/templates/servicemonitor.yaml
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: activator, namespace: knative-serving}
spec:
  selector:
    matchLabels: {app: activator}
  endpoints:
  - port: https-metrics
    scheme: https
    tlsConfig:
      ca: {secret: {name: metrics-ca, key: ca.crt}}
      cert: {configMap: {name: client, key: tls.crt}}
      keySecret: {name: client, key: tls.key}
      serverName: activator.knative-serving.svc
      insecureSkipVerify: true
      minVersion: TLS13
)";

struct Read {
  std::vector<Document> docs;
  std::vector<kube::Object> objects;
  std::vector<monitor::Service> services;
  std::vector<monitor::Monitor> monitors;
};

Read read(const std::string& text) {
  Read r;
  r.docs = parse_documents(text);
  REQUIRE(first_error(r.docs) == nullptr);
  r.objects = kube::objects(r.docs);
  for (const auto& o : r.objects) {
    if (auto s = monitor::service(o)) r.services.push_back(*s);
    if (auto m = monitor::monitor(o)) r.monitors.push_back(*m);
  }
  return r;
}

}  // namespace

TEST_CASE("a ServiceMonitor's endpoint keeps its port, scheme and every tlsConfig field") {
  const auto r = read(kStream);
  REQUIRE(r.monitors.size() == 1);
  const auto& m = r.monitors[0];
  CHECK_FALSE(m.pod_monitor);
  REQUIRE(m.endpoints.size() == 1);
  const auto& e = m.endpoints[0];
  CHECK(e.port == "https-metrics");
  CHECK(e.scheme == "https");
  CHECK(e.position.line == 24);
  REQUIRE(e.tls);
  REQUIRE(e.tls->ca);
  CHECK(e.tls->ca->source == monitor::KeyRef::Source::secret);
  CHECK(e.tls->ca->name == "metrics-ca");
  CHECK(e.tls->ca->key == "ca.crt");
  REQUIRE(e.tls->cert);
  CHECK(e.tls->cert->source == monitor::KeyRef::Source::config_map);
  REQUIRE(e.tls->key_secret);
  CHECK(e.tls->key_secret->key == "tls.key");
  CHECK(e.tls->server_name == "activator.knative-serving.svc");
  CHECK(e.tls->insecure_skip_verify);
  CHECK(e.tls->min_version == "TLS13");
  CHECK(e.tls->max_version.empty());
}

TEST_CASE("a ServiceMonitor selects only Services of its own namespace unless told otherwise") {
  auto r = read(kStream);
  REQUIRE(r.services.size() == 2);
  auto selected = monitor::selected_services(r.monitors[0], r.services);
  REQUIRE(selected.size() == 1);
  CHECK(selected[0]->object.name == "activator");
  CHECK(selected[0]->ports[0].target_port == "9091");

  r.monitors[0].any_namespace = true;
  CHECK(monitor::selected_services(r.monitors[0], r.services).size() == 2);
  r.monitors[0].any_namespace = false;
  r.monitors[0].match_names = {"elsewhere"};
  selected = monitor::selected_services(r.monitors[0], r.services);
  REQUIRE(selected.size() == 1);
  CHECK(selected[0]->object.name == "other");
}

TEST_CASE("a label selector applies matchLabels and every matchExpressions operator") {
  const auto docs = parse_documents("{app: a, tier: web}");
  const Node& labels = docs[0].root;
  const auto sel = [](const std::string& yaml) {
    static std::vector<std::vector<Document>> keep;
    keep.push_back(parse_documents(yaml));
    return monitor::selector(keep.back()[0].root);
  };
  CHECK(monitor::matches(sel("{}"), labels));
  CHECK(monitor::matches(sel("{matchLabels: {app: a}}"), labels));
  CHECK_FALSE(monitor::matches(sel("{matchLabels: {app: b}}"), labels));
  CHECK(monitor::matches(sel("{matchExpressions: [{key: tier, operator: In, values: [web]}]}"),
                         labels));
  CHECK_FALSE(monitor::matches(
      sel("{matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}"), labels));
  CHECK(monitor::matches(sel("{matchExpressions: [{key: app, operator: Exists}]}"), labels));
  CHECK_FALSE(
      monitor::matches(sel("{matchExpressions: [{key: app, operator: DoesNotExist}]}"), labels));
  CHECK_FALSE(monitor::matches(sel("{matchExpressions: [{key: app, operator: Bogus}]}"), labels));
}

TEST_CASE("a PodMonitor reads podMetricsEndpoints and other kinds are not monitors") {
  const auto r = read(R"(apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: {name: p, namespace: n}
spec:
  selector: {matchLabels: {app: x}}
  podMetricsEndpoints:
  - {port: metrics, scheme: http}
---
apiVersion: example.com/v1
kind: ServiceMonitor
metadata: {name: not-prometheus-operator}
)");
  REQUIRE(r.monitors.size() == 1);
  CHECK(r.monitors[0].pod_monitor);
  REQUIRE(r.monitors[0].endpoints.size() == 1);
  CHECK(r.monitors[0].endpoints[0].scheme == "http");
  CHECK_FALSE(r.monitors[0].endpoints[0].tls);
}
