#include "promtls/core/env.hpp"

#include <cctype>

namespace promtls::core {
namespace {

bool valid_key(std::string_view key) {
  if (key.empty()) return false;
  const auto head = static_cast<unsigned char>(key.front());
  if (!(std::isalpha(head) || head == '_')) return false;
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || u == '_')) return false;
  }
  return true;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses the right-hand side of one assignment. Returns nullopt with `why` set when malformed.
std::optional<std::string> parse_value(std::string_view raw, std::string& why) {
  std::string_view v = trim_blanks(raw);
  if (v.empty()) return std::string();
  const char quote = v.front();
  if (quote == '\'' || quote == '"') {
    std::string out;
    std::size_t i = 1;
    bool closed = false;
    for (; i < v.size(); ++i) {
      const char c = v[i];
      if (c == quote) {
        closed = true;
        break;
      }
      if (quote == '"' && c == '\\' && i + 1 < v.size()) {
        const char next = v[i + 1];
        switch (next) {
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '$':
            out += '$';
            break;
          default:
            out += '\\', out += next;
            break;
        }
        ++i;
        continue;
      }
      out += c;
    }
    if (!closed) {
      why = std::string("unterminated ") + (quote == '"' ? "double" : "single") + "-quoted value";
      return std::nullopt;
    }
    const std::string_view rest = trim_blanks(v.substr(i + 1));
    if (!rest.empty() && rest.front() != '#') {
      why = "unexpected text after the closing quote";
      return std::nullopt;
    }
    return out;
  }
  // Unquoted: a '#' preceded by a blank starts a comment.
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] == '#' && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
      v = trim_blanks(v.substr(0, i));
      break;
    }
  }
  return std::string(v);
}

}  // namespace

void EnvSnapshot::set(std::string name, std::string value, Origin origin) {
  vars_.insert_or_assign(std::move(name), EnvValue{std::move(value), std::move(origin)});
}

const EnvValue* EnvSnapshot::find(std::string_view name) const {
  const auto it = vars_.find(name);
  return it == vars_.end() ? nullptr : &it->second;
}

std::string_view EnvSnapshot::get(std::string_view name) const {
  const EnvValue* v = find(name);
  return v == nullptr ? std::string_view() : std::string_view(v->value);
}

bool EnvSnapshot::is_set(std::string_view name) const { return !get(name).empty(); }

std::vector<std::pair<std::string, EnvValue>> parse_dotenv(std::string_view text,
                                                           std::string_view file_name,
                                                           std::vector<Finding>& findings) {
  std::vector<std::pair<std::string, EnvValue>> out;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // a UTF-8 byte-order mark
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const Origin origin{Origin::Kind::env_file, std::string(file_name), line_no, {}};
    const auto error = [&](std::string why) {
      findings.push_back(Finding{"env-file-syntax",
                                 Severity::error,
                                 {},
                                 std::string(file_name),
                                 origin.to_string() + ": " + why,
                                 "use KEY=VALUE, optionally quoted; see promtls(1), INPUT FORMATS",
                                 origin});
    };

    std::string_view body = trim_blanks(line);
    if (body.empty() || body.front() == '#') continue;
    if (body.substr(0, 7) == "export " || body.substr(0, 7) == "export\t") {
      body = trim_blanks(body.substr(7));
    }
    const std::size_t eq = body.find('=');
    if (eq == std::string_view::npos) {
      error("expected KEY=VALUE, found no '='");
      continue;
    }
    const std::string_view key = trim_blanks(body.substr(0, eq));
    if (!valid_key(key)) {
      error("invalid variable name \"" + std::string(key) +
            "\" (letters, digits and '_', not starting with a digit)");
      continue;
    }
    std::string why;
    auto value = parse_value(body.substr(eq + 1), why);
    if (!value) {
      error(why + " for " + std::string(key));
      continue;
    }
    out.emplace_back(std::string(key), EnvValue{std::move(*value), origin});
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> split_assignment(std::string_view arg) {
  const std::size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  return std::make_pair(std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1)));
}

}  // namespace promtls::core
