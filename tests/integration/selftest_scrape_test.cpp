// selftest --scrape-config against a real Prometheus: for every case of the matrix (a correct
// job, a wrong server_name, a CA that did not sign the server, no client certificate under
// require, one from another CA, one without the clientAuth usage, plain HTTP against TLS, TLS
// version ranges that do not overlap), selftest's predicted `up` is the `up` Prometheus reports,
// and its reason is Prometheus' last error, against promtls serve and nginx on loopback.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "prometheus.hpp"
#include "raw_http_server.hpp"
#include "run.hpp"
#include "secret_volume.hpp"
#include "selftest_servers.hpp"
#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

struct Job {
  std::string name;
  std::string target;
  std::string scheme = "https";
  std::string ca, cert, key, server_name, max_version;
};

// Jobs against one target with one CA and client certificate, which each case then changes.
struct JobFactory {
  std::string target, ca, cert, key;
  Job operator()(const std::string& name) const {
    Job j;
    j.name = name;
    j.target = target;
    j.ca = ca;
    j.cert = cert;
    j.key = key;
    return j;
  }
};

std::string job_yaml(const Job& j) {
  std::string y = "  - job_name: " + j.name + "\n    scheme: " + j.scheme + "\n";
  if (j.scheme == "https") {
    y += "    tls_config:\n      ca_file: " + j.ca + "\n";
    if (!j.cert.empty()) y += "      cert_file: " + j.cert + "\n      key_file: " + j.key + "\n";
    if (!j.server_name.empty()) y += "      server_name: " + j.server_name + "\n";
    if (!j.max_version.empty()) y += "      max_version: " + j.max_version + "\n";
  }
  return y + "    static_configs:\n      - targets: ['" + j.target + "']\n";
}

// Prometheus' error without the details Go adds and selftest leaves out: Go 1.20 and later put
// "tls: failed to verify certificate: " before an x509 error; Debian 13's Prometheus (Go 1.24)
// names the connection in a read error ("read tcp 127.0.0.1:54076->127.0.0.1:33601: "), whose
// local port nobody can predict; and Go's HTTP client says "readLoopPeekFailLocked: " first
// when the server's alert reaches it before the request is written (a race, seen with Debian
// 12's Prometheus).
std::string without_go_details(std::string error) {
  for (const std::string prefix :
       {"tls: failed to verify certificate: ", "readLoopPeekFailLocked: "}) {
    if (const auto at = error.find(prefix); at != std::string::npos) error.erase(at, prefix.size());
  }
  static const std::regex connection("read tcp [^ ]+->[^ ]+: ");
  return std::regex_replace(error, connection, "");
}

// True when Prometheus' error is selftest's prediction, or the same refusal seen through a race:
// a TLS 1.3 server refuses a client certificate after the handshake, with an alert and a close,
// and Go's client either reads the alert ("remote error: tls: certificate required") or meets
// the closed connection first while it writes the request ("write tcp ...: write: connection
// reset by peer", "broken pipe"). Which one a scrape sees is timing; the target is down either way.
bool same_cause(const std::string& predicted, const std::string& seen) {
  if (predicted == seen) return true;
  const std::size_t colon = predicted.find("\": ");
  const std::string request = colon == std::string::npos ? "" : predicted.substr(0, colon + 3);
  const bool refused_by_alert = predicted.find("remote error: tls: ") != std::string::npos;
  const bool reset = seen.find("connection reset by peer") != std::string::npos ||
                     seen.find("broken pipe") != std::string::npos;
  return refused_by_alert && reset && !request.empty() && seen.rfind(request, 0) == 0;
}

// Runs the jobs through a real Prometheus (its prometheus.yml in `dir`) until it has scraped each
// once, and returns its targets.
std::vector<RealPrometheus::Target> prometheus_targets(const std::filesystem::path& dir,
                                                       const std::vector<Job>& jobs) {
  std::string yaml;
  for (const Job& j : jobs) yaml += job_yaml(j);
  RealPrometheus prom(dir, yaml);
  const auto scraped = prom.wait_targets([&](const std::vector<RealPrometheus::Target>& ts) {
    if (ts.size() != jobs.size()) return false;
    for (const auto& t : ts) {
      if (t.health == "unknown") return false;
    }
    return true;
  });
  INFO(prom.log());
  REQUIRE(scraped.size() == jobs.size());
  return scraped;
}

