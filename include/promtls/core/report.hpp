// Rendering of validate results: the human text report and the JSON document of DESIGN.md
// ("schema": "promtls/validate/v1"). Pure functions of their inputs; no I/O, thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "promtls/core/config.hpp"

namespace promtls::core {

struct TextStyle {
  bool color = false;  // ANSI colours for severities and the verdict
  // Why files were not read when the verdict could not check them ("--offline", or "they are in
  // the pod" for manifests).
  std::string files_not_read_because = "--offline";
};

// One line per finding ("error cert-key-mismatch METRICS_..._CERT: message (env)"), its hint
// indented under it, then a one-line verdict. Ends with a newline.
std::string render_validate_text(const Evaluation& evaluation, bool strict, const TextStyle& style);

// The validate JSON object. `valid` is false when any finding is an error (or, with `strict`,
// a warning).
nlohmann::ordered_json validate_json(const Evaluation& evaluation, bool strict);

// A finding as JSON: {code, severity, variables, subject, message, hint, source}.
nlohmann::ordered_json finding_json(const Finding& finding);

// The effective configuration as JSON (versions as "1.2"/"1.3", suites and groups with names
// and hex code points, client auth in promtls' and Go's words).
nlohmann::ordered_json config_json(const ServerConfig& config);

}  // namespace promtls::core
