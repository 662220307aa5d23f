// HostPort: the one address syntax of --connect, --listen and --probe-listen.
#include "promtls/net/host_port.hpp"

#include <catch2/catch.hpp>

using promtls::net::HostPort;
using promtls::net::join_host_port;
using promtls::net::parse_client_target;
using promtls::net::parse_listen_address;

TEST_CASE("a client target is a host and a port 1..65535, IPv6 in brackets") {
  CHECK(parse_client_target("h:1") == HostPort{"h", 1});
  CHECK(parse_client_target("example.com:65535") == HostPort{"example.com", 65535});
  CHECK(parse_client_target("127.0.0.1:9090") == HostPort{"127.0.0.1", 9090});
  CHECK(parse_client_target("[::1]:1") == HostPort{"::1", 1});
  CHECK(parse_client_target("[fe80::1%eth0]:443") == HostPort{"fe80::1%eth0", 443});
}

TEST_CASE("a client target without a host, with port 0 or a bad port is refused") {
  for (const char* bad : {":0", ":443", "h:0", "h:65536", "h:99999", "h:123456", "h:", "h", "h:-1",
                          "h:+1", "h: 1", "h:1 ", "h:0x10", "h:https", "", ":"}) {
    INFO(bad);
    CHECK_FALSE(parse_client_target(bad));
  }
}

TEST_CASE("an IPv6 literal needs its brackets, and the brackets a host") {
  for (const char* bad : {"::1:443", "fe80::1:80", "[::1]", "[::1]443", "[::1:443", "::1]:443",
                          "[]:443", "[]:0", "a[b]:1", "[::1]:", "[::1]:x"}) {
    INFO(bad);
    CHECK_FALSE(parse_client_target(bad));
    CHECK_FALSE(parse_listen_address(bad));
  }
}

TEST_CASE("a listen address may leave the host empty and the port 0") {
  CHECK(parse_listen_address(":0") == HostPort{"", 0});
  CHECK(parse_listen_address(":9090") == HostPort{"", 9090});
  CHECK(parse_listen_address("127.0.0.1:0") == HostPort{"127.0.0.1", 0});
  CHECK(parse_listen_address("[::]:8443") == HostPort{"::", 8443});
  CHECK(parse_listen_address("h:1") == HostPort{"h", 1});
  for (const char* bad : {"9090", "h:65536", "h:", ":", "", "h:-0", ":00000x"}) {
    INFO(bad);
    CHECK_FALSE(parse_listen_address(bad));
  }
}

TEST_CASE("an address prints back as it parses, with brackets around IPv6") {
  CHECK(join_host_port("::1", 443) == "[::1]:443");
  CHECK(join_host_port("localhost", 9090) == "localhost:9090");
  CHECK(HostPort{"", 9090}.to_string() == ":9090");
  for (const char* text : {"h:1", "[::1]:1", "10.0.0.1:65535"}) {
    CHECK(parse_client_target(text)->to_string() == text);
  }
  CHECK(parse_listen_address(":0")->to_string() == ":0");
}
