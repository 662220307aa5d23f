// promtls validate over Kubernetes manifests, the Tigera profile and the CI formats, as a user
// runs them; the JUnit and SARIF outputs are checked with real validators
// (tests/data/check_ci_output.py: the JUnit XML schema with python3-lxml, the SARIF 2.1.0 schema
// with ajv and Microsoft's SARIF Multitool, as scripts/install-validators.sh installs them).
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kData = PROMTLS_TEST_DATA_DIR;
const std::string kPython = "/usr/bin/python3";  // Debian's, with python3-lxml

// Two workloads: a knative StatefulSet whose port is refused, and a good Tigera operator.
const std::string kManifest = R"(apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: app
  namespace: mon
spec:
  template:
    spec:
      initContainers:
      - name: init
      containers:
      - name: app
        env:
        - name: METRICS_PROMETHEUS_PORT
          value: "80"
---
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: tigera-operator
    namespace: tigera-operator
  spec:
    template:
      spec:
        containers:
        - name: tigera-operator
          env:
          - {name: METRICS_ENABLED, value: "true"}
          - {name: METRICS_SCHEME, value: https}
          - {name: METRICS_CLIENT_AUTH, value: require}
          volumeMounts:
          - {name: a, mountPath: /etc/tigera-operator-tls}
          - {name: b, mountPath: /etc/tigera-ca-private}
)";

RunResult sh(const std::string& script) { return run({"/bin/sh", "-c", script}); }

// tests/data/check_ci_output.py with `args` (the Multitool takes about half a second).
RunResult check_ci(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kPython, kData + "/check_ci_output.py"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {}, 120000);
}

}  // namespace

