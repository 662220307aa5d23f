// serve's server: the listeners, the credentials and watched sources, draining and the
// sessions' shared state (a Session, in session.cpp, is one connection). Internal to the net
// layer; included by server.cpp, session.cpp and local_server.cpp (Asio, not Beast).
//
// Threading: everything runs on the io_context's one thread, except stop() and port().
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <ctime>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>  // before Boost 1.74's asio/awaitable.hpp with GCC 12 (std::exchange)
#include <vector>

#include "detail/openssl.hpp"
#include "log.hpp"
#include "promtls/core/error.hpp"
#include "promtls/net/host_port.hpp"
#include "promtls/net/server.hpp"
#include "promtls/tls/context.hpp"
#include "promtls/tls/credentials.hpp"
#include "state.hpp"

namespace promtls::net::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

class Server;

class SessionBase {
 public:
  explicit SessionBase(bool probe) : probe_(probe) {}
  virtual ~SessionBase() = default;
  SessionBase(const SessionBase&) = delete;
  SessionBase& operator=(const SessionBase&) = delete;
  // Called when the server starts draining: an idle or handshaking connection closes now, one
  // with a request in flight closes after its response.
  virtual void drain() = 0;
  // Closes the connection at once: its listener's budget is full and it is the one that has
  // been silent longest of those that have not yet made a request. Calls Server::release().
  virtual void evict() = 0;
  bool probe() const { return probe_; }

 private:
  friend class Server;
  bool probe_;
  bool counted_ = false;  // holds a slot of its listener's budget
  bool waiting_ = false;  // in the budget's list of connections without a request yet
  std::list<SessionBase*>::iterator waiting_at_;
};

inline std::string endpoint_text(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

class Server {
 public:
  // `signals`: handle SIGTERM/SIGINT (drain) and SIGHUP (reload) process-wide, as promtls serve
  // does; an in-process server (LocalServer) is stopped by stop() instead.
  Server(const ServerOptions& options, bool signals)
      : options_(options),
        log_(options.log_format, options.log_debug),
        reload_timer_(ioc_),
        drain_timer_(ioc_) {
    budget(false).limit = options.max_connections;
    budget(true).limit = options.max_probe_connections;
    // OpenSSL writes to sockets with write(2): a peer that has gone must cost an error, not the
    // process.
    std::signal(SIGPIPE, SIG_IGN);
    if (signals) {
      signals_.emplace(ioc_, SIGTERM, SIGINT);
      hup_.emplace(ioc_, SIGHUP);
    }
  }

  ExitCode run() {
    start();
    return loop();
  }

  // Loads the credentials, binds the listeners and arms the timers; throws promtls::Error.
  void start();

  // Runs the I/O loop until the server has drained.
  ExitCode loop();

  // The main listener's bound port (after start()).
  unsigned short port() const { return port_; }

  // Thread-safe: drains as SIGTERM would.
  void stop();

  // --- used by sessions ---
  const ServerOptions& options() const { return options_; }
  Logger& log() { return log_; }
  bool draining() const { return draining_; }
  std::shared_ptr<const tls::ServerContext> generation() const { return generation_; }
  // A receive buffer shared by all connections: the server runs on one thread, and a request's
  // bytes are parsed (or saved by their connection) before the next read.
  std::span<char> scratch() { return scratch_; }
  ServerCounters& counters() { return counters_; }

  // A connection's slot in its listener's budget (--max-connections for the main listener,
  // ServerOptions::max_probe_connections for the probe listener). Until its first request has
  // arrived a connection is evictable: when the budget is full, a new connection evicts the one
  // of those that has been silent longest (heard() moves a connection to the back), so
  // connections that never send a byte cannot keep a scraper or kubelet out. A connection that
  // has made a request is never evicted.
  void add(SessionBase* s);
  // Bytes (or an end) arrived on a connection that has not made a request yet.
  void heard(SessionBase* s) {
    if (!s->waiting_) return;
    auto& w = budget(s->probe_).waiting;
    w.splice(w.end(), w, s->waiting_at_);
  }
  // Its first request arrived: no longer evictable.
  void settled(SessionBase* s) {
    if (!s->waiting_) return;
    budget(s->probe_).waiting.erase(s->waiting_at_);
    s->waiting_ = false;
  }
  // The connection closed its socket: its slot is free (idempotent).
  void release(SessionBase* s) {
    settled(s);
    if (!s->counted_) return;
    s->counted_ = false;
    --budget(s->probe_).open;
  }
  void remove(SessionBase* s) {
    release(s);
    sessions_.erase(s);
    if (draining_ && sessions_.empty()) finish();
  }

  // Counts a handshake in promtls_tls_handshakes_total{result,reason,version,group}; `facts`
  // says what it negotiated (empty fields when it failed before choosing). A completed one is
  // logged at debug level, a failed one as a (rate-limited) warning.
  void handshake_done(const tls::SessionFacts& facts, const std::string& peer);
  void handshake_failed(std::string_view reason, const std::string& peer, const std::string& detail,
                        const tls::SessionFacts& facts = {});

  bool ready(std::string& why) const;

  // The /metrics body, gzip-compressed when `gzip` (and zlib had the memory).
  MetricsBody render_metrics(bool gzip);

 private:
  struct Listener {
    tcp::acceptor acceptor;
    bool probe;
  };

  struct Budget {
    std::size_t limit = 0;
    std::size_t open = 0;  // connections holding a slot (their socket is open)
    // Connections without a request yet, the longest silent first.
    std::list<SessionBase*> waiting;
  };
  Budget& budget(bool probe) { return budgets_[probe ? 1 : 0]; }

  tcp::endpoint resolve(const std::string& address);

  void listen(const std::string& address, bool probe);

  void accept(Listener& l);

  void on_accept(tcp::socket socket, bool probe);

  void wait_hup();

  void schedule_reload_check();

  void report_reload(const tls::Credentials::Outcome& outcome, const char* trigger);

  void begin_drain(int sig);

  void finish();

  ServerOptions options_;
  Logger log_;
  asio::io_context ioc_{1};
  std::optional<asio::signal_set> signals_;
  std::optional<asio::signal_set> hup_;
  asio::steady_timer reload_timer_;
  asio::steady_timer drain_timer_;
  std::optional<Clock::time_point> drain_started_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::optional<tls::Credentials> credentials_;
  // The credentials new handshakes use; connections keep the generation they started with.
  std::shared_ptr<const tls::ServerContext> generation_;
  std::array<char, 16 * 1024> scratch_{};
  std::optional<SourceWatcher> sources_;
  std::unordered_set<SessionBase*> sessions_;
  std::array<Budget, 2> budgets_;  // the main listener's, the probe listener's
  ServerCounters counters_;
  Renderer renderer_;
  RateLimiter handshake_log_{10, std::chrono::seconds(10)};
  RateLimiter reject_log_{5, std::chrono::seconds(10)};
  bool draining_ = false;
  unsigned short port_ = 0;  // the main listener's, read by LocalServer from another thread
};

// Starts serving one accepted connection (session.cpp); `context` is null for plain HTTP.
void start_session(Server& server, tcp::socket socket, bool probe,
                   std::shared_ptr<const tls::ServerContext> context);

}  // namespace promtls::net::detail
