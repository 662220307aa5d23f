// Prometheus scrape jobs: what parse_scrape_config reads, and judge_scrape's verdicts in Go's
// order and words.
#include "promtls/core/scrape_config.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fixed_time.hpp"
#include "promtls/core/time.hpp"
#include "promtls/core/tls_catalog.hpp"

using namespace promtls;
using namespace promtls::test;

namespace {

core::ScrapeConfig parse(const std::string& text, const std::string& path = "/etc/prom/p.yml") {
  std::string error;
  const auto config = core::parse_scrape_config(text, path, error);
  INFO(error);
  REQUIRE(config.has_value());
  return *config;
}

std::string parse_error(const std::string& text) {
  std::string error;
  CHECK_FALSE(core::parse_scrape_config(text, "p.yml", error).has_value());
  return error;
}

core::CertInfo leaf(std::vector<std::string> dns, std::vector<std::string> ips) {
  core::CertInfo c;
  c.subject_cn = "localhost";
  c.dns_names = std::move(dns);
  c.ip_addresses = std::move(ips);
  c.not_before_unix = kNow - 10 * kDay;
  c.not_after_unix = kNow + 10 * kDay;
  return c;
}

// An exchange that reached a verified TLS session and a 200 with valid exposition.
core::Exchange good_exchange() {
  core::Exchange e;
  e.resolved = e.connected = true;
  e.tls.server_hello = e.tls.completed = true;
  e.tls.chain = {leaf({"localhost"}, {"127.0.0.1"})};
  e.tls.verified = true;
  e.tls.hostname_match = true;
  e.http.responded = true;
  e.http.status = 200;
  e.http.body = "# TYPE up gauge\nx 1\n";
  return e;
}

core::ScrapeJob https_job() {
  core::ScrapeJob job;
  job.name = "j";
  job.scheme = "https";
  return job;
}

}  // namespace

TEST_CASE("a scrape configuration gives each job its scheme, path, timeout, TLS and targets") {
  const auto config = parse(R"(global:
  scrape_interval: 15s
  scrape_timeout: 4s
scrape_configs:
  - job_name: knative
    scheme: https
    metrics_path: /custom
    scrape_timeout: 1m30s
    tls_config:
      ca_file: ca.crt
      cert_file: /abs/client.crt
      key_file: client.key
      server_name: metrics.example
      insecure_skip_verify: true
      min_version: TLS13
      max_version: TLS13
    static_configs:
      - targets: ['10.0.0.1:9090', 'metrics.example']
      - targets: ['[::1]:9443']
  - job_name: plain
    static_configs:
      - targets: [localhost]
)");
  REQUIRE(config.jobs.size() == 2);
  const core::ScrapeJob& k = config.jobs[0];
  CHECK(k.name == "knative");
  CHECK(k.scheme == "https");
  CHECK(k.metrics_path == "/custom");
  CHECK(k.timeout_s == 90);
  CHECK(k.tls.ca_file == "/etc/prom/ca.crt");  // relative to the configuration file
  CHECK(k.tls.cert_file == "/abs/client.crt");
  CHECK(k.tls.key_file == "/etc/prom/client.key");
  CHECK(k.tls.server_name == "metrics.example");
  CHECK(k.tls.insecure_skip_verify);
  CHECK(k.tls.min_version == 0x0304);
  CHECK(k.tls.max_version == 0x0304);
  // Prometheus 2 adds the scheme's port to a target without one.
  CHECK(k.targets ==
        std::vector<std::string>{"10.0.0.1:9090", "metrics.example:443", "[::1]:9443"});
  const core::ScrapeJob& p = config.jobs[1];
  CHECK(p.scheme == "http");
  CHECK(p.metrics_path == "/metrics");
  CHECK(p.timeout_s == 4);  // the global scrape_timeout
  CHECK(p.targets == std::vector<std::string>{"localhost:80"});
  CHECK(core::find_job(config, "plain") == &config.jobs[1]);
  CHECK(core::find_job(config, "nope") == nullptr);
}

