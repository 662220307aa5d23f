// The one document parser (documents.hpp). libyaml's event parser (Debian libyaml-dev, what
// PyYAML's CSafeLoader uses) reads YAML and JSON alike; each event carries its mark, which is what
// lets findings cite file:line:column, and the tree is built here with an explicit stack, a depth
// bound and a bound on what aliases expand to. It replaced yaml-cpp 0.7, whose LoadAll loops
// forever while allocating on some malformed JSON (yaml-cpp #1040, issue 18), and which was the
// slower of the two (bench/RESULTS.md). Readers that need no positions get JSON through
// nlohmann's SAX parser, into the same tree. Both are used here only.
#include "promtls/core/documents.hpp"

#include <yaml.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <variant>

#include "json_tree.hpp"
#include "promtls/core/json_stream.hpp"

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

// Aliases are copied. A document may hold this many nodes, the copies made for aliases included,
// and no more: every node written costs at least one byte, so only aliases come near it, and a
// "billion laughs" document of a few hundred bytes stops at the bound instead of taking all
// memory (README, development: 100,000 nodes plus 16 per byte of the document).
std::size_t node_budget(std::size_t bytes) { return 100'000 + 16 * bytes; }

constexpr std::size_t kMaxDepth = 2000;

// A failure while building one document's tree.
struct BuildError {
  std::string message;
  std::optional<yaml_mark_t> mark;  // set when the parser gave a position
  bool from_parser = true;
};

// libyaml's events into a Node tree, with an explicit stack (no recursion however deep the input)
// and each anchor's finished node kept for its aliases.
class TreeBuilder {
 public:
  TreeBuilder(std::size_t first_line, std::size_t budget)
      : first_line_(first_line), budget_(budget) {}

  Position position(const yaml_mark_t& mark) const {
    return {first_line_ + mark.line + 1, mark.column + 1};
  }

  // Consumes one event of the document's body. An error ends the document.
  std::optional<BuildError> event(const yaml_event_t& e) {
    switch (e.type) {
      case YAML_SCALAR_EVENT:
        return scalar(e);
      case YAML_SEQUENCE_START_EVENT:
        return open(Node::Kind::sequence, e.start_mark, e.data.sequence_start.anchor);
      case YAML_MAPPING_START_EVENT:
        return open(Node::Kind::mapping, e.start_mark, e.data.mapping_start.anchor);
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        return close();
      case YAML_ALIAS_EVENT:
        return alias(e);
      default:
        return std::nullopt;
    }
  }

  bool done() const { return have_root_; }
  Node take_root() { return std::move(root_); }
  // Raises the node bound (a stream's builder, as more of it is read).
  void allow(std::size_t budget) { budget_ = std::max(budget_, budget); }

 private:
  struct Frame {
    Node::Kind kind;
    Position at;
    std::string anchor;
    std::size_t nodes_before = 0;
    std::vector<Node> items;
    std::vector<Node::Entry> entries;
    bool have_key = false;
    Node::Entry pending;
  };
  struct Anchored {
    Node node;
    std::size_t nodes = 0;  // how many nodes a copy adds
  };

  static std::string anchor_of(const yaml_char_t* anchor) {
    return anchor == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(anchor));
  }

  std::optional<BuildError> count(std::size_t nodes) {
    if (nodes > budget_ - used_) {
      return BuildError{"the document expands to too many nodes (aliases)", std::nullopt, false};
    }
    used_ += nodes;
    return std::nullopt;
  }

  // "!!null" makes a null node; "!!int", "!!float" and "!!bool" are typed by the text, like a
  // plain scalar; any other tag ("!!str", "!", an application's) makes a string.
  static Node make_scalar(const yaml_event_t& e, Position at) {
    const auto& s = e.data.scalar;
    std::string text(reinterpret_cast<const char*>(s.value), s.length);
    if (s.tag == nullptr)
      return Node::scalar_at(at, std::move(text), s.style == YAML_PLAIN_SCALAR_STYLE);
    const std::string_view tag(reinterpret_cast<const char*>(s.tag));
    if (tag == YAML_NULL_TAG) return Node::null_at(at);
    const bool typed = tag == YAML_INT_TAG || tag == YAML_FLOAT_TAG || tag == YAML_BOOL_TAG;
    return Node::scalar_at(at, std::move(text), typed);
  }

  std::optional<BuildError> scalar(const yaml_event_t& e) {
    if (auto error = count(1)) return error;
    Node node = make_scalar(e, position(e.start_mark));
    remember(anchor_of(e.data.scalar.anchor), node, 1);
    add(std::move(node));
    return std::nullopt;
  }

  std::optional<BuildError> alias(const yaml_event_t& e) {
    const auto found = anchors_.find(anchor_of(e.data.alias.anchor));
    if (found == anchors_.end()) {
      return BuildError{"alias *" + anchor_of(e.data.alias.anchor) +
                            " refers to no finished anchor (an alias may not refer to itself)",
                        std::nullopt, false};
    }
    if (auto error = count(found->second.nodes)) return error;
    add(Node(found->second.node));
    return std::nullopt;
  }

  std::optional<BuildError> open(Node::Kind kind, const yaml_mark_t& mark,
                                 const yaml_char_t* anchor) {
    if (stack_.size() >= kMaxDepth) {
      return BuildError{"nested more than 2000 levels deep", mark, true};
    }
    if (auto error = count(1)) return error;
    Frame frame{kind, position(mark), anchor_of(anchor), used_ - 1, {}, {}, false, {}};
    stack_.push_back(std::move(frame));
    return std::nullopt;
  }

  std::optional<BuildError> close() {
    Frame top = std::move(stack_.back());
    stack_.pop_back();
    Node node = top.kind == Node::Kind::sequence ? Node::sequence_at(top.at, std::move(top.items))
                                                 : Node::mapping_at(top.at, std::move(top.entries));
    remember(top.anchor, node, used_ - top.nodes_before);
    add(std::move(node));
    return std::nullopt;
  }

  void remember(const std::string& anchor, const Node& node, std::size_t nodes) {
    if (!anchor.empty()) anchors_[anchor] = Anchored{node, nodes};
  }

  void add(Node node) {
    if (stack_.empty()) {
      root_ = std::move(node);
      have_root_ = true;
      return;
    }
    Frame& top = stack_.back();
    if (top.kind == Node::Kind::sequence) {
      top.items.push_back(std::move(node));
    } else if (!top.have_key) {
      top.pending.key_is_scalar = node.is_scalar();
      top.pending.key = node.text();
      top.pending.key_position = node.position();
      top.have_key = true;
    } else {
      top.pending.value = std::move(node);
      top.entries.push_back(std::move(top.pending));
      top.pending = Node::Entry{};
      top.have_key = false;
    }
  }

  std::size_t first_line_;
  std::size_t budget_;
  std::size_t used_ = 0;
  std::vector<Frame> stack_;
  std::map<std::string, Anchored, std::less<>> anchors_;
  Node root_;
  bool have_root_ = false;
};

