// Kubernetes manifests as validate inputs: every workload kind, multi-document streams, List
// objects, JSON, valueFrom and envFrom, $(VAR) expansion, volume mounts, broken documents.
#include "promtls/core/manifest.hpp"

#include <catch2/catch.hpp>

#include "findings.hpp"
#include "fixed_time.hpp"
#include "pki.hpp"
#include "promtls/tls/pem.hpp"
#include "trees.hpp"

using namespace promtls::core;

namespace {

using promtls::test::find_finding;
using promtls::test::kNow;

ManifestSet parse(const std::string& text, const std::string& name = "deploy.yaml") {
  const std::vector<ManifestInput> inputs{{name, text}};
  return parse_manifests(inputs);
}

Evaluation eval(const ManifestTarget& t, std::optional<Profile> p = Profile::knative) {
  EvaluateOptions options;
  options.now_unix = kNow;
  return evaluate_manifest_target(t, p, options);
}

// A workload of `kind` whose pod template holds one init container and one container.
std::string workload(const std::string& kind) {
  std::string pod =
      "initContainers:\n"
      "- name: setup\n"
      "containers:\n"
      "- name: app\n"
      "  env:\n"
      "  - name: METRICS_PROMETHEUS_PORT\n"
      "    value: \"80\"\n";
  auto indent = [](const std::string& text, int n) {
    std::string out;
    std::string pad(static_cast<std::size_t>(n), ' ');
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t eol = text.find('\n', start);
      out += pad + text.substr(start, eol - start + 1);
      start = eol + 1;
    }
    return out;
  };
  std::string head = "apiVersion: v1\nkind: " + kind + "\nmetadata:\n  name: w\n  namespace: ns\n";
  if (kind == "Pod") return head + "spec:\n" + indent(pod, 2);
  if (kind == "CronJob") {
    return head + "spec:\n  schedule: \"* * * * *\"\n  jobTemplate:\n    spec:\n      template:\n" +
           "        spec:\n" + indent(pod, 10);
  }
  return head + "spec:\n  template:\n    spec:\n" + indent(pod, 6);
}

}  // namespace

TEST_CASE("manifest: every workload kind yields its init container and container") {
  for (const char* kind : {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job",
                           "CronJob", "ReplicationController"}) {
    INFO(kind);
    const auto set = parse(workload(kind));
    CHECK(set.findings.empty());
    REQUIRE(set.targets.size() == 2);
    CHECK(set.targets[0].container == "setup");
    CHECK(set.targets[0].init_container);
    CHECK(set.targets[1].container == "app");
    CHECK(set.targets[1].label() == std::string(kind) + " ns/w, container app");
    CHECK(set.targets[0].label() == std::string(kind) + " ns/w, init container setup");
    const auto e = eval(set.targets[1]);
    CHECK(e.upstream.error == "prometheus port 80, should be between 1024 and 65535");
  }
}

TEST_CASE("manifest: findings cite file:line and the workload and container") {
  const auto set = parse(workload("StatefulSet"));
  const auto e = eval(set.targets[1]);
  const Finding* f = find_finding(e.findings, "port-out-of-range");
  REQUIRE(f != nullptr);
  REQUIRE(f->origin);
  CHECK(f->origin->kind == Origin::Kind::manifest);
  CHECK(f->origin->to_string() == "deploy.yaml:15 (StatefulSet ns/w, container app)");
  CHECK(set.targets[1].line == 12);
}

TEST_CASE("manifest: multi-document streams and List objects are all read") {
  const std::string text = workload("Deployment") + "---\n# comment only\n---\n" +
                           "apiVersion: v1\nkind: List\nitems:\n"
                           "- kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n"
                           "    - name: one\n    - name: two\n"
                           "- kind: DeploymentList\n  items: []\n"
                           "...\n" +
                           workload("Job");
  const auto set = parse(text);
  CHECK(set.findings.empty());
  REQUIRE(set.targets.size() == 6);
  CHECK(set.targets[2].label() == "Pod p, container one");
  CHECK(set.targets[2].line == 26);
  CHECK(set.targets[4].kind == "Job");
  CHECK(set.targets[5].line > 30);
}