TEST_CASE("settings a scrape by selftest does not reproduce are listed, not dropped") {
  const auto config = parse(R"(scrape_configs:
  - job_name: k8s
    scheme: https
    basic_auth: {username: u, password: p}
    tls_config: {ca: "-----BEGIN CERTIFICATE-----"}
    kubernetes_sd_configs: [{role: pod}]
    relabel_configs: [{action: keep}]
)");
  REQUIRE(config.jobs.size() == 1);
  const auto& notes = config.jobs[0].not_reproduced;
  CHECK(notes.size() == 4);
  const auto has = [&](const std::string& start) {
    return std::any_of(notes.begin(), notes.end(),
                       [&](const std::string& n) { return n.rfind(start, 0) == 0; });
  };
  CHECK(has("basic_auth: "));
  CHECK(has("tls_config.ca (inline PEM)"));
  CHECK(has("kubernetes_sd_configs: only static_configs"));
  CHECK(has("relabel_configs: "));
  CHECK(config.jobs[0].targets.empty());
}

TEST_CASE("a scrape configuration Prometheus would refuse is an error naming the place") {
  CHECK(parse_error("scrape_configs: {a: 1}\n") == "p.yml: scrape_configs: expected a list");
  CHECK(parse_error("scrape_configs:\n  - scheme: https\n") ==
        "p.yml: scrape_configs[0]: job_name is empty");
  CHECK(parse_error("scrape_configs:\n  - job_name: a\n  - job_name: a\n") ==
        "p.yml: found multiple scrape configs with job name \"a\"");
  CHECK(parse_error("scrape_configs:\n  - job_name: a\n    scheme: ftp\n") ==
        "p.yml: scrape_configs[0] (job a).scheme: unsupported scheme \"ftp\" (http or https)");
  CHECK(parse_error("scrape_configs:\n  - job_name: a\n    tls_config: {min_version: TLS14}\n") ==
        "p.yml: scrape_configs[0] (job a).tls_config.min_version: unknown TLS version: TLS14 "
        "(TLS10, TLS11, TLS12 or TLS13)");
  CHECK(parse_error("scrape_configs:\n  - job_name: a\n    tls_config: {cert_file: c}\n") ==
        "p.yml: scrape_configs[0] (job a).tls_config: cert_file and key_file must be set together");
  CHECK(parse_error("scrape_configs:\n  - job_name: a\n    scrape_timeout: 5 s\n") ==
        "p.yml: scrape_configs[0] (job a).scrape_timeout: not a duration: \"5 s\"");
  CHECK(
      parse_error("scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['h:0']}]\n") ==
      "p.yml: scrape_configs[0] (job a).static_configs[0].targets: \"h:0\" has no valid port");
  CHECK(parse_error("scrape_configs: [\n").rfind("p.yml: ", 0) == 0);
  CHECK(parse("").jobs.empty());
}

TEST_CASE("a scrape is up when TLS verifies in Go's terms and the exposition parses") {
  const core::ScrapeJob job = https_job();
  const auto v = core::judge_scrape(job, "127.0.0.1:9090", good_exchange(), kNow);
  CHECK(v.up);
  CHECK(v.url == "https://127.0.0.1:9090/metrics");
  CHECK(v.reason.empty());
  CHECK(v.last_error.empty());
}

