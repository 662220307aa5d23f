#include "detail/openssl.hpp"

#include <openssl/evp.h>

#include <memory>

namespace promtls::tls::detail {

std::string drain_errors() {
  std::string out;
  while (const unsigned long code = ::ERR_get_error()) {
    const char* reason = ::ERR_reason_error_string(code);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : "unknown OpenSSL error";
  }
  return out;
}

namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";

// The line starting at `at` (without its "\n" or "\r\n"), and where the next one starts.
std::string_view line_at(std::string_view bytes, std::size_t at, std::size_t& next) {
  std::size_t end = bytes.find('\n', at);
  next = end == std::string_view::npos ? bytes.size() : end + 1;
  if (end == std::string_view::npos) end = bytes.size();
  if (end > at && bytes[end - 1] == '\r') --end;
  return bytes.substr(at, end - at);
}

// RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", ...) end at the first empty line; a body without
// one starts with base64 at once.
std::string_view split_headers(std::string_view body, std::string& header) {
  const std::size_t first_line = body.find('\n');
  if (body.substr(0, first_line).find(':') == std::string_view::npos) return body;
  std::size_t at = 0;
  while (at < body.size()) {
    std::size_t next = 0;
    const std::string_view line = line_at(body, at, next);
    if (line.empty()) return body.substr(next);
    header.append(line).push_back('\n');
    at = next;
  }
  return {};
}

bool decode_base64(std::string_view b64, std::string& out) {
  std::unique_ptr<EVP_ENCODE_CTX, Deleter<::EVP_ENCODE_CTX_free>> ctx(::EVP_ENCODE_CTX_new());
  out.assign(b64.size() * 3 / 4 + 3, '\0');
  int len = 0;
  int final_len = 0;
  ::EVP_DecodeInit(ctx.get());
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  const bool ok =
      ::EVP_DecodeUpdate(ctx.get(), p, &len, reinterpret_cast<const unsigned char*>(b64.data()),
                         static_cast<int>(b64.size())) >= 0 &&
      ::EVP_DecodeFinal(ctx.get(), p + len, &final_len) == 1;
  out.resize(ok ? static_cast<std::size_t>(len + final_len) : 0);
  return ok && !out.empty();
}

}  // namespace

std::vector<PemBlock> pem_blocks(std::string_view bytes) {
  std::vector<PemBlock> blocks;
  std::size_t at = bytes.find(kBegin);
  while (at != std::string_view::npos) {
    if (at > 0 && bytes[at - 1] != '\n') {  // not at the start of a line: ordinary text
      at = bytes.find(kBegin, at + 1);
      continue;
    }
    std::size_t body = 0;
    const std::string_view begin_line = line_at(bytes, at, body);
    const std::string_view rest = begin_line.substr(kBegin.size());
    if (rest.size() < kDashes.size() || rest.substr(rest.size() - kDashes.size()) != kDashes) {
      at = bytes.find(kBegin, at + 1);
      continue;
    }
    PemBlock block;
    block.name = std::string(rest.substr(0, rest.size() - kDashes.size()));
    const std::string end_line = "-----END " + block.name + "-----";
    std::size_t end = bytes.find(end_line, body);
    while (end != std::string_view::npos && end > 0 && bytes[end - 1] != '\n') {
      end = bytes.find(end_line, end + 1);
    }
    // A BEGIN line before the END line means this block never ended.
    const std::size_t next_begin = bytes.find(kBegin, body);
    if (end == std::string_view::npos ||
        (next_begin != std::string_view::npos && next_begin < end)) {
      block.decoded = false;
      blocks.push_back(std::move(block));
      at = next_begin;
      continue;
    }
    const std::string_view b64 = split_headers(bytes.substr(body, end - body), block.header);
    block.decoded = decode_base64(b64, block.data);
    blocks.push_back(std::move(block));
    at = bytes.find(kBegin, end + end_line.size());
  }
  ::ERR_clear_error();
  return blocks;
}

}  // namespace promtls::tls::detail
