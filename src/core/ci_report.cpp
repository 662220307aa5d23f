#include "promtls/core/ci_report.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

namespace promtls::core {
namespace {

struct CodeDescription {
  std::string_view code;
  std::string_view text;
  CodeEffect effect = CodeEffect::component;
};

// Every finding code promtls emits, with what it means and whom an error of it stops (the
// verdict line, report.hpp). Keep in step with the checks; a unit test runs the evaluators and
// fails on a code missing here.
constexpr std::array kCodes{
    CodeDescription{"cert-expired", "The serving certificate has expired."},
    CodeDescription{"cert-expires-soon", "The serving certificate expires within --warn-days."},
    CodeDescription{"cert-file-bad-blocks",
                    "A CERTIFICATE block of the certificate file does not parse.",
                    CodeEffect::promtls_serve},
    CodeDescription{"cert-chain-out-of-order",
                    "The certificate file lists the leaf after its issuer; it must come first."},
    CodeDescription{"cert-file-no-certificate",
                    "The certificate file holds no parsable CERTIFICATE block."},
    CodeDescription{"cert-file-not-pem", "The certificate file holds no PEM data."},
    CodeDescription{"cert-file-unreadable", "The certificate file cannot be read."},
    CodeDescription{"cert-key-mismatch", "The private key does not match the certificate."},
    CodeDescription{"cert-missing-service-name",
                    "The serving certificate lacks the DNS name the ServiceMonitor verifies."},
    CodeDescription{"cert-no-server-auth-eku",
                    "The serving certificate's extended key usage does not allow serverAuth."},
    CodeDescription{"cert-not-yet-valid", "The serving certificate is not valid yet."},
    CodeDescription{"cert-sha1-signature", "A certificate is signed with SHA-1."},
    CodeDescription{"cipher-suite-tls13-listed", "A TLS 1.3 suite is listed where Go ignores it."},
    CodeDescription{"cipher-suite-unknown",
                    "A cipher suite name is not one of Go's secure suites (a startup error)."},
    CodeDescription{"cipher-suite-weak", "A CBC or non-forward-secret cipher suite is enabled."},
    CodeDescription{"cipher-suites-ignored",
                    "Cipher suites are set while the minimum version is TLS 1.3."},
    CodeDescription{"client-auth-invalid", "The client-auth mode is not recognised (fatal)."},
    CodeDescription{"client-auth-unverified",
                    "Client certificates are required but never verified."},
    CodeDescription{"client-ca-bad-blocks", "Some blocks of the client CA bundle do not parse."},
    CodeDescription{"client-ca-expired", "A client CA certificate has expired."},
    CodeDescription{"client-ca-expires-soon",
                    "A client CA certificate expires within --warn-days."},
    CodeDescription{"client-ca-loaded-without-client-auth",
                    "The client CA file is read although no client certificate is requested."},
    CodeDescription{"client-ca-no-certificates", "The client CA file holds no valid certificate."},
    CodeDescription{"client-ca-not-ca", "A certificate in the client CA bundle is not a CA."},
    CodeDescription{"client-ca-not-yet-valid", "A client CA certificate is not valid yet."},
    CodeDescription{"client-ca-required", "Client verification is on but no CA file is set."},
    CodeDescription{"client-ca-unreadable", "The client CA file cannot be read."},
    CodeDescription{"client-ca-without-client-auth",
                    "A client CA file is set while client auth is off (knative refuses it)."},
    CodeDescription{"container-not-found", "No container has the name given to --container."},
    CodeDescription{"curve-order-ignored", "Go ignores the order of the curve preferences."},
    CodeDescription{"curve-unknown", "A curve name is not in knative's map (a startup error)."},
    CodeDescription{"curve-unsupported-by-tls-library",
                    "serve and selftest --local: promtls' own TLS library cannot negotiate a "
                    "requested group."},
    CodeDescription{"env-file-syntax", "A line of an env file is malformed.", CodeEffect::input},
    CodeDescription{"envfrom-unresolved",
                    "An envFrom source is not in the input, so its variables are unknown."},
    CodeDescription{"go-post-quantum",
                    "knative's Go server negotiates X25519MLKEM768 with clients that offer it."},
    CodeDescription{
        "go-post-quantum-off",
        "knative's Go server will not negotiate X25519MLKEM768 with this configuration."},
    CodeDescription{"host-listen-failure", "The host value makes the listener fail."},
    CodeDescription{"http2-cipher-missing",
                    "The cipher list lacks the suite Go's HTTP/2 server requires."},
    CodeDescription{"key-encrypted", "The private key is encrypted."},
    CodeDescription{"key-file-invalid", "The private key does not parse."},
    CodeDescription{"key-file-no-key", "The key file holds no PRIVATE KEY block."},
    CodeDescription{"key-file-not-pem", "The key file holds no PEM data."},
    CodeDescription{"key-file-permissive", "The key file is readable by group or others."},
    CodeDescription{"key-file-unreadable", "The key file cannot be read."},
    CodeDescription{"key-file-world-writable",
                    "The key file is writable by others; promtls serve refuses it.",
                    CodeEffect::promtls_serve},
    CodeDescription{"manifest-duplicate-key",
                    "A YAML mapping repeats a key; the API server's strict decoding refuses it.",
                    CodeEffect::api_server},
    CodeDescription{"manifest-nothing-checked",
                    "No container in the manifests sets a variable of the profile."},
    CodeDescription{"manifest-secret-not-base64",
                    "A Secret data value is not base64; the API server refuses the Secret.",
                    CodeEffect::api_server},
    CodeDescription{"manifest-syntax", "A manifest document is not valid YAML or JSON.",
                    CodeEffect::input},
    CodeDescription{"manifest-value-not-string",
                    "An env value is an unquoted number or boolean, which the API server rejects.",
                    CodeEffect::api_server},
    CodeDescription{"metrics-address-ignored",
                    "METRICS_HOST or METRICS_PORT is set while metrics are off."},
    CodeDescription{"metrics-disabled", "The Tigera operator serves no metrics."},
    CodeDescription{"metrics-enabled-not-true",
                    "METRICS_ENABLED looks true but is not \"true\", so metrics are off."},
    CodeDescription{"mtls-requires-tls", "Client-auth settings are given while TLS is off."},
    CodeDescription{"operator-name-san-mismatch",
                    "OPERATOR_NAME changes the certificate names but not the Service name."},
    CodeDescription{"path-outside-volume-mounts",
                    "A credential path is outside every volumeMount of the container."},
    CodeDescription{"port-invalid", "The port value cannot be used (a startup error)."},
    CodeDescription{"port-out-of-range", "The port is outside 1024-65535 (a startup error)."},
    CodeDescription{"port-service-mismatch",
                    "The operator listens on a port its Service does not target."},
    CodeDescription{"port-service-name", "The port is a service name resolved at run time."},
    CodeDescription{"profile-auto", "Which profile --profile auto picked, and why."},
    CodeDescription{"profile-ambiguous",
                    "TLS_MIN_VERSION could be knative/eventing's or the Tigera operator's: pass "
                    "--profile."},
    CodeDescription{"profile-mixed",
                    "Variables of both profiles are present; promtls serves or tests only one."},
    CodeDescription{"rsa-key-too-small", "The RSA key is shorter than 2048 bits."},
    CodeDescription{"scheme-not-https", "METRICS_SCHEME is neither https nor http."},
    CodeDescription{"scrape-ca-mismatch",
                    "The monitor's CA does not verify the serving certificate's chain.",
                    CodeEffect::scraper},
    CodeDescription{"scrape-client-cert-untrusted",
                    "The monitor's client certificate is not issued by the endpoint's client CA.",
                    CodeEffect::scraper},
    CodeDescription{"scrape-client-cert-usage",
                    "The monitor's client certificate lacks the clientAuth extended key usage.",
                    CodeEffect::scraper},
    CodeDescription{"scrape-client-cert-validity",
                    "The monitor's client certificate is expired or not yet valid at --at.",
                    CodeEffect::scraper},
    CodeDescription{"scrape-insecure-skip-verify",
                    "The monitor sets insecureSkipVerify: any server certificate is accepted.",
                    CodeEffect::scraper},
    CodeDescription{"scrape-no-client-certificate",
                    "The endpoint requires a client certificate and the monitor presents none.",
                    CodeEffect::scraper},
    CodeDescription{
        "scrape-not-checked",
        "Part of a monitor's scrape path could not be checked (what is missing is named).",
        CodeEffect::scraper},
    CodeDescription{"scrape-port-mismatch",
                    "The monitor's scrape reaches a port the metrics server does not listen on.",
                    CodeEffect::scraper},
    CodeDescription{"scrape-scheme-mismatch",
                    "The monitor's scheme (http or https) is not what the metrics server serves.",
                    CodeEffect::scraper},
    CodeDescription{"scrape-selects-nothing",
                    "A monitor endpoint selects no Service or pod of the input.",
                    CodeEffect::scraper},
    CodeDescription{"scrape-server-name-mismatch",
                    "The name Prometheus verifies is not in the serving certificate's SANs.",
                    CodeEffect::scraper},
    CodeDescription{"scrape-tls-version-mismatch",
                    "The monitor's TLS version range and the endpoint's do not overlap.",
                    CodeEffect::scraper},
    CodeDescription{"secret-files-checked",
                    "The credential files were checked on the data of a Secret of the input."},
    CodeDescription{"servicemonitor-scheme-mismatch",
                    "The operator serves HTTP while its ServiceMonitor scrapes with https."},
    CodeDescription{"tls-cert-key-unpaired",
                    "Only one of the certificate and key is set (a startup error)."},
    CodeDescription{"tls-library-cve-2026-2673",
                    "serve and selftest --local: promtls' own OpenSSL loses group tuples written "
                    "with DEFAULT (CVE-2026-2673)."},
    CodeDescription{"tls-disabled", "TLS is off: metrics are served over plain HTTP."},
    CodeDescription{"tls-min-above-max", "The minimum TLS version is above the maximum."},
    CodeDescription{"tls-parsed-while-metrics-disabled",
                    "TLS settings are parsed, and fatal, although metrics are off."},
    CodeDescription{"tls-settings-ignored-without-https",
                    "A TLS setting is given while METRICS_SCHEME is not https."},
    CodeDescription{"tls-version-invalid", "The TLS version value is not accepted (fatal)."},
    CodeDescription{"tuning-ignored-without-tls", "A TLS tuning variable is set while TLS is off."},
    CodeDescription{"unknown-variable", "A variable of the component's family is not known."},
    CodeDescription{"value-from-unresolved",
                    "A variable comes from valueFrom, which promtls cannot resolve."},
    CodeDescription{"value-whitespace",
                    "A value has leading or trailing white space that is kept."},
    CodeDescription{"variable-wrong-case",
                    "A known variable written in another case; names are case-sensitive."},
};

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

bool target_fails(const TargetReport& t, bool strict) {
  return fails(t.evaluation.findings, strict);
}

bool has_position(const Finding& f) {
  return f.origin && !f.origin->file.empty() && f.origin->line != 0;
}

// One line of plain text for a finding: "error code VAR: message (source)".
std::string finding_line(const Finding& f) {
  std::string out = std::string(to_string(f.severity)) + " " + f.code;
  if (!f.variables.empty()) out += " " + f.variables.front();
  out += ": " + f.message;
  if (f.origin) out += " (" + f.origin->to_string() + ")";
  return out;
}

// Replaces bytes that are not valid UTF-8, and control characters other than tab and newline,
// with "\xNN": XML 1.0 cannot carry them at all, even as character references.
std::string xml_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    bool ok = len != 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    }
    if (!ok || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
      ++i;
      continue;
    }
    if (len == 1) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        default:
          out += static_cast<char>(c);
      }
    } else {
      out.append(in.substr(i, len));
    }
    i += len;
  }
  return out;
}

