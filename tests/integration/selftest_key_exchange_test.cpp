// selftest's key-exchange matrix against real servers that can choose a post-quantum group: a Go
// server configured like knative's metrics server (tests/peers/knative_like_server, built here
// with the machine's Go), and openssl s_server 3.5 with -groups. For the Go server, selftest's
// verdict must match what validate predicts for the same variables. ML-KEM only (skipped on
// Debian 12's OpenSSL 3.0); the Go cases also need Go >= 1.24 (Debian 13's golang-go).
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "promtls/tls/context.hpp"
#include "run.hpp"
#include "selftest_servers.hpp"
#include "test_skip.hpp"

namespace promtls::test {
namespace {

using nlohmann::json;

const std::string P = "METRICS_PROMETHEUS_TLS_";

// The Go peer, built once per test process into a temporary directory; "" when the machine has
// no Go that can build it (the reason in `why`).
std::string go_peer(std::string& why) {
  static TempDir dir;
  static std::string built;
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    if (!std::filesystem::exists("/usr/bin/go")) {
      failure = "needs Go (/usr/bin/go, Debian 13's golang-go) to build tests/peers";
    } else {
      const std::string out = (dir.path() / "knative_like_server").string();
      const RunResult r =
          run({"/usr/bin/go", "-C", PROMTLS_SOURCE_DIR "/tests/peers/knative_like_server", "build",
               "-o", out, "."},
              {"PATH=/usr/bin:/bin", "HOME=" + dir.path().string(),
               "GOCACHE=" + (dir.path() / "cache").string(), "GOTOOLCHAIN=local", "GOPROXY=off",
               "GOFLAGS=-mod=mod"},
              180000);
      if (r.exit_code == 0) {
        built = out;
      } else {
        failure = "go build of tests/peers/knative_like_server failed: " + r.err;
      }
    }
  }
  why = failure;
  return built;
}

struct GoPeer {
  std::uint16_t port = 0;
  std::unique_ptr<Process> process;
};

// Starts the Go peer with `extra` ("K=V": PEER_CURVES, GODEBUG) and waits for its port.
GoPeer start_go_peer(const std::string& binary, const ServerFiles& files,
                     const std::vector<std::string>& extra) {
  std::vector<std::string> env{"PEER_CERT=" + files.cert, "PEER_KEY=" + files.key,
                               "PEER_CA=" + files.ca};
  env.insert(env.end(), extra.begin(), extra.end());
  ProcessOptions o;
  o.argv = {binary};
  o.env = env;
  // A log of its own per start: the port is read from it.
  static int starts = 0;
  o.log_path = (files.dir.path() / ("peer-" + std::to_string(++starts) + ".log")).string();
  o.stop_grace_ms = 2000;
  GoPeer peer;
  peer.process = std::make_unique<Process>(o);
  const std::string marker = "listening on 127.0.0.1:";
  REQUIRE(peer.process->wait_for_log(marker, 10000));
  const std::string log = peer.process->log();
  peer.port = static_cast<std::uint16_t>(std::stoi(log.substr(log.find(marker) + marker.size())));
  REQUIRE(peer.process->wait_listening(peer.port));
  return peer;
}

json selftest_json(const ServerFiles& files, std::uint16_t port) {
  const RunResult r = run_promtls({"selftest", "--connect", "127.0.0.1:" + std::to_string(port),
                                   "--servername", "localhost", "--ca", files.ca, "--cert",
                                   files.client_cert, "--key", files.client_key, "-o", "json"});
  INFO(r.out << r.err);
  REQUIRE(!r.out.empty());
  const json j = json::parse(r.out);
  REQUIRE(j.contains("key_exchange"));
  return j["key_exchange"];
}

const json& attempt(const json& kx, const std::string& name) {
  for (const json& a : kx["attempts"]) {
    if (a["name"] == name) return a;
  }
  FAIL("no key-exchange attempt named " << name);
  static const json none;
  return none;
}

// validate's prediction for knative's metrics server with these extra variables.
json predicted(const ServerFiles& files, const std::vector<std::string>& extra) {
  std::vector<std::string> args{"validate", "--no-env",
                                "-o",       "json",
                                "--at",     "2026-06-01T00:00:00Z",
                                "--set",    "METRICS_PROMETHEUS_TLS_CERT=" + files.cert,
                                "--set",    P + "KEY=" + files.key,
                                "--set",    P + "CLIENT_AUTH=require",
                                "--set",    P + "CLIENT_CA_FILE=" + files.ca,
                                "--set",    P + "MIN_VERSION=1.3"};
  for (const std::string& e : extra) args.insert(args.end(), {"--set", e});
  const RunResult r = run_promtls(args);
  INFO(r.out << r.err);
  REQUIRE(!r.out.empty());
  const json j = json::parse(r.out);
  REQUIRE(j["config"].contains("go_key_exchange"));
  return j["config"]["go_key_exchange"];
}

TEST_CASE(
    "selftest's key-exchange verdict against a knative-like Go server matches validate's "
    "prediction for the default groups, an explicit classical list and GODEBUG=tlsmlkem=0") {
  PROMTLS_REQUIRE_MLKEM();
  std::string why;
  const std::string binary = go_peer(why);
  if (binary.empty()) PROMTLS_SKIP(why);
  const ServerFiles files(wide_spec("localhost"), "peer_up 1\n");

  struct Case {
    std::string name;
    std::vector<std::string> peer_env;   // the Go server's
    std::vector<std::string> variables;  // the same, as knative's variables for validate
    std::string verdict;                 // what both must say
    std::string group;                   // chosen for a Go/OpenSSL-like client
  };
  const std::vector<Case> cases{
      {"default", {}, {}, "negotiated", "X25519MLKEM768"},
      {"classical list",
       {"PEER_CURVES=X25519,CurveP256"},
       {P + "CURVE_PREFERENCES=X25519,CurveP256"},
       "not_offered",
       "X25519"},
      {"tlsmlkem=0", {"GODEBUG=tlsmlkem=0"}, {"GODEBUG=tlsmlkem=0"}, "not_offered", "X25519"},
  };
  for (const Case& c : cases) {
    INFO("case " << c.name);
    const GoPeer peer = start_go_peer(binary, files, c.peer_env);
    const json kx = selftest_json(files, peer.port);
    const json go = predicted(files, c.variables);
    CHECK(kx["verdict"] == c.verdict);
    CHECK(go["post_quantum"] == (c.verdict == "negotiated"));
    const json& clients = attempt(kx, "clients");
    CHECK(clients["accepted"] == true);
    CHECK(clients["group"] == c.group);
    // Go picks by its own preference among what both support: the first group validate lists
    // that the client offered is the one negotiated.
    REQUIRE(!go["groups"].empty());
    CHECK(go["groups"][0]["name"] == c.group);
    // Each group alone is accepted exactly when validate lists it.
    std::map<std::string, bool> listed;
    for (const json& g : go["groups"]) listed[g["name"].get<std::string>()] = true;
    CHECK(attempt(kx, "only-X25519MLKEM768")["accepted"] == (listed.count("X25519MLKEM768") > 0));
    CHECK(attempt(kx, "only-X25519")["accepted"] == (listed.count("X25519") > 0));
  }
}

TEST_CASE(
    "against openssl s_server 3.5 with only X25519MLKEM768 a client with an X25519 key share "
    "gets a HelloRetryRequest, classical groups alone are refused, and a classical-only server "
    "does not offer post-quantum") {
  PROMTLS_REQUIRE_MLKEM();
  const ServerFiles files(wide_spec("localhost"), "peer_up 1\n");
  {
    const SServer pq = start_s_server(files, {"-groups", "X25519MLKEM768"});
    const json kx = selftest_json(files, pq.port);
    CHECK(kx["verdict"] == "negotiated");
    const json& retry = attempt(kx, "classical-key-share");
    CHECK(retry["accepted"] == true);
    CHECK(retry["group"] == "X25519MLKEM768");
    CHECK(retry["hello_retry"] == true);
    CHECK(attempt(kx, "clients")["hello_retry"] == false);
    CHECK(attempt(kx, "post-quantum-only")["accepted"] == true);
    CHECK(attempt(kx, "only-X25519")["accepted"] == false);
    CHECK(attempt(kx, "only-P-256")["accepted"] == false);
  }
  {
    const SServer classical = start_s_server(files, {"-groups", "X25519:P-256"});
    const json kx = selftest_json(files, classical.port);
    CHECK(kx["verdict"] == "not_offered");
    CHECK(attempt(kx, "clients")["group"] == "X25519");
    CHECK(attempt(kx, "post-quantum-only")["accepted"] == false);
    CHECK(attempt(kx, "only-X25519")["accepted"] == true);
  }
}

}  // namespace
}  // namespace promtls::test
