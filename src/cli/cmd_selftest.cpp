// promtls selftest: connect as a client, complete the handshake, scrape, and prove that the
// endpoint enforces the policy its configuration claims.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "exit_status.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/finding.hpp"
#include "promtls/core/manifest.hpp"
#include "promtls/core/profile.hpp"
#include "promtls/core/report.hpp"
#include "promtls/core/scrape_config.hpp"
#include "promtls/core/selftest.hpp"
#include "promtls/core/tls_catalog.hpp"
#include "promtls/core/validate.hpp"
#include "promtls/net/probe.hpp"
#include "promtls/net/server.hpp"
#include "promtls/tls/pem.hpp"
#include "thresholds.hpp"

#ifndef PROMTLS_VERSION
#define PROMTLS_VERSION "0.0.0"
#endif

namespace promtls::cli {
namespace {

struct SelftestOptions {
  EnvSourceOptions sources;
  std::string connect;
  std::string servername;
  std::string ca;
  std::string cert;
  std::string key;
  std::string path = "/metrics";
  double timeout_s = 5;
  std::string profile = "auto";
  std::string expect_client_auth;
  std::string expect_min_version;
  std::string expect_max_version;
  std::string expect_ciphers;
  bool no_probes = false;
  bool no_key_exchange = false;
  std::size_t load = 0;
  std::size_t concurrency = 4;
  bool new_connections = false;
  bool local = false;
  bool server_log = false;
  std::string output = "text";
  std::string at;
  ThresholdOptions thresholds;
  std::string scrape_config;
  std::string job;
  std::vector<std::string> connects;  // --connect, repeatable for --service-monitor
  std::string service_monitor;
  std::string monitor;
  int endpoint = -1;  // -1: not given
  std::string port;
  std::vector<std::string> secret_dirs;
};

std::uint16_t parse_version_flag(const std::string& v) {
  return v == "1.2" ? core::kTls12 : core::kTls13;
}

core::ClientAuth parse_client_auth_flag(const std::string& value) {
  for (auto mode : {core::ClientAuth::none, core::ClientAuth::request, core::ClientAuth::optional,
                    core::ClientAuth::require_any, core::ClientAuth::require}) {
    if (core::to_string(mode) == value) return mode;
  }
  throw Error("--expect-client-auth " + value + ": unknown mode", ExitCode::usage);
}

// Go names, comma-separated, as METRICS_PROMETHEUS_TLS_CIPHER_SUITES takes them (R-V3).
std::vector<std::uint16_t> parse_cipher_flag(const std::string& list) {
  std::vector<std::uint16_t> ids;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string name = list.substr(start, end - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty()) {
      const core::CipherSuite* suite = core::find_cipher_suite_by_go_name(name);
      if (suite == nullptr) {
        throw Error("--expect-ciphers: unknown cipher suite \"" + name +
                        "\" (use Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)",
                    ExitCode::usage);
      }
      ids.push_back(suite->id);
    }
    start = end + 1;
  }
  return ids;
}

std::optional<core::Profile> profile_flag(const std::string& name) {
  return name == "auto" ? std::nullopt : core::parse_profile(name);
}

struct Setup {
  net::ProbeTarget target;
  core::ExpectedPolicy expected;
  std::string cert_file;            // the serving certificate file the configuration names
  std::string client_ca_file;       // its client CA file
  std::string key_exchange_reason;  // why the configuration turns post-quantum off
};

// The target and the expected policy core::selftest_setup() decides from the environment (as
// serve reads it, offline: the server's files need not exist here) and the --expect-* flags.
Setup resolve_setup(const SelftestOptions& o, std::int64_t now) {
  std::vector<core::Finding> findings;
  const core::EnvSnapshot env = gather_env(o.sources, findings);
  for (const core::Finding& f : findings) {
    std::cerr << "promtls: warning: " << f.message
              << (f.origin ? " (" + f.origin->to_string() + ")" : std::string()) << "\n";
  }
  core::ExpectOverrides flags;
  if (!o.expect_client_auth.empty())
    flags.client_auth = parse_client_auth_flag(o.expect_client_auth);
  if (!o.expect_min_version.empty()) flags.min_version = parse_version_flag(o.expect_min_version);
  if (!o.expect_max_version.empty()) flags.max_version = parse_version_flag(o.expect_max_version);
  if (!o.expect_ciphers.empty()) flags.cipher_suites = parse_cipher_flag(o.expect_ciphers);
  core::EvaluateOptions eval_options;
  eval_options.now_unix = now;
  const core::SelftestSetup decided =
      core::selftest_setup(env, profile_flag(o.profile), flags, eval_options);
  for (const core::Finding& f : decided.profile_notes) {
    std::cerr << "promtls: " << core::to_string(f.severity) << ": " << f.message << "\n";
  }
  if (!decided.rejected.empty()) {
    throw Error(
        decided.rejected + " (run promtls validate; --no-env ignores the process environment)",
        ExitCode::usage);
  }

  Setup setup;
  if (!o.connect.empty()) {
    const auto hp = net::parse_client_target(o.connect);
    if (!hp) {
      throw bad_connect_target(o.connect);
    }
    setup.target.address = *hp;
  } else if (decided.serves_tls) {
    setup.target.address = {decided.host, decided.port};
  } else {
    throw Error("no target: pass --connect HOST:PORT, or " +
                    core::how_to_serve_tls(decided.evaluation.config.profile) + " as for serve",
                ExitCode::usage);
  }
  setup.target.servername = o.servername;
  setup.target.path = o.path;
  setup.target.timeout_ms = static_cast<int>(o.timeout_s * 1000);
  // The whole self-test ends within --timeout (a silent server costs it once, not once per
  // connection); in load mode it is each request's.
  if (o.load == 0) setup.target.total_timeout_ms = setup.target.timeout_ms;
  setup.expected = decided.expected;
  setup.key_exchange_reason = decided.key_exchange_reason;
  if (decided.serves_tls) {
    setup.cert_file = decided.evaluation.config.tls_config.cert_file;
    setup.client_ca_file = decided.evaluation.config.tls_config.client_ca_file;
  }
  return setup;
}

// Rotation readiness: what the server configuration's files hold now (unreadable files: not
// judged), into run.configured_*.
void read_configured_files(const std::string& cert_file, const std::string& client_ca_file,
                           core::SelftestRun& run) {
  if (!cert_file.empty()) {
    const core::FileFacts cert = tls::read_credential_file(cert_file);
    run.configured_cert_file = cert_file;
    if (!cert.certificates.empty()) run.configured_leaf = cert.certificates.front();
  }
  if (!client_ca_file.empty()) {
    run.configured_client_ca_file = client_ca_file;
    for (const core::CertInfo& ca : tls::read_credential_file(client_ca_file).certificates) {
      run.configured_client_ca_subjects.push_back(ca.subject);
    }
  }
}

// selftest --local: serve with the same environment, in-process on an ephemeral loopback port.
// Refuses a configuration serve would refuse, the findings on stderr: exit 1, or 3 when the
// credentials cannot be loaded (core::serve_refusal); throws promtls::Error (exit 3) when the
// port cannot be bound.
std::unique_ptr<net::LocalServer> start_local(const SelftestOptions& o) {
  std::vector<core::Finding> ignored;  // env source warnings are printed by resolve_setup
  const core::EnvSnapshot env = gather_env(o.sources, ignored);
  core::EvaluateOptions options;
  options.now_unix = resolve_now("");
  options.tls_library = tls::library_info();
  tls::OpenSslFileInspector inspector;
  const core::Evaluation evaluation =
      core::evaluate_for_serving(env, profile_flag(o.profile), options, &inspector);
  const core::ServeRefusal refusal = core::serve_refusal(evaluation);
  if (refusal == core::ServeRefusal::errors || refusal == core::ServeRefusal::credentials) {
    std::cerr << core::render_validate_text(evaluation, false, core::TextStyle{false});
    throw Error(refusal == core::ServeRefusal::errors
                    ? "selftest --local: the configuration has errors; not starting the server"
                    : "selftest --local: cannot load the credentials (the errors above); not "
                      "starting the server",
                core::exit_code(refusal));
  }
  if (!evaluation.config.enabled || !evaluation.config.tls) {
    throw Error("selftest --local: no TLS configuration: " +
                    core::how_to_serve_tls(evaluation.config.profile) +
                    " (environment, --env-file or --set) as for serve",
                ExitCode::usage);
  }
  net::ServerOptions server;
  server.listen = "127.0.0.1:0";
  server.tls = evaluation.config.tls_config;
  server.drain_timeout = std::chrono::seconds(2);
  server.version = PROMTLS_VERSION;
  // Its handshake failures are mostly our own probes, which the report already judges.
  server.log_format = o.server_log ? net::LogFormat::text : net::LogFormat::off;
  return std::make_unique<net::LocalServer>(server);
}

ExitCode run_load(const SelftestOptions& o, net::Prober& prober) {
  // One verifying scrape first: a load run never passes a server that does not verify.
  const core::Exchange first = prober.scrape();
  core::LoadRun load = prober.load(o.load, o.concurrency, o.new_connections);
  core::record_verification(load, first);
  if (o.output == "json") {
    std::cout << core::load_json(load).dump(2) << "\n";
  } else {
    std::cout << core::render_load_text(load, core::TextStyle{stdout_wants_color()});
  }
  return core::exit_code(load);
}

// A callback that is true once `seconds` have passed from now: parsing a body is bounded by the
// same deadline as fetching it (core has no clock).
std::function<bool()> out_of_time_after(double seconds) {
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::microseconds(static_cast<std::int64_t>(std::min(seconds, 3600.0) * 1e6));
  return [deadline] { return std::chrono::steady_clock::now() >= deadline; };
}

// Scrapes every target of report.jobs as Prometheus would, judges it and prints the report.
ExitCode scrape_and_report(const SelftestOptions& o, core::ScrapeReport& report, std::int64_t now) {
  // The server's configuration, when the environment (as serve reads it) names its files: the
  // rotation checks run against each target.
  core::SelftestRun server;
  {
    std::vector<core::Finding> ignored;  // a scrape report does not judge the environment
    const core::EnvSnapshot env = gather_env(o.sources, ignored);
    core::EvaluateOptions eval_options;
    eval_options.now_unix = now;
    const core::SelftestSetup decided =
        core::selftest_setup(env, profile_flag(o.profile), {}, eval_options);
    if (decided.rejected.empty() && decided.serves_tls) {
      read_configured_files(decided.evaluation.config.tls_config.cert_file,
                            decided.evaluation.config.tls_config.client_ca_file, server);
    }
  }
  for (const core::ScrapeJob* job : report.jobs) {
    core::SelftestRun run = server;
    if (!job->tls.cert_file.empty()) {
      const core::FileFacts ours = tls::read_credential_file(job->tls.cert_file);
      if (!ours.certificates.empty()) run.client_cert = ours.certificates.front();
    }
    for (const std::string& target : job->targets) {
      core::ScrapeTargetReport t;
      t.job = job->name;
      t.target = target;
      t.exchange = net::scrape_as_prometheus(*job, target, now);
      core::ExpositionLimits limits;
      limits.out_of_time = out_of_time_after(job->timeout_s);
      t.verdict = core::judge_scrape(*job, target, t.exchange, now, limits);
      if (job->scheme == "https") t.checks = core::rotation_checks(run, t.exchange.tls);
      report.targets.push_back(std::move(t));
    }
  }
  if (o.output == "json") {
    std::cout << core::scrape_json(report).dump(2) << "\n";
  } else {
    std::cout << core::render_scrape_text(report);
  }
  return core::exit_code(report);
}

// selftest --scrape-config: every static target of the job(s), scraped as Prometheus would.
ExitCode run_scrape_config(const SelftestOptions& o, std::int64_t now) {
  std::string error;
  const auto config =
      core::parse_scrape_config(read_file_or_throw(o.scrape_config), o.scrape_config, error);
  if (!config) throw Error(error, ExitCode::cannot_run);
  core::ScrapeReport report;
  report.config_path = o.scrape_config;
  if (!o.job.empty()) {
    const core::ScrapeJob* job = core::find_job(*config, o.job);
    if (job == nullptr) {
      std::string names;
      for (const core::ScrapeJob& j : config->jobs) names += (names.empty() ? "" : ", ") + j.name;
      throw Error("--job " + o.job + ": no such job in " + o.scrape_config +
                      (names.empty() ? " (it has no scrape_configs)" : " (jobs: " + names + ")"),
                  ExitCode::usage);
    }
    report.jobs.push_back(job);
  } else {
    for (const core::ScrapeJob& job : config->jobs) report.jobs.push_back(&job);
  }
  return scrape_and_report(o, report, now);
}

std::string qualified_name(const core::ScrapeMonitor& m) {
  return m.namespace_name.empty() ? m.name : m.namespace_name + "/" + m.name;
}

// The monitor --monitor names (NAME or NAMESPACE/NAME), or the file's only one.
const core::ScrapeMonitor& choose_monitor(const SelftestOptions& o,
                                          const std::vector<core::ScrapeMonitor>& monitors) {
  std::string names;
  for (const core::ScrapeMonitor& m : monitors) {
    names += (names.empty() ? "" : ", ") + m.kind + " " + qualified_name(m);
  }
  if (o.monitor.empty()) {
    if (monitors.size() == 1) return monitors.front();
    throw Error(o.service_monitor + " holds " + std::to_string(monitors.size()) +
                    " monitors: choose one with --monitor NAME (" + names + ")",
                ExitCode::usage);
  }
  const core::ScrapeMonitor* found = nullptr;
  for (const core::ScrapeMonitor& m : monitors) {
    if (m.name != o.monitor && qualified_name(m) != o.monitor) continue;
    if (found != nullptr) {
      throw Error("--monitor " + o.monitor + ": more than one monitor of " + o.service_monitor +
                      " has that name: use NAMESPACE/NAME (" + names + ")",
                  ExitCode::usage);
    }
    found = &m;
  }
  if (found == nullptr) {
    throw Error("--monitor " + o.monitor + ": no such ServiceMonitor or PodMonitor in " +
                    o.service_monitor + " (" + names + ")",
                ExitCode::usage);
  }
  return *found;
}

// The endpoint --endpoint or --port chooses, or the monitor's only one.
std::size_t choose_endpoint(const SelftestOptions& o, const core::ScrapeMonitor& m) {
  const std::string who = m.kind + " " + qualified_name(m);
  const std::size_t n = m.endpoints.size();
  if (n == 0) {
    throw Error(o.service_monitor + ": " + who + " has no " +
                    (m.kind == "PodMonitor" ? "podMetricsEndpoints" : "endpoints") +
                    ": nothing to scrape",
                ExitCode::cannot_run);
  }
  std::string ports;
  for (std::size_t i = 0; i < n; ++i) {
    const core::monitor::Endpoint& e = m.endpoints[i];
    const std::string& port = e.port.empty() ? e.target_port : e.port;
    ports += (ports.empty() ? "" : ", ") + std::to_string(i) + ": " +
             (port.empty() ? "no port" : "port " + port);
  }
  if (o.endpoint >= 0) {
    const auto index = static_cast<std::size_t>(o.endpoint);
    if (index >= n) {
      throw Error("--endpoint " + std::to_string(o.endpoint) + ": " + who + " has " +
                      std::to_string(n) + (n == 1 ? " endpoint" : " endpoints") + " (" + ports +
                      ")",
                  ExitCode::usage);
    }
    return index;
  }
  if (!o.port.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      if (m.endpoints[i].port == o.port || m.endpoints[i].target_port == o.port) return i;
    }
    throw Error("--port " + o.port + ": no endpoint of " + who + " has that port (" + ports + ")",
                ExitCode::usage);
  }
  if (n == 1) return 0;
  throw Error(who + " has " + std::to_string(n) +
                  " endpoints: choose one with --endpoint N or --port NAME (" + ports + ")",
              ExitCode::usage);
}

