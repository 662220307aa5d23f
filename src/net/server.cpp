// The one translation unit that includes Boost.Asio and Beast (each costs ~15 s to compile).
#include "promtls/net/server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <ctime>
#include <iostream>
#include <memory>
#include <thread>
#include <unordered_set>
#include <utility>  // before Boost 1.74's asio/awaitable.hpp with GCC 12 (std::exchange)

#include "log.hpp"
#include "promtls/core/error.hpp"
#include "promtls/tls/context.hpp"
#include "promtls/tls/credentials.hpp"
#include "state.hpp"

namespace promtls::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using detail::Logger;
using Clock = std::chrono::steady_clock;

// One generation of TLS credentials: the context Asio streams are created from. Connections hold
// a reference, so a reload never disturbs a handshake in progress.
struct TlsGeneration {
  std::shared_ptr<const tls::ServerContext> context;
  std::unique_ptr<ssl::context> asio;
  explicit TlsGeneration(std::shared_ptr<const tls::ServerContext> ctx) : context(std::move(ctx)) {
    auto* native = static_cast<SSL_CTX*>(context->native());
    ::SSL_CTX_up_ref(native);  // asio's context frees its handle
    asio = std::make_unique<ssl::context>(native);
  }
};

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
      credentials_.emplace(*options_.tls);
      generation_ = std::make_shared<TlsGeneration>(credentials_->current());
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
  std::shared_ptr<TlsGeneration> generation() const { return generation_; }
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
    if (generation_) in.serving_not_after = generation_->context->leaf().not_after_unix;
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
    const auto ep = parse_endpoint(address);
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
    const bool all_interfaces = parse_endpoint(address)->host.empty();
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
      generation_ = std::make_shared<TlsGeneration>(credentials_->current());
      log_.log("info", "credentials_reloaded", {{"trigger", trigger}, {"msg", outcome.message}});
      for (const std::string& note : credentials_->notes()) {
        log_.log("warning", "tls_setting", {{"msg", note}});
      }
    } else {
      log_.log("error", "credentials_reload_failed",
               {{"trigger", trigger},
                {"msg", outcome.message},
                {"kept_serial", generation_->context->leaf().serial}});
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
  std::shared_ptr<TlsGeneration> generation_;
  std::optional<detail::SourceWatcher> sources_;
  std::unordered_set<SessionBase*> sessions_;
  detail::ServerCounters counters_;
  detail::Renderer renderer_;
  detail::RateLimiter handshake_log_{10, std::chrono::seconds(10)};
  detail::RateLimiter reject_log_{5, std::chrono::seconds(10)};
  bool draining_ = false;
  unsigned short port_ = 0;  // the main listener's, read by LocalServer from another thread
};

