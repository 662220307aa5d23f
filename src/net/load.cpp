// Prober::load: many scrapes over kept-alive or new connections, from worker threads.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "prober_impl.hpp"

namespace promtls::net {

using detail::Clock;
using detail::ms_since;

core::LoadRun Prober::load(std::size_t requests, std::size_t concurrency, bool new_connections) {
  core::LoadRun run;
  run.target = impl_->target.address.to_string();
  run.requests = requests;
  run.concurrency = concurrency == 0 ? 1 : concurrency;
  run.new_connections = new_connections;
  const auto ctx = detail::build_client_context(impl_->base_spec());
  const std::size_t n_threads = std::min(run.concurrency, requests == 0 ? 1 : requests);
  // Worker t makes request t first, so every worker opens its connection however late its
  // thread starts (C connections means C, not whoever got scheduled before the requests ran
  // out); the rest are shared out from n_threads on.
  std::atomic<std::size_t> next{n_threads};
  std::atomic<std::size_t> handshakes{0};
  std::mutex mutex;
  const Impl& m = *impl_;

  const auto worker = [&](std::size_t first) noexcept {
    std::vector<double> latencies;
    std::map<std::string, std::size_t> errors;
    std::unique_ptr<detail::Connection> conn;
    std::string buffer;
    for (std::size_t i = first; i < requests; i = next.fetch_add(1)) {
      try {
        const auto start = Clock::now();
        const auto deadline = start + std::chrono::milliseconds(m.target.timeout_ms);
        core::Exchange ex;
        if (!conn || new_connections) {
          conn = std::make_unique<detail::Connection>();
          buffer.clear();
          if (!m.open(*conn, ctx.get(), start, deadline, ex, false)) {
            ++errors[ex.connected ? "handshake: " + ex.tls.error : "connect: " + ex.connect_error];
            conn.reset();
            continue;
          }
          handshakes.fetch_add(1);
        } else {
          ex.connected = true;
          ex.tls.completed = true;
        }
        detail::Response response;
        m.request(*conn, buffer, !new_connections, start, deadline, ex, &response);
        if (!ex.http.responded) {
          ++errors["http: " + ex.http.error];
          conn.reset();
          continue;
        }
        if (ex.http.status < 200 || ex.http.status >= 300) {
          ++errors["http status " + std::to_string(ex.http.status)];
        } else {
          latencies.push_back(ms_since(start));
        }
        if (!response.keep_alive || new_connections) conn.reset();
      } catch (const std::exception& e) {
        ++errors[std::string("internal: ") + e.what()];
        conn.reset();
      }
    }
    const std::lock_guard<std::mutex> lock(mutex);
    run.latencies_ms.insert(run.latencies_ms.end(), latencies.begin(), latencies.end());
    for (const auto& [reason, n] : errors) run.errors[reason] += n;
  };

  const auto start = Clock::now();
  std::vector<std::thread> threads;
  threads.reserve(n_threads);
  for (std::size_t t = 0; t < n_threads; ++t) threads.emplace_back(worker, t);
  for (auto& t : threads) t.join();
  run.duration_ms = ms_since(start);
  run.handshakes = handshakes.load();
  return run;
}

}  // namespace promtls::net
