// The one document parser (documents.hpp). yaml-cpp reads YAML and JSON alike and gives every
// node its position (YAML::Mark), which is what lets findings cite file:line:column. Readers that
// need no positions get JSON through nlohmann's SAX parser, into the same tree: it reads a large
// `kubectl get -o json` List several times faster. Both are used here only: replacing them
// (issue 18, yaml-cpp #1040) means replacing this file.
#include "promtls/core/documents.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace promtls::core {
namespace {

// One document of a stream: its text and the 0-based line it starts at.
struct Chunk {
  std::size_t first_line = 0;
  std::string_view text;
};

bool is_marker(std::string_view line, std::string_view marker) {
  return line.substr(0, 3) == marker &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// Splits a stream at "---" / "..." lines, so that a document that does not parse does not stop
// the others. A marker at column 0 always ends a document in YAML (block scalars are indented).
std::vector<Chunk> split_documents(std::string_view text) {
  std::vector<Chunk> chunks;
  std::size_t start = 0;
  std::size_t start_line = 0;
  std::size_t pos = 0;
  std::size_t line = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view current = text.substr(pos, eol - pos);
    const bool start_marker = is_marker(current, "---");
    const bool end_marker = is_marker(current, "...");
    if ((start_marker || end_marker) && pos > start) {
      chunks.push_back({start_line, text.substr(start, pos - start)});
      start = pos;
      start_line = line;
    }
    if (end_marker) {  // the "..." line itself belongs to no document
      start = std::min(eol + 1, text.size());
      start_line = line + 1;
    }
    pos = eol + 1;
    ++line;
  }
  if (start < text.size()) chunks.push_back({start_line, text.substr(start)});
  return chunks;
}

bool digits(std::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Aliases are copied: a document may expand to this many nodes and no more (a "billion laughs"
// stream of a few hundred bytes otherwise takes all memory).
std::size_t node_budget(std::size_t bytes) { return 1'000'000 + 16 * bytes; }

class Converter {
 public:
  Converter(std::size_t first_line, std::size_t budget)
      : first_line_(first_line), budget_(budget) {}

  Position position(const YAML::Mark& mark) const {
    if (mark.is_null()) return {first_line_ + 1, 0};
    return {first_line_ + static_cast<std::size_t>(mark.line) + 1,
            static_cast<std::size_t>(mark.column) + 1};
  }

  Node convert(const YAML::Node& node, int depth = 0) {
    if (budget_ == 0) throw std::length_error("the document expands to too many nodes (aliases)");
    // The parser's own guard stops at this depth; only an alias that contains itself goes deeper.
    if (depth > kMaxDepth) throw std::length_error("an alias refers to itself");
    --budget_;
    const Position at = position(node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return Node::null_at(at);
      case YAML::NodeType::Scalar:
        return scalar(node, at);
      case YAML::NodeType::Sequence: {
        std::vector<Node> items;
        items.reserve(node.size());
        for (const YAML::Node& item : node) items.push_back(convert(item, depth + 1));
        return Node::sequence_at(at, std::move(items));
      }
      case YAML::NodeType::Map: {
        std::vector<Node::Entry> entries;
        entries.reserve(node.size());
        for (const auto& kv : node) {
          Node::Entry entry;
          entry.key_is_scalar = kv.first.IsScalar();
          if (entry.key_is_scalar) entry.key = kv.first.Scalar();
          entry.key_position = position(kv.first.Mark());
          entry.value = convert(kv.second, depth + 1);
          entries.push_back(std::move(entry));
        }
        return Node::mapping_at(at, std::move(entries));
      }
    }
    return Node::null_at(at);
  }

 private:
  // "?" is yaml-cpp's tag of a plain scalar, "!" of a quoted or block one.
  static Node scalar(const YAML::Node& node, Position at) {
    const std::string& tag = node.Tag();
    if (tag == "?") return Node::scalar_at(at, node.Scalar(), true);
    if (tag == "tag:yaml.org,2002:null") return Node::null_at(at);
    const bool typed = tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
                       tag == "tag:yaml.org,2002:bool";
    return Node::scalar_at(at, node.Scalar(), typed);
  }

  static constexpr int kMaxDepth = 2000;
  std::size_t first_line_;
  std::size_t budget_;
};

// JSON into a tree without positions (nlohmann's SAX events). Deeper than the YAML parser's guard
// it gives up, and the stream is read by yaml-cpp instead (which reports it).
class JsonTree final : public nlohmann::json_sax<nlohmann::json> {
 public:
  Node root;

  bool null() override { return add(Node::null_at(at_)); }
  bool boolean(bool value) override {
    return add(Node::scalar_at(at_, value ? "true" : "false", true));
  }
  bool number_integer(number_integer_t value) override {
    return add(Node::scalar_at(at_, std::to_string(value), true));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return add(Node::scalar_at(at_, std::to_string(value), true));
  }
  bool number_float(number_float_t, const string_t& text) override {
    return add(Node::scalar_at(at_, text, true));
  }
  bool string(string_t& value) override {
    return add(Node::scalar_at(at_, std::move(value), false));
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return open(Node::Kind::mapping); }
  bool key(string_t& value) override {
    frames_.back().key = std::move(value);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Node::Kind::sequence); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  struct Frame {
    Node::Kind kind;
    std::vector<Node> items;
    std::vector<Node::Entry> entries;
    std::string key;
  };
  static constexpr std::size_t kMaxDepth = 2000;

  bool add(Node node) {
    if (frames_.empty()) {
      root = std::move(node);
      return true;
    }
    Frame& top = frames_.back();
    if (top.kind == Node::Kind::sequence) {
      top.items.push_back(std::move(node));
    } else {
      Node::Entry entry;
      entry.key = std::move(top.key);
      entry.key_position = at_;
      entry.value = std::move(node);
      top.entries.push_back(std::move(entry));
    }
    return true;
  }
  bool open(Node::Kind kind) {
    if (frames_.size() >= kMaxDepth) return false;
    frames_.push_back(Frame{kind, {}, {}, {}});
    return true;
  }
  bool close() {
    Frame top = std::move(frames_.back());
    frames_.pop_back();
    return add(top.kind == Node::Kind::sequence ? Node::sequence_at(at_, std::move(top.items))
                                                : Node::mapping_at(at_, std::move(top.entries)));
  }

  Position at_{1, 0};
  std::vector<Frame> frames_;
};

std::size_t lines_in(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) +
         (text.empty() || text.back() == '\n' ? 0 : 1);
}

Document parse_chunk(const Chunk& chunk) {
  Document doc;
  doc.first_line = chunk.first_line + 1;
  try {
    const YAML::Node root = YAML::Load(std::string(chunk.text));
    Converter converter(chunk.first_line, node_budget(chunk.text.size()));
    doc.root = converter.convert(root);
  } catch (const YAML::Exception& e) {
    SyntaxError error;
    error.message = dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr
                        ? std::string("nested more than 2000 levels deep")
                        : e.msg;
    const std::size_t rel =
        e.mark.is_null() ? 0 : static_cast<std::size_t>(std::max(e.mark.line, 0));
    const std::size_t lines = lines_in(chunk.text);
    error.line = chunk.first_line + std::min(rel, lines == 0 ? 0 : lines - 1) + 1;
    error.position = e.mark.is_null()
                         ? Position{chunk.first_line + 1, 0}
                         : Position{chunk.first_line + rel + 1,
                                    static_cast<std::size_t>(std::max(e.mark.column, 0)) + 1};
    doc.root = Node();
    doc.error = std::move(error);
  } catch (const std::exception& e) {  // yaml-cpp may throw others on hostile input
    SyntaxError error;
    error.message = e.what();
    error.line = chunk.first_line + 1;
    error.position = {chunk.first_line + 1, 0};
    error.from_parser = false;
    doc.root = Node();
    doc.error = std::move(error);
  }
  return doc;
}

std::optional<std::string> decode(std::string_view text, bool url) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == (url ? '-' : '+')) v = 62;
    if (c == (url ? '_' : '/')) v = 63;
    if (c == '=') break;
    if (v < 0) {
      if (!url && (c == '\n' || c == '\r' || c == ' ' || c == '\t')) continue;
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace

ScalarType plain_scalar_type(std::string_view v) {
  if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return ScalarType::null;
  static constexpr std::array kBooleans{
      "true", "false", "True", "False", "TRUE", "FALSE", "yes", "no", "Yes", "No", "YES",
      "NO",   "on",    "off",  "On",    "Off",  "ON",    "OFF", "y",  "n",   "Y",  "N"};
  for (const char* word : kBooleans) {
    if (v == word) return ScalarType::boolean;
  }
  std::string_view body = v;
  if (body.front() == '+' || body.front() == '-') body.remove_prefix(1);
  if (digits(body)) return ScalarType::integer;
  // A float: digits with at most one dot, at least one digit, then an optional exponent.
  const std::size_t exponent = body.find_first_of("eE");
  const std::string_view mantissa = body.substr(0, exponent);
  const std::size_t dot = mantissa.find('.');
  if (dot == std::string_view::npos) {
    if (!digits(mantissa)) return ScalarType::string;
  } else {
    const std::string_view whole = mantissa.substr(0, dot);
    const std::string_view fraction = mantissa.substr(dot + 1);
    if ((!whole.empty() && !digits(whole)) || (!fraction.empty() && !digits(fraction)) ||
        (whole.empty() && fraction.empty())) {
      return ScalarType::string;
    }
  }
  if (exponent != std::string_view::npos) {
    std::string_view power = body.substr(exponent + 1);
    if (!power.empty() && (power.front() == '+' || power.front() == '-')) power.remove_prefix(1);
    if (!digits(power)) return ScalarType::string;
  }
  return ScalarType::floating;
}

std::optional<std::string> Node::string() const {
  if (!is_scalar() || type_ != ScalarType::string) return std::nullopt;
  return text_;
}

std::optional<std::string> Node::scalar() const {
  if (!is_scalar()) return std::nullopt;
  return text_;
}

std::string Node::scalar_or(std::string fallback) const {
  return is_scalar() ? text_ : std::move(fallback);
}

std::optional<bool> Node::boolean() const {
  if (type() != ScalarType::boolean) return std::nullopt;
  const char first = text_.front();
  return first == 't' || first == 'T' || first == 'y' || first == 'Y' || text_ == "on" ||
         text_ == "On" || text_ == "ON";
}

const Node* Node::find(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key_is_scalar && entry.key == key) return &entry.value;
  }
  return nullptr;
}

