// Hostile-client load for bench/serve_hostile.sh: while an attack runs against PORT, N legitimate
// mTLS scrapes (a new connection and full handshake each) are made one after another and timed.
// Attacks: "idle" opens IDLE connections that never send a byte and keeps FLOOD more open,
// reopening each one the server closes; "handshake" runs FLOOD threads of handshakes without a
// client certificate. With PROBE_PORT (not 0) every fourth scrape is followed by a plain
// GET /readyz there. Prints "ok=N of=M p50_ms=A p99_ms=B probes_ok=P of=Q".
// Built by serve_hostile.sh with: g++ -O2 hostile_load.cpp -lssl -lcrypto -lpthread.
// Usage: hostile_load PORT PROBE_PORT idle|handshake N IDLE FLOOD CA CERT KEY
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// One mTLS (or, without a certificate, refused) GET /metrics on a new connection; true on 200.
bool scrape(SSL_CTX* ctx, int port) {
  const int fd = connect_to(port, 5);
  if (fd < 0) return false;
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, "localhost");
  bool ok = false;
  if (SSL_connect(ssl) == 1) {
    const char req[] = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if (SSL_write(ssl, req, sizeof req - 1) > 0) {
      char buf[16384];
      std::string in;
      int n;
      while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) in.append(buf, static_cast<size_t>(n));
      ok = in.rfind("HTTP/1.1 200", 0) == 0;
    }
  }
  SSL_free(ssl);
  ERR_clear_error();
  close(fd);
  return ok;
}

bool probe(int port) {
  const int fd = connect_to(port, 5);
  if (fd < 0) return false;
  const char req[] = "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string in;
  if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) > 0) {
    char buf[1024];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) in.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return in.rfind("HTTP/1.1 200", 0) == 0;
}

SSL_CTX* client_ctx(const char* ca, const char* cert, const char* key) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, ca, nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (cert != nullptr) {
    SSL_CTX_use_certificate_chain_file(ctx, cert);
    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM);
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 10) {
    std::fprintf(stderr, "usage: %s PORT PROBE_PORT idle|handshake N IDLE FLOOD CA CERT KEY\n",
                 argv[0]);
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
  const int port = std::atoi(argv[1]);
  const int probe_port = std::atoi(argv[2]);
  const std::string mode = argv[3];
  const int n = std::atoi(argv[4]);
  const int idle_n = std::atoi(argv[5]);
  const int flood_n = std::atoi(argv[6]);
  SSL_CTX* good = client_ctx(argv[7], argv[8], argv[9]);
  SSL_CTX* anonymous = client_ctx(argv[7], nullptr, nullptr);

  std::atomic<bool> stop{false};
  std::vector<int> idle;
  std::vector<std::thread> attackers;
  if (mode == "idle") {
    for (int i = 0; i < idle_n; ++i) idle.push_back(connect_to(port, 5));
    attackers.emplace_back([&] {
      std::vector<pollfd> fds(static_cast<size_t>(flood_n));
      for (pollfd& p : fds) p = {connect_to(port, 5), POLLIN, 0};
      while (!stop) {
        if (poll(fds.data(), fds.size(), 20) <= 0) continue;
        for (pollfd& p : fds) {
          if (p.revents != 0) {
            close(p.fd);
            p.fd = connect_to(port, 5);
          }
          p.revents = 0;
        }
      }
      for (const pollfd& p : fds) close(p.fd);
    });
  } else {
    for (int i = 0; i < flood_n; ++i) {
      attackers.emplace_back([&] {
        while (!stop) scrape(anonymous, port);
      });
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<double> ms;
  int ok = 0, probes = 0, probed = 0;
  for (int i = 0; i < n; ++i) {
    const auto t = Clock::now();
    if (scrape(good, port)) ++ok;
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (probe_port != 0 && i % 4 == 0) {
      ++probes;
      if (probe(probe_port)) ++probed;
    }
  }
  stop = true;
  for (std::thread& t : attackers) t.join();
  for (const int fd : idle) close(fd);
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double p) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  };
  std::printf("ok=%d of=%d p50_ms=%.2f p99_ms=%.2f probes_ok=%d of=%d\n", ok, n, at(0.5), at(0.99),
              probed, probes);
  return 0;
}