TEST_CASE("validate --manifest checks every container and cites file:line") {
  TempDir dir;
  const std::string m = dir.write("deploy.yaml", kManifest);
  const auto r = run_promtls({"validate", "--manifest", m, "--profile", "auto"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("error port-out-of-range METRICS_PROMETHEUS_PORT: prometheus port 80, should "
                   "be between 1024 and 65535 (" +
                   m + ":15 (StatefulSet mon/app, container app))") != std::string::npos);
  CHECK(r.out.find("== StatefulSet mon/app, init container init") != std::string::npos);
  CHECK(r.out.find("tigera refuses to start: unsupported client auth type: require (supported: "
                   "RequireAndVerifyClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
                   "NoClientCert)") != std::string::npos);
  CHECK(r.out.find("INVALID: 3 containers checked, 2 invalid") != std::string::npos);
}

TEST_CASE("validate --container narrows the check, and an unknown name is an error") {
  TempDir dir;
  const std::string m = dir.write("deploy.yaml", kManifest);
  // The init container sets no knative variable: nothing was checked, which fails unless
  // --allow-empty.
  auto r = run_promtls({"validate", "--manifest", m, "--container", "init"});
  CHECK(r.exit_code == 1);
  CHECK(
      r.out.find("error manifest-nothing-checked: nothing was checked: none of the 1 containers") !=
      std::string::npos);
  r = run_promtls({"validate", "--manifest", m, "--container", "init", "--allow-empty"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("1 container checked, 0 invalid") != std::string::npos);
  r = run_promtls({"validate", "--manifest", m, "--container", "nope"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("error container-not-found") != std::string::npos);
}

TEST_CASE("validate reads manifests from a directory and from stdin") {
  TempDir dir;
  dir.write("a.yaml", kManifest);
  dir.write("notes.txt", "kind: Pod\n");
  const auto r = run_promtls({"validate", "--manifest", dir.path().string(), "-o", "json"});
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["summary"]["targets"] == 3);
  const std::string file = dir.write("b.yaml", kManifest);
  const auto s = sh(promtls_binary() + " validate --manifest - -o json < " + file);
  INFO(s.err);
  CHECK(s.exit_code == 1);
  const json k = json::parse(s.out);
  CHECK(k["targets"][1]["file"] == "-");
  CHECK(k["targets"][1]["line"] == 12);
}

TEST_CASE("a broken document is an error naming file:line and the others are still checked") {
  TempDir dir;
  const std::string m =
      dir.write("m.yaml", "kind: Pod\nmetadata: {name: x\n---\n" + kManifest.substr(0));
  const auto r = run_promtls({"validate", "--manifest", m, "-o", "json"});
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  REQUIRE(j["findings"].size() == 1);
  CHECK(j["findings"][0]["code"] == "manifest-syntax");
  CHECK(j["findings"][0]["file"] == m);
  CHECK(j["findings"][0]["line"] == 2);
  CHECK(j["summary"]["targets"] == 3);
}

TEST_CASE("the manifest JSON report lists every target with its verdict") {
  TempDir dir;
  const std::string m = dir.write("deploy.yaml", kManifest);
  const auto r = run_promtls({"validate", "--manifest", m, "--profile", "auto", "-o", "json"});
  const json j = json::parse(r.out);
  CHECK(j["schema"] == "promtls/validate-manifests/v1");
  CHECK(j["valid"] == false);
  CHECK(j["summary"]["invalid"] == 2);
  REQUIRE(j["targets"].size() == 3);
  const json& t = j["targets"][2];
  CHECK(t["target"] == "Deployment tigera-operator/tigera-operator, container tigera-operator");
  CHECK(t["profile"] == "tigera");
  CHECK(t["line"] == 29);
  CHECK(t["upstream"]["accepts"] == false);
  CHECK(t["config"]["profile"] == "tigera");
  CHECK(j["targets"][1]["upstream"]["error"] ==
        "prometheus port 80, should be between 1024 and 65535");
}

TEST_CASE("manifests cannot be combined with --set, and an unreadable one exits 3") {
  TempDir dir;
  const std::string m = dir.write("deploy.yaml", kManifest);
  CHECK(run_promtls({"validate", "--manifest", m, "--set", "A=b"}).exit_code == 2);
  const auto r = run_promtls({"validate", "--manifest", dir.path().string() + "/missing.yaml"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("missing.yaml: cannot open") != std::string::npos);
  CHECK(run_promtls({"validate", "--no-env", "--container", "x"}).exit_code == 2);
}

TEST_CASE("the tigera profile predicts the operator's fatal error from the environment") {
  const auto r = run_promtls({"validate", "--no-env", "--profile", "tigera", "-o", "json", "--set",
                              "METRICS_SCHEME=https", "--set", "TLS_MIN_VERSION=1.1"});
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["schema"] == "promtls/validate/v1");
  CHECK(j["profile"] == "tigera");
  CHECK(j["upstream"]["error"] == "unsupported TLS version: 1.1 (supported versions: 1.2, 1.3)");
  CHECK(j["config"]["enabled"] == false);
}

TEST_CASE("the tigera profile checks the operator's files at the default paths") {
  TempDir dir;
  Authority ca = Authority::make("tigera-operator-signer");
  Key key{KeyKind::ec_p256};
  CertSpec spec;
  spec.cn = "tigera-operator-metrics";
  spec.dns = {"tigera-operator-metrics"};
  const std::string cert = dir.write("tls.crt", ca.leaf(spec, key).pem());
  const std::string key_file = dir.write("tls.key", key.private_pem());
  const std::string ca_file = dir.write("ca.crt", ca.cert.pem());
  const std::vector<std::string> base{"validate",
                                      "--no-env",
                                      "--profile",
                                      "tigera",
                                      "--at=2027-01-01T00:00:00Z",
                                      "--set",
                                      "METRICS_ENABLED=true",
                                      "--set",
                                      "METRICS_SCHEME=https",
                                      "--set",
                                      "METRICS_TLS_CERT_FILE=" + cert,
                                      "--set",
                                      "METRICS_TLS_KEY_FILE=" + key_file};
  auto good = base;
  good.insert(good.end(), {"--set", "METRICS_TLS_CA_FILE=" + ca_file});
  auto r = run_promtls(good);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("tigera accepts this configuration (TLS 1.2+, client auth require)") !=
        std::string::npos);
  r = run_promtls(base);  // the CA stays at its default path, which does not exist here
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("every handshake fails: failed to read metrics client CA from "
                   "/etc/tigera-ca-private/tls.crt: open /etc/tigera-ca-private/tls.crt: no such "
                   "file or directory") != std::string::npos);
}

