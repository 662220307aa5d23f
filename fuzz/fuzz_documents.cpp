// The document reader (core/documents.hpp) and the manifest reader on top of it
// (core/manifest.hpp): parse_documents with and without positions (JSON is then read by another
// parser), which must give the same trees and fail on the same documents (documents.hpp's
// promise), stream_yaml over the same bytes a few at a time, whose items and top level must be
// the whole reader's when both read one document, and parse_manifests over the same bytes.
#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/core/json_stream.hpp"
#include "promtls/core/manifest.hpp"

namespace {

using promtls::core::Node;

// Equal as trees: kinds, scalar texts and types, items and entries; positions ignored.
bool same_tree(const Node& a, const Node& b) {
  if (a.kind() != b.kind() || a.text() != b.text() || a.type() != b.type() ||
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
    if (x.key != y.key || x.key_is_scalar != y.key_is_scalar || !same_tree(x.value, y.value)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace promtls;
  const std::string_view text = fuzz::as_text(data, size);

  const auto with = core::parse_documents(text);
  const auto without = core::parse_documents(text, core::ParseOptions{.positions = false});
  fuzz::require(with.size() == without.size(), "positions do not change the document count");
  for (std::size_t i = 0; i < with.size(); ++i) {
    fuzz::require(with[i].error.has_value() == without[i].error.has_value(),
                  "positions do not change which documents parse");
    if (with[i].error) {
      (void)core::describe(*with[i].error);
    } else {
      fuzz::require(same_tree(with[i].root, without[i].root), "positions do not change the tree");
    }
  }
  (void)core::first_error(with);

  // The stream reader: what it hands over is what the whole reader built.
  std::vector<Node> items;
  std::size_t at = 0;
  core::JsonStreamResult streamed = core::stream_yaml(
      [&](char* buffer, std::size_t capacity) {
        const std::size_t n = std::min<std::size_t>({capacity, 5, text.size() - at});
        std::copy_n(text.data() + at, n, buffer);
        at += n;
        return n;
      },
      {.item = [&](std::size_t, Node& item) { items.push_back(std::move(item)); },
       .oversized = nullptr,
       .drop = nullptr},
      {.buffer_bytes = 5, .max_item_bytes = UINT64_MAX});
  if (streamed.error) (void)core::describe(*streamed.error);
  fuzz::require(streamed.items == items.size(), "every streamed item is handed over");
  const bool json = text.find_first_not_of(" \t\r\n") != std::string_view::npos &&
                    (text[text.find_first_not_of(" \t\r\n")] == '{' ||
                     text[text.find_first_not_of(" \t\r\n")] == '[');
  if (!streamed.error && streamed.streamed_items && !json && with.size() == 1 && !with[0].error) {
    // The first "items" entry that holds a sequence is the one streamed.
    const Node* whole_items = nullptr;
    for (const Node::Entry& e : with[0].root.entries()) {
      if (e.key == "items" && e.value.is_sequence()) {
        whole_items = &e.value;
        break;
      }
    }
    fuzz::require(whole_items != nullptr && whole_items->items().size() == items.size(),
                  "the stream hands over the whole reader's items");
    for (std::size_t i = 0; i < items.size(); ++i) {
      fuzz::require(same_tree(items[i], whole_items->items()[i]),
                    "each streamed item is the whole reader's");
    }
  }

  const std::array inputs{core::ManifestInput{"fuzz.yaml", std::string(text)}};
  const core::ManifestSet set = core::parse_manifests(std::span(inputs));
  for (const auto& target : set.targets) (void)target.label();
  return 0;
}
