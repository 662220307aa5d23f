// Following monitors to containers and judging each path (scrape_path.hpp). What Prometheus does
// is the Prometheus Operator's and Kubernetes' documented behaviour: a ServiceMonitor endpoint's
// `port` names a Service port, whose targetPort (a number, or a container port's name; the port
// itself when absent) is where the endpoints controller sends the scrape; a PodMonitor's `port`
// names a container port; `targetPort` (deprecated in both) names or numbers the pod's port
// directly. Both discover pod IPs: with no serverName, Go verifies the pod IP.
#include "promtls/core/scrape_path.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "promtls/core/manifest.hpp"
#include "promtls/core/scrape_config.hpp"
#include "promtls/core/time.hpp"
#include "promtls/core/tls_catalog.hpp"

namespace promtls::core {

std::optional<MountedRef> operator_mount(std::string_view file) {
  for (const auto& [prefix, secret] :
       {std::pair<std::string_view, bool>{"/etc/prometheus/secrets/", true},
        {"/etc/prometheus/configmaps/", false}}) {
    if (file.substr(0, prefix.size()) != prefix) continue;
    const std::string_view rest = file.substr(prefix.size());
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return {};
    const std::string_view key = rest.substr(slash + 1);
    if (key.find('/') != std::string_view::npos) return {};
    return MountedRef{secret, std::string(rest.substr(0, slash)), std::string(key)};
  }
  return std::nullopt;
}

namespace {

std::string qualified(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

std::optional<std::uint16_t> port_number(std::string_view text) {
  std::uint16_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n == 0) return std::nullopt;
  return n;
}

std::string at(const std::string& file, const Position& p) {
  return file + ":" + std::to_string(p.line);
}

Finding path_finding(const ScrapePath& path, std::string code, Severity severity,
                     std::string message, std::string hint) {
  return Finding{std::move(code),    severity,        {},         path.monitor,
                 std::move(message), std::move(hint), path.origin};
}

// Whether a Service's spec.selector selects a pod with `labels`: every pair present. An empty
// selector selects no pod (its Endpoints are managed by hand).
bool service_selects(const monitor::Service& service, const Node& labels) {
  if (service.selector.empty()) return false;
  for (const auto& [key, want] : service.selector) {
    const Node* v = labels.is_mapping() ? labels.find(key) : nullptr;
    if (v == nullptr || !v->is_scalar() || v->text() != want) return false;
  }
  return true;
}

bool same_namespace(const std::string& a, const std::string& b) {
  // A manifest without metadata.namespace goes to the namespace it is applied in.
  return a.empty() || b.empty() || a == b;
}

class Follower {
 public:
  Follower(const ScrapeObjects& objects, const FindKey& find_key, std::vector<Finding>& findings)
      : objects_(objects), find_key_(find_key), findings_(findings) {
    for (const auto& s : objects_.services) services_.push_back(s.service);
  }

  std::vector<ScrapePath> run() {
    std::vector<ScrapePath> out;
    for (const auto& m : objects_.monitors) {
      const monitor::Monitor& mon = m.monitor;
      for (std::size_t i = 0; i < mon.endpoints.size(); ++i) {
        ScrapePath path;
        path.monitor =
            mon.object.kind + " " + qualified(mon.object.namespace_name, mon.object.name) + ", " +
            (mon.pod_monitor ? "podMetricsEndpoints[" : "endpoints[") + std::to_string(i) + "]";
        path.endpoint = mon.endpoints[i];
        path.origin = Origin{Origin::Kind::manifest, m.file, path.endpoint.position.line, {}};
        if (path.endpoint.tls) credentials(mon, *path.endpoint.tls, path);
        if (mon.pod_monitor) {
          follow_pods(mon, path);
        } else {
          follow_services(mon, path);
        }
        out.push_back(std::move(path));
      }
    }
    for (const auto& j : objects_.jobs) {
      for (const std::string& target : j.job.targets) out.push_back(follow_target(j, target));
    }
    return out;
  }