TEST_CASE("validate with profile auto says which profile it picked") {
  const auto r =
      run_promtls({"validate", "--no-env", "--profile", "auto", "--set", "METRICS_ENABLED=true"});
  CHECK(
      r.out.find("info profile-auto: --profile auto picked tigera (METRICS_ENABLED is present)") !=
      std::string::npos);
  CHECK(r.out.find("tigera accepts") != std::string::npos);
}

TEST_CASE("github output annotates every error and warning, with file and line when known") {
  TempDir dir;
  const std::string m = dir.write("deploy.yaml", kManifest);
  auto r = run_promtls({"validate", "--manifest", m, "-o", "github"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find(
            "::error file=" + m +
            ",line=15,title=port-out-of-range METRICS_PROMETHEUS_PORT::prometheus port 80, "
            "should be between 1024 and 65535 [StatefulSet mon/app, container app]%0Ahint: ") !=
        std::string::npos);
  // No file position (--set, the environment): still an annotation, without file= and line=.
  r = run_promtls({"validate", "--no-env", "-o", "github", "--set", "METRICS_PROMETHEUS_PORT=80",
                   "--set", "METRICS_PROMETHEUS_TLS_MIN_VERSION=1.3"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("::error title=port-out-of-range METRICS_PROMETHEUS_PORT::prometheus port 80, "
                   "should be between 1024 and 65535 (--set)%0Ahint: ports below 1024") !=
        std::string::npos);
  CHECK(r.out.find("::warning title=tuning-ignored-without-tls "
                   "METRICS_PROMETHEUS_TLS_MIN_VERSION::METRICS_PROMETHEUS_TLS_MIN_VERSION is set "
                   "but TLS is off") != std::string::npos);
  CHECK(r.out.find("file=") == std::string::npos);
  // Infos without a position stay plain lines.
  CHECK(r.out.find("\ninfo tls-disabled: TLS is off") != std::string::npos);
  CHECK(r.out.find("::notice") == std::string::npos);
}

TEST_CASE("junit output is well-formed XML with one testcase per container") {
  TempDir dir;
  const std::string m = dir.write("deploy & co.yaml", kManifest + "---\nkind: Pod\nspec: [\n");
  const auto r = run_promtls({"validate", "--manifest", m, "--profile", "auto", "-o", "junit"});
  CHECK(r.exit_code == 1);
  const std::string out = dir.write("junit.xml", r.out);
  // 3 containers plus the input with the broken document; that input, app and the operator fail.
  const auto check = check_ci({"junit", out, "4", "3"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("| StatefulSet mon/app, container app | FAILED") != std::string::npos);
  CHECK(check.out.find("deploy & co.yaml | StatefulSet mon/app, init container init\n") !=
        std::string::npos);
}

TEST_CASE("junit output for the environment has one testcase") {
  TempDir dir;
  const auto r = run_promtls({"validate", "--no-env", "-o", "junit"});
  CHECK(r.exit_code == 0);
  const auto check = check_ci({"junit", dir.write("j.xml", r.out), "1", "0"});
  INFO(check.out);
  CHECK(check.exit_code == 0);
}

TEST_CASE("junit output of a failing manifest is valid against the JUnit XML schema") {
  TempDir dir;
  const std::string m = dir.write("deploy.yaml", kManifest);
  const auto r = run_promtls({"validate", "--manifest", m, "-o", "junit"});
  CHECK(r.exit_code == 1);
  // Two fail: the StatefulSet's port, and the operator's METRICS_CLIENT_AUTH under the Tigera
  // profile --profile auto picks for it.
  const auto check = check_ci({"junit", dir.write("j.xml", r.out), "3", "2"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("schema: valid (jenkins-junit.xsd)") != std::string::npos);
}

TEST_CASE("the JUnit schema check rejects a report that breaks the schema") {
  TempDir dir;
  // A testcase without its required name, and an element the schema does not know.
  const std::string bad = dir.write(
      "bad.xml",
      "<testsuites tests=\"1\" failures=\"0\"><testsuite name=\"s\" tests=\"1\" "
      "failures=\"0\"><testcase classname=\"c\"><warning/></testcase></testsuite></testsuites>");
  const auto check = check_ci({"junit", bad, "1", "0"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("not valid against jenkins-junit.xsd") != std::string::npos);
  CHECK(check.out.find("'name' is required") != std::string::npos);
}

TEST_CASE("sarif output passes the SARIF 2.1.0 schema and the SARIF Multitool") {
  TempDir dir;
  const std::string m = dir.write("deploy.yaml", kManifest + "---\nkind: Pod\nspec: [\n");
  const auto r = run_promtls({"validate", "--manifest", m, "--profile", "auto", "-o", "sarif"});
  CHECK(r.exit_code == 1);
  const std::string out = dir.write("out.sarif", r.out);
  const auto check = check_ci({"sarif", out});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("schema: valid") != std::string::npos);
  CHECK(check.out.find("multitool: no errors") != std::string::npos);
  const json j = json::parse(r.out);
  bool port = false;
  for (const auto& res : j["runs"][0]["results"]) {
    if (res["ruleId"] != "port-out-of-range") continue;
    port = true;
    CHECK(res["level"] == "error");
    CHECK(res["locations"][0]["physicalLocation"]["region"]["startLine"] == 15);
    // The absolute path of the manifest is a file: URI, not a relative reference.
    CHECK(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file://" + m);
    // The hint is a sentence of its own.
    CHECK(res["message"]["text"] ==
          "prometheus port 80, should be between 1024 and 65535. Hint: ports below 1024 need "
          "privileges knative does not ask for; 9090 is the default.");
  }
  CHECK(port);
}

TEST_CASE("sarif output of a relative manifest path passes the SARIF Multitool") {
  TempDir dir;
  dir.write("k8s/deploy.yaml", kManifest);
  const auto r = sh("cd " + dir.path().string() + " && " + promtls_binary() +
                    " validate --manifest k8s/deploy.yaml -o sarif");
  CHECK(r.exit_code == 1);
  const auto check = check_ci({"sarif", dir.write("out.sarif", r.out)});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "k8s/deploy.yaml");
}

TEST_CASE("the SARIF checks reject documents that break the standard") {
  TempDir dir;
  // A level the schema does not allow (the Multitool alone reads this document as empty).
  const std::string bad_level = dir.write(
      "bad.sarif",
      R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": [{"id": "a"}]}},
      "results": [{"ruleId": "a", "ruleIndex": 0, "level": "fatal", "message": {"text": "m"}}]}]})");
  auto check = check_ci({"sarif", bad_level});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("schema: /runs/0/results/0/level must be equal to one of the allowed "
                       "values") != std::string::npos);
  // Valid for the schema, but a relative reference that begins with a slash (SARIF1004) and a
  // rule name equal to its id (SARIF1001): the Multitool's rules catch them.
  const std::string bad_uri =
      dir.write("uri.sarif",
                R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "version": "1",
      "rules": [{"id": "a", "name": "a"}]}}, "results": [{"ruleId": "a", "ruleIndex": 0,
      "message": {"text": "m."}, "locations": [{"physicalLocation": {"artifactLocation":
      {"uri": "/abs/deploy.yaml"}, "region": {"startLine": 3}}}]}]}]})");
  check = check_ci({"sarif", bad_uri});
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("schema: valid") != std::string::npos);
  CHECK(check.out.find("multitool: error SARIF1004") != std::string::npos);
  CHECK(check.out.find("FAIL: the SARIF Multitool reports SARIF1001, SARIF1004") !=
        std::string::npos);
}

