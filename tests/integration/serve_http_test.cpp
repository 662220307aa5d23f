// promtls serve's HTTP behaviour, limits, lifecycle, credential reload and watched sources.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "run.hpp"
#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string get(int port, const std::string& path, const std::string& method = "GET",
                const std::string& extra = "") {
  return raw_exchange(
      port, method + " " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "Connection: close\r\n\r\n");
}

TEST_CASE("plain serve answers metrics, health and readiness and refuses other paths and methods") {
  ServePki pki;
  Serve s = start_serve({"--watch", pki.ca_file}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  HttpResponse m = parse_response(get(s.port, "/metrics"));
  CHECK(m.status == 200);
  CHECK(m.headers.find("Content-Type: text/plain; version=0.0.4; charset=utf-8") !=
        std::string::npos);
  CHECK(m.body.find("x509_cert_not_after{serial_number=") != std::string::npos);
  CHECK(m.body.find("subject_CN=\"promtls-test-ca\"") != std::string::npos);
  CHECK(m.body.find("promtls_build_info{version=") != std::string::npos);
  CHECK(m.body.find("process_resident_memory_bytes ") != std::string::npos);
  CHECK(m.body.find("promtls_serving_certificate_not_after") == std::string::npos);

  HttpResponse head = parse_response(get(s.port, "/metrics", "HEAD"));
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  HttpResponse post = parse_response(get(s.port, "/metrics", "POST", "Content-Length: 0\r\n"));
  CHECK(post.status == 405);
  CHECK(post.headers.find("Allow: GET, HEAD") != std::string::npos);
  CHECK(parse_response(get(s.port, "/nope")).status == 404);
  CHECK(parse_response(get(s.port, "/healthz")).status == 200);
  CHECK(parse_response(get(s.port, "/readyz")).status == 200);
  CHECK(parse_response(get(s.port, "/metrics?x=1")).status == 200);
}

TEST_CASE("the probe listener serves only health and readiness over plain HTTP") {
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--probe-listen", "127.0.0.1:0"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  REQUIRE(s.probe_port != 0);
  CHECK(parse_response(get(s.probe_port, "/healthz")).status == 200);
  CHECK(parse_response(get(s.probe_port, "/readyz")).status == 200);
  CHECK(parse_response(get(s.probe_port, "/metrics")).status == 404);
  // The main port still demands TLS with a client certificate.
  CHECK(parse_response(get(s.port, "/healthz")).status == 0);
}

TEST_CASE("serve's status lines carry Go's reason phrases") {
  ServePki pki;
  Serve s = start_serve({"--max-header-bytes", "2048"}, pki.log_path("serve.log"));
  const auto status_line = [](const std::string& response) {
    return response.substr(0, response.find("\r\n"));
  };
  CHECK(status_line(get(s.port, "/healthz")) == "HTTP/1.1 200 OK");
  CHECK(status_line(get(s.port, "/nope")) == "HTTP/1.1 404 Not Found");
  CHECK(status_line(get(s.port, "/metrics", "POST")) == "HTTP/1.1 405 Method Not Allowed");
  const std::string big = "X-Big: " + std::string(4096, 'a') + "\r\n";
  CHECK(status_line(get(s.port, "/metrics", "GET", big)) ==
        "HTTP/1.1 431 Request Header Fields Too Large");
}

TEST_CASE("an oversized request header is refused with 431") {
  ServePki pki;
  Serve s = start_serve({"--max-header-bytes", "2048"}, pki.log_path("serve.log"));
  const std::string big = "X-Big: " + std::string(4096, 'a') + "\r\n";
  CHECK(parse_response(get(s.port, "/metrics", "GET", big)).status == 431);
  CHECK(parse_response(get(s.port, "/metrics")).status == 200);
}

TEST_CASE("the connection cap closes new connections at once and recovers") {
  ServePki pki;
  Serve s = start_serve({"--max-connections", "4"}, pki.log_path("serve.log"));
  // Connections that have made a request are never evicted.
  std::vector<int> busy;
  for (int i = 0; i < 4; ++i) {
    busy.push_back(tcp_connect(s.port));
    const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(::send(busy.back(), req.data(), req.size(), MSG_NOSIGNAL) > 0);
    char buf[256];
    REQUIRE(::recv(busy.back(), buf, sizeof buf, 0) > 0);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::string refused = get(s.port, "/metrics");
  CHECK(refused.empty());
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  for (int fd : busy) close(fd);
  std::this_thread::sleep_for(200ms);
  const HttpResponse m = parse_response(get(s.port, "/metrics"));
  REQUIRE(m.status == 200);
  CHECK(sample_value(m.body, "promtls_connections_rejected_total") >= 1);
  CHECK(sample_value(m.body, "promtls_connections_evicted_total") == 0);
}

TEST_CASE(
    "at the connection cap a new connection evicts the longest-silent one without a request") {
  ServePki pki;
  Serve s = start_serve({"--max-connections", "4"}, pki.log_path("serve.log"));
  std::vector<int> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(tcp_connect(s.port));
    std::this_thread::sleep_for(50ms);
  }
  // The oldest speaks (half a request line), so the second oldest is the longest silent.
  (void)::send(idle[0], "GET", 3, MSG_NOSIGNAL);
  std::this_thread::sleep_for(100ms);
  const HttpResponse m = parse_response(get(s.port, "/metrics"));
  REQUIRE(m.status == 200);
  CHECK(sample_value(m.body, "promtls_connections_evicted_total") == 1);
  CHECK(sample_value(m.body, "promtls_connections_rejected_total") == 0);
  char c = 0;
  CHECK(::recv(idle[1], &c, 1, 0) == 0);  // closed by the server
  // The one that spoke is still open: the rest of its request is answered.
  const std::string rest = " /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(idle[0], rest.data(), rest.size(), MSG_NOSIGNAL) > 0);
  char buf[256];
  CHECK(::recv(idle[0], buf, sizeof buf, 0) > 0);
  for (int fd : idle) close(fd);
}

TEST_CASE("serve --max-probe-connections is the probe listener's budget, spent as the main one's") {
  ServePki pki;
  Serve s = start_serve(
      {"--probe-listen", "127.0.0.1:0", "--max-probe-connections", "2", "--max-connections", "8"},
      pki.log_path("serve.log"));
  REQUIRE(s.probe_port != 0);
  std::vector<int> idle;
  for (int i = 0; i < 2; ++i) {
    idle.push_back(tcp_connect(s.probe_port));
    std::this_thread::sleep_for(50ms);
  }
  // A third connection evicts the longest-silent one, and its probe is answered.
  CHECK(parse_response(get(s.probe_port, "/readyz")).status == 200);
  char c = 0;
  CHECK(::recv(idle[0], &c, 1, 0) == 0);  // closed by the server
  // Two that have made a request (keep-alive) fill the budget: a third is closed at once.
  std::vector<int> busy;
  for (int i = 0; i < 2; ++i) {
    busy.push_back(tcp_connect(s.probe_port));
    const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(::send(busy.back(), req.data(), req.size(), MSG_NOSIGNAL) > 0);
    char buf[256];
    REQUIRE(::recv(busy.back(), buf, sizeof buf, 0) > 0);
  }
  CHECK(get(s.probe_port, "/readyz").empty());
  // The main listener's budget is its own: three connections there are served.
  std::vector<int> main_idle;
  for (int i = 0; i < 3; ++i) main_idle.push_back(tcp_connect(s.port));
  const HttpResponse m = parse_response(get(s.port, "/metrics"));
  REQUIRE(m.status == 200);
  CHECK(sample_value(m.body, "promtls_connections_evicted_total") == 2);
  CHECK(sample_value(m.body, "promtls_connections_rejected_total") == 1);
  for (int fd : idle) close(fd);
  for (int fd : busy) close(fd);
  for (int fd : main_idle) close(fd);
}

TEST_CASE("serve --max-probe-connections outside 1..1048576 is a usage error naming the option") {
  for (const char* n : {"0", "1048577", "x"}) {
    INFO(n);
    const RunResult r = run({promtls_binary(), "serve", "--no-env", "--listen", "127.0.0.1:0",
                             "--probe-listen", "127.0.0.1:0", "--max-probe-connections", n},
                            {}, 10000);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(std::string("--max-probe-connections: ") + n +
                     " is not a whole number from 1 to 1048576") != std::string::npos);
  }
}

