// YAML and JSON documents as plain trees: the one parser for every document promtls reads
// (manifests, Kubernetes objects, kubeconfigs, license objects), and the one rule for YAML
// scalars. Kubernetes objects on top of these trees are in kube.hpp.
//
// parse_documents(), for_each_document() and parse_again() are the only functions that know the
// parser (libyaml; another parser can replace it behind these signatures). It performs no I/O,
// never throws for bad input, and is reentrant; results are plain values. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promtls::core {

// Where a node starts in its input stream: 1-based line and column. Column 0 when the parser gave
// no position (the line is then the document's first line).
struct Position {
  std::size_t line = 0;
  std::size_t column = 0;
  bool operator==(const Position&) const = default;
};

// What a YAML scalar is, by the one rule: Kubernetes reads YAML as YAML 1.1 (sigs.k8s.io/yaml
// over go-yaml v2), so an unquoted scalar is null (~, null, Null, NULL, or nothing), a boolean
// (true/false, yes/no, on/off, y/n, in lower, Capitalised or UPPER case), an integer (an optional
// sign and decimal digits), a floating-point number (1.5, .5, 5., 1e3, 1.5e-3) or else a string.
// A quoted or block (| >) scalar, or one tagged !!str, is always a string. JSON reads the same:
// its strings are quoted, its numbers, booleans and null are not.
enum class ScalarType { null, boolean, integer, floating, string };

// The type of an unquoted scalar written as `text`.
ScalarType plain_scalar_type(std::string_view text);

// One node of a document: null, a scalar, a sequence or a mapping. Mappings keep their entries in
// document order, repeated keys included (the first wins in find(); see duplicate keys in
// manifest.hpp). Aliases are expanded into copies, up to a bound (an alias that contains itself,
// or a "billion laughs" document, is a SyntaxError).
class Node {
 public:
  enum class Kind { null, scalar, sequence, mapping };
  struct Entry;

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  bool is_scalar() const { return kind_ == Kind::scalar; }
  bool is_sequence() const { return kind_ == Kind::sequence; }
  bool is_mapping() const { return kind_ == Kind::mapping; }
  Position position() const { return position_; }

  // Scalars. text(): as written, quotes and escapes resolved; "" for other nodes.
  const std::string& text() const { return text_; }
  // The scalar's type by the rule above; null for null nodes and for sequences and mappings.
  ScalarType type() const { return is_scalar() ? type_ : ScalarType::null; }
  // True for an unquoted scalar (one the rule resolves by its text).
  bool plain() const { return is_scalar() && plain_; }
  // text() when this is a scalar of type string; nullopt otherwise (what JSON calls a string).
  std::optional<std::string> string() const;
  // text() of any scalar, a number or boolean as written ("8080", "true"); nullopt for null,
  // sequences and mappings. For readers that accept what Kubernetes would refuse, after saying so.
  std::optional<std::string> scalar() const;
  // scalar(), or `fallback`.
  std::string scalar_or(std::string fallback = {}) const;
  // The value of a scalar of type boolean (true for true, yes, on, y in any of their cases);
  // nullopt for every other node.
  std::optional<bool> boolean() const;

  // Sequences: the items; empty for other nodes.
  const std::vector<Node>& items() const { return items_; }
  // Mappings: the entries; empty for other nodes.
  const std::vector<Entry>& entries() const { return entries_; }
  // The value of the first entry whose key is `key`, or nullptr (also for non-mappings).
  const Node* find(std::string_view key) const;
  // *find(key), or a null node.
  const Node& operator[](std::string_view key) const;

  // Construction (the parser, and tests).
  static Node null_at(Position at);
  static Node scalar_at(Position at, std::string text, bool plain);
  static Node sequence_at(Position at, std::vector<Node> items);
  static Node mapping_at(Position at, std::vector<Entry> entries);

 private:
  Kind kind_ = Kind::null;
  Position position_;
  std::string text_;
  ScalarType type_ = ScalarType::null;
  bool plain_ = false;
  std::vector<Node> items_;
  std::vector<Entry> entries_;
};

struct Node::Entry {
  std::string key;  // the key's text ("" when the key is not a scalar)
  bool key_is_scalar = true;
  Position key_position;  // where the key starts
  Node value;
};

// A document that does not parse.
struct SyntaxError {
  std::string message;  // "end of map flow not found"; "nested more than 2000 levels deep"
  Position position;    // where the parser stopped (absolute in the stream)
  // The line to cite: position's line, kept inside the document (the parser may stop just past
  // its end).
  std::size_t line = 0;
  bool from_parser = true;  // false: the parser failed in another way (no position, no hint)
};

// "line 3, column 5: end of map flow not found".
std::string describe(const SyntaxError& error);

// One document of a stream.
struct Document {
  std::size_t first_line = 1;  // 1-based line of its first byte
  Node root;                   // null when `error` is set
  std::optional<SyntaxError> error;
};

struct ParseOptions {
  // False: the reader cites no position, and JSON may be read by a faster parser that gives none
  // (every node then has position {1, 0}). The tree and the errors are the same. (True reads
  // JSON that YAML 1.1 cannot, surrogate-pair escapes or a raw DEL, the same way.)
  bool positions = true;
};

// Splits `bytes` at "---" and "..." lines and parses each document, so that one that does not
// parse leaves the others readable. Documents that are empty or only comments (or `null`) are
// left out. JSON is read as the YAML it is.
std::vector<Document> parse_documents(std::string_view bytes, const ParseOptions& options = {});

// Where one document of a stream lies, so that it can be read again alone (parse_again()).
struct DocumentSource {
  std::string_view text;       // the document's bytes within the stream
  std::size_t first_line = 0;  // how many lines of the stream come before them
  // False: the document was read with the whole stream (a stream that starts with { or [ may be
  // JSON), and cannot be read again alone.
  bool alone = true;
};

// The documents of parse_documents(bytes, options), in order, handed to `each` one at a time:
// each tree is freed when `each` returns (unless `each` moves it away), so that a long stream
// needs the memory of its largest document, not of all. A stream that starts with { or [ is read
// whole first (it may be one JSON document), and its documents say so (DocumentSource::alone).
void for_each_document(std::string_view bytes,
                       const std::function<void(Document&, const DocumentSource&)>& each,
                       const ParseOptions& options = {});

// for_each_document() with a reader of its own for large documents: each document longer than
// `large_bytes` (when the stream starts with { or [: the whole stream, not alone) is first
// offered to `large`, before it is parsed. `large` returns true when it has read the document
// itself (`each` is then not called for it), false to have it parsed and handed to `each` as
// usual.
void for_each_document(std::string_view bytes,
                       const std::function<void(Document&, const DocumentSource&)>& each,
                       std::size_t large_bytes,
                       const std::function<bool(const DocumentSource&)>& large,
                       const ParseOptions& options = {});

// The document for_each_document() handed over with `source` (alone), read again: the same tree.
Document parse_again(const DocumentSource& source);

// The first error of the stream, or nullptr.
const SyntaxError* first_error(const std::vector<Document>& documents);

// Standard base64 (RFC 4648 §4; whitespace ignored, padding optional) and base64url (§5).
// nullopt when the text has other characters.
std::optional<std::string> base64_decode(std::string_view text);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace promtls::core