TEST_CASE("manifest: JSON manifests are read with line numbers") {
  const std::string text =
      "{\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\"},\n  \"spec\": {\n"
      "    \"containers\": [\n      {\"name\": \"c\",\n       \"env\": [\n"
      "         {\"name\": \"METRICS_PROMETHEUS_TLS_CERT\", \"value\": \"/tls/c\"}]}]}}\n";
  const auto set = parse(text, "pod.json");
  REQUIRE(set.targets.size() == 1);
  const auto e = eval(set.targets[0]);
  CHECK(e.upstream.error ==
        "both METRICS_PROMETHEUS_TLS_CERT and METRICS_PROMETHEUS_TLS_KEY must be set or neither");
  CHECK(find_finding(e.findings, "tls-cert-key-unpaired")->origin->to_string() ==
        "pod.json:8 (Pod p, container c)");
}

TEST_CASE("manifest: broken YAML is an error naming file:line and other documents still count") {
  const std::string text = workload("Pod") + "---\nkind: Deployment\nmetadata: {name: x\n" +
                           "  spec: [\n---\n" + workload("Job");
  const auto set = parse(text);
  REQUIRE(set.findings.size() == 1);
  CHECK(set.findings[0].code == "manifest-syntax");
  CHECK(set.findings[0].severity == Severity::error);
  REQUIRE(set.findings[0].origin);
  CHECK(set.findings[0].origin->file == "deploy.yaml");
  CHECK(set.findings[0].origin->line >= 16);
  CHECK(set.findings[0].origin->line <= 18);
  CHECK(set.targets.size() == 4);
}

TEST_CASE("manifest: hostile input never crashes") {
  for (const char* text : {"\t- :\n", "{[}", "a: &x [*x]\n", "%%%\n---\n", "- - - - -", "\"\\",
                           "kind: Pod\nspec: 3\n", "kind: Pod\nspec: {containers: [3, [a]]}\n"}) {
    INFO(text);
    CHECK_NOTHROW(parse(text));
  }
}

TEST_CASE("manifest: absurdly deep nesting is a syntax error, not a stack overflow") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']') + "\n";
  const auto set = parse(workload("Pod") + "---\n" + deep);
  REQUIRE(set.findings.size() == 1);
  CHECK(set.findings[0].message == "not valid YAML or JSON: nested more than 2000 levels deep");
  CHECK(set.targets.size() == 2);
}

TEST_CASE("manifest: valueFrom is set but unknown, so pairing rules still hold") {
  const std::string text =
      "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n"
      "    - name: METRICS_PROMETHEUS_TLS_CERT\n      value: /tls/tls.crt\n"
      "    - name: METRICS_PROMETHEUS_TLS_KEY\n      valueFrom:\n"
      "        secretKeyRef: {name: metrics-tls, key: tls.key}\n"
      "    - name: METRICS_PROMETHEUS_PORT\n      valueFrom:\n"
      "        fieldRef: {fieldPath: metadata.labels.port}\n"
      "    volumeMounts:\n    - {name: tls, mountPath: /tls}\n";
  const auto set = parse(text);
  REQUIRE(set.targets.size() == 1);
  const auto e = eval(set.targets[0]);
  CHECK(e.upstream.accepts);
  CHECK(e.config.tls);
  CHECK(e.config.port == 9090);  // the assumed, accepted value
  const Finding* key = nullptr;
  for (const auto& f : e.findings) {
    if (f.code == "value-from-unresolved" && f.variables[0] == "METRICS_PROMETHEUS_TLS_KEY") {
      key = &f;
    }
  }
  REQUIRE(key != nullptr);
  CHECK(key->severity == Severity::info);
  CHECK(key->message.find("secretKeyRef metrics-tls/tls.key") != std::string::npos);
  CHECK(key->origin->line == 11);
  CHECK(find_finding(e.findings, "path-outside-volume-mounts") == nullptr);
}

