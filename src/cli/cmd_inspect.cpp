// promtls inspect: certificate and license expiry from files, bundles, Kubernetes objects and
// live endpoints.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "exit_status.hpp"
#include "promtls/core/error.hpp"
#include "promtls/core/inspect_report.hpp"
#include "promtls/core/license.hpp"
#include "promtls/net/remote.hpp"
#include "promtls/tls/jwt_verify.hpp"
#include "promtls/tls/sources.hpp"
#include "thresholds.hpp"

namespace promtls::cli {
namespace {

struct InspectOptions {
  std::vector<std::string> sources;
  bool recursive = false;
  bool follow_symlinks = false;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::vector<std::string> passwords;
  std::string password_file;
  std::string password_env;
  std::vector<std::string> connect;
  std::string servername;
  std::string ca;
  std::string cert;
  std::string key;
  int timeout_s = 10;
  std::vector<std::string> licenses;
  std::string license_cert;
  bool no_verify = false;
  ThresholdOptions thresholds;
  std::string at;
  std::string fail_on = "critical";
  std::string output = "text";
  bool no_dedupe = false;
  std::string output_file;
};

std::string strip_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> gather_passwords(const InspectOptions& o) {
  std::vector<std::string> out = o.passwords;
  if (!o.password_file.empty()) out.push_back(strip_newline(read_file_or_throw(o.password_file)));
  if (!o.password_env.empty()) {
    const char* value = std::getenv(o.password_env.c_str());
    if (value == nullptr) {
      throw Error("--password-env " + o.password_env + ": the variable is not set",
                  ExitCode::usage);
    }
    out.emplace_back(value);
  }
  return out;
}

// "host:port" or "[v6]:port".
net::RemoteOptions parse_target(const std::string& target, const InspectOptions& o) {
  net::RemoteOptions r;
  const auto hp = net::parse_client_target(target);
  if (!hp) {
    throw bad_connect_target(target);
  }
  r.target = *hp;
  r.servername = o.servername;
  r.ca_file = o.ca;
  r.cert_file = o.cert;
  r.key_file = o.key;
  r.timeout_ms = o.timeout_s * 1000;
  return r;
}

void add_files(const InspectOptions& o, const core::ExpiryPolicy& policy,
               core::InspectReport& report) {
  if (o.sources.empty()) return;
  tls::SourceOptions so;
  so.recursive = o.recursive;
  so.follow_symlinks = o.follow_symlinks;
  so.include = o.include;
  so.exclude = o.exclude;
  so.passwords = gather_passwords(o);
  // Read what the output shows: the table the subject CN and validity, the gauges names, serial
  // and validity; JSON everything (keys, fingerprints, extensions too).
  // The kubeadm view adds the issuer CN and whether the certificate is a CA.
  so.detail = o.output == "json"                                ? tls::CertDetail::full
              : o.output == "prometheus" || o.output == "table" ? tls::CertDetail::summary
                                                                : tls::CertDetail::table;
  // Each certificate becomes its compact report entry as it is read (issue 17: a large tree's
  // results are never held twice), in load order; the index within a source counts in that
  // order.
  const std::size_t first = report.certificates.size();
  core::CertificateList& certs = report.certificates;
  core::InspectedCert entry;
  tls::CertificateSink sink;
  sink.files = [&](std::size_t files) { certs.reserve(first + files); };
  sink.certificate = [&](core::LocatedCert&& located) {
    entry.located = std::move(located);
    entry.source = core::describe_location(entry.located.location);
    const std::size_t at = certs.size();
    entry.index = at > first && certs.source(at - 1) == entry.source ? certs.index(at - 1) + 1 : 0;
    entry.judgement = core::judge_certificate(entry.located.cert, policy, report.now_unix);
    certs.push_back(entry);
  };
  tls::LoadResult loaded = tls::load_sources(o.sources, so, sink);
  for (const tls::TigeraSecret& s : loaded.tigera_secrets) {
    if (first + s.cert_index < certs.size()) {
      certs.read(first + s.cert_index, entry);
      entry.tigera = core::check_tigera(s.metadata, entry.located.cert);
      certs.set(first + s.cert_index, entry);
    }
  }
  // Expiry order (stable: bundle order among equals), so sorting the whole report later finds
  // it in order.
  certs.sort_by_not_after(first);
  for (tls::SourceError& e : loaded.errors) {
    report.errors.push_back({std::move(e.source), std::move(e.reason), std::move(e.message)});
  }
  for (tls::SkippedFile& s : loaded.skipped) {
    report.skipped.push_back({std::move(s.source), std::move(s.kind)});
  }
  report.tigera_statuses = std::move(loaded.tigera_statuses);
}

void add_endpoints(const InspectOptions& o, const core::ExpiryPolicy& policy,
                   core::InspectReport& report) {
  // A peer that closes first must not kill us with SIGPIPE during the TLS shutdown.
  if (!o.connect.empty()) std::signal(SIGPIPE, SIG_IGN);
  for (const std::string& target : o.connect) {
    net::RemoteOptions remote = parse_target(target, o);
    remote.verify_at_unix = report.now_unix;
    const net::RemoteResult r = net::fetch_chain(remote);
    if (!r.error.empty()) {
      report.errors.push_back({target, "connect_failed", r.error});
    }
    for (std::size_t i = 0; i < r.chain.size(); ++i) {
      core::InspectedCert ic;
      ic.located.cert = r.chain[i];
      ic.located.location.filepath = target;
      ic.located.location.embedded_kind = "tls-endpoint";
      ic.located.location.embedded_key = std::to_string(i);
      ic.source = target;
      ic.index = i;
      ic.from_endpoint = true;
      ic.verified = r.verified;
      ic.verify_error = r.verify_error;
      ic.verify_required = !o.no_verify;
      ic.hostname_match = r.hostname_match;
      ic.judgement = core::judge_certificate(ic.located.cert, policy, report.now_unix);
      report.certificates.push_back(std::move(ic));
    }
  }
}

std::string read_or_record(const std::string& path, const char* what, core::InspectReport& report,
                           bool& ok) {
  try {
    ok = true;
    return read_file_or_throw(path);
  } catch (const Error& e) {
    ok = false;
    report.errors.push_back(
        {path, errno == ENOENT ? "not_found" : "read_failed", std::string(what) + " " + e.what()});
    return {};
  }
}

void add_licenses(const InspectOptions& o, const core::ExpiryPolicy& policy,
                  core::InspectReport& report) {
  std::string cert_pem;
  if (!o.license_cert.empty()) cert_pem = read_file_or_throw(o.license_cert);
  for (const std::string& path : o.licenses) {
    bool ok = false;
    const std::string bytes = read_or_record(path, "license", report, ok);
    if (!ok) continue;
    std::string error;
    auto license = core::parse_license(bytes, path, error);
    if (!license) {
      report.errors.push_back({path, "decode_failed", path + ": " + error});
      continue;
    }
    if (license->kind == "jwt" && !o.license_cert.empty()) {
      const auto parts = core::decode_jwt(bytes, error);
      const std::string verdict = parts ? tls::verify_jwt(*parts, cert_pem) : error;
      if (!verdict.empty()) {
        // Never reported as a license: a token that fails verification proves nothing.
        report.errors.push_back(
            {path, "signature_invalid",
             path + ": JWT signature verification with " + o.license_cert + " failed: " + verdict});
        continue;
      }
      license->signature_verified = true;
    }
    core::InspectedLicense il;
    il.status = core::judge_license(*license, policy, report.now_unix);
    il.license = std::move(*license);
    report.licenses.push_back(std::move(il));
  }
}

// The columns of the terminal stdout is, or 0 (never cut) when stdout is not a terminal.
std::size_t terminal_width() {
  if (::isatty(STDOUT_FILENO) != 1) return 0;
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const long n = std::strtol(columns, nullptr, 10);
    if (n > 0) return static_cast<std::size_t>(n);
  }
  return 80;
}

// An ostream buffer over a file descriptor that remembers the first write error.
class FdBuffer : public std::streambuf {
 public:
  explicit FdBuffer(int fd) : fd_(fd) {}
  int error() const { return error_; }