// Checks a promtls/selftest-scrape/v1 report of `expected_targets` targets (and its exit code)
// against what Prometheus saw for the same jobs; adds selftest's reasons by job to `reasons`.
void check_report(const RunResult& r, const std::vector<RealPrometheus::Target>& scraped,
                  std::size_t expected_targets, std::map<std::string, std::string>& reasons) {
  INFO(r.err);
  const auto report = nlohmann::json::parse(r.out);
  CHECK(report["schema"] == "promtls/selftest-scrape/v1");
  bool all_up = true;
  for (const auto& t : report["targets"]) {
    const std::string job = t["job"];
    INFO("job " << job);
    const auto seen = std::find_if(scraped.begin(), scraped.end(),
                                   [&](const RealPrometheus::Target& s) { return s.job == job; });
    REQUIRE(seen != scraped.end());
    CHECK(t["up"].get<bool>() == (seen->health == "up"));
    all_up = all_up && t["up"].get<bool>();
    if (!t["up"].get<bool>()) {
      reasons[job] = t["reason"];
      const std::string predicted = t["last_error"];
      const std::string actual = without_go_details(seen->last_error);
      INFO("selftest: " << predicted << "\nPrometheus: " << actual);
      CHECK(same_cause(predicted, actual));
    }
  }
  CHECK(report["targets"].size() == expected_targets);
  CHECK(report["ok"].get<bool>() == all_up);
  CHECK(r.exit_code == (all_up ? 0 : 1));
}

// Runs the jobs through Prometheus and selftest --scrape-config; checks every job's verdict
// against Prometheus' and returns selftest's reasons by job.
std::map<std::string, std::string> compare(const std::filesystem::path& dir,
                                           const std::vector<Job>& jobs) {
  const auto scraped = prometheus_targets(dir, jobs);
  const RunResult r =
      run_promtls({"selftest", "--scrape-config", (dir / "prometheus.yml").string(), "-o", "json"});
  std::map<std::string, std::string> reasons;
  check_report(r, scraped, jobs.size(), reasons);
  return reasons;
}

// The ServiceMonitor mon/<job name> twin of `j`: its scheme, serverName, maxVersion, and its CA
// and client certificate as keys ca.crt, tls.crt and tls.key of Secret `secret` (the CA as
// `ca_ref`, YAML, when given: a configMap reference or a caFile).
std::string service_monitor_yaml(const Job& j, const std::string& secret,
                                 const std::string& ca_ref = "") {
  std::string yaml =
      "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
      "metadata: {name: " +
      j.name +
      ", namespace: mon}\nspec:\n"
      "  selector: {matchLabels: {app: serve}}\n  endpoints:\n  - port: metrics\n"
      "    scheme: " +
      j.scheme + "\n    tlsConfig:\n      " +
      (ca_ref.empty() ? "ca: {secret: {name: " + secret + ", key: ca.crt}}" : ca_ref) + "\n";
  if (!j.server_name.empty()) yaml += "      serverName: " + j.server_name + "\n";
  if (!j.max_version.empty()) yaml += "      maxVersion: " + j.max_version + "\n";
  if (!j.cert.empty()) {
    yaml += "      cert: {secret: {name: " + secret + ", key: tls.crt}}\n" +
            "      keySecret: {name: " + secret + ", key: tls.key}\n";
  }
  return yaml;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The static twin of `job` against serve: the Deployment runs serve's knative variables on
// `port`, its Service (named localhost, the name serve's certificate holds) sends
// `service_target_port` there, and a ServiceMonitor carries the job's scheme, serverName,
// maxVersion, CA and client certificate (Secret `scrape`), with both Secrets as volume directories
// (--secret-dir). With `as_job`, a ConfigMap's prometheus.yml carries the job itself instead, its
// target the Service (localhost:443) and its files where the Prometheus Operator mounts Secret
// `scrape`. Returns validate's scrape-* findings by code.
std::map<std::string, std::string> static_twin(const ServePki& pki, const Job& j, int port,
                                               int service_target_port, bool as_job = false) {
  TempDir dir;
  const auto secret = [&](const std::string& name,
                          const std::vector<std::pair<std::string, std::string>>& keys) {
    std::filesystem::create_directories(dir.path() / "secrets" / name);
    for (const auto& [key, path] : keys) {
      if (!path.empty()) dir.write("secrets/" + name + "/" + key, slurp(path));
    }
  };
  secret("serving",
         {{"tls.crt", pki.server_cert}, {"tls.key", pki.server_key}, {"ca.crt", pki.ca_file}});
  secret("scrape", {{"ca.crt", j.ca}, {"tls.crt", j.cert}, {"tls.key", j.key}});
  const std::string p = std::to_string(port);
  std::string yaml =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: serve, namespace: mon}\nspec:\n"
      "  template:\n    metadata: {labels: {app: serve}}\n    spec:\n      containers:\n"
      "      - name: serve\n        ports: [{name: metrics, containerPort: " +
      p +
      "}]\n"
      "        env:\n        - {name: METRICS_PROMETHEUS_PORT, value: \"" +
      p +
      "\"}\n"
      "        - {name: METRICS_PROMETHEUS_TLS_CERT, value: /tls/tls.crt}\n"
      "        - {name: METRICS_PROMETHEUS_TLS_KEY, value: /tls/tls.key}\n"
      "        - {name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH, value: require}\n"
      "        - {name: METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE, value: /tls/ca.crt}\n"
      "        volumeMounts: [{name: tls, mountPath: /tls}]\n"
      "      volumes: [{name: tls, secret: {secretName: serving, defaultMode: 0400}}]\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: localhost, namespace: mon, labels: {app: "
      "serve}}\n"
      "spec:\n  selector: {app: serve}\n  ports: [{name: metrics, port: 443, targetPort: " +
      std::to_string(service_target_port) + "}]\n---\n";
  if (as_job) {
    Job twin = j;
    twin.target = "localhost:443";
    twin.ca = "/etc/prometheus/secrets/scrape/ca.crt";
    if (!twin.cert.empty()) {
      twin.cert = "/etc/prometheus/secrets/scrape/tls.crt";
      twin.key = "/etc/prometheus/secrets/scrape/tls.key";
    }
    std::string config;
    std::istringstream lines("scrape_configs:\n" + job_yaml(twin));
    for (std::string line; std::getline(lines, line);) config += "    " + line + "\n";
    yaml +=
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: prometheus, namespace: mon}\n"
        "data:\n  prometheus.yml: |\n" +
        config;
  } else {
    yaml += service_monitor_yaml(j, "scrape");
  }
  const RunResult r = run_promtls({"validate", "--at=2027-01-01T00:00:00Z", "-o", "json",
                                   "--manifest", dir.write("twin.yaml", yaml), "--secret-dir",
                                   (dir.path() / "secrets").string()});
  INFO(r.out << r.err);
  std::map<std::string, std::string> out;
  const nlohmann::json report = nlohmann::json::parse(r.out);
  for (const auto& f : report["findings"]) {
    const std::string code = f["code"];
    if (code.rfind("scrape-", 0) == 0 && f["severity"] == "error") out[code] = f["message"];
  }
  return out;
}

