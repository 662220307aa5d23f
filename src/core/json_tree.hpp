// A tree from JSON events (nlohmann's SAX parser), as parse_documents() builds it without
// positions (documents.hpp): every node and key at {1, 0}. Shared by the JSON readers of
// documents.cpp and json_stream.cpp. Internal to promtls_core.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "promtls/core/documents.hpp"

namespace promtls::core::detail {

// One tree from events, with an explicit stack (no recursion however deep the input; the caller
// bounds the depth).
class JsonTreeBuilder {
 public:
  static constexpr Position kNowhere{1, 0};

  void value(Node node) {
    if (frames_.empty()) {
      root_ = std::move(node);
      has_root_ = true;
      return;
    }
    Frame& top = frames_.back();
    if (top.kind == Node::Kind::sequence) {
      top.items.push_back(std::move(node));
      return;
    }
    Node::Entry entry;
    entry.key = std::move(top.key);
    entry.key_position = kNowhere;
    entry.value = std::move(node);
    top.entries.push_back(std::move(entry));
  }
  void key(std::string key) { frames_.back().key = std::move(key); }
  void open(Node::Kind kind) { frames_.push_back(Frame{kind, {}, {}, {}}); }
  void close() {
    Frame top = std::move(frames_.back());
    frames_.pop_back();
    value(top.kind == Node::Kind::sequence ? Node::sequence_at(kNowhere, std::move(top.items))
                                           : Node::mapping_at(kNowhere, std::move(top.entries)));
  }
  std::size_t depth() const { return frames_.size(); }
  // The key being filled in the outermost mapping, when the two outermost frames are mappings.
  const std::string* outer_key() const {
    return frames_.size() == 2 && frames_[0].kind == Node::Kind::mapping &&
                   frames_[1].kind == Node::Kind::mapping
               ? &frames_[0].key
               : nullptr;
  }
  bool done() const { return has_root_ && frames_.empty(); }
  Node take() {
    has_root_ = false;
    return std::move(root_);
  }
  void clear() {
    frames_.clear();
    root_ = Node();
    has_root_ = false;
  }

 private:
  struct Frame {
    Node::Kind kind;
    std::vector<Node> items;
    std::vector<Node::Entry> entries;
    std::string key;
  };
  std::vector<Frame> frames_;
  Node root_;
  bool has_root_ = false;
};

}  // namespace promtls::core::detail