TEST_CASE("the CI-format checks fail, never skip, when a validator is not installed") {
  TempDir dir;
  const std::string sarif = dir.write("out.sarif", R"({"version": "2.1.0", "runs": []})");
  const std::string missing = dir.path().string() + "/no-validators";
  auto check = run({"/usr/bin/env", "PROMTLS_VALIDATORS_DIR=" + missing, kPython,
                    kData + "/check_ci_output.py", "sarif", sarif});
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("FAIL: ajv is not installed (" + missing +
                       "/node_modules/ajv is missing): run scripts/install-validators.sh") !=
        std::string::npos);
  check =
      run({"/usr/bin/env", "PROMTLS_VALIDATORS_DIR=" + missing, kPython,
           kData + "/check_ci_output.py", "junit", dir.write("j.xml", "<testsuites/>"), "0", "0"});
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("FAIL: the JUnit XML schema is not installed") != std::string::npos);
}

TEST_CASE("validate --manifest reads a kustomize tree and a Knative Service as a user has them") {
  TempDir dir;
  // kustomize's layout: a base with its kustomization and resources, an overlay beside it.
  dir.write("app/base/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "resources:\n- service.yaml\n");
  dir.write("app/base/service.yaml",
            "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: hello\n"
            "  namespace: default\nspec:\n  template:\n    spec:\n      containers:\n"
            "        - image: ghcr.io/knative/helloworld-go:latest\n          env:\n"
            "            - name: METRICS_PROMETHEUS_TLS_CLIENT_AUTH\n"
            "              value: reqiure\n");
  dir.write("app/overlays/prod/kustomization.yaml", "resources:\n- ../../base\n");
  const std::string root = dir.path().string() + "/app";
  auto r = run_promtls({"validate", "--manifest", root});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("== Service default/hello, container #1 (" + root + "/base/service.yaml:10)") !=
        std::string::npos);
  CHECK(r.out.find("error client-auth-invalid METRICS_PROMETHEUS_TLS_CLIENT_AUTH: invalid "
                   "METRICS_PROMETHEUS_TLS_CLIENT_AUTH \"reqiure\": must be \"none\", "
                   "\"optional\", or \"require\"") != std::string::npos);
  CHECK(r.out.find("INVALID: 1 container checked, 1 invalid") != std::string::npos);

  // The overlay alone holds no workload: nothing checked fails, and --allow-empty passes.
  r = run_promtls({"validate", "--manifest", root + "/overlays"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("error manifest-nothing-checked: nothing was checked: the manifests hold no "
                   "container (1 documents read)") != std::string::npos);
  r = run_promtls({"validate", "--manifest", root + "/overlays", "--allow-empty", "-o", "json"});
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["valid"] == true);
}