 protected:
  std::streamsize xsputn(const char* data, std::streamsize n) override {
    std::streamsize done = 0;
    while (done < n && error_ == 0) {
      const ssize_t w = ::write(fd_, data + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = w < 0 ? errno : EIO;
        break;
      }
      done += w;
    }
    return done;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }

 private:
  int fd_;
  int error_ = 0;
};

// Writes the report to `path` as node_exporter's textfile collector needs it: to a hidden
// temporary file in the same directory (not matching *.prom), mode 0644, fsync'd, then renamed
// over `path`, so a reader sees the old file or the new one, whole, never part of one. Throws
// promtls::Error (exit 3) naming the path; the temporary file is removed on failure.
template <typename Write>
void write_atomically(const std::string& path, const Write& write) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  std::string temp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  const auto fail = [&](int error, bool created) {
    if (created) ::unlink(temp.c_str());
    throw Error("--output-file " + path + ": " + std::strerror(error), ExitCode::cannot_run);
  };
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail(errno, false);
  if (::fchmod(fd, 0644) != 0) {
    const int error = errno;
    ::close(fd);
    fail(error, true);
  }
  FdBuffer buffer(fd);
  std::ostream out(&buffer);
  write(out);
  out.flush();
  int error = buffer.error();
  if (error == 0 && !out) error = EIO;
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) fail(error, true);
  // The rename itself survives a crash once the directory is synced too.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