// One connection: (TLS handshake,) then HTTP/1.1 requests until the peer closes, a deadline
// passes, an error occurs or the server drains.
template <bool Tls>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Tls>> {
  using Stream = std::conditional_t<Tls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  Session(Server& server, tcp::socket socket, bool probe, std::shared_ptr<TlsGeneration> gen)
      : server_(server),
        gen_(std::move(gen)),
        stream_(make_stream(std::move(socket), gen_.get())),
        buffer_(server.options().max_header_bytes + 1024),
        probe_(probe) {
    boost::system::error_code ec;
    const auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    peer_ = ec ? "unknown" : endpoint_text(ep);
    server_.add(this);
  }
  ~Session() override { server_.remove(this); }

  void start() {
    if constexpr (Tls) {
      state_ = State::handshake;
      beast::get_lowest_layer(stream_).expires_after(server_.options().handshake_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](
                                  const boost::system::error_code& ec) { self->on_handshake(ec); });
    } else {
      read();
    }
  }

  void drain() override {
    if (state_ == State::handshake || state_ == State::reading) close_now();
  }

 private:
  enum class State { handshake, reading, writing, closing };

  static Stream make_stream(tcp::socket socket, TlsGeneration* gen) {
    if constexpr (Tls) {
      return Stream(std::move(socket), *gen->asio);
    } else {
      (void)gen;
      return Stream(std::move(socket));
    }
  }

  void on_handshake(const boost::system::error_code& ec) {
    if (ec) {
      std::string_view reason = "other";
      if (ec == beast::error::timeout) {
        reason = "timeout";
      } else if (ec.category() == asio::error::get_ssl_category()) {
        reason = tls::handshake_failure_reason(stream_.native_handle(),
                                               static_cast<unsigned long>(ec.value()));
      } else {
        reason = "client_closed";
      }
      server_.handshake_failed(reason, peer_, ec.message());
      close_now();
      return;
    }
    ++server_.counters().handshakes[{"success", "ok"}];
    read();
  }

  void read() {
    if (server_.draining()) {
      close();
      return;
    }
    state_ = State::reading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options().max_header_bytes));
    parser_->body_limit(0);
    beast::get_lowest_layer(stream_).expires_after(requests_ == 0 ? server_.options().header_timeout
                                                                  : server_.options().idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                       std::size_t) { self->on_read(ec); });
  }

  void on_read(const boost::system::error_code& ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == ssl::error::stream_truncated || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted || ec == beast::error::timeout) {
      close_now();
      return;
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      respond_error(http::status::request_header_fields_too_large, "request header too large\n");
      return;
    }
    if (ec) {
      respond_error(http::status::bad_request, "bad request\n");
      return;
    }
    ++requests_;
    handle(parser_->get());
  }

  void respond_error(http::status status, const char* text) {
    res_ = {};
    res_.result(status);
    res_.version(11);
    res_.set(http::field::content_type, "text/plain; charset=utf-8");
    res_.set(http::field::connection, "close");
    res_.body() = text;
    res_.prepare_payload();
    res_.keep_alive(false);
    write();
  }

  void handle(const http::request<http::empty_body>& req) {
    std::string_view target(req.target().data(), req.target().size());
    if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    res_ = {};
    res_.version(req.version());
    res_.keep_alive(req.keep_alive());
    const bool known =
        target == "/healthz" || target == "/readyz" || (!probe_ && target == "/metrics");
    const bool head = req.method() == http::verb::head;
    std::string body;
    if (!known) {
      res_.result(http::status::not_found);
      body = "not found\n";
    } else if (req.method() != http::verb::get && !head) {
      res_.result(http::status::method_not_allowed);
      res_.set(http::field::allow, "GET, HEAD");
      body = "method not allowed\n";
    } else if (target == "/metrics") {
      res_.result(http::status::ok);
      res_.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      body = server_.render_metrics();
    } else if (target == "/healthz") {
      res_.result(http::status::ok);
      body = "ok\n";
    } else {
      std::string why;
      if (server_.ready(why)) {
        res_.result(http::status::ok);
        body = "ok\n";
      } else {
        res_.result(http::status::service_unavailable);
        body = "not ready: " + why + "\n";
      }
    }
    if (res_.find(http::field::content_type) == res_.end()) {
      res_.set(http::field::content_type, "text/plain; charset=utf-8");
    }
    if (server_.draining()) res_.keep_alive(false);
    if (head) {
      res_.content_length(body.size());
    } else {
      res_.body() = std::move(body);
      res_.prepare_payload();
    }
    write();
  }

  void write() {
    state_ = State::writing;
    ++server_.counters().requests[std::to_string(res_.result_int())];
    beast::get_lowest_layer(stream_).expires_after(server_.options().idle_timeout);
    http::async_write(stream_, res_,
                      [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                        std::size_t) { self->on_write(ec); });
  }

  void on_write(const boost::system::error_code& ec) {
    if (ec) {
      close_now();
      return;
    }
    if (!res_.keep_alive()) {
      close();
      return;
    }
    read();
  }

  // Orderly close: TLS close_notify (bounded), then the socket.
  void close() {
    state_ = State::closing;
    if constexpr (Tls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = this->shared_from_this()](const boost::system::error_code&) {
        self->close_now();
      });
    } else {
      boost::system::error_code ignored;
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
      close_now();
    }
  }

  void close_now() {
    state_ = State::closing;
    beast::get_lowest_layer(stream_).close();
  }

  Server& server_;
  std::shared_ptr<TlsGeneration> gen_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> res_;
  std::string peer_;
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
  if (probe || !options_.tls) {
    std::make_shared<Session<false>>(*this, std::move(socket), probe, nullptr)->start();
  } else {
    std::make_shared<Session<true>>(*this, std::move(socket), false, generation_)->start();
  }
}

}  // namespace

std::optional<Endpoint> parse_endpoint(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const unsigned long p = std::stoul(port);
  if (p > 65535) return std::nullopt;
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return std::nullopt;  // an IPv6 literal needs brackets
  }
  return Endpoint{host, static_cast<unsigned short>(p)};
}

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
