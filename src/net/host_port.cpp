#include "promtls/net/host_port.hpp"

namespace promtls::net {
namespace {

// The common rules; `host` may come back empty and `port` 0.
std::optional<HostPort> parse(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close == 1 || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    if (host.find_first_of(":[]") != std::string_view::npos) return std::nullopt;
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return HostPort{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace

std::string HostPort::to_string() const { return join_host_port(host, port); }

std::optional<HostPort> parse_client_target(std::string_view text) {
  auto hp = parse(text);
  if (!hp || hp->host.empty() || hp->port == 0) return std::nullopt;
  return hp;
}

std::optional<HostPort> parse_listen_address(std::string_view text) { return parse(text); }

std::string join_host_port(std::string_view host, std::uint16_t port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  return out + ":" + std::to_string(port);
}

}  // namespace promtls::net
