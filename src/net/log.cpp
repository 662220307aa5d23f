#include "log.hpp"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace promtls::net::detail {
namespace {

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// A logfmt value: bare when it has no blank, quote or '=', else quoted with \" and \\ escaped;
// control characters are escaped so one event stays one line.
std::string logfmt(std::string_view v) {
  bool quote = v.empty();
  for (const char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
    }
  }
  if (!quote) return std::string(v);
  std::string out = "\"";
  for (const char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

void Logger::log(std::string_view level, std::string_view event, const Fields& fields) {
  if (format_ == LogFormat::off || (level == "debug" && !debug_)) return;
  std::string line;
  if (format_ == LogFormat::json) {
    nlohmann::ordered_json j;
    j["time"] = timestamp();
    j["level"] = level;
    j["event"] = event;
    for (const auto& [k, v] : fields) j[std::string(k)] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = "time=" + timestamp() + " level=" + std::string(level) + " event=" + std::string(event);
    for (const auto& [k, v] : fields) line += " " + std::string(k) + "=" + logfmt(v);
  }
  line += '\n';
  const std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

bool RateLimiter::allow(std::chrono::steady_clock::time_point now, std::uint64_t& suppressed) {
  suppressed = 0;
  if (now - start_ >= window_) {
    suppressed = dropped_;
    start_ = now;
    used_ = 0;
    dropped_ = 0;
  }
  if (used_ < burst_) {
    ++used_;
    return true;
  }
  ++dropped_;
  return false;
}

}  // namespace promtls::net::detail
