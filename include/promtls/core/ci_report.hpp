// Reports of a validate run over several targets (the environment, or every container of a set
// of manifests) and the CI formats: text, JSON, GitHub Actions workflow commands, JUnit XML and
// SARIF 2.1.0. Pure functions of their inputs; no I/O; thread-safe.
//
// A run with a single environment target keeps DESIGN.md's validate document for --output json
// (report.hpp); run_json() is the document for manifests ("promtls/validate-manifests/v1").
#pragma once

#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/config.hpp"
#include "promtls/core/report.hpp"

namespace promtls::core {

// One checked environment or container.
struct TargetReport {
  std::string name;                // "environment" or "Deployment ns/app, container app"
  std::optional<Origin> location;  // where the container is declared (manifests only)
  Evaluation evaluation;
};

struct ValidateRun {
  std::vector<TargetReport> targets;
  std::vector<Finding> findings;  // about no single target (unparsable documents, ...)
  bool strict = false;
};

// True when any target or run-level finding fails (errors, or warnings with `strict`).
bool run_fails(const ValidateRun& run);

// A one-sentence description of a finding code, for SARIF rules and documentation; a generic
// sentence for codes the table does not know.
std::string_view describe_code(std::string_view code);

// Whom an error of `code` stops (the table of describe_code()); `component` for codes the table
// does not know.
CodeEffect code_effect(std::string_view code);

// Text: a header line per target, its findings and verdict (render_validate_text), then a
// summary line. A single environment target renders exactly as render_validate_text.
std::string render_run_text(const ValidateRun& run, const TextStyle& style);
// render_run_text(run, style) written to `out` one target at a time.
void write_run_text(const ValidateRun& run, const TextStyle& style, std::ostream& out);

// {schema: "promtls/validate-manifests/v1", valid, summary: {targets, invalid, errors,
// warnings}, findings: [...run-level...], targets: [{target, file, line, container,
// init_container, profile, valid, upstream, findings, config}]}.
nlohmann::ordered_json run_json(const ValidateRun& run);
// run_json(run) as dump(2) prints it (invalid UTF-8 replaced), and a newline, written to `out`
// one target's entry at a time: memory holds one entry, not the document.
void write_run_json(const ValidateRun& run, std::ostream& out);

// GitHub Actions workflow commands: "::error file=F,line=L,title=T::message" for every error
// ("::warning" for every warning), without file and line when the finding has no file position;
// "::notice" for an info with a position and a plain line for the other infos; one verdict line
// per target. Values are escaped as the runner expects (%, CR, LF; also : and , in properties).
std::string render_github(const ValidateRun& run);

// JUnit XML: one <testcase> per target (and one per input with run-level findings), a <failure>
// carrying the failing findings, the other findings in <system-out>.
std::string render_junit(const ValidateRun& run);

// SARIF 2.1.0: one run, one rule per finding code present (id the code, name its PascalCase
// form, describe_code() and its highest severity as default level), one result per finding
// whose message is the finding's message and its hint as a separate sentence ("... Hint: ..."),
// with a physical location when the finding has a file position (a relative reference, or a
// file: URI for an absolute path) and a logical location naming the target.
nlohmann::ordered_json sarif_json(const ValidateRun& run, std::string_view tool_version);
// sarif_json(run, tool_version) as dump(2) prints it (invalid UTF-8 replaced), and a newline,
// written to `out` one result at a time.
void write_sarif_json(const ValidateRun& run, std::string_view tool_version, std::ostream& out);

}  // namespace promtls::core
