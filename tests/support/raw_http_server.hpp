// A raw TCP listener on 127.0.0.1 (an OS-chosen port) that answers every connection with the
// same canned bytes, whatever they are (a malformed HTTP response, a lying Content-Length), for
// tests of clients against servers no real HTTP server would imitate. It reads the request up to
// its blank line (at most 64 KiB, for at most 5 s), writes the bytes, and closes. Serves on one
// background thread, one connection at a time, until destroyed. Not thread-safe per object.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace promtls::test {

class RawHttpServer {
 public:
  explicit RawHttpServer(std::string response);
  ~RawHttpServer();
  RawHttpServer(const RawHttpServer&) = delete;
  RawHttpServer& operator=(const RawHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  // "127.0.0.1:PORT".
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Connections answered so far.
  int served() const { return served_.load(); }

 private:
  void serve();

  std::string response_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> served_{0};
  std::thread thread_;
};

}  // namespace promtls::test