// The libyaml parser of one chunk, freed however its parse ends.
class Parser {
 public:
  explicit Parser(std::string_view text) {
    ok_ = yaml_parser_initialize(&parser_) != 0;
    if (ok_) {
      yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                   text.size());
    }
  }
  ~Parser() {
    if (ok_) yaml_parser_delete(&parser_);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  bool ok() const { return ok_; }
  // The next event into `event` (to be freed by the caller); false at a parse error.
  bool next(yaml_event_t& event) { return yaml_parser_parse(&parser_, &event) != 0; }
  const yaml_parser_t& state() const { return parser_; }

 private:
  yaml_parser_t parser_{};
  bool ok_ = false;
};

// An event, freed at the end of its scope.
struct Event {
  yaml_event_t value{};
  Event() = default;
  ~Event() { yaml_event_delete(&value); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
};

// What the parser said when it stopped: "did not find expected ',' or '}' while parsing a flow
// mapping", at the problem's mark (a reader error, such as bytes that are not UTF-8, at the line
// of its offset).
BuildError parser_error(const yaml_parser_t& p, std::string_view text) {
  if (p.error == YAML_MEMORY_ERROR || p.problem == nullptr) {
    return BuildError{"the YAML parser ran out of memory", std::nullopt, false};
  }
  std::string message = p.problem;
  if (p.error == YAML_READER_ERROR) {
    yaml_mark_t mark{};
    const std::string_view before = text.substr(0, std::min(p.problem_offset, text.size()));
    mark.line = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t eol = before.rfind('\n');
    mark.column = eol == std::string_view::npos ? before.size() : before.size() - eol - 1;
    return BuildError{std::move(message), mark, true};
  }
  if (message == "did not find expected <document start>") {
    message =
        "more text after the end of the document (documents of a stream are separated by "
        "\"---\" lines)";
  } else if (p.context != nullptr) {
    message += std::string(" ") + p.context;
  }
  return BuildError{std::move(message), p.problem_mark, true};
}

// The chunk's one document, or the error that stopped it.
std::variant<Node, BuildError> build_tree(const Chunk& chunk) {
  Parser parser(chunk.text);
  if (!parser.ok()) return BuildError{"the YAML parser ran out of memory", std::nullopt, false};
  TreeBuilder builder(chunk.first_line, node_budget(chunk.text.size()));
  int documents = 0;
  while (true) {
    Event event;
    if (!parser.next(event.value)) return parser_error(parser.state(), chunk.text);
    const yaml_event_type_t type = event.value.type;
    if (type == YAML_STREAM_END_EVENT) break;
    if (type == YAML_DOCUMENT_START_EVENT && ++documents > 1) {
      return BuildError{"a second document without a \"---\" line before it",
                        event.value.start_mark, true};
    }
    if (auto error = builder.event(event.value)) return std::move(*error);
  }
  return builder.take_root();
}

// JSON into a tree without positions (nlohmann's SAX events). Deeper than the YAML reader's bound
// it gives up, and the stream is read by libyaml instead (which reports it).
class JsonTree final : public nlohmann::json_sax<nlohmann::json> {
 public:
  Node root() { return builder_.done() ? builder_.take() : Node(); }