TEST_CASE("manifest: envFrom resolves a ConfigMap of the input, and env overrides it") {
  const std::string text =
      "kind: Deployment\nmetadata: {name: d, namespace: mon}\nspec:\n  template:\n    spec:\n"
      "      containers:\n      - name: c\n        envFrom:\n        - configMapRef: {name: m}\n"
      "        - configMapRef: {name: absent}\n        - secretRef: {name: s}\n"
      "        - prefix: METRICS_PROMETHEUS_\n          configMapRef: {name: short}\n"
      "        env:\n        - {name: METRICS_PROMETHEUS_HOST, value: first}\n"
      "        - {name: METRICS_PROMETHEUS_HOST, value: \"0.0.0.0\"}\n"
      "---\nkind: ConfigMap\nmetadata: {name: m, namespace: mon}\ndata:\n"
      "  METRICS_PROMETHEUS_PORT: \"80\"\n  METRICS_PROMETHEUS_HOST: \"::1\"\n"
      "---\nkind: ConfigMap\nmetadata: {name: short, namespace: mon}\ndata:\n"
      "  TLS_MIN_VERSION: \"1.0\"\n";
  const auto set = parse(text);
  REQUIRE(set.targets.size() == 1);
  const ManifestTarget& t = set.targets[0];
  CHECK(t.env.get("METRICS_PROMETHEUS_HOST") == "0.0.0.0");
  CHECK(t.env.get("METRICS_PROMETHEUS_PORT") == "80");
  CHECK(t.env.get("METRICS_PROMETHEUS_TLS_MIN_VERSION") == "1.0");
  CHECK(t.env.find("METRICS_PROMETHEUS_PORT")->origin.to_string() ==
        "deploy.yaml:21 (Deployment mon/d, container c, from ConfigMap m)");
  std::size_t unresolved = 0;
  for (const auto& f : t.findings) unresolved += f.code == "envfrom-unresolved" ? 1U : 0U;
  CHECK(unresolved == 2);
  const auto e = eval(t);
  CHECK(e.upstream.error == "prometheus port 80, should be between 1024 and 65535");
}

TEST_CASE("manifest: configMapKeyRef is resolved when the ConfigMap is present") {
  const std::string text =
      "kind: ConfigMap\nmetadata: {name: m}\ndata: {port: \"9091\"}\n---\n"
      "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n"
      "    - name: METRICS_PROMETHEUS_PORT\n      valueFrom:\n"
      "        configMapKeyRef: {name: m, key: port}\n";
  const auto set = parse(text);
  REQUIRE(set.targets.size() == 1);
  CHECK(set.targets[0].env.get("METRICS_PROMETHEUS_PORT") == "9091");
  CHECK(set.targets[0].unresolved.empty());
}

TEST_CASE("manifest: $(VAR) references expand as the kubelet does") {
  const std::string text =
      "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n"
      "    - {name: DIR, value: /tls}\n"
      "    - {name: METRICS_PROMETHEUS_TLS_CERT, value: \"$(DIR)/tls.crt\"}\n"
      "    - {name: OTHER, value: \"$$(DIR) $(NOPE)\"}\n";
  const auto set = parse(text);
  CHECK(set.targets[0].env.get("METRICS_PROMETHEUS_TLS_CERT") == "/tls/tls.crt");
  CHECK(set.targets[0].env.get("OTHER") == "$(DIR) $(NOPE)");
}

TEST_CASE("manifest: an unquoted number as env value is an error the API server would raise") {
  const std::string text =
      "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n"
      "    - {name: METRICS_PROMETHEUS_PORT, value: 9090}\n"
      "    - {name: A, value: \"9090\"}\n    - {name: B, value: abc}\n";
  const auto set = parse(text);
  const auto e = eval(set.targets[0]);
  std::size_t n = 0;
  for (const auto& f : e.findings) n += f.code == "manifest-value-not-string" ? 1U : 0U;
  CHECK(n == 1);
}

