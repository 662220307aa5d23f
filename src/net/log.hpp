// Structured logs on stderr for serve: one line per event, text (key=value) or JSON. Never pass
// key material to it. Thread-safe (a mutex serialises lines).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "promtls/net/server.hpp"

namespace promtls::net::detail {

using Fields = std::vector<std::pair<std::string_view, std::string>>;

class Logger {
 public:
  explicit Logger(LogFormat format, bool debug = false) : format_(format), debug_(debug) {}
  // level: "debug" (written only when the logger was made with `debug`), "info", "warning",
  // "error".
  void log(std::string_view level, std::string_view event, const Fields& fields);
  // Whether "debug" lines are written: callers skip building their fields otherwise.
  bool debug() const { return debug_ && format_ != LogFormat::off; }

 private:
  LogFormat format_;
  bool debug_;
  std::mutex mutex_;
};

// Lets at most `burst` events through per `window`; counts the rest. Not synchronised.
class RateLimiter {
 public:
  RateLimiter(std::size_t burst, std::chrono::seconds window) : burst_(burst), window_(window) {}
  // True when this event may be logged. `suppressed` receives the number of events dropped in the
  // previous window when a new window starts (0 otherwise).
  bool allow(std::chrono::steady_clock::time_point now, std::uint64_t& suppressed);

 private:
  std::size_t burst_;
  std::chrono::seconds window_;
  std::chrono::steady_clock::time_point start_{};
  std::size_t used_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace promtls::net::detail