namespace {

// What `kubectl get deployments -A -o yaml` (`json`) prints for a cluster of 2,000 Deployments,
// 1.3 MB (4.5 MB) with one bad TLS version in app-1234: over the 1 MiB above which validate reads
// a List an item at a time.
std::string cluster_deployments(bool as_json) {
  std::string out =
      as_json ? "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n" : "apiVersion: v1\nitems:\n";
  for (int i = 0; i < 2000; ++i) {
    const std::string n = std::to_string(i);
    const std::string min = i == 1234 ? "1.5" : "1.3";
    if (as_json) {
      out +=
          std::string(i == 0 ? "" : ",\n") +
          "        {\n            \"apiVersion\": \"apps/v1\",\n"
          "            \"kind\": \"Deployment\",\n            \"metadata\": {\n"
          "                \"name\": \"app-" +
          n +
          "\",\n                \"namespace\": \"mon\"\n            },\n"
          "            \"spec\": {\n                \"template\": {\n"
          "                    \"spec\": {\n                        \"containers\": [\n"
          "                            {\n                                \"env\": [\n"
          "                                    {\"name\": \"METRICS_PROMETHEUS_PORT\", "
          "\"value\": \"9090\"},\n"
          "                                    {\"name\": \"METRICS_PROMETHEUS_TLS_CERT\", "
          "\"value\": \"/tls/tls.crt\"},\n"
          "                                    {\"name\": \"METRICS_PROMETHEUS_TLS_KEY\", "
          "\"value\": \"/tls/tls.key\"},\n"
          "                                    {\"name\": \"METRICS_PROMETHEUS_TLS_MIN_VERSION\","
          " \"value\": \"" +
          min +
          "\"}\n                                ],\n"
          "                                \"image\": \"example.com/app:" +
          n +
          "\",\n                                \"name\": \"app\",\n"
          "                                \"resources\": {},\n"
          "                                \"terminationMessagePath\": "
          "\"/dev/termination-log\"\n                            }\n"
          "                        ],\n                        \"dnsPolicy\": \"ClusterFirst\",\n"
          "                        \"restartPolicy\": \"Always\"\n                    }\n"
          "                }\n            }\n        }";
    } else {
      out +=
          "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: app-" + n +
          "\n    namespace: mon\n  spec:\n    template:\n      spec:\n        containers:\n"
          "        - env:\n          - name: METRICS_PROMETHEUS_PORT\n            value: \"9090\"\n"
          "          - name: METRICS_PROMETHEUS_TLS_CERT\n            value: /tls/tls.crt\n"
          "          - name: METRICS_PROMETHEUS_TLS_KEY\n            value: /tls/tls.key\n"
          "          - name: METRICS_PROMETHEUS_TLS_MIN_VERSION\n            value: \"" +
          min + "\"\n          image: example.com/app:" + n +
          "\n          name: app\n          resources: {}\n"
          "          terminationMessagePath: /dev/termination-log\n"
          "          terminationMessagePolicy: File\n        dnsPolicy: ClusterFirst\n"
          "        restartPolicy: Always\n        schedulerName: default-scheduler\n"
          "        securityContext: {}\n        terminationGracePeriodSeconds: 30\n";
    }
  }
  return out + (as_json ? "\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n"
                          "        \"resourceVersion\": \"\"\n    }\n}\n"
                        : "kind: List\nmetadata:\n  resourceVersion: \"\"\n");
}

std::size_t line_of(const std::string& text, std::size_t at) {
  return 1 + static_cast<std::size_t>(
                 std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

}  // namespace

TEST_CASE("validate reads kubectl's 2,000-Deployment List, YAML and JSON, from a file and stdin") {
  TempDir dir;
  for (const bool as_json : {false, true}) {
    const std::string text = cluster_deployments(as_json);
    REQUIRE(text.size() > (std::size_t{1} << 20));
    const std::string file = dir.write(as_json ? "deployments.json" : "deployments.yaml", text);
    // The line of the bad value, as kubectl printed it.
    const std::size_t bad = line_of(text, text.find("\"1.5\"", text.find("app-1234")));
    for (const bool from_stdin : {false, true}) {
      INFO((as_json ? "json" : "yaml") << (from_stdin ? " from stdin" : " from a file"));
      const RunResult r = from_stdin
                              ? sh(promtls_binary() + " validate --manifest - -o json < " + file)
                              : run_promtls({"validate", "--manifest", file, "-o", "json"});
      INFO(r.err);
      CHECK(r.exit_code == 1);
      CHECK(r.err.empty());
      const json j = json::parse(r.out);
      CHECK(j["summary"]["targets"] == 2000);
      CHECK(j["summary"]["invalid"] == 1);
      const json& t = j["targets"][1234];
      CHECK(t["target"] == "Deployment mon/app-1234, container app");
      CHECK(t["file"] == (from_stdin ? "-" : file));
      REQUIRE(t["findings"].size() >= 1);
      bool found = false;
      for (const json& f : t["findings"]) {
        if (f["code"] != "tls-version-invalid") continue;
        found = true;
        CHECK(f["line"] == bad);
      }
      CHECK(found);
    }
  }
}

TEST_CASE(
    "validate on kubectl's JSON List cut off mid-way checks the items before the cut and "
    "names the line where it breaks") {
  TempDir dir;
  std::string text = cluster_deployments(true);
  text.resize(text.find("\"app-1300\""));
  const std::string file = dir.write("cut.json", text);
  const RunResult r = sh(promtls_binary() + " validate --manifest - < " + file);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("INVALID: 1300 containers checked, 1 invalid, 1 input error") !=
        std::string::npos);
  CHECK(r.out.find("error manifest-syntax: not valid YAML or JSON: ") != std::string::npos);
  CHECK(r.out.find("(-:" + std::to_string(line_of(text, text.size())) + ")") != std::string::npos);
}