TEST_CASE("manifest: a credential path outside every volumeMount is a warning") {
  const std::string text =
      "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n"
      "    - {name: METRICS_PROMETHEUS_TLS_CERT, value: /etc/tls/tls.crt}\n"
      "    - {name: METRICS_PROMETHEUS_TLS_KEY, value: /etc/tlsx/tls.key}\n"
      "    volumeMounts:\n    - {name: tls, mountPath: /etc/tls/}\n";
  const auto set = parse(text);
  const auto e = eval(set.targets[0]);
  std::vector<std::string> vars;
  for (const auto& f : e.findings) {
    if (f.code == "path-outside-volume-mounts") vars.push_back(f.variables[0]);
  }
  CHECK(vars == std::vector<std::string>{"METRICS_PROMETHEUS_TLS_KEY"});
  // File and clock checks are off: nothing is read.
  CHECK(find_finding(e.findings, "cert-file-unreadable") == nullptr);
}

TEST_CASE("manifest: the Tigera operator's default paths must be mounted") {
  const std::string text =
      "kind: Deployment\nmetadata: {name: tigera-operator, namespace: tigera-operator}\n"
      "spec:\n  template:\n    spec:\n      containers:\n      - name: tigera-operator\n"
      "        env:\n        - {name: METRICS_ENABLED, value: \"true\"}\n"
      "        - {name: METRICS_SCHEME, value: https}\n"
      "        volumeMounts:\n        - {name: tls, mountPath: /etc/tigera-operator-tls}\n";
  const auto set = parse(text);
  const auto e = eval(set.targets[0], std::nullopt);
  CHECK(e.config.profile == Profile::tigera);
  const Finding* picked = find_finding(e.findings, "profile-auto");
  REQUIRE(picked != nullptr);
  CHECK(picked->message.find("picked tigera") != std::string::npos);
  std::vector<std::string> vars;
  for (const auto& f : e.findings) {
    if (f.code == "path-outside-volume-mounts") vars.push_back(f.variables[0]);
  }
  CHECK(vars == std::vector<std::string>{"METRICS_TLS_CA_FILE"});
}

TEST_CASE("manifest: ConfigMaps in other namespaces are not used") {
  const std::string text =
      "kind: ConfigMap\nmetadata: {name: m, namespace: a}\ndata: {METRICS_PROMETHEUS_PORT: "
      "\"80\"}\n"
      "---\nkind: Pod\nmetadata: {name: p, namespace: b}\nspec:\n  containers:\n  - name: c\n"
      "    envFrom:\n    - configMapRef: {name: m}\n";
  const auto set = parse(text);
  CHECK(!set.targets[0].env.is_set("METRICS_PROMETHEUS_PORT"));
  CHECK(find_finding(set.targets[0].findings, "envfrom-unresolved") != nullptr);
}

TEST_CASE("manifest: Knative Services, Configurations and Revisions yield their containers") {
  const std::string text =
      "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello, namespace: d}\n"
      "spec:\n  template:\n    spec:\n      containers:\n      - image: hello\n        env:\n"
      "        - {name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH, value: reqiure}\n"
      "---\napiVersion: serving.knative.dev/v1\nkind: Configuration\nmetadata: {name: cfg}\n"
      "spec:\n  template:\n    spec:\n      containers:\n      - name: user\n"
      "---\napiVersion: serving.knative.dev/v1\nkind: Revision\nmetadata: {name: rev-1}\n"
      "spec:\n  containers:\n  - name: a\n  - name: b\n";
  const auto set = parse(text, "ksvc.yaml");
  REQUIRE(set.targets.size() == 4);
  CHECK(set.targets[0].label() == "Service d/hello, container #1");  // Knative names it later
  CHECK(set.targets[0].line == 8);
  CHECK(set.targets[1].label() == "Configuration cfg, container user");
  CHECK(set.targets[2].label() == "Revision rev-1, container a");
  CHECK(set.targets[3].label() == "Revision rev-1, container b");
  const auto e = eval(set.targets[0]);
  CHECK_FALSE(e.upstream.accepts);
  REQUIRE(find_finding(e.findings, "client-auth-invalid") != nullptr);
}

