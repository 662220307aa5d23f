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

TEST_CASE("Go 1.24 and 1.25 offer X25519MLKEM768 first by default, and tlsmlkem=0 removes it") {
  using promtls::core::go::KeyExchange;
  const auto names = [](const KeyExchange& kx) {
    std::string out;
    for (const auto id : kx.groups) out += (out.empty() ? "" : ",") + go::group_name(id);
    return out;
  };
  const KeyExchange def = go::key_exchange({1, 25}, std::nullopt, 0, "");
  CHECK(names(def) == "X25519MLKEM768,X25519,CurveP256,CurveP384,CurveP521");
  CHECK(def.post_quantum);
  const KeyExchange off = go::key_exchange({1, 24}, std::nullopt, 0, "http2debug=1,tlsmlkem=0");
  CHECK(names(off) == "X25519,CurveP256,CurveP384,CurveP521");
  CHECK(off.off == KeyExchange::Off::godebug);
  CHECK(off.off_setting == "tlsmlkem=0");
  // The last setting wins; an explicit list is kept whatever GODEBUG says, in Go's order.
  CHECK(go::key_exchange({1, 24}, std::nullopt, 0, "tlsmlkem=0,tlsmlkem=1").post_quantum);
  const KeyExchange listed =
      go::key_exchange({1, 25}, std::vector<std::uint16_t>{23, 4588}, 0, "tlsmlkem=0");
  CHECK(names(listed) == "X25519MLKEM768,CurveP256");
  const KeyExchange classical = go::key_exchange({1, 25}, std::vector<std::uint16_t>{29}, 0, "");
  CHECK(classical.off == KeyExchange::Off::curve_list);
  const KeyExchange tls12 = go::key_exchange({1, 25}, std::nullopt, 0x0303, "");
  CHECK(tls12.off == KeyExchange::Off::tls12_max);
  CHECK(names(tls12) == "X25519,CurveP256,CurveP384,CurveP521");
}

TEST_CASE("Go 1.26 adds the SecP hybrids, and releases before 1.24 have no ML-KEM") {
  using promtls::core::go::KeyExchange;
  CHECK(go::key_exchange({1, 26}, std::nullopt, 0, "").groups.size() == 7);
  CHECK(go::key_exchange({1, 26}, std::nullopt, 0, "tlssecpmlkem=0").groups.size() == 5);
  const KeyExchange kyber = go::key_exchange({1, 23}, std::nullopt, 0, "");
  CHECK(kyber.groups.front() == go::kX25519Kyber768Draft00);
  CHECK(kyber.off == KeyExchange::Off::old_go);
  CHECK_FALSE(go::key_exchange({1, 19}, std::nullopt, 0, "").post_quantum);
  CHECK(go::parse_version("go1.24.3")->minor == 24);
  CHECK(go::parse_version("1.26rc1")->minor == 26);
  CHECK_FALSE(go::parse_version("1"));
  CHECK_FALSE(go::parse_version("2.0"));
  CHECK_FALSE(go::parse_version("1.x"));
}

TEST_CASE("go::status_text says Go's reason phrases, and nothing for a code it does not name") {
  CHECK(go::status_text(200) == "OK");
  CHECK(go::status_text(404) == "Not Found");
  CHECK(go::status_text(405) == "Method Not Allowed");
  CHECK(go::status_text(431) == "Request Header Fields Too Large");
  CHECK(go::status_text(503) == "Service Unavailable");
  // Go keeps RFC 7231's word where RFC 9110 says "Content Too Large".
  CHECK(go::status_text(413) == "Request Entity Too Large");
  CHECK(go::status_text(302) == "Found");
  CHECK(go::status_text(299).empty());
  CHECK(go::status_text(0).empty());
  CHECK(go::status_text(-1).empty());
}