  bool null() override { return add(Node::null_at(kAt)); }
  bool boolean(bool value) override {
    return add(Node::scalar_at(kAt, value ? "true" : "false", true));
  }
  bool number_integer(number_integer_t value) override {
    return add(Node::scalar_at(kAt, std::to_string(value), true));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return add(Node::scalar_at(kAt, std::to_string(value), true));
  }
  bool number_float(number_float_t, const string_t& text) override {
    return add(Node::scalar_at(kAt, text, true));
  }
  bool string(string_t& value) override {
    return add(Node::scalar_at(kAt, std::move(value), false));
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return open(Node::Kind::mapping); }
  bool key(string_t& value) override {
    builder_.key(std::move(value));
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Node::Kind::sequence); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  static constexpr Position kAt = detail::JsonTreeBuilder::kNowhere;
  bool add(Node node) {
    builder_.value(std::move(node));
    return true;
  }
  bool open(Node::Kind kind) {
    if (builder_.depth() >= kMaxDepth) return false;
    builder_.open(kind);
    return true;
  }
  bool close() {
    builder_.close();
    return true;
  }

  detail::JsonTreeBuilder builder_;
};

std::size_t lines_in(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) +
         (text.empty() || text.back() == '\n' ? 0 : 1);
}

Document parse_chunk(const Chunk& chunk) {
  Document doc;
  doc.first_line = chunk.first_line + 1;
  std::variant<Node, BuildError> built = build_tree(chunk);
  if (Node* root = std::get_if<Node>(&built)) {
    doc.root = std::move(*root);
    return doc;
  }
  BuildError& failed = std::get<BuildError>(built);
  SyntaxError error;
  error.message = std::move(failed.message);
  error.from_parser = failed.from_parser && failed.mark.has_value();
  if (failed.mark) {
    const std::size_t rel = failed.mark->line;
    const std::size_t lines = lines_in(chunk.text);
    error.line = chunk.first_line + std::min(rel, lines == 0 ? 0 : lines - 1) + 1;
    error.position = {chunk.first_line + rel + 1, failed.mark->column + 1};
  } else {
    error.line = chunk.first_line + 1;
    error.position = {chunk.first_line + 1, 0};
  }
  doc.error = std::move(error);
  return doc;
}

