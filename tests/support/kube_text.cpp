#include "kube_text.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

namespace promtls::test {
namespace {

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

// A mapping key as kubectl writes it: plain unless YAML would read it as something else.
std::string key_text(const std::string& key) {
  static const std::set<std::string, std::less<>> words = {"",  "~",   "null", "true", "false", "y",
                                                           "n", "yes", "no",   "on",   "off"};
  std::string lower = key;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool simple = std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '/' ||
           c == '-';
  });
  const bool numeric = !key.empty() && (std::isdigit(static_cast<unsigned char>(key[0])) ||
                                        key[0] == '-' || key[0] == '.');
  return simple && !numeric && words.count(lower) == 0 ? key : quoted(key);
}

void yaml_entries(const core::Node& map, std::size_t indent, bool first_inline, std::string& out);

void yaml_value(const core::Node& v, std::size_t indent, std::string& out) {
  const bool block =
      (v.is_mapping() && !v.entries().empty()) || (v.is_sequence() && !v.items().empty());
  if (!block) {
    out += " " + to_json(v) + "\n";
    return;
  }
  out += "\n";
  if (v.is_mapping()) {
    yaml_entries(v, indent + 2, false, out);
    return;
  }
  for (const core::Node& item : v.items()) {
    out += std::string(indent, ' ') + "-";
    if (item.is_mapping() && !item.entries().empty()) {
      out += " ";
      yaml_entries(item, indent + 2, true, out);
    } else {
      yaml_value(item, indent, out);
    }
  }
}

void yaml_entries(const core::Node& map, std::size_t indent, bool first_inline, std::string& out) {
  bool first = true;
  for (const core::Node::Entry& e : map.entries()) {
    if (!(first && first_inline)) out += std::string(indent, ' ');
    first = false;
    out += key_text(e.key) + ":";
    yaml_value(e.value, indent, out);
  }
}

}  // namespace

std::string to_json(const core::Node& node) {
  switch (node.kind()) {
    case core::Node::Kind::null:
      return "null";
    case core::Node::Kind::scalar: {
      if (!node.plain()) return quoted(node.text());
      if (node.type() == core::ScalarType::null) return "null";
      if (const auto b = node.boolean()) return *b ? "true" : "false";
      const bool number =
          node.type() == core::ScalarType::integer || node.type() == core::ScalarType::floating;
      return number && nlohmann::json::accept(node.text()) ? node.text() : quoted(node.text());
    }
    case core::Node::Kind::sequence: {
      std::string out = "[";
      for (const core::Node& item : node.items())
        out += (out.size() > 1 ? "," : "") + to_json(item);
      return out + "]";
    }
    case core::Node::Kind::mapping: {
      std::string out = "{";
      for (const core::Node::Entry& e : node.entries()) {
        out += (out.size() > 1 ? ",\n" : "") + quoted(e.key) + ": " + to_json(e.value);
      }
      return out + "}";
    }
  }
  return "null";
}

std::string to_kubectl_yaml(const core::Node& root) {
  if (!root.is_mapping() || root.entries().empty()) return to_json(root) + "\n";
  std::string out;
  yaml_entries(root, 0, false, out);
  return out;
}

}  // namespace promtls::test
