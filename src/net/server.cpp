// The one translation unit that includes Boost.Asio and Beast's parser (each costs ~15 s to
// compile).
#include "promtls/net/server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cerrno>
#include <climits>
#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>
#include <span>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>  // before Boost 1.74's asio/awaitable.hpp with GCC 12 (std::exchange)

#include "detail/openssl.hpp"
#include "log.hpp"
#include "promtls/core/error.hpp"
#include "promtls/net/host_port.hpp"
#include "promtls/tls/context.hpp"
#include "promtls/tls/credentials.hpp"
#include "state.hpp"

namespace promtls::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using detail::Logger;
using Clock = std::chrono::steady_clock;

class Server;

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Called when the server starts draining: an idle or handshaking connection closes now, one
  // with a request in flight closes after its response.
  virtual void drain() = 0;
};

std::string endpoint_text(const tcp::endpoint& ep) {
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
      detail::WatchSpec spec;
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
  detail::ServerCounters& counters() { return counters_; }

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
    detail::RenderInput in;
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
  std::optional<detail::SourceWatcher> sources_;
  std::unordered_set<SessionBase*> sessions_;
  detail::ServerCounters counters_;
  detail::Renderer renderer_;
  detail::RateLimiter handshake_log_{10, std::chrono::seconds(10)};
  detail::RateLimiter reject_log_{5, std::chrono::seconds(10)};
  bool draining_ = false;
  unsigned short port_ = 0;  // the main listener's, read by LocalServer from another thread
};

// How one non-blocking transfer ended.
enum class Io { done, want_read, want_write, closed, failed };

// One connection: (TLS handshake,) then HTTP/1.1 requests until the peer closes, a deadline
// passes, an error occurs or the server drains.
//
// TLS runs OpenSSL directly on the non-blocking socket (SSL_set_fd): records move between the
// kernel and OpenSSL's own buffers, which SSL_MODE_RELEASE_BUFFERS frees while the connection
// idles, and Asio only reports readiness (socket::async_wait). asio::ssl::stream would run
// OpenSSL over a BIO pair with four more 17 KiB buffers per connection and copy every record
// twice more (bench/RESULTS.md). Requests are parsed by Beast's parser straight from the
// server's scratch buffer; only the bytes of an incomplete or pipelined request are kept.
class Session final : public SessionBase, public std::enable_shared_from_this<Session> {
 public:
  Session(Server& server, tcp::socket socket, bool probe,
          std::shared_ptr<const tls::ServerContext> context)
      : server_(server),
        context_(std::move(context)),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        probe_(probe) {
    server_.add(this);
  }
  ~Session() override { server_.remove(this); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    boost::system::error_code ec;
    socket_.native_non_blocking(true, ec);
    if (ec) {
      close_now();
      return;
    }
    if (!context_) {
      read_request();
      return;
    }
    ssl_.reset(::SSL_new(static_cast<SSL_CTX*>(context_->native())));
    if (!ssl_ || ::SSL_set_fd(ssl_.get(), socket_.native_handle()) != 1) {
      ::ERR_clear_error();
      server_.handshake_failed("other", peer(), "cannot create a TLS session");
      close_now();
      return;
    }
    // Read whole socket buffers at once instead of a record header and then its body.
    ::SSL_set_read_ahead(ssl_.get(), 1);
    ::SSL_set_accept_state(ssl_.get());
    state_ = State::handshake;
    set_deadline(server_.options().handshake_timeout);
    handshake();
  }

  void drain() override {
    if (state_ == State::handshake || state_ == State::reading || state_ == State::lingering) {
      close_now();
    }
  }

 private:
  enum class State { handshake, reading, writing, lingering, closed };
  using Step = void (Session::*)();

  // --- transport ---

  // Maps a failed OpenSSL call to the next step; the thread's error queue is left empty. Every
  // SSL call below starts with an empty queue too (SSL_get_error reads it): a stale entry left
  // by other OpenSSL work on this thread, such as a credential reload, would turn a WANT_READ
  // into a failure.
  Io ssl_outcome(int ret) {
    const int err = ::SSL_get_error(ssl_.get(), ret);
    ::ERR_clear_error();
    switch (err) {
      case SSL_ERROR_WANT_READ:
        return Io::want_read;
      case SSL_ERROR_WANT_WRITE:
        return Io::want_write;
      case SSL_ERROR_ZERO_RETURN:
      case SSL_ERROR_SYSCALL:
        return Io::closed;
      default:
        return Io::failed;
    }
  }

