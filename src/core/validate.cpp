#include "promtls/core/validate.hpp"

#include <algorithm>
#include <utility>

#include "promtls/core/credential_rules.hpp"

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
                               bool strict, bool allow_empty, DescribeCredentials describe,
                               VerifyChain verify) {
  ValidateRun run;
  run.strict = strict;
  run.findings = std::move(set.findings);
  std::size_t matched = 0;
  std::size_t configured = 0;
  // Each container's evaluation under its first profile, for the scrape paths: an index into
  // run.targets, or one made for a container --container leaves out.
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> first_report(set.targets.size(), kNone);
  for (std::size_t i = 0; i < set.targets.size(); ++i) {
    const ManifestTarget& target = set.targets[i];
    if (!container.empty() && target.container != container) continue;
    ++matched;
    if (sets_profile_variable(target, profile)) ++configured;
    const ProfileChoice choice = choose_profile(target, profile);
    first_report[i] = run.targets.size();
    for (const Profile p : choice.profiles) {
      run.targets.push_back(
          TargetReport{target.label(), target.origin(),
                       evaluate_manifest_target(target, choice, p, options, describe)});
    }
  }
  std::vector<std::optional<Evaluation>> others(set.targets.size());
  const auto evaluation_of = [&](std::size_t i) -> const Evaluation& {
    if (first_report[i] != kNone) return run.targets[first_report[i]].evaluation;
    if (!others[i]) {
      const ManifestTarget& target = set.targets[i];
      const ProfileChoice choice = choose_profile(target, profile);
      others[i] =
          evaluate_manifest_target(target, choice, choice.profiles.front(), options, describe);
    }
    return *others[i];
  };
  for (const ScrapePath& path : set.scrape_paths) {
    for (const ScrapeHop& hop : path.hops) {
      // The container scraped: the one declaring the port, else the one listening on it, else
      // the first that configures a metrics server (whose port is then the wrong one).
      std::optional<std::size_t> chosen;
      if (hop.declared) chosen = hop.targets.front();
      for (std::size_t i = 0; !chosen && i < hop.targets.size(); ++i) {
        const ServerConfig& c = evaluation_of(hop.targets[i]).config;
        if (c.enabled && c.port == hop.port) chosen = hop.targets[i];
      }
      for (std::size_t i = 0; !chosen && i < hop.targets.size(); ++i) {
        if (sets_profile_variable(set.targets[hop.targets[i]], profile)) chosen = hop.targets[i];
      }
      if (!chosen) continue;  // no metrics server of a known component: nothing to judge
      for (Finding& f : check_scrape_path(path, hop, set.targets[*chosen], evaluation_of(*chosen),
                                          options.now_unix, describe, verify)) {
        run.findings.push_back(std::move(f));
      }
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
    // Credentials its loader cannot load (credential_rules.hpp) stop serve as "could not run";
    // any other error is the configuration's.
    const auto cannot_load = [](const Finding& f) {
      return f.severity != Severity::error || credential_load_failure(f.code);
    };
    return std::all_of(evaluation.findings.begin(), evaluation.findings.end(), cannot_load)
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
