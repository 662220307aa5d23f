// A document tree (documents.hpp) as the JSON Kubernetes would see: scalars by the one scalar rule
// (null, boolean, integer, floating, string). Internal to the core library, for readers that work
// on JSON values (license objects). Performs no I/O; reentrant.
#pragma once

#include <nlohmann/json.hpp>

#include "promtls/core/documents.hpp"

namespace promtls::core {

// Integers that do not fit 64 bits become floating-point numbers; a mapping's repeated key keeps
// its first value, as Node::find() does.
nlohmann::json to_json(const Node& node);

}  // namespace promtls::core
