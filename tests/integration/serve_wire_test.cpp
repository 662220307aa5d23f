// promtls serve on the wire: the certificate chain it sends, pipelined and fragmented requests,
// HTTP/1.0 persistence, bodies, and responses larger than the client's receive window (the
// server's non-blocking TLS writes must resume where they stopped).
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

using namespace std::chrono_literals;

std::string request_text(const std::string& method, const std::string& path,
                         const std::string& version = "HTTP/1.1", const std::string& extra = "") {
  return method + " " + path + " " + version + "\r\nHost: localhost\r\n" + extra + "\r\n";
}

// Sends `request` on a new plain connection and reads until `timeout_ms` passes or the server
// closes; `closed` says which.
std::string plain_exchange(int port, const std::string& request, int timeout_ms, bool& closed) {
  const int fd = tcp_connect(port);
  REQUIRE(fd >= 0);
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  timeval tv{0, timeout_ms * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      closed = n == 0;
      close(fd);
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

TEST_CASE("serve sends the certificate file's chain as it is, as Go does") {
  ServePki pki;
  SECTION("a leaf alone is not completed from the client CA file") {
    Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
    TlsConnection c(s.port, pki.client());
    REQUIRE(c.handshake_ok());
    CHECK(c.peer_chain_length() == 1);
  }
  SECTION("a file with the leaf and its issuer sends both") {
    const std::string both = pki.dir.write("chain.crt", pki.server_pem + pki.ca.cert.pem(), 0644);
    std::vector<std::string> args = pki.tls_args("require");
    args[1] = "METRICS_PROMETHEUS_TLS_CERT=" + both;
    Serve s = start_serve(args, pki.log_path("serve.log"));
    TlsConnection c(s.port, pki.client());
    REQUIRE(c.handshake_ok());
    CHECK(c.peer_chain_length() == 2);
  }
}

TEST_CASE("pipelined requests over TLS are answered in order on one connection") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  TlsConnection c(s.port, pki.client());
  REQUIRE(c.handshake_ok());
  REQUIRE(c.send(request_text("GET", "/healthz") + request_text("GET", "/metrics") +
                 request_text("HEAD", "/readyz") + request_text("GET", "/nope")));
  const HttpResponse health = c.read_response();
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  const HttpResponse metrics = c.read_response();
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("promtls_build_info{version=") != std::string::npos);
  const HttpResponse ready = c.read_response(true);
  CHECK(ready.status == 200);
  CHECK(ready.headers.find("Content-Length: 3\r\n") != std::string::npos);
  CHECK(c.read_response().status == 404);
  // Still open for more.
  CHECK(c.request("/healthz").status == 200);
}

TEST_CASE("a request that arrives a few bytes at a time is answered") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  TlsConnection c(s.port, pki.client());
  REQUIRE(c.handshake_ok());
  const std::string req = request_text("GET", "/healthz", "HTTP/1.1", "X-Padding: abcdefgh\r\n");
  for (std::size_t i = 0; i < req.size(); i += 5) {
    REQUIRE(c.send(req.substr(i, 5)));
    std::this_thread::sleep_for(2ms);
  }
  const HttpResponse r = c.read_response();
  CHECK(r.status == 200);
  CHECK(r.body == "ok\n");
}

