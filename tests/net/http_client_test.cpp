// selftest's response reader (Beast's parser fed from the connection's bytes): bodies by
// Content-Length, chunked and until close, bytes past a response kept, and every failure named.
#include "http_client.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

using promtls::net::detail::read_response;
using promtls::net::detail::ReadSome;
using promtls::net::detail::Response;

namespace {

// Hands out `pieces` one read at a time, then the end of the stream (or an error).
struct Feed {
  explicit Feed(std::vector<std::string> p, std::string e = "")
      : pieces(std::move(p)), error(std::move(e)) {}
  std::vector<std::string> pieces;
  std::string error;  // after the pieces: "" = orderly close, else this reason
  std::size_t next = 0;

  ReadSome reader() {
    return [this](char* buf, std::size_t size, std::string& why) -> long {
      if (next == pieces.size()) {
        if (error.empty()) return 0;
        why = error;
        return -1;
      }
      std::string& piece = pieces[next];
      const std::size_t n = std::min(size, piece.size());
      piece.copy(buf, n);
      piece.erase(0, n);
      if (piece.empty()) ++next;
      return static_cast<long>(n);
    };
  }
};

std::string read_all(Feed& feed, Response& response, std::string& buffer) {
  return read_response(feed.reader(), buffer, response, nullptr);
}

}  // namespace

TEST_CASE("a Content-Length body is read whole, across reads, and the next bytes are kept") {
  Feed feed{{"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Le",
             "ngth: 5\r\n\r\nab", "cdeHTTP/1.1 204 No Content\r\n\r\n"}};
  Response r;
  std::string buffer;
  REQUIRE(read_all(feed, r, buffer) == "");
  CHECK(r.status == 200);
  CHECK(r.body == "abcde");
  CHECK(r.keep_alive);
  CHECK(r.headers["content-type"] == "text/plain; version=0.0.4");
  Response next;
  REQUIRE(read_all(feed, next, buffer) == "");
  CHECK(next.status == 204);
  CHECK(next.body.empty());
}

TEST_CASE("a chunked body is joined, and repeated headers are joined with commas") {
  Feed feed{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nX-A: 2\r\n\r\n",
             "3\r\nabc\r\n", "2\r\nde\r\n0\r\n\r\n"}};
  Response r;
  std::string buffer;
  REQUIRE(read_all(feed, r, buffer) == "");
  CHECK(r.body == "abcde");
  CHECK(r.headers["x-a"] == "1, 2");
  CHECK(buffer.empty());
}

TEST_CASE("a body without a length runs to the close, and the connection is not reused") {
  Feed feed{{"HTTP/1.1 200 OK\r\n\r\nall", " of it"}};
  Response r;
  std::string buffer;
  REQUIRE(read_all(feed, r, buffer) == "");
  CHECK(r.body == "all of it");
  CHECK_FALSE(r.keep_alive);
}

TEST_CASE("HTTP/1.0 and Connection: close end the connection after the response") {
  Feed ten{{"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"}};
  Response r;
  std::string buffer;
  REQUIRE(read_all(ten, r, buffer) == "");
  CHECK_FALSE(r.keep_alive);
  Feed close{{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"}};
  Response c;
  REQUIRE(read_all(close, c, buffer) == "");
  CHECK_FALSE(c.keep_alive);
}

TEST_CASE("every way a response can fail is named") {
  const auto failure = [](Feed feed) {
    Response r;
    std::string buffer;
    return read_all(feed, r, buffer);
  };
  CHECK(failure(Feed{{}}) == "the server closed the connection without a response");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nContent-"}}) ==
        "the connection closed inside the response headers");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}}) ==
        "the connection closed before the whole body arrived");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"}}) ==
        "the connection closed inside a chunked body");
  CHECK(failure(Feed{{"SSH-2.0-OpenSSH_9.2\r\n\r\n"}}) ==
        "not an HTTP/1.x response: \"SSH-2.0-OpenSSH_9.2\"");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nContent-Length: x1\r\n\r\n"}}) ==
        "malformed Content-Length \"x1\"");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}}) ==
        "malformed chunk size");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nX: " + std::string(70 * 1024, 'a')}}) ==
        "response headers larger than 64 KiB");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n"}}) ==
        "response body larger than 64 MiB (Content-Length: 99999999999)");
  // Checked before the parser sees the header: no allocation for a length over the limit, and
  // a negative length is malformed, not large (issue 18).
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nContent-Length: 67108865\r\n\r\n"}}) ==
        "response body larger than 64 MiB (Content-Length: 67108865)");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\ncontent-length:  -1 \r\n\r\n"}}) ==
        "malformed Content-Length \"-1\"");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nContent-Length: 184467440737095516160\r\n\r\n"}}) ==
        "response body larger than 64 MiB (Content-Length: 184467440737095516160)");
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n"}}) ==
        "malformed Content-Length \"\"");
  // A length with leading zeros is a length.
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nContent-Length: 0003\r\n\r\nabc"}}).empty());
  CHECK(failure(Feed{{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na"}, "timed out"}) ==
        "timed out");
}
