// Helpers for the documentation tests: the repository's files, the rendered man page, and
// the subcommands, long options and option values that `promtls --help` lists.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace promtls::test::docs {

// `relative` inside the source tree (PROMTLS_SOURCE_DIR, set by CMake).
std::string source_path(const std::string& relative);

// The whole file; fails the current test when it cannot be read.
std::string read_text(const std::string& path);

// man/promtls.1 rendered by mandoc as plain text: no overstrike, no line wrapping.
std::string rendered_man_page();

// The lines of a rendered man page section, from its heading (e.g. "ENVIRONMENT") to the next
// section heading.
std::string man_section(const std::string& rendered, const std::string& heading);

struct HelpOption {
  std::string name;                 // "--output"
  std::vector<std::string> values;  // {"text", "json"} when CLI11 lists them as :{...}
  bool repeatable = false;          // CLI11 shows "TYPE ..." for an option given several times
  std::string min, max;             // "1" and "3600" for "SECONDS:1 to 3600"; else empty
  // The value is one of CLI11's own number types or checks (INT, FLOAT, POSITIVE, "INT in
  // [1 - 3650]"), whose messages print a type's limits.
  bool cli11_number = false;
};

struct Help {
  std::vector<std::string> subcommands;
  std::vector<HelpOption> options;
};

// Parses CLI11's help text: the "Options:" and "Subcommands:" sections.
Help parse_help(const std::string& text);

// `promtls --help` ("" for the top level) or `promtls SUB --help`, parsed.
Help help_of(const std::string& subcommand);

// The text of every block "<comment> >>> NAME" ... "<comment> <<< NAME" in `script`,
// concatenated; "" when there is none.
std::string block(const std::string& script, const std::string& name);

// The names of all blocks in `script`.
std::vector<std::string> block_names(const std::string& script);

// True when `token` occurs in `text` not preceded or followed by [A-Za-z0-9_-].
bool has_token(const std::string& text, const std::string& token);

// Every "--long-option" token in `text` (bash and zsh scripts, man text).
std::vector<std::string> long_options_in(const std::string& text);

}  // namespace promtls::test::docs
