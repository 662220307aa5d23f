// selftest's HTTP/1.1 client side: the request it sends and the response reader, which feeds
// the connection's bytes to Boost.Beast's response parser (RFC 9112: Content-Length, chunked,
// or until close), within fixed bounds (64 KiB of headers, 64 MiB of body).
//
// Beast is included by http_client.cpp only (it costs ~15 s to compile). Internal to the net
// layer; the functions are reentrant.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace promtls::net::detail {

inline constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;
inline constexpr std::size_t kMaxResponseBodyBytes = 64 * 1024 * 1024;

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by ", "
  std::string body;
  bool keep_alive = true;  // the connection may carry another request
};

// Reads up to `size` bytes into `buf`: > 0 bytes read, 0 orderly end of stream, -1 error with
// the reason in `why`. Connection::read_some with the exchange's deadline bound in.
using ReadSome = std::function<long(char* buf, std::size_t size, std::string& why)>;

// Reads one response. `buffer` holds bytes read before and keeps the bytes read past this
// response (the next one on a kept-alive connection). Returns "" or the reason in words
// ("response headers larger than 64 KiB", "the connection closed before the whole body
// arrived", a reason from `read`). `first_byte` (optional) is set when the first byte arrives.
std::string read_response(const ReadSome& read, std::string& buffer, Response& response,
                          std::optional<std::chrono::steady_clock::time_point>* first_byte);

// "GET <path> HTTP/1.1" with Host, User-Agent, Accept (the exposition format first) and
// Connection: keep-alive or close.
std::string request_text(const std::string& path, const std::string& host_header, bool keep_alive);

}  // namespace promtls::net::detail
