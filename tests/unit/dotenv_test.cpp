#include <catch2/catch.hpp>

#include "promtls/core/env.hpp"

using namespace promtls::core;

namespace {
std::vector<std::pair<std::string, EnvValue>> parse(const std::string& text,
                                                    std::vector<Finding>& findings) {
  return parse_dotenv(text, "test.env", findings);
}
}  // namespace

TEST_CASE("dotenv: plain, exported, quoted and commented assignments") {
  std::vector<Finding> findings;
  const auto vars = parse(
      "# comment\n"
      "A=1\n"
      "export B=two words\n"
      "C='single $x \\n'\n"
      "D=\"dq \\\"q\\\" \\n \\t \\\\ \\$ \\q\"\n"
      "E=value # trailing comment\n"
      "F=a#b\n"
      "G=\n"
      "  H = spaced  \n"
      "I=\"x\" # after quotes\n",
      findings);
  CHECK(findings.empty());
  REQUIRE(vars.size() == 9);
  CHECK(vars[0].first == "A");
  CHECK(vars[0].second.value == "1");
  CHECK(vars[0].second.origin.to_string() == "test.env:2");
  CHECK(vars[1].second.value == "two words");
  CHECK(vars[2].second.value == "single $x \\n");
  CHECK(vars[3].second.value == "dq \"q\" \n \t \\ $ \\q");
  CHECK(vars[4].second.value == "value");
  CHECK(vars[5].second.value == "a#b");
  CHECK(vars[6].second.value.empty());
  CHECK(vars[7].first == "H");
  CHECK(vars[7].second.value == "spaced");
  CHECK(vars[8].second.value == "x");
}

TEST_CASE("dotenv: CRLF line endings and a byte-order mark are tolerated") {
  std::vector<Finding> findings;
  const auto vars = parse(
      "\xEF\xBB\xBF"
      "A=1\r\nB=\"2\"\r\n",
      findings);
  CHECK(findings.empty());
  REQUIRE(vars.size() == 2);
  CHECK(vars[0].first == "A");
  CHECK(vars[0].second.value == "1");
  CHECK(vars[1].second.value == "2");
}

TEST_CASE("dotenv: each malformed line is an error naming file:line, others still parse") {
  std::vector<Finding> findings;
  const auto vars = parse("OK=1\nno equals here\n1BAD=x\nQ=\"open\nR='x' junk\nLAST=2\n", findings);
  REQUIRE(findings.size() == 4);
  CHECK(findings[0].code == "env-file-syntax");
  CHECK(findings[0].severity == Severity::error);
  CHECK(findings[0].message.rfind("test.env:2: ", 0) == 0);
  CHECK(findings[1].message.rfind("test.env:3: invalid variable name", 0) == 0);
  CHECK(findings[2].message == "test.env:4: unterminated double-quoted value for Q");
  CHECK(findings[3].message.rfind("test.env:5: unexpected text", 0) == 0);
  REQUIRE(vars.size() == 2);
  CHECK(vars[1].first == "LAST");
}

TEST_CASE("a --set argument splits on the first '=' and keeps the value verbatim") {
  CHECK(split_assignment("A=b=c")->second == "b=c");
  CHECK(split_assignment("A= x ")->second == " x ");
  CHECK(split_assignment("A=")->second.empty());
  CHECK_FALSE(split_assignment("A"));
  CHECK_FALSE(split_assignment("=x"));
}

TEST_CASE("later sources override earlier ones and keep their origin") {
  EnvSnapshot env;
  env.set("A", "1", Origin{Origin::Kind::environment, {}, 0, {}});
  env.set("A", "2", Origin{Origin::Kind::flag, {}, 0, {}});
  CHECK(env.get("A") == "2");
  CHECK(env.find("A")->origin.to_string() == "--set");
  CHECK_FALSE(env.is_set("B"));
}