ExitCode run(const InspectOptions& o) {
  if (o.sources.empty() && o.connect.empty() && o.licenses.empty()) {
    throw Error("nothing to inspect: give files or directories, --connect HOST:PORT or --license",
                ExitCode::usage);
  }
  if ((!o.cert.empty() || !o.key.empty()) && o.connect.empty()) {
    throw Error("--cert and --key are client credentials for --connect", ExitCode::usage);
  }
  const core::ExpiryPolicy policy = resolve_thresholds(o.thresholds);
  const core::FailOn fail_on = *core::parse_fail_on(o.fail_on);

  core::InspectReport report;
  report.now_unix = resolve_now(o.at);
  add_files(o, policy, report);
  add_endpoints(o, policy, report);
  add_licenses(o, policy, report);
  core::sort_by_expiry(report);

  report.inputs = o.sources;
  report.inputs.insert(report.inputs.end(), o.connect.begin(), o.connect.end());
  report.inputs.insert(report.inputs.end(), o.licenses.begin(), o.licenses.end());

  const core::InspectVerdict verdict = core::inspect_verdict(report, fail_on);
  core::RenderOptions render;
  render.dedupe = !o.no_dedupe;
  // Never cut what is not shown on a terminal; -o wide never cuts.
  if (o.output_file.empty() && (o.output == "text" || o.output == "table")) {
    render.width = terminal_width();
  }
  const auto write = [&](std::ostream& out) {
    if (o.output == "json") {
      core::write_inspect_json(report, verdict, out, render);
      return;
    }
    if (o.output == "prometheus") {
      core::write_inspect_exposition(report, out);
      return;
    }
    out << (o.output == "table" ? core::render_inspect_table(report, render)
                                : core::render_inspect_text(report, render));
    // The footer: the exit code and every cause, so "expired" and "incomplete" are both seen.
    if (!verdict.summary.empty()) out << verdict.summary << "\n";
  };
  if (o.output_file.empty()) {
    write(std::cout);
  } else {
    write_atomically(o.output_file, write);
  }
  if (o.output == "prometheus") {
    for (const core::InspectError& e : report.errors) std::cerr << "promtls: " << e.message << "\n";
    if (!verdict.summary.empty()) std::cerr << "promtls: " << verdict.summary << "\n";
  }
  return verdict.code;
}

}  // namespace

