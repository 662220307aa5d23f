#include "promtls/core/validate.hpp"

#include <algorithm>
#include <utility>

namespace promtls::core {

ValidateRun validate_environment(const EnvSnapshot& env, std::vector<Finding> source_findings,
                                 std::optional<Profile> profile, const EvaluateOptions& options,
                                 FileInspector* files, bool strict) {
  const ProfileChoice choice = choose_profile(env, profile);
  for (Finding& f : profile_findings(choice, env, std::nullopt))
    source_findings.push_back(std::move(f));
  ValidateRun run;
  run.strict = strict;
  for (const Profile p : choice.profiles) {
    Evaluation evaluation = evaluate(env_for(env, choice, p), p, options, files);
    if (run.targets.empty()) {
      evaluation.findings.insert(evaluation.findings.begin(),
                                 std::make_move_iterator(source_findings.begin()),
                                 std::make_move_iterator(source_findings.end()));
    }
    run.targets.push_back(TargetReport{"environment", std::nullopt, std::move(evaluation)});
  }
  return run;
}

namespace {

// True when the container sets (or references through valueFrom) a variable of `profile`, or of
// any profile when `profile` is nullopt (--profile auto).
bool sets_profile_variable(const ManifestTarget& target, std::optional<Profile> profile) {
  const auto counts = [&](std::string_view name) {
    if (profile) return belongs_to(name, *profile);
    return belongs_to(name, Profile::knative) || belongs_to(name, Profile::tigera);
  };
  for (const auto& [name, value] : target.env.entries()) {
    if (counts(name)) return true;
  }
  for (const auto& [name, what] : target.unresolved) {
    if (counts(name)) return true;
  }
  return false;
}

}  // namespace

ValidateRun validate_manifests(ManifestSet set, std::optional<Profile> profile,
                               const std::string& container, const EvaluateOptions& options,
                               bool strict, bool allow_empty, DescribeCredentials describe) {
  ValidateRun run;
  run.strict = strict;
  run.findings = std::move(set.findings);
  std::size_t matched = 0;
  std::size_t configured = 0;
  for (const ManifestTarget& target : set.targets) {
    if (!container.empty() && target.container != container) continue;
    ++matched;
    if (sets_profile_variable(target, profile)) ++configured;
    const ProfileChoice choice = choose_profile(target, profile);
    for (const Profile p : choice.profiles) {
      run.targets.push_back(
          TargetReport{target.label(), target.origin(),
                       evaluate_manifest_target(target, choice, p, options, describe)});
    }
  }
  if (!container.empty() && matched == 0) {
    run.findings.push_back(Finding{"container-not-found",
                                   Severity::error,
                                   {},
                                   container,
                                   "no container or init container is named " + container + " in " +
                                       std::to_string(set.targets.size()) +
                                       " containers of the manifests",
                                   "check --container against the manifests' container names",
                                   std::nullopt});
  } else if (configured == 0) {
    // Nothing checked is a failure, not a pass: a wrong path, an unrendered chart or a kind
    // promtls does not know would otherwise look like a valid configuration.
    const std::string variables = profile ? "a " + std::string(to_string(*profile)) + " variable"
                                          : "a knative or Tigera variable";
    std::string message =
        matched == 0 ? "nothing was checked: the manifests hold no container (" +
                           std::to_string(set.documents) + " documents read)"
                     : "nothing was checked: none of the " + std::to_string(matched) +
                           " containers in the manifests (" + std::to_string(set.documents) +
                           " documents read) sets " + variables;
    run.findings.push_back(
        Finding{"manifest-nothing-checked",
                allow_empty ? Severity::info : Severity::error,
                {},
                {},
                std::move(message),
                allow_empty ? ""
                            : "pass the rendered manifests (helm template, kustomize build) "
                              "of the workload that serves metrics, or --allow-empty",
                std::nullopt});
  }
  return run;
}

Evaluation evaluate_for_serving(const EnvSnapshot& env, std::optional<Profile> profile,
                                const EvaluateOptions& options, FileInspector* files) {
  const ProfileChoice choice = choose_profile(env, profile);
  const Profile served = choice.profiles.front();
  Evaluation evaluation = evaluate(env_for(env, choice, served), served, options, files);
  std::vector<Finding> head = profile_findings(choice, env, std::nullopt, false);
  if (choice.profiles.size() > 1) {
    const std::string ignored(to_string(choice.profiles.back()));
    head.push_back(Finding{"profile-mixed",
                           Severity::warning,
                           {},
                           {},
                           "variables of both families are present: promtls serves the " +
                               std::string(to_string(served)) + " configuration and ignores the " +
                               ignored + " variables",
                           "pass --profile " + std::string(to_string(served)) + " or --profile " +
                               ignored + " to say which configuration is meant",
                           std::nullopt});
  }
  evaluation.findings.insert(evaluation.findings.begin(), std::make_move_iterator(head.begin()),
                             std::make_move_iterator(head.end()));
  return evaluation;
}

ExitCode exit_code(const ValidateRun& run) {
  return run_fails(run) ? ExitCode::check_failed : ExitCode::ok;
}

ServeRefusal serve_refusal(const Evaluation& evaluation) {
  if (fails(evaluation.findings, false)) {
    // The codes of serve's own refusals (checks.cpp, from credential_rules.hpp).
    const auto own_refusal = [](const Finding& f) {
      return f.severity != Severity::error || f.code == "key-file-world-writable";
    };
    return std::all_of(evaluation.findings.begin(), evaluation.findings.end(), own_refusal)
               ? ServeRefusal::credentials
               : ServeRefusal::errors;
  }
  if (!evaluation.config.enabled) return ServeRefusal::disabled;
  return ServeRefusal::none;
}

ExitCode exit_code(ServeRefusal refusal) {
  switch (refusal) {
    case ServeRefusal::none:
      return ExitCode::ok;
    case ServeRefusal::credentials:
      return ExitCode::cannot_run;
    case ServeRefusal::errors:
    case ServeRefusal::disabled:
      break;
  }
  return ExitCode::check_failed;
}

}  // namespace promtls::core
