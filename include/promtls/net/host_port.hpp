// Network addresses as "HOST:PORT" text: the one type and parser for every address promtls
// reads (selftest --connect, inspect --connect, serve --listen and --probe-listen) and writes.
//
// Rules, the same for both parse functions:
// - "HOST:PORT", where HOST is a DNS name or an IPv4 literal and holds no ':';
// - "[IPV6]:PORT", with the brackets; a bare IPv6 literal ("::1:443") is refused, since its last
//   ':' cannot be told from the separator; "[]" is refused;
// - PORT is 1 to 5 decimal digits, no sign or spaces, at most 65535.
// parse_client_target() also needs a HOST and a PORT of 1..65535 (something to connect to);
// parse_listen_address() admits an empty HOST (":PORT", all interfaces) and port 0 (the OS
// picks one).
//
// Pure: no I/O, no name resolution. Reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace promtls::net {

struct HostPort {
  std::string host;  // a DNS name or an IP literal, IPv6 without brackets; "" = all interfaces
  std::uint16_t port = 0;

  // "host:port", "[v6]:port", ":port" for an empty host.
  std::string to_string() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// A target to connect to; nullopt when `text` breaks the rules above, the host is empty or the
// port is 0.
std::optional<HostPort> parse_client_target(std::string_view text);

// A local address to listen on; nullopt when `text` breaks the rules above.
std::optional<HostPort> parse_listen_address(std::string_view text);

// "host:port", with brackets around a host that holds a ':' (an IPv6 literal).
std::string join_host_port(std::string_view host, std::uint16_t port);

}  // namespace promtls::net
