// YAML and JSON documents as JSON values: one parser for Kubernetes objects (single, multi-document
// YAML, JSON, `List`), license objects and kubeconfigs. Performs no I/O. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promtls::core {

// Parses `bytes` as JSON (when it starts with '{' or '[') or as (multi-document) YAML. YAML
// scalars become strings, except unquoted integers, booleans and null, which keep their JSON
// types. Empty documents are dropped. nullopt with `error` ("line 3, column 5: ...") when the
// text is neither.
std::optional<std::vector<nlohmann::json>> parse_documents(std::string_view bytes,
                                                           std::string& error);

// Objects of a Kubernetes `List` (kind ending in "List" with an `items` array) are flattened
// into their items; other documents are returned as they are.
std::vector<nlohmann::json> flatten_lists(const std::vector<nlohmann::json>& documents);

// Standard base64 (RFC 4648 §4; whitespace ignored, padding optional) and base64url (§5).
// nullopt when the text has other characters.
std::optional<std::string> base64_decode(std::string_view text);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace promtls::core