TEST_CASE("manifest: any object whose template or job template holds containers is read") {
  const std::string text =
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n"
      "  template:\n    spec:\n      containers:\n      - name: app\n"
      "---\napiVersion: example.com/v1\nkind: ScheduledThing\nmetadata: {name: s}\nspec:\n"
      "  jobTemplate:\n    spec:\n      template:\n        spec:\n"
      "          initContainers:\n          - name: init\n"
      "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n"
      "  template:\n    spec:\n      replicas: 3\n";  // a template without containers
  const auto set = parse(text);
  REQUIRE(set.targets.size() == 2);
  CHECK(set.targets[0].label() == "Rollout r, container app");
  CHECK(set.targets[1].label() == "ScheduledThing s, init container init");
}

TEST_CASE("manifest: a repeated key is an error citing both lines, and the rest is still read") {
  const std::string text =
      "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n"
      "    - name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH\n      value: none\n      value: reqiure\n";
  const auto set = parse(text);
  const Finding* f = find_finding(set.findings, "manifest-duplicate-key");
  REQUIRE(f != nullptr);
  CHECK(f->severity == Severity::error);
  CHECK(f->message ==
        "the key \"value\" appears twice in one mapping (lines 8 and 9): the API server refuses "
        "the object, and promtls would only see the first value");
  CHECK(f->origin->to_string() == "deploy.yaml:9");
  REQUIRE(set.targets.size() == 1);

  // JSON on one line: told apart by column. Keys of different mappings are not duplicates.
  const auto json =
      parse(R"({"kind":"Pod","spec":{"containers":[{"name":"a","name":"b"}]}})", "pod.json");
  const Finding* j = find_finding(json.findings, "manifest-duplicate-key");
  REQUIRE(j != nullptr);
  CHECK(j->message.find("(lines 1:38 and 1:49)") != std::string::npos);
  const auto fine = parse(
      "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
      "  - {name: a}\n  - {name: b}\n");
  CHECK(find_finding(fine.findings, "manifest-duplicate-key") == nullptr);
}

TEST_CASE("manifest: Secrets of the input resolve secretKeyRef and envFrom secretRef") {
  // data is base64 ("1.3", "require"); stringData is merged over data, as the API server does.
  const std::string text =
      "kind: Secret\nmetadata: {name: tls-cfg, namespace: mon}\n"
      "data:\n  min: MS4z\n  METRICS_PROMETHEUS_TLS_CLIENT_AUTH: cmVxdWlyZQ==\n"
      "stringData:\n  min: \"1.2\"\n"
      "---\nkind: Deployment\nmetadata: {name: d, namespace: mon}\nspec:\n  template:\n"
      "    spec:\n      containers:\n      - name: c\n        envFrom:\n"
      "        - secretRef: {name: tls-cfg}\n        env:\n"
      "        - name: METRICS_PROMETHEUS_TLS_MIN_VERSION\n          valueFrom:\n"
      "            secretKeyRef: {name: tls-cfg, key: min}\n"
      "        - name: METRICS_PROMETHEUS_TLS_MAX_VERSION\n          valueFrom:\n"
      "            secretKeyRef: {name: absent, key: max}\n";
  const auto set = parse(text);
  REQUIRE(set.targets.size() == 1);
  const ManifestTarget& t = set.targets[0];
  CHECK(t.env.get("METRICS_PROMETHEUS_TLS_CLIENT_AUTH") == "require");
  CHECK(t.env.get("METRICS_PROMETHEUS_TLS_MIN_VERSION") == "1.2");
  CHECK(t.env.find("METRICS_PROMETHEUS_TLS_MIN_VERSION")->origin.to_string() ==
        "deploy.yaml:7 (Deployment mon/d, container c, from Secret tls-cfg)");
  CHECK(t.unresolved.count("METRICS_PROMETHEUS_TLS_MIN_VERSION") == 0);
  REQUIRE(t.unresolved.count("METRICS_PROMETHEUS_TLS_MAX_VERSION") == 1);
  CHECK(t.unresolved.at("METRICS_PROMETHEUS_TLS_MAX_VERSION") == "secretKeyRef absent/max");
  CHECK(find_finding(t.findings, "envfrom-unresolved") == nullptr);

  const auto bad = parse("kind: Secret\nmetadata: {name: s}\ndata:\n  k: \"not base64!\"\n");
  const Finding* f = find_finding(bad.findings, "manifest-secret-not-base64");
  REQUIRE(f != nullptr);
  CHECK(f->severity == Severity::error);
  CHECK(f->message.find("not base64!") == std::string::npos);  // Secret values are never shown
}

