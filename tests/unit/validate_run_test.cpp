// The decisions validate and serve make about a configuration (core/validate.hpp): the run's own
// findings, the exit code, whether serve starts.
#include <catch2/catch.hpp>

#include "findings.hpp"
#include "promtls/core/validate.hpp"

using namespace promtls::core;
using promtls::ExitCode;

namespace {

using promtls::test::find_finding;

}  // namespace

TEST_CASE("manifests without any container fail: nothing checked is not a pass") {
  ManifestSet set;
  set.documents = 2;
  const ValidateRun run = validate_manifests(set, Profile::knative, "", EvaluateOptions{}, false);
  const Finding* f = find_finding(run.findings, "manifest-nothing-checked");
  REQUIRE(f != nullptr);
  CHECK(f->severity == Severity::error);
  CHECK(f->message == "nothing was checked: the manifests hold no container (2 documents read)");
  CHECK(exit_code(run) == ExitCode::check_failed);
  // --allow-empty makes it an info finding and the run passes, even with --strict.
  const ValidateRun allowed =
      validate_manifests(set, Profile::knative, "", EvaluateOptions{}, true, true);
  REQUIRE(find_finding(allowed.findings, "manifest-nothing-checked") != nullptr);
  CHECK(find_finding(allowed.findings, "manifest-nothing-checked")->severity == Severity::info);
  CHECK(exit_code(allowed) == ExitCode::ok);
}

TEST_CASE("containers that set no variable of the profile fail as nothing checked") {
  ManifestSet set;
  set.documents = 1;
  ManifestTarget target;
  target.kind = "Deployment";
  target.workload = "app";
  target.container = "app";
  target.env.set("METRICS_SCHEME", "https", Origin{});  // a Tigera variable
  set.targets.push_back(target);
  const ValidateRun knative =
      validate_manifests(set, Profile::knative, "", EvaluateOptions{}, false);
  const Finding* f = find_finding(knative.findings, "manifest-nothing-checked");
  REQUIRE(f != nullptr);
  CHECK(f->message ==
        "nothing was checked: none of the 1 containers in the manifests (1 documents read) sets a "
        "knative variable");
  CHECK(exit_code(knative) == ExitCode::check_failed);
  // Under the Tigera profile (and auto) the container is checked.
  CHECK(
      find_finding(validate_manifests(set, Profile::tigera, "", EvaluateOptions{}, false).findings,
                   "manifest-nothing-checked") == nullptr);
  CHECK(find_finding(validate_manifests(set, std::nullopt, "", EvaluateOptions{}, false).findings,
                     "manifest-nothing-checked") == nullptr);
  // A variable referenced through valueFrom counts as set.
  ManifestSet referenced = set;
  referenced.targets[0].env = {};
  referenced.targets[0].env.set("METRICS_PROMETHEUS_TLS_CERT", "$(secretKeyRef s/k)", Origin{});
  referenced.targets[0].unresolved["METRICS_PROMETHEUS_TLS_CERT"] = "secretKeyRef s/k";
  CHECK(find_finding(
            validate_manifests(referenced, Profile::knative, "", EvaluateOptions{}, false).findings,
            "manifest-nothing-checked") == nullptr);
}

TEST_CASE("a --container that names no container is an error") {
  ManifestSet set;
  ManifestTarget target;
  target.kind = "Deployment";
  target.workload = "app";
  target.container = "app";
  set.targets.push_back(target);
  const ValidateRun run =
      validate_manifests(set, Profile::knative, "sidecar", EvaluateOptions{}, false);
  CHECK(run.targets.empty());
  const Finding* f = find_finding(run.findings, "container-not-found");
  REQUIRE(f != nullptr);
  CHECK(f->severity == Severity::error);
  CHECK(f->subject == "sidecar");
  CHECK(f->message ==
        "no container or init container is named sidecar in 1 containers of the "
        "manifests");
  CHECK(exit_code(run) == ExitCode::check_failed);

  const ValidateRun matched =
      validate_manifests(set, Profile::knative, "app", EvaluateOptions{}, false);
  CHECK(matched.targets.size() == 1);
  CHECK(find_finding(matched.findings, "container-not-found") == nullptr);
}

TEST_CASE("profile auto reports its choice after the env-file findings") {
  EnvSnapshot env;
  std::vector<Finding> sources{
      Finding{"dotenv-syntax", Severity::warning, {}, {}, "bad line", {}, std::nullopt}};
  const ValidateRun run =
      validate_environment(env, sources, std::nullopt, EvaluateOptions{}, nullptr, false);
  REQUIRE(run.targets.size() == 1);
  CHECK(run.targets.front().name == "environment");
  const auto& findings = run.targets.front().evaluation.findings;
  REQUIRE(findings.size() >= 2);
  CHECK(findings[0].code == "dotenv-syntax");
  CHECK(findings[1].code == "profile-auto");
  CHECK(findings[1].severity == Severity::info);
  CHECK(findings[1].message.rfind("--profile auto picked ", 0) == 0);

  const ValidateRun chosen =
      validate_environment(env, {}, Profile::knative, EvaluateOptions{}, nullptr, false);
  CHECK(find_finding(chosen.targets.front().evaluation.findings, "profile-auto") == nullptr);
}

