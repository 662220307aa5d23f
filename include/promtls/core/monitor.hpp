// The scraper's side in Kubernetes, typed, over kube.hpp: ServiceMonitor and PodMonitor
// (monitoring.coreos.com/v1), Services, label selectors, and which Services a monitor selects
// (the first step of following a monitor to what it scrapes, issue 14). Views: they point into
// the Document nodes they were read from, which must outlive them. Pure: no I/O; reentrant.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "promtls/core/documents.hpp"
#include "promtls/core/kube.hpp"

namespace promtls::core::monitor {

// A reference to one key of a Secret or ConfigMap (tlsConfig.ca / cert: {secret: ...} or
// {configMap: ...}; keySecret: {name, key}).
struct KeyRef {
  enum class Source { secret, config_map };
  Source source = Source::secret;
  std::string name;
  std::string key;
  Position position;  // of the reference's mapping
};

// spec.endpoints[i].tlsConfig / spec.podMetricsEndpoints[i].tlsConfig.
struct TlsConfig {
  std::optional<KeyRef> ca;
  std::optional<KeyRef> cert;
  std::optional<KeyRef> key_secret;
  std::string ca_file, cert_file, key_file;  // "" when absent
  std::string server_name;
  bool insecure_skip_verify = false;
  std::string min_version, max_version;  // as written: "TLS12"; "" when absent
  Position position;
};

struct Endpoint {
  std::string port;            // a port name; "" when absent
  std::string target_port;     // a name or a number as written; "" when absent
  std::string scheme;          // "" when absent (Prometheus then uses http)
  std::string path;            // "" when absent (/metrics)
  std::string scrape_timeout;  // as written ("5s"); "" when absent
  std::optional<TlsConfig> tls;
  Position position;
};

// A label selector (matchLabels and matchExpressions).
struct Selector {
  struct Requirement {
    std::string key;
    std::string op;  // In, NotIn, Exists, DoesNotExist
    std::vector<std::string> values;
  };
  std::vector<std::pair<std::string, std::string>> match_labels;
  std::vector<Requirement> match_expressions;
  bool present = false;  // false: the field was absent
};
// Whether `labels` (a mapping node, or null) satisfies `selector`; an empty selector matches all.
bool matches(const Selector& selector, const Node& labels);
Selector selector(const Node& node);

struct Monitor {
  kube::Object object;
  bool pod_monitor = false;  // PodMonitor: podMetricsEndpoints, selects pods directly
  Selector selector;
  bool any_namespace = false;            // namespaceSelector.any: true
  std::vector<std::string> match_names;  // namespaceSelector.matchNames
  std::vector<Endpoint> endpoints;
};
// The monitor, when object is a ServiceMonitor or PodMonitor of monitoring.coreos.com.
std::optional<Monitor> monitor(const kube::Object& object);

struct ServicePort {
  std::string name;
  std::string port;         // as written
  std::string target_port;  // as written; "" when absent (then equal to port)
  Position position;
};
struct Service {
  kube::Object object;
  std::vector<std::pair<std::string, std::string>> selector;  // spec.selector
  std::vector<ServicePort> ports;
};
// The Service, when object.kind is "Service".
std::optional<Service> service(const kube::Object& object);

// Whether the monitor looks in `namespace_name`: any, the listed names, or else its own
// namespace.
bool watches_namespace(const Monitor& monitor, const std::string& namespace_name);

// The Services a ServiceMonitor selects (by namespace rules and label selector), in order.
std::vector<const Service*> selected_services(const Monitor& monitor,
                                              const std::vector<Service>& services);

}  // namespace promtls::core::monitor
