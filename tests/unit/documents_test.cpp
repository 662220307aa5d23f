// The document parser's libyaml specifics (core/documents.hpp): tags, positions of its errors,
// text after a document's end, and the bounds on depth and aliases.
#include "promtls/core/documents.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace promtls::core;

TEST_CASE("documents: tags type scalars as the YAML 1.1 rule says, any other tag is a string") {
  const auto docs = parse_documents(
      "a: !!str 1\nb: !!int \"2\"\nc: !!null x\nd: !!bool 'yes'\ne: !custom 3\nf: !!float 1.5\n"
      "g: 'true'\nh: true\ni: ~\nj: 18446744073709551616\n");
  REQUIRE(docs.size() == 1);
  REQUIRE_FALSE(docs[0].error);
  const Node& root = docs[0].root;
  CHECK(root["a"].type() == ScalarType::string);
  CHECK(root["b"].type() == ScalarType::integer);
  CHECK(root["c"].is_null());
  CHECK(root["d"].boolean() == true);
  CHECK(root["e"].string() == "3");
  CHECK(root["f"].type() == ScalarType::floating);
  CHECK(root["g"].string() == "true");
  CHECK(root["h"].boolean() == true);
  CHECK(root["i"].is_null());
  CHECK(root["j"].type() == ScalarType::integer);
  CHECK(root["j"].text() == "18446744073709551616");
}

TEST_CASE("documents: text after a JSON object's end is a syntax error at its line") {
  for (const auto& [text, line] : {std::pair<std::string, std::size_t>{"{\"a\": 1},x\n", 1},
                                   {"{\"a\": 1},\n", 1},
                                   {"{\"a\": 1}\n{\"a\": 2}\n", 2}}) {
    for (const bool positions : {true, false}) {
      const auto docs = parse_documents(text, {.positions = positions});
      INFO(text << " positions " << positions);
      REQUIRE(docs.size() == 1);
      REQUIRE(docs[0].error);
      CHECK(docs[0].error->from_parser);
      CHECK(docs[0].error->line == line);
      CHECK(docs[0].error->message.find("after the end of the document") != std::string::npos);
    }
  }
}

TEST_CASE("documents: parser errors cite the line and column of the problem") {
  const auto docs = parse_documents("a: 1\nb: [1, 2\nc: 3\n");
  REQUIRE(docs.size() == 1);
  REQUIRE(docs[0].error);
  CHECK(docs[0].error->from_parser);
  CHECK(docs[0].error->position.line >= 2);
  CHECK(describe(*docs[0].error).starts_with("line "));
  const auto bad_utf8 = parse_documents("a: 1\nb: \xff\xfe\n");
  REQUIRE(bad_utf8.size() == 1);
  REQUIRE(bad_utf8[0].error);
  CHECK(bad_utf8[0].error->line == 2);
}

TEST_CASE("documents: nesting deeper than 2000 levels is an error, 2000 levels are read") {
  const std::string ok = std::string(2000, '[') + std::string(2000, ']');
  const auto read = parse_documents(ok);
  REQUIRE(read.size() == 1);
  CHECK_FALSE(read[0].error);
  const auto too_deep = parse_documents(std::string(2001, '[') + std::string(2001, ']'));
  REQUIRE(too_deep.size() == 1);
  REQUIRE(too_deep[0].error);
  CHECK(too_deep[0].error->message == "nested more than 2000 levels deep");
  CHECK(too_deep[0].error->position == Position{1, 2001});
}

