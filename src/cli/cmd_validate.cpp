// promtls validate: check a metrics-endpoint TLS configuration (from the environment, env files
// and --set, or from the containers of Kubernetes manifests) and predict what the component will
// do with it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "exit_status.hpp"
#include "promtls/core/ci_report.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/fs.hpp"
#include "promtls/core/manifest.hpp"
#include "promtls/core/profile.hpp"
#include "promtls/core/report.hpp"
#include "promtls/core/validate.hpp"
#include "promtls/tls/chain.hpp"
#include "promtls/tls/disk.hpp"
#include "promtls/tls/pem.hpp"

#ifndef PROMTLS_VERSION
#define PROMTLS_VERSION "0.0.0"
#endif

namespace promtls::cli {
namespace {

struct ValidateOptions {
  EnvSourceOptions sources;
  std::vector<std::string> manifests;
  std::vector<std::string> secret_dirs;
  std::string container;
  std::string profile = "auto";
  std::string output = "text";
  bool offline = false;
  bool strict = false;
  bool allow_empty = false;
  int warn_days = 30;
  std::string at;
  std::string go_version;
};

std::string environment_help() {
  std::string out;
  for (const core::Profile profile : {core::Profile::knative, core::Profile::tigera}) {
    out += "\nEnvironment (" + std::string(core::to_string(profile)) + " profile):\n";
    for (const auto& v : core::all_variables()) {
      if (v.profile != profile) continue;
      out += "  " + std::string(v.name) + "\n      " + std::string(v.meaning);
      if (!v.default_value.empty()) out += " (default " + std::string(v.default_value) + ")";
      out += "\n";
    }
  }
  out +=
      "\n--profile auto (the default) picks knative or tigera by the variables present and, in\n"
      "manifests, by the container's image and names; with variables of both it checks both.\n"
      "TLS_MIN_VERSION is both knative/eventing's and the Tigera operator's: when nothing tells\n"
      "whose it is, both are checked and profile-ambiguous asks for --profile.\n";
  out +=
      "\nWith --manifest, every container and init container of the pod templates in the\n"
      "files is validated on its own, with file and clock checks off: Pods, the built-in\n"
      "workloads, Knative Services, Configurations and Revisions, and any object whose\n"
      "spec.template.spec or spec.jobTemplate.spec.template.spec holds containers (YAML or\n"
      "JSON, multi-document, List objects; a directory is read with its subdirectories, a\n"
      "kustomize or helm output tree, for its *.yaml, *.yml and *.json; - reads stdin).\n"
      "A List over 1 MiB (kubectl get -o yaml|json) is read an item at a time, with the\n"
      "same findings; a List cut off still has the items before the break checked.\n"
      "ConfigMaps and Secrets among the inputs resolve envFrom and valueFrom.\n"
      "ServiceMonitors and PodMonitors among them are followed to the containers they\n"
      "scrape (selector, Service, port, pod labels) and judged as Prometheus would see\n"
      "them: scheme, port, serverName against the SANs, CA, client certificate, TLS\n"
      "versions (scrape-* findings). So are the static_configs targets of Prometheus\n"
      "configurations among them (a file with top-level scrape_configs, or the\n"
      "prometheus.yml / prometheus.yaml key of a ConfigMap or Secret): a target\n"
      "NAME.NAMESPACE[.svc[.DOMAIN]]:PORT (bare NAME: the ConfigMap's namespace) leads to\n"
      "the Service NAME and its port PORT; a configuration Prometheus would refuse is\n"
      "scrape-config-invalid. When no\n"
      "container sets a variable of the profile, nothing was checked: that fails (exit 1)\n"
      "unless --allow-empty.\n";
  out += exit_status_footer(
      {{ExitCode::ok, "valid"},
       {ExitCode::check_failed, "invalid (or warnings with --strict)"},
       {ExitCode::usage, "usage error"},
       {ExitCode::cannot_run, "could not run (an env file or manifest cannot be read)"},
       {ExitCode::interrupted, "interrupted (SIGINT)"}});
  return out;
}

std::string read_stdin() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) throw Error("-: cannot read standard input", ExitCode::cannot_run);
  return text;
}

// The inputs named by --manifest, in order; a directory contributes its manifest files and those
// of its subdirectories (a kustomize or helm output tree; kubectl -f needs -R for that), sorted
// by name, files before subdirectories, walked under core/fs.hpp's rules.
std::vector<core::ManifestInput> read_manifests(const std::vector<std::string>& paths) {
  std::vector<core::ManifestInput> inputs;
  for (const std::string& path : paths) {
    if (path == "-") {
      inputs.push_back({"-", read_stdin()});
      continue;
    }
    core::FileSystem& files = tls::real_file_system();
    core::FileStat st;
    core::FsError error;
    if (!files.stat(path, st, error) || st.type != core::FileType::directory) {
      inputs.push_back({path, read_file_or_throw(path)});
      continue;
    }
    const auto manifest_name = [](const std::string& file) {
      const std::string ext = std::filesystem::path(file).extension().string();
      return ext == ".yaml" || ext == ".yml" || ext == ".json";
    };
    std::vector<std::string> found;
    core::walk_paths(files, {path}, core::WalkOptions{true},
                     {[&](const std::string& file, const core::FileStat&) {
                        if (manifest_name(file)) found.push_back(file);
                      },
                      [&](const std::string& file, std::string_view, const std::string& message) {
                        // A manifest that cannot be reached (a broken link) is not skipped.
                        if (file == path || manifest_name(file)) {
                          throw Error(message, ExitCode::cannot_run);
                        }
                      }});
    for (const std::string& f : found) inputs.push_back({f, read_file_or_throw(f)});
  }
  return inputs;
}

