// serve under hostile clients (issue 18): connections that never send a byte, a flood that
// reopens every connection the server closes, request headers dribbled a byte at a time and a
// flood of handshakes without a client certificate. Scrapes and probes must keep working. The
// latency bounds here are generous for a loaded 2-core machine; bench/serve_hostile.sh measures
// the precise figures (bench/RESULTS.md).
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The tests hold thousands of sockets; serve, started afterwards, inherits the limit. A refused
// client writes to a socket the server has closed: that must fail the write, not the test.
void raise_fd_limit(rlim_t wanted) {
  ::signal(SIGPIPE, SIG_IGN);
  rlimit r{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &r) == 0);
  if (r.rlim_cur >= wanted) return;
  r.rlim_cur = std::min(wanted, r.rlim_max);
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &r) == 0);
  REQUIRE(r.rlim_cur == wanted);
}

// Keeps `count` connections to `port` open that never send a byte: each one the server closes
// is opened again at once. Stops and closes them on destruction.
class ReopeningFlood {
 public:
  ReopeningFlood(int port, int count) : thread_([this, port, count] { run(port, count); }) {}
  ~ReopeningFlood() {
    stop_ = true;
    thread_.join();
  }
  ReopeningFlood(const ReopeningFlood&) = delete;
  ReopeningFlood& operator=(const ReopeningFlood&) = delete;
  std::uint64_t reopened() const { return reopened_; }