const Node& Node::operator[](std::string_view key) const {
  static const Node kNull;
  const Node* found = find(key);
  return found != nullptr ? *found : kNull;
}

Node Node::null_at(Position at) {
  Node n;
  n.position_ = at;
  return n;
}

Node Node::scalar_at(Position at, std::string text, bool plain) {
  Node n;
  n.kind_ = Kind::scalar;
  n.position_ = at;
  n.plain_ = plain;
  n.type_ = plain ? plain_scalar_type(text) : ScalarType::string;
  // An unquoted empty or null word with a tag that makes it a string stays a scalar; a plain one
  // is a null node (yaml-cpp already gives those as null).
  if (n.type_ == ScalarType::null) {
    n.kind_ = Kind::null;
    return n;
  }
  n.text_ = std::move(text);
  return n;
}

Node Node::sequence_at(Position at, std::vector<Node> items) {
  Node n = null_at(at);
  n.kind_ = Kind::sequence;
  n.items_ = std::move(items);
  return n;
}

Node Node::mapping_at(Position at, std::vector<Entry> entries) {
  Node n = null_at(at);
  n.kind_ = Kind::mapping;
  n.entries_ = std::move(entries);
  return n;
}

std::string describe(const SyntaxError& error) {
  if (!error.from_parser) return error.message;
  return "line " + std::to_string(error.position.line) + ", column " +
         std::to_string(std::max<std::size_t>(error.position.column, 1)) + ": " + error.message;
}

std::vector<Document> parse_documents(std::string_view bytes, const ParseOptions& options) {
  std::vector<Document> out;
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  if (!options.positions && first != std::string_view::npos &&
      (bytes[first] == '{' || bytes[first] == '[')) {
    JsonTree tree;
    if (nlohmann::json::sax_parse(bytes, &tree)) {
      if (!tree.root.is_null()) out.push_back(Document{1, std::move(tree.root), std::nullopt});
      return out;
    }
    // Not JSON after all (a flow mapping is YAML too, and so are several documents): as YAML.
  }
  for (const Chunk& chunk : split_documents(bytes)) {
    Document doc = parse_chunk(chunk);
    if (!doc.error && doc.root.is_null()) continue;  // an empty document (comments only)
    out.push_back(std::move(doc));
  }
  return out;
}

const SyntaxError* first_error(const std::vector<Document>& documents) {
  for (const Document& doc : documents) {
    if (doc.error) return &*doc.error;
  }
  return nullptr;
}

std::optional<std::string> base64_decode(std::string_view text) { return decode(text, false); }
std::optional<std::string> base64url_decode(std::string_view text) { return decode(text, true); }

}  // namespace promtls::core