TEST_CASE("HTTP/1.0 closes after the response unless keep-alive is asked for") {
  ServePki pki;
  Serve s = start_serve({}, pki.log_path("serve.log"));
  SECTION("without keep-alive the server closes") {
    bool closed = false;
    const std::string text =
        plain_exchange(s.port, request_text("GET", "/healthz", "HTTP/1.0"), 3000, closed);
    CHECK(closed);
    CHECK(text.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
    CHECK(text.find("Connection: keep-alive") == std::string::npos);
  }
  SECTION("with Connection: keep-alive it stays open and says so") {
    bool closed = true;
    const std::string text = plain_exchange(
        s.port, request_text("GET", "/healthz", "HTTP/1.0", "Connection: keep-alive\r\n"), 500,
        closed);
    CHECK_FALSE(closed);
    CHECK(text.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
    CHECK(text.find("Connection: keep-alive\r\n") != std::string::npos);
  }
}

TEST_CASE("HTTP/1.1 with Connection: close gets the full response and then the close") {
  ServePki pki;
  Serve s = start_serve(pki.tls_args("require"), pki.log_path("serve.log"));
  TlsConnection c(s.port, pki.client());
  REQUIRE(c.handshake_ok());
  REQUIRE(c.send(request_text("GET", "/metrics", "HTTP/1.1", "Connection: close\r\n")));
  const HttpResponse r = c.read_response();
  CHECK(r.status == 200);
  CHECK(r.headers.find("Connection: close\r\n") != std::string::npos);
  CHECK(c.wait_closed());
}

TEST_CASE("a request with a body is refused with 400 and the connection closed") {
  ServePki pki;
  Serve s = start_serve({}, pki.log_path("serve.log"));
  const std::string text = raw_exchange(
      s.port, request_text("GET", "/metrics", "HTTP/1.1", "Content-Length: 5\r\n") + "hello");
  CHECK(parse_response(text).status == 400);
  CHECK(text.find("Connection: close\r\n") != std::string::npos);
}

TEST_CASE("a metrics body larger than the client's receive window arrives whole") {
  ServePki pki;
  // 600 certificates make a body of several hundred KiB.
  std::string bundle;
  const Key key(KeyKind::ec_p256);
  for (std::uint64_t i = 0; i < 600; ++i) {
    CertSpec spec;
    spec.cn = "bulk-" + std::to_string(i) + "." + std::string(40, 'x');
    spec.not_before = k2020;
    spec.not_after = k2099;
    spec.serial = 0x5000 + i;
    bundle += pki.ca.leaf(spec, key).pem();
  }
  const std::string file = pki.dir.write("bulk.crt", bundle, 0644);
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--watch", file});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 10000));
  ClientOptions o = pki.client();
  o.receive_buffer_bytes = 4096;
  TlsConnection c(s.port, o);
  REQUIRE(c.handshake_ok());
  REQUIRE(c.send(request_text("GET", "/metrics")));
  std::this_thread::sleep_for(300ms);  // let the server fill the window and wait
  const HttpResponse r = c.read_response();
  REQUIRE(r.status == 200);
  CHECK(r.body.size() > 256 * 1024);
  CHECK(r.body.find("subject_CN=\"bulk-599." + std::string(40, 'x') + "\"") != std::string::npos);
  CHECK(r.body.substr(r.body.size() - 1) == "\n");
  // The connection is still usable.
  CHECK(c.request("/healthz").status == 200);
}

TEST_CASE("a client pipelining thousands of requests is answered without exhausting the server") {
  ServePki pki;
  Serve s = start_serve({}, pki.log_path("serve.log"));
  const int fd = tcp_connect(s.port);
  REQUIRE(fd >= 0);
  constexpr int kRequests = 50000;
  const std::string one = request_text("GET", "/healthz");
  std::thread writer([&] {
    std::string all;
    for (int i = 0; i < kRequests; ++i) all += one;
    std::size_t off = 0;
    while (off < all.size()) {
      const ssize_t n = ::send(fd, all.data() + off, all.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
  });
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string status = "HTTP/1.1 200 OK\r\n";
  std::string tail;
  int answered = 0;
  char buf[65536];
  while (answered < kRequests) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    tail.append(buf, static_cast<std::size_t>(n));
    std::size_t pos = 0;
    while ((pos = tail.find(status, pos)) != std::string::npos) {
      ++answered;
      pos += status.size();
    }
    // Keep a possibly split status line for the next read.
    tail.erase(0, tail.size() > status.size() ? tail.size() - status.size() + 1 : 0);
  }
  writer.join();
  close(fd);
  CHECK(answered == kRequests);
  // Still serving.
  CHECK(parse_response(raw_exchange(s.port, request_text("GET", "/healthz", "HTTP/1.1",
                                                         "Connection: close\r\n")))
            .status == 200);
}

TEST_CASE("a burst of clients is served completely while other handshakes stall") {
  ServePki pki;
  std::vector<std::string> args = pki.tls_args("require");
  // Stalled handshakes are held until their deadline; the burst must not wait for them.
  args.insert(args.end(), {"--handshake-timeout", "5"});
  Serve s = start_serve(args, pki.log_path("serve.log"));
  std::vector<int> stalled;
  for (int i = 0; i < 40; ++i) {
    const int fd = tcp_connect(s.port);
    const char partial[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
    (void)::send(fd, partial, sizeof partial - 1, MSG_NOSIGNAL);
    stalled.push_back(fd);
  }
  constexpr int kClients = 96;
  std::vector<int> status(kClients, 0);
  std::vector<std::thread> clients;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      status[static_cast<std::size_t>(i)] = https_get(s.port, "/healthz", pki.client()).status;
    });
  }
  for (auto& t : clients) t.join();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  for (int fd : stalled) close(fd);
  CHECK(std::count(status.begin(), status.end(), 200) == kClients);
  // Far below the stalled handshakes' 5 s deadline.
  CHECK(elapsed < 3s);
}

TEST_CASE("session tickets are issued and resumed only with --session-tickets") {
  ServePki pki;
  const int version = GENERATE(0x0304, 0x0303);  // TLS 1.3 and TLS 1.2
  CAPTURE(version);
  ClientOptions o = pki.client();
  o.max_version = version;
  std::vector<std::string> args = pki.tls_args("require");
  args.insert(args.end(), {"--set", "METRICS_PROMETHEUS_TLS_MIN_VERSION=1.2"});
  // A first full handshake and scrape; returns the session the server left the client.
  auto first_session = [&](const Serve& s) {
    TlsConnection first(s.port, o);
    REQUIRE(first.request("/healthz").status == 200);
    CHECK_FALSE(first.resumed());
    CHECK(first.version() == (version == 0x0304 ? "TLSv1.3" : "TLSv1.2"));
    return first.session();
  };
  SECTION("off by default: no ticket, every handshake is a full one") {
    Serve s = start_serve(args, pki.log_path("serve.log"));
    CHECK(first_session(s).empty());
  }
  args.push_back("--session-tickets");
  SECTION("on: a client that offers its ticket resumes, and the scrape works") {
    Serve s = start_serve(args, pki.log_path("serve.log"));
    o.session = first_session(s);
    REQUIRE_FALSE(o.session.empty());
    TlsConnection second(s.port, o);
    REQUIRE(second.handshake_ok());
    CHECK(second.resumed());
    CHECK(second.request("/metrics").status == 200);
  }
  SECTION("on: a credential reload ends resumption of older tickets") {
    Serve s = start_serve(args, pki.log_path("serve.log"));
    o.session = first_session(s);
    REQUIRE_FALSE(o.session.empty());
    s.process->signal(SIGHUP);
    REQUIRE(s.process->wait_for_log("credentials_reloaded", 5000));
    TlsConnection second(s.port, o);
    REQUIRE(second.handshake_ok());
    CHECK_FALSE(second.resumed());
    CHECK(second.request("/healthz").status == 200);
  }
}

TEST_CASE("serve --session-tickets without TLS variables is reported as having no effect") {
  ServePki pki;
  Serve s = start_serve({"--session-tickets"}, pki.log_path("serve.log"));
  CHECK(s.process->wait_for_log(
      "level=warning event=config msg=\"--session-tickets has no effect: serving plain HTTP\"",
      5000));
  CHECK(parse_response(raw_exchange(s.port, request_text("GET", "/healthz", "HTTP/1.1",
                                                         "Connection: close\r\n")))
            .status == 200);
}

}  // namespace
}  // namespace promtls::test
