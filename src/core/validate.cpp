#include "promtls/core/validate.hpp"

#include <algorithm>
#include <utility>

namespace promtls::core {

ValidateRun validate_environment(const EnvSnapshot& env, std::vector<Finding> source_findings,
                                 std::optional<Profile> profile, const EvaluateOptions& options,
                                 FileInspector* files, bool strict) {
  if (!profile) {
    std::string reason;
    profile = detect_profile(env, reason);
    source_findings.push_back(Finding{"profile-auto",
                                      Severity::info,
                                      {},
                                      {},
                                      "--profile auto picked " + reason,
                                      {},
                                      std::nullopt});
  }
  Evaluation evaluation = evaluate(env, *profile, options, files);
  evaluation.findings.insert(evaluation.findings.begin(),
                             std::make_move_iterator(source_findings.begin()),
                             std::make_move_iterator(source_findings.end()));
  ValidateRun run;
  run.strict = strict;
  run.targets.push_back(TargetReport{"environment", std::nullopt, std::move(evaluation)});
  return run;
}

ValidateRun validate_manifests(ManifestSet set, std::optional<Profile> profile,
                               const std::string& container, const EvaluateOptions& options,
                               bool strict) {
  ValidateRun run;
  run.strict = strict;
  run.findings = std::move(set.findings);
  std::size_t matched = 0;
  for (const ManifestTarget& target : set.targets) {
    if (!container.empty() && target.container != container) continue;
    ++matched;
    run.targets.push_back(TargetReport{target.label(), target.origin(),
                                       evaluate_manifest_target(target, profile, options)});
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
  } else if (set.targets.empty()) {
    run.findings.push_back(
        Finding{"manifest-no-containers",
                Severity::warning,
                {},
                {},
                "the manifests hold no Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or "
                "CronJob container (" +
                    std::to_string(set.documents) + " documents read)",
                "pass the rendered manifests (helm template, kustomize build)",
                std::nullopt});
  }
  return run;
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
