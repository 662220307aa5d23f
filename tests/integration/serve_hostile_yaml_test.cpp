// serve given malformed JSON (the yaml-cpp #1040 reproducers, issue 18) as a watched file and as
// a license: it keeps serving, counts each as a source error, and stays small.
#include <signal.h>

#include <fstream>
#include <string>

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

}  // namespace promtls::test
