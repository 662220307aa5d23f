// validate --manifest follows ServiceMonitors and PodMonitors to the containers they scrape and
// judges each path as Prometheus would see it (issue 14), on a stream shaped like `helm template`
// output (Secrets, a Deployment, a Service and a ServiceMonitor, each after a "# Source:" line),
// on a kustomize-like tree, and with the Secrets given as Secret-volume directories
// (--secret-dir, with the kubelet's ..data layout).
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "fixed_time.hpp"
#include "pki.hpp"
#include "run.hpp"
#include "trees.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow

// The PKI of one scene: the serving CA and leaf (SANs app.mon.svc and 10.0.0.7), the client CA
// that the server trusts and Prometheus' client certificate, and certificates for the failing
// cases.
struct Pki {
  Authority serving_ca = Authority::make("serving-ca");
  Authority client_ca = Authority::make("client-ca");
  Authority other_ca = Authority::make("other-ca");
  Key server_key{KeyKind::ec_p256};
  Key client_key{KeyKind::ec_p256};
  std::string server_pem, client_pem, foreign_client_pem, no_eku_client_pem, expired_client_pem,
      dns_only_server_pem;
  Pki() {
    CertSpec server;
    server.cn = "app";
    server.dns = {"app.mon.svc"};
    server.ips = {"10.0.0.7"};
    server.eku = {"serverAuth"};
    server_pem = serving_ca.leaf(server, server_key).pem();
    server.ips = {};
    dns_only_server_pem = serving_ca.leaf(server, server_key).pem();
    CertSpec client;
    client.cn = "prometheus";
    client.dns = {};
    client.ips = {};
    client.eku = {"clientAuth"};
    client_pem = client_ca.leaf(client, client_key).pem();
    foreign_client_pem = other_ca.leaf(client, client_key).pem();
    client.not_before = kNow - 400 * kDay;
    client.not_after = kNow - kDay;
    expired_client_pem = client_ca.leaf(client, client_key).pem();
    client.not_before = kNow - 30 * kDay;
    client.not_after = kNow + 365 * kDay;
    client.eku = {"serverAuth"};
    no_eku_client_pem = client_ca.leaf(client, client_key).pem();
  }
};

const Pki& pki() {
  static const Pki p;
  return p;
}

// What a scene varies: each field is one of the incidents the issue lists.
struct Scene {
  std::string scheme = "https";
  std::string server_name = "app.mon.svc";
  std::string monitor_ca;                  // default: the serving CA
  std::optional<std::string> client_cert;  // default: the good client certificate; "" for none
  std::string server_cert;                 // default: pki().server_pem
  std::string target_port = "metrics";     // the Service's targetPort
  std::string selector = "app";            // the ServiceMonitor's matchLabels app: value
  std::string min_version;                 // the monitor's tlsConfig.minVersion
  std::string max_version;
  std::string server_min = "1.3";  // METRICS_PROMETHEUS_TLS_MIN_VERSION
  bool insecure = false;
  bool secrets_in_stream = true;
  bool pod_monitor = false;
};

