// Load client for bench/serve.sh: GET a path over mutual TLS, from C concurrent threads, with a
// fresh full handshake per request (fresh), a new connection per request that resumes the
// thread's last session (resume), or over keep-alive connections (keepalive). Prints
// "ok=N failed=M resumed=R seconds=S" and, when at least one handshake completed, "group=G" (the
// key-exchange group of the last one). An optional GROUPS argument is the client's group list
// (SSL_CTX_set1_groups_list: "X25519MLKEM768" offers and shares only the hybrid). Built by
// serve.sh with: g++ -O2 serve_load.cpp -lssl -lcrypto. (wrk cannot present client
// certificates.) BENCH_ACCEPT_ENCODING=gzip sends "Accept-Encoding: gzip" (bench/serve_watch.sh).
// BENCH_CLIENT_CHAIN=leaf presents the client certificate alone, as Go's crypto/tls (Prometheus)
// presents what its certificate file holds; by default OpenSSL completes the client's chain from
// its trust store, so a client certificate issued by the CA file is sent with that CA, and the
// server parses two certificates per handshake instead of one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"

namespace {

// Reads one response (Content-Length or chunked); false on error or a non-200 status.
bool read_response(SSL* ssl, std::string& buf) {
  auto fill = [&]() {
    char tmp[16384];
    const int n = SSL_read(ssl, tmp, sizeof tmp);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
    return true;
  };
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return false;
  }
  const std::string head = buf.substr(0, end);
  const bool ok = head.compare(0, 12, "HTTP/1.1 200") == 0;
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(tolower(c));
  size_t pos = end + 4;
  if (const auto cl = lower.find("content-length:"); cl != std::string::npos) {
    const size_t len = std::strtoul(lower.c_str() + cl + 15, nullptr, 10);
    while (buf.size() < pos + len) {
      if (!fill()) return false;
    }
    buf.erase(0, pos + len);
    return ok;
  }
  // chunked
  for (;;) {
    size_t line;
    while ((line = buf.find("\r\n", pos)) == std::string::npos) {
      if (!fill()) return false;
    }
    const size_t size = std::strtoul(buf.c_str() + pos, nullptr, 16);
    while (buf.size() < line + 2 + size + 2) {
      if (!fill()) return false;
    }
    pos = line + 2 + size + 2;
    if (size == 0) break;
  }
  buf.erase(0, pos);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 9 && argc != 10) {
    std::fprintf(stderr,
                 "usage: serve_load PORT fresh|resume|keepalive REQUESTS CONCURRENCY PATH CA CERT "
                 "KEY [GROUPS]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const bool resume = std::strcmp(argv[2], "resume") == 0;
  const bool fresh = resume || std::strcmp(argv[2], "fresh") == 0;
  const int requests = std::atoi(argv[3]);
  const int concurrency = std::atoi(argv[4]);
  const std::string path = argv[5];
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, argv[6], nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_use_certificate_chain_file(ctx, argv[7]);
  SSL_CTX_use_PrivateKey_file(ctx, argv[8], SSL_FILETYPE_PEM);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);  // a fresh handshake every time
  if (const char* chain = std::getenv("BENCH_CLIENT_CHAIN");
      chain != nullptr && std::strcmp(chain, "leaf") == 0) {
    SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
  }
  if (argc == 10 && SSL_CTX_set1_groups_list(ctx, argv[9]) != 1) {
    std::fprintf(stderr, "serve_load: the TLS library does not take the groups %s\n", argv[9]);
    return 2;
  }
  std::atomic<int> last_group{0};
  const char* accept = std::getenv("BENCH_ACCEPT_ENCODING");
  const std::string encoding = accept != nullptr && *accept != '\0'
                                   ? "Accept-Encoding: " + std::string(accept) + "\r\n"
                                   : "";
  const std::string req = "GET " + path +
                          " HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n" + encoding +
                          "\r\n";
  std::atomic<int> ok{0}, failed{0}, resumed{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      const int mine = requests / concurrency + (t < requests % concurrency ? 1 : 0);
      SSL* ssl = nullptr;
      SSL_SESSION* session = nullptr;  // resume: the last session this thread was given
      int fd = -1;
      std::string buf;
      for (int i = 0; i < mine; ++i) {
        if (ssl == nullptr) {
          fd = connect_to(port);
          ssl = SSL_new(ctx);
          SSL_set_fd(ssl, fd);
          SSL_set_tlsext_host_name(ssl, "localhost");
          if (resume && session != nullptr) SSL_set_session(ssl, session);
          buf.clear();
          if (fd < 0 || SSL_connect(ssl) != 1) {
            ERR_clear_error();
            ++failed;
            SSL_free(ssl);
            if (fd >= 0) close(fd);
            ssl = nullptr;
            continue;
          }
        }
        const bool good =
            SSL_write(ssl, req.data(), static_cast<int>(req.size())) > 0 && read_response(ssl, buf);
        good ? ++ok : ++failed;
        if (good) last_group = static_cast<int>(SSL_get_negotiated_group(ssl));
        if (good && SSL_session_reused(ssl) == 1) ++resumed;
        if (resume && good) {
          // TLS 1.3 tickets arrive after the handshake; reading the response took them in.
          if (SSL_SESSION* s = SSL_get1_session(ssl)) {
            if (session != nullptr) SSL_SESSION_free(session);
            session = s;
          }
        }
        if (fresh || !good) {
          SSL_shutdown(ssl);
          SSL_free(ssl);
          close(fd);
          ssl = nullptr;
        }
      }
      if (ssl != nullptr) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
        close(fd);
      }
      if (session != nullptr) SSL_SESSION_free(session);
    });
  }
  for (auto& th : threads) th.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("ok=%d failed=%d resumed=%d seconds=%.3f", ok.load(), failed.load(), resumed.load(),
              secs);
  if (last_group != 0) {
    SSL* probe = SSL_new(ctx);
    const char* name = SSL_group_to_name(probe, last_group);
    std::printf(" group=%s", name != nullptr ? name : "?");
    SSL_free(probe);
  }
  std::printf("\n");
  SSL_CTX_free(ctx);
  return failed.load() == 0 ? 0 : 1;
}
