// Every pointer into the manual names a section the manual has: "see promtls(1), ENVIRONMENT" in
// a finding's hint or a --help text, in the sources, README and the completion scripts, and each
// .Sx cross-reference inside man/promtls.1.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "docs_support.hpp"
#include "run.hpp"

namespace promtls::test::docs {
namespace {

// The section names after "promtls(1)" or "promtls(1)," in `text`: a run of upper-case words,
// as mdoc's .Sh headings are written ("EXIT STATUS", "INPUT FORMATS").
std::set<std::string> references_in(const std::string& text) {
  static const std::regex reference(R"(promtls\(1\),? ([A-Z][A-Z]+(?: [A-Z][A-Z]+)*)\b)");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), reference);
       it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1]);
  }
  return out;
}

// The .Sh and .Ss headings of the man page source.
std::set<std::string> headings(const std::string& man) {
  std::set<std::string> out;
  std::istringstream in(man);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(".Sh ", 0) == 0 || line.rfind(".Ss ", 0) == 0) out.insert(line.substr(4));
  }
  return out;
}

// The targets of the .Sx lines of the man page source, without mdoc's trailing delimiters.
std::set<std::string> cross_references(const std::string& man) {
  static const std::regex trailing(R"(( [.,;:)\]])+$)");
  std::set<std::string> out;
  std::istringstream in(man);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(".Sx ", 0) == 0) out.insert(std::regex_replace(line.substr(4), trailing, ""));
  }
  return out;
}

}  // namespace

TEST_CASE("section references are read as the manual's upper-case headings") {
  CHECK(references_in("use KEY=VALUE; see promtls(1), ENV FILES\"") ==
        std::set<std::string>{"ENV FILES"});
  CHECK(references_in("// promtls(1) EXIT STATUS and README's table") ==
        std::set<std::string>{"EXIT STATUS"});
  CHECK(references_in("See promtls(1).").empty());
  CHECK(cross_references(".Sx INPUT FORMATS .\n.Sx ENVIRONMENT ;\n") ==
        std::set<std::string>{"INPUT FORMATS", "ENVIRONMENT"});
}

TEST_CASE("every promtls(1) section that a message, a help text or a document names exists") {
  const std::string man = read_text(source_path("man/promtls.1"));
  const std::set<std::string> sections = headings(man);
  REQUIRE(sections.count("EXIT STATUS") == 1);
  std::map<std::string, std::string> where;  // reference -> first place it was found
  const auto scan = [&where](const std::string& text, const std::string& place) {
    for (const std::string& r : references_in(text)) where.emplace(r, place);
  };
  for (const char* dir : {"src", "include", "completions"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(source_path(dir))) {
      if (entry.is_regular_file()) scan(read_text(entry.path().string()), entry.path().string());
    }
  }
  scan(read_text(source_path("README.md")), "README.md");
  std::vector<std::string> commands{""};
  for (const std::string& sub : help_of("").subcommands) commands.push_back(sub);
  for (const std::string& sub : commands) {
    const RunResult r = run_promtls(sub.empty() ? std::vector<std::string>{"--help"}
                                                : std::vector<std::string>{sub, "--help"});
    scan(r.out, "promtls " + sub + " --help");
  }
  // The hints of findings point somewhere; without them this test would check nothing.
  CHECK(where.count("ENVIRONMENT") == 1);
  CHECK(where.count("INPUT FORMATS") == 1);
  for (const auto& [reference, place] : where) {
    INFO(place << " names promtls(1), " << reference);
    CHECK(sections.count(reference) == 1);
  }
  for (const std::string& target : cross_references(man)) {
    INFO(".Sx " << target);
    CHECK(sections.count(target) == 1);
  }
}

}  // namespace promtls::test::docs
