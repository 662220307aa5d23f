// The man page's ENVIRONMENT section documents every variable of the one variable table
// (include/promtls/core/profile.hpp), with its default.
#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "docs_support.hpp"
#include "promtls/core/profile.hpp"

using namespace promtls::test::docs;

TEST_CASE("every variable of the variable table is in the man page's ENVIRONMENT section") {
  const std::string environment = man_section(rendered_man_page(), "ENVIRONMENT");
  REQUIRE(!environment.empty());
  REQUIRE(!promtls::core::all_variables().empty());
  for (const auto& v : promtls::core::all_variables()) {
    const std::string name(v.name);
    INFO(name);
    // The entry is the name on its own line, then its indented description.
    const auto at = environment.find("\n     " + name + "\n");
    if (at == std::string::npos) {
      FAIL_CHECK(name << " has no entry in ENVIRONMENT");
      continue;
    }
    if (!v.default_value.empty()) {
      // The entry ends where the next line indented like a name (five spaces) starts.
      std::smatch next;
      const std::string rest = environment.substr(at + name.size() + 7);
      const bool more = std::regex_search(rest, next, std::regex("\n     [^ ]"));
      const std::string entry =
          more ? rest.substr(0, static_cast<std::size_t>(next.position(0))) : rest;
      INFO(entry);
      CHECK(entry.find(std::string(v.default_value)) != std::string::npos);
    }
  }
}

TEST_CASE(
    "every variable of the variable table is in the README's table of environment variables") {
  const std::string readme = read_text(source_path("README.md"));
  const auto start = readme.find("\n## Environment variables\n");
  REQUIRE(start != std::string::npos);
  const auto end = readme.find("\n## ", start + 1);
  const std::string section = readme.substr(start, end - start);
  for (const auto& v : promtls::core::all_variables()) {
    const std::string name(v.name);
    INFO(name);
    CHECK(section.find("\n| `" + name + "` |") != std::string::npos);
  }
}
