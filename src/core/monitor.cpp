#include "promtls/core/monitor.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

namespace promtls::core::monitor {
namespace {

std::string text_of(const Node& node) { return node.is_scalar() ? node.text() : std::string{}; }

std::vector<std::pair<std::string, std::string>> string_map(const Node& node) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : node.entries()) out.emplace_back(e.key, text_of(e.value));
  return out;
}

std::optional<KeyRef> key_ref(const Node& node) {
  if (!node.is_mapping()) return std::nullopt;
  KeyRef ref;
  ref.position = node.position();
  const Node* target = &node;
  if (const Node* s = node.find("secret")) {
    target = s;
  } else if (const Node* c = node.find("configMap")) {
    ref.source = KeyRef::Source::config_map;
    target = c;
  }
  ref.name = text_of((*target)["name"]);
  ref.key = text_of((*target)["key"]);
  if (ref.name.empty() && ref.key.empty()) return std::nullopt;
  return ref;
}

TlsConfig tls_config(const Node& node) {
  TlsConfig tls;
  tls.position = node.position();
  tls.ca = key_ref(node["ca"]);
  tls.cert = key_ref(node["cert"]);
  tls.key_secret = key_ref(node["keySecret"]);
  tls.ca_file = text_of(node["caFile"]);
  tls.cert_file = text_of(node["certFile"]);
  tls.key_file = text_of(node["keyFile"]);
  tls.server_name = text_of(node["serverName"]);
  tls.insecure_skip_verify = node["insecureSkipVerify"].boolean().value_or(false);
  tls.min_version = text_of(node["minVersion"]);
  tls.max_version = text_of(node["maxVersion"]);
  return tls;
}

bool has_label(const Node& labels, const std::string& key, std::string* value) {
  const Node* v = labels.is_mapping() ? labels.find(key) : nullptr;
  if (v == nullptr) return false;
  *value = text_of(*v);
  return true;
}

}  // namespace

Selector selector(const Node& node) {
  Selector s;
  s.present = node.is_mapping();
  s.match_labels = string_map(node["matchLabels"]);
  for (const auto& item : node["matchExpressions"].items()) {
    Selector::Requirement r{text_of(item["key"]), text_of(item["operator"]), {}};
    for (const auto& v : item["values"].items()) r.values.push_back(text_of(v));
    s.match_expressions.push_back(std::move(r));
  }
  return s;
}

bool matches(const Selector& selector, const Node& labels) {
  std::string value;
  for (const auto& [key, want] : selector.match_labels)
    if (!has_label(labels, key, &value) || value != want) return false;
  for (const auto& r : selector.match_expressions) {
    const bool has = has_label(labels, r.key, &value);
    const bool listed = has && std::find(r.values.begin(), r.values.end(), value) != r.values.end();
    bool holds = false;  // the API server rejects unknown operators: select nothing
    if (r.op == "In") holds = listed;
    if (r.op == "NotIn") holds = !listed;
    if (r.op == "Exists") holds = has;
    if (r.op == "DoesNotExist") holds = !has;
    if (!holds) return false;
  }
  return true;
}

std::optional<Monitor> monitor(const kube::Object& object) {
  const bool service_monitor = object.kind == "ServiceMonitor";
  if (!service_monitor && object.kind != "PodMonitor") return std::nullopt;
  if (object.api_version.rfind("monitoring.coreos.com/", 0) != 0) return std::nullopt;
  Monitor m;
  m.object = object;
  m.pod_monitor = !service_monitor;
  const Node& spec = (*object.node)["spec"];
  m.selector = selector(spec["selector"]);
  const Node& ns = spec["namespaceSelector"];
  m.any_namespace = ns["any"].boolean().value_or(false);
  for (const auto& n : ns["matchNames"].items()) m.match_names.push_back(text_of(n));
  for (const auto& item : spec[service_monitor ? "endpoints" : "podMetricsEndpoints"].items()) {
    Endpoint e;
    e.position = item.position();
    e.port = text_of(item["port"]);
    e.target_port = text_of(item["targetPort"]);
    e.scheme = text_of(item["scheme"]);
    e.path = text_of(item["path"]);
    e.scrape_timeout = text_of(item["scrapeTimeout"]);
    if (item["tlsConfig"].is_mapping()) e.tls = tls_config(item["tlsConfig"]);
    m.endpoints.push_back(std::move(e));
  }
  return m;
}

std::optional<Service> service(const kube::Object& object) {
  if (object.kind != "Service") return std::nullopt;
  Service s;
  s.object = object;
  const Node& spec = (*object.node)["spec"];
  s.selector = string_map(spec["selector"]);
  for (const auto& p : spec["ports"].items()) {
    s.ports.push_back(
        {text_of(p["name"]), text_of(p["port"]), text_of(p["targetPort"]), p.position()});
  }
  return s;
}

bool watches_namespace(const Monitor& monitor, const std::string& namespace_name) {
  if (monitor.any_namespace) return true;
  if (!monitor.match_names.empty())
    return std::find(monitor.match_names.begin(), monitor.match_names.end(), namespace_name) !=
           monitor.match_names.end();
  return namespace_name == monitor.object.namespace_name;
}

std::vector<const Service*> selected_services(const Monitor& monitor,
                                              const std::vector<Service>& services) {
  std::vector<const Service*> out;
  for (const auto& s : services) {
    if (!watches_namespace(monitor, s.object.namespace_name)) continue;
    if (matches(monitor.selector, s.object.labels())) out.push_back(&s);
  }
  return out;
}

}  // namespace promtls::core::monitor