TEST_CASE("selftest --scrape-config predicts up and the error of a real Prometheus against serve") {
  ServePki pki;
  std::string no_eku_cert, no_eku_key;
  {
    Key key(KeyKind::ec_p256);
    CertSpec spec;
    spec.cn = "server-auth-only";
    spec.dns = {};
    spec.ips = {};
    spec.eku = {"serverAuth"};
    spec.not_before = k2020;
    spec.not_after = k2099;
    no_eku_cert = pki.dir.write("no-eku.crt", pki.ca.leaf(spec, key).pem(), 0644);
    no_eku_key = pki.dir.write("no-eku.key", key.private_pem(), 0600);
  }
  const std::string foreign_ca = pki.dir.write("foreign-ca.crt", pki.foreign.cert.pem(), 0644);
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  const JobFactory job{"127.0.0.1:" + std::to_string(s.port), pki.ca_file, pki.client_cert,
                       pki.client_key};
  std::vector<Job> jobs;
  jobs.push_back(job("correct"));
  jobs.push_back(job("by_name"));
  jobs.back().server_name = "localhost";
  jobs.push_back(job("wrong_server_name"));
  jobs.back().server_name = "metrics.example";
  jobs.push_back(job("wrong_ca"));
  jobs.back().ca = foreign_ca;
  jobs.push_back(job("no_client_cert"));
  jobs.back().cert.clear();
  jobs.push_back(job("foreign_client_cert"));
  jobs.back().cert = pki.foreign_cert;
  jobs.back().key = pki.foreign_key;
  jobs.push_back(job("no_client_auth_eku"));
  jobs.back().cert = no_eku_cert;
  jobs.back().key = no_eku_key;
  jobs.push_back(job("http_against_tls"));
  jobs.back().scheme = "http";
  jobs.push_back(job("tls12_against_tls13"));
  jobs.back().max_version = "TLS12";
  jobs.push_back(job("nothing_listens"));
  jobs.back().target = "127.0.0.1:" + std::to_string(free_port());

  const auto reasons = compare(pki.dir.path(), jobs);
  CHECK(reasons.count("correct") == 0);
  CHECK(reasons.count("by_name") == 0);
  CHECK(reasons.at("wrong_server_name") ==
        "x509: certificate is valid for localhost, not metrics.example");
  CHECK(reasons.at("wrong_ca") == "x509: certificate signed by unknown authority");
  CHECK(reasons.at("no_client_cert") == "remote error: tls: certificate required");
  CHECK(reasons.at("foreign_client_cert") == "remote error: tls: unknown certificate authority");
  CHECK(reasons.count("no_client_auth_eku") == 1);
  CHECK(reasons.count("http_against_tls") == 1);
  CHECK(reasons.at("tls12_against_tls13") == "remote error: tls: protocol version not supported");
  CHECK(reasons.at("nothing_listens").find("connect: connection refused") != std::string::npos);

  // The same jobs as ServiceMonitors, judged statically: each names the cause Prometheus saw,
  // in Prometheus' words where they do not depend on the server's TLS library (serve is
  // OpenSSL; the static check predicts a Go component).
  const std::map<std::string, std::string> codes = {
      {"wrong_server_name", "scrape-server-name-mismatch"},
      {"wrong_ca", "scrape-ca-mismatch"},
      {"no_client_cert", "scrape-no-client-certificate"},
      {"foreign_client_cert", "scrape-client-cert-untrusted"},
      {"no_client_auth_eku", "scrape-client-cert-usage"},
      {"http_against_tls", "scrape-scheme-mismatch"},
      {"tls12_against_tls13", "scrape-tls-version-mismatch"},
      {"nothing_listens", "scrape-port-mismatch"},
  };
  const std::set<std::string> same_words = {"wrong_server_name", "wrong_ca", "no_client_cert",
                                            "foreign_client_cert", "tls12_against_tls13"};
  for (const Job& j : jobs) {
    INFO("static twin of job " << j.name);
    const bool down = j.name == "nothing_listens";
    // The ServiceMonitor, then the job itself in a ConfigMap's prometheus.yml: the same verdict.
    for (const bool as_job : {false, true}) {
      INFO((as_job ? "as a static job" : "as a ServiceMonitor"));
      const int service_target_port = down ? free_port() : s.port;
      const auto found = static_twin(pki, j, s.port, service_target_port, as_job);
      if (!codes.count(j.name)) {
        CHECK(found.empty());
        continue;
      }
      REQUIRE(found.size() == 1);
      CHECK(found.begin()->first == codes.at(j.name));
      if (same_words.count(j.name)) {
        CHECK(found.begin()->second.find("Prometheus would report \"" + reasons.at(j.name) +
                                         "\"") != std::string::npos);
      }
      if (down) {
        CHECK(found.begin()->second.find("connect: connection refused") != std::string::npos);
      }
    }
  }
}