 private:
  void run(int port, int count) {
    std::vector<pollfd> fds(static_cast<std::size_t>(count));
    for (pollfd& p : fds) p = {tcp_connect(port), POLLIN, 0};
    while (!stop_) {
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      for (pollfd& p : fds) {
        if (p.revents != 0) {
          ::close(p.fd);
          p.fd = tcp_connect(port);
          ++reopened_;
        }
        p.revents = 0;
      }
    }
    for (const pollfd& p : fds) {
      if (p.fd >= 0) ::close(p.fd);
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> reopened_{0};
  std::thread thread_;
};

std::string request_text(const std::string& path, bool keep_alive) {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" +
         (keep_alive ? std::string() : std::string("Connection: close\r\n")) + "\r\n";
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Sends a request header on `fd` one line every 100 ms without ever ending it, until the server
// closes the connection; returns the seconds that took, or 10 when it did not close in 10 s.
double dribble_until_closed(int fd) {
  const auto start = Clock::now();
  const std::string first = "GET /healthz HTTP/1.1\r\n";
  (void)::send(fd, first.data(), first.size(), MSG_NOSIGNAL);
  while (seconds_since(start) < 10) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char c = 0;
      if (::recv(fd, &c, 1, 0) <= 0) return seconds_since(start);
    }
    const char line[] = "X-Slow: a\r\n";
    if (::send(fd, line, sizeof line - 1, MSG_NOSIGNAL) < 0) return seconds_since(start);
  }
  return 10;
}

// Reads one response to GET /healthz (body "ok\n") from `fd`; false when it did not arrive.
bool read_healthz(int fd) {
  std::string in;
  char buf[512];
  const auto start = Clock::now();
  while (seconds_since(start) < 5) {
    if (in.find("\r\n\r\nok\n") != std::string::npos) return true;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    in.append(buf, static_cast<std::size_t>(n));
  }
  return false;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

TEST_CASE("idle connections and a reopening flood keep neither scrapes nor probes out") {
  raise_fd_limit(4096);
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--probe-listen", "127.0.0.1:0"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  std::vector<int> idle;
  for (int i = 0; i < 2000; ++i) idle.push_back(tcp_connect(s.port));
  for (int i = 0; i < 100; ++i) idle.push_back(tcp_connect(s.probe_port));
  CHECK(std::count(idle.begin(), idle.end(), -1) == 0);
  ReopeningFlood flood(s.port, 600);
  std::this_thread::sleep_for(300ms);

  int scrapes = 0, scraped = 0, probes = 0, probed = 0;
  std::string last_error;
  const auto start = Clock::now();
  while (scrapes < 200 && seconds_since(start) < 30) {
    std::string error;
    const HttpResponse r = https_get(s.port, "/metrics", pki.client(), &error);
    ++scrapes;
    if (r.status == 200) {
      ++scraped;
    } else {
      last_error = error;
    }
    if (scrapes % 4 == 0) {
      ++probes;
      if (parse_response(raw_exchange(s.probe_port, request_text("/readyz", false))).status ==
          200) {
        ++probed;
      }
    }
  }
  INFO("scrapes " << scraped << "/" << scrapes << " (last error: " << last_error << "), probes "
                  << probed << "/" << probes << ", flood reopened " << flood.reopened());
  CHECK(scrapes == 200);
  CHECK(scraped >= scrapes * 99 / 100);
  CHECK(probed == probes);
  CHECK(flood.reopened() > 0);
  const HttpResponse m = https_get(s.port, "/metrics", pki.client());
  REQUIRE(m.status == 200);
  CHECK(sample_value(m.body, "promtls_connections_evicted_total") >= 1500);
  CHECK(sample_value(m.body, "promtls_open_connections") <= 512 + 64);
  for (const int fd : idle) {
    if (fd >= 0) ::close(fd);
  }
}

TEST_CASE("a request header dribbled on a new or a kept-alive connection is cut at the deadline") {
  ServePki pki;
  Serve s = start_serve({"--header-timeout", "1", "--idle-timeout", "30"}, pki.log_path("s.log"));

  SECTION("the first request") {
    const int fd = tcp_connect(s.port);
    REQUIRE(fd >= 0);
    const double t = dribble_until_closed(fd);
    CHECK(t > 0.8);
    CHECK(t < 3);
    ::close(fd);
  }
  SECTION("a later request on a kept-alive connection") {
    const int fd = tcp_connect(s.port);
    REQUIRE(fd >= 0);
    const std::string req = request_text("/healthz", true);
    REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
    REQUIRE(read_healthz(fd));
    // Idle for longer than the header deadline: the idle deadline holds until a byte arrives.
    std::this_thread::sleep_for(1500ms);
    const double t = dribble_until_closed(fd);
    CHECK(t > 0.8);
    CHECK(t < 3);
    ::close(fd);
  }
}

TEST_CASE("a flood of handshakes without a client certificate leaves scrapes fast") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::vector<std::thread> flooders;
  for (int i = 0; i < 3; ++i) {
    flooders.emplace_back([&] {
      while (!stop) {
        TlsConnection c(s.port, pki.client("none"));
        if (c.request("/metrics").status == 0) ++refused;
      }
    });
  }
  std::this_thread::sleep_for(200ms);
  std::vector<double> fresh_ms, kept_ms;
  TlsConnection kept(s.port, pki.client());
  for (int i = 0; i < 100; ++i) {
    auto t = Clock::now();
    const bool ok = https_get(s.port, "/metrics", pki.client()).status == 200;
    fresh_ms.push_back(seconds_since(t) * 1000);
    t = Clock::now();
    const bool kept_ok = kept.request("/metrics").status == 200;
    kept_ms.push_back(seconds_since(t) * 1000);
    CHECK(ok);
    CHECK(kept_ok);
  }
  stop = true;
  for (std::thread& t : flooders) t.join();
  const double fresh_p99 = percentile(fresh_ms, 0.99);
  const double kept_p99 = percentile(kept_ms, 0.99);
  INFO("p99 new connection " << fresh_p99 << " ms, kept alive " << kept_p99 << " ms, refused "
                             << refused);
  CHECK(refused > 100);
  // The bench measures p99 under 50 ms; a loaded CI machine gets five times that.
  CHECK(fresh_p99 < 250);
  CHECK(kept_p99 < 250);
}

}  // namespace promtls::test
