// Document trees written back as text the way kubectl prints them, so that a test can give the
// same objects as `kubectl get ... -o json` and `-o yaml` would (tests of the streamed readers).
// Pure functions of the tree; thread-safe.
#pragma once

#include <string>

#include "promtls/core/documents.hpp"

namespace promtls::test {

// JSON text: mappings one entry per line, scalars by their YAML type (a plain number stays a
// number, a quoted one a string).
std::string to_json(const core::Node& node);

// YAML as kubectl -o yaml writes it: block mappings and sequences, keys plain unless YAML would
// read them as another type, a mapping in a sequence begun on the dash's line, two spaces per
// level; scalars and empty containers as JSON writes them (JSON's escapes are YAML's).
std::string to_kubectl_yaml(const core::Node& root);

}  // namespace promtls::test