TEST_CASE("Go checks the leaf's validity before the name and the name before the chain") {
  const core::ScrapeJob job = https_job();
  core::Exchange e = good_exchange();
  e.tls.verified = false;
  e.tls.verify_error = "certificate has expired";
  e.tls.hostname_match = false;
  e.tls.chain.front().not_after_unix = kNow - kDay;
  auto v = core::judge_scrape(job, "127.0.0.1:9090", e, kNow);
  CHECK(v.reason == "x509: certificate has expired or is not yet valid: current time " +
                        core::format_rfc3339(kNow) + " is after " +
                        core::format_rfc3339(kNow - kDay));
  CHECK(v.last_error == "Get \"https://127.0.0.1:9090/metrics\": " + v.reason);
  e.tls.chain.front().not_after_unix = kNow + kDay;
  e.tls.verify_error = "unable to get local issuer certificate";
  v = core::judge_scrape(job, "10.1.2.3:9090", e, kNow);
  CHECK(v.reason == "x509: certificate is valid for 127.0.0.1, not 10.1.2.3");
  e.tls.hostname_match = true;
  v = core::judge_scrape(job, "127.0.0.1:9090", e, kNow);
  CHECK(v.reason == "x509: certificate signed by unknown authority");
  e.tls.verify_error = "unsupported certificate purpose";
  CHECK(core::judge_scrape(job, "127.0.0.1:9090", e, kNow).reason ==
        "x509: certificate specifies an incompatible key usage");
  core::ScrapeJob insecure = job;
  insecure.tls.insecure_skip_verify = true;
  CHECK(core::judge_scrape(insecure, "127.0.0.1:9090", e, kNow).up);
}

TEST_CASE("Go's hostname errors for DNS names, IP addresses and a CN-only certificate") {
  CHECK(core::go_hostname_error(leaf({"a.example", "b.example"}, {}), "c.example", false) ==
        "x509: certificate is valid for a.example, b.example, not c.example");
  CHECK(core::go_hostname_error(leaf({"a.example"}, {}), "10.0.0.1", false) ==
        "x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs");
  CHECK(core::go_hostname_error(leaf({}, {"10.0.0.2"}), "metrics", false) ==
        "x509: certificate is not valid for any names, but wanted to match metrics");
  // OpenSSL matched the subject CN; Go no longer does.
  CHECK(core::go_hostname_error(leaf({}, {}), "localhost", true) ==
        "x509: certificate relies on legacy Common Name field, use SANs instead");
  CHECK(core::go_hostname_error(leaf({"localhost"}, {}), "localhost", true).empty());
  CHECK(core::go_hostname_error(leaf({}, {"127.0.0.1"}), "127.0.0.1", true).empty());
}

TEST_CASE("refusals, HTTP statuses and bad bodies are worded as Prometheus shows them") {
  const core::ScrapeJob job = https_job();
  core::Exchange e = good_exchange();
  e.tls.completed = false;
  e.tls.chain.clear();
  e.tls.alert = "protocol version";
  CHECK(core::judge_scrape(job, "h:1", e, kNow).reason ==
        "remote error: tls: protocol version not supported");
  e.tls.alert.clear();
  e.tls.error = "error:0A00010B:SSL routines::wrong version number";
  CHECK(core::judge_scrape(job, "h:1", e, kNow).reason ==
        "http: server gave HTTP response to HTTPS client");
  e = good_exchange();
  e.http.responded = false;
  e.tls.alert = "certificate required";
  CHECK(core::judge_scrape(job, "h:1", e, kNow).reason ==
        "remote error: tls: certificate required");
  e = good_exchange();
  e.http.status = 403;
  auto v = core::judge_scrape(job, "h:1", e, kNow);
  CHECK(v.reason == "server returned HTTP status 403 Forbidden");
  CHECK(v.last_error == v.reason);  // not wrapped in Get "...": Prometheus' own error
  e = good_exchange();
  e.http.body = "x{ 1\n";
  CHECK(core::judge_scrape(job, "h:1", e, kNow)
            .reason.rfind("the exposition does not parse: line 1", 0) == 0);
  core::Exchange refused;
  refused.resolved = true;
  refused.connect_error = "cannot connect to h:1: Connection refused";
  CHECK(core::judge_scrape(job, "h:1", refused, kNow).reason ==
        "dial tcp h:1: connect: connection refused");
  core::Exchange unresolved;
  CHECK(core::judge_scrape(job, "nowhere.invalid:1", unresolved, kNow).reason ==
        "dial tcp: lookup nowhere.invalid: no such host");
  CHECK(core::go_alert_text("unknown ca") == "unknown certificate authority");
}

