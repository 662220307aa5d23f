// The Kubernetes examples in deploy/ hang together: the PrometheusRule is what `promtls rules`
// prints, the serve Deployment's variables pass `promtls validate`, its probes reach the plain
// probe listener, the Service and ServiceMonitor point at the metrics port over mutual TLS, and
// every promtls option the containers use exists.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "docs_support.hpp"
#include "fixed_time.hpp"
#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using namespace promtls::test::docs;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kRulesArgs = {"rules", "--namespace", "monitoring", "--label",
                                             "app.kubernetes.io/name=promtls"};

std::vector<YAML::Node> all_documents() {
  std::vector<YAML::Node> docs;
  for (const auto& entry : fs::directory_iterator(source_path("deploy"))) {
    if (entry.path().extension() != ".yaml") continue;
    for (const YAML::Node& doc : YAML::LoadAllFromFile(entry.path().string())) {
      if (doc.IsMap()) docs.push_back(doc);
    }
  }
  return docs;
}

YAML::Node only(const std::string& kind) {
  std::vector<YAML::Node> found;
  for (const auto& d : all_documents()) {
    if (d["kind"].as<std::string>() == kind) found.push_back(d);
  }
  INFO(kind);
  REQUIRE(found.size() == 1);
  return found[0];
}

// The option name of "--name=value" or "--name".
std::string option_name(const std::string& arg) { return arg.substr(0, arg.find('=')); }

// The value of "--name=value" among `args`, or "".
std::string option_value(const YAML::Node& args, const std::string& name) {
  for (const auto& a : args) {
    const std::string s = a.as<std::string>();
    if (s.starts_with(name + "=")) return s.substr(name.size() + 1);
  }
  return "";
}

int container_port(const YAML::Node& container, const std::string& name) {
  for (const auto& p : container["ports"]) {
    if (p["name"].as<std::string>() == name) return p["containerPort"].as<int>();
  }
  FAIL("no container port " << name);
  return 0;
}

std::map<std::string, std::string> env_of(const YAML::Node& container) {
  std::map<std::string, std::string> env;
  for (const auto& e : container["env"])
    env[e["name"].as<std::string>()] = e["value"].as<std::string>();
  return env;
}