// stream_yaml(): libyaml pulls the input through a read handler; the events of each item of the
// top-level mapping's first "items" sequence go to a tree builder of their own, handed over and
// freed when the item ends; every other event goes to the top level's builder, which is given
// an empty "items" sequence in their place.
class YamlStream {
 public:
  YamlStream(const JsonInput& input, const JsonStreamEvents& events,
             const JsonStreamOptions& options, JsonStreamResult& result)
      : input_(input),
        events_(events),
        limit_(options.max_item_bytes),
        token_bytes_(std::max<std::uint64_t>(options.max_item_bytes, 64ull << 20)),
        first_line_(options.first_line),
        result_(result),
        top_(options.first_line, node_budget(0)) {}

  void run() {
    yaml_parser_t parser{};
    if (yaml_parser_initialize(&parser) == 0) {
      fail({"the YAML parser ran out of memory", std::nullopt, false});
      return;
    }
    yaml_parser_set_input(&parser, &YamlStream::read, this);
    int documents = 0;
    while (!result_.error) {
      Event event;
      const bool parsed = yaml_parser_parse(&parser, &event.value) != 0;
      if (overflow_) {  // the input was cut short: what libyaml made of it is not the input
        result_.too_large = true;
        fail({"a single value longer than " + std::to_string(token_bytes_) + " bytes", std::nullopt,
              false});
        break;
      }
      if (!parsed) {
        if (parser.error == YAML_READER_ERROR && parser.problem != nullptr) {
          fail({std::string(parser.problem) + " (at byte " + std::to_string(parser.problem_offset) +
                    ")",
                std::nullopt, false});
        } else {
          fail(parser_error(parser, {}));
        }
        break;
      }
      at_event_ = delivered_;
      const yaml_event_t& e = event.value;
      if (e.type == YAML_STREAM_END_EVENT) break;
      if (e.type == YAML_DOCUMENT_START_EVENT && ++documents > 1) {
        result_.several_documents = true;
        fail({"a second document (\"---\"): only a single document is read as a stream",
              e.start_mark, true});
        break;
      }
      if (e.type == YAML_STREAM_START_EVENT || e.type == YAML_DOCUMENT_START_EVENT ||
          e.type == YAML_DOCUMENT_END_EVENT) {
        continue;
      }
      on_event(e);
    }
    yaml_parser_delete(&parser);
    if (top_.done()) result_.top = top_.take_root();
  }

 private:
  struct Level {
    bool mapping = false;
    bool key_next = true;  // in a mapping: the next node is a key
    std::string key;       // in a mapping: the last key read (scalar keys only)
  };

  static int read(void* self, unsigned char* buffer, std::size_t size, std::size_t* size_read) {
    auto& s = *static_cast<YamlStream*>(self);
    // libyaml holds a token whole while it scans it: one that long ends the stream.
    if (s.delivered_ - s.at_event_ > s.token_bytes_) {
      s.overflow_ = true;
      *size_read = 0;
      return 1;
    }
    const std::size_t n = s.input_(reinterpret_cast<char*>(buffer), size);
    s.delivered_ += n;
    *size_read = n;
    return 1;
  }

  void fail(const BuildError& error) {
    SyntaxError out;
    out.message = error.message;
    out.from_parser = error.from_parser && error.mark.has_value();
    if (error.mark) {
      out.line = first_line_ + error.mark->line + 1;
      out.position = {out.line, error.mark->column + 1};
    }
    result_.error = std::move(out);
  }