TEST_CASE("a report is ok only when every target is up, and fails with no target at all") {
  core::ScrapeReport report;
  CHECK_FALSE(report.ok());
  CHECK(core::exit_code(report) == ExitCode::check_failed);
  const core::ScrapeJob job = https_job();
  report.jobs = {&job};
  core::ScrapeTargetReport up{"j", "h:1", good_exchange(), {}, {}};
  up.verdict = core::judge_scrape(job, "h:1", up.exchange, kNow);
  report.targets.push_back(up);
  CHECK(report.ok());
  CHECK(core::exit_code(report) == ExitCode::ok);
  CHECK(core::render_scrape_text(report).find("1 target: 1 up, 0 down") != std::string::npos);
  // A failed rotation check fails an up target's report, and the text says which.
  report.targets.back().checks.push_back({"served-certificate-current", false, "stale"});
  CHECK_FALSE(report.ok());
  CHECK(core::render_scrape_text(report).find("        FAIL  served-certificate-current: stale\n"
                                              "1 target: 1 up, 0 down — Prometheus will scrape "
                                              "every target, but a check failed\n") !=
        std::string::npos);
  report.targets.back().checks.clear();
  core::ScrapeTargetReport down = up;
  down.exchange.http.status = 404;
  down.verdict = core::judge_scrape(job, "h:1", down.exchange, kNow);
  report.targets.push_back(down);
  CHECK_FALSE(report.ok());
  const std::string text = core::render_scrape_text(report);
  INFO(text);
  CHECK(text.find("  down  h:1: server returned HTTP status 404 Not Found\n") != std::string::npos);
  const auto json = core::scrape_json(report);
  CHECK(json["ok"] == false);
  CHECK(json["targets"][1]["last_error"] == "server returned HTTP status 404 Not Found");
  CHECK(json["targets"][0]["reason"].is_null());
}

