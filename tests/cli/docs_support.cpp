#include "docs_support.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "run.hpp"

namespace promtls::test::docs {
namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

std::vector<std::string> split_values(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string v; std::getline(in, v, ',');) out.push_back(v);
  return out;
}

}  // namespace

std::string source_path(const std::string& relative) {
  return std::string(PROMTLS_SOURCE_DIR) + "/" + relative;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO("reading " << path);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string rendered_man_page() {
  const RunResult r =
      run({"/usr/bin/mandoc", "-T", "ascii", "-O", "width=1000", source_path("man/promtls.1")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string plain;  // drop overstrike: "X\bX" (bold) and "_\bX" (underline) become "X"
  for (char c : r.out) {
    if (c == '\b') {
      if (!plain.empty()) plain.pop_back();
      continue;
    }
    plain += c;
  }
  return plain;
}

std::string man_section(const std::string& rendered, const std::string& heading) {
  const auto start = rendered.find("\n" + heading + "\n");
  if (start == std::string::npos) return "";
  // Section headings start in column 0 with a capital letter; body lines are indented.
  static const std::regex next_heading("\n[A-Z][A-Z ]*\n");
  std::smatch m;
  const std::string rest = rendered.substr(start + heading.size() + 2);
  if (std::regex_search(rest, m, next_heading))
    return rest.substr(0, static_cast<std::size_t>(m.position(0)));
  return rest;
}

Help parse_help(const std::string& text) {
  Help help;
  static const std::regex option_line(R"(^  (?:-[A-Za-z0-9],)?(--[a-z0-9][a-z0-9-]*)(.*)$)");
  static const std::regex values(R"(:\{([^}]*)\})");
  static const std::regex cli11_number(
      R"(^ (?:[A-Z|]+:)?(INT|UINT|FLOAT|NUMBER|POSITIVE|NONNEGATIVE)(\b|$))");
  static const std::regex repeatable(R"(^ \S+ \.\.\.( |$))");
  static const std::regex range(R"(^ [A-Z|]+:([0-9.]+) to ([0-9.]+)(=| |$))");
  static const std::regex subcommand_line(R"(^  ([a-z][a-z0-9-]*)(\s|$))");
  std::stringstream in(text);
  enum { none, options, subcommands } section = none;
  for (std::string line; std::getline(in, line);) {
    if (line == "Options:" || line == "OPTIONS:") {
      section = options;
    } else if (line == "Subcommands:" || line == "SUBCOMMANDS:") {
      section = subcommands;
    } else if (line.empty() || line[0] != ' ') {
      section = none;
    } else if (std::smatch m; section == options && std::regex_search(line, m, option_line)) {
      HelpOption option;
      option.name = m[1];
      const std::string rest = m[2];
      if (std::smatch v; std::regex_search(rest, v, values)) option.values = split_values(v[1]);
      option.cli11_number = std::regex_search(rest, cli11_number);
      option.repeatable = std::regex_search(rest, repeatable);
      if (std::smatch r; std::regex_search(rest, r, range)) {
        option.min = r[1];
        option.max = r[2];
      }
      help.options.push_back(option);
    } else if (section == subcommands && std::regex_search(line, m, subcommand_line)) {
      help.subcommands.push_back(m[1]);
    }
  }
  return help;
}

Help help_of(const std::string& subcommand) {
  std::vector<std::string> args;
  if (!subcommand.empty()) args.push_back(subcommand);
  args.push_back("--help");
  const RunResult r = run_promtls(args);
  INFO("promtls " << subcommand << " --help: " << r.err);
  REQUIRE(r.exit_code == 0);
  return parse_help(r.out);
}

std::string block(const std::string& script, const std::string& name) {
  std::string out;
  static const std::regex marker(R"((#|\.\\") (>>>|<<<) ([a-z0-9-]+)[ \t]*$)");
  std::stringstream in(script);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, marker) && m[3] == name) {
      inside = m[2] == ">>>";
      continue;
    }
    if (inside) out += line + "\n";
  }
  return out;
}

std::vector<std::string> block_names(const std::string& script) {
  static const std::regex marker(R"((#|\.\\") >>> ([a-z0-9-]+)[ \t]*$)");
  std::set<std::string> names;
  std::stringstream in(script);
  for (std::string line; std::getline(in, line);) {
    if (std::smatch m; std::regex_search(line, m, marker)) names.insert(m[2]);
  }
  return {names.begin(), names.end()};
}

bool has_token(const std::string& text, const std::string& token) {
  for (auto pos = text.find(token); pos != std::string::npos; pos = text.find(token, pos + 1)) {
    const bool left_ok = pos == 0 || !is_word_char(text[pos - 1]);
    const auto end = pos + token.size();
    const bool right_ok = end == text.size() || !is_word_char(text[end]);
    if (left_ok && right_ok) return true;
  }
  return false;
}

std::vector<std::string> long_options_in(const std::string& text) {
  static const std::regex option(R"((^|[^A-Za-z0-9_-])(--[a-z0-9][a-z0-9-]*))");
  std::set<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option);
       it != std::sregex_iterator(); ++it) {
    found.insert((*it)[2]);
  }
  return {found.begin(), found.end()};
}

}  // namespace promtls::test::docs
