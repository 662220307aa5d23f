#include "json_view.hpp"

#include <charconv>
#include <cstdlib>

namespace promtls::core {
namespace {

nlohmann::json number(const std::string& text) {
  std::int64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  const auto res = std::from_chars(begin, end, value);
  if (res.ec == std::errc() && res.ptr == end) return value;
  return std::strtod(text.c_str(), nullptr);
}

}  // namespace

nlohmann::json to_json(const Node& node) {
  switch (node.kind()) {
    case Node::Kind::null:
      return nullptr;
    case Node::Kind::scalar:
      switch (node.type()) {
        case ScalarType::boolean:
          return *node.boolean();
        case ScalarType::integer:
        case ScalarType::floating:
          return number(node.text());
        case ScalarType::null:
          return nullptr;
        case ScalarType::string:
          return node.text();
      }
      return node.text();
    case Node::Kind::sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const Node& item : node.items()) out.push_back(to_json(item));
      return out;
    }
    case Node::Kind::mapping: {
      nlohmann::json out = nlohmann::json::object();
      for (const Node::Entry& entry : node.entries()) {
        if (!out.contains(entry.key)) out[entry.key] = to_json(entry.value);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace promtls::core
