#include "promtls/core/documents.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>

namespace promtls::core {
namespace {

nlohmann::json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text == "null" || text == "~" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  std::int64_t value = 0;
  const char* begin = text.data();
  if (!text.empty() && text.front() == '+') ++begin;
  const auto res = std::from_chars(begin, text.data() + text.size(), value);
  if (!text.empty() && res.ec == std::errc() && res.ptr == text.data() + text.size()) {
    return value;
  }
  return text;
}

nlohmann::json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = to_json(kv.second);
      return out;
    }
  }
  return nullptr;
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

std::optional<std::vector<nlohmann::json>> parse_documents(std::string_view bytes,
                                                           std::string& error) {
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  std::vector<nlohmann::json> docs;
  if (first != std::string_view::npos && (bytes[first] == '{' || bytes[first] == '[')) {
    try {
      docs.push_back(nlohmann::json::parse(bytes));
      return docs;
    } catch (const nlohmann::json::exception& e) {
      // Fall through to YAML (a flow mapping is also YAML) and keep the JSON error if both fail.
      error = e.what();
    }
  }
  try {
    for (const YAML::Node& node : YAML::LoadAll(std::string(bytes))) {
      if (node.IsNull() || !node.IsDefined()) continue;
      docs.push_back(to_json(node));
    }
  } catch (const YAML::Exception& e) {
    if (error.empty()) {
      error = "line " + std::to_string(e.mark.line + 1) + ", column " +
              std::to_string(e.mark.column + 1) + ": " + e.msg;
    }
    return std::nullopt;
  }
  error.clear();
  return docs;
}

std::vector<nlohmann::json> flatten_lists(const std::vector<nlohmann::json>& documents) {
  std::vector<nlohmann::json> out;
  for (const nlohmann::json& doc : documents) {
    const bool is_list = doc.is_object() && doc.contains("items") && doc["items"].is_array() &&
                         doc.contains("kind") && doc["kind"].is_string() &&
                         doc["kind"].get<std::string>().ends_with("List");
    if (is_list) {
      for (const auto& item : doc["items"]) out.push_back(item);
    } else {
      out.push_back(doc);
    }
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) { return decode(text, false); }
std::optional<std::string> base64url_decode(std::string_view text) { return decode(text, true); }

}  // namespace promtls::core