TEST_CASE("idle connections and stalled handshakes do not stop a legitimate scrape") {
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--handshake-timeout", "1", "--max-connections", "200"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  std::vector<int> stalled;
  for (int i = 0; i < 100; ++i) stalled.push_back(tcp_connect(s.port));
  // Half of them start a handshake and never finish it.
  for (std::size_t i = 0; i < stalled.size(); i += 2) {
    const char partial[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    (void)::send(stalled[i], partial, sizeof partial - 1, MSG_NOSIGNAL);
  }
  const auto t0 = std::chrono::steady_clock::now();
  HttpResponse r = https_get(s.port, "/metrics", pki.client());
  CHECK(r.status == 200);
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  std::this_thread::sleep_for(1500ms);
  r = https_get(s.port, "/metrics", pki.client());
  REQUIRE(r.status == 200);
  CHECK(sample_value(r.body,
                     "promtls_tls_handshakes_total{result=\"failure\",reason=\"timeout\"}") >= 90);
  CHECK(sample_value(r.body, "promtls_open_connections") <= 2);
  for (int fd : stalled) close(fd);
}

TEST_CASE("SIGTERM stops accepting, finishes and exits 0") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  TlsConnection keep(s.port, pki.client());
  REQUIRE(keep.request("/metrics").status == 200);
  s.process->signal(SIGTERM);
  CHECK(s.process->wait(5000) == std::optional<int>(0));
  const std::string log = s.process->log();
  CHECK(log.find("event=draining signal=SIGTERM") != std::string::npos);
  CHECK(log.find("event=stopped") != std::string::npos);
  CHECK(tcp_connect(s.port) < 0);
}