TEST_CASE("documents: aliases expand up to 100,000 nodes plus 16 per byte, and no further") {
  // 10 x 10 x 10 x 10 x 10 = 100,000 scalars from a few hundred bytes: over the bound.
  std::string five = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'e'; ++c) {
    const std::string p = std::string("*") + static_cast<char>(c - 1);
    five += std::string(1, c) + ": &" + c + " [" + p + ", " + p + ", " + p + ", " + p + ", " + p +
            ", " + p + ", " + p + ", " + p + ", " + p + ", " + p + "]\n";
  }
  const auto over = parse_documents(five);
  REQUIRE(over.size() == 1);
  REQUIRE(over[0].error);
  CHECK_FALSE(over[0].error->from_parser);
  CHECK(over[0].error->message.find("too many nodes") != std::string::npos);
  // Four levels, 10,000 scalars: within it, every copy complete.
  const std::string four = five.substr(0, five.rfind("e: "));
  const auto within = parse_documents(four);
  REQUIRE(within.size() == 1);
  REQUIRE_FALSE(within[0].error);
  CHECK(within[0].root["d"].items().size() == 10);
  CHECK(within[0].root["d"].items()[9].items()[9].items()[9].items()[9].text() == "x");
  // An alias to an anchor that is not finished yet (itself) is an error naming it.
  const auto self = parse_documents("a: &x [*x]\n");
  REQUIRE(self.size() == 1);
  REQUIRE(self[0].error);
  CHECK(self[0].error->message.find("*x") != std::string::npos);
}

TEST_CASE("JSON that YAML 1.1 cannot hold is read as JSON, with or without positions") {
  // A surrogate pair (U+1F600) and a raw DEL: valid JSON, refused by libyaml (fuzz_documents).
  const std::string pair = "{\"a\": \"\\ud83d\\ude00\"}";
  const std::string del = std::string("{\"a\": \"x") + '\x7f' + "y\"}";
  for (const bool positions : {true, false}) {
    INFO("positions " << positions);
    const auto a = parse_documents(pair, ParseOptions{positions});
    REQUIRE(a.size() == 1);
    REQUIRE_FALSE(a[0].error);
    CHECK(a[0].root["a"].text() == "\xF0\x9F\x98\x80");
    const auto b = parse_documents(del, ParseOptions{positions});
    REQUIRE(b.size() == 1);
    REQUIRE_FALSE(b[0].error);
    CHECK(b[0].root["a"].text() == std::string("x") + '\x7f' + "y");
  }
  // Not JSON either: libyaml's error stands.
  const auto bad = parse_documents("{\"a\": \"\\ud83d\"");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].error);
}

namespace {
// The same tree: kinds, positions, texts and keys, all the way down.
bool same_tree(const Node& a, const Node& b) {
  if (a.kind() != b.kind() || !(a.position() == b.position()) || a.text() != b.text() ||
      a.plain() != b.plain() || a.items().size() != b.items().size() ||
      a.entries().size() != b.entries().size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.items().size(); ++i) {
    if (!same_tree(a.items()[i], b.items()[i])) return false;
  }
  for (std::size_t i = 0; i < a.entries().size(); ++i) {
    const Node::Entry& x = a.entries()[i];
    const Node::Entry& y = b.entries()[i];
    if (x.key != y.key || !(x.key_position == y.key_position) || !same_tree(x.value, y.value)) {
      return false;
    }
  }
  return true;
}
}  // namespace

TEST_CASE("documents: for_each_document hands over what parse_documents returns, one at a time") {
  const std::string stream = GENERATE(
      std::string(
          "a: 1\n---\n# only a comment\n---\nb: [x, {c: d}]\n...\n---\nbad: [\n---\ne: f\n"),
      std::string("{\"kind\": \"List\", \"items\": [{\"a\": 1}]}\n"),
      std::string("  [1, 2]\n---\n[3]\n"), std::string("{\"s\": \"\\ud83d\\ude00\"}\n"),
      std::string(""), std::string("---\n---\n"));
  const std::vector<Document> whole = parse_documents(stream);
  std::size_t n = 0;
  for_each_document(stream, [&](Document& doc, const DocumentSource& source) {
    REQUIRE(n < whole.size());
    const Document& expected = whole[n++];
    CHECK(doc.first_line == expected.first_line);
    CHECK(doc.error.has_value() == expected.error.has_value());
    if (doc.error && expected.error) CHECK(describe(*doc.error) == describe(*expected.error));
    CHECK(same_tree(doc.root, expected.root));
    if (source.alone) {
      const Document again = parse_again(source);
      CHECK(again.first_line == doc.first_line);
      CHECK(same_tree(again.root, doc.root));
    }
  });
  CHECK(n == whole.size());
}