std::optional<core::Profile> chosen_profile(const std::string& name) {
  if (name == "auto") return std::nullopt;
  const auto profile = core::parse_profile(name);
  if (!profile) throw Error("--profile " + name + ": unknown profile", ExitCode::usage);
  return profile;
}

core::ValidateRun run_manifests(const ValidateOptions& o, const core::EvaluateOptions& options) {
  if (!o.sources.env_files.empty() || !o.sources.sets.empty()) {
    throw Error(
        "--env-file and --set cannot be combined with --manifest (the environment "
        "comes from the manifests)",
        ExitCode::usage);
  }
  std::vector<core::ManifestInput> inputs = read_manifests(o.manifests);
  const std::vector<core::DirectorySecret> secrets = read_secret_dirs(o.secret_dirs);
  core::ManifestSet set = core::parse_manifests(inputs, secrets);
  // The set holds copies of what it cites: the text (20 MB for a 10,000-object kubectl -o json
  // List) is freed before the containers are evaluated.
  inputs = {};
  const std::optional<core::Profile> profile = chosen_profile(o.profile);
  return core::validate_manifests(std::move(set), profile, o.container, options, o.strict,
                                  o.allow_empty, o.offline ? nullptr : &tls::describe_credentials,
                                  o.offline ? nullptr : &tls::verify_chain);
}

core::ValidateRun run_environment(const ValidateOptions& o, const core::EvaluateOptions& options) {
  if (!o.container.empty()) throw Error("--container needs --manifest", ExitCode::usage);
  if (!o.secret_dirs.empty()) throw Error("--secret-dir needs --manifest", ExitCode::usage);
  std::vector<core::Finding> source_findings;
  const core::EnvSnapshot env = gather_env(o.sources, source_findings);
  const std::optional<core::Profile> profile = chosen_profile(o.profile);
  tls::OpenSslFileInspector inspector;
  return core::validate_environment(env, std::move(source_findings), profile, options,
                                    o.offline ? nullptr : &inspector, o.strict);
}

std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

ExitCode run(const ValidateOptions& o) {
  core::EvaluateOptions options;
  options.now_unix = resolve_now(o.at);
  options.warn_days = o.warn_days;
  if (!o.go_version.empty()) {
    options.go_version = core::go::parse_version(o.go_version);
    if (!options.go_version) {
      throw Error("--go-version " + o.go_version + ": expected a Go release such as 1.24",
                  ExitCode::usage);
    }
  }
  const bool manifests = !o.manifests.empty();
  const core::ValidateRun run = manifests ? run_manifests(o, options) : run_environment(o, options);

  if (o.output == "json") {
    // One profile of the environment: the validate document; more targets: the run's.
    if (manifests || run.targets.size() > 1) {
      core::write_run_json(run, std::cout);
    } else {
      std::cout << dump(core::validate_json(run.targets.front().evaluation, o.strict));
    }
  } else if (o.output == "github") {
    std::cout << core::render_github(run);
  } else if (o.output == "junit") {
    std::cout << core::render_junit(run);
  } else if (o.output == "sarif") {
    core::write_sarif_json(run, PROMTLS_VERSION, std::cout);
  } else {
    core::write_run_text(run, core::TextStyle{stdout_wants_color()}, std::cout);
  }
  return core::exit_code(run);
}

}  // namespace

void register_validate(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* sub = app.add_subcommand(
      "validate", "check a metrics TLS configuration and predict what the component will say");
  add_env_source_options(*sub, options->sources);
  add_max_file_size_option(*sub);
  add_repeatable_option(*sub, "--manifest", options->manifests,
                        "validate every container of the Kubernetes manifests in PATH (a file, a "
                        "directory, or - for stdin; YAML or JSON; repeatable)")
      ->type_name("PATH");
  add_repeatable_option(*sub, "--secret-dir", options->secret_dirs,
                        "with --manifest: DIR/NAME/KEY files stand for key KEY of the Secret or "
                        "ConfigMap NAME (a Secret volume's layout; repeatable), for the "
                        "workloads' volumes and the monitors' tlsConfig")
      ->type_name("DIR");
  sub->add_option("--container", options->container,
                  "with --manifest: only the containers and init containers called NAME")
      ->type_name("NAME");
  sub->add_option("--profile", options->profile,
                  "which component's rules apply: knative, tigera (the Tigera operator), or auto "
                  "(picked from the variables present, and reported)")
      ->check(CLI::IsMember({"knative", "tigera", "auto"}))
      ->capture_default_str();
  sub->add_option("-o,--output", options->output,
                  "report format: text, json, github (workflow annotations), junit (XML) or "
                  "sarif (2.1.0)")
      ->check(CLI::IsMember({"text", "json", "github", "junit", "sarif"}))
      ->capture_default_str();
  sub->add_flag("--offline", options->offline, "skip every file and clock check");
  sub->add_flag("--strict", options->strict, "fail (exit 1) on warnings too");
  sub->add_flag("--allow-empty", options->allow_empty,
                "with --manifest: pass when no container sets a variable of the profile");
  add_number_option(*sub, "--warn-days", options->warn_days, 0, 36500, "DAYS",
                    "warn when a certificate expires within DAYS")
      ->capture_default_str();
  sub->add_option("--at", options->at, "judge certificates at this RFC 3339 time (default: now)")
      ->type_name("TIME");
  sub->add_option("--go-version", options->go_version,
                  "the Go release the component is built with, for its key exchange (default: "
                  "the go line of its go.mod: knative 1.25, the Tigera operator 1.26)")
      ->type_name("X.Y");
  sub->footer(environment_help());
  sub->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace promtls::cli
