#include "promtls/core/go.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>

#include "promtls/core/tls_catalog.hpp"

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

std::optional<Version> parse_version(std::string_view text) {
  if (text.rfind("go", 0) == 0) text.remove_prefix(2);
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::string_view minor = text.substr(dot + 1);
  // The patch level ("1.24.3") or a pre-release ("1.26rc1") does not change the defaults.
  const std::size_t end = minor.find_first_not_of("0123456789");
  const std::string_view rest = end == std::string_view::npos ? "" : minor.substr(end);
  minor = minor.substr(0, end);
  const bool rest_ok =
      rest.empty() ||
      (rest[0] == '.' && rest.size() > 1 && rest.find_first_not_of("0123456789", 1) == rest.npos) ||
      rest.rfind("rc", 0) == 0 || rest.rfind("beta", 0) == 0;
  std::string error;
  const auto major = parse_uint(text.substr(0, dot), 8, error);
  const auto minor_value = parse_uint(minor, 8, error);
  if (!major || !minor_value || !rest_ok || *major != 1) return std::nullopt;
  return Version{static_cast<int>(*major), static_cast<int>(*minor_value)};
}

std::string to_string(Version v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

std::optional<std::string> godebug_setting(std::string_view godebug, std::string_view key) {
  std::optional<std::string> value;
  std::size_t start = 0;
  while (start <= godebug.size()) {
    std::size_t comma = godebug.find(',', start);
    if (comma == std::string_view::npos) comma = godebug.size();
    const std::string_view part = godebug.substr(start, comma - start);
    const std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == key) {
      value = std::string(part.substr(eq + 1));
    }
    start = comma + 1;
  }
  return value;
}

std::string group_name(std::uint16_t id) {
  if (id == kX25519Kyber768Draft00) return "X25519Kyber768Draft00";
  if (const Group* g = find_group(id)) return std::string(g->name);
  return "CurveID(" + std::to_string(id) + ")";
}

KeyExchange key_exchange(Version version, const std::optional<std::vector<std::uint16_t>>& curves,
                         std::uint16_t max_version, std::string_view godebug) {
  const auto id = [](std::string_view go_name) { return find_group_by_go_name(go_name)->id; };
  const std::uint16_t mlkem = id("X25519MLKEM768");
  const std::vector<std::uint16_t> classical = {id("X25519"), id("CurveP256"), id("CurveP384"),
                                                id("CurveP521")};
  const auto with = [&](std::vector<std::uint16_t> front) {
    front.insert(front.end(), classical.begin(), classical.end());
    return front;
  };
  // Every group the release implements, in its fixed preference order.
  const int minor = version.major == 1 ? version.minor : 0;
  std::vector<std::uint16_t> implemented = classical;
  if (minor >= 26) {
    implemented = with({mlkem, id("SecP256r1MLKEM768"), id("SecP384r1MLKEM1024")});
  } else if (minor >= 24) {
    implemented = with({mlkem});
  }
  KeyExchange out;
  out.version = version;
  out.godebug = std::string(godebug);
  const bool listed = curves && !curves->empty();
  if (listed) {
    if (minor >= 24) {
      for (const std::uint16_t g : implemented) {
        if (std::find(curves->begin(), curves->end(), g) != curves->end()) out.groups.push_back(g);
      }
    } else {
      // Before Go 1.24 the list's own order is the preference order.
      for (const std::uint16_t g : *curves) {
        if (std::find(implemented.begin(), implemented.end(), g) != implemented.end() &&
            std::find(out.groups.begin(), out.groups.end(), g) == out.groups.end()) {
          out.groups.push_back(g);
        }
      }
    }
  } else {
    const auto setting = [&](std::string_view key) {
      const auto value = godebug_setting(godebug, key);
      if (value == "0") out.off_setting = std::string(key) + "=0";
      return value == "0";
    };
    if (minor == 23) {
      out.groups = setting("tlskyber") ? classical : with({kX25519Kyber768Draft00});
    } else if (minor >= 24 && setting("tlsmlkem")) {
      out.groups = classical;
    } else if (minor >= 26 && setting("tlssecpmlkem")) {
      out.groups = with({mlkem});
    } else {
      out.groups = implemented;
    }
  }
  const bool hybrid = std::any_of(out.groups.begin(), out.groups.end(), is_post_quantum);
  if (max_version == kTls12) {
    out.groups.erase(std::remove_if(out.groups.begin(), out.groups.end(),
                                    [](std::uint16_t g) {
                                      const Group* group = find_group(g);
                                      return g == kX25519Kyber768Draft00 ||
                                             (group != nullptr && group->tls13_only);
                                    }),
                     out.groups.end());
  }
  out.post_quantum = hybrid && max_version != kTls12;
  if (hybrid) {
    out.off = out.post_quantum ? KeyExchange::Off::none : KeyExchange::Off::tls12_max;
  } else if (minor < 24) {
    out.off = KeyExchange::Off::old_go;
  } else if (listed) {
    out.off = KeyExchange::Off::curve_list;
  } else {
    out.off = KeyExchange::Off::godebug;
  }
  if (out.off != KeyExchange::Off::godebug) out.off_setting.clear();
  return out;
}

std::string_view status_text(int code) {
  struct Phrase {
    int code;
    std::string_view text;
  };
  static constexpr Phrase kPhrases[] = {
      {200, "OK"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {406, "Not Acceptable"},
      {408, "Request Timeout"},
      {413, "Request Entity Too Large"},
      {421, "Misdirected Request"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
  };
  for (const Phrase& p : kPhrases) {
    if (p.code == code) return p.text;
  }
  return {};
}

}  // namespace promtls::core::go