// selftest --service-monitor: one endpoint of a ServiceMonitor or PodMonitor, as the job the
// Prometheus Operator generates, against each --connect address.
ExitCode run_service_monitor(const SelftestOptions& o, std::int64_t now) {
  std::string error;
  const auto monitors =
      core::parse_monitors(read_file_or_throw(o.service_monitor), o.service_monitor, error);
  if (!monitors) throw Error(error, ExitCode::cannot_run);
  if (monitors->empty()) {
    throw Error(
        o.service_monitor + ": no ServiceMonitor or PodMonitor (monitoring.coreos.com/v1) in it",
        ExitCode::cannot_run);
  }
  const core::ScrapeMonitor& monitor = choose_monitor(o, *monitors);
  const std::size_t endpoint = choose_endpoint(o, monitor);
  if (o.connects.empty()) {
    throw Error(
        "--service-monitor needs --connect HOST:PORT (repeatable): a monitor names no "
        "addresses; give the ones Prometheus discovers (pod IP and container port)",
        ExitCode::usage);
  }
  std::vector<std::string> targets;
  for (const std::string& c : o.connects) {
    const auto hp = net::parse_client_target(c);
    if (!hp) throw bad_connect_target(c);
    targets.push_back(hp->to_string());
  }
  const std::vector<core::DirectorySecret> secrets = read_secret_dirs(o.secret_dirs);
  ExitCode resolve_code = ExitCode::cannot_run;
  const core::ResolveKeyFile resolve = [&](bool secret, const std::string& name,
                                           const std::string& key, std::string& why) {
    const std::string what = std::string(secret ? "Secret " : "ConfigMap ") + name + " key " + key;
    if (o.secret_dirs.empty()) {
      why = what + ": pass --secret-dir DIR holding DIR/" + name + "/" + key;
      resolve_code = ExitCode::usage;
      return std::optional<std::string>();
    }
    for (const core::DirectorySecret& s : secrets) {
      if (s.name != name) continue;
      for (const auto& file : s.files) {
        if (file.first == key) return std::optional<std::string>(s.dir + "/" + key);
      }
      why = what + ": " + s.dir + "/" + key + " does not exist";
      return std::optional<std::string>();
    }
    std::string dirs;
    for (const std::string& d : o.secret_dirs) dirs += (dirs.empty() ? "" : ", ") + d;
    why = what + ": no directory " + name + " in --secret-dir " + dirs + " (expected DIR/" + name +
          "/" + key + ")";
    return std::optional<std::string>();
  };
  std::optional<core::ScrapeJob> job = core::monitor_job(monitor, endpoint, resolve, error);
  if (!job) throw Error(o.service_monitor + ": " + error, resolve_code);
  job->targets = std::move(targets);
  core::ScrapeReport report;
  report.config_path = o.service_monitor;
  report.monitor = core::describe_endpoint(monitor, endpoint);
  report.jobs.push_back(&*job);
  return scrape_and_report(o, report, now);
}