  Io read_some(char* data, std::size_t size, std::size_t& n) {
    if (ssl_) {
      ::ERR_clear_error();
      const int ret =
          ::SSL_read(ssl_.get(), data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
      if (ret > 0) {
        n = static_cast<std::size_t>(ret);
        return Io::done;
      }
      return ssl_outcome(ret);
    }
    for (;;) {
      const ssize_t ret = ::recv(socket_.native_handle(), data, size, 0);
      if (ret > 0) {
        n = static_cast<std::size_t>(ret);
        return Io::done;
      }
      if (ret == 0) return Io::closed;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? Io::want_read : Io::closed;
    }
  }

  Io write_some(const char* data, std::size_t size, std::size_t& n) {
    if (ssl_) {
      // Without SSL_MODE_ENABLE_PARTIAL_WRITE a successful SSL_write wrote everything; after
      // WANT_WRITE it is retried with the same buffer, which does not move until then.
      ::ERR_clear_error();
      const int ret =
          ::SSL_write(ssl_.get(), data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
      if (ret > 0) {
        n = static_cast<std::size_t>(ret);
        return Io::done;
      }
      return ssl_outcome(ret);
    }
    for (;;) {
      const ssize_t ret = ::send(socket_.native_handle(), data, size, MSG_NOSIGNAL);
      if (ret >= 0) {
        n = static_cast<std::size_t>(ret);
        return Io::done;
      }
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? Io::want_write : Io::closed;
    }
  }

  // Continues with `then` once the socket is ready for what `io` asks.
  void wait(Io io, Step then) {
    socket_.async_wait(io == Io::want_write ? tcp::socket::wait_write : tcp::socket::wait_read,
                       [self = shared_from_this(), then](const boost::system::error_code& ec) {
                         if (self->state_ == State::closed) return;
                         if (ec) {
                           self->close_now();
                           return;
                         }
                         ((*self).*then)();
                       });
  }

  // One timer per connection, armed lazily: moving the deadline later (every keep-alive
  // request) costs nothing; the timer re-arms itself when it fires early.
  void set_deadline(Clock::duration timeout) {
    deadline_ = Clock::now() + timeout;
    if (timer_waiting_ && timer_.expiry() <= deadline_) return;
    arm_timer();
  }

  // Waits for deadline_, superseding any earlier wait.
  void arm_timer() {
    timer_.expires_at(deadline_);
    timer_waiting_ = true;
    timer_.async_wait([self = shared_from_this(), seq = ++timer_seq_](
                          const boost::system::error_code&) { self->on_timer(seq); });
  }

  void on_timer(std::uint64_t seq) {
    if (seq != timer_seq_ || state_ == State::closed) return;  // superseded or done
    timer_waiting_ = false;
    if (Clock::now() < deadline_) {
      arm_timer();  // the deadline moved on since this wait began
      return;
    }
    if (state_ == State::handshake) {
      server_.handshake_failed("timeout", peer(), "handshake deadline passed");
    }
    close_now();
  }

  // The peer's address for logs (looked up only when something is logged).
  std::string peer() const {
    boost::system::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    return ec ? "unknown" : endpoint_text(ep);
  }

  // --- TLS handshake ---

  void handshake() {
    ::ERR_clear_error();
    const int ret = ::SSL_do_handshake(ssl_.get());
    if (ret == 1) {
      ++server_.counters().handshakes[{"success", "ok"}];
      read_request();
      return;
    }
    const int err = ::SSL_get_error(ssl_.get(), ret);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      wait(err == SSL_ERROR_WANT_WRITE ? Io::want_write : Io::want_read, &Session::handshake);
      return;
    }
    // The earliest queued error says why (the verify result refines certificate failures); a
    // peer that closes or resets without one is client_closed.
    const unsigned long e = err == SSL_ERROR_SSL ? ::ERR_peek_error() : 0;
    std::string detail = "connection closed by the client";
    if (e != 0) {
      const char* reason = ::ERR_reason_error_string(e);
      detail = reason != nullptr ? reason : "TLS error " + std::to_string(e);
    }
    ::ERR_clear_error();
    server_.handshake_failed(tls::handshake_failure_reason(ssl_.get(), e), peer(), detail);
    close_now();
  }

  // --- HTTP ---

  void read_request() {
    if (server_.draining()) {
      close();
      return;
    }
    state_ = State::reading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options().max_header_bytes));
    parser_->body_limit(0);
    set_deadline(requests_ == 0 ? server_.options().header_timeout
                                : server_.options().idle_timeout);
    // A pipelined request may already be complete.
    if (!pending_.empty() && consume_pending()) return;
    receive();
  }

  void receive() {
    const std::span<char> scratch = server_.scratch();
    for (;;) {
      std::size_t n = 0;
      const Io io = read_some(scratch.data(), scratch.size(), n);
      if (io == Io::want_read || io == Io::want_write) {
        wait(io, &Session::receive);
        return;
      }
      if (io != Io::done) {
        close_now();  // the peer closed or reset: nothing to answer
        return;
      }
      if (pending_.empty()) {
        // The common case: the whole request arrived at once and is parsed in place.
        std::size_t used = 0;
        const Parse p = feed({scratch.data(), n}, used);
        // Keep what the parser has not taken: the rest of this request, or the next one.
        if (p != Parse::failed) pending_.assign(scratch.data() + used, n - used);
        if (p != Parse::more) {
          finish_parse(p);
          return;
        }
      } else {
        pending_.append(scratch.data(), n);
        if (consume_pending()) return;
      }
      if (pending_.size() > server_.options().max_header_bytes + scratch.size()) {
        respond_error(431, "request header too large\n");
        return;
      }
    }
  }

  enum class Parse { more, done, failed };

  // Feeds `bytes` to the parser; `used` says how many it took.
  Parse feed(std::string_view bytes, std::size_t& used) {
    used = 0;
    while (!parser_->is_done()) {
      boost::system::error_code ec;
      used += parser_->put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
      if (ec == http::error::need_more) return Parse::more;
      if (ec) {
        parse_error_ = ec;
        return Parse::failed;
      }
    }
    return Parse::done;
  }

  // Parses pending_ (dropping what the parser took); true when a response is under way.
  bool consume_pending() {
    std::size_t used = 0;
    const Parse p = feed(pending_, used);
    pending_.erase(0, used);
    if (p == Parse::more) return false;
    finish_parse(p);
    return true;
  }

  void finish_parse(Parse p) {
    if (pending_.empty()) std::string().swap(pending_);  // an idle connection keeps no buffer
    if (p == Parse::failed) {
      if (parse_error_ == http::error::header_limit) {
        respond_error(431, "request header too large\n");
      } else {
        respond_error(400, "bad request\n");
      }
      return;
    }
    ++requests_;
    handle(parser_->get());
  }

  void handle(const http::request<http::empty_body>& req) {
    std::string_view target(req.target().data(), req.target().size());
    if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    const bool known =
        target == "/healthz" || target == "/readyz" || (!probe_ && target == "/metrics");
    const bool head = req.method() == http::verb::head;
    Response r;
    r.http10 = req.version() == 10;
    r.keep_alive = req.keep_alive() && !server_.draining();
    r.head = head;
    if (!known) {
      r.status = 404;
      r.body = "not found\n";
    } else if (req.method() != http::verb::get && !head) {
      r.status = 405;
      r.allow = true;
      r.body = "method not allowed\n";
    } else if (target == "/metrics") {
      r.status = 200;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = server_.render_metrics();
    } else if (target == "/healthz") {
      r.status = 200;
      r.body = "ok\n";
    } else if (std::string why; server_.ready(why)) {
      r.status = 200;
      r.body = "ok\n";
    } else {
      r.status = 503;
      r.body = "not ready: " + why + "\n";
    }
    respond(r);
  }

  struct Response {
    unsigned status = 200;
    std::string_view content_type = "text/plain; charset=utf-8";
    std::string body;
    bool allow = false;  // send "Allow: GET, HEAD" (405)
    bool http10 = false;
    bool keep_alive = false;
    bool head = false;  // HEAD: the headers of GET, no body
  };

  void respond_error(unsigned status, const char* text) {
    Response r;
    r.status = status;
    r.body = text;
    respond(r);
  }

  static std::string_view reason_phrase(unsigned status) {
    switch (status) {
      case 200:
        return "OK";
      case 400:
        return "Bad Request";
      case 404:
        return "Not Found";
      case 405:
        return "Method Not Allowed";
      case 431:
        return "Request Header Fields Too Large";
      case 503:
        return "Service Unavailable";
      default:
        return "Unknown";
    }
  }

  void respond(const Response& r) {
    ++server_.counters().requests[std::to_string(r.status)];
    keep_alive_ = r.keep_alive;
    out_.clear();
    out_.reserve(160 + (r.head ? 0 : r.body.size()));
    out_ += r.http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out_ += std::to_string(r.status);
    out_ += ' ';
    out_ += reason_phrase(r.status);
    out_ += "\r\nContent-Type: ";
    out_ += r.content_type;
    out_ += "\r\nContent-Length: ";
    out_ += std::to_string(r.body.size());
    if (r.allow) out_ += "\r\nAllow: GET, HEAD";
    // HTTP/1.1 is persistent unless told otherwise; HTTP/1.0 only when asked (RFC 9112 §9.3).
    if (!r.keep_alive && !r.http10) out_ += "\r\nConnection: close";
    if (r.keep_alive && r.http10) out_ += "\r\nConnection: keep-alive";
    out_ += "\r\n\r\n";
    if (!r.head) out_ += r.body;
    sent_ = 0;
    state_ = State::writing;
    set_deadline(server_.options().idle_timeout);
    send();
  }

  void send() {
    while (sent_ < out_.size()) {
      std::size_t n = 0;
      const Io io = write_some(out_.data() + sent_, out_.size() - sent_, n);
      if (io == Io::want_read || io == Io::want_write) {
        wait(io, &Session::send);
        return;
      }
      if (io != Io::done) {
        close_now();
        return;
      }
      sent_ += n;
    }
    std::string().swap(out_);
    if (!keep_alive_) {
      close();
      return;
    }
    // The next request is read from the event loop, not from here: a client that keeps requests
    // coming (pipelined, or faster than we answer) would otherwise nest read, handle and send
    // ever deeper on the stack, and would starve the other connections.
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->state_ != State::closed) self->read_request();
    });
  }

  // --- closing ---

  // Orderly close: TLS close_notify and FIN, then read and discard until the peer closes (at most
  // a second), so request bytes still in flight do not turn the close into a reset that could
  // destroy the response before the client has read it.
  void close() {
    state_ = State::lingering;
    if (ssl_) {
      ::SSL_shutdown(ssl_.get());  // one non-blocking attempt; the peer's reply is not awaited
      ::ERR_clear_error();
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    set_deadline(std::chrono::seconds(1));
    linger();
  }

  void linger() {
    const std::span<char> scratch = server_.scratch();
    for (;;) {
      const ssize_t n = ::recv(socket_.native_handle(), scratch.data(), scratch.size(), 0);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        wait(Io::want_read, &Session::linger);
        return;
      }
      close_now();
      return;
    }
  }

  void close_now() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  Server& server_;
  std::shared_ptr<const tls::ServerContext> context_;  // keeps the SSL_CTX's generation alive
  tcp::socket socket_;
  asio::steady_timer timer_;
  tls::detail::SslPtr ssl_;
  Clock::time_point deadline_;
  std::uint64_t timer_seq_ = 0;
  bool timer_waiting_ = false;
  std::optional<http::request_parser<http::empty_body>> parser_;
  boost::system::error_code parse_error_;
  std::string pending_;  // received bytes not yet parsed (an incomplete or pipelined request)
  std::string out_;      // the response being sent
  std::size_t sent_ = 0;
  bool keep_alive_ = false;
  bool probe_;
  std::uint64_t requests_ = 0;
  State state_ = State::reading;
};