void register_inspect(CLI::App& app, ExitCode& exit_code) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* sub = app.add_subcommand("inspect",
                                     "report certificate and license expiry from files, "
                                     "Kubernetes objects and live endpoints");
  sub->add_option("sources", o->sources,
                  "PEM, DER, PKCS#12, JKS or JCEKS files, Kubernetes Secret/ConfigMap/kubeconfig "
                  "YAML or JSON, directories, globs, or - for standard input")
      ->type_name("PATH");
  sub->add_flag("-r,--recursive", o->recursive, "descend into subdirectories");
  sub->add_flag("--follow-symlinks", o->follow_symlinks,
                "descend into directories that links lead to outside the named directory");
  add_max_file_size_option(*sub);
  add_repeatable_option(*sub, "--include", o->include,
                        "read only walked files whose path below the directory or glob root "
                        "matches GLOB (repeatable; ** matches zero or more directories)")
      ->type_name("GLOB");
  add_repeatable_option(
      *sub, "--exclude", o->exclude,
      "do not read walked files whose path below the root matches GLOB (repeatable)")
      ->type_name("GLOB");
  add_repeatable_option(
      *sub, "--password", o->passwords,
      "PKCS#12 or keystore password to try (repeatable; the empty one is always tried)")
      ->type_name("TEXT");
  sub->add_option("--password-file", o->password_file, "read a PKCS#12 password from FILE")
      ->type_name("FILE");
  sub->add_option("--password-env", o->password_env, "read a PKCS#12 password from variable NAME")
      ->type_name("NAME");
  add_repeatable_option(*sub, "--connect", o->connect,
                        "fetch the chain a TLS endpoint presents (repeatable); reported even when "
                        "verification fails, which exits 1 (see --no-verify)")
      ->type_name("HOST:PORT");
  sub->add_flag("--no-verify", o->no_verify,
                "a --connect chain that does not verify, or does not match the name, does not "
                "fail the run (it is still reported)");
  sub->add_option("--servername", o->servername, "SNI and verified name for --connect")
      ->type_name("NAME");
  sub->add_option("--ca", o->ca, "CA bundle to verify --connect against (default: system store)")
      ->type_name("FILE");
  sub->add_option("--cert", o->cert, "client certificate for --connect")->type_name("FILE");
  sub->add_option("--key", o->key, "client key for --connect")->type_name("FILE");
  add_number_option(*sub, "--timeout", o->timeout_s, 1, 3600, "SECONDS",
                    "seconds for each --connect (connect + handshake)")
      ->capture_default_str();
  add_repeatable_option(*sub, "--license", o->licenses,
                        "license file (repeatable): Tigera LicenseKey YAML/JSON, JWT, or JSON "
                        "{expiry, grace_period, package}")
      ->type_name("FILE");
  sub->add_option("--license-cert", o->license_cert,
                  "verify JWT license signatures (RS256/RS512/PS256/PS512/ES256/ES384) with the "
                  "key of this certificate or public key PEM")
      ->type_name("FILE");
  add_threshold_options(*sub, o->thresholds, true);
  sub->add_option("--at", o->at, "judge at this RFC 3339 time (default: now)")->type_name("TIME");
  sub->add_option("--fail-on", o->fail_on, "exit 1 when anything reaches this status")
      ->check(CLI::IsMember({"warning", "critical", "expired"}))
      ->capture_default_str();
  sub->add_option("-o,--output", o->output,
                  "report format: text (cut to fit a terminal, never when piped), wide (text, "
                  "never cut), table (kubeadm's view: certificates, then CAs), json, prometheus")
      ->check(CLI::IsMember({"text", "wide", "table", "json", "prometheus"}))
      ->capture_default_str();
  sub->add_flag(
      "--no-dedupe", o->no_dedupe,
      "one row per place a certificate was found (default: once per distinct "
      "certificate, by SHA-256 fingerprint; json always has one entry per place, prometheus "
      "one series per file)");
  sub->add_option("--output-file", o->output_file,
                  "write the report to FILE atomically (temporary file in the same directory, "
                  "fsync, rename; mode 0644), as node_exporter's textfile collector needs")
      ->type_name("FILE");
  sub->footer(
      "\nStatus: ok, warning (less than --warn left or --warn PERCENT used), critical (less\n"
      "than --crit left), expired, not_yet_valid. DAYS is floor(seconds left / 86400): -1 one\n"
      "second after not after. Licenses: valid, warning, critical, in_grace_period, expired\n"
      "(Tigera rules: strictly after expiry, then after expiry plus the grace period).\n"
      "An endpoint's chain is verified apart: verified, unverified (exit 1) or ignored.\n" +
      exit_status_footer(
          {{ExitCode::ok, "all fine"},
           {ExitCode::check_failed,
            "something reached --fail-on, or a --connect chain did not verify"},
           {ExitCode::usage, "usage error"},
           {ExitCode::cannot_run,
            "an input could not be read or parsed (the others are still reported); 3 wins over "
            "1, and the last line names both"},
           {ExitCode::interrupted, "interrupted (SIGINT)"}}));
  sub->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace promtls::cli
