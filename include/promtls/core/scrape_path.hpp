// Will Prometheus scrape it, statically: each ServiceMonitor or PodMonitor endpoint of a manifest
// set followed to the containers it reaches (monitor selector -> Service -> port -> the pods the
// Service selects -> the container listening there), and judged against the container's metrics
// TLS configuration as validate evaluated it (issue 14).
//
// follow_monitors() runs inside the manifest reader (manifest.hpp), while the document trees are
// alive, and returns plain paths; check_scrape_path() judges one path once the containers are
// evaluated. The words Prometheus would log are Go's (scrape_config.hpp): the components and
// Prometheus both use Go's crypto/tls. Pure: no I/O, no clock; reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/config.hpp"
#include "promtls/core/finding.hpp"
#include "promtls/core/kube.hpp"
#include "promtls/core/monitor.hpp"
#include "promtls/core/scrape_config.hpp"

namespace promtls::core {

struct ManifestTarget;

// A key of a Secret or ConfigMap that a tlsConfig names (ca, cert, keySecret), or a file it names
// (caFile, certFile, keyFile), resolved to its bytes when the input has them.
struct ScrapeCredential {
  std::string what;                  // "Secret mon/scrape-tls key ca.crt", "caFile /etc/x/ca.crt"
  std::optional<std::string> bytes;  // nullopt: not available
  std::string missing;               // why not ("the Secret is not in the input")
};

// One container a monitor endpoint reaches.
// The containers of one pod a monitor endpoint reaches on one port: the container that declares
// the port (by name or number), or, when none declares a number, every container of the pod (the
// one listening there is the one scraped; check_scrape_path() is given it).
struct ScrapeHop {
  std::vector<std::size_t> targets;  // indices into ManifestSet::targets
  bool declared = false;             // a container declares the port: targets has one element
  std::uint16_t port = 0;            // the port Prometheus connects to
  std::string route;                 // "Service mon/app port metrics, targetPort 9090"
};

// One endpoint of a monitor and what it reaches.
struct ScrapePath {
  // Where the scrape is configured: a monitor's endpoint, or a static target of a Prometheus
  // configuration's job (then hints name prometheus.yml's fields: tls_config.server_name).
  enum class Source { monitor, static_job };
  Source source = Source::monitor;
  std::string monitor;  // "ServiceMonitor mon/app, endpoints[0]"; "job app, target app.mon:9090"
  Origin origin;        // the endpoint entry, or the job's
  // The name Go verifies when there is no serverName: "" for a monitor (the pod IP Prometheus
  // discovered), the target's host for a static target (a DNS name).
  std::string target_host;
  monitor::Endpoint endpoint;
  std::optional<ScrapeCredential> ca, cert, key;
  std::vector<ScrapeHop> hops;  // empty: it selects nothing (a finding says why)
};

// The objects of one manifest set that a monitor can reach, as the reader holds them.
struct ScrapeObjects {
  struct MonitorAt {
    monitor::Monitor monitor;
    std::string file;
  };
  struct ServiceAt {
    monitor::Service service;
    std::string file;
  };
  struct PodAt {
    const kube::PodTemplate* pod = nullptr;
    std::string file;
    std::size_t first_target = 0;  // the pod's containers are targets first_target, +1, ...
  };
  // A Prometheus configuration's job: a prometheus.yml among the inputs (file), or the
  // prometheus.yml key of a ConfigMap or Secret (source names it; namespace_name is the object's,
  // where a target's bare Service name resolves, as Prometheus' pod's DNS search path does).
  struct JobAt {
    ScrapeJob job;
    std::string file;
    std::size_t line = 0;  // the job's entry in `file`
    std::string source;    // "ConfigMap mon/prometheus key prometheus.yml"; "" for a file
    std::string namespace_name;
  };
  std::vector<MonitorAt> monitors;
  std::vector<JobAt> jobs;
  std::vector<ServiceAt> services;
  std::vector<PodAt> pods;
};

// Finds the bytes of key `key` of the Secret (secret true) or ConfigMap `name` that a monitor in
// namespace `namespace_name` names; nullopt with `missing` set when the input lacks it.
using FindKey = std::function<std::optional<std::string>(
    bool secret, const std::string& namespace_name, const std::string& name, const std::string& key,
    std::string& missing)>;

// A caFile/certFile/keyFile the Prometheus Operator mounted from a Prometheus object's secrets
// (/etc/prometheus/secrets/NAME/KEY) or configMaps (/etc/prometheus/configmaps/NAME/KEY): which
// Secret or ConfigMap and key it is, or nullopt for any other file.
struct MountedRef {
  bool secret = true;  // false: a ConfigMap
  std::string name, key;
};
std::optional<MountedRef> operator_mount(std::string_view file);

// Every endpoint of every monitor, then every static target of every job, followed. A target
// NAME.NAMESPACE[.svc[.DOMAIN]]:PORT leads to the Service NAME in NAMESPACE, a bare NAME:PORT to
// the Service NAME in the job's namespace (or, for a file outside the cluster, the one Service of
// that name in the input); PORT is a Service port's number, and its targetPort leads to the pods as
// for a ServiceMonitor. A target that is an IP address or names no Service of the input is an info
// finding saying so. Findings about the path itself (a monitor that
// selects nothing, a port name no Service or container has) are appended to `findings`.
// A caFile/certFile/keyFile under /etc/prometheus/secrets/NAME/ or /etc/prometheus/configmaps/
// NAME/ (where the Prometheus Operator mounts a Prometheus object's secrets and configMaps) is
// looked up as key KEY of that Secret or ConfigMap.
std::vector<ScrapePath> follow_monitors(const ScrapeObjects& objects, const FindKey& find_key,
                                        std::vector<Finding>& findings);

// Turns a credential file's bytes into facts (certificates, key), as the tls layer does (the cli
// passes tls::describe_credentials).
using DescribeCredentials = FileFacts (*)(std::string_view bytes, const std::string& path);
// Whether the certificates of `ca_bundle` (PEM) verify the chain `chain` (PEM, leaf first, any
// intermediates after it) by signature alone: "" when they do, else the TLS library's reason.
// Validity and key usage are judged here, from the facts.
using VerifyChain = std::string (*)(std::string_view ca_bundle, std::string_view chain);

// The findings for container `target` reached by `hop` of `path`: the scheme against the
// container's TLS; the port against the one its metrics server listens on; then, over TLS,
// insecureSkipVerify, the TLS version ranges, the name Prometheus verifies against the serving
// certificate's SANs, the monitor's CA against the serving chain, and the client certificate
// against the endpoint's client authentication. `evaluation` is the container's (under its first
// profile). Certificate checks need the bytes (Secrets of the input or --secret-dir) and `describe`
// and `verify` (nullptr: --offline); what could not be checked is one "scrape-not-checked" info
// finding naming it.
std::vector<Finding> check_scrape_path(const ScrapePath& path, const ScrapeHop& hop,
                                       const ManifestTarget& target, const Evaluation& evaluation,
                                       std::int64_t now_unix, DescribeCredentials describe,
                                       VerifyChain verify);

// Go's x509 name check for a DNS name or IP address against `cert`'s SANs (case-insensitive, a
// wildcard only as the whole leftmost label; no Common Name fallback).
bool go_name_matches(const CertInfo& cert, std::string_view name);

}  // namespace promtls::core