 private:
  const ScrapeObjects& objects_;
  const FindKey& find_key_;
  std::vector<Finding>& findings_;
  std::vector<monitor::Service> services_;  // objects_.services' services, for selection

  ScrapeCredential key_ref(const monitor::Monitor& mon, const monitor::KeyRef& ref) {
    const bool secret = ref.source == monitor::KeyRef::Source::secret;
    ScrapeCredential c;
    c.what = std::string(secret ? "Secret " : "ConfigMap ") +
             qualified(mon.object.namespace_name, ref.name) + " key " + ref.key;
    c.bytes = find_key_(secret, mon.object.namespace_name, ref.name, ref.key, c.missing);
    return c;
  }

  ScrapeCredential file_ref(const char* field, const std::string& file) {
    ScrapeCredential c;
    c.what = std::string(field) + " " + file;
    if (const auto mounted = operator_mount(file)) {
      c.bytes = find_key_(mounted->secret, {}, mounted->name, mounted->key, c.missing);
    } else {
      c.missing =
          "a file in the Prometheus pod outside /etc/prometheus/secrets/NAME/ and "
          "/etc/prometheus/configmaps/NAME/, the only paths promtls maps to a Secret or ConfigMap";
    }
    return c;
  }

  // A static target of a job, as a path: its scheme and tls_config as an endpoint's, its host as
  // the name Go verifies without server_name, and the Service it names followed to the pods.
  ScrapePath follow_target(const ScrapeObjects::JobAt& j, const std::string& target) {
    const ScrapeJob& job = j.job;
    ScrapePath path;
    path.source = ScrapePath::Source::static_job;
    path.monitor =
        "job " + job.name + (j.source.empty() ? "" : " (" + j.source + ")") + ", target " + target;
    path.origin = Origin{Origin::Kind::manifest, j.file, j.line, {}};
    path.endpoint.scheme = job.scheme;
    path.endpoint.path = job.metrics_path;
    path.endpoint.position = Position{j.line, 0};
    monitor::TlsConfig tls;
    tls.ca_file = job.tls.ca_file;
    tls.cert_file = job.tls.cert_file;
    tls.key_file = job.tls.key_file;
    tls.server_name = job.tls.server_name;
    tls.insecure_skip_verify = job.tls.insecure_skip_verify;
    tls.min_version = std::string(config_version_name(job.tls.min_version));
    tls.max_version = std::string(config_version_name(job.tls.max_version));
    tls.position = path.endpoint.position;
    path.endpoint.tls = tls;
    const auto inline_or_file = [&](const std::string& pem, const char* field,
                                    const std::string& file) -> std::optional<ScrapeCredential> {
      if (!pem.empty()) {
        return ScrapeCredential{std::string("tls_config.") + field + " (inline)", pem, {}};
      }
      if (!file.empty())
        return file_ref((std::string("tls_config.") + field + "_file").c_str(), file);
      return std::nullopt;
    };
    path.ca = inline_or_file(job.tls.ca, "ca", job.tls.ca_file);
    path.cert = inline_or_file(job.tls.cert, "cert", job.tls.cert_file);
    path.key = inline_or_file(job.tls.key, "key", job.tls.key_file);

    std::string host, port;
    split_host_port(target, host, port);
    path.target_host = host;
    const auto not_followed = [&](const std::string& why) {
      findings_.push_back(path_finding(
          path, "scrape-not-checked", Severity::info, path.monitor + " is not followed: " + why,
          "list the target as NAME.NAMESPACE.svc:PORT of a Service in the input, or pass the "
          "Service's manifest too (another --manifest)"));
    };
    if (is_ip_literal(host)) {
      not_followed("it is an IP address, which names no Service or workload of the input");
      return path;
    }
    // NAME, NAME.NAMESPACE, NAME.NAMESPACE.svc, NAME.NAMESPACE.svc.<cluster domain>.
    std::vector<std::string> labels;
    for (std::size_t start = 0;;) {
      const std::size_t dot = host.find('.', start);
      labels.push_back(host.substr(start, dot == std::string::npos ? dot : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (labels.size() > 2 && labels[2] != "svc") {
      not_followed("its host " + host + " is not a Service's DNS name (NAME.NAMESPACE.svc)");
      return path;
    }
    const std::string& name = labels[0];
    const std::string ns = labels.size() > 1 ? labels[1] : j.namespace_name;
    std::vector<const ScrapeObjects::ServiceAt*> named;
    for (const auto& s : objects_.services) {
      if (s.service.object.name == name && same_namespace(s.service.object.namespace_name, ns)) {
        named.push_back(&s);
      }
    }
    const std::string where = ns.empty() ? "in any namespace" : "in namespace " + ns;
    if (named.empty()) {
      not_followed("no Service " + name + " " + where + " in the input (" +
                   std::to_string(objects_.services.size()) + " Services read)");
      return path;
    }
    if (named.size() > 1) {
      not_followed(std::to_string(named.size()) + " Services are named " + name +
                   " and the configuration has no namespace to choose one: write the target as " +
                   name + ".NAMESPACE.svc:" + port);
      return path;
    }
    const monitor::Service& s = named.front()->service;
    const std::string& file = named.front()->file;
    const std::string service = "Service " + qualified(s.object.namespace_name, s.object.name);
    const std::optional<std::uint16_t> number = port_number(port);
    std::vector<std::pair<std::string, std::string>> routes;
    std::string ports;
    for (const auto& p : s.ports) {
      ports += (ports.empty() ? "" : ", ") + p.port;
      if (!number || port_number(p.port) != number) continue;
      const std::string pod_port = p.target_port.empty() ? p.port : p.target_port;
      routes.emplace_back(pod_port, service + " (" + at(file, p.position) + ") port " + p.port +
                                        ", targetPort " + pod_port);
    }
    if (routes.empty()) {
      findings_.push_back(path_finding(
          path, "scrape-port-mismatch", Severity::error,
          path.monitor + ": " + service + " (" + at(file, s.object.position) + ") has no port " +
              port + (ports.empty() ? "" : " (its ports: " + ports + ")") +
              ", so nothing forwards the connection: Prometheus would report \"context deadline "
              "exceeded\"",
          "set the target's port to the Service port that leads to the metrics server"));
      return path;
    }
    reach_service_pods(path, s, file, service, routes);
    return path;
  }

  void credentials(const monitor::Monitor& mon, const monitor::TlsConfig& tls, ScrapePath& path) {
    if (tls.ca) {
      path.ca = key_ref(mon, *tls.ca);
    } else if (!tls.ca_file.empty()) {
      path.ca = file_ref("caFile", tls.ca_file);
    }
    if (tls.cert) {
      path.cert = key_ref(mon, *tls.cert);
    } else if (!tls.cert_file.empty()) {
      path.cert = file_ref("certFile", tls.cert_file);
    }
    if (tls.key_secret) {
      path.key = key_ref(mon, *tls.key_secret);
    } else if (!tls.key_file.empty()) {
      path.key = file_ref("keyFile", tls.key_file);
    }
  }

  void nothing(const ScrapePath& path, std::string why, std::string hint) {
    findings_.push_back(path_finding(path, "scrape-selects-nothing", Severity::warning,
                                     path.monitor + " scrapes nothing: " + std::move(why),
                                     std::move(hint)));
  }

  void follow_services(const monitor::Monitor& mon, ScrapePath& path) {
    const std::vector<const monitor::Service*> selected =
        monitor::selected_services(mon, services_);
    if (selected.empty()) {
      nothing(path,
              "its selector matches no Service of the input in " + namespaces(mon) + " (" +
                  std::to_string(services_.size()) + " Services read)",
              "check spec.selector against the Service's metadata.labels, or pass the "
              "Service's manifest too");
      return;
    }
    const monitor::Endpoint& e = path.endpoint;
    for (const monitor::Service* s : selected) {
      const std::string& file =
          objects_.services[static_cast<std::size_t>(s - services_.data())].file;
      const std::string service = "Service " + qualified(s->object.namespace_name, s->object.name);
      // The pod's port each matching Service port sends the scrape to.
      std::vector<std::pair<std::string, std::string>> routes;  // (pod port, route)
      if (!e.port.empty() || e.target_port.empty()) {
        for (const auto& p : s->ports) {
          if (!e.port.empty() && p.name != e.port) continue;
          const std::string pod_port = !e.target_port.empty()   ? e.target_port
                                       : !p.target_port.empty() ? p.target_port
                                                                : p.port;
          routes.emplace_back(pod_port, service + " (" + at(file, p.position) + ") port " +
                                            (p.name.empty() ? p.port : p.name) + ", targetPort " +
                                            pod_port);
        }
        if (routes.empty()) {
          std::string names;
          for (const auto& p : s->ports) names += (names.empty() ? "" : ", ") + p.name;
          findings_.push_back(path_finding(
              path, "scrape-port-mismatch", Severity::error,
              path.monitor + " names port " + e.port + ", which " + service + " (" +
                  at(file, s->object.position) + ") does not have" +
                  (names.empty() ? "" : " (its ports: " + names + ")") +
                  ": Prometheus discovers no target for it",
              "set endpoints[].port to the name of the Service port that leads to the metrics "
              "server"));
          continue;
        }
      } else {
        routes.emplace_back(e.target_port, service + ", targetPort " + e.target_port);
      }
      reach_service_pods(path, *s, file, service, routes);
    }
  }

  // The pods Service `s` (read from `file`, named `service` in findings) selects, reached through
  // each (pod port, route) of `routes`.
  void reach_service_pods(ScrapePath& path, const monitor::Service& s, const std::string& file,
                          const std::string& service,
                          const std::vector<std::pair<std::string, std::string>>& routes) {
    bool any_pod = false;
    for (const auto& pod : objects_.pods) {
      if (!same_namespace(pod.pod->owner.namespace_name, s.object.namespace_name) ||
          pod.pod->labels == nullptr || !service_selects(s, *pod.pod->labels)) {
        continue;
      }
      any_pod = true;
      for (const auto& [pod_port, route] : routes) reach(path, pod, pod_port, route);
    }
    if (!any_pod) {
      nothing(path,
              service + " (" + at(file, s.object.position) +
                  ") selects no pod template of the input" +
                  (s.selector.empty() ? " (it has no spec.selector)" : ""),
              "check the Service's spec.selector against the workload's pod labels "
              "(spec.template.metadata.labels), or pass the workload's manifest too");
    }
  }

  void follow_pods(const monitor::Monitor& mon, ScrapePath& path) {
    const monitor::Endpoint& e = path.endpoint;
    const std::string pod_port = !e.port.empty() ? e.port : e.target_port;
    bool any = false;
    for (const auto& pod : objects_.pods) {
      if (!monitor::watches_namespace(mon, pod.pod->owner.namespace_name) ||
          pod.pod->labels == nullptr || !monitor::matches(mon.selector, *pod.pod->labels)) {
        continue;
      }
      any = true;
      reach(path, pod, pod_port, "pod port " + (pod_port.empty() ? "(every port)" : pod_port));
    }
    if (!any) {
      nothing(path, "its selector matches no pod template of the input in " + namespaces(mon),
              "check spec.selector against the workload's pod labels "
              "(spec.template.metadata.labels), or pass the workload's manifest too");
    }
  }

  static std::string namespaces(const monitor::Monitor& mon) {
    if (mon.any_namespace) return "any namespace";
    if (!mon.match_names.empty()) {
      std::string out = "namespaces ";
      for (std::size_t i = 0; i < mon.match_names.size(); ++i)
        out += (i == 0 ? "" : ", ") + mon.match_names[i];
      return out;
    }
    return mon.object.namespace_name.empty() ? "its namespace"
                                             : "namespace " + mon.object.namespace_name;
  }

  // The containers of `pod` that `pod_port` (a number or a container port's name) reaches.
  void reach(ScrapePath& path, const ScrapeObjects::PodAt& pod, const std::string& pod_port,
             const std::string& route) {
    const kube::PodTemplate& p = *pod.pod;
    const std::optional<std::uint16_t> number = port_number(pod_port);
    std::vector<std::size_t> regular;  // the targets of the pod's (non-init) containers
    std::string declared_ports;
    for (std::size_t i = 0; i < p.containers.size(); ++i) {
      const kube::Container& c = p.containers[i];
      if (c.init) continue;
      const std::size_t target = pod.first_target + i;
      regular.push_back(target);
      for (const kube::ContainerPort& cp : c.ports) {
        declared_ports += (declared_ports.empty() ? "" : ", ") +
                          (cp.name.empty() ? "" : cp.name + "=") + cp.container_port;
        const bool by_name = !number && !cp.name.empty() && cp.name == pod_port;
        const bool by_number = number && port_number(cp.container_port) == number;
        if (!by_name && !by_number) continue;
        const std::optional<std::uint16_t> n = port_number(cp.container_port);
        if (!n) continue;
        path.hops.push_back(ScrapeHop{{target}, true, *n, route});
        return;
      }
    }
    const std::string workload =
        p.owner.kind + " " + qualified(p.owner.namespace_name, p.owner.name);
    if (number) {
      // An undeclared port number is still reachable: the container listening on it answers.
      if (!regular.empty()) path.hops.push_back(ScrapeHop{regular, false, *number, route});
      return;
    }
    if (pod_port.empty()) return;
    findings_.push_back(path_finding(
        path, "scrape-port-mismatch", Severity::error,
        path.monitor + " -> " + route + ": no container of " + workload + " (" +
            at(pod.file, p.owner.position) + ") declares a port named " + pod_port +
            (declared_ports.empty() ? " (it declares no ports)"
                                    : " (declared: " + declared_ports + ")") +
            ", so the endpoints have no such port and Prometheus discovers no target",
        "name the metrics server's containerPort " + pod_port +
            " in the container's ports, or point the Service's targetPort at its number"));
  }
};

// The first certificate-bearing facts of `bytes`, or nullopt.
const CertInfo* leaf_of(const FileFacts& facts) {
  return facts.certificates.empty() ? nullptr : &facts.certificates.front();
}

const MountedFile* mounted(const ManifestTarget& target, const std::string& path) {
  for (const MountedFile& f : target.secret_files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

}  // namespace

bool go_name_matches(const CertInfo& cert, std::string_view name) {
  if (is_ip_literal(name)) {
    return std::find(cert.ip_addresses.begin(), cert.ip_addresses.end(), name) !=
           cert.ip_addresses.end();
  }
  std::string_view host = name;
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  for (std::string_view pattern : cert.dns_names) {
    if (!pattern.empty() && pattern.back() == '.') pattern.remove_suffix(1);
    if (go::equal_fold_ascii(pattern, host)) return true;
    // "*.example.com" matches exactly one leftmost label.
    if (pattern.size() > 2 && pattern.substr(0, 2) == "*.") {
      const std::size_t dot = host.find('.');
      if (dot != std::string_view::npos && dot > 0 &&
          go::equal_fold_ascii(host.substr(dot), pattern.substr(1))) {
        return true;
      }
    }
  }
  return false;
}

std::vector<ScrapePath> follow_monitors(const ScrapeObjects& objects, const FindKey& find_key,
                                        std::vector<Finding>& findings) {
  return Follower(objects, find_key, findings).run();
}

std::vector<Finding> check_scrape_path(const ScrapePath& path, const ScrapeHop& hop,
                                       const ManifestTarget& target, const Evaluation& evaluation,
                                       std::int64_t now_unix, DescribeCredentials describe,
                                       VerifyChain verify) {
  std::vector<Finding> out;
  const ServerConfig& config = evaluation.config;
  // A static job's findings say "the job" and name prometheus.yml's fields.
  const bool job = path.source == ScrapePath::Source::static_job;
  const auto field = [job](std::string monitor_field, std::string job_field) {
    return job ? std::move(job_field) : std::move(monitor_field);
  };
  const std::string who = job ? "the job" : "the monitor";
  const std::string where = path.monitor + " -> " + hop.route + " -> " + target.label() + " (" +
                            target.file + ":" + std::to_string(target.line) + ")";
  const auto add = [&](std::string code, Severity severity, std::string why, std::string hint) {
    out.push_back(path_finding(path, std::move(code), severity, where + ": " + std::move(why),
                               std::move(hint)));
  };
  std::vector<std::string> unchecked;
  // What could not be checked, as one info finding at the end.
  const auto with_unchecked = [&]() -> std::vector<Finding> {
    if (unchecked.empty()) return std::move(out);
    std::string list;
    for (std::size_t i = 0; i < unchecked.size(); ++i) list += (i ? "; " : "") + unchecked[i];
    add("scrape-not-checked", Severity::info, "not checked: " + list,
        "pass the Secrets and ConfigMaps (another --manifest), or their files with --secret-dir");
    return std::move(out);
  };

  if (!config.enabled || config.port != hop.port) {
    add("scrape-port-mismatch", Severity::error,
        !config.enabled ? "the container serves no metrics (its configuration turns the metrics "
                          "endpoint off), so the scrape reaches nothing"
                        : "the scrape goes to port " + std::to_string(hop.port) +
                              ", but the container's metrics server listens on " +
                              (config.listen_address.empty() ? std::to_string(config.port)
                                                             : config.listen_address) +
                              ": Prometheus would report \"dial tcp <pod IP>:" +
                              std::to_string(hop.port) + ": connect: connection refused\"",
        field("point the Service's targetPort (or the monitor's port)",
              "point the Service's targetPort (or the target's port)") +
            " at the metrics server's port " + std::to_string(config.port));
    return out;
  }
  const std::string scheme = path.endpoint.scheme.empty() ? "http" : path.endpoint.scheme;
  if (scheme == "http" && config.tls) {
    add("scrape-scheme-mismatch", Severity::error,
        who + " scrapes with " +
            std::string(path.endpoint.scheme.empty() ? "the default scheme http" : "scheme: http") +
            " but the metrics server serves HTTPS: Go's TLS server answers plain HTTP with "
            "400, so Prometheus would report \"server returned HTTP status 400 Bad Request\"",
        field("set scheme: https and a tlsConfig in the monitor's endpoint",
              "set scheme: https and a tls_config in the job"));
    return out;
  }
  if (scheme == "https" && !config.tls) {
    add("scrape-scheme-mismatch", Severity::error,
        who +
            " scrapes with scheme: https but the metrics server serves plain HTTP: "
            "Prometheus would report \"http: server gave HTTP response to HTTPS client\"",
        "set scheme: http, or configure the metrics server's TLS");
    return out;
  }
  if (!config.tls) return out;

  const monitor::TlsConfig no_tls;
  const monitor::TlsConfig& tls = path.endpoint.tls ? *path.endpoint.tls : no_tls;
  // Versions: Prometheus' default minimum is TLS 1.2 and its maximum the highest Go has.
  const std::uint16_t client_min = parse_config_version(tls.min_version).value_or(0x0303);
  const std::uint16_t client_max = parse_config_version(tls.max_version).value_or(0x0304);
  const std::uint16_t server_min = effective_min_version(config.tls_config.min_version);
  const std::uint16_t server_max = effective_max_version(config.tls_config.max_version);
  if (std::max(client_min, server_min) > std::min(client_max, server_max)) {
    add("scrape-tls-version-mismatch", Severity::error,
        who + " allows " + std::string(version_name(client_min)) + " to " +
            std::string(version_name(client_max)) + " and the metrics server " +
            std::string(version_name(server_min)) + " to " + std::string(version_name(server_max)) +
            ": no version is common, so Prometheus would report \"remote error: tls: " +
            go_alert_text("protocol version") + "\"",
        field("make tlsConfig.minVersion/maxVersion", "make tls_config.min_version/max_version") +
            " overlap the server's TLS_MIN_VERSION/TLS_MAX_VERSION range");
  }

  // The serving chain as the container reads it.
  const std::string& cert_file = config.tls_config.cert_file;
  const MountedFile* serving = mounted(target, cert_file);
  std::optional<FileFacts> serving_facts;
  if (serving != nullptr && describe != nullptr)
    serving_facts = describe(serving->bytes, cert_file);
  const CertInfo* leaf = serving_facts ? leaf_of(*serving_facts) : nullptr;
  const std::string no_serving = describe == nullptr
                                     ? "--offline"
                                     : "the serving certificate " + cert_file +
                                           " is not in a Secret of the input or --secret-dir";

  if (tls.insecure_skip_verify) {
    add("scrape-insecure-skip-verify", Severity::warning,
        field("insecureSkipVerify", "insecure_skip_verify") +
            ": true: Prometheus accepts any server certificate, so a man in the middle can read "
            "and forge the metrics",
        field("set tlsConfig.ca to the CA that signs the serving certificate and remove "
              "insecureSkipVerify",
              "set tls_config.ca_file (or ca) to the CA that signs the serving certificate and "
              "remove insecure_skip_verify"));
  } else if (leaf == nullptr) {
    unchecked.push_back("the server name and CA (" + no_serving + ")");
  } else {
    // The name: serverName, or the pod IP Prometheus discovered.
    if (!tls.server_name.empty()) {
      if (!go_name_matches(*leaf, tls.server_name)) {
        add("scrape-server-name-mismatch", Severity::error,
            field("serverName ", "server_name ") + tls.server_name +
                " is not in the serving certificate's SANs (" + cert_file +
                "): Prometheus would report \"" + go_hostname_error(*leaf, tls.server_name, false) +
                "\"",
            field("set tlsConfig.serverName", "set tls_config.server_name") +
                " to one of the certificate's DNS names, or add it to the certificate");
      }
    } else if (!path.target_host.empty()) {
      // A static target: Go verifies the host as written, a DNS name.
      if (!go_name_matches(*leaf, path.target_host)) {
        add("scrape-server-name-mismatch", Severity::error,
            "no tls_config.server_name: Prometheus verifies the target's host " + path.target_host +
                ", which is not in the serving certificate's SANs (" + cert_file +
                "): Prometheus would report \"" +
                go_hostname_error(*leaf, path.target_host, false) + "\"",
            leaf->dns_names.empty()
                ? "put the target's host name in the certificate's SANs"
                : "set tls_config.server_name to one of the certificate's DNS names (" +
                      leaf->dns_names.front() + "), or list the target by that name");
      }
    } else if (leaf->ip_addresses.empty()) {
      add("scrape-server-name-mismatch", Severity::error,
          "no serverName: Prometheus verifies the pod IP it scrapes, and the serving "
          "certificate (" +
              cert_file +
              ") has no IP SANs: Prometheus would report \"x509: cannot validate "
              "certificate for <pod IP> because it doesn't contain any IP SANs\"",
          leaf->dns_names.empty()
              ? "put the name Prometheus should verify in the certificate's SANs and in "
                "tlsConfig.serverName"
              : "set tlsConfig.serverName to one of the certificate's DNS names (" +
                    leaf->dns_names.front() + ")");
    } else {
      unchecked.push_back("whether the pod IP is one of the serving certificate's IP SANs");
    }
    // The chain, against the monitor's CA.
    if (!path.ca) {
      unchecked.push_back("the serving chain against Prometheus' system trust store (" + who +
                          " names no CA)");
    } else if (!path.ca->bytes) {
      unchecked.push_back("the serving chain against " + path.ca->what + " (" + path.ca->missing +
                          ")");
    } else if (verify != nullptr) {
      if (const std::string why = verify(*path.ca->bytes, serving->bytes); !why.empty()) {
        add("scrape-ca-mismatch", Severity::error,
            who + "'s CA (" + path.ca->what + ") does not verify the serving certificate " +
                cert_file + " (" + why +
                "): Prometheus would report \"x509: certificate signed by unknown authority\"",
            field("set tlsConfig.ca", "set tls_config.ca_file (or ca)") +
                " to the CA that issued the serving certificate (its issuer: " + leaf->issuer +
                ")");
      }
    }
  }

  // The client certificate.
  const ClientAuth auth = config.tls_config.client_auth;
  const bool required = auth == ClientAuth::require || auth == ClientAuth::require_any;
  if (!path.cert) {
    if (required) {
      const bool tls13 = std::min(client_max, server_max) >= 0x0304;
      add("scrape-no-client-certificate", Severity::error,
          "the metrics server requires a client certificate (client auth " +
              std::string(to_string(auth)) + ") and " + who +
              " presents none: Prometheus would report \"remote error: tls: " +
              go_alert_text(tls13 ? "certificate required" : "bad certificate") + "\"",
          field("set tlsConfig.cert and tlsConfig.keySecret",
                "set tls_config.cert_file and key_file (or cert and key)") +
              " to a client certificate issued by the server's client CA");
    }
    return with_unchecked();
  }
  if (auth != ClientAuth::none) {
    std::optional<FileFacts> client;
    if (path.cert->bytes && describe != nullptr)
      client = describe(*path.cert->bytes, path.cert->what);
    const CertInfo* cert = client ? leaf_of(*client) : nullptr;
    if (cert == nullptr) {
      unchecked.push_back("the client certificate " + path.cert->what + " (" +
                          (describe == nullptr ? std::string("--offline")
                           : !path.cert->bytes ? path.cert->missing
                                               : std::string("it holds no certificate")) +
                          ")");
    } else if (verifies_client(auth)) {
      const bool expired = now_unix > cert->not_after_unix;
      if (expired || now_unix < cert->not_before_unix) {
        add("scrape-client-cert-validity", Severity::error,
            who + "'s client certificate (" + path.cert->what + ") is " +
                (expired ? "expired since " + format_rfc3339(cert->not_after_unix)
                         : "not valid before " + format_rfc3339(cert->not_before_unix)) +
                " at " + format_rfc3339(now_unix) +
                ": Prometheus would report \"remote error: "
                "tls: " +
                go_alert_text("certificate expired") + "\"",
            "renew the client certificate in " + path.cert->what);
      }
      if (cert->has_extended_key_usage &&
          std::find(cert->extended_key_usage.begin(), cert->extended_key_usage.end(),
                    "clientAuth") == cert->extended_key_usage.end()) {
        add("scrape-client-cert-usage", Severity::error,
            who + "'s client certificate (" + path.cert->what +
                ") lacks the clientAuth extended key usage: Prometheus would report \"remote "
                "error: tls: " +
                go_alert_text("bad certificate") + "\"",
            "issue the client certificate with extendedKeyUsage clientAuth");
      }
      const std::string& ca_file = config.tls_config.client_ca_file;
      const MountedFile* client_ca = mounted(target, ca_file);
      if (client_ca == nullptr) {
        unchecked.push_back("the client certificate against the server's client CA " + ca_file +
                            " (not in a Secret of the input or --secret-dir)");
      } else if (verify != nullptr) {
        if (const std::string why = verify(client_ca->bytes, *path.cert->bytes); !why.empty()) {
          add("scrape-client-cert-untrusted", Severity::error,
              who + "'s client certificate (" + path.cert->what +
                  ") is not issued by the server's client CA " + ca_file + " (" + why +
                  "): Prometheus would report \"remote error: tls: " + go_alert_text("unknown ca") +
                  "\"",
              "issue the client certificate from the CA in " + client_ca->from);
        }
      }
    }
  }
  return with_unchecked();
}

}  // namespace promtls::core
