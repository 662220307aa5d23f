#include "promtls/core/go.hpp"

#include <cctype>
#include <cstring>
#include <limits>

namespace promtls::core::go {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Decodes one UTF-8 rune at s[i]. Returns its length (1–4) and sets `rune`; returns 0 for an
// invalid or truncated sequence, overlong forms and surrogates (as Go's utf8.DecodeRune does).
std::size_t decode_rune(std::string_view s, std::size_t i, char32_t& rune) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    rune = b0;
    return 1;
  }
  std::size_t len = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, rune = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, rune = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, rune = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    rune = (rune << 6) | (b & 0x3Fu);
  }
  if (rune < min || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) return 0;
  return len;
}

bool is_unicode_space(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// An approximation of unicode.IsPrint for runes above ASCII: everything except the C1
// controls, the soft hyphen, the line/paragraph separators, format controls commonly met
// (zero-width and bidi marks, BOM) and the non-ASCII spaces, which Go escapes.
bool is_print(char32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r < 0x7F) return true;
  if (r < 0xA0 || r == 0xAD) return false;
  if (is_unicode_space(r)) return false;
  if ((r >= 0x200B && r <= 0x200F) || (r >= 0x202A && r <= 0x202E) ||
      (r >= 0x2060 && r <= 0x206F) || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB)) {
    return false;
  }
  if ((r & 0xFFFE) == 0xFFFE) return false;      // noncharacters
  if (r >= 0xE000 && r <= 0xF8FF) return false;  // private use
  return true;
}

void append_hex(std::string& out, char32_t value, int digits) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out += kHex[(value >> shift) & 0xF];
  }
}

}  // namespace

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    char32_t r = 0;
    const std::size_t len = decode_rune(s, i, r);
    if (len == 0) {
      out += "\\x";
      append_hex(out, static_cast<unsigned char>(s[i]), 2);
      ++i;
      continue;
    }
    switch (r) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (is_print(r)) {
          out.append(s.substr(i, len));
        } else if (r < 0x20 || r == 0x7F) {
          out += "\\x";
          append_hex(out, r, 2);
        } else if (r < 0x10000) {
          out += "\\u";
          append_hex(out, r, 4);
        } else {
          out += "\\U";
          append_hex(out, r, 8);
        }
    }
    i += len;
  }
  out += '"';
  return out;
}

std::string_view trim_space(std::string_view s) {
  // Leading: decode forward.
  std::size_t start = 0;
  while (start < s.size()) {
    char32_t r = 0;
    const std::size_t len = decode_rune(s, start, r);
    if (len == 0 || !is_unicode_space(r)) break;
    start += len;
  }
  // Trailing: step back over continuation bytes to find each rune's start.
  std::size_t end = s.size();
  while (end > start) {
    std::size_t begin = end - 1;
    while (begin > start && (static_cast<unsigned char>(s[begin]) & 0xC0) == 0x80 &&
           end - begin < 4) {
      --begin;
    }
    char32_t r = 0;
    const std::size_t len = decode_rune(s, begin, r);
    if (len == 0 || begin + len != end || !is_unicode_space(r)) break;
    end = begin;
  }
  return s.substr(start, end - start);
}

std::string to_upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool equal_fold_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && to_lower_ascii(a) == to_lower_ascii(b);
}

std::optional<std::uint64_t> parse_uint(std::string_view s, int bits, std::string& error) {
  // Mirrors strconv.ParseUint's loop: the first offending byte decides between a syntax and
  // a range error, so "70000x" is out of range while "7x0000" is invalid syntax.
  const std::uint64_t max =
      bits >= 64 ? std::numeric_limits<std::uint64_t>::max() : (std::uint64_t{1} << bits) - 1;
  const auto fail = [&](std::string_view what) {
    error = "strconv.ParseUint: parsing " + quote(s) + ": " + std::string(what);
    return std::nullopt;
  };
  if (s.empty()) return fail("invalid syntax");
  std::uint64_t n = 0;
  constexpr std::uint64_t kCutoff = std::numeric_limits<std::uint64_t>::max() / 10 + 1;
  for (const char c : s) {
    if (c < '0' || c > '9') return fail("invalid syntax");
    if (n >= kCutoff) return fail("value out of range");
    n *= 10;
    const std::uint64_t next = n + static_cast<std::uint64_t>(c - '0');
    if (next < n || next > max) return fail("value out of range");
    n = next;
  }
  return n;
}

std::optional<std::int64_t> atoi(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s.front() == '+' || s.front() == '-') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  std::string err;
  const auto magnitude = parse_uint(s, 63, err);
  if (!magnitude) return std::nullopt;
  const auto value = static_cast<std::int64_t>(*magnitude);
  return negative ? -value : value;
}

std::string path_error(std::string_view op, std::string_view path, int err) {
  std::string text = std::strerror(err);
  // Go's syscall error strings are glibc's with a lower-case first letter.
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return std::string(op) + " " + std::string(path) + ": " + text;
}

}  // namespace promtls::core::go