// GitHub workflow command escaping (actions/toolkit's escapeData and escapeProperty).
std::string gh_data(std::string_view in) {
  std::string out;
  for (const char c : in) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out;
}

std::string gh_property(std::string_view in) {
  std::string out;
  for (const char c : gh_data(in)) {
    if (c == ':') {
      out += "%3A";
    } else if (c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view sarif_level(Severity s) {
  switch (s) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::info:
      return "note";
  }
  return "note";
}

// A URI for a file path: a relative reference for a relative path, a file: URI for an absolute
// one (SARIF §3.4.3: a relative reference must not begin with a slash, or it will not combine
// with a uriBaseId); what may not appear literally is percent-encoded.
std::string file_uri(std::string_view path) {
  std::string out = path.rfind('/', 0) == 0 ? "file://" : "";
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || std::string_view("/-._~").find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// A text as a sentence of its own: ends with a full stop unless it already ends a sentence.
std::string sentence(std::string_view text) {
  std::string out(text);
  if (!out.empty() && std::string_view(".!?").find(out.back()) == std::string_view::npos) {
    out += '.';
  }
  return out;
}

// A rule's name, readable where its id is the stable code: "cert-key-mismatch" is
// "CertKeyMismatch" (SARIF §3.49.7: a name equal to the id is to be omitted).
std::string rule_name(std::string_view code) {
  std::string out;
  bool upper = true;
  for (const char c : code) {
    if (c == '-') {
      upper = true;
    } else {
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return out;
}

// A manifest's files are in the pod, not skipped by --offline: its verdict says so.
TextStyle target_style(const TargetReport& t, TextStyle style = {}) {
  if (t.location) style.files_not_read_because = "they are in the pod";
  return style;
}

std::string verdict_line(const TargetReport& t, bool strict) {
  const auto counts = count(t.evaluation.findings);
  return std::string(target_fails(t, strict) ? "INVALID" : "valid") + " " + t.name + ": " +
         plural(counts.errors, "error") + ", " + plural(counts.warnings, "warning") + "; " +
         judge(t.evaluation, target_style(t)).text;
}

}  // namespace

bool run_fails(const ValidateRun& run) {
  if (fails(run.findings, run.strict)) return true;
  return std::any_of(run.targets.begin(), run.targets.end(),
                     [&](const TargetReport& t) { return target_fails(t, run.strict); });
}

std::string_view describe_code(std::string_view code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c.text;
  }
  return "A promtls validate finding.";
}

CodeEffect code_effect(std::string_view code) {
  for (const auto& c : kCodes) {
    if (c.code == code) return c.effect;
  }
  return CodeEffect::component;
}

std::string render_run_text(const ValidateRun& run, const TextStyle& style) {
  std::ostringstream out;
  write_run_text(run, style, out);
  return std::move(out).str();
}

void write_run_text(const ValidateRun& run, const TextStyle& style, std::ostream& os) {
  if (run.targets.size() == 1 && !run.targets.front().location && run.findings.empty()) {
    os << render_validate_text(run.targets.front().evaluation, run.strict, style);
    return;
  }
  // Written a target at a time: `out` holds what is not written yet.
  std::string out;
  bool wrote = false;
  for (const Finding& f : run.findings) {
    out += finding_line(f) + "\n";
    if (!f.hint.empty()) out += "  hint: " + f.hint + "\n";
  }
  std::size_t invalid = 0;
  for (const TargetReport& t : run.targets) {
    out += (out.empty() && !wrote ? "== " : "\n== ") + t.name;
    if (t.location) out += " (" + t.location->file + ":" + std::to_string(t.location->line) + ")";
    out += " [" + std::string(to_string(t.evaluation.config.profile)) + "]\n";
    out += render_validate_text(t.evaluation, run.strict, target_style(t, style));
    if (target_fails(t, run.strict)) ++invalid;
    os << out;
    wrote = true;
    out.clear();
  }
  const auto run_counts = count(run.findings);
  out += "\n" + std::string(run_fails(run) ? "INVALID" : "valid") + ": " +
         plural(run.targets.size(), "container") + " checked, " + std::to_string(invalid) +
         " invalid";
  const auto scrape_errors = static_cast<std::size_t>(
      std::count_if(run.findings.begin(), run.findings.end(), [](const Finding& f) {
        return f.severity == Severity::error && code_effect(f.code) == CodeEffect::scraper;
      }));
  if (scrape_errors > 0) out += ", " + plural(scrape_errors, "scrape path error");
  if (run_counts.errors > scrape_errors) {
    out += ", " + plural(run_counts.errors - scrape_errors, "input error");
  }
  const auto refused = static_cast<std::size_t>(
      std::count_if(run.findings.begin(), run.findings.end(), [](const Finding& f) {
        return f.severity == Severity::error && code_effect(f.code) == CodeEffect::api_server;
      }));
  if (refused > 0) {
    out += " (the API server refuses " + std::string(refused == 1 ? "an object" : "objects") +
           " of the input: the errors above)";
  }
  out += "\n";
  os << out;
}

namespace {

using ojson = nlohmann::ordered_json;

std::string dump_json(const ojson& j) {
  return j.dump(2, ' ', false, ojson::error_handler_t::replace);
}

// Writes `skeleton` as dump_json() would after its array at `array` had received `count`
// elements element(0), element(1), ...: each element is built, written and freed in turn. The
// array is the last value of every object and array around it (the placeholder written last).
void write_streamed(ojson skeleton, const ojson::json_pointer& array, std::size_t count,
                    const std::function<ojson(std::size_t)>& element, std::ostream& out) {
  if (count == 0) {
    skeleton[array] = ojson::array();
    out << dump_json(skeleton) << '\n';
    return;
  }
  skeleton[array] = ojson::array({0});
  const std::string text = dump_json(skeleton);
  // dump(2) indents an element of the array by two spaces per level: one per step of the
  // pointer, and one for the element.
  const std::string where = array.to_string();
  const auto steps = static_cast<std::size_t>(std::count(where.begin(), where.end(), '/'));
  const std::string pad(2 * (steps + 1), ' ');
  const std::string placeholder = "\n" + pad + "0\n";
  const std::size_t at = text.rfind(placeholder);
  out << std::string_view(text).substr(0, at);
  // One buffer for every element: its line breaks are copied a line at a time with the pad.
  std::string indented;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string item = dump_json(element(i));
    indented.assign(i == 0 ? "\n" : ",\n");
    indented += pad;
    std::size_t from = 0;
    for (std::size_t nl = item.find('\n'); nl != std::string::npos; nl = item.find('\n', from)) {
      indented.append(item, from, nl + 1 - from);
      indented += pad;
      from = nl + 1;
    }
    indented.append(item, from);
    out << indented;
  }
  out << std::string_view(text).substr(at + placeholder.size() - 1) << '\n';
}

ojson target_entry(const TargetReport& t, bool strict) {
  ojson j = validate_json(t.evaluation, strict, target_style(t));
  ojson entry = {{"target", t.name}};
  entry["file"] = t.location ? ojson(t.location->file) : nullptr;
  entry["line"] = t.location ? ojson(t.location->line) : nullptr;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "schema") entry[it.key()] = std::move(it.value());
  }
  return entry;
}

// run_json() without its targets' entries (an empty array).
ojson run_skeleton(const ValidateRun& run) {
  std::size_t invalid = 0;
  FindingCounts totals = count(run.findings);
  for (const TargetReport& t : run.targets) {
    if (target_fails(t, run.strict)) ++invalid;
    const auto c = count(t.evaluation.findings);
    totals.errors += c.errors;
    totals.warnings += c.warnings;
    totals.infos += c.infos;
  }
  ojson findings = ojson::array();
  for (const Finding& f : run.findings) findings.push_back(finding_json(f));
  return {{"schema", "promtls/validate-manifests/v1"},
          {"valid", !run_fails(run)},
          {"summary",
           {{"targets", run.targets.size()},
            {"invalid", invalid},
            {"errors", totals.errors},
            {"warnings", totals.warnings},
            {"infos", totals.infos}}},
          {"findings", std::move(findings)},
          {"targets", ojson::array()}};
}

}  // namespace

