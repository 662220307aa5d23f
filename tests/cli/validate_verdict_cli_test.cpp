// The verdict line says what the findings say, in text, JSON ("verdict") and GitHub output:
// an object the API server refuses is refused, not "starts but fails later"; a refused port is
// not followed by "serves on :80"; errors only promtls serve or only the input has are said as
// such. Also the out-of-order certificate chain as a user meets it (validate and serve).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string P = "METRICS_PROMETHEUS_";
const std::string kAt = "--at=2027-01-01T00:00:00Z";

std::string deployment(const std::string& env) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: mon}\nspec:\n"
         "  template:\n    spec:\n      containers:\n      - name: app\n        env:\n" +
         env;
}

// The text output's verdict line of a single target: the line starting "valid" or "INVALID".
std::string verdict_of(const std::string& out) {
  std::size_t at = 0;
  while (at < out.size()) {
    const std::size_t end = out.find('\n', at);
    const std::string line = out.substr(at, end == std::string::npos ? end : end - at);
    if (line.rfind("INVALID: ", 0) == 0 || line.rfind("valid: ", 0) == 0) return line;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

// A chain (pki.hpp) in the wrong order, intermediate first, with the leaf's key.
struct ChainFiles {
  TempDir dir;
  Key leaf_key{KeyKind::ec_p256};
  Chain chain = Chain::make(leaf_key, "verdict");
  std::string cert = dir.write("tls.crt", chain.intermediate.pem() + chain.leaf.pem());
  std::string key = dir.write("tls.key", leaf_key.private_pem());
};

}  // namespace

TEST_CASE("an env value the API server refuses makes the verdict say the object is refused") {
  TempDir dir;
  const std::string m =
      dir.write("d.yaml", deployment("        - {name: METRICS_PROMETHEUS_PORT, value: 9090}\n"));
  auto r = run_promtls({"validate", "--manifest", m});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("error manifest-value-not-string") != std::string::npos);
  CHECK(verdict_of(r.out) ==
        "INVALID: 1 error, 0 warnings; the API server refuses the object (the errors above), so "
        "knative never runs it");
  CHECK(r.out.find("fails later") == std::string::npos);

  r = run_promtls({"validate", "--manifest", m, "-o", "json"});
  const json j = json::parse(r.out);
  CHECK(j["targets"][0]["verdict"]["outcome"] == "api-server-refuses");
  CHECK(j["targets"][0]["verdict"]["text"] ==
        "the API server refuses the object (the errors above), so knative never runs it");

  r = run_promtls({"validate", "--manifest", m, "-o", "github"});
  CHECK(r.out.find("INVALID Deployment mon/app, container app: 1 error, 0 warnings; the API "
                   "server refuses the object") != std::string::npos);
}

TEST_CASE("a refused object with a refused port says both, API server first") {
  TempDir dir;
  const std::string m =
      dir.write("d.yaml", deployment("        - {name: METRICS_PROMETHEUS_PORT, value: 80}\n"));
  const auto r = run_promtls({"validate", "--manifest", m});
  INFO(r.out);
  CHECK(verdict_of(r.out) ==
        "INVALID: 2 errors, 0 warnings; the API server refuses the object (the errors above), so "
        "knative never runs it; admitted, knative would refuse to start: prometheus port 80, "
        "should be between 1024 and 65535");
  const json j = json::parse(run_promtls({"validate", "--manifest", m, "-o", "json"}).out);
  CHECK(j["targets"][0]["verdict"]["outcome"] == "api-server-refuses");
  CHECK(j["targets"][0]["upstream"]["accepts"] == false);
}

TEST_CASE("a refused port is not followed by serves on :80") {
  const auto r = run_promtls({"validate", "--no-env", "--set", P + "PORT=80"});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("serves plain HTTP on") == std::string::npos);
  CHECK(r.out.find(":80") == std::string::npos);
  CHECK(r.out.find("info tls-disabled: TLS is off (plain HTTP), but knative serves nothing: see "
                   "the errors") != std::string::npos);
  CHECK(verdict_of(r.out) ==
        "INVALID: 1 error, 0 warnings; knative refuses to start: prometheus port 80, should be "
        "between 1024 and 65535");
  const json j =
      json::parse(run_promtls({"validate", "--no-env", "-o", "json", "--set", P + "PORT=80"}).out);
  CHECK(j["verdict"]["outcome"] == "refuses-to-start");
  for (const auto& f : j["findings"]) {
    CHECK(f["message"].get<std::string>().find("serves plain HTTP on") == std::string::npos);
  }
}

