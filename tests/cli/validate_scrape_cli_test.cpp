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

TEST_CASE("each scrape-path incident is its own finding, citing the monitor's line") {
  struct Case {
    std::string name;
    Scene scene;
    std::string code;
    std::string says;  // in the message: Prometheus' words
  };
  Scene wrong_name;
  wrong_name.server_name = "metrics.example";
  Scene wrong_ca;
  wrong_ca.monitor_ca = pki().other_ca.cert.pem();
  Scene no_client;
  no_client.client_cert = "";
  Scene foreign;
  foreign.client_cert = pki().foreign_client_pem;
  Scene no_eku;
  no_eku.client_cert = pki().no_eku_client_pem;
  Scene expired;
  expired.client_cert = pki().expired_client_pem;
  Scene http;
  http.scheme = "http";
  Scene versions;
  versions.max_version = "TLS12";
  Scene port;
  port.target_port = "8080";
  Scene named_port;
  named_port.target_port = "https";
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
