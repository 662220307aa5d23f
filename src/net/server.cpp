// serve's server: listeners, credentials, sources and draining (server_core.hpp); sessions are
// in session.cpp, the in-process LocalServer in local_server.cpp.
#include "promtls/net/server.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "server_core.hpp"

namespace promtls::net {
namespace detail {

void Server::start() {
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
    spec.follow_symlinks = options_.watch_follow_symlinks;
    spec.tigera = options_.tigera_compat;
    // The tests' knob for the fallback that polls directories (README, "Watched sources").
    const char* poll = std::getenv("PROMTLS_WATCH_POLL");
    spec.poll_only = poll != nullptr && std::string_view(poll) == "1";
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

ExitCode Server::loop() {
  ioc_.run();
  bool abandoned = false;
  if (sources_) {
    // The watcher was asked to stop when draining began; it gets what is left of the drain
    // timeout (at least a moment, to finish the file it is in). One still inside a file then
    // (a PKCS#12 at the iteration cap) is left behind: SIGTERM never waits for a read.
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        Clock::now() - drain_started_.value_or(Clock::now()));
    const auto left = std::max(options_.drain_timeout - spent, std::chrono::milliseconds(200));
    abandoned = !sources_->stop(left);
    if (abandoned) {
      log_.log("warning", "sources_abandoned",
               {{"msg", "a source read was still running at the drain timeout"}});
    }
  }
  log_.log("info", "stopped", {{"open_connections", std::to_string(sessions_.size())}});
  if (abandoned && signals_) {
    // The process's own exit would run OpenSSL's cleanup under the read still running.
    std::fflush(nullptr);
    std::_Exit(static_cast<int>(ExitCode::ok));
  }
  return ExitCode::ok;
}

void Server::stop() {
  asio::post(ioc_, [this] {
    if (!draining_) begin_drain(0);
  });
}

void Server::handshake_done(const tls::SessionFacts& facts, const std::string& peer) {
  ++counters_.handshakes[{"success", "ok", facts.version, facts.group}];
  if (log_.debug()) {
    log_.log("debug", "handshake",
             {{"peer", peer},
              {"version", facts.version},
              {"group", facts.group},
              {"cipher", facts.cipher},
              {"client_certificate", facts.client_certificate ? "true" : "false"}});
  }
}

void Server::handshake_failed(std::string_view reason, const std::string& peer,
                              const std::string& detail, const tls::SessionFacts& facts) {
  ++counters_.handshakes[{"failure", std::string(reason), facts.version, facts.group}];
  std::uint64_t suppressed = 0;
  const bool allowed = handshake_log_.allow(Clock::now(), suppressed);
  if (suppressed > 0) {
    log_.log("warning", "handshake_failures_suppressed", {{"count", std::to_string(suppressed)}});
  }
  if (allowed) {
    Fields fields{{"peer", peer}, {"reason", std::string(reason)}, {"detail", detail}};
    if (!facts.version.empty()) fields.emplace_back("version", facts.version);
    if (!facts.group.empty()) fields.emplace_back("group", facts.group);
    log_.log("warning", "handshake_failed", fields);
  }
}

bool Server::ready(std::string& why) const {
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

MetricsBody Server::render_metrics(bool gzip) {
  RenderInput in;
  in.now_unix = static_cast<std::int64_t>(std::time(nullptr));
  if (generation_) in.serving_not_after = generation_->leaf().not_after_unix;
  in.open_connections = budgets_[0].open + budgets_[1].open;
  in.version = options_.version;
  if (credentials_) {
    counters_.reloads_ok = credentials_->reloads_ok();
    counters_.reloads_failed = credentials_->reloads_failed();
  }
  in.counters = &counters_;
  in.sources = sources_ ? &*sources_ : nullptr;
  in.tigera = options_.tigera_compat;
  return renderer_.render_body(in, gzip);
}

tcp::endpoint Server::resolve(const std::string& address) {
  const auto ep = parse_listen_address(address);
  if (!ep) {
    throw Error("listen address " + address +
                    ": expected HOST:PORT, :PORT or [IPv6]:PORT with PORT from 0 to 65535",
                ExitCode::usage);
  }
  if (ep->host.empty()) return tcp::endpoint(tcp::v6(), ep->port);
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(ep->host, ec);
  if (!ec) return tcp::endpoint(addr, ep->port);
  tcp::resolver resolver(ioc_);
  const auto results = resolver.resolve(ep->host, std::to_string(ep->port), ec);
  if (ec || results.empty()) {
    throw Error("listen address " + address + ": cannot resolve " + ep->host + ": " + ec.message(),
                ExitCode::cannot_run);
  }
  return results.begin()->endpoint();
}

void Server::listen(const std::string& address, bool probe) {
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
    throw Error("cannot listen on " + address + ": " + ec.message(), ExitCode::cannot_run);
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

void Server::accept(Listener& l) {
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

void Server::wait_hup() {
  if (!hup_) return;
  hup_->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    if (credentials_) report_reload(credentials_->reload(), "sighup");
    wait_hup();
  });
}

void Server::schedule_reload_check() {
  if (!credentials_) return;
  reload_timer_.expires_after(std::chrono::seconds(1));
  reload_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    report_reload(credentials_->poll(Clock::now()), "change");
    schedule_reload_check();
  });
}

void Server::report_reload(const tls::Credentials::Outcome& outcome, const char* trigger) {
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

void Server::begin_drain(int sig) {
  draining_ = true;
  drain_started_ = Clock::now();
  if (sources_) sources_->request_stop();
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
    log_.log("warning", "drain_timeout", {{"open_connections", std::to_string(sessions_.size())}});
    ioc_.stop();
  });
}

void Server::finish() {
  drain_timer_.cancel();
  ioc_.stop();
}

void Server::add(SessionBase* s) {
  sessions_.insert(s);
  Budget& b = budget(s->probe_);
  ++b.open;
  s->counted_ = true;
  s->waiting_at_ = b.waiting.insert(b.waiting.end(), s);
  s->waiting_ = true;
}

void Server::on_accept(tcp::socket socket, bool probe) {
  Budget& b = budget(probe);
  if (b.open >= b.limit && !b.waiting.empty()) {
    // nginx frees slots the same way: it closes the idle connections it may reuse.
    ++counters_.connections_evicted;
    b.waiting.front()->evict();
  }
  if (b.open >= b.limit) {
    ++counters_.connections_rejected;
    std::uint64_t suppressed = 0;
    if (reject_log_.allow(Clock::now(), suppressed)) {
      log_.log("warning", "connection_rejected",
               {{"reason", probe ? "max_probe_connections" : "max_connections"},
                {"limit", std::to_string(b.limit)}});
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  start_session(*this, std::move(socket), probe, probe || !options_.tls ? nullptr : generation_);
}

}  // namespace detail

ExitCode run(const ServerOptions& options) {
  detail::Server server(options, true);
  return server.run();
}

}  // namespace promtls::net
