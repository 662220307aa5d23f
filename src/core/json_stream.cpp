// The streaming JSON reader (json_stream.hpp): nlohmann's SAX parser over a refilled buffer.
// The trees are built by the builder documents.cpp uses when it reads JSON without positions
// (json_tree.hpp: every node at {1, 0}; numbers as written, booleans "true"/"false" plain, strings
// quoted), so a reader cannot tell a streamed item from the same item of a whole document.
#include "promtls/core/json_stream.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "json_tree.hpp"

namespace promtls::core {
namespace {

// The YAML and whole-JSON readers' nesting bound (documents.cpp).
constexpr std::size_t kMaxDepth = 2000;
constexpr Position kNowhere{1, 0};

// The input, a buffer at a time. A single token (a string, a number) longer than `limit` ends
// the input early (`overflow`): the parser would otherwise hold all of it.
// A token's bound: an item is skipped when too long, but the parser holds each token whole, so
// one longer than this ends the stream (kept above small item bounds, so that an item with a
// large value is skipped like any other).
constexpr std::uint64_t kMinTokenBytes = std::uint64_t{64} << 20;
class Refill {
 public:
  Refill(const JsonInput& input, std::size_t buffer_bytes, std::uint64_t limit)
      : input_(input), buffer_(std::max<std::size_t>(buffer_bytes, 1)), limit_(limit) {}

  bool more() { return pos_ < end_ || fill(); }
  char current() const { return buffer_[pos_]; }
  void advance() { ++pos_; }
  std::uint64_t consumed() const { return before_ + pos_; }
  // An event was seen: the token before it has ended.
  void mark() { last_event_ = consumed(); }
  bool overflow() const { return overflow_; }

  // Just after a key: when the value is a string with no escapes and only printable ASCII,
  // which `drop` (given its text) says no reader needs, the parser is handed `:""` in its place.
  // The string is brought into the buffer whole (grown up to the token bound) or left alone.
  template <class Drop>
  void drop_string_value(const Drop& drop) {
    // Offsets from pos_, which pull() keeps pointing at the same byte.
    const auto byte = [&](std::size_t rel) -> int {
      while (pos_ + rel >= end_) {
        if (!pull()) return -1;
      }
      return static_cast<unsigned char>(buffer_[pos_ + rel]);
    };
    const auto blank = [](int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    std::size_t rel = 0;
    while (blank(byte(rel))) ++rel;
    if (byte(rel) != ':') return;
    for (++rel; blank(byte(rel));) ++rel;
    if (byte(rel) != '"') return;
    const std::size_t open = ++rel;
    for (;;) {
      if (pos_ + rel >= end_ && !pull()) return;
      const char* const from = buffer_.data() + pos_ + rel;
      const std::size_t left = end_ - pos_ - rel;
      const void* quote = std::memchr(from, '"', left);
      const std::size_t upto =
          quote != nullptr ? static_cast<std::size_t>(static_cast<const char*>(quote) - from)
                           : left;
      for (std::size_t i = 0; i < upto; ++i) {
        const char c = from[i];
        if (c < 0x20 || c > 0x7e || c == '\\') return;
      }
      rel += upto;
      if (quote != nullptr) break;
      if (rel > limit_) return;
    }
    if (!drop(std::string_view(buffer_.data() + pos_ + open, rel - open))) return;
    // The closing quote is at pos_ + rel; the colon and the opening quote were before it.
    buffer_[pos_ + rel - 2] = ':';
    buffer_[pos_ + rel - 1] = '"';
    pos_ += rel - 2;
  }

 private:
  // More input at the end of the buffer, the unread part moved to its front first and the
  // buffer grown when full. False at the end of the input.
  bool pull() {
    if (eof_) return false;
    if (pos_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
      before_ += pos_;
      end_ -= pos_;
      pos_ = 0;
    }
    if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    const std::size_t n = input_(buffer_.data() + end_, buffer_.size() - end_);
    if (n == 0) eof_ = true;
    end_ += n;
    return n > 0;
  }

  bool fill() {
    if (eof_) return false;
    before_ += end_;
    pos_ = 0;
    end_ = 0;
    const std::uint64_t open = consumed() - last_event_;  // of the token being read
    if (open > limit_) {
      overflow_ = eof_ = true;
      return false;
    }
    // Never more than one byte past the limit: a token over it ends the input at that byte.
    const std::uint64_t left = limit_ - open;  // may be UINT64_MAX - open: no "+ 1" here
    const std::size_t want =
        left < buffer_.size() ? static_cast<std::size_t>(left) + 1 : buffer_.size();
    end_ = input_(buffer_.data(), want);
    if (end_ == 0) eof_ = true;
    return end_ > 0;
  }

  const JsonInput& input_;
  std::vector<char> buffer_;
  std::uint64_t limit_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::uint64_t before_ = 0;  // input bytes before buffer_[0]
  std::uint64_t last_event_ = 0;
  bool eof_ = false;
  bool overflow_ = false;
};

// The input iterator nlohmann's iterator adapter reads through; the end is the one without a
// Refill.
class Cursor {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  explicit Cursor(Refill* refill = nullptr) : refill_(refill) {}
  char operator*() const { return refill_->current(); }
  Cursor& operator++() {
    refill_->advance();
    return *this;
  }
  Cursor operator++(int) {
    Cursor before = *this;
    refill_->advance();
    return before;
  }
  friend bool operator==(const Cursor& a, const Cursor& b) { return a.at_end() == b.at_end(); }