  void on_event(const yaml_event_t& e) {
    const bool opens = e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT;
    const bool closes = e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT;
    const bool is_key =
        !closes && !stack_.empty() && stack_.back().mapping && stack_.back().key_next;
    if (is_key && e.type == YAML_SCALAR_EVENT) {
      stack_.back().key.assign(reinterpret_cast<const char*>(e.data.scalar.value),
                               e.data.scalar.length);
    } else if (is_key) {
      stack_.back().key.clear();  // a key that is no scalar (or an alias): no name
    }
    // The top level's first "items" sequence begins: its items are streamed.
    if (!streaming_ && !result_.streamed_items && stack_.size() == 1 && stack_[0].mapping &&
        !is_key && stack_[0].key == "items" && e.type == YAML_SEQUENCE_START_EVENT) {
      streaming_ = true;
      result_.streamed_items = true;
      feed(top_, e);
      stack_.push_back({});
      return;
    }
    if (streaming_ && stack_.size() == 2 && closes) {  // the end of the items
      streaming_ = false;
      stack_.pop_back();
      feed(top_, e);
      completed();
      return;
    }
    if (streaming_) {
      item_event(e, opens, closes, is_key);
    } else {
      if (e.end_mark.index - streamed_chars_ > limit_) {
        result_.too_large = true;
        fail({"more than " + std::to_string(limit_) + " bytes outside the items", std::nullopt,
              false});
        return;
      }
      feed(top_, e);
    }
    if (opens) {
      stack_.push_back({e.type == YAML_MAPPING_START_EVENT, true, {}});
    } else {
      if (closes) stack_.pop_back();
      completed();
    }
  }

  // One event of an item (the items sequence is stack_[1]; an item's events come at depth 2 and
  // deeper).
  void item_event(const yaml_event_t& e, bool opens, bool closes, bool is_key) {
    if (stack_.size() == 2 && !closes) {  // an item begins
      item_ = std::make_unique<TreeBuilder>(first_line_, node_budget(0));
      item_begin_ = e.start_mark.index;
      skipping_ = false;
    }
    const std::uint64_t length = e.end_mark.index - item_begin_;
    if (!skipping_ && length > limit_) {
      skipping_ = true;
      item_.reset();
    }
    if (!skipping_) {
      // A string value no reader would decode (Helm's release records): handed over as "".
      if (e.type == YAML_SCALAR_EVENT && !is_key && stack_.size() == 4 && stack_[2].mapping &&
          stack_[3].mapping && events_.drop && droppable(e)) {
        yaml_event_t empty = e;
        empty.data.scalar.length = 0;
        empty.data.scalar.style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;  // "", as JSON's reader gives
        feed(*item_, empty);
      } else {
        feed(*item_, e);
      }
    }
    // The item ends with this event: a scalar or alias item, or the close of its container.
    const bool ends = (stack_.size() == 2 && !opens) || (stack_.size() == 3 && closes);
    if (!ends || result_.error) return;
    streamed_chars_ += e.end_mark.index - item_begin_;
    if (skipping_) {
      if (events_.oversized) events_.oversized(result_.items, e.end_mark.index - item_begin_);
    } else if (item_ && item_->done()) {
      Node node = item_->take_root();
      if (events_.item) events_.item(result_.items, node);
    }
    item_.reset();
    ++result_.items;
  }

  // A value offered to events_.drop: an untagged string (what JSON's reader offers), two levels
  // into an item.
  bool droppable(const yaml_event_t& e) const {
    const auto& scalar = e.data.scalar;
    const std::string_view text(reinterpret_cast<const char*>(scalar.value), scalar.length);
    if (scalar.tag != nullptr) return false;
    if (scalar.style == YAML_PLAIN_SCALAR_STYLE && plain_scalar_type(text) != ScalarType::string) {
      return false;
    }
    return events_.drop(stack_[2].key, stack_[3].key, text);
  }

  void feed(TreeBuilder& builder, const yaml_event_t& e) {
    // Aliases are bounded by what was read so far (README, development).
    builder.allow(node_budget(static_cast<std::size_t>(delivered_)));
    if (auto error = builder.event(e)) fail(*error);
  }

  // A node ended at the current level: in a mapping, a key or a value.
  void completed() {
    if (!stack_.empty() && stack_.back().mapping) stack_.back().key_next = !stack_.back().key_next;
  }