bool under_a_mount(const YAML::Node& container, const std::string& path) {
  for (const auto& m : container["volumeMounts"]) {
    if (path.starts_with(m["mountPath"].as<std::string>() + "/")) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("deploy/prometheusrule.yaml is exactly what promtls rules prints") {
  const RunResult r = run_promtls(kRulesArgs);
  REQUIRE(r.exit_code == 0);
  CHECK(read_text(source_path("deploy/prometheusrule.yaml")) == r.out);
}

TEST_CASE(
    "deploy holds one Deployment and Service and ServiceMonitor and PrometheusRule and CronJob") {
  std::multiset<std::string> kinds;
  for (const auto& d : all_documents()) {
    kinds.insert(d["kind"].as<std::string>());
    CHECK(d["metadata"]["namespace"].as<std::string>() == "monitoring");
  }
  CHECK(kinds == std::multiset<std::string>{"CronJob", "Deployment", "PrometheusRule", "Service",
                                            "ServiceMonitor"});
}

TEST_CASE("promtls validate --manifest accepts every container in deploy without warnings") {
  const RunResult r =
      run_promtls({"validate", "--manifest", source_path("deploy"), "--strict", "-o", "json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const auto report = nlohmann::json::parse(r.out);
  CHECK(report["valid"] == true);
  CHECK(report["summary"]["targets"] == 3);  // serve Deployment, inspect CronJob, fleet DaemonSet
  CHECK(report["summary"]["errors"] == 0);
  CHECK(report["summary"]["warnings"] == 0);
}

TEST_CASE("the serve Deployment's variables pass promtls validate and its files are mounted") {
  const YAML::Node container = only("Deployment")["spec"]["template"]["spec"]["containers"][0];
  CHECK(container["args"][0].as<std::string>() == "serve");
  std::vector<std::string> args{"validate", "--no-env", "--offline", "--strict"};
  const auto env = env_of(container);
  for (const auto& [name, value] : env) {
    args.push_back("--set");
    args.push_back(name + "=" + value);
  }
  const RunResult r = run_promtls(args);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(env.at("METRICS_PROMETHEUS_TLS_CLIENT_AUTH") == "require");
  for (const char* var : {"METRICS_PROMETHEUS_TLS_CERT", "METRICS_PROMETHEUS_TLS_KEY",
                          "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE"}) {
    INFO(var);
    CHECK(under_a_mount(container, env.at(var)));
  }
  CHECK(under_a_mount(container, option_value(container["args"], "--license")));
  // Every mount names a volume of the pod.
  std::set<std::string> volumes;
  for (const auto& v : only("Deployment")["spec"]["template"]["spec"]["volumes"]) {
    volumes.insert(v["name"].as<std::string>());
  }
  for (const auto& m : container["volumeMounts"]) {
    CHECK(volumes.count(m["name"].as<std::string>()) == 1);
  }
}

TEST_CASE("liveness and readiness probes use the plain probe listener") {
  const YAML::Node container = only("Deployment")["spec"]["template"]["spec"]["containers"][0];
  const std::string probe_listen = option_value(container["args"], "--probe-listen");
  REQUIRE(!probe_listen.empty());
  const int probe_port = std::stoi(probe_listen.substr(probe_listen.rfind(':') + 1));
  CHECK(container["livenessProbe"]["httpGet"]["path"].as<std::string>() == "/healthz");
  CHECK(container["readinessProbe"]["httpGet"]["path"].as<std::string>() == "/readyz");
  for (const char* probe : {"livenessProbe", "readinessProbe"}) {
    INFO(probe);
    const YAML::Node get = container[probe]["httpGet"];
    CHECK(!get["scheme"].IsDefined());  // plain HTTP: kubelet has no client certificate
    CHECK(container_port(container, get["port"].as<std::string>()) == probe_port);
  }
  // The metrics port is the one the knative variables make serve listen on.
  CHECK(container_port(container, "metrics") ==
        std::stoi(env_of(container).at("METRICS_PROMETHEUS_PORT")));
}

TEST_CASE("the Service and ServiceMonitor reach the metrics port over mutual TLS") {
  const YAML::Node deployment = only("Deployment");
  const YAML::Node service = only("Service");
  const YAML::Node monitor = only("ServiceMonitor");
  const YAML::Node pod_labels = deployment["spec"]["template"]["metadata"]["labels"];
  for (const auto& kv : service["spec"]["selector"]) {
    CHECK(pod_labels[kv.first.as<std::string>()].as<std::string>() == kv.second.as<std::string>());
  }
  for (const auto& kv : monitor["spec"]["selector"]["matchLabels"]) {
    CHECK(service["metadata"]["labels"][kv.first.as<std::string>()].as<std::string>() ==
          kv.second.as<std::string>());
  }
  const YAML::Node port = service["spec"]["ports"][0];
  CHECK(port["targetPort"].as<std::string>() == "metrics");
  const YAML::Node endpoint = monitor["spec"]["endpoints"][0];
  CHECK(endpoint["port"].as<std::string>() == port["name"].as<std::string>());
  CHECK(endpoint["scheme"].as<std::string>() == "https");
  const YAML::Node tls = endpoint["tlsConfig"];
  CHECK(tls["serverName"].as<std::string>() ==
        service["metadata"]["name"].as<std::string>() + "." +
            service["metadata"]["namespace"].as<std::string>() + ".svc");
  CHECK(tls["ca"]["secret"]["key"].as<std::string>() == "ca.crt");
  CHECK(tls["cert"]["secret"]["key"].as<std::string>() == "tls.crt");
  CHECK(tls["keySecret"]["key"].as<std::string>() == "tls.key");
}

TEST_CASE("the inspect CronJob reads what serve watches and scrapes serve like Prometheus") {
  const YAML::Node job = only("CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"];
  const YAML::Node container = job["containers"][0];
  CHECK(container["args"][0].as<std::string>() == "inspect");
  const YAML::Node serve = only("Deployment")["spec"]["template"]["spec"]["containers"][0];
  const std::string watched = option_value(serve["args"], "--watch");
  bool reads_watched = false;
  for (const auto& a : container["args"]) reads_watched |= a.as<std::string>() == watched;
  CHECK(reads_watched);
  CHECK(option_value(container["args"], "--license") == option_value(serve["args"], "--license"));
  CHECK(option_value(container["args"], "--connect") == "promtls.monitoring.svc:9090");
  for (const char* file : {"--ca", "--cert", "--key", "--license"}) {
    INFO(file);
    CHECK(under_a_mount(container, option_value(container["args"], file)));
  }
  CHECK(job["restartPolicy"].as<std::string>() == "Never");
}

TEST_CASE("every promtls option in deploy exists in its subcommand's --help") {
  const Help top = help_of("");
  const std::set<std::string> subcommands(top.subcommands.begin(), top.subcommands.end());
  std::vector<YAML::Node> containers;
  for (const auto& d : all_documents()) {
    const std::string kind = d["kind"].as<std::string>();
    if (kind == "Deployment") containers.push_back(d["spec"]["template"]["spec"]["containers"][0]);
    if (kind == "CronJob") {
      containers.push_back(d["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]);
    }
  }
  REQUIRE(containers.size() == 2);
  for (const auto& c : containers) {
    const std::string sub = c["args"][0].as<std::string>();
    if (subcommands.count(sub) == 0) {
      // serve lands in parallel; its flags follow issue 5 until then.
      WARN("promtls " << sub << " is not in this build: its options in deploy/ are unchecked");
      continue;
    }
    std::set<std::string> known;
    for (const auto& o : help_of(sub).options) known.insert(o.name);
    for (const auto& a : c["args"]) {
      const std::string arg = a.as<std::string>();
      if (!arg.starts_with("--")) continue;
      INFO("promtls " << sub << " " << arg);
      CHECK(known.count(option_name(arg)) == 1);
    }
  }
}

TEST_CASE(
    "the ServiceMonitor and PodMonitor pass every scrape-path check with the Secrets the "
    "comments ask for") {
  // The objects deploy/serve.yaml's header asks for, as Secret-volume directories: the serving
  // certificates (SANs promtls.monitoring.svc and promtls-node.monitoring.svc), the client CA,
  // and Prometheus' client certificate with the serving CA.
  TempDir dir;
  const Authority serving_ca = Authority::make("serving-ca");
  const Authority client_ca = Authority::make("client-ca");
  const auto write = [&](const std::string& secret, const std::string& key,
                         const std::string& bytes) {
    fs::create_directories(dir.path() / "secrets" / secret);
    dir.write("secrets/" + secret + "/" + key, bytes, 0400);
  };
  for (const auto& [secret, name] : std::vector<std::pair<std::string, std::string>>{
           {"promtls-tls", "promtls.monitoring.svc"},
           {"promtls-node-tls", "promtls-node.monitoring.svc"}}) {
    const Key key(KeyKind::ec_p256);
    CertSpec spec;
    spec.cn = name;
    spec.dns = {name};
    spec.ips = {};
    spec.eku = {"serverAuth"};
    write(secret, "tls.crt", serving_ca.leaf(spec, key).pem());
    write(secret, "tls.key", key.private_pem());
  }
  write("promtls-client-ca", "ca.crt", client_ca.cert.pem());
  const Key client_key(KeyKind::ec_p256);
  CertSpec client;
  client.cn = "prometheus";
  client.dns = {};
  client.ips = {};
  client.eku = {"clientAuth"};
  write("promtls-scraper-tls", "ca.crt", serving_ca.cert.pem());
  write("promtls-scraper-tls", "tls.crt", client_ca.leaf(client, client_key).pem());
  write("promtls-scraper-tls", "tls.key", client_key.private_pem());

  const RunResult r =
      run_promtls({"validate", "--at=2027-01-01T00:00:00Z", "-o", "json", "--manifest",
                   source_path("deploy"), "--secret-dir", (dir.path() / "secrets").string()});
  INFO(r.out << r.err);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  std::set<std::string> scrape_codes;
  for (const auto& f : report["findings"]) {
    const std::string code = f["code"];
    if (code.rfind("scrape-", 0) == 0 && code != "scrape-not-checked") scrape_codes.insert(code);
  }
  CHECK(scrape_codes.empty());
  // Only the pod IP is left unchecked: the monitors name their serverName, so nothing is.
  for (const auto& f : report["findings"]) CHECK(f["code"] != "scrape-not-checked");
  CHECK(r.exit_code == 0);
}