nlohmann::ordered_json run_json(const ValidateRun& run) {
  ojson j = run_skeleton(run);
  for (const TargetReport& t : run.targets) j["targets"].push_back(target_entry(t, run.strict));
  return j;
}

void write_run_json(const ValidateRun& run, std::ostream& out) {
  write_streamed(
      run_skeleton(run), ojson::json_pointer("/targets"), run.targets.size(),
      [&](std::size_t i) { return target_entry(run.targets[i], run.strict); }, out);
}

std::string render_github(const ValidateRun& run) {
  std::string out;
  const auto emit = [&](const Finding& f, const std::string& target) {
    // Errors and warnings are always annotations (without file and line when the finding has
    // no position: GitHub then shows them on the run); infos only where they point at a line.
    if (f.severity == Severity::info && !has_position(f)) {
      out += finding_line(f) + (target.empty() ? "" : " [" + target + "]") + "\n";
      return;
    }
    const std::string_view command = f.severity == Severity::error     ? "error"
                                     : f.severity == Severity::warning ? "warning"
                                                                       : "notice";
    std::string title = f.code;
    if (!f.variables.empty()) title += " " + f.variables.front();
    std::string message = f.message;
    if (!has_position(f) && f.origin) message += " (" + f.origin->to_string() + ")";
    if (!target.empty()) message += " [" + target + "]";
    if (!f.hint.empty()) message += "\nhint: " + f.hint;
    std::string properties;
    if (has_position(f)) {
      properties =
          "file=" + gh_property(f.origin->file) + ",line=" + std::to_string(f.origin->line) + ",";
    }
    out += "::" + std::string(command) + " " + properties + "title=" + gh_property(title) +
           "::" + gh_data(message) + "\n";
  };
  for (const Finding& f : run.findings) emit(f, {});
  for (const TargetReport& t : run.targets) {
    for (const Finding& f : t.evaluation.findings) emit(f, t.location ? t.name : std::string());
    out += verdict_line(t, run.strict) + "\n";
  }
  return out;
}