TEST_CASE("json logs are one object per line") {
  ServePki pki;
  Serve s = start_serve({"--log-format", "json"}, pki.log_path("serve.log"));
  s.process->signal(SIGINT);
  CHECK(s.process->wait(5000) == std::optional<int>(0));
  std::istringstream lines(s.process->log());
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const auto j = nlohmann::json::parse(line);
    CHECK(j.contains("time"));
    CHECK(j.contains("event"));
  }
  CHECK(n >= 3);
}

// A Kubernetes Secret volume: <dir>/tls.crt -> ..data/tls.crt, ..data -> ..<version>/.
struct SecretVolume {
  fs::path root;
  int version = 0;
  explicit SecretVolume(fs::path r) : root(std::move(r)) { fs::create_directories(root); }
  void publish(const std::string& crt, const std::string& key) {
    const std::string name = "..v" + std::to_string(++version);
    fs::create_directories(root / name);
    fs::copy_file(crt, root / name / "tls.crt");
    fs::copy_file(key, root / name / "tls.key");
    fs::permissions(root / name / "tls.key", fs::perms::owner_read | fs::perms::owner_write);
    fs::create_directory_symlink(name, root / "..data_tmp");
    fs::rename(root / "..data_tmp", root / "..data");  // atomic, as kubelet does
    if (!fs::exists(fs::symlink_status(root / "tls.crt"))) {
      fs::create_symlink("..data/tls.crt", root / "tls.crt");
      fs::create_symlink("..data/tls.key", root / "tls.key");
    }
  }
};