ExitCode run(SelftestOptions& o) {
  // A server may close the connection while we write; that is a result, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  const std::int64_t now = resolve_now(o.at);
  if (!o.service_monitor.empty()) {
    if (!o.scrape_config.empty() || o.local || o.load > 0) {
      throw Error("--service-monitor is not combined with --scrape-config, --local or --load",
                  ExitCode::usage);
    }
    return run_service_monitor(o, now);
  }
  for (const auto& [given, name] :
       {std::pair{!o.monitor.empty(), "--monitor"}, std::pair{o.endpoint >= 0, "--endpoint"},
        std::pair{!o.port.empty(), "--port"}, std::pair{!o.secret_dirs.empty(), "--secret-dir"}}) {
    if (given) throw Error(std::string(name) + " needs --service-monitor", ExitCode::usage);
  }
  if (o.connects.size() > 1) {
    throw Error("--connect is given once, except with --service-monitor", ExitCode::usage);
  }
  if (!o.connects.empty()) o.connect = o.connects.front();
  if (!o.scrape_config.empty()) {
    if (!o.connect.empty() || o.local || o.load > 0) {
      throw Error(
          "--scrape-config takes its targets from the file: not with --connect, --local "
          "or --load",
          ExitCode::usage);
    }
    return run_scrape_config(o, now);
  }
  if (!o.job.empty()) throw Error("--job needs --scrape-config", ExitCode::usage);
  const core::ExpiryPolicy expiry = resolve_thresholds(o.thresholds);
  if (o.local && !o.connect.empty()) {
    throw Error("--local and --connect exclude each other", ExitCode::usage);
  }
  // Stopped when this function returns or throws.
  const std::unique_ptr<net::LocalServer> local = o.local ? start_local(o) : nullptr;
  Setup setup = resolve_setup(o, now);
  if (local) {
    setup.target.address = {"127.0.0.1", local->port()};
  }

  net::ClientTlsOptions tls_options;
  tls_options.ca_file = o.ca;
  tls_options.cert_file = o.cert;
  tls_options.key_file = o.key;
  tls_options.verify_at_unix = now;
  tls_options.wall_clock_unix = static_cast<std::int64_t>(std::time(nullptr));
  net::Prober prober(setup.target, tls_options);

  if (o.load > 0) return run_load(o, prober);

  core::SelftestRun run;
  run.target = setup.target.address.to_string();
  run.servername =
      setup.target.servername.empty() ? setup.target.address.host : setup.target.servername;
  run.path = prober.target().path;
  run.client_cert_configured = !o.cert.empty();
  run.client_cert = prober.client_certificate();
  run.expected = setup.expected;
  read_configured_files(setup.cert_file, setup.client_ca_file, run);
  run.main = prober.scrape();
  if (run.main.connected && !o.no_probes) {
    for (const core::ProbePlan& plan : core::plan_probes(run.expected)) {
      run.probes.push_back(prober.probe(plan));
    }
  }
  if (run.main.connected && !o.no_key_exchange) {
    const core::TlsLibrary library = tls::library_info();
    core::KeyExchangeFacts kx;
    kx.library = library.version;
    kx.testable = library.has_x25519mlkem768;
    kx.config_reason = setup.key_exchange_reason;
    if (kx.testable) kx.outcomes = prober.key_exchange(core::plan_key_exchange());
    run.key_exchange = std::move(kx);
  }
  if (local) local->stop();
  core::SelftestOptions judge_options;
  judge_options.now_unix = now;
  judge_options.expiry = expiry;
  judge_options.out_of_time = out_of_time_after(o.timeout_s);
  const core::SelftestReport report = core::judge(std::move(run), judge_options);
  if (o.output == "json") {
    std::cout << core::selftest_json(report).dump(2) << "\n";
  } else {
    std::cout << core::render_selftest_text(report, core::TextStyle{stdout_wants_color()});
  }
  return core::exit_code(report);
}

}  // namespace