  const JsonInput& input_;
  const JsonStreamEvents& events_;
  std::uint64_t limit_;
  std::uint64_t token_bytes_;
  std::size_t first_line_;
  JsonStreamResult& result_;
  TreeBuilder top_;
  std::unique_ptr<TreeBuilder> item_;
  std::vector<Level> stack_;
  bool streaming_ = false;
  bool skipping_ = false;
  bool overflow_ = false;
  std::uint64_t delivered_ = 0;  // bytes handed to libyaml
  std::uint64_t at_event_ = 0;   // delivered_ at the last event
  std::uint64_t item_begin_ = 0;
  std::uint64_t streamed_chars_ = 0;  // of the items, which the top level's bound leaves out
};

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
  // is a null node.
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

namespace {
bool starts_like_json(std::string_view bytes) {
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (bytes[first] == '{' || bytes[first] == '[');
}
}  // namespace

std::vector<Document> parse_documents(std::string_view bytes, const ParseOptions& options) {
  std::vector<Document> out;
  const bool json = starts_like_json(bytes);
  if (!options.positions && json) {
    JsonTree tree;
    if (nlohmann::json::sax_parse(bytes, &tree)) {
      Node root = tree.root();
      if (!root.is_null()) out.push_back(Document{1, std::move(root), std::nullopt});
      return out;
    }
    // Not JSON after all (a flow mapping is YAML too, and so are several documents): as YAML.
  }
  for (const Chunk& chunk : split_documents(bytes)) {
    Document doc = parse_chunk(chunk);
    if (!doc.error && doc.root.is_null()) continue;  // an empty document (comments only)
    out.push_back(std::move(doc));
  }
  // Valid JSON that libyaml refuses: YAML 1.1 has no surrogate-pair escapes ("\ud83d\ude00") and
  // no raw DEL in a string, JSON has both, and Kubernetes reads JSON as JSON. Such a stream is
  // read as JSON, without positions.
  if (options.positions && json && first_error(out) != nullptr) {
    JsonTree tree;
    if (nlohmann::json::sax_parse(bytes, &tree)) {
      out.clear();
      Node root = tree.root();
      if (!root.is_null()) out.push_back(Document{1, std::move(root), std::nullopt});
    }
  }
  return out;
}

void for_each_document(std::string_view bytes,
                       const std::function<void(Document&, const DocumentSource&)>& each,
                       const ParseOptions& options) {
  for_each_document(bytes, each, SIZE_MAX, nullptr, options);
}

void for_each_document(std::string_view bytes,
                       const std::function<void(Document&, const DocumentSource&)>& each,
                       std::size_t large_bytes,
                       const std::function<bool(const DocumentSource&)>& large,
                       const ParseOptions& options) {
  const auto read_large = [&](const DocumentSource& source) {
    return large && source.text.size() > large_bytes && large(source);
  };
  if (starts_like_json(bytes)) {
    if (read_large(DocumentSource{bytes, 0, false})) return;
    // Whether it is read as JSON depends on the whole stream (parse_documents()).
    std::vector<Document> documents = parse_documents(bytes, options);
    for (Document& doc : documents) each(doc, DocumentSource{bytes, 0, false});
    return;
  }
  // Every chunk is read alone, as parse_documents() reads a stream that is not JSON.
  for (const Chunk& chunk : split_documents(bytes)) {
    const DocumentSource source{chunk.text, chunk.first_line, true};
    if (read_large(source)) continue;
    Document doc = parse_chunk(chunk);
    if (!doc.error && doc.root.is_null()) continue;  // an empty document (comments only)
    each(doc, source);
  }
}

Document parse_again(const DocumentSource& source) {
  return parse_chunk(Chunk{source.first_line, source.text});
}

JsonStreamResult stream_yaml(const JsonInput& input, const JsonStreamEvents& events,
                             const JsonStreamOptions& options) {
  JsonStreamResult result;
  YamlStream(input, events, options, result).run();
  return result;
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
