// promtls validate over Kubernetes manifests, the Tigera profile and the CI formats, as a user
// runs them; the JUnit and SARIF outputs are checked with real parsers (python3-lxml, and
// python3-jsonschema against tests/data/sarif-2.1.0-subset.schema.json).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kData = PROMTLS_TEST_DATA_DIR;
const std::string kPython = "/usr/bin/python3";  // Debian's, with python3-lxml and jsonschema

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

TEST_CASE("github output annotates findings with a position and prints the others plainly") {
  TempDir dir;
  const std::string m = dir.write("deploy.yaml", kManifest);
  auto r = run_promtls({"validate", "--manifest", m, "-o", "github"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find(
            "::error file=" + m +
            ",line=15,title=port-out-of-range METRICS_PROMETHEUS_PORT::prometheus port 80, "
            "should be between 1024 and 65535 [StatefulSet mon/app, container app]%0Ahint: ") !=
        std::string::npos);
  r = run_promtls({"validate", "--no-env", "-o", "github", "--set", "METRICS_PROMETHEUS_PORT=80"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("::") == std::string::npos);
  CHECK(r.out.find("error port-out-of-range METRICS_PROMETHEUS_PORT: prometheus port 80") !=
        std::string::npos);
}

TEST_CASE("junit output is well-formed XML with one testcase per container") {
  TempDir dir;
  const std::string m = dir.write("deploy & co.yaml", kManifest + "---\nkind: Pod\nspec: [\n");
  const auto r = run_promtls({"validate", "--manifest", m, "--profile", "auto", "-o", "junit"});
  CHECK(r.exit_code == 1);
  const std::string out = dir.write("junit.xml", r.out);
  // 3 containers plus the input with the broken document; that input, app and the operator fail.
  const auto check = run({kPython, kData + "/check_ci_output.py", "junit", out, "4", "3"});
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
  const auto check =
      run({kPython, kData + "/check_ci_output.py", "junit", dir.write("j.xml", r.out), "1", "0"});
  INFO(check.out);
  CHECK(check.exit_code == 0);
}

TEST_CASE("sarif output validates against the SARIF 2.1.0 schema subset") {
  TempDir dir;
  const std::string m = dir.write("deploy.yaml", kManifest + "---\nkind: Pod\nspec: [\n");
  const auto r = run_promtls({"validate", "--manifest", m, "--profile", "auto", "-o", "sarif"});
  CHECK(r.exit_code == 1);
  const std::string out = dir.write("out.sarif", r.out);
  const auto check = run({kPython, kData + "/check_ci_output.py", "sarif", out,
                          kData + "/sarif-2.1.0-subset.schema.json"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  const json j = json::parse(r.out);
  bool port = false;
  for (const auto& res : j["runs"][0]["results"]) {
    if (res["ruleId"] != "port-out-of-range") continue;
    port = true;
    CHECK(res["level"] == "error");
    CHECK(res["locations"][0]["physicalLocation"]["region"]["startLine"] == 15);
  }
  CHECK(port);
}

TEST_CASE("the schema check rejects a SARIF document that breaks the standard") {
  TempDir dir;
  const std::string bad = dir.write(
      "bad.sarif",
      R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": [{"id": "a"}]}},
      "results": [{"ruleId": "a", "ruleIndex": 0, "level": "fatal", "message": {"text": "m"}}]}]})");
  const auto check = run({kPython, kData + "/check_ci_output.py", "sarif", bad,
                          kData + "/sarif-2.1.0-subset.schema.json"});
  CHECK(check.exit_code == 1);
  CHECK(check.out.find("level") != std::string::npos);
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
