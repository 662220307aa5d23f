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
#include "run.hpp"
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

// Runs the jobs through Prometheus and selftest; checks every job's verdict against Prometheus'
// and returns selftest's reasons by job.
std::map<std::string, std::string> compare(const std::filesystem::path& dir,
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

  const RunResult r =
      run_promtls({"selftest", "--scrape-config", (dir / "prometheus.yml").string(), "-o", "json"});
  INFO(r.err);
  const auto report = nlohmann::json::parse(r.out);
  CHECK(report["schema"] == "promtls/selftest-scrape/v1");
  bool all_up = true;
  std::map<std::string, std::string> reasons;
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
  CHECK(report["targets"].size() == jobs.size());
  CHECK(report["ok"].get<bool>() == all_up);
  CHECK(r.exit_code == (all_up ? 0 : 1));
  return reasons;
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
    yaml +=
        "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
        "metadata: {name: " +
        j.name +
        ", namespace: mon}\nspec:\n"
        "  selector: {matchLabels: {app: serve}}\n  endpoints:\n  - port: metrics\n"
        "    scheme: " +
        j.scheme +
        "\n    tlsConfig:\n"
        "      ca: {secret: {name: scrape, key: ca.crt}}\n";
    if (!j.server_name.empty()) yaml += "      serverName: " + j.server_name + "\n";
    if (!j.max_version.empty()) yaml += "      maxVersion: " + j.max_version + "\n";
    if (!j.cert.empty()) {
      yaml +=
          "      cert: {secret: {name: scrape, key: tls.crt}}\n"
          "      keySecret: {name: scrape, key: tls.key}\n";
    }
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
  const std::string target = "127.0.0.1:" + std::to_string(s.port);
  auto job = [&](const std::string& name) {
    Job j;
    j.name = name;
    j.target = target;
    j.ca = pki.ca_file;
    j.cert = pki.client_cert;
    j.key = pki.client_key;
    return j;
  };
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

TEST_CASE("selftest --scrape-config predicts up and the error of a real Prometheus against nginx") {
  CertSpec spec = wide_spec("localhost");
  spec.dns = {"localhost"};
  spec.ips = {"127.0.0.1"};
  const ServerFiles files(spec, "# TYPE demo gauge\ndemo 1\n");
  const Nginx nginx = start_nginx(files, "on", "TLSv1.3");
  const ServePki other;  // another CA and its client certificate
  const std::string target = "127.0.0.1:" + std::to_string(nginx.port);
  auto job = [&](const std::string& name) {
    Job j;
    j.name = name;
    j.target = target;
    j.ca = files.ca;
    j.cert = files.client_cert;
    j.key = files.client_key;
    return j;
  };
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

}  // namespace
}  // namespace promtls::test