// Publishes the keys (name -> the bytes of the file at the path; empty paths are left out) as a
// Secret volume in `dir`.
void secret_volume(const std::filesystem::path& dir,
                   const std::vector<std::pair<std::string, std::string>>& keys) {
  std::map<std::string, std::string> files;
  for (const auto& [key, path] : keys) {
    if (!path.empty()) files[key] = slurp(path);
  }
  SecretVolume(dir).publish(files);
}

// selftest --service-monitor against the job the Prometheus Operator generates from the same
// ServiceMonitor (tls files: the --secret-dir files), run by a real Prometheus.
TEST_CASE("selftest --service-monitor predicts up and the error of a real Prometheus") {
  ServePki pki;
  const std::string foreign_ca = pki.dir.write("foreign-ca.crt", pki.foreign.cert.pem(), 0644);
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  const std::string target = "127.0.0.1:" + std::to_string(s.port);
  const JobFactory job{target, pki.ca_file, pki.client_cert, pki.client_key};
  std::vector<Job> cases;
  cases.push_back(job("correct"));
  cases.back().server_name = "localhost";
  cases.push_back(job("wrong-server-name"));
  cases.back().server_name = "metrics.example";
  cases.push_back(job("wrong-ca"));
  cases.back().ca = foreign_ca;
  cases.push_back(job("no-client-cert"));
  cases.back().cert.clear();
  cases.push_back(job("foreign-client-cert"));
  cases.back().cert = pki.foreign_cert;
  cases.back().key = pki.foreign_key;
  cases.push_back(job("http-against-tls"));
  cases.back().scheme = "http";

  // One helm-like stream: a Service, then one ServiceMonitor per case, each with its Secret
  // "scrape-CASE" in --secret-dir. "correct" names its CA as a caFile where the Operator mounts
  // the Prometheus object's secrets, "wrong-ca" as a ConfigMap key.
  TempDir dir;
  const std::filesystem::path secrets = dir.path() / "secrets";
  std::string stream =
      "# Source: app/templates/service.yaml\napiVersion: v1\nkind: Service\n"
      "metadata: {name: serve, namespace: mon, labels: {app: serve}}\n"
      "spec: {selector: {app: serve}, ports: [{name: metrics, port: 443}]}\n";
  std::vector<Job> operator_jobs;
  for (const Job& c : cases) {
    const std::string secret = "scrape-" + c.name;
    secret_volume(secrets / secret, {{"ca.crt", c.ca}, {"tls.crt", c.cert}, {"tls.key", c.key}});
    std::string ca_ref;
    if (c.name == "correct") ca_ref = "caFile: /etc/prometheus/secrets/" + secret + "/ca.crt";
    if (c.name == "wrong-ca") ca_ref = "ca: {configMap: {name: " + secret + ", key: ca.crt}}";
    stream +=
        "---\n# Source: app/templates/monitor.yaml\n" + service_monitor_yaml(c, secret, ca_ref);
    Job j = c;
    j.name = "serviceMonitor/mon/" + c.name + "/0";
    const std::string files = (secrets / secret).string() + "/";
    j.ca = files + "ca.crt";
    if (!c.cert.empty()) {
      j.cert = files + "tls.crt";
      j.key = files + "tls.key";
    }
    operator_jobs.push_back(j);
  }
  const std::string monitors = dir.write("monitors.yaml", stream);
  const auto scraped = prometheus_targets(dir.path(), operator_jobs);

  std::map<std::string, std::string> reasons;
  for (const Job& c : cases) {
    INFO("ServiceMonitor " << c.name);
    const RunResult r =
        run_promtls({"selftest", "--service-monitor", monitors, "--monitor", c.name, "--secret-dir",
                     secrets.string(), "--connect", target, "-o", "json"});
    check_report(r, scraped, 1, reasons);
    const nlohmann::json report = nlohmann::json::parse(r.out);
    CHECK(report["monitor"] == "ServiceMonitor mon/" + c.name + ", endpoints[0] (port metrics)");
  }
  CHECK(reasons.size() == cases.size() - 1);
  CHECK(reasons.count("serviceMonitor/mon/correct/0") == 0);
  CHECK(reasons.at("serviceMonitor/mon/wrong-server-name/0") ==
        "x509: certificate is valid for localhost, not metrics.example");
  CHECK(reasons.at("serviceMonitor/mon/wrong-ca/0") ==
        "x509: certificate signed by unknown authority");
  CHECK(reasons.at("serviceMonitor/mon/no-client-cert/0") ==
        "remote error: tls: certificate required");
  CHECK(reasons.at("serviceMonitor/mon/foreign-client-cert/0") ==
        "remote error: tls: unknown certificate authority");
  CHECK(reasons.count("serviceMonitor/mon/http-against-tls/0") == 1);

  // The text report names the monitor and the endpoint; two targets are two rows.
  const RunResult text =
      run_promtls({"selftest", "--service-monitor", monitors, "--monitor", "mon/correct",
                   "--secret-dir", secrets.string(), "--connect", target, "--connect", target});
  INFO(text.out << text.err);
  CHECK(text.exit_code == 0);
  CHECK(text.out.rfind("ServiceMonitor mon/correct, endpoints[0] (port metrics)\n"
                       "job serviceMonitor/mon/correct/0 (https://…/metrics)\n  up    " +
                           target,
                       0) == 0);
  CHECK(text.out.find("2 targets: 2 up, 0 down") != std::string::npos);
}

