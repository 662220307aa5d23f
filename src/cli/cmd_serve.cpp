// promtls serve: the mTLS Prometheus metrics endpoint, configured by the same variables
// validate checks.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "exit_status.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/profile.hpp"
#include "promtls/core/report.hpp"
#include "promtls/core/validate.hpp"
#include "promtls/net/server.hpp"
#include "promtls/tls/pem.hpp"

#ifndef PROMTLS_VERSION
#define PROMTLS_VERSION "0.0.0"
#endif

namespace promtls::cli {
namespace {

struct ServeOptions {
  EnvSourceOptions sources;
  std::string profile = "auto";
  std::string listen;
  std::string probe_listen;
  std::vector<std::string> watch;
  bool recursive = false;
  bool follow_symlinks = false;
  std::vector<std::string> licenses;
  std::string metrics_compat = "promtls";
  double handshake_timeout_s = 5;
  double header_timeout_s = 5;
  double idle_timeout_s = 120;
  double drain_timeout_s = 10;
  std::size_t max_header_bytes = 8192;
  std::size_t max_connections = 512;
  std::size_t max_probe_connections = 64;
  std::string log_format = "text";
  std::string log_level = "info";
  bool session_tickets = false;
};

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

ExitCode run(const ServeOptions& o) {
  std::vector<core::Finding> findings;
  const core::EnvSnapshot env = gather_env(o.sources, findings);
  const std::optional<core::Profile> profile =
      o.profile == "auto" ? std::nullopt : core::parse_profile(o.profile);

  core::EvaluateOptions options;
  options.now_unix = resolve_now("");
  options.tls_library = tls::library_info();
  tls::OpenSslFileInspector inspector;
  core::Evaluation evaluation = core::evaluate_for_serving(env, profile, options, &inspector);
  evaluation.findings.insert(evaluation.findings.begin(), findings.begin(), findings.end());

  const core::ServeRefusal refusal = core::serve_refusal(evaluation);
  if (refusal == core::ServeRefusal::errors || refusal == core::ServeRefusal::credentials) {
    std::cerr << core::render_validate_text(evaluation, false, core::TextStyle{false});
    std::cerr << (refusal == core::ServeRefusal::errors
                      ? "promtls serve: the configuration has errors; not starting\n"
                      : "promtls serve: cannot load the credentials (the errors above); not "
                        "starting\n");
    return core::exit_code(refusal);
  }
  if (refusal == core::ServeRefusal::disabled) {
    std::cerr << "promtls serve: the " << core::to_string(evaluation.config.profile)
              << " configuration disables the metrics endpoint (set "
              << core::name(core::Var::tigera_metrics_enabled) << "=true)\n";
    return core::exit_code(refusal);
  }

  net::ServerOptions server;
  server.listen = o.listen.empty() ? evaluation.config.listen_address : o.listen;
  server.probe_listen = o.probe_listen;
  if (evaluation.config.tls) {
    server.tls = evaluation.config.tls_config;
    server.session_tickets = o.session_tickets;
  }
  server.watch = o.watch;
  server.watch_recursive = o.recursive;
  server.watch_follow_symlinks = o.follow_symlinks;
  server.licenses = o.licenses;
  server.tigera_compat = o.metrics_compat == "tigera";
  server.handshake_timeout = ms(o.handshake_timeout_s);
  server.header_timeout = ms(o.header_timeout_s);
  server.idle_timeout = ms(o.idle_timeout_s);
  server.drain_timeout = ms(o.drain_timeout_s);
  server.max_header_bytes = o.max_header_bytes;
  server.max_connections = o.max_connections;
  server.max_probe_connections = o.max_probe_connections;
  server.log_format = o.log_format == "json" ? net::LogFormat::json : net::LogFormat::text;
  server.log_debug = o.log_level == "debug";
  server.version = PROMTLS_VERSION;
  if (o.session_tickets && !server.tls) {
    server.startup_notes.push_back("--session-tickets has no effect: serving plain HTTP");
  }
  for (const core::Finding& f : evaluation.findings) {
    if (f.severity == core::Severity::info && f.code != "profile-auto") continue;
    server.startup_notes.push_back(f.code + ": " + f.message);
  }
  return net::run(server);
}

}  // namespace

void register_serve(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand(
      "serve", "serve certificate-expiry and health metrics over HTTPS with mutual TLS");
  add_env_source_options(*sub, options->sources);
  sub->add_option("--profile", options->profile,
                  "which component's variables configure it: knative, tigera, or auto (picked "
                  "from the variables present, and logged)")
      ->check(CLI::IsMember({"knative", "tigera", "auto"}))
      ->capture_default_str();
  sub->add_option("--listen", options->listen,
                  "listen on ADDR (HOST:PORT, :PORT, [IPv6]:PORT; port 0 picks one) instead of "
                  "the profile's address (knative " +
                      std::string(core::default_value(core::Var::knative_host)) + ":" +
                      std::string(core::default_value(core::Var::knative_port)) + ", tigera " +
                      std::string(core::default_value(core::Var::tigera_host)) + ":" +
                      std::string(core::default_value(core::Var::tigera_port)) + ")")
      ->type_name("ADDR");
  sub->add_option("--probe-listen", options->probe_listen,
                  "also serve /healthz and /readyz over plain HTTP on ADDR (for kubelet probes)")
      ->type_name("ADDR");
  add_repeatable_option(*sub, "--watch", options->watch,
                        "expose the certificates in PATH (file or directory; repeatable) as "
                        "x509_cert_* gauges, re-read when they change")
      ->type_name("PATH");
  sub->add_flag("--recursive", options->recursive, "descend into subdirectories of --watch");
  sub->add_flag("--follow-symlinks", options->follow_symlinks,
                "descend into directories that links lead to outside a --watch directory");
  add_max_file_size_option(*sub);
  add_repeatable_option(
      *sub, "--license", options->licenses,
      "expose the license in FILE (Tigera LicenseKey, JWT or JSON; repeatable) as "
      "promtls_license_* gauges, re-read when it changes")
      ->type_name("FILE");
  sub->add_option("--metrics-compat", options->metrics_compat,
                  "metric names: promtls (x509_cert_*, promtls_license_*) or tigera (the Tigera "
                  "operator's tigera_operator_* names, certificates from Secret manifests, "
                  "component status from TigeraStatus objects)")
      ->check(CLI::IsMember({"promtls", "tigera"}))
      ->capture_default_str();
  add_number_option(*sub, "--handshake-timeout", options->handshake_timeout_s, 0.001, 86400.0,
                    "SECONDS", "close a connection whose TLS handshake takes longer")
      ->capture_default_str();
  add_number_option(
      *sub, "--header-timeout", options->header_timeout_s, 0.001, 86400.0, "SECONDS",
      "close a connection whose request header takes longer to arrive (the first after the "
      "handshake, a later one after its first byte)")
      ->capture_default_str();
  add_number_option(*sub, "--idle-timeout", options->idle_timeout_s, 0.001, 86400.0, "SECONDS",
                    "close a keep-alive connection idle for longer")
      ->capture_default_str();
  add_number_option(*sub, "--drain-timeout", options->drain_timeout_s, 0, 86400.0, "SECONDS",
                    "on SIGTERM/SIGINT, wait at most this long for requests in flight")
      ->capture_default_str();
  add_number_option(*sub, "--max-header-bytes", options->max_header_bytes, 1024, 1 << 20, "BYTES",
                    "refuse requests whose header is larger (431)")
      ->capture_default_str();
  add_number_option(*sub, "--max-connections", options->max_connections, 1, 1 << 20, "N",
                    "most open connections on the main listener; at the limit a new one evicts the "
                    "longest-silent connection that has not made a request, or is closed at once")
      ->capture_default_str();
  add_number_option(*sub, "--max-probe-connections", options->max_probe_connections, 1, 1 << 20,
                    "N",
                    "most open connections on the --probe-listen listener, a budget of its own "
                    "spent as --max-connections' is")
      ->capture_default_str();
  sub->add_flag("--session-tickets", options->session_tickets,
                "issue TLS session tickets so clients that reconnect can resume (off: scrapers "
                "keep connections alive, and a ticket costs every full handshake)");
  sub->add_option("--log-format", options->log_format, "log lines on stderr as text or JSON")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--log-level", options->log_level,
                  "info, or debug: also one line per completed TLS handshake with its version, "
                  "key-exchange group and cipher")
      ->check(CLI::IsMember({"info", "debug"}))
      ->capture_default_str();
  sub->footer(
      "\nConfiguration comes from the profile's variables (see `promtls validate --help`); an\n"
      "invalid configuration is printed and serve exits 1, or 3 when the only errors are\n"
      "credential files it cannot load. Without TLS variables it serves\n"
      "plain HTTP, as knative does. Paths: GET/HEAD /metrics, /healthz, /readyz.\n"
      "Signals: SIGHUP reloads the certificate, key and client CA; SIGTERM and SIGINT both\n"
      "drain and exit 0 (a stop request is serve's normal end, not an interruption).\n" +
      exit_status_footer(
          {{ExitCode::ok, "stopped by SIGTERM or SIGINT"},
           {ExitCode::check_failed, "invalid configuration"},
           {ExitCode::usage, "usage error"},
           {ExitCode::cannot_run, "could not run (cannot bind, credentials cannot be loaded)"}}));
  sub->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace promtls::cli
