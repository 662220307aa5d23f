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
  virtual ~SessionBase() = default;
  // Called when the server starts draining: an idle or handshaking connection closes now, one
  // with a request in flight closes after its response.
  virtual void drain() = 0;
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
      : options_(options), log_(options.log_format), reload_timer_(ioc_), drain_timer_(ioc_) {
    // OpenSSL writes to sockets with write(2): a peer that has gone must cost an error, not the
    // process.
    std::signal(SIGPIPE, SIG_IGN);
    if (signals) {
      signals_.emplace(ioc_, SIGTERM, SIGINT);
      hup_.emplace(ioc_, SIGHUP);
    }
  }

  int run() {
    start();
    return loop();
  }

  // Loads the credentials, binds the listeners and arms the timers; throws promtls::Error.
  void start() {
    if (options_.tls) {
      credentials_.emplace(*options_.tls, tls::ServerContextOptions{options_.session_tickets});
      generation_ = credentials_->current();
      for (const std::string& note : credentials_->notes()) {
        log_.log("warning", "tls_setting", {{"msg", note}});
      }
    }
    if (!options_.watch.empty() || !options_.licenses.empty()) {
      WatchSpec spec;
      spec.paths = options_.watch;
      spec.licenses = options_.licenses;
      spec.recursive = options_.watch_recursive;
      spec.tigera = options_.tigera_compat;
      sources_.emplace(std::move(spec), options_.source_interval, log_);
    }
    listen(options_.listen, false);
    if (!options_.probe_listen.empty()) listen(options_.probe_listen, true);
    for (const std::string& note : options_.startup_notes) {
      log_.log("warning", "config", {{"msg", note}});
    }
    if (sources_) sources_->start();

    if (signals_) {
      signals_->async_wait([this](const boost::system::error_code& ec, int sig) {
        if (!ec) begin_drain(sig);
      });
    }
    wait_hup();
    schedule_reload_check();
  }

  // Runs the I/O loop until the server has drained.
  int loop() {
    ioc_.run();
    if (sources_) sources_->stop();
    log_.log("info", "stopped", {{"open_connections", std::to_string(sessions_.size())}});
    return kExitOk;
  }

  // The main listener's bound port (after start()).
  unsigned short port() const { return port_; }

  // Thread-safe: drains as SIGTERM would.
  void stop() {
    asio::post(ioc_, [this] {
      if (!draining_) begin_drain(0);
    });
  }

  // --- used by sessions ---
  const ServerOptions& options() const { return options_; }
  Logger& log() { return log_; }
  bool draining() const { return draining_; }
  std::shared_ptr<const tls::ServerContext> generation() const { return generation_; }
  // A receive buffer shared by all connections: the server runs on one thread, and a request's
  // bytes are parsed (or saved by their connection) before the next read.
  std::span<char> scratch() { return scratch_; }
  ServerCounters& counters() { return counters_; }

  void add(SessionBase* s) { sessions_.insert(s); }
  void remove(SessionBase* s) {
    sessions_.erase(s);
    if (draining_ && sessions_.empty()) finish();
  }

  void handshake_failed(std::string_view reason, const std::string& peer,
                        const std::string& detail) {
    ++counters_.handshakes[{"failure", std::string(reason)}];
    std::uint64_t suppressed = 0;
    const bool allowed = handshake_log_.allow(Clock::now(), suppressed);
    if (suppressed > 0) {
      log_.log("warning", "handshake_failures_suppressed", {{"count", std::to_string(suppressed)}});
    }
    if (allowed) {
      log_.log("warning", "handshake_failed",
               {{"peer", peer}, {"reason", std::string(reason)}, {"detail", detail}});
    }
  }

  bool ready(std::string& why) const {
    if (options_.tls && !generation_) {
      why = "credentials not loaded";
      return false;
    }
    if (sources_ && sources_->loads() == 0) {
      why = "watched sources not read yet";
      return false;
    }
    return true;
  }

  std::string render_metrics() {
    RenderInput in;
    in.now_unix = static_cast<std::int64_t>(std::time(nullptr));
    if (generation_) in.serving_not_after = generation_->leaf().not_after_unix;
    in.open_connections = sessions_.size();
    in.version = options_.version;
    if (credentials_) {
      counters_.reloads_ok = credentials_->reloads_ok();
      counters_.reloads_failed = credentials_->reloads_failed();
    }
    in.counters = &counters_;
    in.sources = sources_ ? &*sources_ : nullptr;
    in.tigera = options_.tigera_compat;
    return renderer_.render(in);
  }

 private:
  struct Listener {
    tcp::acceptor acceptor;
    bool probe;
  };

  tcp::endpoint resolve(const std::string& address) {
    const auto ep = parse_listen_address(address);
    if (!ep) {
      throw Error("listen address " + address + ": expected HOST:PORT, :PORT or [IPv6]:PORT",
                  kExitUsage);
    }
    if (ep->host.empty()) return tcp::endpoint(tcp::v6(), ep->port);
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(ep->host, ec);
    if (!ec) return tcp::endpoint(addr, ep->port);
    tcp::resolver resolver(ioc_);
    const auto results = resolver.resolve(ep->host, std::to_string(ep->port), ec);
    if (ec || results.empty()) {
      throw Error(
          "listen address " + address + ": cannot resolve " + ep->host + ": " + ec.message(),
          kExitCannotRun);
    }
    return results.begin()->endpoint();
  }

  void listen(const std::string& address, bool probe) {
    tcp::endpoint ep = resolve(address);
    const bool all_interfaces = parse_listen_address(address)->host.empty();
    auto l = std::make_unique<Listener>(Listener{tcp::acceptor(ioc_), probe});
    boost::system::error_code ec;
    l->acceptor.open(ep.protocol(), ec);
    if (ec && all_interfaces) {
      // No IPv6 on this host: all IPv4 interfaces.
      ep = tcp::endpoint(tcp::v4(), ep.port());
      ec.clear();
      l->acceptor.open(ep.protocol(), ec);
    }
    if (!ec && ep.address().is_v6() && all_interfaces) {
      l->acceptor.set_option(asio::ip::v6_only(false), ec);
    }
    if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) l->acceptor.bind(ep, ec);
    if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw Error("cannot listen on " + address + ": " + ec.message(), kExitCannotRun);
    }
    const std::string bound = endpoint_text(l->acceptor.local_endpoint());
    log_.log("info", "listening",
             {{"address", bound},
              {"listener", probe ? "probe" : "main"},
              {"scheme", probe || !options_.tls ? "http" : "https"},
              {"client_auth", probe || !options_.tls
                                  ? std::string("none")
                                  : std::string(core::to_string(options_.tls->client_auth))}});
    if (!probe) port_ = l->acceptor.local_endpoint().port();
    listeners_.push_back(std::move(l));
    accept(*listeners_.back());
  }

  void accept(Listener& l) {
    l.acceptor.async_accept([this, &l](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !l.acceptor.is_open()) return;
      if (ec) {
        // EMFILE and friends: back off briefly instead of spinning.
        log_.log("error", "accept_failed", {{"msg", ec.message()}});
        auto t = std::make_shared<asio::steady_timer>(ioc_, std::chrono::milliseconds(100));
        t->async_wait([this, &l, t](const boost::system::error_code&) { accept(l); });
        return;
      }
      on_accept(std::move(socket), l.probe);
      accept(l);
    });
  }

  void on_accept(tcp::socket socket, bool probe);

  void wait_hup() {
    if (!hup_) return;
    hup_->async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (credentials_) report_reload(credentials_->reload(), "sighup");
      wait_hup();
    });
  }

  void schedule_reload_check() {
    if (!credentials_) return;
    reload_timer_.expires_after(std::chrono::seconds(1));
    reload_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      report_reload(credentials_->poll(Clock::now()), "change");
      schedule_reload_check();
    });
  }

  void report_reload(const tls::Credentials::Outcome& outcome, const char* trigger) {
    if (!outcome.attempted) return;
    if (outcome.ok) {
      generation_ = credentials_->current();
      log_.log("info", "credentials_reloaded", {{"trigger", trigger}, {"msg", outcome.message}});
      for (const std::string& note : credentials_->notes()) {
        log_.log("warning", "tls_setting", {{"msg", note}});
      }
    } else {
      log_.log("error", "credentials_reload_failed",
               {{"trigger", trigger},
                {"msg", outcome.message},
                {"kept_serial", generation_->leaf().serial}});
    }
  }

  void begin_drain(int sig) {
    draining_ = true;
    log_.log("info", "draining",
             {{"signal", sig == SIGTERM  ? "SIGTERM"
                         : sig == SIGINT ? "SIGINT"
                                         : "none"},
              {"open_connections", std::to_string(sessions_.size())}});
    for (auto& l : listeners_) {
      boost::system::error_code ignored;
      l->acceptor.close(ignored);
    }
    reload_timer_.cancel();
    if (hup_) hup_->cancel();
    // drain() may close sessions, which removes them from the set: iterate over a copy.
    const std::vector<SessionBase*> open(sessions_.begin(), sessions_.end());
    for (SessionBase* s : open) s->drain();
    if (sessions_.empty()) {
      finish();
      return;
    }
    drain_timer_.expires_after(options_.drain_timeout);
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      log_.log("warning", "drain_timeout",
               {{"open_connections", std::to_string(sessions_.size())}});
      ioc_.stop();
    });
  }

  void finish() {
    drain_timer_.cancel();
    ioc_.stop();
  }

  ServerOptions options_;
  Logger log_;
  asio::io_context ioc_{1};
  std::optional<asio::signal_set> signals_;
  std::optional<asio::signal_set> hup_;
  asio::steady_timer reload_timer_;
  asio::steady_timer drain_timer_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::optional<tls::Credentials> credentials_;
  // The credentials new handshakes use; connections keep the generation they started with.
  std::shared_ptr<const tls::ServerContext> generation_;
  std::array<char, 16 * 1024> scratch_{};
  std::optional<SourceWatcher> sources_;
  std::unordered_set<SessionBase*> sessions_;
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
