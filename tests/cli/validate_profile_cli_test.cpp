// promtls validate choosing its profile as a user runs it: --profile auto (the default) on
// knative-only, Tigera-only and mixed inputs, from the environment and from manifests; eventing's
// unprefixed TLS_* family and the TLS_MIN_VERSION it shares with the Tigera operator; what
// validate says about X25519MLKEM768 under Go.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string P = "METRICS_PROMETHEUS_";

// validate --no-env --offline with each of `sets` as --set, plus `extra`.
RunResult validate(const std::vector<std::string>& sets, const std::vector<std::string>& extra) {
  std::vector<std::string> args{"validate", "--no-env", "--offline"};
  for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
  args.insert(args.end(), extra.begin(), extra.end());
  return run_promtls(args);
}

json finding(const json& findings, const std::string& code) {
  for (const json& f : findings) {
    if (f["code"] == code) return f;
  }
  return nullptr;
}

std::vector<std::string> codes(const json& findings) {
  std::vector<std::string> out;
  for (const json& f : findings) out.push_back(f["code"]);
  return out;
}

}  // namespace

TEST_CASE("auto picks knative for knative's variables and says why") {
  const auto r = validate({P + "PORT=9091"}, {"-o", "json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["schema"] == "promtls/validate/v1");
  CHECK(j["profile"] == "knative");
  CHECK(j["findings"][0]["code"] == "profile-auto");
  CHECK(j["findings"][0]["message"] ==
        "--profile auto picked knative (METRICS_PROMETHEUS_PORT is present)");
}

TEST_CASE("auto picks tigera for the operator's variables, so a broken one fails") {
  const auto r =
      validate({"METRICS_ENABLED=true", "METRICS_SCHEME=https", "METRICS_CLIENT_AUTH=require"},
               {"-o", "json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["profile"] == "tigera");
  CHECK(j["upstream"]["error"] ==
        "unsupported client auth type: require (supported: RequireAndVerifyClientCert, "
        "RequireAnyClientCert, VerifyClientCertIfGiven, NoClientCert)");
  CHECK(j["findings"][0]["message"] ==
        "--profile auto picked tigera (METRICS_CLIENT_AUTH, METRICS_ENABLED, METRICS_SCHEME are "
        "present)");
}

TEST_CASE("auto checks both profiles when variables of both families are present, and says so") {
  const std::vector<std::string> mixed{P + "PORT=80", "METRICS_ENABLED=true",
                                       "METRICS_SCHEME=https"};
  const auto r = validate(mixed, {"-o", "json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);  // knative refuses port 80
  const json j = json::parse(r.out);
  CHECK(j["schema"] == "promtls/validate-manifests/v1");
  REQUIRE(j["targets"].size() == 2);
  CHECK(j["targets"][0]["target"] == "environment");
  CHECK(j["targets"][0]["profile"] == "tigera");
  CHECK(j["targets"][0]["valid"] == true);
  CHECK(j["targets"][1]["profile"] == "knative");
  CHECK(j["targets"][1]["upstream"]["error"] ==
        "prometheus port 80, should be between 1024 and 65535");
  CHECK(j["targets"][0]["findings"][0]["message"] ==
        "--profile auto picked tigera and knative: variables of both families are present "
        "(tigera: METRICS_ENABLED, METRICS_SCHEME; knative: METRICS_PROMETHEUS_PORT); both are "
        "checked");

  const auto text = validate(mixed, {});
  CHECK(text.out.find("== environment [tigera]") != std::string::npos);
  CHECK(text.out.find("== environment [knative]") != std::string::npos);

  // --profile forces one: the validate document, and no profile-auto finding.
  const auto forced = validate(mixed, {"--profile", "tigera", "-o", "json"});
  CHECK(forced.exit_code == 0);
  const json f = json::parse(forced.out);
  CHECK(f["schema"] == "promtls/validate/v1");
  CHECK(f["profile"] == "tigera");
  CHECK(finding(f["findings"], "profile-auto") == nullptr);
}

TEST_CASE("eventing's unprefixed TLS_* family is validated with knative's rules and messages") {
  const auto good =
      validate({"TLS_MIN_VERSION=1.2", "TLS_CIPHER_SUITES=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
               {"-o", "json"});
  INFO(good.out << good.err);
  CHECK(good.exit_code == 0);
  const json g = json::parse(good.out);
  CHECK(g["profile"] == "knative");
  REQUIRE(g["families"].size() == 1);
  CHECK(g["families"][0]["prefix"] == "");
  CHECK(g["families"][0]["component"] == "the eventing TLS servers (knative/eventing)");
  CHECK(g["families"][0]["accepts"] == true);
  CHECK(g["families"][0]["min_version"] == "1.2");
  CHECK(finding(g["findings"], "profile-auto")["message"] ==
        "--profile auto picked knative (TLS_CIPHER_SUITES, TLS_MIN_VERSION are present); "
        "TLS_MIN_VERSION is knative/eventing's: TLS_CIPHER_SUITES is present and no tigera "
        "variable");
  CHECK(validate({"TLS_MIN_VERSION=1.2", "TLS_CIPHER_SUITES=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
                 {})
            .out.find(
                "  TLS_*: the eventing TLS servers (knative/eventing) accepts them (TLS 1.2+)") !=
        std::string::npos);

  // The default minimum is 1.3 (knative/eventing #8916): a maximum of 1.2 alone never handshakes.
  const auto above = validate({"TLS_MAX_VERSION=1.2"}, {"-o", "json"});
  CHECK(above.exit_code == 1);
  CHECK(finding(json::parse(above.out)["findings"], "tls-min-above-max") != nullptr);

  // Invalid values: knative's messages, byte for byte, under eventing's names.
  const auto bad =
      validate({"TLS_MIN_VERSION=1.1", "TLS_MAX_VERSION=1.4",
                "TLS_CIPHER_SUITES=TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_CURVE_PREFERENCES=x25519"},
               {"-o", "json"});
  INFO(bad.out);
  CHECK(bad.exit_code == 1);
  const json b = json::parse(bad.out);
  REQUIRE(b["families"].size() == 1);
  CHECK(b["families"][0]["accepts"] == false);
  CHECK(b["families"][0]["error"] ==
        "invalid TLS_MIN_VERSION \"1.1\": unsupported TLS version \"1.1\": must be \"1.2\" or "
        "\"1.3\"");
  std::vector<std::string> messages;
  for (const json& f : b["findings"]) {
    if (f["severity"] == "error") messages.push_back(f["message"]);
  }
  CHECK(messages == std::vector<std::string>{
                        "invalid TLS_MIN_VERSION \"1.1\": unsupported TLS version \"1.1\": must be "
                        "\"1.2\" or \"1.3\"",
                        "invalid TLS_MAX_VERSION \"1.4\": unsupported TLS version \"1.4\": must be "
                        "\"1.2\" or \"1.3\"",
                        "invalid TLS_CIPHER_SUITES: unknown cipher suite "
                        "\"TLS_RSA_WITH_AES_128_CBC_SHA\"",
                        "invalid TLS_CURVE_PREFERENCES: unknown curve \"x25519\""});
}

TEST_CASE("the shared TLS_MIN_VERSION is read with the Tigera operator's rules beside its names") {
  const auto r = validate({"TLS_MIN_VERSION=1.1", "METRICS_SCHEME=https"}, {"-o", "json"});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["profile"] == "tigera");
  CHECK(j["upstream"]["error"] == "unsupported TLS version: 1.1 (supported versions: 1.2, 1.3)");
  CHECK(j["families"].empty());
}

TEST_CASE(
    "a TLS_MIN_VERSION nothing attributes is checked both ways with a warning asking for "
    "--profile") {
  const auto r = validate({"TLS_MIN_VERSION=1.2"}, {"-o", "json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  const json j = json::parse(r.out);
  REQUIRE(j["targets"].size() == 2);
  CHECK(j["targets"][0]["profile"] == "knative");
  CHECK(j["targets"][1]["profile"] == "tigera");
  const json f = finding(j["targets"][0]["findings"], "profile-ambiguous");
  REQUIRE(f != nullptr);
  CHECK(f["severity"] == "warning");
  CHECK(f["variables"] == json::array({"TLS_MIN_VERSION"}));
  CHECK(f["source"] == "--set");
  CHECK(f["hint"] ==
        "pass --profile knative (knative/eventing reads it) or --profile tigera (the Tigera "
        "operator reads it)");
  CHECK(validate({"TLS_MIN_VERSION=1.2"}, {"--strict"}).exit_code == 1);
  // Forcing a profile settles it.
  const auto forced = validate({"TLS_MIN_VERSION=1.2"}, {"--profile", "knative", "-o", "json"});
  CHECK(finding(json::parse(forced.out)["findings"], "profile-ambiguous") == nullptr);
}

TEST_CASE("auto decides per container of a manifest, by the variables and by the image") {
  TempDir dir;
  const std::string manifest = dir.write("deploy.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: broker-filter, namespace: knative-eventing}
spec:
  template:
    spec:
      containers:
      - name: filter
        image: gcr.io/knative-releases/knative.dev/eventing/cmd/broker/filter
        env:
        - {name: TLS_MIN_VERSION, value: "1.1"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tigera-operator, namespace: tigera-operator}
spec:
  template:
    spec:
      containers:
      - name: tigera-operator
        image: quay.io/tigera/operator:v1.43.0
        env:
        - {name: TLS_MIN_VERSION, value: "1.3"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: both, namespace: x}
spec:
  template:
    spec:
      containers:
      - name: both
        image: registry.example/app:1
        env:
        - {name: METRICS_PROMETHEUS_PORT, value: "9091"}
        - {name: METRICS_ENABLED, value: "true"}
        - {name: METRICS_SCHEME, value: "https"}
        - {name: TLS_MIN_VERSION, value: "1.2"}
)");
  const auto r = run_promtls({"validate", "--manifest", manifest, "-o", "json"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);  // eventing refuses 1.1
  const json j = json::parse(r.out);
  REQUIRE(j["targets"].size() == 4);
  const json& eventing = j["targets"][0];
  CHECK(eventing["profile"] == "knative");
  CHECK(eventing["families"][0]["error"] ==
        "invalid TLS_MIN_VERSION \"1.1\": unsupported TLS version \"1.1\": must be \"1.2\" or "
        "\"1.3\"");
  CHECK(eventing["findings"][0]["message"].get<std::string>().find(
            "TLS_MIN_VERSION is knative/eventing's: the image "
            "gcr.io/knative-releases/knative.dev/eventing/cmd/broker/filter is knative's") !=
        std::string::npos);
  const json& tigera = j["targets"][1];
  CHECK(tigera["profile"] == "tigera");
  CHECK(tigera["valid"] == true);
  CHECK(
      tigera["findings"][0]["message"].get<std::string>().find(
          "TLS_MIN_VERSION is the Tigera operator's: the image quay.io/tigera/operator:v1.43.0") !=
      std::string::npos);
  // Both families, and neither image nor names tell whose TLS_MIN_VERSION it is.
  CHECK(j["targets"][2]["target"] == j["targets"][3]["target"]);
  CHECK(j["targets"][2]["profile"] == "tigera");
  CHECK(j["targets"][3]["profile"] == "knative");
  CHECK(finding(j["targets"][2]["findings"], "profile-ambiguous") != nullptr);
  CHECK(j["targets"][3]["families"].size() == 1);  // knative reads it as eventing's too
}

TEST_CASE("validate reports Go's post-quantum key exchange, not promtls' OpenSSL") {
  const std::vector<std::string> tls{P + "TLS_CERT=/tls/tls.crt", P + "TLS_KEY=/tls/tls.key"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> sets = tls;
    sets.insert(sets.end(), extra.begin(), extra.end());
    const auto r = validate(sets, {"--profile", "knative", "-o", "json"});
    INFO(r.out << r.err);
    return json::parse(r.out);
  };
  const json defaults = with({});
  CHECK(finding(defaults["findings"], "go-post-quantum")["message"] ==
        "knative's Go server negotiates X25519MLKEM768 with clients that offer it (Go 1.24 and "
        "later have it in their default set)");
  const json listed = with({P + "TLS_CURVE_PREFERENCES=X25519MLKEM768,X25519"});
  CHECK(finding(listed["findings"], "go-post-quantum")["severity"] == "info");
  // Whatever promtls' own OpenSSL can do: knative runs under Go.
  CHECK(finding(listed["findings"], "curve-unsupported-by-tls-library") == nullptr);
  const json without = with({P + "TLS_CURVE_PREFERENCES=X25519,CurveP256"});
  const json off = finding(without["findings"], "go-post-quantum-off");
  REQUIRE(off != nullptr);
  CHECK(off["severity"] == "warning");
  CHECK(off["message"] ==
        "knative's Go server will not negotiate X25519MLKEM768: "
        "METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES replaces Go's default set, which has it since "
        "Go 1.24, and does not list it");
  CHECK(finding(without["findings"], "go-post-quantum") == nullptr);
  const json tls12 = with({P + "TLS_MIN_VERSION=1.2", P + "TLS_MAX_VERSION=1.2"});
  CHECK(finding(tls12["findings"], "go-post-quantum-off")["variables"] ==
        json::array({P + "TLS_MAX_VERSION"}));
  CHECK(codes(with({})["findings"]) == std::vector<std::string>{"go-post-quantum"});
}
