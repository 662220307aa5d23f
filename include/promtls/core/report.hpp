// Rendering of validate results: the human text report and the JSON document of DESIGN.md
// ("schema": "promtls/validate/v1"). Pure functions of their inputs; no I/O, thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "promtls/core/config.hpp"

namespace promtls::core {

struct TextStyle {
  bool color = false;  // ANSI colours for severities and the verdict
  // Why files were not read when the verdict could not check them ("--offline", or "they are in
  // the pod" for manifests).
  std::string files_not_read_because = "--offline";
};

// Whom an error finding stops: the component (at startup: upstream.error; or later: handshakes,
// listening, loading the pair), the Kubernetes API server (the object is refused and never
// runs), only promtls serve (it refuses files the component accepts), or nobody but the input
// itself (a malformed env-file line is skipped). By code: code_effect() (ci_report.hpp).
// Whom an error stops: the component, the API server, promtls serve alone, the reading of the
// input, or Prometheus' scrape of the endpoint (a monitor's scrape path, scrape_path.hpp).
enum class CodeEffect { component, api_server, promtls_serve, input, scraper };

// What the verdict line says after the counts, and a stable word for it ("verdict" in JSON).
// The first that applies, in this order:
//   "api-server-refuses"  an api_server error: "the API server refuses the object (...)"; when
//                         the component would also refuse to start, that follows
//   "refuses-to-start"    the component's startup error: "<component> refuses to start: <error>"
//   "fails-later"         other errors of the component: "<component> starts with these
//                         variables but fails later (the errors above)"
//   "serve-refuses"       only promtls_serve errors: the component accepts, promtls serve does not
//   "input-errors"        only input errors: the component accepts what could be read
//   "accepts-variables"   no error, but files were not read (`style.files_not_read_because`)
//   "accepts"             no error: "(TLS 1.3+, client auth require)", "(plain HTTP)", or for a
//                         component with metrics off "(serves no metrics)"
// Errors about another knative TLS family are that family's verdict (Evaluation::families).
struct Verdict {
  std::string_view outcome;
  std::string text;
};
Verdict judge(const Evaluation& evaluation, const TextStyle& style);

// One line per finding ("error cert-key-mismatch METRICS_..._CERT: message (env)"), its hint
// indented under it, then a one-line verdict (judge()). Ends with a newline.
std::string render_validate_text(const Evaluation& evaluation, bool strict, const TextStyle& style);

// The validate JSON object. `valid` is false when any finding is an error (or, with `strict`,
// a warning); "verdict": {outcome, text} is judge()'s.
nlohmann::ordered_json validate_json(const Evaluation& evaluation, bool strict,
                                     const TextStyle& style = TextStyle{});

// A finding as JSON: {code, severity, variables, subject, message, hint, source}.
nlohmann::ordered_json finding_json(const Finding& finding);

// The effective configuration as JSON (versions as "1.2"/"1.3", suites and groups with names
// and hex code points, client auth in promtls' and Go's words).
nlohmann::ordered_json config_json(const ServerConfig& config);

}  // namespace promtls::core
