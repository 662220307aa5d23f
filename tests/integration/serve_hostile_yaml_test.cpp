// serve given hostile files (issue 18): malformed JSON (the yaml-cpp #1040 reproducers) as a
// watched file and as a license, and every reproducer dropped into a watched directory while it
// is scraped (a PKCS#12 asking for 2^31-1 MAC iterations, a FIFO, links to /proc/self/pagemap
// and /dev/zero): it keeps serving, counts each as a source error, stays small and exits 0
// within the drain timeout on SIGTERM.
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

std::string get(int port, const std::string& path) {
  return raw_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

// The child's resident memory in KiB (/proc/PID/status VmRSS), 0 when it is gone.
long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace

TEST_CASE("serve counts malformed JSON watched or given as a license as source errors") {
  ServePki pki;
  const std::vector<std::string> reproducers{"{\"kind\": \"Secret\"},x\n",
                                             "{\"kind\": \"Secret\"},\n",
                                             "{\"kind\": \"Secret\"}\n{\"kind\": \"Secret\"}\n"};
  std::vector<std::string> args;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < reproducers.size(); ++i) {
    const std::string watched =
        pki.dir.write("watched-" + std::to_string(i) + ".json", reproducers[i], 0644);
    const std::string license =
        pki.dir.write("license-" + std::to_string(i) + ".json", reproducers[i], 0644);
    args.insert(args.end(), {"--watch", watched, "--license", license});
    files.push_back(watched);
    files.push_back(license);
  }
  Serve s = start_serve(args, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 10000));
  const HttpResponse m = parse_response(get(s.port, "/metrics"));
  INFO(m.body << s.process->log());
  REQUIRE(m.status == 200);
  for (const std::string& file : files) {
    CHECK(m.body.find("promtls_source_errors_total{source=\"" + file + "\"") != std::string::npos);
  }
  // AddressSanitizer's shadow memory and quarantine add tens of MiB; the runaway parse this
  // guards against grows to gigabytes either way.
#if defined(__SANITIZE_ADDRESS__)
  constexpr long kRssLimitKib = 512 * 1024;
#else
  constexpr long kRssLimitKib = 128 * 1024;
#endif
  CHECK(rss_kib(s.process->pid()) < kRssLimitKib);
  CHECK(parse_response(get(s.port, "/readyz")).status == 200);
  CHECK_FALSE(s.process->wait(0));  // still running
  s.process->signal(SIGTERM);
  CHECK(s.process->wait(10000) == 0);
}

TEST_CASE("serve keeps serving while hostile files land in its watched directory") {
  using namespace std::chrono_literals;
  namespace fs = std::filesystem;
  ServePki pki;
  const fs::path watched = pki.dir.path() / "watched";
  fs::create_directory(watched);
  fs::copy_file(pki.ca_file, watched / "ca.crt");
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--watch", watched.string(), "--drain-timeout", "2"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 10000));

  std::atomic<bool> stop{false};
  std::atomic<int> scrapes{0}, failed{0};
  std::thread scraper([&] {
    while (!stop) {
      if (https_get(s.port, "/metrics", pki.client()).status != 200) ++failed;
      ++scrapes;
      std::this_thread::sleep_for(20ms);
    }
  });

  Key key(KeyKind::ec_p256);
  CertSpec spec;
  spec.cn = "p12";
  spec.not_before = k2020;
  spec.not_after = k2099;
  const std::string p12 = pkcs12(pki.ca.leaf(spec, key), key, {}, "");
  std::vector<std::string> hostile{
      pki.dir.write("watched/iterations.p12", pkcs12_with_mac_iterations(p12, 2147483647), 0644),
      pki.dir.write("watched/trailing.json", "{\"kind\": \"Secret\"},x\n", 0644)};
  const fs::path fifo = watched / "pipe.pem";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  hostile.push_back(fifo.string());
  fs::create_symlink("/proc/self/pagemap", watched / "pagemap.pem");
  hostile.push_back((watched / "pagemap.pem").string());
  fs::create_symlink("/dev/zero", watched / "zero.pem");
  hostile.push_back((watched / "zero.pem").string());

  // Every file counted: the watcher notices the change within its interval (1 s).
  HttpResponse m;
  std::size_t counted = 0;
  const auto start = std::chrono::steady_clock::now();
  while (counted < hostile.size() && std::chrono::steady_clock::now() - start < 15s) {
    std::this_thread::sleep_for(200ms);
    m = https_get(s.port, "/metrics", pki.client());
    counted = 0;
    for (const std::string& file : hostile) {
      if (sample_value(m.body, "promtls_source_errors_total{source=\"" + file + "\"}") >= 1) {
        ++counted;
      }
    }
  }
  stop = true;
  scraper.join();
  INFO(m.body << s.process->log());
  CHECK(counted == hostile.size());
  CHECK(m.body.find("subject_CN=\"promtls-test-ca\"") != std::string::npos);
  CHECK(scrapes > 0);
  CHECK(failed == 0);
  CHECK(https_get(s.port, "/readyz", pki.client()).status == 200);
  CHECK_FALSE(s.process->wait(0));

  const auto term = std::chrono::steady_clock::now();
  s.process->signal(SIGTERM);
  CHECK(s.process->wait(5000) == 0);
  CHECK(std::chrono::steady_clock::now() - term < 3s);  // the drain timeout, 2 s, and a margin
}

}  // namespace promtls::test

namespace promtls::test {

TEST_CASE(
    "SIGTERM during a long source read exits 0 at the drain timeout and says it abandoned it") {
  // A PKCS#12 just under the iteration cap takes seconds of key derivation per password. SIGTERM
  // while the watcher is inside it must not wait for it: serve leaves the read behind after the
  // drain timeout (here 0: the watcher's minimum moment), logs sources_abandoned and exits 0
  // without running exit-time cleanup under the read.
  using namespace std::chrono_literals;
  namespace fs = std::filesystem;
  ServePki pki;
  const fs::path watched = pki.dir.path() / "watched";
  fs::create_directory(watched);
  Key key(KeyKind::ec_p256);
  CertSpec spec;
  spec.cn = "slow";
  spec.not_before = k2020;
  spec.not_after = k2099;
  pki.dir.write("watched/slow.p12",
                pkcs12_with_key_bag_iterations(pki.ca.leaf(spec, key), 4'900'000), 0644);
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--watch", watched.string(), "--drain-timeout", "0"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  // serve listens before its sources are loaded; the first load is inside slow.p12 now.
  REQUIRE(s.process->wait_for_log("event=listening", 10000));
  std::this_thread::sleep_for(100ms);
  const auto term = std::chrono::steady_clock::now();
  s.process->signal(SIGTERM);
  const std::optional<int> code = s.process->wait(5000);
  const auto took = std::chrono::steady_clock::now() - term;
  const std::string log = s.process->log();
  INFO(log);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(log.find("event=sources_abandoned") != std::string::npos);
  CHECK(log.find("event=sources_loaded") == std::string::npos);
  CHECK(took < 1500ms);  // 200 ms for the watcher, then _Exit: never the read's seconds
}

}  // namespace promtls::test
