// The container image of scripts/build-image.sh run the way a cluster runs it: unpacked with
// umoci, started with runc as user 65532 with a read-only root file system, no capabilities, no
// new privileges, the knative variables in its environment and a Secret-volume-like directory
// (the kubelet's "..data" layout) mounted read-only. The container shares the host's network
// namespace, so serve listens on OS-chosen loopback ports the test reaches from outside with
// the host build of promtls (selftest) and the test TLS client.
//
// Needs root, runc, umoci and the image: PROMTLS_IMAGE names the OCI image layout directory
// (.ci/run builds it with scripts/build-image.sh). Without one of them every test is skipped,
// saying which is missing. PROMTLS_IMAGE_REBUILD=1 also runs the reproducibility test, which
// assembles the image again from the Debian 13 root's last image build.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "run.hpp"
#include "secret_volume.hpp"
#include "selftest_args.hpp"
#include "serve_fixture.hpp"
#include "test_skip.hpp"

namespace promtls::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr unsigned kNonroot = 65532;  // the image's user and group
const std::vector<std::string> kToolEnv{
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
const std::string kAt = "--at=2027-01-01T00:00:00Z";
constexpr int kDrainSeconds = 5;

// The absolute path of `name` in PATH, or "".
std::string in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto colon = dirs.find(':', start);
    const fs::path candidate =
        fs::path(dirs.substr(start, colon == std::string::npos ? colon : colon - start)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return {};
}

// Why the container tests cannot run here, or "" when they can.
std::string missing_requirement() {
  if (::geteuid() != 0) return "needs root (runc runs the container as root's runtime)";
  for (const char* tool : {"runc", "umoci"}) {
    if (in_path(tool).empty())
      return std::string("needs ") + tool + " (Debian package " + tool +
             "; scripts/install-deps.sh test)";
  }
  const char* image = std::getenv("PROMTLS_IMAGE");
  if (image == nullptr || *image == '\0')
    return "PROMTLS_IMAGE is not set: build the image with scripts/build-image.sh DIR and set "
           "PROMTLS_IMAGE=DIR";
  if (!fs::is_regular_file(fs::path(image) / "index.json"))
    return std::string("PROMTLS_IMAGE=") + image + " is not an OCI image layout (no index.json)";
  return {};
}

#define PROMTLS_REQUIRE_CONTAINER_TOOLS()                          \
  do {                                                             \
    const std::string promtls_missing_ = missing_requirement();    \
    if (!promtls_missing_.empty()) PROMTLS_SKIP(promtls_missing_); \
  } while (false)

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// The image's tag: the org.opencontainers.image.ref.name of its one manifest.
std::string image_tag(const fs::path& layout) {
  const json index = read_json(layout / "index.json");
  return index.at("manifests").at(0).at("annotations").at("org.opencontainers.image.ref.name");
}

void give_to_nonroot(const fs::path& p, fs::perms perms) {
  REQUIRE(::lchown(p.c_str(), 0, kNonroot) == 0);
  fs::permissions(p, perms);
}

// Owned by root with group 65532 and mode 0440, as fsGroup and defaultMode 0440 make a Secret
// volume's files.
void nonroot_readable(const fs::path& file) { give_to_nonroot(file, fs::perms(0440)); }

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The test PKI of the serve tests, with the serving certificate, its key and the client CA in a
// Secret volume (tls.crt, tls.key, ca.crt) and the client's certificate in a second one (the
// CronJob's scraper Secret).
struct ContainerPki {
  ServePki pki;
  SecretVolume tls{pki.dir.path() / "tls"};
  SecretVolume scraper{pki.dir.path() / "scraper"};

  ContainerPki() {
    fs::permissions(pki.dir.path(), fs::perms(0755));
    publish_server("server");
    scraper.publish({{"ca.crt", slurp(pki.ca_file)},
                     {"tls.crt", slurp(pki.client_cert)},
                     {"tls.key", slurp(pki.client_key)}},
                    nonroot_readable);
  }

  void publish_server(const std::string& name) {
    tls.publish({{"tls.crt", slurp((pki.dir.path() / (name + ".crt")).string())},
                 {"tls.key", slurp((pki.dir.path() / (name + ".key")).string())},
                 {"ca.crt", slurp(pki.ca_file)}},
                nonroot_readable);
  }
};

// The runc bundle of one container: the image unpacked with umoci, config.json edited as the
// Deployment in deploy/serve.yaml asks of the runtime. `args` replaces the image's command.
class Container {
 public:
  // `uid` runs the process as that user and group (the image's 65532, or 0 as the node
  // DaemonSet does); `mounts` adds read-only bind mounts (destination, host source).
  Container(const ContainerPki& pki, const std::string& name, std::vector<std::string> args,
            unsigned uid = kNonroot,
            const std::vector<std::pair<std::string, fs::path>>& mounts = {})
      : id_("promtls-test-" + std::to_string(::getpid()) + "-" + name) {
    const fs::path layout = std::getenv("PROMTLS_IMAGE");
    const RunResult unpack = run({in_path("umoci"), "unpack", "--image",
                                  layout.string() + ":" + image_tag(layout), bundle().string()},
                                 kToolEnv, 60000);
    INFO(unpack.out << unpack.err);
    REQUIRE(unpack.exit_code == 0);
    fs::create_directories(state());

    json config = read_json(bundle() / "config.json");
    json& process = config["process"];
    process["terminal"] = false;
    process["user"] = {{"uid", uid}, {"gid", uid}};
    args.insert(args.begin(), "promtls");
    process["args"] = args;
    for (const char* v : {"METRICS_PROMETHEUS_TLS_CERT=/etc/promtls/tls/tls.crt",
                          "METRICS_PROMETHEUS_TLS_KEY=/etc/promtls/tls/tls.key",
                          "METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require",
                          "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=/etc/promtls/tls/ca.crt",
                          "METRICS_PROMETHEUS_TLS_MIN_VERSION=1.3"})
      process["env"].push_back(v);
    process["capabilities"] = {{"bounding", json::array()},
                               {"effective", json::array()},
                               {"inheritable", json::array()},
                               {"permitted", json::array()},
                               {"ambient", json::array()}};
    process["noNewPrivileges"] = true;
    config["root"]["readonly"] = true;
    json& namespaces = config["linux"]["namespaces"];
    for (auto it = namespaces.begin(); it != namespaces.end();) {
      it = (*it)["type"] == "network" ? namespaces.erase(it) : it + 1;
    }
    std::vector<std::pair<std::string, fs::path>> all{{"/etc/promtls/tls", pki.tls.root()},
                                                      {"/etc/promtls/scraper", pki.scraper.root()}};
    all.insert(all.end(), mounts.begin(), mounts.end());
    for (const auto& [where, from] : all) {
      config["mounts"].push_back({{"destination", where},
                                  {"type", "bind"},
                                  {"source", from.string()},
                                  {"options", {"rbind", "ro", "nosuid", "nodev", "noexec"}}});
    }
    std::ofstream(bundle() / "config.json") << config.dump(2);
  }

  ~Container() {
    process_.reset();
    run(runc({"delete", "--force", id_}), kToolEnv, 10000);
  }
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  // runc run in the foreground, in the background of the test: its exit status is the
  // container's, its output the container's stdout and stderr.
  void start() {
    ProcessOptions o;
    o.argv = runc({"run", "--bundle", bundle().string(), id_});
    o.env = kToolEnv;
    o.log_path = (dir_.path() / "container.log").string();
    o.stop_grace_ms = (kDrainSeconds + 2) * 1000;
    process_ = std::make_unique<Process>(o);
  }

  // start(), then the main listener's port once serve reports it (the test fails without one).
  int start_serving() {
    start();
    const int main_port = port("main");
    INFO(log());
    REQUIRE(main_port > 0);
    return main_port;
  }

  // runc run in the foreground until the container exits (at most `timeout_ms`).
  RunResult run_to_end(int timeout_ms) {
    return run(runc({"run", "--bundle", bundle().string(), id_}), kToolEnv, timeout_ms);
  }

  // The loopback port `listener` (main or probe) reports listening on; 0 when it does not
  // within 10 s.
  int port(const std::string& listener) {
    if (!process_->wait_for_log("listener=" + listener, 10000)) return 0;
    const std::regex listen("address=127\\.0\\.0\\.1:([0-9]+) listener=" + listener);
    std::smatch m;
    const std::string log = process_->log();
    return std::regex_search(log, m, listen) ? std::stoi(m[1]) : 0;
  }

  RunResult kill(const std::string& signal) {
    return run(runc({"kill", id_, signal}), kToolEnv, 10000);
  }
  Process& process() { return *process_; }
  // The container's process as the host sees it (runc state); -1 when runc does not know it.
  int pid() const {
    const RunResult r = run(runc({"state", id_}), kToolEnv, 10000);
    return r.exit_code == 0 ? json::parse(r.out).value("pid", -1) : -1;
  }
  std::string log() const { return process_ ? process_->log() : std::string(); }

 private:
  fs::path bundle() const { return dir_.path() / "bundle"; }
  fs::path state() const { return dir_.path() / "runc-state"; }
  std::vector<std::string> runc(std::vector<std::string> args) const {
    args.insert(args.begin(), {in_path("runc"), "--root", state().string()});
    return args;
  }

  TempDir dir_;
  std::string id_;
  std::unique_ptr<Process> process_;
};

const std::vector<std::string> kServeArgs{"serve",
                                          "--listen",
                                          "127.0.0.1:0",
                                          "--probe-listen",
                                          "127.0.0.1:0",
                                          "--drain-timeout",
                                          std::to_string(kDrainSeconds)};

// The host's promtls selftest against the container, with the configuration the container was
// given, as host paths of the same files.
RunResult selftest(int port, const ContainerPki& c) {
  std::vector<std::string> args =
      selftest_json_args(port, c.pki.ca_file, c.pki.client_cert, c.pki.client_key);
  args.insert(args.end(), {"--set", "METRICS_PROMETHEUS_TLS_CERT=" + c.tls.file("tls.crt").string(),
                           "--set", "METRICS_PROMETHEUS_TLS_KEY=" + c.tls.file("tls.key").string(),
                           "--set", "METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require", "--set",
                           "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=" + c.tls.file("ca.crt").string(),
                           "--set", "METRICS_PROMETHEUS_TLS_MIN_VERSION=1.3"});
  return run_promtls(args);
}

int plain_status(int port, const std::string& path) {
  return parse_response(raw_exchange(port, "GET " + path +
                                               " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
      .status;
}

TEST_CASE("serve in the image as user 65532 passes every selftest check and answers probes") {
  PROMTLS_REQUIRE_CONTAINER_TOOLS();
  ContainerPki c;
  Container container(c, "selftest", kServeArgs);
  const int port = container.start_serving();
  const int probe = container.port("probe");
  INFO(container.log());
  REQUIRE(probe > 0);

  const RunResult r = selftest(port, c);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(j["ok"] == true);
  CHECK(j["client_certificate"]["accepted"] == true);
  REQUIRE(j["checks"].size() > 5);
  for (const auto& check : j["checks"]) {
    INFO(check.dump());
    CHECK(check["ok"] == true);
  }
  CHECK(plain_status(probe, "/healthz") == 200);
  CHECK(plain_status(probe, "/readyz") == 200);

  // What the kernel says of the container's process: user and group 65532, no capabilities,
  // no new privileges.
  const std::string status = slurp("/proc/" + std::to_string(container.pid()) + "/status");
  INFO(status);
  CHECK(std::regex_search(status, std::regex("\nUid:\\t65532\\t65532\\t65532\\t65532\n")));
  CHECK(std::regex_search(status, std::regex("\nGid:\\t65532\\t65532\\t65532\\t65532\n")));
  CHECK(std::regex_search(status, std::regex("\nCapEff:\\t0+\n")));
  CHECK(std::regex_search(status, std::regex("\nCapBnd:\\t0+\n")));
  CHECK(std::regex_search(status, std::regex("\nNoNewPrivs:\\t1\n")));
}

TEST_CASE("serve in the image picks up a certificate rotated in its Secret volume") {
  PROMTLS_REQUIRE_CONTAINER_TOOLS();
  ContainerPki c;
  c.pki.issue_server("rotated", 0x2002);
  Container container(c, "rotate", kServeArgs);
  const int port = container.start_serving();
  INFO(container.log());
  {
    TlsConnection before(port, c.pki.client());
    REQUIRE(before.request("/metrics").status == 200);
    CHECK(before.peer_serial() == "1001");
  }
  c.publish_server("rotated");
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    TlsConnection after(port, c.pki.client());
    seen = after.request("/metrics").status == 200 && after.peer_serial() == "2002";
    if (!seen) std::this_thread::sleep_for(100ms);
  }
  CHECK(seen);
  CHECK(container.log().find("listener=main") != std::string::npos);
}

TEST_CASE("serve in the image drains on SIGTERM from the runtime and exits 0") {
  PROMTLS_REQUIRE_CONTAINER_TOOLS();
  ContainerPki c;
  Container container(c, "drain", kServeArgs);
  const int port = container.start_serving();
  INFO(container.log());
  TlsConnection keep(port, c.pki.client());
  REQUIRE(keep.request("/metrics").status == 200);

  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(container.kill("TERM").exit_code == 0);
  const std::optional<int> status = container.process().wait((kDrainSeconds + 2) * 1000);
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO(container.log());
  CHECK(status == std::optional<int>(0));
  CHECK(took < std::chrono::seconds(kDrainSeconds + 1));
  CHECK(container.log().find("event=draining signal=SIGTERM") != std::string::npos);
  CHECK(container.log().find("event=stopped") != std::string::npos);
}

TEST_CASE("inspect in the image reads the mounted Secret volume and the live endpoint") {
  PROMTLS_REQUIRE_CONTAINER_TOOLS();
  ContainerPki c;
  Container server(c, "inspected", kServeArgs);
  const int port = server.start_serving();
  INFO(server.log());

  // The CronJob's arguments (deploy/inspect-cronjob.yaml), against this test's endpoint.
  Container job(
      c, "inspect",
      {"inspect", "--output=json", kAt, "--warn-days=28", "--crit-days=14", "--fail-on=critical",
       "--connect=127.0.0.1:" + std::to_string(port), "--servername=localhost",
       "--ca=/etc/promtls/scraper/ca.crt", "--cert=/etc/promtls/scraper/tls.crt",
       "--key=/etc/promtls/scraper/tls.key", "/etc/promtls/tls"});
  const RunResult r = job.run_to_end(30000);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  std::set<std::string> sources;
  for (const auto& cert : j["certificates"]) {
    CHECK(cert["status"] == "ok");
    sources.insert(cert["source"].get<std::string>());
  }
  CHECK(j["errors"].empty());
  CHECK(sources.count("/etc/promtls/tls/tls.crt") == 1);
  CHECK(sources.count("/etc/promtls/tls/ca.crt") == 1);
  CHECK(std::any_of(sources.begin(), sources.end(), [](const std::string& s) {
    return s.find("127.0.0.1:") != std::string::npos;
  }));
}

// A node's certificate trees as kubeadm and the kubelet leave them: certificates 0644, keys 0600,
// the kubelet's client certificate and key in one 0600 file behind a "current" link that names
// it by the node's absolute path (so it dangles where the container mounts the directory), the
// rotation before it still there, all owned by root.
struct NodeTrees {
  TempDir dir;
  fs::path pki = dir.path() / "etc-kubernetes-pki";
  fs::path kubelet = dir.path() / "var-lib-kubelet-pki";

  explicit NodeTrees(const ServePki& p) {
    fs::permissions(dir.path(), fs::perms(0755));
    fs::create_directories(pki / "etcd");
    fs::create_directories(kubelet);
    const std::string ca = slurp(p.ca_file);
    const std::string leaf = p.server_pem;
    const std::string key = slurp(p.server_key);
    write(pki / "ca.crt", ca, 0644);
    write(pki / "ca.key", key, 0600);
    write(pki / "apiserver.crt", leaf, 0644);
    write(pki / "etcd" / "ca.crt", ca, 0644);
    write(kubelet / "kubelet.crt", leaf, 0644);
    write(kubelet / "kubelet-client-2025-12-02-16-00-00.pem", leaf + key, 0600);
    write(kubelet / "kubelet-client-2026-12-02-16-00-00.pem", leaf + key, 0600);
    fs::create_symlink("/var/lib/kubelet/pki/kubelet-client-2026-12-02-16-00-00.pem",
                       kubelet / "kubelet-client-current.pem");
    for (const fs::path& d : {pki, pki / "etcd", kubelet}) fs::permissions(d, fs::perms(0755));
  }
  static void write(const fs::path& path, const std::string& content, unsigned mode) {
    std::ofstream(path) << content;
    fs::permissions(path, fs::perms(mode));
  }
  std::vector<std::pair<std::string, fs::path>> mounts() const {
    return {{"/host/etc/kubernetes/pki", pki}, {"/host/var/lib/kubelet/pki", kubelet}};
  }
};

// serve's arguments in deploy/fleet/daemonset.yaml, on loopback ports.
std::vector<std::string> node_args() {
  std::vector<std::string> a = kServeArgs;
  a.insert(a.end(), {"--watch=/host/etc/kubernetes/pki", "--watch=/host/var/lib/kubelet/pki",
                     "--recursive"});
  return a;
}

std::string scrape(int port, const ContainerPki& c) {
  TlsConnection conn(port, c.pki.client());
  const HttpResponse r = conn.request("/metrics");
  INFO(conn.error());
  REQUIRE(r.status == 200);
  return r.body;
}

// A scrape taken once serve has loaded both node trees (it listens before the first load ends):
// promtls_source_up has a sample for each. At most 10 s.
std::string scrape_loaded(int port, const ContainerPki& c) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string body;
  for (;;) {
    body = scrape(port, c);
    if ((sample_value(body, "promtls_source_up{source=\"/host/etc/kubernetes/pki\"}") >= 0 &&
         sample_value(body, "promtls_source_up{source=\"/host/var/lib/kubelet/pki\"}") >= 0) ||
        std::chrono::steady_clock::now() > deadline)
      return body;
    std::this_thread::sleep_for(100ms);
  }
}

TEST_CASE("the node DaemonSet's serve, root without capabilities, exposes every certificate") {
  PROMTLS_REQUIRE_CONTAINER_TOOLS();
  ContainerPki c;
  NodeTrees node(c.pki);
  Container container(c, "node-root", node_args(), 0, node.mounts());
  const int port = container.start_serving();
  INFO(container.log());
  const std::string body = scrape_loaded(port, c);
  INFO(body);
  for (const char* file :
       {"/host/etc/kubernetes/pki/ca.crt", "/host/etc/kubernetes/pki/apiserver.crt",
        "/host/etc/kubernetes/pki/etcd/ca.crt", "/host/var/lib/kubelet/pki/kubelet.crt",
        "/host/var/lib/kubelet/pki/kubelet-client-2026-12-02-16-00-00.pem"}) {
    INFO(file);
    CHECK(sample_value(body, std::string("x509_cert_not_after{filepath=\"") + file + "\"}") > 0);
  }
  // The superseded rotation is not read; the dangling link is no error.
  CHECK(sample_value(body,
                     "x509_cert_not_after{filepath=\"/host/var/lib/kubelet/pki/"
                     "kubelet-client-2025-12-02-16-00-00.pem\"}") < 0);
  CHECK(sample_value(body, "promtls_source_errors_total") <= 0);
  const std::string status = slurp("/proc/" + std::to_string(container.pid()) + "/status");
  CHECK(std::regex_search(status, std::regex("\nCapEff:\\t0+\n")));
}

TEST_CASE("as user 65532 the node DaemonSet's serve cannot read the kubelet's 0600 file") {
  PROMTLS_REQUIRE_CONTAINER_TOOLS();
  ContainerPki c;
  NodeTrees node(c.pki);
  Container container(c, "node-nonroot", node_args(), kNonroot, node.mounts());
  const int port = container.start_serving();
  INFO(container.log());
  const std::string body = scrape_loaded(port, c);
  INFO(body);
  CHECK(sample_value(body, "x509_cert_not_after{filepath=\"/host/etc/kubernetes/pki/ca.crt\"}") >
        0);
  CHECK(sample_value(body,
                     "x509_cert_not_after{filepath=\"/host/var/lib/kubelet/pki/"
                     "kubelet-client-2026-12-02-16-00-00.pem\"}") < 0);
  CHECK(sample_value(body, "promtls_source_errors_total{reason=\"permission_denied\"}") >= 1);
}

// CPU seconds (user + system) the process `pid` has used, from /proc/PID/stat.
double cpu_seconds(int pid) {
  std::istringstream stat(slurp("/proc/" + std::to_string(pid) + "/stat"));
  std::string field;
  for (int i = 1; i <= 13; ++i) stat >> field;  // up to the field before utime (comm has no space)
  long utime = 0, stime = 0;
  stat >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long status_kib(int pid, const std::string& field) {
  std::smatch m;
  const std::string status = slurp("/proc/" + std::to_string(pid) + "/status");
  return std::regex_search(status, m, std::regex("\n" + field + ":\\s+([0-9]+) kB"))
             ? std::stol(m[1])
             : -1;
}

// Not a test: the measurement behind bench/RESULTS.md's cost per node (hidden: run it with
// PROMTLS_IMAGE=DIR build/tests/promtls_image_tests "[.node-cost]").
TEST_CASE("node cost: memory and CPU per scrape of the node DaemonSet's serve", "[.node-cost]") {
  PROMTLS_REQUIRE_CONTAINER_TOOLS();
  ContainerPki c;
  NodeTrees node(c.pki);
  // kubeadm's tree holds about a dozen certificates: add the ones NodeTrees lacks.
  for (const char* name :
       {"apiserver-kubelet-client", "apiserver-etcd-client", "front-proxy-ca", "front-proxy-client",
        "etcd/server", "etcd/peer", "etcd/healthcheck-client"}) {
    NodeTrees::write(node.pki / (std::string(name) + ".crt"), c.pki.server_pem, 0644);
    NodeTrees::write(node.pki / (std::string(name) + ".key"), slurp(c.pki.server_key), 0600);
  }
  Container container(c, "node-cost", node_args(), 0, node.mounts());
  const int port = container.start_serving();
  const int pid = container.pid();
  REQUIRE(pid > 0);
  const std::string first = scrape_loaded(port, c);
  const long rss_start = status_kib(pid, "VmRSS");
  constexpr int kScrapes = 200;
  double t0 = cpu_seconds(pid);
  for (int i = 0; i < kScrapes; ++i) scrape(port, c);  // a new connection and handshake each
  const double fresh_ms = (cpu_seconds(pid) - t0) * 1000 / kScrapes;
  TlsConnection keep(port, c.pki.client());
  t0 = cpu_seconds(pid);
  constexpr int kKept = 5000;  // cheap: enough of them to span many clock ticks
  for (int i = 0; i < kKept; ++i) REQUIRE(keep.request("/metrics").status == 200);
  const double kept_ms = (cpu_seconds(pid) - t0) * 1000 / kKept;
  const auto series = std::count(first.begin(), first.end(), '\n');
  std::size_t certificates = 0;
  for (std::size_t at = 0; (at = first.find("\nx509_cert_not_after{", at)) != std::string::npos;
       ++at)
    ++certificates;
  WARN("node-cost: certificates=" << certificates << " lines=" << series << " body_bytes="
                                  << first.size() << " rss_start_kib=" << rss_start
                                  << " rss_after_kib=" << status_kib(pid, "VmRSS")
                                  << " hwm_kib=" << status_kib(pid, "VmHWM")
                                  << " cpu_ms_per_scrape_new_connection=" << fresh_ms
                                  << " cpu_ms_per_scrape_keep_alive=" << kept_ms);
}

TEST_CASE("building the image again from the same build gives the same manifest digest") {
  PROMTLS_REQUIRE_CONTAINER_TOOLS();
  const char* rebuild = std::getenv("PROMTLS_IMAGE_REBUILD");
  if (rebuild == nullptr || std::string(rebuild) != "1")
    PROMTLS_SKIP(
        "PROMTLS_IMAGE_REBUILD is not 1 (it assembles the image again from the Debian 13 "
        "root's last scripts/test-debian13.sh --image build)");
  TempDir out;
  std::vector<std::string> env = kToolEnv;
  env.push_back("PROMTLS_IMAGE_SKIP_BUILD=1");
  const RunResult r =
      run({in_path("bash"), std::string(PROMTLS_SOURCE_DIR) + "/scripts/build-image.sh",
           (out.path() / "image").string()},
          env, 120000);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json again = read_json(out.path() / "image" / "index.json");
  const json first = read_json(fs::path(std::getenv("PROMTLS_IMAGE")) / "index.json");
  CHECK(again == first);
}

}  // namespace
}  // namespace promtls::test