void register_selftest(CLI::App& app, ExitCode& exit_code) {
  auto options = std::make_shared<SelftestOptions>();
  CLI::App* sub = app.add_subcommand(
      "selftest",
      "connect as a client, scrape, and prove the endpoint enforces its configured TLS policy");
  add_env_source_options(*sub, options->sources);
  add_max_file_size_option(*sub);
  add_repeatable_option(*sub, "--connect", options->connects,
                        "the endpoint (default: where serve listens with the same environment; an "
                        "empty host means localhost); with --service-monitor, each target "
                        "(repeatable)")
      ->type_name("HOST:PORT");
  sub->add_option("--servername", options->servername,
                  "SNI and the name the certificate must match (default: the host)")
      ->type_name("NAME");
  sub->add_option("--ca", options->ca, "trust these CA certificates (default: the system store)")
      ->type_name("FILE");
  sub->add_option("--cert", options->cert, "our client certificate (PEM, with its chain)")
      ->type_name("FILE");
  sub->add_option("--key", options->key, "the client certificate's private key (PEM)")
      ->type_name("FILE");
  sub->add_option("--path", options->path, "the HTTP path to scrape")->capture_default_str();
  add_number_option(*sub, "--timeout", options->timeout_s, 0.001, 3600.0, "SECONDS",
                    "deadline for the whole self-test: the scrape, the probes and the key-exchange "
                    "handshakes (with --load, for each request)")
      ->capture_default_str();
  sub->add_option("--profile", options->profile,
                  "whose variables configure the endpoint: knative, tigera (the Tigera operator) "
                  "or auto (picked from the variables present)")
      ->check(CLI::IsMember({"knative", "tigera", "auto"}))
      ->capture_default_str();
  sub->add_option("--expect-client-auth", options->expect_client_auth,
                  "the client auth the server must enforce (overrides the environment)")
      ->check(CLI::IsMember({"none", "request", "optional", "require-any", "require"}))
      ->type_name("MODE");
  sub->add_option("--expect-min-version", options->expect_min_version,
                  "the lowest TLS version the server may accept")
      ->check(CLI::IsMember({"1.2", "1.3"}))
      ->type_name("VERSION");
  sub->add_option("--expect-max-version", options->expect_max_version,
                  "the highest TLS version the server may accept")
      ->check(CLI::IsMember({"1.2", "1.3"}))
      ->type_name("VERSION");
  sub->add_option("--expect-ciphers", options->expect_ciphers,
                  "the allowed TLS 1.2 cipher suites, comma-separated Go names")
      ->type_name("LIST");
  sub->add_flag("--local", options->local,
                "start serve in-process with the same configuration on an ephemeral loopback "
                "port (127.0.0.1), run every check and probe against it, and stop it");
  sub->add_flag("--server-log", options->server_log,
                "with --local: print the in-process server's log lines on stderr");
  sub->add_flag("--no-probes", options->no_probes, "skip the policy probes");
  sub->add_flag("--no-key-exchange", options->no_key_exchange,
                "skip the key-exchange matrix (the groups the server picks and accepts, and "
                "whether it reaches a post-quantum one)");
  add_number_option(*sub, "--load", options->load, 1, 1000000000, "N",
                    "load mode: make N scrapes and report rates and latency");
  add_number_option(*sub, "--concurrency", options->concurrency, 1, 1024, "C",
                    "load mode: over C connections at once (one thread each)")
      ->capture_default_str();
  sub->add_flag("--new-connections", options->new_connections,
                "load mode: a new connection and handshake for every request");
  sub->add_option("-o,--output", options->output, "report format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--at", options->at, "verify certificates at this RFC 3339 time (default: now)")
      ->type_name("TIME");
  add_threshold_options(*sub, options->thresholds, false);
  sub->add_option("--scrape-config", options->scrape_config,
                  "scrape every static target of a Prometheus configuration exactly as its "
                  "job does, and say whether Prometheus will get up == 1")
      ->type_name("FILE");
  sub->add_option("--job", options->job, "with --scrape-config: only this job")->type_name("NAME");
  sub->add_option("--service-monitor", options->service_monitor,
                  "scrape each --connect target with one endpoint of a ServiceMonitor or "
                  "PodMonitor (YAML or JSON, a helm stream) as the Prometheus Operator's job "
                  "does, and say whether Prometheus will get up == 1")
      ->type_name("FILE");
  sub->add_option("--monitor", options->monitor,
                  "with --service-monitor: the monitor NAME or NAMESPACE/NAME (needed when the "
                  "file holds several)")
      ->type_name("NAME");
  add_number_option(*sub, "--endpoint", options->endpoint, 0, 1000000, "N",
                    "with --service-monitor: the endpoint at index N (needed when the monitor "
                    "has several)");
  sub->add_option("--port", options->port,
                  "with --service-monitor: the endpoint whose port (or targetPort) is NAME")
      ->type_name("NAME");
  add_repeatable_option(*sub, "--secret-dir", options->secret_dirs,
                        "with --service-monitor: DIR/NAME/KEY files stand for key KEY of the "
                        "Secret or ConfigMap NAME the tlsConfig names (a Secret volume's layout; "
                        "repeatable); also for caFile etc. under /etc/prometheus/secrets/NAME/")
      ->type_name("DIR");
  sub->footer(
      "\nChecks: TCP connect, TLS handshake, server chain verified, hostname match, validity,\n"
      "client certificate, HTTP status and content type, exposition format; and, when the\n"
      "expected policy is known (the --profile variables as serve reads them, or --expect-*),\n"
      "probes that must be refused: no client certificate under require (served under\n"
      "optional), a client certificate from a foreign CA, TLS 1.2 when the minimum is 1.3,\n"
      "TLS 1.3 when the maximum is 1.2, TLS 1.2 suites outside the allow list, plain HTTP.\n"
      "\nKey exchange: when the linked OpenSSL offers ML-KEM (3.5 and later), handshakes that\n"
      "offer what Go 1.24 and OpenSSL 3.5 clients send, an X25519 key share only, the\n"
      "post-quantum groups only, and each group alone; the verdict says whether the server\n"
      "negotiates post-quantum key exchange, only after a HelloRetryRequest, or not, and why.\n"
      "It never fails the self-test; --no-key-exchange skips it.\n"
      "\nLocal mode: --local starts serve in-process with the same configuration on\n"
      "127.0.0.1 (an ephemeral port), runs every check and probe against it and stops it; a\n"
      "configuration serve would refuse exits as serve does (1, or 3 for credentials it cannot\n"
      "load) before anything starts. The server's log goes\n"
      "to stderr. Pass --servername when the certificate does not name 127.0.0.1.\n"
      "\nPrometheus mode: --scrape-config FILE [--job NAME] scrapes each static target with\n"
      "the job's scheme, metrics_path, scrape_timeout and tls_config, sends the client\n"
      "certificate when asked (as Prometheus does), verifies in Go's order, prints \"up\" or\n"
      "the error Prometheus would show (exit 1 when a target would be down, 3 when the file\n"
      "cannot be read or loaded).\n"
      "\nServiceMonitor mode: --service-monitor FILE --connect HOST:PORT... scrapes each\n"
      "address with one endpoint of the monitor (--monitor NAME when the file holds several;\n"
      "--endpoint N or --port NAME when it has several endpoints) as the Prometheus\n"
      "Operator's job does: scheme, path, scrapeTimeout and tlsConfig, whose Secret and\n"
      "ConfigMap keys (and caFile etc. under /etc/prometheus/secrets/NAME/ or\n"
      "/etc/prometheus/configmaps/NAME/) are read from --secret-dir DIR as DIR/NAME/KEY.\n"
      "Same report and exit codes as --scrape-config.\n"
      "\nProfiles: --profile auto (the default) reads the knative or the Tigera operator's\n"
      "variables, whichever are present, as serve and validate do; --profile tigera self-tests\n"
      "METRICS_CLIENT_AUTH's four modes and TLS_MIN_VERSION as the operator serves them.\n" +
      exit_status_footer(
          {{ExitCode::ok, "every check passed"},
           {ExitCode::check_failed, "a check failed (a chain that does not verify always fails)"},
           {ExitCode::usage, "usage error"},
           {ExitCode::cannot_run, "could not resolve or connect"},
           {ExitCode::interrupted, "interrupted (SIGINT, also during --load and --local)"}}));
  sub->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace promtls::cli
