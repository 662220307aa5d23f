// The client's only Boost.Beast translation unit (the server's is session.cpp).
#include "http_client.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string_view>
#include <utility>
#include <vector>

namespace promtls::net::detail {
namespace {

namespace http = boost::beast::http;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

// The values of header `name` (lower case) among the raw header lines in `head`, in order,
// without surrounding blanks.
std::vector<std::string_view> raw_headers(std::string_view head, std::string_view name) {
  std::vector<std::string_view> values;
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string_view line = head.substr(pos + 2, next - (pos + 2));
    pos = next;
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || lower(line.substr(0, colon)) != name) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    values.push_back(value);
  }
  return values;
}

// The first value of header `name`, for messages about a value Beast refused; "" when absent.
std::string raw_header(std::string_view head, std::string_view name) {
  const std::vector<std::string_view> values = raw_headers(head, name);
  return values.empty() ? std::string() : std::string(values.front());
}

// What a parse error means, in the words selftest reports.
std::string describe(const boost::system::error_code& ec, std::string_view unparsed,
                     bool header_done) {
  const std::string status_line(unparsed.substr(0, unparsed.find("\r\n")));
  if (ec == http::error::header_limit) return "response headers larger than 64 KiB";
  if (ec == http::error::body_limit) return "response body larger than 64 MiB";
  if (!header_done) {
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12 || status_line[8] != ' ') {
      return "not an HTTP/1.x response: \"" + status_line.substr(0, 40) + "\"";
    }
    if (ec == http::error::bad_status || ec == http::error::bad_reason) {
      return "malformed status line \"" + status_line.substr(0, 40) + "\"";
    }
    if (ec == http::error::bad_content_length) {
      return "malformed Content-Length \"" + raw_header(unparsed, "content-length") + "\"";
    }
    return "malformed response headers (" + ec.message() + ")";
  }
  if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension) {
    return "malformed chunk size";
  }
  return "malformed response body (" + ec.message() + ")";
}

// Checks the Content-Length values of a complete header block `head` (up to and including the
// blank line) before the parser sees it: a value that is not a decimal number is malformed (Beast
// reads "-1" as a length over its limit), and one over the body limit is refused here, before
// the string body reserves it (99999999999 could end in std::bad_alloc). "" when fine.
std::string check_content_length(std::string_view head) {
  for (std::string_view value : raw_headers(head, "content-length")) {
    const std::string shown(value.substr(0, 40));
    if (value.empty() ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return "malformed Content-Length \"" + shown + "\"";
    }
    while (value.size() > 1 && value.front() == '0') value.remove_prefix(1);
    std::size_t length = 0;
    const bool over = value.size() > 12;  // 10^12 bytes is far over the limit; no overflow below it
    for (std::size_t i = 0; !over && i < value.size(); ++i) {
      length = length * 10 + static_cast<std::size_t>(value[i] - '0');
    }
    if (over || length > kMaxResponseBodyBytes) {
      return "response body larger than 64 MiB (Content-Length: " + shown + ")";
    }
  }
  return {};
}

}  // namespace

std::string read_response(const ReadSome& read, std::string& buffer, Response& response,
                          std::optional<std::chrono::steady_clock::time_point>* first_byte) {
  http::response_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kMaxResponseHeaderBytes));
  parser.body_limit(kMaxResponseBodyBytes);
  parser.eager(true);
  char chunk[16384];
  bool any = !buffer.empty();
  while (!parser.is_done()) {
    if (!buffer.empty()) {
      // Beast takes a header whole or not at all: until it is done, `buffer` holds all of it,
      // kept for the messages about it.
      const std::string unparsed = parser.is_header_done() ? std::string() : buffer;
      if (!parser.is_header_done()) {
        // The header first, whole, checked before the parser allocates for the body.
        const std::size_t end = buffer.find("\r\n\r\n");
        if (end != std::string::npos) {
          std::string why = check_content_length(std::string_view(buffer).substr(0, end + 4));
          if (!why.empty()) return why;
        }
      }
      boost::system::error_code ec;
      const std::size_t used = parser.put(boost::asio::buffer(buffer), ec);
      buffer.erase(0, used);
      if (ec && ec != http::error::need_more) {
        return describe(ec, unparsed, parser.is_header_done());
      }
      if (parser.is_done()) break;
      if (used > 0 && !buffer.empty() && ec != http::error::need_more) continue;
    }
    std::string why;
    const long n = read(chunk, sizeof chunk, why);
    if (n < 0) return why;
    if (n > 0) {
      any = true;
      if (first_byte != nullptr && !first_byte->has_value()) {
        *first_byte = std::chrono::steady_clock::now();
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    // The peer closed.
    if (!parser.is_header_done()) {
      return any ? "the connection closed inside the response headers"
                 : "the server closed the connection without a response";
    }
    boost::system::error_code ec;
    parser.put_eof(ec);
    if (ec) {
      return parser.chunked() ? "the connection closed inside a chunked body"
                              : "the connection closed before the whole body arrived";
    }
  }
  const auto& message = parser.get();
  response.status = static_cast<int>(message.result_int());
  response.keep_alive = message.keep_alive() && !parser.need_eof();
  for (const auto& field : message) {
    auto [it, inserted] =
        response.headers.emplace(lower(field.name_string()), std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  response.body = std::move(parser.release().body());
  return {};
}

std::string request_text(const std::string& path, const std::string& host_header, bool keep_alive) {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host_header +
         "\r\nUser-Agent: promtls-selftest\r\n"
         "Accept: text/plain;version=0.0.4;q=1.0,*/*;q=0.1\r\n"
         "Accept-Encoding: identity\r\nConnection: " +
         (keep_alive ? "keep-alive" : "close") + "\r\n\r\n";
}

}  // namespace promtls::net::detail