void Server::on_accept(tcp::socket socket, bool probe) {
  if (sessions_.size() >= options_.max_connections) {
    ++counters_.connections_rejected;
    std::uint64_t suppressed = 0;
    if (reject_log_.allow(Clock::now(), suppressed)) {
      log_.log(
          "warning", "connection_rejected",
          {{"reason", "max_connections"}, {"limit", std::to_string(options_.max_connections)}});
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<Session>(*this, std::move(socket), probe,
                            probe || !options_.tls ? nullptr : generation_)
      ->start();
}

}  // namespace

int run(const ServerOptions& options) {
  Server server(options, true);
  return server.run();
}

struct LocalServer::Impl {
  explicit Impl(const ServerOptions& options) : server(options, false) {}
  Server server;
  std::thread thread;
};

LocalServer::LocalServer(const ServerOptions& options) : impl_(std::make_unique<Impl>(options)) {
  impl_->server.start();
  impl_->thread = std::thread([impl = impl_.get()] {
    try {
      impl->server.loop();
    } catch (const std::exception& e) {
      std::cerr << "promtls: in-process server stopped: " << e.what() << "\n";
    }
  });
}

LocalServer::~LocalServer() { stop(); }

unsigned short LocalServer::port() const { return impl_->server.port(); }

void LocalServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace promtls::net