TEST_CASE("a host knative cannot listen on is not followed by serves on it") {
  const auto r = run_promtls({"validate", "--no-env", "--set", P + "HOST=[::1]"});
  INFO(r.out);
  CHECK(r.out.find("serves plain HTTP on") == std::string::npos);
  CHECK(verdict_of(r.out) ==
        "INVALID: 1 error, 0 warnings; knative starts with these variables but fails later (the "
        "errors above)");
  const json j = json::parse(
      run_promtls({"validate", "--no-env", "-o", "json", "--set", P + "HOST=[::1]"}).out);
  CHECK(j["verdict"]["outcome"] == "fails-later");
}

TEST_CASE("plain HTTP on a good port still says where knative serves") {
  const auto r = run_promtls({"validate", "--no-env", "--set", P + "PORT=9191"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("info tls-disabled: TLS is off: knative serves plain HTTP on :9191") !=
        std::string::npos);
  CHECK(verdict_of(r.out) ==
        "valid: 0 errors, 0 warnings; knative accepts this configuration (plain HTTP)");
  const json j = json::parse(run_promtls({"validate", "--no-env", "-o", "json"}).out);
  CHECK(j["verdict"]["outcome"] == "accepts");
  CHECK(j["verdict"]["text"] == "knative accepts this configuration (plain HTTP)");
}

TEST_CASE("a key only promtls serve refuses is said as such, not as knative failing") {
  ChainFiles f;
  const std::string cert = f.dir.write("leaf.crt", f.chain.leaf.pem());
  f.dir.write("tls.key", f.leaf_key.private_pem(), 0606);
  const std::vector<std::string> args{"validate",
                                      "--no-env",
                                      kAt,
                                      "--set",
                                      P + "TLS_CERT=" + cert,
                                      "--set",
                                      P + "TLS_KEY=" + f.key};
  auto r = run_promtls(args);
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("error key-file-world-writable") != std::string::npos);
  CHECK(verdict_of(r.out).find("; knative accepts this configuration, but promtls serve refuses "
                               "it (the errors above)") != std::string::npos);
  auto json_args = args;
  json_args.insert(json_args.begin() + 1, {"-o", "json"});
  const json j = json::parse(run_promtls(json_args).out);
  CHECK(j["verdict"]["outcome"] == "serve-refuses");
}

TEST_CASE("a malformed env-file line is an input error, not knative failing later") {
  TempDir dir;
  const std::string env = dir.write("m.env", "METRICS_PROMETHEUS_PORT=9090\nnot a line\n");
  const auto r = run_promtls({"validate", "--no-env", "--env-file", env});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(verdict_of(r.out) ==
        "INVALID: 1 error, 0 warnings; the input has errors (above); knative "
        "accepts the variables that could be read");
  const json j =
      json::parse(run_promtls({"validate", "--no-env", "-o", "json", "--env-file", env}).out);
  CHECK(j["verdict"]["outcome"] == "input-errors");
}

TEST_CASE("the Tigera operator with metrics off is not said to serve plain HTTP") {
  const auto r = run_promtls({"validate", "--no-env", "--profile", "tigera"});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(verdict_of(r.out) ==
        "valid: 0 errors, 0 warnings; tigera accepts this configuration (serves no metrics)");
  CHECK(r.out.find("plain HTTP") == std::string::npos);
}

TEST_CASE("the Tigera operator with a refused port is not said to serve plain HTTP") {
  const auto r = run_promtls({"validate", "--no-env", "--profile", "tigera", "--set",
                              "METRICS_ENABLED=true", "--set", "METRICS_PORT=abc"});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("the operator serves plain HTTP") == std::string::npos);
  CHECK(r.out.find("the operator would serve plain HTTP, but its ServiceMonitor") !=
        std::string::npos);
  CHECK(verdict_of(r.out) ==
        "INVALID: 1 error, 1 warning; tigera refuses to start: listen tcp: "
        "address tcp/abc: unknown port");
}

