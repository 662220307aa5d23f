#include "promtls/core/go.hpp"

#include <catch2/catch.hpp>

using namespace promtls::core;

TEST_CASE("go::quote escapes like strconv.Quote") {
  CHECK(go::quote("abc") == "\"abc\"");
  CHECK(go::quote("") == "\"\"");
  CHECK(go::quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(go::quote("\t\n\r\a\b\f\v") == "\"\\t\\n\\r\\a\\b\\f\\v\"");
  CHECK(go::quote(std::string("\x01\x7f", 2)) == "\"\\x01\\x7f\"");
  CHECK(go::quote("caf\xC3\xA9") == "\"caf\xC3\xA9\"");            // printable UTF-8 kept
  CHECK(go::quote("\xFF") == "\"\\xff\"");                         // invalid UTF-8 byte
  CHECK(go::quote("\xC2\xA0") == "\"\\u00a0\"");                   // NBSP is not printable
  CHECK(go::quote("\xE2\x80\x8B") == "\"\\u200b\"");               // zero-width space
  CHECK(go::quote("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");  // emoji kept
}

TEST_CASE("go::trim_space removes Unicode white space at both ends only") {
  CHECK(go::trim_space("  a b \t\n") == "a b");
  CHECK(go::trim_space("\xC2\xA0x\xE2\x80\x83") == "x");
  CHECK(go::trim_space("   ").empty());
  CHECK(go::trim_space("\xC3\xA9") == "\xC3\xA9");
}

TEST_CASE("go::parse_uint matches strconv.ParseUint's errors") {
  std::string err;
  CHECK(go::parse_uint("65535", 16, err) == 65535u);
  CHECK_FALSE(go::parse_uint("65536", 16, err));
  CHECK(err == "strconv.ParseUint: parsing \"65536\": value out of range");
  CHECK_FALSE(go::parse_uint("", 16, err));
  CHECK(err == "strconv.ParseUint: parsing \"\": invalid syntax");
  CHECK_FALSE(go::parse_uint("99999999999999999999999", 64, err));
  CHECK(err.find("value out of range") != std::string::npos);
}

TEST_CASE("go::atoi accepts a sign, like strconv.Atoi") {
  CHECK(go::atoi("+90") == 90);
  CHECK(go::atoi("-5") == -5);
  CHECK_FALSE(go::atoi("9x"));
  CHECK_FALSE(go::atoi(""));
}

TEST_CASE("go::path_error words errors like Go's os package") {
  CHECK(go::path_error("open", "/x", ENOENT) == "open /x: no such file or directory");
  CHECK(go::path_error("read", "/etc", EISDIR) == "read /etc: is a directory");
  CHECK(go::path_error("open", "/k", EACCES) == "open /k: permission denied");
}