std::string render_junit(const ValidateRun& run) {
  struct Case {
    std::string classname;
    std::string name;
    std::vector<const Finding*> findings;
    std::string upstream_error;
    bool failed = false;
  };
  std::vector<Case> cases;
  // Run-level findings, one testcase per input they are about.
  for (const Finding& f : run.findings) {
    const std::string file = f.origin ? f.origin->file : f.subject;
    auto it = std::find_if(cases.begin(), cases.end(),
                           [&](const Case& c) { return c.classname == file; });
    if (it == cases.end()) {
      cases.push_back(Case{file, file.empty() ? "input" : file + " (input)", {}, {}, false});
      it = cases.end() - 1;
    }
    it->findings.push_back(&f);
    it->failed = it->failed || f.severity == Severity::error ||
                 (run.strict && f.severity == Severity::warning);
  }
  for (const TargetReport& t : run.targets) {
    Case c{t.location ? t.location->file : "environment", t.name, {}, {}, false};
    for (const Finding& f : t.evaluation.findings) c.findings.push_back(&f);
    c.failed = target_fails(t, run.strict);
    if (!t.evaluation.upstream.accepts) c.upstream_error = t.evaluation.upstream.error;
    cases.push_back(std::move(c));
  }
  const std::size_t failures = static_cast<std::size_t>(
      std::count_if(cases.begin(), cases.end(), [](const Case& c) { return c.failed; }));
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  const std::string counts = " tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"0\"";
  out += "<testsuites name=\"promtls validate\"" + counts + ">\n";
  out += "  <testsuite name=\"promtls validate\"" + counts + " skipped=\"0\">\n";
  for (const Case& c : cases) {
    out += "    <testcase classname=\"" + xml_text(c.classname) + "\" name=\"" + xml_text(c.name) +
           "\"";
    if (c.findings.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (c.failed) {
      const Finding* first = nullptr;
      std::string body;
      for (const Finding* f : c.findings) {
        const bool failing =
            f->severity == Severity::error || (run.strict && f->severity == Severity::warning);
        if (!failing) continue;
        if (first == nullptr) first = f;
        body += finding_line(*f) + "\n";
        if (!f->hint.empty()) body += "  hint: " + f->hint + "\n";
      }
      const std::string message = !c.upstream_error.empty() ? c.upstream_error
                                  : first != nullptr        ? first->message
                                                            : std::string("check failed");
      out += "      <failure message=\"" + xml_text(message) + "\" type=\"" +
             xml_text(first != nullptr ? first->code : "check-failed") + "\">" + xml_text(body) +
             "</failure>\n";
    }
    std::string all;
    for (const Finding* f : c.findings) all += finding_line(*f) + "\n";
    out += "      <system-out>" + xml_text(all) + "</system-out>\n";
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

namespace {

// SARIF's results, one per finding (the run's, then each target's), and its rules, one per code
// in order of first appearance.
class SarifResults {
 public:
  explicit SarifResults(const ValidateRun& run) {
    for (const Finding& f : run.findings) add(f, nullptr);
    for (const TargetReport& t : run.targets) {
      for (const Finding& f : t.evaluation.findings) add(f, &t);
    }
  }

  std::size_t size() const { return results_.size(); }

  ojson result(std::size_t i) const {
    const Finding& f = *results_[i].first;
    const TargetReport* t = results_[i].second;
    const auto it = std::find(rule_ids_.begin(), rule_ids_.end(), f.code);
    // The hint is a sentence of its own after the message's.
    std::string text = sentence(f.message);
    if (!f.hint.empty()) text += " Hint: " + sentence(f.hint);
    ojson r = {{"ruleId", f.code},
               {"ruleIndex", static_cast<std::size_t>(it - rule_ids_.begin())},
               {"level", sarif_level(f.severity)},
               {"message", {{"text", text}}}};
    ojson location = ojson::object();
    if (has_position(f)) {
      location["physicalLocation"] = {{"artifactLocation", {{"uri", file_uri(f.origin->file)}}},
                                      {"region", {{"startLine", f.origin->line}}}};
    }
    const std::string logical = t != nullptr ? t->name
                                : f.origin   ? f.origin->to_string()
                                             : std::string("promtls validate");
    location["logicalLocations"] = ojson::array(
        {{{"name", logical}, {"kind", t != nullptr && t->location ? "resource" : "module"}}});
    r["locations"] = ojson::array({location});
    ojson props = {{"variables", f.variables}};
    if (f.origin) props["source"] = f.origin->to_string();
    r["properties"] = std::move(props);
    return r;
  }

  // The document without its results (an empty array).
  ojson skeleton(std::string_view tool_version) const {
    ojson rules = ojson::array();
    for (const std::string& id : rule_ids_) {
      rules.push_back({{"id", id},
                       {"name", rule_name(id)},
                       {"shortDescription", {{"text", describe_code(id)}}},
                       {"fullDescription", {{"text", describe_code(id)}}},
                       {"defaultConfiguration", {{"level", sarif_level(rule_level_.at(id))}}}});
    }
    ojson driver = {{"name", "promtls"},
                    {"version", tool_version},
                    {"semanticVersion", tool_version},
                    {"rules", std::move(rules)}};
    ojson invocation = {{"executionSuccessful", true}};
    return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
            {"version", "2.1.0"},
            {"runs", ojson::array({{{"tool", {{"driver", std::move(driver)}}},
                                    {"invocations", ojson::array({invocation})},
                                    {"columnKind", "unicodeCodePoints"},
                                    {"results", ojson::array()}}})}};
  }

 private:
  void add(const Finding& f, const TargetReport* t) {
    if (std::find(rule_ids_.begin(), rule_ids_.end(), f.code) == rule_ids_.end()) {
      rule_ids_.push_back(f.code);
      rule_level_[f.code] = f.severity;
    } else {
      rule_level_[f.code] = std::max(rule_level_[f.code], f.severity);
    }
    results_.emplace_back(&f, t);
  }

  std::vector<std::string> rule_ids_;
  std::map<std::string, Severity> rule_level_;
  std::vector<std::pair<const Finding*, const TargetReport*>> results_;
};

}  // namespace

nlohmann::ordered_json sarif_json(const ValidateRun& run, std::string_view tool_version) {
  const SarifResults results(run);
  ojson j = results.skeleton(tool_version);
  ojson& list = j["runs"][0]["results"];
  for (std::size_t i = 0; i < results.size(); ++i) list.push_back(results.result(i));
  return j;
}

void write_sarif_json(const ValidateRun& run, std::string_view tool_version, std::ostream& out) {
  const SarifResults results(run);
  write_streamed(
      results.skeleton(tool_version), ojson::json_pointer("/runs/0/results"), results.size(),
      [&](std::size_t i) { return results.result(i); }, out);
}

}  // namespace promtls::core
