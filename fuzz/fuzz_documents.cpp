// The document reader (core/documents.hpp) and the manifest reader on top of it
// (core/manifest.hpp): parse_documents with and without positions (JSON is then read by another
// parser), which must give the same trees and fail on the same documents (documents.hpp's
// promise), and parse_manifests over the same bytes.
#include <array>
#include <span>
#include <string>

#include "fuzz_support.hpp"
#include "promtls/core/documents.hpp"
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

  const std::array inputs{core::ManifestInput{"fuzz.yaml", std::string(text)}};
  const core::ManifestSet set = core::parse_manifests(std::span(inputs));
  for (const auto& target : set.targets) (void)target.label();
  return 0;
}