TEST_CASE("inline tls_config PEM is read, and each credential is a file or inline, not both") {
  const core::ScrapeConfig config = parse(
      "scrape_configs:\n- job_name: a\n  tls_config:\n    ca: |\n      -----BEGIN "
      "CERTIFICATE-----\n"
      "      x\n      -----END CERTIFICATE-----\n    cert: CERT\n    key_file: k.key\n");
  REQUIRE(config.jobs.size() == 1);
  const core::ScrapeTls& tls = config.jobs[0].tls;
  CHECK(tls.ca == "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
  CHECK(tls.cert == "CERT");
  CHECK(tls.key_file == "/etc/prom/k.key");
  CHECK(tls.ca_file.empty());
  CHECK(parse_error("scrape_configs:\n- job_name: a\n  tls_config: {ca: X, ca_file: c.crt}\n")
            .find("at most one of ca and ca_file") != std::string::npos);
  CHECK(parse_error("scrape_configs:\n- job_name: a\n  tls_config: {cert: X}\n")
            .find("cert_file and key_file must be set together") != std::string::npos);
  CHECK(parse_error("scrape_configs:\n- job_name: a\n  tls_config: {ca: [1]}\n")
            .find("tls_config.ca: expected a string") != std::string::npos);
}

TEST_CASE("read_scrape_config gives each job its line and an error the line of its job") {
  const std::string text =
      "global: {scrape_interval: 1m}\nscrape_configs:\n- job_name: a\n\n- job_name: b\n"
      "  static_configs: [{targets: ['x:1']}]\n";
  const std::vector<core::Document> docs = core::parse_documents(text);
  REQUIRE(docs.size() == 1);
  std::string error;
  std::size_t line = 0;
  const auto config = core::read_scrape_config(docs[0].root, "p.yml", "", error, line);
  REQUIRE(config.has_value());
  REQUIRE(config->jobs.size() == 2);
  CHECK(config->jobs[0].line == 3);
  CHECK(config->jobs[1].line == 5);
  const std::vector<core::Document> bad = core::parse_documents(
      "scrape_configs:\n- job_name: a\n- job_name: b\n  scheme: ftp\n- job_name: c\n");
  CHECK_FALSE(core::read_scrape_config(bad[0].root, "p.yml", "", error, line).has_value());
  CHECK(line == 3);
  CHECK(error ==
        "p.yml: scrape_configs[1] (job b).scheme: unsupported scheme \"ftp\" (http or "
        "https)");
  // Without a directory, relative file names stay as written.
  const std::vector<core::Document> rel =
      core::parse_documents("scrape_configs:\n- job_name: a\n  tls_config: {ca_file: ca.crt}\n");
  const auto as_written = core::read_scrape_config(rel[0].root, "p.yml", "", error, line);
  REQUIRE(as_written.has_value());
  CHECK(as_written->jobs[0].tls.ca_file == "ca.crt");
}

TEST_CASE("a ServiceMonitor endpoint becomes the Prometheus Operator's job") {
  const std::string text =
      "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
      "metadata: {name: app, namespace: mon}\nspec:\n  endpoints:\n"
      "  - port: web\n"
      "  - port: metrics\n    scheme: https\n    path: /m\n    scrapeTimeout: 3s\n"
      "    tlsConfig:\n      ca: {configMap: {name: cas, key: ca.crt}}\n"
      "      certFile: /etc/prometheus/secrets/scrape/tls.crt\n"
      "      keySecret: {name: scrape, key: tls.key}\n"
      "      serverName: app.mon.svc\n      insecureSkipVerify: true\n"
      "      minVersion: TLS12\n      maxVersion: TLS13\n";
  std::string error;
  const auto monitors = core::parse_monitors(text, "m.yaml", error);
  REQUIRE(monitors);
  REQUIRE(monitors->size() == 1);
  const core::ScrapeMonitor& m = monitors->front();
  CHECK(core::describe_endpoint(m, 1) == "ServiceMonitor mon/app, endpoints[1] (port metrics)");
  std::vector<std::string> asked;
  const core::ResolveKeyFile resolve = [&](bool secret, const std::string& name,
                                           const std::string& key, std::string&) {
    asked.push_back(std::string(secret ? "secret " : "configmap ") + name + "/" + key);
    return std::optional<std::string>("dir/" + name + "/" + key);
  };
  const auto job = core::monitor_job(m, 1, resolve, error);
  REQUIRE(job);
  CHECK(job->name == "serviceMonitor/mon/app/1");
  CHECK(job->scheme == "https");
  CHECK(job->metrics_path == "/m");
  CHECK(job->timeout_s == 3);
  CHECK(job->tls.ca_file == "dir/cas/ca.crt");
  CHECK(job->tls.cert_file == "dir/scrape/tls.crt");  // the Operator's mount, resolved
  CHECK(job->tls.key_file == "dir/scrape/tls.key");
  CHECK(job->tls.server_name == "app.mon.svc");
  CHECK(job->tls.insecure_skip_verify);
  CHECK(job->tls.min_version == core::kTls12);
  CHECK(job->tls.max_version == core::kTls13);
  CHECK(asked == std::vector<std::string>{"configmap cas/ca.crt", "secret scrape/tls.crt",
                                          "secret scrape/tls.key"});
  // The defaults: http, /metrics, 10s, no TLS.
  const auto plain = core::monitor_job(m, 0, resolve, error);
  REQUIRE(plain);
  CHECK(plain->scheme == "http");
  CHECK(plain->metrics_path == "/metrics");
  CHECK(plain->timeout_s == 10);
  // A reference that cannot be resolved names the field and the endpoint.
  const core::ResolveKeyFile missing = [](bool, const std::string&, const std::string&,
                                          std::string& why) {
    why = "not there";
    return std::optional<std::string>();
  };
  CHECK_FALSE(core::monitor_job(m, 1, missing, error));
  CHECK(error == "ServiceMonitor mon/app, endpoints[1] (port metrics): tlsConfig.ca: not there");
}