namespace {

// A Deployment that mounts Secret `tls` (tls.crt, tls.key, and ca.crt when `ca` is set) at
// /tls and points knative's variables there.
std::string secret_mounted(const std::string& cert, const std::string& key, const std::string& ca,
                           const std::string& mount = "        - {name: tls, mountPath: /tls}\n") {
  std::string secret =
      "kind: Secret\nmetadata: {name: metrics-tls, namespace: mon}\ndata:\n"
      "  tls.crt: " +
      promtls::test::base64(cert) + "\n  tls.key: " + promtls::test::base64(key) + "\n";
  if (!ca.empty()) secret += "  ca.crt: " + promtls::test::base64(ca) + "\n";
  return secret +
         "---\nkind: Deployment\nmetadata: {name: app, namespace: mon}\nspec:\n  template:\n"
         "    spec:\n      volumes:\n      - name: tls\n        secret: {secretName: metrics-tls}\n"
         "      containers:\n      - name: app\n        env:\n"
         "        - {name: METRICS_PROMETHEUS_TLS_CERT, value: /tls/tls.crt}\n"
         "        - {name: METRICS_PROMETHEUS_TLS_KEY, value: /tls/tls.key}\n"
         "        - {name: METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE, value: /tls/ca.crt}\n"
         "        - {name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH, value: require}\n"
         "        volumeMounts:\n" +
         mount;
}

Evaluation eval_files(const ManifestTarget& t) {
  EvaluateOptions options;
  options.now_unix = kNow;
  return evaluate_manifest_target(t, Profile::knative, options,
                                  &promtls::tls::describe_credentials);
}

}  // namespace