TEST_CASE("selftest --scrape-config predicts up and the error of a real Prometheus against nginx") {
  CertSpec spec = wide_spec("localhost");
  spec.dns = {"localhost"};
  spec.ips = {"127.0.0.1"};
  const ServerFiles files(spec, "# TYPE demo gauge\ndemo 1\n");
  const Nginx nginx = start_nginx(files, "on", "TLSv1.3");
  const ServePki other;  // another CA and its client certificate
  const JobFactory job{"127.0.0.1:" + std::to_string(nginx.port), files.ca, files.client_cert,
                       files.client_key};
  std::vector<Job> jobs;
  jobs.push_back(job("correct"));
  jobs.push_back(job("wrong_ca"));
  jobs.back().ca = other.ca_file;
  jobs.push_back(job("no_client_cert"));
  jobs.back().cert.clear();
  jobs.push_back(job("foreign_client_cert"));
  jobs.back().cert = other.client_cert;
  jobs.back().key = other.client_key;
  jobs.push_back(job("http_against_tls"));
  jobs.back().scheme = "http";
  jobs.push_back(job("tls12_against_tls13"));
  jobs.back().max_version = "TLS12";

  const auto reasons = compare(files.dir.path(), jobs);
  CHECK(reasons.count("correct") == 0);
  CHECK(reasons.at("wrong_ca") == "x509: certificate signed by unknown authority");
  // nginx answers a missing or foreign client certificate with an HTTP 400 page.
  CHECK(reasons.at("no_client_cert") == "server returned HTTP status 400 Bad Request");
  CHECK(reasons.at("foreign_client_cert") == "server returned HTTP status 400 Bad Request");
  CHECK(reasons.at("http_against_tls") == "server returned HTTP status 400 Bad Request");
  CHECK(reasons.at("tls12_against_tls13") == "remote error: tls: protocol version not supported");
}

