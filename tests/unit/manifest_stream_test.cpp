// validate's List reader (issue 17): a List document over ManifestReadOptions::stream_lists_over
// is read an item at a time. Both readers must give the same manifest set — targets, environment
// and its origins, mounted Secret files, findings with their lines, monitor paths — and the same
// report, on a List as kubectl prints it (-o yaml and -o json), with the List's own duplicate keys
// before and after its items, after another document, and on the documents that cannot be
// streamed and are read whole instead (an alias across items, a kind that is no List, a syntax
// error in the middle).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fixed_time.hpp"
#include "kube_text.hpp"
#include "pki.hpp"
#include "promtls/core/ci_report.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/core/manifest.hpp"
#include "promtls/core/validate.hpp"
#include "promtls/tls/chain.hpp"
#include "promtls/tls/pem.hpp"
#include "trees.hpp"

using namespace promtls::core;
using namespace promtls::test;

namespace {

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

struct Pki {
  Authority serving = Authority::make("stream-serving-ca");
  Authority client = Authority::make("stream-client-ca");
  Key key{KeyKind::ec_p256};
  std::string leaf;
  Pki() {
    CertSpec spec;
    spec.cn = "app";
    spec.dns = {"app.mon.svc"};
    spec.ips = {};
    spec.eku = {"serverAuth"};
    leaf = serving.leaf(spec, key).pem();
  }
};

const Pki& pki() {
  static const Pki p;
  return p;
}

// The objects of one release, in an order that makes the reader look back: the Deployment names a
// ConfigMap (envFrom) and a Secret (a volume) that come after it, the ServiceMonitor a Service and
// a Secret, prometheus.yml a Service. One object repeats a key, one Secret is not base64.
std::vector<std::string> release() {
  const Pki& p = pki();
  return {
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: mon\n"
      "  labels: {app: app, app: app}\nspec:\n  selector:\n    matchLabels: {app: app}\n"
      "  template:\n    metadata:\n      labels: {app: app}\n    spec:\n      containers:\n"
      "      - name: app\n        image: registry.example.com/app:1.0\n        ports:\n"
      "        - {name: metrics, containerPort: 9090}\n        envFrom:\n"
      "        - configMapRef: {name: app-env}\n        env:\n"
      "        - {name: METRICS_PROMETHEUS_PORT, value: \"9090\"}\n"
      "        - {name: METRICS_PROMETHEUS_TLS_CERT, value: /tls/tls.crt}\n"
      "        - {name: METRICS_PROMETHEUS_TLS_KEY, value: /tls/tls.key}\n"
      "        - {name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH, value: require}\n"
      "        - {name: METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE, value: /tls/ca.crt}\n"
      "        - name: POD_IP\n          valueFrom: {fieldRef: {fieldPath: status.podIP}}\n"
      "        volumeMounts:\n        - {name: tls, mountPath: /tls, readOnly: true}\n"
      "      volumes:\n      - name: tls\n        secret: {secretName: metrics-tls}\n",
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\n  namespace: mon\n"
      "  labels: {app: app}\nspec:\n  selector: {app: app}\n  ports:\n  - name: https-metrics\n"
      "    port: 9090\n    targetPort: metrics\n",
      "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: app\n"
      "  namespace: mon\nspec:\n  selector:\n    matchLabels: {app: app}\n  endpoints:\n"
      "  - port: https-metrics\n    scheme: https\n    tlsConfig:\n      serverName: app.mon.svc\n"
      "      ca:\n        secret: {name: scrape-tls, key: ca.crt}\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-env\n  namespace: mon\ndata:\n"
      "  METRICS_PROMETHEUS_TLS_MIN_VERSION: \"1.3\"\n",
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: metrics-tls\n  namespace: mon\n"
      "type: kubernetes.io/tls\ndata:\n  tls.crt: " +
          base64(p.leaf) + "\n  tls.key: " + base64(p.key.private_pem()) +
          "\n  ca.crt: " + base64(p.client.cert.pem()) + "\n",
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: scrape-tls\n  namespace: mon\n"
      "stringData:\n  ca.crt: |\n" +
          indent(p.serving.cert.pem(), "    "),
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prometheus-server\n  namespace: mon\n"
      "data:\n  prometheus.yml: |\n    scrape_configs:\n    - job_name: app\n"
      "      scheme: https\n      tls_config:\n        server_name: app.mon.svc\n"
      "      static_configs:\n      - targets: ['app.mon.svc:9090']\n",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: lone\n  namespace: mon\nspec:\n"
      "  containers:\n  - name: c\n    env:\n    - {name: METRICS_PROMETHEUS_PORT, value: "
      "\"80\"}\n",
      "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: sweep\n  namespace: mon\nspec:\n"
      "  schedule: \"0 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
      "          initContainers:\n          - name: setup\n          containers:\n"
      "          - name: run\n            env:\n"
      "            - {name: METRICS_PROMETHEUS_TLS_MIN_VERSION, value: \"1.1\"}\n",
      "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\n"
      "  namespace: apps\nspec:\n  template:\n    spec:\n      containers:\n"
      "      - image: ghcr.io/knative/helloworld-go\n        env:\n"
      "        - {name: METRICS_PROMETHEUS_TLS_CERT, value: /missing/tls.crt}\n",
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\n  namespace: mon\n"
      "data:\n  k: \"not base64!\"\n",
  };
}

// The release as a stream of documents, as helm template writes it.
std::string as_stream(const std::vector<std::string>& objects) {
  std::string out;
  for (const std::string& o : objects) out += "---\n" + o;
  return out;
}

std::vector<Node> trees(const std::vector<std::string>& objects) {
  std::vector<Node> out;
  for (const std::string& o : objects) {
    std::vector<Document> docs = parse_documents(o);
    REQUIRE(docs.size() == 1);
    REQUIRE_FALSE(docs[0].error);
    out.push_back(std::move(docs[0].root));
  }
  return out;
}

// As `kubectl get ... -o yaml` prints a List, with `before` and `after` written around its items.
std::string as_yaml_list(
    const std::vector<std::string>& objects, const std::string& before = "",
    const std::string& after = "kind: List\nmetadata:\n  resourceVersion: \"\"\n",
    const std::string& head = "apiVersion: v1\n") {
  std::string out = head + before + "items:\n";
  for (const Node& item : trees(objects)) {
    const std::string yaml = to_kubectl_yaml(item);
    out += "- " + indent(yaml, "  ").substr(2);
  }
  return out + after;
}

// As `kubectl get ... -o json` prints a List.
std::string as_json_list(const std::vector<std::string>& objects, const std::string& before = "",
                         const std::string& after = "") {
  std::string out = "{\n    \"apiVersion\": \"v1\",\n" + before + "    \"items\": [\n";
  bool first = true;
  for (const Node& item : trees(objects)) {
    if (!first) out += ",\n";
    first = false;
    out += indent(to_json(item), "        ");
  }
  return out + "    ],\n    \"kind\": \"List\",\n" + after +
         "    \"metadata\": {\"resourceVersion\": \"\"}\n}\n";
}

ManifestSet read(const std::string& text, std::size_t stream_lists_over,
                 const std::string& name = "cluster.yaml") {
  const std::vector<ManifestInput> inputs{{name, text}};
  ManifestReadOptions options;
  options.stream_lists_over = stream_lists_over;
  return parse_manifests(inputs, {}, options);
}

std::string origin(const std::optional<Origin>& o) { return o ? o->to_string() : "-"; }

std::string dump(const Finding& f) {
  std::string out = f.code + " " + std::to_string(static_cast<int>(f.severity)) + " [" + f.subject +
                    "] " + f.message + " | " + f.hint + " @ " + origin(f.origin);
  for (const std::string& v : f.variables) out += " " + v;
  return out + "\n";
}

// Everything the reader found, as text: a difference anywhere shows as a line.
std::string dump(const ManifestSet& set) {
  std::string out = "documents " + std::to_string(set.documents) + "\n";
  for (const ManifestTarget& t : set.targets) {
    out += "target " + t.label() + " " + t.file + ":" + std::to_string(t.line) + " " + t.image +
           " #" + std::to_string(t.index) + (t.init_container ? " init" : "") + "\n";
    for (const auto& [name, value] : t.env.entries()) {
      out += "  env " + name + "=" + value.value + " @ " + value.origin.to_string() + "\n";
    }
    for (const auto& [name, what] : t.unresolved) out += "  unresolved " + name + " " + what + "\n";
    for (const std::string& m : t.mount_paths) out += "  mount " + m + "\n";
    for (const std::string& m : t.secret_mount_paths) out += "  secret mount " + m + "\n";
    for (const MountedFile& f : t.secret_files) {
      out += "  file " + f.path + " " + f.from + " " + std::to_string(f.mode) + " " +
             std::to_string(std::hash<std::string>{}(f.bytes)) + "\n";
    }
    for (const Finding& f : t.findings) out += "  " + dump(f);
  }
  for (const Finding& f : set.findings) out += dump(f);
  for (const ScrapePath& p : set.scrape_paths) {
    out += "path " + p.monitor + " @ " + p.origin.to_string() + " " + p.target_host + " ca " +
           (p.ca ? p.ca->what + (p.ca->bytes ? " bytes" : " " + p.ca->missing) : "-") + "\n";
    for (const ScrapeHop& h : p.hops) {
      out += "  hop " + h.route + " " + std::to_string(h.port) + (h.declared ? " declared" : "");
      for (std::size_t t : h.targets) out += " " + std::to_string(t);
      out += "\n";
    }
  }
  return out;
}

std::string report(ManifestSet set) {
  EvaluateOptions options;
  options.now_unix = kNow;
  const ValidateRun run =
      validate_manifests(std::move(set), std::nullopt, "", options, false, false,
                         &promtls::tls::describe_credentials, &promtls::tls::verify_chain);
  return render_run_text(run, TextStyle{});
}

// Reads `text` whole and streamed; both must agree on everything. Returns the streamed set.
ManifestSet both(const std::string& text, std::size_t streamed_lists) {
  const ManifestSet whole = read(text, SIZE_MAX);
  ManifestSet streamed = read(text, 0);
  CHECK(whole.streamed_lists == 0);
  CHECK(streamed.streamed_lists == streamed_lists);
  CHECK(dump(streamed) == dump(whole));
  CHECK(report(streamed) == report(whole));
  return streamed;
}

const ManifestTarget* target(const ManifestSet& set, const std::string& label) {
  for (const ManifestTarget& t : set.targets) {
    if (t.label() == label) return &t;
  }
  return nullptr;
}

std::size_t line_of(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return 1 + static_cast<std::size_t>(
                 std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

}  // namespace

TEST_CASE("manifest stream: a stream of documents is never streamed and reads as before") {
  const ManifestSet set = both(as_stream(release()), 0);
  CHECK(set.documents == release().size());
  CHECK(set.targets.size() == 5);
}

TEST_CASE("manifest stream: kubectl's YAML List read an item at a time equals reading it whole") {
  // After another document, so that positions count from the List's first line.
  const std::string text =
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: mon\n---\n" + as_yaml_list(release());
  const ManifestSet set = both(text, 1);
  CHECK(set.documents == 2);
  REQUIRE(set.targets.size() == 5);
  const ManifestTarget* app = target(set, "Deployment mon/app, container app");
  REQUIRE(app != nullptr);
  CHECK(app->line == line_of(text, "- name: \"app\"\n"));
  // The ConfigMap and the Secret that come after the Deployment were found.
  const EnvValue* min = app->env.find("METRICS_PROMETHEUS_TLS_MIN_VERSION");
  REQUIRE(min != nullptr);
  CHECK(min->value == "1.3");
  CHECK(min->origin.to_string().find("from ConfigMap app-env") != std::string::npos);
  CHECK(app->secret_files.size() == 3);
  CHECK(app->unresolved.count("POD_IP") == 1);
  // The ServiceMonitor and prometheus.yml reach the Deployment's container.
  REQUIRE(set.scrape_paths.size() == 2);
  for (const ScrapePath& path : set.scrape_paths) {
    REQUIRE(path.hops.size() == 1);
    CHECK(path.hops[0].targets == std::vector<std::size_t>{0});
  }
  REQUIRE(set.scrape_paths[0].ca);
  CHECK(set.scrape_paths[0].ca->bytes);
  // The item's repeated key and the Secret that is not base64 keep their lines.
  std::size_t duplicates = 0, not_base64 = 0;
  for (const Finding& f : set.findings) {
    if (f.code == "manifest-duplicate-key") {
      ++duplicates;
      CHECK(f.origin->line == line_of(text, "labels:\n      app: \"app\"\n") + 2);
    }
    if (f.code == "manifest-secret-not-base64") {
      ++not_base64;
      CHECK(f.origin->line == line_of(text, "    k: \"not base64!\""));
    }
  }
  CHECK(duplicates == 1);
  CHECK(not_base64 == 1);
}

TEST_CASE("manifest stream: kubectl's JSON List, from a file and from stdin, equals reading it") {
  const std::string text = as_json_list(release());
  const ManifestSet set = both(text, 1);
  CHECK(set.targets.size() == 5);
  CHECK(set.scrape_paths.size() == 2);
  const ManifestSet stdin_set = read(text, 0, "-");
  CHECK(stdin_set.streamed_lists == 1);
  CHECK(dump(stdin_set) == dump(read(text, SIZE_MAX, "-")));
}

TEST_CASE(
    "manifest stream: the List's own repeated keys are reported where the whole read has "
    "them") {
  // A key repeated before the items, one after them, and one repeated across them.
  SECTION("YAML") {
    const std::string text =
        as_yaml_list(release(), "kind: List\n", "kind: List\nmetadata: {}\nmetadata: {}\n");
    const ManifestSet set = both(text, 1);
    std::size_t duplicates = 0;
    for (const Finding& f : set.findings) duplicates += f.code == "manifest-duplicate-key";
    CHECK(duplicates == 3);  // two of the List's own, the Deployment's labels
  }
  SECTION("JSON") {
    const std::string text =
        as_json_list(release(), "    \"kind\": \"List\",\n", "    \"metadata\": {},\n");
    const ManifestSet set = both(text, 1);
    std::size_t duplicates = 0;
    for (const Finding& f : set.findings) duplicates += f.code == "manifest-duplicate-key";
    CHECK(duplicates == 3);
  }
}

TEST_CASE(
    "manifest stream: documents that cannot be streamed are read whole, with the same result; a "
    "List that does not parse still has the items before its error read") {
  SECTION("an alias to an anchor of another item") {
    std::string text = as_yaml_list(release());
    const std::string image = "image: \"registry.example.com/app:1.0\"";
    text.replace(text.find(image), image.size(), "image: &img \"registry.example.com/app:1.0\"");
    const std::string hello = "image: \"ghcr.io/knative/helloworld-go\"";
    text.replace(text.find(hello), hello.size(), "image: *img");
    const ManifestSet set = both(text, 0);
    const ManifestTarget* kn = target(set, "Service apps/hello, container #1");
    REQUIRE(kn != nullptr);
    CHECK(kn->image == "registry.example.com/app:1.0");
  }
  SECTION("a kind that is no List") {
    const ManifestSet set =
        both(as_yaml_list(release(), "", "kind: Inventory\nmetadata: {name: x}\n"), 0);
    CHECK(set.documents == 1);
  }
  SECTION("items that are no sequence of objects under a List") {
    const ManifestSet set = both("apiVersion: v1\nkind: List\nitems: {a: 1}\n", 0);
    CHECK(set.targets.empty());
  }
  SECTION("a syntax error in the middle of the List") {
    std::string text = as_yaml_list(release());
    const std::string at = "  kind: \"Pod\"\n";
    const std::size_t where = text.find(at);
    REQUIRE(where != std::string::npos);
    text.insert(where + at.size(), "  metadata: [unclosed\n");
    const ManifestSet set = both(text, 0);
    // The items before the broken one are still read: the Deployment, with the ConfigMap and
    // Secrets that come after it.
    REQUIRE(set.targets.size() == 1);
    CHECK(set.targets[0].label() == "Deployment mon/app, container app");
    CHECK(set.targets[0].env.get("METRICS_PROMETHEUS_TLS_MIN_VERSION") == "1.3");
    CHECK(set.targets[0].secret_files.size() == 3);
    CHECK(set.scrape_paths.size() == 2);
    bool syntax = false;
    for (const Finding& f : set.findings) {
      if (f.code != "manifest-syntax") continue;
      syntax = true;
      CHECK(f.origin->file == "cluster.yaml");
      CHECK(f.origin->line >= line_of(text, "[unclosed"));
    }
    CHECK(syntax);
  }
  SECTION("JSON that breaks off in the middle of the items") {
    std::string text = as_json_list(release());
    text.resize(text.find("\"name\": \"lone\""));  // in the Pod, after six whole items
    const ManifestSet set = both(text, 0);
    CHECK(set.targets.size() == 1);
    CHECK(set.scrape_paths.size() == 2);
    bool syntax = false;
    for (const Finding& f : set.findings) syntax = syntax || f.code == "manifest-syntax";
    CHECK(syntax);
  }
}

TEST_CASE("manifest stream: Lists under the bound are read whole, over it an item at a time") {
  const std::string text = as_yaml_list(release());
  CHECK(read(text, text.size()).streamed_lists == 0);
  CHECK(read(text, text.size() - 1).streamed_lists == 1);
  // The default bound is 1 MiB.
  CHECK(ManifestReadOptions{}.stream_lists_over == std::size_t{1} << 20);
}