TEST_CASE("an atomic symlink swap rotates the certificate without a failed scrape") {
  ServePki pki;
  pki.issue_server("rotated", 0x2002);
  SecretVolume vol(pki.dir.path() / "secret");
  vol.publish(pki.server_cert, pki.server_key);
  const std::vector<std::string> args{
      "--set", "METRICS_PROMETHEUS_TLS_CERT=" + (vol.root / "tls.crt").string(),
      "--set", "METRICS_PROMETHEUS_TLS_KEY=" + (vol.root / "tls.key").string(),
      "--set", "METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require",
      "--set", "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE=" + pki.ca_file};
  Serve s = start_serve(args, pki.log_path("serve.log"));
  // A keep-alive connection opened before the swap must survive it.
  TlsConnection old_conn(s.port, pki.client());
  REQUIRE(old_conn.request("/metrics").status == 200);
  CHECK(old_conn.peer_serial() == "1001");

  int failures = 0;
  int scrapes = 0;
  std::optional<std::chrono::steady_clock::time_point> swapped, seen;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 6s) {
    if (!swapped && std::chrono::steady_clock::now() - start > 1s) {
      vol.publish(pki.dir.path() / "rotated.crt", pki.dir.path() / "rotated.key");
      swapped = std::chrono::steady_clock::now();
    }
    TlsConnection c(s.port, pki.client());
    const HttpResponse r = c.request("/metrics");
    ++scrapes;
    if (r.status != 200) ++failures;
    if (swapped && !seen && c.peer_serial() == "2002") {
      seen = std::chrono::steady_clock::now();
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  INFO(s.process->log());
  CHECK(failures == 0);
  REQUIRE(seen.has_value());
  CHECK(*seen - *swapped <= 2s);
  CHECK(old_conn.request("/metrics").status == 200);
  const HttpResponse m = https_get(s.port, "/metrics", pki.client());
  CHECK(sample_value(m.body, "promtls_credential_reloads_total{result=\"success\"}") >= 1);
}

TEST_CASE("a broken replacement keeps the old credentials and counts a failed reload") {
  ServePki pki;
  pki.issue_server("other", 0x3003);
  SecretVolume vol(pki.dir.path() / "secret");
  vol.publish(pki.server_cert, pki.server_key);
  const std::vector<std::string> args{
      "--set", "METRICS_PROMETHEUS_TLS_CERT=" + (vol.root / "tls.crt").string(), "--set",
      "METRICS_PROMETHEUS_TLS_KEY=" + (vol.root / "tls.key").string()};
  Serve s = start_serve(args, pki.log_path("serve.log"));
  // The new certificate with the old key: a mismatch.
  vol.publish(pki.dir.path() / "other.crt", pki.server_key);
  REQUIRE(s.process->wait_for_log("event=credentials_reload_failed", 4000));
  ClientOptions o = pki.client("none");
  TlsConnection c(s.port, o);
  HttpResponse m = c.request("/metrics");
  REQUIRE(m.status == 200);
  CHECK(c.peer_serial() == "1001");
  CHECK(sample_value(m.body, "promtls_credential_reloads_total{result=\"failure\"}") == 1);
  const std::string log = s.process->log();
  CHECK(log.find("does not match") != std::string::npos);
  CHECK(log.find("PRIVATE KEY") == std::string::npos);
  // SIGHUP forces another attempt, which fails the same way.
  s.process->signal(SIGHUP);
  std::this_thread::sleep_for(500ms);
  m = https_get(s.port, "/metrics", o);
  CHECK(sample_value(m.body, "promtls_credential_reloads_total{result=\"failure\"}") == 2);
}

TEST_CASE("watched certificates are re-read when the file changes") {
  ServePki pki;
  const std::string watched = pki.dir.write("watched.crt", pki.ca.cert.pem(), 0644);
  Serve s = start_serve({"--watch", watched}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  CHECK(get(s.port, "/metrics").find("subject_CN=\"promtls-test-ca\"") != std::string::npos);
  pki.dir.write("watched.crt.tmp", pki.foreign.cert.pem(), 0644);
  fs::rename(pki.dir.path() / "watched.crt.tmp", watched);
  REQUIRE(s.process->wait_for_log("sources_reloaded", 5000));
  const std::string body = get(s.port, "/metrics");
  CHECK(body.find("subject_CN=\"foreign-ca\"") != std::string::npos);
  CHECK(body.find("subject_CN=\"promtls-test-ca\"") == std::string::npos);
}

TEST_CASE("a missing watched source is counted by reason and readiness still holds") {
  ServePki pki;
  const std::string missing = (pki.dir.path() / "absent.crt").string();
  Serve s = start_serve({"--watch", missing}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const HttpResponse m = parse_response(get(s.port, "/metrics"));
  CHECK(sample_value(m.body, "promtls_source_errors_total{source=\"" + missing +
                                 "\",reason=\"not_found\"}") == 1);
  CHECK(parse_response(get(s.port, "/readyz")).status == 200);
}

TEST_CASE("license files become license gauges and a bad one is counted as a source error") {
  ServePki pki;
  const std::string good = pki.dir.write(
      "license.json", R"({"expiry": "2099-01-01T00:00:00Z", "package": "Enterprise"})", 0644);
  const std::string bad = pki.dir.write("bad-license.json", "not a license", 0644);
  Serve s = start_serve({"--license", good, "--license", bad}, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const HttpResponse m = parse_response(get(s.port, "/metrics"));
  INFO(m.body);
  CHECK(sample_value(m.body, "promtls_license_expiry_timestamp_seconds{package=\"Enterprise\"}") ==
        static_cast<double>(k2099));
  CHECK(sample_value(m.body, "promtls_license_valid{package=\"Enterprise\"}") == 1);
  CHECK(sample_value(m.body, "promtls_source_errors_total{source=\"" + bad +
                                 "\",reason=\"bad_license\"}") == 1);
}

TEST_CASE("metrics compat tigera emits the operator's names from Secret annotations") {
  ServePki pki;
  const std::string secret = pki.dir.write("secret.yaml", R"(apiVersion: v1
kind: Secret
metadata:
  name: tigera-operator-tls
  namespace: tigera-operator
  labels:
    certificates.operator.tigera.io/signer: tigera-operator-signer
  annotations:
    certificates.operator.tigera.io/issuer: tigera-operator-signer
    certificates.operator.tigera.io/expiry: "2099-01-01T00:00:00Z"
data: {}
)",
                                           0644);
  const std::string license = pki.dir.write(
      "license.json", R"({"expiry": "2021-01-01T00:00:00Z", "package": "Enterprise"})", 0644);
  Serve s = start_serve({"--metrics-compat", "tigera", "--watch", secret, "--license", license},
                        pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const HttpResponse m = parse_response(get(s.port, "/metrics"));
  INFO(m.body);
  CHECK(m.body.find("tigera_operator_tls_certificate_expiry_timestamp_seconds{issuer=\""
                    "tigera-operator-signer\",name=\"tigera-operator-tls\",namespace=\""
                    "tigera-operator\"} 4.0709088e+09\n") != std::string::npos);
  CHECK(sample_value(m.body, "tigera_operator_license_valid{package=\"Enterprise\"}") == 0);
  CHECK(m.body.find("x509_cert_") == std::string::npos);
  CHECK(m.body.find("promtls_license_") == std::string::npos);
}

TEST_CASE("promtool check metrics accepts the exposition") {
  if (!fs::exists("/usr/bin/promtool")) FAIL("promtool is not installed");
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  const std::string license = pki.dir.write(
      "license.json", R"({"expiry": "2099-01-01T00:00:00Z", "package": "Enterprise"})", 0644);
  args.insert(args.end(), {"--watch", pki.dir.path().string(), "--license", license});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  (void)https_get(s.port, "/metrics", pki.client("foreign"));
  const HttpResponse m = https_get(s.port, "/metrics", pki.client());
  REQUIRE(m.status == 200);
  const std::string body_file = pki.dir.write("body.txt", m.body, 0644);
  const RunResult r = run({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + body_file},
                          {"PATH=/usr/bin:/bin"}, 20000);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

}  // namespace
}  // namespace promtls::test