TEST_CASE("manifest: a Secret volume of the input lets the certificate checks run on its data") {
  using namespace promtls::test;
  const Authority ca = Authority::make("manifest-ca");
  const Key key{KeyKind::ec_p256};
  const Key other{KeyKind::ec_p256};
  const Cert leaf = ca.leaf(CertSpec{}, key);

  const auto good = parse(secret_mounted(leaf.pem(), key.private_pem(), ca.cert.pem()));
  REQUIRE(good.targets.size() == 1);
  CHECK(good.targets[0].secret_files.size() == 3);
  const auto e = eval_files(good.targets[0]);
  CHECK(e.upstream.accepts);
  CHECK(find_finding(e.findings, "secret-files-checked") != nullptr);
  CHECK(find_finding(e.findings, "cert-key-mismatch") == nullptr);
  // Without a way to read credentials (--offline), the files stay unchecked.
  CHECK(find_finding(eval(good.targets[0]).findings, "secret-files-checked") == nullptr);

  // The wrong key, and a Secret without the CA key: what knative will hit in the pod.
  const auto bad = parse(secret_mounted(leaf.pem(), other.private_pem(), ""));
  const auto b = eval_files(bad.targets[0]);
  CHECK_FALSE(b.upstream.accepts);
  CHECK(find_finding(b.findings, "cert-key-mismatch") != nullptr);
  const Finding* missing = find_finding(b.findings, "client-ca-unreadable");
  REQUIRE(missing != nullptr);
  CHECK(missing->message.find("open /tls/ca.crt: no such file or directory") != std::string::npos);

  // items and subPath place the files where the container sees them.
  const auto sub = parse(secret_mounted(leaf.pem(), key.private_pem(), ca.cert.pem(),
                                        "        - {name: tls, mountPath: /tls/tls.crt, "
                                        "subPath: tls.crt}\n"));
  REQUIRE(sub.targets[0].secret_files.size() == 1);
  CHECK(sub.targets[0].secret_files[0].path == "/tls/tls.crt");
  CHECK(sub.targets[0].secret_files[0].from == "Secret mon/metrics-tls key tls.crt");

  // A volume whose Secret is not in the input keeps the checks off.
  const auto absent = parse(
      "kind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n  - name: tls\n"
      "    secret: {secretName: elsewhere}\n  containers:\n  - name: c\n    env:\n"
      "    - {name: METRICS_PROMETHEUS_TLS_CERT, value: /tls/tls.crt}\n"
      "    - {name: METRICS_PROMETHEUS_TLS_KEY, value: /tls/tls.key}\n"
      "    volumeMounts:\n    - {name: tls, mountPath: /tls}\n");
  REQUIRE(absent.targets.size() == 1);
  CHECK(absent.targets[0].secret_files.empty());
  const auto a = eval_files(absent.targets[0]);
  CHECK(a.upstream.accepts);
  CHECK(find_finding(a.findings, "secret-files-checked") == nullptr);
}

TEST_CASE("manifest: a ConfigMap or Secret after its workload resolves as one before it") {
  // Workloads are evaluated as they arrive and read again when a later object has what they
  // looked up: both orders give the same environment and mounted files.
  const std::string workload_doc =
      "kind: Deployment\nmetadata: {name: d, namespace: mon}\nspec:\n  template:\n    spec:\n"
      "      volumes: [{name: tls, secret: {secretName: tls}}]\n"
      "      containers:\n      - name: c\n        volumeMounts: [{name: tls, mountPath: /tls}]\n"
      "        env:\n        - name: METRICS_PROMETHEUS_PORT\n          valueFrom:\n"
      "            configMapKeyRef: {name: m, key: port}\n"
      "      - name: other\n        env: [{name: METRICS_PROMETHEUS_HOST, value: \"::1\"}]\n";
  const std::string objects =
      "kind: ConfigMap\nmetadata: {name: m, namespace: mon}\ndata: {port: \"9091\"}\n---\n"
      "kind: Secret\nmetadata: {name: tls, namespace: mon}\nstringData: {tls.crt: pem}\n";
  const auto before = parse(objects + "---\n" + workload_doc);
  const auto after = parse(workload_doc + "---\n" + objects + "---\n" + workload_doc);
  REQUIRE(before.targets.size() == 2);
  REQUIRE(after.targets.size() == 4);
  for (const ManifestTarget* t : {&before.targets[0], &after.targets[0], &after.targets[2]}) {
    CHECK(t->env.get("METRICS_PROMETHEUS_PORT") == "9091");
    CHECK(t->unresolved.empty());
    CHECK(t->secret_mount_paths == std::vector<std::string>{"/tls"});
    REQUIRE(t->secret_files.size() == 1);
    CHECK(t->secret_files[0].path == "/tls/tls.crt");
    CHECK(t->secret_files[0].bytes == "pem");
  }
  CHECK(after.targets[1].container == "other");
  CHECK(after.targets[1].env.get("METRICS_PROMETHEUS_HOST") == "::1");
  CHECK(after.targets[0].line < after.targets[1].line);
  CHECK(after.documents == 4);
}
