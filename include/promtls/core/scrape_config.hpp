// Prometheus scrape jobs (prometheus.yml's `scrape_configs`) as far as they decide whether a
// scrape of a metrics endpoint succeeds, and the judgement "will Prometheus get up == 1" from
// what one scrape made with exactly the job's settings observed (core::Exchange, filled by
// net/probe).
//
// The judgement follows what Prometheus 2.x does with Go's net/http and crypto/tls: the order in
// which Go's x509 verification fails (the leaf's validity window, then the name, then the chain,
// then the key usage) and Go's words for every failure, so `reason` is what Prometheus shows as
// the target's last error (ScrapeVerdict::last_error). Prometheus always sends its client
// certificate when asked (it reads the files in a GetClientCertificate callback, which bypasses
// Go's check of the server's acceptable CAs), and so does the scrape selftest makes. Go 1.20 and
// later put "tls: failed to verify certificate: " before the x509 part; the reason leaves it out so
// that it reads the same for every Prometheus build.
//
// Pure functions of their inputs: no I/O, no clock (`now` is a parameter). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/documents.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/exposition.hpp"
#include "promtls/core/monitor.hpp"
#include "promtls/core/selftest.hpp"

namespace promtls::core {

// A job's tls_config. File names are as Prometheus opens them: relative ones are resolved
// against the configuration file's directory.
struct ScrapeTls {
  std::string ca_file;  // "" = the system's trust store
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // "" = the target's host
  bool insecure_skip_verify = false;
  std::uint16_t min_version = 0;  // 0 = Prometheus' default minimum, TLS 1.2
  std::uint16_t max_version = 0;  // 0 = TLS 1.3
  // Inline PEM (tls_config.ca, cert, key), which Prometheus accepts instead of the files; "" when
  // absent. selftest reads only the files (the job's not_reproduced says so); validate reads both.
  std::string ca, cert, key;
};

struct ScrapeJob {
  std::string name;
  std::string scheme = "http";
  std::string metrics_path = "/metrics";
  double timeout_s = 10;  // the job's scrape_timeout, else the global one, else 10s
  ScrapeTls tls;
  // static_configs[].targets in order, each "host:port" (Prometheus 2 adds port 80 or 443 by
  // scheme when a target has none).
  std::vector<std::string> targets;
  // Settings of the job a scrape by selftest does not reproduce (authentication, relabeling,
  // service discovery, proxies), one sentence each, in the order of the file.
  std::vector<std::string> not_reproduced;
  std::size_t line = 0;  // 1-based line of the job's entry in the document read (0: unknown)
};

struct ScrapeConfig {
  std::vector<ScrapeJob> jobs;  // in file order
};

// Parses the text of a Prometheus configuration file `path` (used in messages and to resolve
// relative file names). Returns nullopt with `error` ("prometheus.yml: scrape_configs[1]:
// ...") when Prometheus would refuse to load it for a reason that matters here: not YAML,
// scrape_configs not a list, a job without job_name, two jobs with one name, a scheme other
// than http or https, a min_version or max_version that is not TLS10..TLS13, a duration that
// does not parse, a target that is not host:port.
std::optional<ScrapeConfig> parse_scrape_config(std::string_view text, const std::string& path,
                                                std::string& error);

// The same over a document already parsed (validate --manifest reads Prometheus configurations
// among manifests): `root` is the document's root, `path` names it in messages, and relative file
// names are resolved against `dir` ("" leaves them as written). Jobs carry the line of their
// entry; on failure `error_line` is the line of the entry (or of scrape_configs, or of the root)
// the error is in.
std::optional<ScrapeConfig> read_scrape_config(const Node& root, const std::string& path,
                                               const std::string& dir, std::string& error,
                                               std::size_t& error_line);

// The job named `name`, or nullptr.
const ScrapeJob* find_job(const ScrapeConfig& config, std::string_view name);

// selftest --service-monitor: the ServiceMonitors and PodMonitors (monitoring.coreos.com/v1) of
// a YAML or JSON stream (helm output, `kubectl get -o yaml` Lists), each endpoint as the scrape
// job the Prometheus Operator generates for it, but for its targets (service discovery is not
// reproduced: the caller gives them).
struct ScrapeMonitor {
  std::string kind;  // "ServiceMonitor" or "PodMonitor"
  std::string namespace_name, name;
  std::size_t line = 0;                      // of the object in the file
  std::vector<monitor::Endpoint> endpoints;  // endpoints[] or podMetricsEndpoints[], in order
};

// The monitors of `text` in file order (none: an empty vector). Returns nullopt with `error`
// ("monitors.yaml: line 3, column 5: ...") when a document does not parse.
std::optional<std::vector<ScrapeMonitor>> parse_monitors(std::string_view text,
                                                         const std::string& path,
                                                         std::string& error);

// "ServiceMonitor mon/app, endpoints[0] (port metrics)".
std::string describe_endpoint(const ScrapeMonitor& monitor, std::size_t endpoint);

// The file that holds key `key` of the Secret (`secret` true) or ConfigMap `name`, or nullopt
// with `error` naming what is missing (selftest: DIR/NAME/KEY of --secret-dir).
using ResolveKeyFile = std::function<std::optional<std::string>(
    bool secret, const std::string& name, const std::string& key, std::string& error)>;

// Endpoint `endpoint` of `monitor` as the Operator's job "serviceMonitor/NS/NAME/INDEX"
// ("podMonitor/..." for a PodMonitor): scheme (default http), path (default /metrics),
// scrapeTimeout (default 10s, Prometheus' global default), and tlsConfig with ca/cert/keySecret
// resolved by `resolve`, caFile/certFile/keyFile under /etc/prometheus/secrets/NAME/ or
// /etc/prometheus/configmaps/NAME/ resolved the same way (operator_mount(), scrape_path.hpp) and
// any other file used as it is. No targets. Returns nullopt with `error` for what the Operator or
// Prometheus would refuse (a scheme other than http or https, an unknown TLS version, a duration
// that does not parse, a certificate without its key) or a reference `resolve` cannot find.
std::optional<ScrapeJob> monitor_job(const ScrapeMonitor& monitor, std::size_t endpoint,
                                     const ResolveKeyFile& resolve, std::string& error);

// What Prometheus would get from one target.
struct ScrapeVerdict {
  bool up = false;
  std::string url;     // "https://127.0.0.1:9100/metrics"
  std::string reason;  // why up is 0, in Go's words ("" when up)
  // What Prometheus shows as the target's last error: `Get "URL": reason` for a failure of the
  // request, the reason alone for an HTTP status or a body that does not parse ("" when up).
  std::string last_error;
};

// Judges the exchange made for `target` of `job` at `now_unix`. `exchange.tls.chain` must hold
// what the server sent (verification is re-done here in Go's order from the facts). The body is
// parsed within `limits`; a body not checked whole is judged down with a reason that begins "not
// checked whole" (selftest's bound, which Prometheus does not have: the prediction is unknown).
ScrapeVerdict judge_scrape(const ScrapeJob& job, const std::string& target,
                           const Exchange& exchange, std::int64_t now_unix,
                           const ExpositionLimits& limits = {});

// One target of a job, scraped and judged.
struct ScrapeTargetReport {
  std::string job;
  std::string target;
  Exchange exchange;
  ScrapeVerdict verdict;
  // Rotation readiness (rotation_checks(), selftest.hpp) against the server's configuration, when
  // the environment names its files; a failed one makes the report not ok.
  std::vector<Check> checks;
};

// selftest --scrape-config: every static target of the chosen jobs.
struct ScrapeReport {
  std::string config_path;
  std::string monitor;  // --service-monitor: describe_endpoint() of the endpoint; "" otherwise
  std::vector<const ScrapeJob*> jobs;  // the jobs scraped, not owned
  std::vector<ScrapeTargetReport> targets;
  bool ok() const;  // every target would be up and passes its checks (and there is one)
};

// check_failed when a target would be down or no job has a static target, ok otherwise.
ExitCode exit_code(const ScrapeReport& report);

// Per job, one line per target: "up" or "down" and Prometheus' last error, with the negotiated TLS
// version and whether our client certificate was sent, then the job's settings selftest did not
// reproduce, then a summary line. Ends with a newline.
std::string render_scrape_text(const ScrapeReport& report);

// {"schema": "promtls/selftest-scrape/v1", ok, config, monitor (--service-monitor only), jobs:
// [{name, scheme, metrics_path, not_reproduced}], targets: [{job, target, url, up, reason,
// last_error, checks: [{name, ok, detail}], tls: {version, cipher, group},
// server_certificate: {subject, issuer, sans, not_after} | null, client_certificate: {requested,
// sent}}]}.
nlohmann::ordered_json scrape_json(const ScrapeReport& report);

// Go's crypto/tls text for an alert received from the server, after "remote error: tls: ":
// `words` is how net/probe names it (TlsFacts::alert, e.g. "unknown ca").
std::string go_alert_text(std::string_view words);

// Whether a name to verify is an IP address (it holds a ':' or only digits and dots), which Go
// matches against the IP SANs, rather than a DNS name.
bool is_ip_literal(std::string_view name);

// Splits a static target "host:port" or "[v6]:port" into its host (without brackets) and port.
// False (both empty) when it has no port.
bool split_host_port(std::string_view target, std::string& host, std::string& port);

// Go's x509.HostnameError text for `cert` and the name Prometheus verified, or "" when the name
// matches (`matches` is the TLS library's verdict on the same certificate and name).
std::string go_hostname_error(const CertInfo& cert, const std::string& name, bool matches);

}  // namespace promtls::core
