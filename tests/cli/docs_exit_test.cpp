// The exit codes are one enum (promtls/core/error.hpp, kExitCodes): every code appears with its
// meaning in promtls(1) EXIT STATUS and in README's "Exit status" table, the top-level --help
// footer is generated from the table, and each subcommand's footer says what SIGINT gives.
#include <catch2/catch.hpp>
#include <cctype>
#include <string>

#include "docs_support.hpp"
#include "promtls/core/error.hpp"
#include "run.hpp"

namespace promtls::test::docs {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The text of the item tagged `tag` in a rendered tag list: from the line that starts with it
// (after indentation) to the next line that starts with a number.
std::string tagged_item(const std::string& section, const std::string& tag) {
  std::size_t pos = 0;
  while ((pos = section.find(tag, pos)) != std::string::npos) {
    const std::size_t line_start = section.rfind('\n', pos);
    const std::string before =
        section.substr(line_start == std::string::npos ? 0 : line_start + 1,
                       pos - (line_start == std::string::npos ? 0 : line_start + 1));
    const bool indented = before.find_first_not_of(' ') == std::string::npos;
    const std::size_t after = pos + tag.size();
    if (indented && after < section.size() &&
        std::isspace(static_cast<unsigned char>(section[after]))) {
      std::size_t end = after;
      while ((end = section.find('\n', end + 1)) != std::string::npos) {
        const std::size_t first = section.find_first_not_of(' ', end + 1);
        if (first != std::string::npos &&
            std::isdigit(static_cast<unsigned char>(section[first]))) {
          break;
        }
      }
      return section.substr(after, end == std::string::npos ? std::string::npos : end - after);
    }
    pos = after;
  }
  return {};
}

TEST_CASE("every exit code appears with its meaning in the man page's EXIT STATUS") {
  const std::string section = man_section(rendered_man_page(), "EXIT STATUS");
  REQUIRE(!section.empty());
  for (const ExitCodeInfo& info : kExitCodes) {
    const std::string item = tagged_item(section, std::to_string(to_int(info.code)));
    INFO(to_int(info.code) << " " << info.meaning << "\n" << section);
    CHECK(lower(item).find(std::string(info.meaning)) != std::string::npos);
  }
}

TEST_CASE("every exit code appears with its meaning in README's Exit status table") {
  const std::string readme = read_text(source_path("README.md"));
  const std::size_t start = readme.find("\n## Exit status\n");
  REQUIRE(start != std::string::npos);
  const std::size_t end = readme.find("\n## ", start + 1);
  const std::string section = readme.substr(start, end - start);
  for (const ExitCodeInfo& info : kExitCodes) {
    const std::string row_start = "\n| " + std::to_string(to_int(info.code)) + " | ";
    const std::size_t row = section.find(row_start);
    INFO(row_start << info.meaning);
    REQUIRE(row != std::string::npos);
    const std::string text = section.substr(row + 1, section.find('\n', row + 1) - row - 1);
    CHECK(lower(text).find(std::string(info.meaning)) != std::string::npos);
  }
}

TEST_CASE("the top-level --help footer is the table of exit codes") {
  const RunResult r = run_promtls({"--help"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("Exit status: " + describe_exit_codes() + ".") != std::string::npos);
}

TEST_CASE("every subcommand's --help says what its exit codes and SIGINT mean") {
  for (const std::string sub : {"validate", "inspect", "selftest", "rules", "serve"}) {
    const RunResult r = run_promtls({sub, "--help"});
    INFO(sub << "\n" << r.out);
    REQUIRE(r.exit_code == 0);
    const std::size_t pos = r.out.find("Exit status: 0 ");
    REQUIRE(pos != std::string::npos);
    std::string footer = r.out.substr(pos);
    for (char& c : footer) {
      if (c == '\n') c = ' ';
    }
    CHECK(footer.find(" 2 usage error") != std::string::npos);
    if (sub == "serve") {
      CHECK(r.out.find("SIGTERM and SIGINT both\ndrain and exit 0") != std::string::npos);
      CHECK(footer.find(" 130 ") == std::string::npos);
    } else {
      CHECK(footer.find(" 130 interrupted (SIGINT") != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace promtls::test::docs
