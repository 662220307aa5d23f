// serve's source health on the trees people really mount: a Kubernetes Secret volume across a
// key rotation done as the kubelet does it, a watched path missing at start, TigeraStatus
// objects with --metrics-compat tigera, and a real Prometheus (Debian's /usr/bin/prometheus)
// that sees promtls_source_up go from 0 to 1.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "prometheus.hpp"
#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string get_metrics(int port) {
  return parse_response(
             raw_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
      .body;
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// A Secret volume as the kubelet's atomic writer lays it out: the files in a "..<timestamp>"
// directory, "..data" linking to it, and the visible names linking through "..data". update()
// writes a new timestamped directory, swaps "..data" to it with one rename, then removes the old
// directory, in the kubelet's order.
class SecretVolume {
 public:
  explicit SecretVolume(fs::path root) : root_(std::move(root)) { fs::create_directories(root_); }

  void update(const std::map<std::string, std::string>& files) {
    const std::string dir = "..2026_03_0" + std::to_string(++generation_) + "_10_00_00.84207" +
                            std::to_string(generation_);
    fs::create_directory(root_ / dir);
    for (const auto& [name, content] : files) write_file(root_ / dir / name, content);
    fs::create_directory_symlink(dir, root_ / "..data_tmp");
    fs::rename(root_ / "..data_tmp", root_ / "..data");
    for (const auto& [name, content] : files) {
      if (!fs::exists(fs::symlink_status(root_ / name))) {
        fs::create_symlink("..data/" + name, root_ / name);
      }
    }
    if (!current_.empty()) fs::remove_all(root_ / current_);
    current_ = dir;
  }

  std::string path() const { return root_.string(); }

 private:
  fs::path root_;
  std::string current_;
  int generation_ = 0;
};

struct ServerIdentity {
  std::string cert, key;
};

ServerIdentity issue(const Authority& ca, std::uint64_t serial) {
  Key key(KeyKind::ec_p256);
  CertSpec spec;
  spec.cn = "metrics.example";
  spec.not_before = k2020;
  spec.not_after = k2099;
  spec.serial = serial;
  return {ca.leaf(spec, key).pem(), key.private_pem()};
}

// Scrapes serve every 20 ms while `rotate` runs on another thread, until `done` holds for a
// scrape taken after the rotation finished (at most 15 s). Every scrape must report `source` up
// and no source error.
void scrape_through(int port, const std::string& source, const std::function<void()>& rotate,
                    const std::function<bool(const std::string&)>& done) {
  std::atomic<bool> rotated{false};
  std::thread rotation([&] {
    std::this_thread::sleep_for(300ms);
    rotate();
    rotated = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  std::size_t scrapes = 0;
  bool finished = false;
  std::string failed;  // the first scrape that broke the rule
  // No REQUIRE while the rotation thread runs: a throw past a joinable thread aborts.
  while (std::chrono::steady_clock::now() < deadline) {
    const bool after = rotated.load();
    const std::string body = get_metrics(port);
    ++scrapes;
    if (sample_value(body, "promtls_source_up{source=\"" + source + "\"}") != 1 ||
        body.find("promtls_source_errors_total{") != std::string::npos) {
      failed = "scrape " + std::to_string(scrapes) + ":\n" + body;
      break;
    }
    if (after && done(body)) {
      finished = true;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  rotation.join();
  INFO(failed);
  REQUIRE(failed.empty());
  CHECK(finished);
  CHECK(scrapes > 10);
}

bool has_serial(const std::string& body, const std::string& decimal) {
  return body.find("x509_cert_not_after{serial_number=\"" + decimal + "\"") != std::string::npos;
}

TEST_CASE("a Secret volume's key rotation counts no source error and keeps the source up") {
  // The usual kubernetes.io/tls Secret volume: tls.crt, tls.key and ca.crt side by side.
  ServePki pki;
  SecretVolume volume(pki.dir.path() / "tls");
  const Authority ca = Authority::make("volume-ca", KeyKind::ec_p256, k2020, k2099);
  const ServerIdentity first = issue(ca, 0x2001);
  volume.update({{"tls.crt", first.cert}, {"tls.key", first.key}, {"ca.crt", ca.cert.pem()}});
  Serve s = start_serve({"--watch", volume.path()}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const std::string before = get_metrics(s.port);
  INFO(before);
  CHECK(has_serial(before, "8193"));

  const ServerIdentity second = issue(ca, 0x2002);
  scrape_through(
      s.port, volume.path(),
      [&] {
        volume.update(
            {{"tls.crt", second.cert}, {"tls.key", second.key}, {"ca.crt", ca.cert.pem()}});
      },
      [](const std::string& body) {
        return has_serial(body, "8194") && !has_serial(body, "8193");
      });
  const std::string after = get_metrics(s.port);
  // Each certificate once, under its visible name.
  CHECK(after.find("filepath=\"" + volume.path() + "/tls.crt\"") != std::string::npos);
  CHECK(after.find("..data") == std::string::npos);
  CHECK(s.process->log().find("source_error") == std::string::npos);
}

TEST_CASE("a Secret volume projected without its key rotates with no source error") {
  // The key kept out of the watched volume (a Secret projected with items: tls.crt, ca.crt).
  ServePki pki;
  SecretVolume volume(pki.dir.path() / "certs");
  const Authority ca = Authority::make("volume-ca", KeyKind::ec_p256, k2020, k2099);
  const ServerIdentity first = issue(ca, 0x3001);
  volume.update({{"tls.crt", first.cert}, {"ca.crt", ca.cert.pem()}});
  Serve s = start_serve({"--watch", volume.path()}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  CHECK(has_serial(get_metrics(s.port), "12289"));
  const ServerIdentity second = issue(ca, 0x3002);
  scrape_through(
      s.port, volume.path(),
      [&] {
        volume.update({{"tls.crt", second.cert}, {"ca.crt", ca.cert.pem()}});
      },
      [](const std::string& body) {
        return has_serial(body, "12290") && !has_serial(body, "12289");
      });
  CHECK(s.process->log().find("source_error") == std::string::npos);
}

TEST_CASE("a watched path missing at start is down, and up once it is created") {
  ServePki pki;
  const fs::path later = pki.dir.path() / "later";
  Serve s =
      start_serve({"--watch", pki.ca_file, "--watch", later.string()}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const std::string down = get_metrics(s.port);
  INFO(down);
  CHECK(sample_value(down, "promtls_source_up{source=\"" + pki.ca_file + "\"}") == 1);
  CHECK(sample_value(down, "promtls_source_up{source=\"" + later.string() + "\"}") == 0);
  CHECK(sample_value(down, "promtls_source_errors_total{source=\"" + later.string() +
                               "\",reason=\"not_found\"}") == 1);

  fs::create_directory(later);
  write_file(later / "server.crt", pki.server_pem);
  REQUIRE(s.process->wait_for_log("sources_reloaded", 5000));
  const std::string up = get_metrics(s.port);
  INFO(up);
  CHECK(sample_value(up, "promtls_source_up{source=\"" + later.string() + "\"}") == 1);
  CHECK(up.find("filepath=\"" + (later / "server.crt").string() + "\"") != std::string::npos);
  // A counter never goes back: the failed first load stays counted.
  CHECK(sample_value(up, "promtls_source_errors_total{source=\"" + later.string() +
                             "\",reason=\"not_found\"}") == 1);
}

TEST_CASE("a corrupt certificate in a watched directory takes the directory down") {
  ServePki pki;
  const fs::path dir = pki.dir.path() / "pki";
  fs::create_directory(dir);
  write_file(dir / "good.crt", pki.server_pem);
  std::string bad = pki.server_pem;
  bad.replace(bad.find("MII") + 10, 20, std::string(20, 'A'));
  write_file(dir / "bad.crt", bad);
  Serve s = start_serve({"--watch", dir.string()}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const std::string body = get_metrics(s.port);
  INFO(body);
  CHECK(sample_value(body, "promtls_source_up{source=\"" + dir.string() + "\"}") == 0);
  CHECK(sample_value(body, "promtls_source_errors_total{source=\"" + (dir / "bad.crt").string() +
                               "\",reason=\"bad_pem\"}") == 1);
  // The readable certificate is still exposed.
  CHECK(body.find("filepath=\"" + (dir / "good.crt").string() + "\"") != std::string::npos);
}

constexpr const char* kStatuses = R"(apiVersion: v1
kind: List
items:
- apiVersion: operator.tigera.io/v1
  kind: TigeraStatus
  metadata: {name: calico}
  status:
    conditions:
    - {type: Available, status: "True", reason: AllObjectsAvailable}
    - {type: Progressing, status: "False"}
    - {type: Degraded, status: "__DEGRADED__"}
- apiVersion: operator.tigera.io/v1
  kind: TigeraStatus
  metadata: {name: monitor}
  status: {}
)";

std::string statuses(const std::string& degraded) {
  std::string text = kStatuses;
  text.replace(text.find("__DEGRADED__"), 12, degraded);
  return text;
}

TEST_CASE(
    "metrics compat tigera emits the component status gauge from watched TigeraStatus files") {
  ServePki pki;
  const fs::path dir = pki.dir.path() / "status";
  fs::create_directory(dir);
  write_file(dir / "tigerastatus.yaml", statuses("False"));
  Serve s = start_serve({"--metrics-compat", "tigera", "--watch", dir.string()},
                        pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const std::string body = get_metrics(s.port);
  INFO(body);
  CHECK(body.find(
            "# TYPE tigera_operator_component_status gauge\n"
            "tigera_operator_component_status{component=\"calico\",condition=\"available\"} 1\n"
            "tigera_operator_component_status{component=\"calico\",condition=\"degraded\"} 0\n"
            "tigera_operator_component_status{component=\"calico\",condition=\"progressing\"} 0\n"
            "tigera_operator_component_status{component=\"monitor\",condition=\"available\"} 0\n"
            "tigera_operator_component_status{component=\"monitor\",condition=\"degraded\"} 0\n"
            "tigera_operator_component_status{component=\"monitor\",condition=\"progressing\"} "
            "0\n") != std::string::npos);
  CHECK(sample_value(body, "promtls_source_up{source=\"" + dir.string() + "\"}") == 1);
  CHECK(body.find("promtls_source_errors_total{") == std::string::npos);

  write_file(dir / "tigerastatus.yaml.tmp", statuses("True"));
  fs::rename(dir / "tigerastatus.yaml.tmp", dir / "tigerastatus.yaml");
  REQUIRE(s.process->wait_for_log("sources_reloaded", 5000));
  CHECK(sample_value(get_metrics(s.port),
                     "tigera_operator_component_status{component=\"calico\","
                     "condition=\"degraded\"}") == 1);
}

TEST_CASE("without metrics compat tigera a TigeraStatus file is a source but no gauge") {
  ServePki pki;
  const std::string file = pki.dir.write("tigerastatus.yaml", statuses("False"), 0644);
  Serve s = start_serve({"--watch", file}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const std::string body = get_metrics(s.port);
  INFO(body);
  CHECK(body.find("tigera_operator_component_status") == std::string::npos);
  CHECK(sample_value(body, "promtls_source_up{source=\"" + file + "\"}") == 1);
}

// promtls_source_up by source as Prometheus last scraped it.
std::map<std::string, double> source_up(const RealPrometheus& prom) {
  std::map<std::string, double> out;
  const auto j = prom.query("promtls_source_up");
  if (j.is_null() || j.is_discarded()) return out;
  for (const auto& r : j["data"]["result"]) {
    out[r["metric"]["source"].get<std::string>()] = std::stod(r["value"][1].get<std::string>());
  }
  return out;
}

TEST_CASE("a real Prometheus sees promtls_source_up 0 for a missing path and 1 once it exists") {
  ServePki pki;
  const std::string later = (pki.dir.path() / "later.crt").string();
  Serve s = start_serve({"--watch", pki.ca_file, "--watch", later}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));

  RealPrometheus prom(pki.dir.path(),
                      "  - job_name: promtls\n    static_configs:\n"
                      "      - targets: ['127.0.0.1:" +
                          std::to_string(s.port) + "']\n");

  const auto wait_for = [&](const std::function<bool(const std::map<std::string, double>&)>& ok) {
    std::map<std::string, double> seen;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      seen = source_up(prom);
      if (ok(seen)) break;
      std::this_thread::sleep_for(250ms);
    }
    return seen;
  };
  auto seen = wait_for([](const auto& m) { return m.size() == 2; });
  INFO(prom.log());
  REQUIRE(seen.size() == 2);
  CHECK(seen[pki.ca_file] == 1);
  CHECK(seen[later] == 0);

  write_file(later, pki.server_pem);
  seen = wait_for([&](const auto& m) { return m.count(later) != 0 && m.at(later) == 1; });
  CHECK(seen[later] == 1);
  CHECK(seen[pki.ca_file] == 1);
  CHECK(prom.stop());
}

}  // namespace
}  // namespace promtls::test