 private:
  bool at_end() const { return refill_ == nullptr || !refill_->more(); }
  Refill* refill_;
};

using TreeBuilder = detail::JsonTreeBuilder;

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while parsing
// value - invalid literal; last read: 'x'" -> {1, 5}, "syntax error while parsing value - invalid
// literal". The last-read token is left out: it is the input's text.
SyntaxError syntax_error(const std::string& what) {
  SyntaxError error;
  constexpr std::string_view kAt = "parse error at line ";
  constexpr std::string_view kColumn = ", column ";
  std::string_view text = what;
  if (const std::size_t at = text.find(kAt); at != std::string_view::npos) {
    std::size_t p = at + kAt.size();
    const auto number = [&] {
      std::size_t n = 0;
      while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
        n = n * 10 + static_cast<std::size_t>(text[p] - '0');
        ++p;
      }
      return n;
    };
    error.position.line = number();
    if (text.substr(p, kColumn.size()) == kColumn) {
      p += kColumn.size();
      error.position.column = number();
    }
    if (text.substr(p, 2) == ": ") p += 2;
    text = text.substr(p);
  }
  if (const std::size_t last = text.find("; last read:"); last != std::string_view::npos) {
    text = text.substr(0, last);
  }
  error.message = std::string(text);
  error.line = error.position.line;
  error.from_parser = error.position.line > 0;
  return error;
}

class Handler final : public nlohmann::json_sax<nlohmann::json> {
 public:
  Handler(Refill& refill, const JsonStreamEvents& events, std::uint64_t limit,
          JsonStreamResult& result)
      : refill_(refill), events_(events), limit_(limit), result_(result) {}

  bool null() override { return scalar(Node::null_at(kNowhere)); }
  bool boolean(bool value) override {
    return scalar(Node::scalar_at(kNowhere, value ? "true" : "false", true));
  }
  bool number_integer(number_integer_t value) override {
    return scalar(Node::scalar_at(kNowhere, std::to_string(value), true));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return scalar(Node::scalar_at(kNowhere, std::to_string(value), true));
  }
  bool number_float(number_float_t, const string_t& text) override {
    return scalar(Node::scalar_at(kNowhere, text, true));
  }
  bool string(string_t& value) override {
    return scalar(Node::scalar_at(kNowhere, std::move(value), false));
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return open(Node::Kind::mapping); }
  bool start_array(std::size_t) override { return open(Node::Kind::sequence); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& value) override {
    refill_.mark();
    switch (mode_) {
      case Mode::top:
        if (top_.depth() == 1 && value == "items" && !result_.streamed_items) {
          pending_items_ = true;
          return true;
        }
        top_.key(std::move(value));
        return outside_fits();
      case Mode::item:
        if (!item_fits()) return skip();
        if (events_.drop) {
          if (const std::string* field = item_.outer_key()) {
            refill_.drop_string_value(
                [&](std::string_view text) { return events_.drop(*field, value, text); });
          }
        }
        item_.key(std::move(value));
        return true;
      default:
        return true;
    }
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    result_.error = syntax_error(e.what());
    return false;
  }

  Node take_top() { return top_.done() ? top_.take() : Node(); }

 private:
  enum class Mode { top, items, item, skip };

  bool scalar(Node node) {
    refill_.mark();
    switch (mode_) {
      case Mode::top:
        key_pending_items();
        top_.value(std::move(node));
        return outside_fits();
      case Mode::items:  // an item that is not a mapping: handed over all the same
        item_.value(std::move(node));
        deliver();
        return true;
      case Mode::item:
        if (!item_fits()) return skip();
        item_.value(std::move(node));
        return true;
      case Mode::skip:
        return true;
    }
    return true;
  }

