// What `promtls validate` and `promtls serve` decide about a configuration, beyond evaluating it
// (config.hpp): which targets a validate run checks, the findings about the run as a whole, and
// the exit codes; whether serve may start. The cli reads the inputs and prints the results.
//
// Performs no I/O itself: credential files are read only through the FileInspector passed in
// (nullptr: none are read). Reentrant; results are plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "promtls/core/ci_report.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/env.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/finding.hpp"
#include "promtls/core/manifest.hpp"
#include "promtls/core/profile.hpp"

namespace promtls::core {

// A run with a target "environment" per profile checked: `env` evaluated under `profile`
// (nullopt: --profile auto, decided by choose_profile(), which may check both profiles and then
// gives two targets, and reported by profile_findings()) reading credential files through
// `files` (nullptr: --offline). In the first target, `source_findings` (about the env files) come
// first, then the profile findings, then the evaluation's findings.
ValidateRun validate_environment(const EnvSnapshot& env, std::vector<Finding> source_findings,
                                 std::optional<Profile> profile, const EvaluateOptions& options,
                                 FileInspector* files, bool strict);

// A run with one target per container of `set` and profile checked (choose_profile() of the
// container) (only those called `container` when it is not
// empty), each evaluated by evaluate_manifest_target(). The set's own findings are the run's,
// followed by a "container-not-found" error when `container` names none of them, or a
// "manifest-nothing-checked" finding when no (selected) container sets or references a variable
// of `profile` (of either profile for auto): an error, or info with `allow_empty`. `describe`
// (null: --offline) lets Secret-backed credential files be checked (evaluate_manifest_target()).
// Then every scrape path of the set (ServiceMonitor and PodMonitor endpoints) is judged against
// the container it reaches (check_scrape_path(), with `verify` for chains; null: not checked),
// whether or not --container selected it; those findings are the run's.
ValidateRun validate_manifests(ManifestSet set, std::optional<Profile> profile,
                               const std::string& container, const EvaluateOptions& options,
                               bool strict, bool allow_empty = false,
                               DescribeCredentials describe = nullptr,
                               VerifyChain verify = nullptr);

// ExitCode::check_failed when run_fails(run), else ExitCode::ok.
ExitCode exit_code(const ValidateRun& run);

// The configuration promtls itself serves (serve, selftest --local) or self-tests: `env` under
// the first profile of choose_profile(env, profile), evaluated with `files` (nullptr: offline).
// Its findings start with profile_findings() and, when variables of both families are present, a
// "profile-mixed" warning that names the profile served and the one ignored.
Evaluation evaluate_for_serving(const EnvSnapshot& env, std::optional<Profile> profile,
                                const EvaluateOptions& options, FileInspector* files);

// Why serve would not start with a configuration (and selftest --local with it).
enum class ServeRefusal {
  none,      // it starts (over TLS, or plain HTTP without TLS variables, as knative does)
  errors,    // a finding is an error: what the component would refuse at startup
  disabled,  // the configuration turns the metrics endpoint off
  // every error says that serve's loader cannot load a credential file (missing, unreadable, not
  // PEM, a key that does not match or that others may write: core::credential_load_failure)
  credentials,
};

// credentials when every error finding of `evaluation` is a credential_load_failure(); errors
// when any other finding is an error (warnings never refuse); else disabled when the
// configuration is not enabled; else none.
ServeRefusal serve_refusal(const Evaluation& evaluation);

// ExitCode::cannot_run for credentials (serve cannot load them, as for a reload), check_failed
// for the other refusals, ok for none.
ExitCode exit_code(ServeRefusal refusal);

}  // namespace promtls::core