TEST_CASE("selftest --scrape-config names the file, the field or the job it cannot use") {
  TempDir dir;
  const std::string missing = (dir.path() / "missing.yml").string();
  RunResult r = run_promtls({"selftest", "--scrape-config", missing});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find(missing) != std::string::npos);

  const std::string bad =
      dir.write("bad.yml", "scrape_configs:\n  - job_name: a\n    scheme: ftp\n");
  r = run_promtls({"selftest", "--scrape-config", bad});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find(bad + ": scrape_configs[0] (job a).scheme: unsupported scheme \"ftp\"") !=
        std::string::npos);

  const std::string no_ca = dir.write(
      "no-ca.yml",
      "scrape_configs:\n  - job_name: a\n    scheme: https\n    tls_config: {ca_file: nope.crt}\n"
      "    static_configs: [{targets: ['127.0.0.1:1']}]\n");
  r = run_promtls({"selftest", "--scrape-config", no_ca});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("job a: ") != std::string::npos);
  CHECK(r.err.find((dir.path() / "nope.crt").string()) != std::string::npos);

  const std::string two =
      dir.write("two.yml", "scrape_configs:\n  - job_name: first\n  - job_name: second\n");
  r = run_promtls({"selftest", "--scrape-config", two, "--job", "thrid"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--job thrid: no such job in " + two + " (jobs: first, second)") !=
        std::string::npos);
  // Jobs without static targets: nothing was checked, which is not a pass.
  r = run_promtls({"selftest", "--scrape-config", two});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("first (http://…/metrics)\n  no static targets: nothing was scraped") !=
        std::string::npos);
  CHECK(r.out.find("0 targets: 0 up, 0 down — nothing to scrape") != std::string::npos);

  r = run_promtls({"selftest", "--scrape-config", two, "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  r = run_promtls({"selftest", "--job", "first", "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--job needs --scrape-config") != std::string::npos);
}

// Issue 18: one sample with 100,000 labels took 18 s to check; now it is refused at the label
// limit, in the self-test's check and in the scrape verdict alike.
TEST_CASE("selftest refuses to check a sample with 100,000 labels and says why") {
  std::string body = "# TYPE wide gauge\nwide{";
  for (int i = 0; i < 100000; ++i) body += (i ? ",l" : "l") + std::to_string(i) + "=\"v\"";
  body += "} 1\n";
  CertSpec spec = wide_spec("localhost");
  spec.dns = {"localhost"};
  spec.ips = {"127.0.0.1"};
  const ServerFiles files(spec, body);
  const Nginx nginx = start_nginx(files, "off", "TLSv1.3");
  const std::string target = "127.0.0.1:" + std::to_string(nginx.port);
  RunResult r = run_promtls({"selftest", "--no-env", "--connect", target, "--ca", files.ca,
                             "--no-probes", "--no-key-exchange", "-o", "json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& c : report["checks"]) {
    if (c["name"] != "exposition-format") continue;
    found = true;
    CHECK(c["ok"] == false);
    CHECK(c["detail"] == "not checked whole: a sample on line 2 has more than 10000 labels");
  }
  CHECK(found);

  const Job j = JobFactory{target, files.ca, "", ""}("wide");
  TempDir dir;
  r = run_promtls({"selftest", "--scrape-config",
                   dir.write("prometheus.yml", "scrape_configs:\n" + job_yaml(j))});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("  down  " + target +
                   ": not checked whole (a bound of selftest, not of Prometheus): a sample on "
                   "line 2 has more than 10000 labels\n") != std::string::npos);
}

// Issue 18: a lying Content-Length from a raw server is refused from the header, before any
// allocation for the body, and a negative one is malformed rather than "larger than 64 MiB".
TEST_CASE("selftest refuses a Content-Length over its limit or malformed without reading on") {
  const RawHttpServer huge("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nabc");
  const RawHttpServer negative("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nabc");
  const RawHttpServer fine("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nok 1\nx");
  TempDir dir;
  JobFactory job{huge.address(), "", "", ""};
  std::vector<Job> jobs{job("huge"), job("negative"), job("fine")};
  jobs[1].target = negative.address();
  jobs[2].target = fine.address();
  std::string yaml = "scrape_configs:\n";
  for (Job& j : jobs) {
    j.scheme = "http";
    yaml += job_yaml(j);
  }
  const RunResult r =
      run_promtls({"selftest", "--scrape-config", dir.write("prometheus.yml", yaml), "-o", "json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  REQUIRE(report["targets"].size() == 3);
  CHECK(report["targets"][0]["reason"] ==
        "response body larger than 64 MiB (Content-Length: 99999999999)");
  // A malformed header is Go's "malformed HTTP response" in the words Prometheus shows.
  CHECK(report["targets"][1]["reason"] ==
        "net/http: HTTP/1.x transport connection broken: malformed HTTP response");
  // The whole canned body is read: its "x" has no value.
  CHECK(report["targets"][2]["reason"] ==
        "the exposition does not parse: line 2: expected a value after metric \"x\"");
  CHECK(huge.served() == 1);
  CHECK(negative.served() == 1);
}

// The check of that name in the report's only target, or null.
nlohmann::json target_check(const RunResult& r, const std::string& name) {
  const nlohmann::json report = nlohmann::json::parse(r.out);
  for (const auto& c : report["targets"][0]["checks"]) {
    if (c["name"] == name) return c;
  }
  return nullptr;
}

// A ServiceMonitor "app" (serverName localhost, the CA and client certificate of `pki`) with its
// Secret in <dir>/secrets/scrape; returns the selftest arguments before the server's
// configuration.
std::vector<std::string> monitor_args(const TempDir& dir, const ServePki& pki, int port) {
  Job j = JobFactory{"", pki.ca_file, pki.client_cert, pki.client_key}("app");
  j.server_name = "localhost";
  const std::filesystem::path secrets = dir.path() / "secrets";
  secret_volume(secrets / "scrape", {{"ca.crt", j.ca}, {"tls.crt", j.cert}, {"tls.key", j.key}});
  return {"selftest",
          "--no-env",
          "-o",
          "json",
          "--service-monitor",
          dir.write("monitor.yaml", service_monitor_yaml(j, "scrape")),
          "--secret-dir",
          secrets.string(),
          "--connect",
          "127.0.0.1:" + std::to_string(port)};
}

TEST_CASE(
    "selftest --service-monitor fails a server that still serves the certificate before "
    "a rotation") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  TempDir dir;
  const std::vector<std::string> args = monitor_args(dir, pki, s.port);
  // The server's configuration (what its Secret holds now) names a newer certificate.
  pki.issue_server("rotated", 0x2002);
  std::vector<std::string> config = pki.tls_args("require");
  config[1] = "METRICS_PROMETHEUS_TLS_CERT=" + (pki.dir.path() / "rotated.crt").string();
  config[3] = "METRICS_PROMETHEUS_TLS_KEY=" + (pki.dir.path() / "rotated.key").string();
  std::vector<std::string> stale_args = args;
  stale_args.insert(stale_args.end(), config.begin(), config.end());
  RunResult r = run_promtls(stale_args);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(nlohmann::json::parse(r.out)["targets"][0]["up"] == true);  // Prometheus gets it
  const nlohmann::json stale = target_check(r, "served-certificate-current");
  REQUIRE(!stale.is_null());
  CHECK(stale["ok"] == false);
  CHECK(stale["detail"].get<std::string>().rfind("the server still serves serial", 0) == 0);
  CHECK(stale["detail"].get<std::string>().find("rotated.crt holds serial") != std::string::npos);

  // The file the server loaded: current, and the report passes.
  std::vector<std::string> current_args = args;
  config = pki.tls_args("require");
  current_args.insert(current_args.end(), config.begin(), config.end());
  r = run_promtls(current_args);
  CHECK(r.exit_code == 0);
  CHECK(target_check(r, "served-certificate-current")["ok"] == true);
  CHECK(target_check(r, "client-ca-pool")["ok"] == true);
  // Without the server's configuration there is nothing to compare: no rotation checks.
  r = run_promtls(args);
  CHECK(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["targets"][0]["checks"].empty());
}

TEST_CASE(
    "selftest --service-monitor says the client-CA pool is stale when the monitor's "
    "certificate from its CA is refused") {
  ServePki pki;
  // The server trusts another CA (the file it loaded then); its configuration names the CA that
  // issued the monitor's certificate (the file now).
  std::vector<std::string> server = pki.tls_args("require", false);
  const std::string other = pki.dir.write("other-ca.crt", pki.foreign.cert.pem(), 0644);
  server.insert(server.end(), {"--set", "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=" + other});
  Serve s = start_serve(server, pki.log_path("serve.log"));
  TempDir dir;
  std::vector<std::string> args = monitor_args(dir, pki, s.port);
  const std::vector<std::string> config = pki.tls_args("require");
  args.insert(args.end(), config.begin(), config.end());
  const RunResult r = run_promtls(args);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(nlohmann::json::parse(r.out)["targets"][0]["reason"] ==
        "remote error: tls: unknown certificate authority");
  const nlohmann::json pool = target_check(r, "client-ca-pool");
  REQUIRE(!pool.is_null());
  CHECK(pool["ok"] == false);
  CHECK(pool["detail"].get<std::string>().find(
            "its client-CA pool is empty or older than the file") != std::string::npos);
}

TEST_CASE("selftest --service-monitor names the file, monitor, endpoint or key it cannot use") {
  TempDir dir;
  const std::string missing = (dir.path() / "missing.yaml").string();
  RunResult r = run_promtls({"selftest", "--service-monitor", missing, "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find(missing) != std::string::npos);

  const std::string none =
      dir.write("none.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n");
  r = run_promtls({"selftest", "--service-monitor", none, "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find(none + ": no ServiceMonitor or PodMonitor") != std::string::npos);

  // A kubectl List with two monitors, the second with two endpoints.
  const std::string list = dir.write("list.json",
                                     R"({"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
   "metadata": {"name": "one", "namespace": "mon"},
   "spec": {"endpoints": [{"port": "metrics", "scheme": "https",
     "tlsConfig": {"ca": {"secret": {"name": "scrape", "key": "ca.crt"}}}}]}},
  {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
   "metadata": {"name": "two", "namespace": "mon"},
   "spec": {"podMetricsEndpoints": [{"port": "web"}, {"port": "metrics", "scheme": "ftp"}]}}]})");
  const auto selftest = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"selftest", "--service-monitor", list});
    return run_promtls(args);
  };
  r = selftest({"--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(list + " holds 2 monitors: choose one with --monitor NAME (ServiceMonitor "
                          "mon/one, PodMonitor mon/two)") != std::string::npos);
  r = selftest({"--monitor", "three", "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--monitor three: no such ServiceMonitor or PodMonitor in " + list) !=
        std::string::npos);
  r = selftest({"--monitor", "mon/two", "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("PodMonitor mon/two has 2 endpoints: choose one with --endpoint N or --port "
                   "NAME (0: port web, 1: port metrics)") != std::string::npos);
  r = selftest({"--monitor", "two", "--endpoint", "2", "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--endpoint 2: PodMonitor mon/two has 2 endpoints") != std::string::npos);
  r = selftest({"--monitor", "two", "--port", "http", "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--port http: no endpoint of PodMonitor mon/two has that port") !=
        std::string::npos);
  r = selftest({"--monitor", "two", "--port", "metrics", "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("PodMonitor mon/two, podMetricsEndpoints[1] (port metrics): unsupported "
                   "scheme \"ftp\"") != std::string::npos);
  r = selftest({"--monitor", "one"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--service-monitor needs --connect HOST:PORT") != std::string::npos);
  r = selftest({"--monitor", "one", "--connect", "127.0.0.1:99999"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--connect 127.0.0.1:99999") != std::string::npos);
  r = selftest({"--monitor", "one", "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("Secret scrape key ca.crt: pass --secret-dir DIR holding DIR/scrape/ca.crt") !=
        std::string::npos);
  // A Secret volume without the key, and a --secret-dir without the Secret: exit 3, the path.
  std::filesystem::create_directories(dir.path() / "secrets" / "scrape");
  dir.write("secrets/scrape/tls.crt", "");
  const std::string secrets = (dir.path() / "secrets").string();
  r = selftest({"--monitor", "one", "--secret-dir", secrets, "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("tlsConfig.ca: Secret scrape key ca.crt: " + secrets +
                   "/scrape/ca.crt does not exist") != std::string::npos);
  std::filesystem::remove_all(dir.path() / "secrets" / "scrape");
  r = selftest({"--monitor", "one", "--secret-dir", secrets, "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("no directory scrape in --secret-dir " + secrets) != std::string::npos);

  r = selftest({"--monitor", "one", "--scrape-config", list, "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  r = run_promtls({"selftest", "--monitor", "one", "--connect", "127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--monitor needs --service-monitor") != std::string::npos);
  r = run_promtls({"selftest", "--connect", "127.0.0.1:1", "--connect", "127.0.0.1:2"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--connect is given once, except with --service-monitor") != std::string::npos);
}

}  // namespace
}  // namespace promtls::test
