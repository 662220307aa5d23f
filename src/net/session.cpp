// One serve connection: the TLS handshake, then HTTP/1.1 requests. The server's only Boost.Beast
// translation unit (the client's is http_client.cpp; each costs ~15 s to compile).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cerrno>
#include <climits>

#include "promtls/core/go.hpp"
#include "server_core.hpp"

namespace promtls::net::detail {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

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
      : SessionBase(probe),
        server_(server),
        context_(std::move(context)),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()) {
    server_.add(this);
  }
  ~Session() override { server_.remove(this); }

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

  void evict() override {
    if (state_ == State::handshake) {
      server_.handshake_failed("evicted", peer(), "closed to make room at the connection limit",
                               tls::session_facts(ssl_.get()));
    }
    close_now();
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
                         self->server_.heard(self.get());
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
      server_.handshake_failed("timeout", peer(), "handshake deadline passed",
                               tls::session_facts(ssl_.get()));
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
      // The client's last flight arrived and, without session tickets, the server has nothing
      // to send before the response: acknowledge it now, or a client that has Nagle's algorithm
      // on holds its request back until the delayed ACK (40 ms on Linux).
      const int one = 1;
      ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      server_.handshake_done(tls::session_facts(ssl_.get()), server_.log().debug() ? peer() : "");
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
    server_.handshake_failed(tls::handshake_failure_reason(ssl_.get(), e), peer(), detail,
                             tls::session_facts(ssl_.get()));
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
    // The first request's header is due within the header deadline; on a keep-alive connection
    // the idle deadline runs until the next request's first byte, then the header deadline
    // (as Go's server does), so a client that made one request cannot dribble the next.
    request_started_ = requests_ == 0 || !pending_.empty();
    set_deadline(request_started_ ? server_.options().header_timeout
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
      if (!request_started_) {
        request_started_ = true;
        set_deadline(server_.options().header_timeout);
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
    server_.settled(this);
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
        target == "/healthz" || target == "/readyz" || (!probe() && target == "/metrics");
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
      r.vary = true;
      MetricsBody body = server_.render_metrics(accepts_gzip(req[http::field::accept_encoding]));
      r.gzip = body.gzip;
      r.shared = std::move(body.shared);
      r.body = std::move(body.own);
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

  // Whether an Accept-Encoding value (RFC 9110 §12.5.3) accepts gzip: a "gzip" (or "x-gzip",
  // or "*") coding whose q is not 0.
  static bool accepts_gzip(std::string_view value) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    const auto trim = [](std::string_view v) {
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      return v;
    };
    while (!value.empty()) {
      const std::size_t comma = value.find(',');
      std::string_view item = value.substr(0, comma);
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
      const std::size_t semi = item.find(';');
      std::string coding(trim(item.substr(0, semi)));
      std::transform(coding.begin(), coding.end(), coding.begin(), lower);
      if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
      bool zero = false;
      for (std::string_view params = semi == std::string_view::npos ? "" : item.substr(semi + 1);
           !params.empty();) {
        const std::size_t next = params.find(';');
        const std::string_view param = trim(params.substr(0, next));
        params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
        if (param.size() >= 2 && lower(param[0]) == 'q' && param[1] == '=') {
          const std::string_view q = trim(param.substr(2));
          zero = !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
        }
      }
      if (!zero) return true;
    }
    return false;
  }

  struct Response {
    unsigned status = 200;
    std::string_view content_type = "text/plain; charset=utf-8";
    std::shared_ptr<const std::string> shared;  // sent before `body`, never copied
    std::string body;
    bool vary = false;   // "Vary: Accept-Encoding"
    bool gzip = false;   // "Content-Encoding: gzip"
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

  void respond(const Response& r) {
    ++server_.counters().requests[std::to_string(r.status)];
    keep_alive_ = r.keep_alive;
    out_.clear();
    const std::size_t length = (r.shared ? r.shared->size() : 0) + r.body.size();
    // The shared part goes straight from its buffer; a small body rides with the header.
    out_.reserve(200 + (r.head || r.shared ? 0 : r.body.size()));
    out_ += r.http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out_ += std::to_string(r.status);
    out_ += ' ';
    // Go's words (the one table, core/go.hpp); serve answers only with codes it names.
    const std::string_view reason = core::go::status_text(static_cast<int>(r.status));
    out_ += reason.empty() ? std::string_view("Unknown") : reason;
    out_ += "\r\nContent-Type: ";
    out_ += r.content_type;
    out_ += "\r\nContent-Length: ";
    out_ += std::to_string(length);
    if (r.gzip) out_ += "\r\nContent-Encoding: gzip";
    if (r.vary) out_ += "\r\nVary: Accept-Encoding";
    if (r.allow) out_ += "\r\nAllow: GET, HEAD";
    // HTTP/1.1 is persistent unless told otherwise; HTTP/1.0 only when asked (RFC 9112 §9.3).
    if (!r.keep_alive && !r.http10) out_ += "\r\nConnection: close";
    if (r.keep_alive && r.http10) out_ += "\r\nConnection: keep-alive";
    out_ += "\r\n\r\n";
    shared_.reset();
    tail_.clear();
    if (!r.head) {
      if (r.shared) {
        shared_ = r.shared;
        tail_ = r.body;
      } else {
        out_ += r.body;
      }
    }
    part_ = 0;
    sent_ = 0;
    state_ = State::writing;
    set_deadline(server_.options().idle_timeout);
    send();
  }

  // The response's parts in order: the header (with a small body), the shared body, its tail.
  std::string_view part(std::size_t i) const {
    if (i == 0) return out_;
    if (i == 1) return shared_ ? std::string_view(*shared_) : std::string_view();
    return tail_;
  }

  void send() {
    for (; part_ < 3; ++part_, sent_ = 0) {
      const std::string_view data = part(part_);
      while (sent_ < data.size()) {
        std::size_t n = 0;
        const Io io = write_some(data.data() + sent_, data.size() - sent_, n);
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
    }
    std::string().swap(out_);
    std::string().swap(tail_);
    shared_.reset();
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
    server_.release(this);
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
  std::string out_;      // the response being sent: its header (and a small body)
  std::shared_ptr<const std::string> shared_;  // then the shared body (metrics)
  std::string tail_;                           // then the rest of it
  std::size_t part_ = 0;                       // which of the three is being sent
  std::size_t sent_ = 0;                       // bytes of that part sent
  bool keep_alive_ = false;
  bool request_started_ = false;  // a byte of the request being read has arrived
  std::uint64_t requests_ = 0;
  State state_ = State::reading;
};

}  // namespace

void start_session(Server& server, tcp::socket socket, bool probe,
                   std::shared_ptr<const tls::ServerContext> context) {
  std::make_shared<Session>(server, std::move(socket), probe, std::move(context))->start();
}

}  // namespace promtls::net::detail