std::string indent(const std::string& text, const std::string& pad) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    out += pad + text.substr(start, end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string secrets_yaml(const Scene& s) {
  const Pki& p = pki();
  const std::string cert = s.server_cert.empty() ? p.server_pem : s.server_cert;
  const std::string client = s.client_cert.value_or(p.client_pem);
  std::string y =
      "---\n# Source: app/templates/metrics-tls.yaml\napiVersion: v1\nkind: Secret\n"
      "metadata:\n  name: metrics-tls\n  namespace: mon\ntype: kubernetes.io/tls\ndata:\n"
      "  tls.crt: " +
      base64(cert) + "\n  tls.key: " + base64(p.server_key.private_pem()) +
      "\n  ca.crt: " + base64(p.client_ca.cert.pem()) + "\n";
  y += "---\n# Source: app/templates/scrape-tls.yaml\napiVersion: v1\nkind: Secret\n"
       "metadata:\n  name: scrape-tls\n  namespace: mon\nstringData:\n  ca.crt: |\n" +
       indent(s.monitor_ca.empty() ? p.serving_ca.cert.pem() : s.monitor_ca, "    ");
  if (!client.empty()) {
    y += "  tls.crt: |\n" + indent(client, "    ") + "  tls.key: |\n" +
         indent(p.client_key.private_pem(), "    ");
  }
  return y;
}

std::string workload_yaml(const Scene& s) {
  return "---\n# Source: app/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n"
         "metadata:\n  name: app\n  namespace: mon\n  labels: {app.kubernetes.io/name: app}\n"
         "spec:\n  selector:\n    matchLabels: {app.kubernetes.io/name: app}\n  template:\n"
         "    metadata:\n      labels: {app.kubernetes.io/name: app}\n    spec:\n"
         "      containers:\n      - name: app\n        image: registry.example.com/app:1.0\n"
         "        ports:\n        - {name: metrics, containerPort: 9090}\n"
         "        - {name: http, containerPort: 8080}\n        env:\n"
         "        - {name: METRICS_PROMETHEUS_PORT, value: \"9090\"}\n"
         "        - {name: METRICS_PROMETHEUS_TLS_CERT, value: /etc/metrics-tls/tls.crt}\n"
         "        - {name: METRICS_PROMETHEUS_TLS_KEY, value: /etc/metrics-tls/tls.key}\n"
         "        - {name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH, value: require}\n"
         "        - {name: METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE, value: /etc/metrics-tls/ca.crt}\n"
         "        - {name: METRICS_PROMETHEUS_TLS_MIN_VERSION, value: \"" +
         s.server_min +
         "\"}\n        volumeMounts:\n        - {name: metrics-tls, mountPath: /etc/metrics-tls, "
         "readOnly: true}\n      volumes:\n      - name: metrics-tls\n"
         "        secret: {secretName: metrics-tls, defaultMode: 0440}\n"
         "---\n# Source: app/templates/service.yaml\napiVersion: v1\nkind: Service\n"
         "metadata:\n  name: app\n  namespace: mon\n  labels: {app: app}\nspec:\n"
         "  selector: {app.kubernetes.io/name: app}\n  ports:\n  - name: https-metrics\n"
         "    port: 9090\n    targetPort: " +
         s.target_port + "\n";
}

std::string monitor_yaml(const Scene& s) {
  std::string y =
      "---\n# Source: app/templates/servicemonitor.yaml\n"
      "apiVersion: monitoring.coreos.com/v1\nkind: " +
      std::string(s.pod_monitor ? "PodMonitor" : "ServiceMonitor") +
      "\nmetadata:\n  name: app\n  namespace: mon\nspec:\n  selector:\n"
      "    matchLabels: {" +
      std::string(s.pod_monitor ? "app.kubernetes.io/name" : "app") + ": " + s.selector + "}\n  " +
      (s.pod_monitor ? "podMetricsEndpoints" : "endpoints") +
      ":\n  - port: " + (s.pod_monitor ? "metrics" : "https-metrics") +
      "\n    scheme: " + s.scheme + "\n    tlsConfig:\n";
  if (!s.server_name.empty()) y += "      serverName: " + s.server_name + "\n";
  if (s.insecure) y += "      insecureSkipVerify: true\n";
  if (!s.min_version.empty()) y += "      minVersion: " + s.min_version + "\n";
  if (!s.max_version.empty()) y += "      maxVersion: " + s.max_version + "\n";
  y += "      ca:\n        secret: {name: scrape-tls, key: ca.crt}\n";
  if (s.client_cert.value_or("x") != "") {
    y += "      cert:\n        secret: {name: scrape-tls, key: tls.crt}\n"
         "      keySecret: {name: scrape-tls, key: tls.key}\n";
  }
  return y;
}

std::string stream(const Scene& s) {
  return (s.secrets_in_stream ? secrets_yaml(s) : "") + workload_yaml(s) + monitor_yaml(s);
}

struct Result {
  int exit_code = 0;
  std::multiset<std::string> codes;  // the scrape-* findings
  std::vector<json> findings;
  std::string out, err;
};

Result validate(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"validate", kAt, "-o", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  const RunResult r = run_promtls(args);
  Result out{r.exit_code, {}, {}, r.out, r.err};
  const json report = json::parse(r.out);
  for (const json& f : report["findings"]) {
    const std::string code = f["code"];
    if (code.rfind("scrape-", 0) != 0) continue;
    out.codes.insert(code);
    out.findings.push_back(f);
  }
  return out;
}

Result validate_scene(const Scene& s) {
  TempDir dir;
  const std::string file = dir.write("rendered.yaml", stream(s));
  return validate({"--manifest", file});
}

const json* find(const Result& r, const std::string& code) {
  for (const json& f : r.findings) {
    if (f["code"] == code) return &f;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a ServiceMonitor that matches its endpoint in every way has no scrape finding") {
  const Result r = validate_scene(Scene{});
  INFO(r.out << r.err);
  CHECK(r.codes.empty());
  CHECK(r.exit_code == 0);
}

namespace {

// The scenes of the incidents both the monitor and the static-job tables check: each differs
// from the correct scene in one field.
struct Incidents {
  Scene wrong_name, wrong_ca, no_client, foreign, no_eku, expired, http, versions, port, named_port;
  Incidents() {
    wrong_name.server_name = "metrics.example";
    wrong_ca.monitor_ca = pki().other_ca.cert.pem();
    no_client.client_cert = "";
    foreign.client_cert = pki().foreign_client_pem;
    no_eku.client_cert = pki().no_eku_client_pem;
    expired.client_cert = pki().expired_client_pem;
    http.scheme = "http";
    versions.max_version = "TLS12";
    port.target_port = "8080";
    named_port.target_port = "https";
  }
};

}  // namespace

TEST_CASE("each scrape-path incident is its own finding, citing the monitor's line") {
  struct Case {
    std::string name;
    Scene scene;
    std::string code;
    std::string says;  // in the message: Prometheus' words
  };
  const Incidents in;
  const Scene &wrong_name = in.wrong_name, &wrong_ca = in.wrong_ca, &no_client = in.no_client,
              &foreign = in.foreign, &no_eku = in.no_eku, &expired = in.expired, &http = in.http,
              &versions = in.versions, &port = in.port, &named_port = in.named_port;
  Scene no_ip_sans;
  no_ip_sans.server_name = "";
  no_ip_sans.server_cert = pki().dns_only_server_pem;
  const std::vector<Case> cases = {
      {"wrong serverName", wrong_name, "scrape-server-name-mismatch",
       "x509: certificate is valid for app.mon.svc, not metrics.example"},
      {"CA that did not sign the server", wrong_ca, "scrape-ca-mismatch",
       "x509: certificate signed by unknown authority"},
      {"no client certificate under require", no_client, "scrape-no-client-certificate",
       "remote error: tls: certificate required"},
      {"client certificate from another CA", foreign, "scrape-client-cert-untrusted",
       "remote error: tls: unknown certificate authority"},
      {"client certificate without clientAuth", no_eku, "scrape-client-cert-usage",
       "remote error: tls: bad certificate"},
      {"expired client certificate", expired, "scrape-client-cert-validity",
       "remote error: tls: expired certificate"},
      {"scheme http against TLS", http, "scrape-scheme-mismatch",
       "server returned HTTP status 400 Bad Request"},
      {"TLS ranges that do not overlap", versions, "scrape-tls-version-mismatch",
       "remote error: tls: protocol version not supported"},
      {"the Service sends the scrape to another port", port, "scrape-port-mismatch",
       "connection refused"},
      {"a targetPort name no container declares", named_port, "scrape-port-mismatch",
       "declares a port named https"},
      {"no serverName and no IP SANs", no_ip_sans, "scrape-server-name-mismatch",
       "doesn't contain any IP SANs"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Result r = validate_scene(c.scene);
    INFO(r.out << r.err);
    CHECK(r.codes.count(c.code) == 1);
    const json* f = find(r, c.code);
    REQUIRE(f != nullptr);
    CHECK((*f)["severity"] == "error");
    CHECK((*f)["message"].get<std::string>().find(c.says) != std::string::npos);
    CHECK((*f)["subject"].get<std::string>().rfind("ServiceMonitor mon/app, endpoints[0]", 0) == 0);
    // The endpoint entry of the ServiceMonitor, the last document of the stream.
    CHECK((*f)["source"].get<std::string>().find("rendered.yaml:") != std::string::npos);
    CHECK(r.exit_code == 1);
  }
}

TEST_CASE("insecureSkipVerify is a warning that --strict fails, and skips the name and CA checks") {
  Scene s;
  s.insecure = true;
  s.server_name = "metrics.example";
  const Result r = validate_scene(s);
  INFO(r.out);
  CHECK(r.codes == std::multiset<std::string>{"scrape-insecure-skip-verify"});
  CHECK(r.exit_code == 0);
  TempDir dir;
  const RunResult strict = run_promtls(
      {"validate", kAt, "--strict", "--manifest", dir.write("rendered.yaml", stream(s))});
  CHECK(strict.exit_code == 1);
  CHECK(strict.out.find("warning scrape-insecure-skip-verify") != std::string::npos);
}

TEST_CASE("a monitor that selects nothing is a warning naming what it looked for") {
  Scene s;
  s.selector = "other";
  const Result r = validate_scene(s);
  INFO(r.out);
  CHECK(r.codes == std::multiset<std::string>{"scrape-selects-nothing"});
  const json* f = find(r, "scrape-selects-nothing");
  REQUIRE(f != nullptr);
  CHECK((*f)["severity"] == "warning");
  CHECK((*f)["message"].get<std::string>().find("matches no Service of the input in namespace "
                                                "mon (1 Services read)") != std::string::npos);
}

TEST_CASE("a PodMonitor is followed to the container port it names") {
  Scene s;
  s.pod_monitor = true;
  CHECK(validate_scene(s).codes.empty());
  s.server_name = "metrics.example";
  const Result r = validate_scene(s);
  INFO(r.out);
  CHECK(r.codes == std::multiset<std::string>{"scrape-server-name-mismatch"});
  CHECK((*find(r, "scrape-server-name-mismatch"))["subject"] ==
        "PodMonitor mon/app, podMetricsEndpoints[0]");
}

TEST_CASE(
    "without the Secrets the finding says what could not be checked, and --secret-dir "
    "supplies them from Secret-volume directories") {
  Scene s;
  s.secrets_in_stream = false;
  s.monitor_ca = pki().other_ca.cert.pem();
  TempDir dir;
  const std::string file = dir.write("rendered.yaml", stream(s));
  const Result without = validate({"--manifest", file});
  INFO(without.out);
  CHECK(without.codes == std::multiset<std::string>{"scrape-not-checked"});
  const std::string message = (*find(without, "scrape-not-checked"))["message"];
  CHECK(message.find("the serving certificate /etc/metrics-tls/tls.crt is not in a Secret of the "
                     "input or --secret-dir") != std::string::npos);
  CHECK(message.find("Secret mon/scrape-tls key tls.crt") != std::string::npos);

  // Two Secret volumes as the kubelet writes them: ..<timestamp>/ holds the keys, ..data links
  // to it, and each key is a link through ..data.
  const auto volume = [&](const std::string& name,
                          const std::vector<std::pair<std::string, std::string>>& keys) {
    const std::filesystem::path root = dir.path() / "secrets" / name;
    const std::filesystem::path data = root / "..2027_01_01_00_00_00.000000001";
    std::filesystem::create_directories(data);
    for (const auto& [key, bytes] : keys) {
      dir.write((std::filesystem::relative(data, dir.path()) / key).string(), bytes);
      std::filesystem::create_symlink(std::filesystem::path("..data") / key, root / key);
    }
    std::filesystem::create_directory_symlink(data.filename(), root / "..data");
  };
  const Pki& p = pki();
  volume("metrics-tls", {{"tls.crt", p.server_pem},
                         {"tls.key", p.server_key.private_pem()},
                         {"ca.crt", p.client_ca.cert.pem()}});
  volume("scrape-tls", {{"ca.crt", s.monitor_ca},
                        {"tls.crt", p.client_pem},
                        {"tls.key", p.client_key.private_pem()}});
  const Result with =
      validate({"--manifest", file, "--secret-dir", (dir.path() / "secrets").string()});
  INFO(with.out);
  CHECK(with.codes == std::multiset<std::string>{"scrape-ca-mismatch"});
  CHECK(with.exit_code == 1);
}

TEST_CASE("a kustomize-like tree of files is followed across files") {
  TempDir dir;
  Scene s;
  s.server_name = "metrics.example";
  std::filesystem::create_directories(dir.path() / "base");
  dir.write("base/secrets.yaml", secrets_yaml(s));
  dir.write("base/deployment.yaml", workload_yaml(s));
  dir.write("monitoring.yaml", monitor_yaml(s));
  const Result r = validate({"--manifest", dir.path().string()});
  INFO(r.out);
  CHECK(r.codes == std::multiset<std::string>{"scrape-server-name-mismatch"});
  CHECK((*find(r, "scrape-server-name-mismatch"))["source"].get<std::string>().find(
            "monitoring.yaml:") != std::string::npos);
}

TEST_CASE(
    "a secret directory that cannot be read exits 3, and one without --manifest is a usage error") {
  TempDir dir;
  const std::string file = dir.write("rendered.yaml", stream(Scene{}));
  const RunResult missing =
      run_promtls({"validate", "--manifest", file, "--secret-dir", (dir.path() / "nope").string()});
  CHECK(missing.exit_code == 3);
  CHECK(missing.err.find((dir.path() / "nope").string()) != std::string::npos);
  const RunResult not_dir = run_promtls({"validate", "--manifest", file, "--secret-dir", file});
  CHECK(not_dir.exit_code == 2);
  CHECK(not_dir.err.find("not a directory") != std::string::npos);
  const RunResult alone =
      run_promtls({"validate", "--no-env", "--secret-dir", dir.path().string()});
  CHECK(alone.exit_code == 2);
  CHECK(alone.err.find("--secret-dir needs --manifest") != std::string::npos);
  // A key that dangles (a Secret volume mid-rotation) is reported, not skipped.
  std::filesystem::create_directories(dir.path() / "secrets" / "scrape-tls");
  std::filesystem::create_symlink("..data/ca.crt",
                                  dir.path() / "secrets" / "scrape-tls" / "ca.crt");
  const RunResult dangling = run_promtls(
      {"validate", "--manifest", file, "--secret-dir", (dir.path() / "secrets").string()});
  CHECK(dangling.exit_code == 3);
  CHECK(dangling.err.find("ca.crt") != std::string::npos);
}

TEST_CASE("offline validation leaves the certificate checks of a scrape path out and says so") {
  TempDir dir;
  Scene s;
  s.server_name = "metrics.example";
  const Result r = validate({"--offline", "--manifest", dir.write("rendered.yaml", stream(s))});
  INFO(r.out);
  CHECK(r.codes == std::multiset<std::string>{"scrape-not-checked"});
  CHECK((*find(r, "scrape-not-checked"))["message"].get<std::string>().find("--offline") !=
        std::string::npos);
}

// Static jobs: a Prometheus configuration's scrape_configs, read from a ConfigMap or Secret (as
// kube-prometheus and the helm charts ship prometheus.yml) or from a prometheus.yml file among the
// manifests, each static target followed to the Service it names and judged like a monitor.
namespace {

// The job of a scene, as prometheus.yml writes it: the monitor's settings under tls_config, the
// CA and client certificate read where the Prometheus Operator mounts Secret scrape-tls.
std::string job_yaml(const Scene& s, const std::string& target = "app.mon.svc:9090",
                     const std::string& inline_ca = "") {
  std::string y = "scrape_configs:\n- job_name: app\n  scheme: " + s.scheme +
                  "\n  metrics_path: /metrics\n  tls_config:\n";
  if (!s.server_name.empty()) y += "    server_name: " + s.server_name + "\n";
  if (s.insecure) y += "    insecure_skip_verify: true\n";
  if (!s.min_version.empty()) y += "    min_version: " + s.min_version + "\n";
  if (!s.max_version.empty()) y += "    max_version: " + s.max_version + "\n";
  if (inline_ca.empty()) {
    y += "    ca_file: /etc/prometheus/secrets/scrape-tls/ca.crt\n";
  } else {
    y += "    ca: |\n" + indent(inline_ca, "      ");
  }
  if (s.client_cert.value_or("x") != "") {
    y += "    cert_file: /etc/prometheus/secrets/scrape-tls/tls.crt\n"
         "    key_file: /etc/prometheus/secrets/scrape-tls/tls.key\n";
  }
  return y + "  static_configs:\n  - targets: ['" + target + "']\n    labels: {team: apps}\n";
}

// A ConfigMap holding prometheus.yml, shaped like a helm chart's prometheus-server ConfigMap.
std::string config_map_yaml(const std::string& prometheus_yml, const std::string& ns = "mon") {
  return "---\n# Source: prometheus/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n"
         "metadata:\n  name: prometheus-server\n  namespace: " +
         ns +
         "\n  labels: {app.kubernetes.io/name: prometheus}\ndata:\n  alerting_rules.yml: |\n"
         "    {}\n  prometheus.yml: |\n    global:\n      scrape_interval: 1m\n" +
         indent(prometheus_yml, "    ");
}

std::string static_stream(const Scene& s, const std::string& target = "app.mon.svc:9090",
                          const std::string& inline_ca = "") {
  return secrets_yaml(s) + workload_yaml(s) + config_map_yaml(job_yaml(s, target, inline_ca));
}

// The line of the first line of `text` that starts with `prefix` (after spaces).
std::size_t line_of(const std::string& text, const std::string& prefix) {
  std::size_t line = 1;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t first = text.find_first_not_of(' ', start);
    if (first != std::string::npos && text.compare(first, prefix.size(), prefix) == 0) return line;
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    start = end + 1;
    ++line;
  }
  return 0;
}

// Whether finding `f` cites line `line` of the file rendered.yaml.
bool cites(const json& f, std::size_t line) {
  const std::string source = f["source"];
  const std::string want = "/rendered.yaml:" + std::to_string(line);
  return line != 0 && source.size() >= want.size() &&
         source.compare(source.size() - want.size(), want.size(), want) == 0;
}

Result validate_static(const std::string& text, const std::vector<std::string>& extra = {}) {
  TempDir dir;
  std::vector<std::string> args{"--manifest", dir.write("rendered.yaml", text)};
  args.insert(args.end(), extra.begin(), extra.end());
  return validate(args);
}

}  // namespace

TEST_CASE("a static job in a ConfigMap that matches its endpoint has no scrape finding") {
  const Result r = validate_static(static_stream(Scene{}));
  INFO(r.out << r.err);
  CHECK(r.codes.empty());
  CHECK(r.exit_code == 0);
  // Without server_name Go verifies the target's host, a DNS name the certificate holds.
  Scene no_name;
  no_name.server_name = "";
  CHECK(validate_static(static_stream(no_name)).codes.empty());
  // A bare Service name resolves in the namespace of the ConfigMap (Prometheus' pod's DNS search
  // path), and the certificate must then hold the bare name.
  const Result bare = validate_static(static_stream(Scene{}, "app:9090"));
  INFO(bare.out);
  CHECK(bare.codes.empty());
  const Result bare_unnamed = validate_static(static_stream(no_name, "app:9090"));
  CHECK(bare_unnamed.codes == std::multiset<std::string>{"scrape-server-name-mismatch"});
}

TEST_CASE("each scrape-path incident of a static job is its own finding, citing the job's line") {
  struct Case {
    std::string name;
    Scene scene;
    std::string code;
    std::string says;  // in the message: Prometheus' words
    std::string hint;  // in the hint: prometheus.yml's field
    std::string target = "app.mon.svc:9090";
  };
  const Incidents in;
  const Scene &wrong_name = in.wrong_name, &wrong_ca = in.wrong_ca, &no_client = in.no_client,
              &foreign = in.foreign, &no_eku = in.no_eku, &expired = in.expired, &http = in.http,
              &versions = in.versions, &port = in.port, &named_port = in.named_port;
  Scene host;
  host.server_name = "";
  const std::vector<Case> cases = {
      {"wrong server_name", wrong_name, "scrape-server-name-mismatch",
       "x509: certificate is valid for app.mon.svc, not metrics.example", "tls_config.server_name"},
      {"no server_name and a host not in the SANs", host, "scrape-server-name-mismatch",
       "x509: certificate is valid for app.mon.svc, not app.mon", "tls_config.server_name",
       "app.mon:9090"},
      {"CA that did not sign the server", wrong_ca, "scrape-ca-mismatch",
       "x509: certificate signed by unknown authority", "tls_config.ca_file"},
      {"no client certificate under require", no_client, "scrape-no-client-certificate",
       "remote error: tls: certificate required", "tls_config.cert_file and key_file"},
      {"client certificate from another CA", foreign, "scrape-client-cert-untrusted",
       "remote error: tls: unknown certificate authority", "issue the client certificate"},
      {"client certificate without clientAuth", no_eku, "scrape-client-cert-usage",
       "remote error: tls: bad certificate", "extendedKeyUsage clientAuth"},
      {"expired client certificate", expired, "scrape-client-cert-validity",
       "remote error: tls: expired certificate", "renew the client certificate"},
      {"scheme http against TLS", http, "scrape-scheme-mismatch",
       "server returned HTTP status 400 Bad Request", "a tls_config in the job"},
      {"TLS ranges that do not overlap", versions, "scrape-tls-version-mismatch",
       "remote error: tls: protocol version not supported", "tls_config.min_version/max_version"},
      {"the Service sends the scrape to another port", port, "scrape-port-mismatch",
       "connection refused", "(or the target's port)"},
      {"a targetPort name no container declares", named_port, "scrape-port-mismatch",
       "declares a port named https", "containerPort"},
      {"a port the Service does not have", Scene{}, "scrape-port-mismatch",
       "has no port 9091 (its ports: 9090)", "the target's port", "app.mon.svc:9091"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string text = static_stream(c.scene, c.target);
    const Result r = validate_static(text);
    INFO(r.out << r.err);
    CHECK(r.codes.count(c.code) == 1);
    const json* f = find(r, c.code);
    REQUIRE(f != nullptr);
    CHECK((*f)["severity"] == "error");
    CHECK((*f)["message"].get<std::string>().find(c.says) != std::string::npos);
    const std::string hint = (*f)["hint"];
    CHECK(hint.find(c.hint) != std::string::npos);
    CHECK(hint.find("tlsConfig") == std::string::npos);
    CHECK((*f)["subject"].get<std::string>() ==
          "job app (ConfigMap mon/prometheus-server key prometheus.yml), target " + c.target);
    // The job's entry, inside the ConfigMap's block scalar.
    CHECK(cites(*f, line_of(text, "- job_name: app")));
    CHECK(r.exit_code == 1);
  }
}

TEST_CASE("insecure_skip_verify in a static job is a warning naming the Prometheus field") {
  Scene s;
  s.insecure = true;
  s.server_name = "metrics.example";
  const Result r = validate_static(static_stream(s));
  INFO(r.out);
  CHECK(r.codes == std::multiset<std::string>{"scrape-insecure-skip-verify"});
  const json* f = find(r, "scrape-insecure-skip-verify");
  REQUIRE(f != nullptr);
  CHECK((*f)["message"].get<std::string>().find("insecure_skip_verify: true") != std::string::npos);
  CHECK((*f)["hint"].get<std::string>().find("remove insecure_skip_verify") != std::string::npos);
  CHECK(r.exit_code == 0);
}

TEST_CASE("an inline tls_config.ca is read and judged like a CA file") {
  const Result good =
      validate_static(static_stream(Scene{}, "app.mon.svc:9090", pki().serving_ca.cert.pem()));
  INFO(good.out);
  CHECK(good.codes.empty());
  const Result bad =
      validate_static(static_stream(Scene{}, "app.mon.svc:9090", pki().other_ca.cert.pem()));
  INFO(bad.out);
  CHECK(bad.codes == std::multiset<std::string>{"scrape-ca-mismatch"});
  CHECK((*find(bad, "scrape-ca-mismatch"))["message"].get<std::string>().find(
            "the job's CA (tls_config.ca (inline))") != std::string::npos);
}

TEST_CASE("a plain prometheus.yml among the manifests of a tree is read and cites its own lines") {
  TempDir dir;
  Scene s;
  s.server_name = "metrics.example";
  std::filesystem::create_directories(dir.path() / "base");
  dir.write("base/secrets.yaml", secrets_yaml(s));
  dir.write("base/deployment.yaml", workload_yaml(s));
  const std::string config = "global:\n  scrape_interval: 30s\n" + job_yaml(s);
  dir.write("prometheus/prometheus.yml", config);
  const Result r = validate({"--manifest", dir.path().string()});
  INFO(r.out);
  CHECK(r.codes == std::multiset<std::string>{"scrape-server-name-mismatch"});
  const json* f = find(r, "scrape-server-name-mismatch");
  REQUIRE(f != nullptr);
  CHECK((*f)["subject"] == "job app, target app.mon.svc:9090");
  CHECK((*f)["source"].get<std::string>().find("prometheus.yml:" +
                                               std::to_string(line_of(config, "- job_name"))) !=
        std::string::npos);
  // A bare name in a file outside the cluster: the one Service of that name in the input.
  dir.write("prometheus/prometheus.yml", job_yaml(Scene{}, "app:9090"));
  const Result bare = validate({"--manifest", dir.path().string()});
  INFO(bare.out);
  CHECK(bare.codes.empty());
}

TEST_CASE("a Secret's prometheus.yaml is read from data (base64) and from stringData") {
  const std::string config = job_yaml(Scene{}, "app.mon.svc:9091");
  const std::string secret =
      "---\napiVersion: v1\nkind: Secret\nmetadata: {name: prometheus-k8s, namespace: "
      "monitoring}\ndata:\n  prometheus.yaml: " +
      base64(config) + "\n";
  const std::string text = secrets_yaml(Scene{}) + workload_yaml(Scene{}) + secret;
  const Result r = validate_static(text);
  INFO(r.out);
  CHECK(r.codes == std::multiset<std::string>{"scrape-port-mismatch"});
  // Base64 has no lines of its own: the key's line is cited.
  CHECK(cites(*find(r, "scrape-port-mismatch"), line_of(text, "prometheus.yaml:")));
  const std::string plain =
      "---\napiVersion: v1\nkind: Secret\nmetadata: {name: prometheus-k8s, namespace: "
      "monitoring}\nstringData:\n  prometheus.yaml: |\n" +
      indent(config, "    ");
  const std::string text2 = secrets_yaml(Scene{}) + workload_yaml(Scene{}) + plain;
  const Result r2 = validate_static(text2);
  INFO(r2.out);
  CHECK(r2.codes == std::multiset<std::string>{"scrape-port-mismatch"});
  CHECK(cites(*find(r2, "scrape-port-mismatch"), line_of(text2, "- job_name")));
}

TEST_CASE("a static target that names no Service of the input is an info finding saying why") {
  for (const auto& [target, says] : std::vector<std::pair<std::string, std::string>>{
           {"nope.mon.svc:9090", "no Service nope in namespace mon in the input (1 Services read)"},
           {"10.0.0.7:9090", "it is an IP address"},
           {"metrics.example.com:443", "is not a Service's DNS name"},
           {"app.other.svc.cluster.local:9090", "no Service app in namespace other"}}) {
    INFO(target);
    const Result r = validate_static(static_stream(Scene{}, target));
    INFO(r.out);
    CHECK(r.codes == std::multiset<std::string>{"scrape-not-checked"});
    const json* f = find(r, "scrape-not-checked");
    REQUIRE(f != nullptr);
    CHECK((*f)["severity"] == "info");
    CHECK((*f)["message"].get<std::string>().find(says) != std::string::npos);
    CHECK(r.exit_code == 0);
  }
  // The full cluster name of the right Service is followed, and Go verifies it as written.
  CHECK(validate_static(static_stream(Scene{}, "app.mon.svc.cluster.local:9090")).codes.empty());
  Scene no_name;
  no_name.server_name = "";
  const Result full = validate_static(static_stream(no_name, "app.mon.svc.cluster.local:9090"));
  CHECK(full.codes == std::multiset<std::string>{"scrape-server-name-mismatch"});
}

TEST_CASE("a ca_file outside the Operator's mounts is named in what could not be checked") {
  std::string config = job_yaml(Scene{});
  const std::string from = "/etc/prometheus/secrets/scrape-tls/ca.crt";
  config.replace(config.find(from), from.size(), "/etc/ssl/scrape/ca.crt");
  const Result r =
      validate_static(secrets_yaml(Scene{}) + workload_yaml(Scene{}) + config_map_yaml(config));
  INFO(r.out);
  CHECK(r.codes == std::multiset<std::string>{"scrape-not-checked"});
  CHECK((*find(r, "scrape-not-checked"))["message"].get<std::string>().find(
            "tls_config.ca_file /etc/ssl/scrape/ca.crt (a file in the Prometheus pod outside "
            "/etc/prometheus/secrets/NAME/") != std::string::npos);
}

TEST_CASE("a Prometheus configuration that Prometheus would refuse is an error citing its line") {
  struct Case {
    std::string name;
    std::string config;
    std::string says;
    std::string line_prefix;  // the line cited starts with it
  };
  const std::vector<Case> cases = {
      {"an unknown scheme", "scrape_configs:\n- job_name: a\n  scheme: ftp\n",
       "scrape_configs[0] (job a).scheme: unsupported scheme \"ftp\"", "- job_name: a"},
      {"scrape_configs not a list", "scrape_configs: 5\n", "scrape_configs: expected a list",
       "scrape_configs: 5"},
      {"a target without a valid port",
       "scrape_configs:\n- job_name: a\n- job_name: b\n  static_configs:\n"
       "  - targets: ['app:99999']\n",
       "\"app:99999\" has no valid port", "- job_name: b"},
      {"two jobs with one name", "scrape_configs:\n- {job_name: a}\n- job_name: a\n",
       "found multiple scrape configs with job name \"a\"", "- job_name: a"},
      {"not YAML", "scrape_configs:\n- job_name: [a\n",
       "ConfigMap mon/prometheus-server key "
       "prometheus.yml: line",
       ""},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string text = workload_yaml(Scene{}) + config_map_yaml(c.config);
    const Result r0 = validate_static(text);
    INFO(r0.out);
    TempDir dir;
    const RunResult raw = run_promtls(
        {"validate", kAt, "-o", "json", "--manifest", dir.write("rendered.yaml", text)});
    const json report = json::parse(raw.out);
    const json* f = nullptr;
    for (const json& g : report["findings"]) {
      if (g["code"] == "scrape-config-invalid") f = &g;
    }
    REQUIRE(f != nullptr);
    CHECK((*f)["severity"] == "error");
    CHECK((*f)["message"].get<std::string>().find(c.says) != std::string::npos);
    if (!c.line_prefix.empty()) {
      CHECK(cites(*f, line_of(text, c.line_prefix)));
    }
    CHECK(raw.exit_code == 1);
  }
  // As a file: the file's own line.
  TempDir dir;
  const RunResult file =
      run_promtls({"validate", kAt, "--manifest",
                   dir.write("prometheus.yml",
                             "global: {}\nscrape_configs:\n- job_name: a\n  tls_config:\n"
                             "    min_version: TLS9\n")});
  CHECK(file.exit_code == 1);
  CHECK(file.out.find("scrape-config-invalid") != std::string::npos);
  CHECK(file.out.find("prometheus.yml:3") != std::string::npos);
  CHECK(file.out.find("unknown TLS version: TLS9") != std::string::npos);
}