TEST_CASE("the Tigera operator that refuses to start is not said to listen on its port") {
  const std::vector<std::string> args{"validate",  "--no-env",
                                      "--profile", "tigera",
                                      "--set",     "METRICS_ENABLED=true",
                                      "--set",     "METRICS_PORT=8484",
                                      "--set",     "METRICS_SCHEME=https",
                                      "--set",     "METRICS_CLIENT_AUTH=require"};
  auto r = run_promtls(args);
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("the operator listens") == std::string::npos);
  CHECK(r.out.find("warning port-service-mismatch METRICS_PORT: the operator would listen on port "
                   "8484 but its Service tigera-operator-metrics always targets 9484") !=
        std::string::npos);
  CHECK(
      verdict_of(r.out).find("; tigera refuses to start: unsupported client auth type: require") !=
      std::string::npos);
  // Without the startup error it does listen there.
  r = run_promtls({"validate", "--no-env", "--profile", "tigera", "--set", "METRICS_ENABLED=true",
                   "--set", "METRICS_PORT=8484"});
  CHECK(r.out.find("the operator listens on port 8484") != std::string::npos);
}

TEST_CASE("a Secret the API server refuses is said in the summary of the run") {
  TempDir dir;
  const std::string m = dir.write(
      "d.yaml", deployment("        - {name: METRICS_PROMETHEUS_PORT, value: \"9090\"}\n") +
                    "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: mon}\n"
                    "data:\n  tls.crt: \"not base64!\"\n");
  const auto r = run_promtls({"validate", "--manifest", m});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("error manifest-secret-not-base64") != std::string::npos);
  CHECK(r.out.find("INVALID: 1 container checked, 0 invalid, 1 input error (the API server "
                   "refuses an object of the input: the errors above)\n") != std::string::npos);
}

TEST_CASE("validate reports a chain with the intermediate first as out of order") {
  ChainFiles f;
  const std::vector<std::string> args{"validate",
                                      "--no-env",
                                      kAt,
                                      "--set",
                                      P + "TLS_CERT=" + f.cert,
                                      "--set",
                                      P + "TLS_KEY=" + f.key};
  const auto r = run_promtls(args);
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("error cert-chain-out-of-order " + P + "TLS_CERT: " + P + "TLS_CERT file " +
                   f.cert +
                   " lists \"verdict-intermediate\" first and the leaf \"metrics\" as "
                   "certificate 2") != std::string::npos);
  CHECK(r.out.find("  hint: put the leaf first") != std::string::npos);
  CHECK(r.out.find("cert-key-mismatch") == std::string::npos);
  CHECK(r.out.find("issuance") == std::string::npos);
  auto json_args = args;
  json_args.insert(json_args.begin() + 1, {"-o", "json"});
  const json j = json::parse(run_promtls(json_args).out);
  // Besides the infos (the profile picked, Go's post-quantum default): the one error.
  std::vector<std::string> not_info;
  for (const auto& finding : j["findings"]) {
    if (finding["severity"] != "info") not_info.push_back(finding["code"]);
  }
  CHECK(not_info == std::vector<std::string>{"cert-chain-out-of-order"});
  CHECK(j["verdict"]["outcome"] == "fails-later");
}

TEST_CASE("serve refuses a chain with the intermediate first and says to put the leaf first") {
  ChainFiles f;
  const auto r = run_promtls({"serve", "--no-env", "--listen", "127.0.0.1:0", "--set",
                              P + "TLS_CERT=" + f.cert, "--set", P + "TLS_KEY=" + f.key});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("error cert-chain-out-of-order") != std::string::npos);
  CHECK(r.err.find("promtls serve: cannot load the credentials (the errors above); not starting") !=
        std::string::npos);
  CHECK(r.err.find("put the leaf first") != std::string::npos);
  CHECK(r.err.find("cert-key-mismatch") == std::string::npos);
}