TEST_CASE("serve refuses a configuration with errors or a disabled endpoint, exiting 1") {
  Evaluation ok;
  ok.findings.push_back(Finding{"w", Severity::warning, {}, {}, "a warning", {}, std::nullopt});
  CHECK(serve_refusal(ok) == ServeRefusal::none);
  CHECK(exit_code(ServeRefusal::none) == ExitCode::ok);

  Evaluation disabled;
  disabled.config.enabled = false;
  CHECK(serve_refusal(disabled) == ServeRefusal::disabled);
  CHECK(exit_code(ServeRefusal::disabled) == ExitCode::check_failed);

  Evaluation errors;
  errors.config.enabled = false;
  errors.findings.push_back(Finding{"e", Severity::error, {}, {}, "an error", {}, std::nullopt});
  CHECK(serve_refusal(errors) == ServeRefusal::errors);
  CHECK(exit_code(ServeRefusal::errors) == ExitCode::check_failed);
}

TEST_CASE("credentials serve cannot load exit 3, other errors beside them exit 1") {
  const Finding writable{
      "key-file-world-writable", Severity::error, {}, {}, "writable", {}, std::nullopt};
  Evaluation own;
  own.findings = {writable, Finding{"w", Severity::warning, {}, {}, "a warning", {}, std::nullopt}};
  CHECK(serve_refusal(own) == ServeRefusal::credentials);
  CHECK(exit_code(ServeRefusal::credentials) == ExitCode::cannot_run);
  for (const char* code :
       {"cert-file-unreadable", "cert-file-not-pem", "cert-file-no-certificate",
        "cert-file-bad-blocks", "key-file-unreadable", "key-file-not-pem", "key-file-no-key",
        "key-encrypted", "key-file-invalid", "cert-chain-out-of-order", "cert-key-mismatch",
        "client-ca-unreadable", "client-ca-no-certificates"}) {
    INFO(code);
    Evaluation e;
    e.findings = {Finding{code, Severity::error, {}, {}, "cannot load", {}, std::nullopt}};
    CHECK(serve_refusal(e) == ServeRefusal::credentials);
  }
  // Credentials that load but are judged: the check failed.
  for (const char* code : {"cert-expired", "cert-not-yet-valid", "rsa-key-too-small"}) {
    INFO(code);
    Evaluation e;
    e.findings = {Finding{code, Severity::error, {}, {}, "judged", {}, std::nullopt}};
    CHECK(serve_refusal(e) == ServeRefusal::errors);
  }

  Evaluation mixed;
  mixed.findings = {writable, Finding{"e", Severity::error, {}, {}, "an error", {}, std::nullopt}};
  CHECK(serve_refusal(mixed) == ServeRefusal::errors);
}

TEST_CASE("every exit code has a meaning and the footer lists them in order") {
  CHECK(promtls::to_int(ExitCode::interrupted) == 130);
  for (const auto& info : promtls::kExitCodes) CHECK(!promtls::meaning(info.code).empty());
  CHECK(promtls::describe_exit_codes() ==
        "0 success, 1 check failed, 2 usage error, 3 could not run, 130 interrupted");
}

TEST_CASE("what promtls serves carries its own OpenSSL's limits and says which profile it serves") {
  EnvSnapshot env;
  env.set("METRICS_PROMETHEUS_TLS_CERT", "/c", Origin{});
  env.set("METRICS_PROMETHEUS_TLS_KEY", "/k", Origin{});
  env.set("METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES", "X25519MLKEM768,X25519", Origin{});
  env.set("METRICS_ENABLED", "true", Origin{});
  EvaluateOptions options;
  // validate leaves the library unset: the component runs under Go.
  CHECK(find_finding(evaluate(env, Profile::knative, options, nullptr).findings,
                     "curve-unsupported-by-tls-library") == nullptr);
  options.tls_library = TlsLibrary{"OpenSSL 3.0.19 27 Jan 2026", false};
  const Evaluation served = evaluate_for_serving(env, std::nullopt, options, nullptr);
  CHECK(served.config.profile == Profile::knative);
  const Finding* curve = find_finding(served.findings, "curve-unsupported-by-tls-library");
  REQUIRE(curve != nullptr);
  CHECK(curve->message.find("promtls' OpenSSL 3.0.19") != std::string::npos);
  const Finding* mixed = find_finding(served.findings, "profile-mixed");
  REQUIRE(mixed != nullptr);
  CHECK(mixed->message ==
        "variables of both families are present: promtls serves the knative configuration and "
        "ignores the tigera variables");
  CHECK(served.findings.front().code == "profile-auto");
  // A library with the group: no finding.
  options.tls_library = TlsLibrary{"OpenSSL 3.5.0", true};
  CHECK(find_finding(evaluate_for_serving(env, Profile::knative, options, nullptr).findings,
                     "curve-unsupported-by-tls-library") == nullptr);
}