  bool open(Node::Kind kind) {
    refill_.mark();
    switch (mode_) {
      case Mode::top:
        if (pending_items_ && kind == Node::Kind::sequence) {
          pending_items_ = false;
          result_.streamed_items = true;
          items_begin_ = refill_.consumed();
          mode_ = Mode::items;
          return true;
        }
        key_pending_items();
        if (!deep_enough(top_.depth())) return false;
        top_.open(kind);
        return outside_fits();
      case Mode::items:
        item_begin_ = refill_.consumed() - 1;  // the bracket just read
        mode_ = Mode::item;
        item_.open(kind);
        return true;
      case Mode::item:
        if (!item_fits()) {
          skip();
          ++skip_depth_;
          return true;
        }
        if (!deep_enough(top_.depth() + 1 + item_.depth())) return false;
        item_.open(kind);
        return true;
      case Mode::skip:
        ++skip_depth_;
        return true;
    }
    return true;
  }

  bool close() {
    refill_.mark();
    switch (mode_) {
      case Mode::top:
        top_.close();
        return outside_fits();
      case Mode::items:  // the end of the items
        items_bytes_ += refill_.consumed() - items_begin_;
        mode_ = Mode::top;
        return true;
      case Mode::item:
        if (item_fits()) {
          item_.close();
          if (item_.done()) deliver();
          return true;
        }
        skip();
        break;
      case Mode::skip:
        break;
    }
    if (--skip_depth_ == 0) {
      if (events_.oversized) events_.oversized(result_.items, refill_.consumed() - item_begin_);
      ++result_.items;
      mode_ = Mode::items;
    }
    return true;
  }

  // "items" was not followed by an array: an ordinary entry after all.
  void key_pending_items() {
    if (!pending_items_) return;
    pending_items_ = false;
    top_.key("items");
  }

  void deliver() {
    Node item = item_.take();
    if (events_.item) events_.item(result_.items, item);
    ++result_.items;
    mode_ = Mode::items;
  }

  bool item_fits() const { return refill_.consumed() - item_begin_ <= limit_; }
  // The item being built is too long: the rest of it is read without building.
  bool skip() {
    skip_depth_ = item_.depth();
    item_.clear();
    mode_ = Mode::skip;
    return true;
  }
  bool outside_fits() {
    if (refill_.consumed() - items_bytes_ <= limit_) return true;
    too_large_ = true;
    return false;
  }
  bool deep_enough(std::size_t depth) {
    if (depth < kMaxDepth) return true;
    deep_ = true;
    return false;
  }

 public:
  bool too_large_ = false;
  bool deep_ = false;

 private:
  Refill& refill_;
  const JsonStreamEvents& events_;
  std::uint64_t limit_;
  JsonStreamResult& result_;
  Mode mode_ = Mode::top;
  TreeBuilder top_;
  TreeBuilder item_;
  bool pending_items_ = false;
  std::uint64_t items_begin_ = 0;
  std::uint64_t items_bytes_ = 0;  // of the streamed items array, not the top level's
  std::uint64_t item_begin_ = 0;
  std::size_t skip_depth_ = 0;
};

}  // namespace

JsonStreamResult stream_json(const JsonInput& input, const JsonStreamEvents& events,
                             const JsonStreamOptions& options) {
  JsonStreamResult result;
  const std::uint64_t token_bytes = std::max(options.max_item_bytes, kMinTokenBytes);
  Refill refill(input, options.buffer_bytes, token_bytes);
  Handler handler(refill, events, options.max_item_bytes, result);
  const bool ok = nlohmann::json::sax_parse(Cursor(&refill), Cursor(), &handler);
  if (!ok) {
    const std::string limit = std::to_string(options.max_item_bytes);
    if (refill.overflow() || handler.too_large_) {
      result.too_large = true;
      result.error =
          SyntaxError{refill.overflow() ? "a single value longer than " + limit + " bytes"
                                        : "more than " + limit + " bytes outside the items",
                      {},
                      0,
                      false};
    } else if (handler.deep_) {
      result.error = SyntaxError{
          "nested more than " + std::to_string(kMaxDepth) + " levels deep", {}, 0, false};
    } else if (!result.error) {
      result.error = SyntaxError{"the JSON parser stopped", {}, 0, false};
    }
  }
  result.top = handler.take_top();
  return result;
}

}  // namespace promtls::core
