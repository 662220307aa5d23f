#include "promtls/core/scrape_config.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "json_view.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/core/go.hpp"
#include "promtls/core/kube.hpp"
#include "promtls/core/scrape_path.hpp"
#include "promtls/core/time.hpp"
#include "promtls/core/tls_catalog.hpp"
#include "selftest_text.hpp"

namespace promtls::core {
namespace {

using nlohmann::json;

// Prometheus' model.ParseDuration: whole numbers with units y, w, d, h, m, s, ms, largest first,
// each at most once ("1m30s", "500ms"). Returns seconds.
std::optional<double> parse_prometheus_duration(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, double>, 7> kUnits{{{"y", 365 * 86400.0},
                                                                              {"w", 7 * 86400.0},
                                                                              {"d", 86400.0},
                                                                              {"h", 3600.0},
                                                                              {"m", 60.0},
                                                                              {"s", 1.0},
                                                                              {"ms", 0.001}}};
  if (text == "0") return 0.0;
  if (text.empty()) return std::nullopt;
  double total = 0;
  std::size_t next_unit = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j == i || j - i > 12) return std::nullopt;
    const double number = std::stod(std::string(text.substr(i, j - i)));
    std::size_t k = j;
    while (k < text.size() && (text[k] < '0' || text[k] > '9')) ++k;
    const std::string_view unit = text.substr(j, k - j);
    std::size_t u = next_unit;
    while (u < kUnits.size() && kUnits[u].first != unit) ++u;
    if (u == kUnits.size()) return std::nullopt;
    total += number * kUnits[u].second;
    next_unit = u + 1;
    i = k;
  }
  return total;
}

// The host of "host:port" or "[v6]:port" (without brackets); "" when there is no port.
std::string host_of(std::string_view target, std::string* port = nullptr) {
  std::size_t colon = std::string_view::npos;
  std::string host;
  if (!target.empty() && target.front() == '[') {
    const std::size_t close = target.find(']');
    if (close == std::string_view::npos) return {};
    host = std::string(target.substr(1, close - 1));
    if (close + 1 < target.size() && target[close + 1] == ':') colon = close + 1;
  } else {
    colon = target.rfind(':');
    host = std::string(target.substr(0, colon));
    if (host.find(':') != std::string::npos) return {};
  }
  if (colon == std::string_view::npos) return {};
  if (port != nullptr) *port = std::string(target.substr(colon + 1));
  return host;
}

// Prometheus resolves a relative file name against the configuration file's directory.
std::string resolve(const std::string& dir, const std::string& file) {
  if (file.empty() || file.front() == '/' || dir.empty()) return file;
  return dir + "/" + file;
}

struct Reader {
  const std::string& path;
  std::string& error;

  bool fail(const std::string& where, const std::string& what) {
    error = path + ": " + where + ": " + what;
    return false;
  }
  // A string field: absent leaves `out`; anything but a string is an error.
  bool string_field(const json& object, const char* key, const std::string& where,
                    std::string& out) {
    if (!object.contains(key) || object[key].is_null()) return true;
    if (!object[key].is_string()) return fail(where + "." + key, "expected a string");
    out = object[key].get<std::string>();
    return true;
  }
  bool duration_field(const json& object, const char* key, const std::string& where, double& out) {
    std::string text;
    if (!string_field(object, key, where, text)) return false;
    if (text.empty()) return true;
    const auto seconds = parse_prometheus_duration(text);
    if (!seconds) return fail(where + "." + key, "not a duration: \"" + text + "\"");
    out = *seconds;
    return true;
  }
};

bool read_tls(Reader& r, const json& tls, const std::string& where, const std::string& dir,
              ScrapeTls& out, std::vector<std::string>& not_reproduced) {
  if (!tls.is_object()) return r.fail(where, "expected a mapping");
  for (const auto& [key, value] : tls.items()) {
    if (key == "ca" || key == "cert" || key == "key") {
      not_reproduced.push_back("tls_config." + key +
                               " (inline PEM): selftest reads ca_file, cert_file and key_file");
    }
  }
  if (!r.string_field(tls, "ca_file", where, out.ca_file) ||
      !r.string_field(tls, "cert_file", where, out.cert_file) ||
      !r.string_field(tls, "key_file", where, out.key_file) ||
      !r.string_field(tls, "server_name", where, out.server_name) ||
      !r.string_field(tls, "ca", where, out.ca) || !r.string_field(tls, "cert", where, out.cert) ||
      !r.string_field(tls, "key", where, out.key)) {
    return false;
  }
  out.ca_file = resolve(dir, out.ca_file);
  out.cert_file = resolve(dir, out.cert_file);
  out.key_file = resolve(dir, out.key_file);
  // Prometheus' TLSConfig.Validate: at most one of each pair, and a certificate with a key.
  for (const auto& [inline_pem, file, name] :
       {std::tuple{&out.ca, &out.ca_file, "ca"}, std::tuple{&out.cert, &out.cert_file, "cert"},
        std::tuple{&out.key, &out.key_file, "key"}}) {
    if (!inline_pem->empty() && !file->empty()) {
      return r.fail(where, std::string("at most one of ") + name + " and " + name +
                               "_file must be configured");
    }
  }
  if (out.cert_file.empty() && out.cert.empty() && (!out.key_file.empty() || !out.key.empty())) {
    return r.fail(where, "cert_file and key_file must be set together");
  }
  if ((!out.cert_file.empty() || !out.cert.empty()) && out.key_file.empty() && out.key.empty()) {
    return r.fail(where, "cert_file and key_file must be set together");
  }
  if (tls.contains("insecure_skip_verify")) {
    if (!tls["insecure_skip_verify"].is_boolean()) {
      return r.fail(where + ".insecure_skip_verify", "expected true or false");
    }
    out.insecure_skip_verify = tls["insecure_skip_verify"].get<bool>();
  }
  for (const auto& [key, field] :
       {std::pair{"min_version", &out.min_version}, std::pair{"max_version", &out.max_version}}) {
    std::string text;
    if (!r.string_field(tls, key, where, text)) return false;
    if (text.empty()) continue;
    const auto version = parse_config_version(text);
    if (!version) {
      return r.fail(where + "." + key,
                    "unknown TLS version: " + text + " (TLS10, TLS11, TLS12 or TLS13)");
    }
    *field = *version;
  }
  if (out.min_version != 0 && out.max_version != 0 && out.min_version > out.max_version) {
    return r.fail(where, "max_version must be greater than or equal to min_version");
  }
  return true;
}

bool read_job(Reader& r, const json& j, const std::string& where, const std::string& dir,
              double global_timeout, ScrapeJob& job) {
  if (!j.is_object()) return r.fail(where, "expected a mapping");
  if (!r.string_field(j, "job_name", where, job.name)) return false;
  if (job.name.empty()) return r.fail(where, "job_name is empty");
  const std::string at = where + " (job " + job.name + ")";
  if (!r.string_field(j, "scheme", at, job.scheme)) return false;
  if (job.scheme != "http" && job.scheme != "https") {
    return r.fail(at + ".scheme", "unsupported scheme \"" + job.scheme + "\" (http or https)");
  }
  if (!r.string_field(j, "metrics_path", at, job.metrics_path)) return false;
  job.timeout_s = global_timeout;
  if (!r.duration_field(j, "scrape_timeout", at, job.timeout_s)) return false;
  if (j.contains("tls_config") &&
      !read_tls(r, j["tls_config"], at + ".tls_config", dir, job.tls, job.not_reproduced)) {
    return false;
  }
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kNotReproduced{{
      {"basic_auth", "basic_auth: selftest sends no credentials"},
      {"authorization", "authorization: selftest sends no Authorization header"},
      {"bearer_token", "bearer_token: selftest sends no Authorization header"},
      {"bearer_token_file", "bearer_token_file: selftest sends no Authorization header"},
      {"oauth2", "oauth2: selftest sends no token"},
      {"proxy_url", "proxy_url: selftest connects directly"},
      {"params", "params: selftest sends no query parameters"},
      {"relabel_configs", "relabel_configs: targets are scraped as listed, before relabeling"},
      {"honor_labels", ""},
  }};
  for (const auto& [key, sentence] : kNotReproduced) {
    if (!sentence.empty() && j.contains(std::string(key))) {
      job.not_reproduced.emplace_back(sentence);
    }
  }
  for (const auto& [key, value] : j.items()) {
    if (key.size() > 11 && key.compare(key.size() - 11, 11, "_sd_configs") == 0) {
      job.not_reproduced.push_back(key + ": only static_configs targets are scraped");
    }
  }
  if (!j.contains("static_configs")) return true;
  const json& statics = j["static_configs"];
  if (!statics.is_array()) return r.fail(at + ".static_configs", "expected a list");
  for (std::size_t i = 0; i < statics.size(); ++i) {
    const std::string sw = at + ".static_configs[" + std::to_string(i) + "]";
    if (!statics[i].is_object()) return r.fail(sw, "expected a mapping");
    if (!statics[i].contains("targets")) continue;
    const json& targets = statics[i]["targets"];
    if (!targets.is_array()) return r.fail(sw + ".targets", "expected a list");
    for (const json& t : targets) {
      if (!t.is_string()) return r.fail(sw + ".targets", "expected strings");
      std::string target = t.get<std::string>();
      std::string port;
      if (host_of(target, &port).empty()) {
        // Prometheus 2 adds the scheme's port to a target without one.
        const bool bare_v6 = target.find(':') != std::string::npos && target.front() != '[';
        if (target.empty() || bare_v6 || target.front() == '[') {
          return r.fail(sw + ".targets", "\"" + target + "\" is not host:port");
        }
        target += job.scheme == "https" ? ":443" : ":80";
      } else if (port.empty() || port.size() > 5 ||
                 !std::all_of(port.begin(), port.end(),
                              [](char c) { return c >= '0' && c <= '9'; }) ||
                 std::stoul(port) == 0 || std::stoul(port) > 65535) {
        return r.fail(sw + ".targets", "\"" + target + "\" has no valid port");
      }
      job.targets.push_back(std::move(target));
    }
  }
  return true;
}

// http.StatusText (the one table of reason phrases, go.hpp).
using go::status_text;

// What Go's net/http says when the exchange ended before a response.
std::string transport_error(const std::string& why) {
  if (why.find("timed out") != std::string::npos) return "context deadline exceeded";
  if (why.find("closed") != std::string::npos || why.empty()) return "EOF";
  if (why.find("reset") != std::string::npos) return "read: connection reset by peer";
  if (why.find("malformed") != std::string::npos || why.find("not HTTP") != std::string::npos) {
    return "net/http: HTTP/1.x transport connection broken: malformed HTTP response";
  }
  return why;
}

// Go's x509 verification of the leaf and chain, in Go's order (Certificate.Verify: the leaf's
// validity window, the name, then the chain to a trusted root, then the key usage).
std::string verify_error(const Exchange& e, const std::string& name, std::int64_t now_unix) {
  const CertInfo& leaf = e.tls.chain.front();
  if (now_unix > leaf.not_after_unix || now_unix < leaf.not_before_unix) {
    const bool after = now_unix > leaf.not_after_unix;
    return "x509: certificate has expired or is not yet valid: current time " +
           format_rfc3339(now_unix) + (after ? " is after " : " is before ") +
           format_rfc3339(after ? leaf.not_after_unix : leaf.not_before_unix);
  }
  if (std::string h = go_hostname_error(leaf, name, e.tls.hostname_match); !h.empty()) return h;
  if (e.tls.verified) return {};
  const std::string& why = e.tls.verify_error;
  if (why.find("purpose") != std::string::npos) {
    return "x509: certificate specifies an incompatible key usage";
  }
  if (why.find("expired") != std::string::npos || why.find("not yet valid") != std::string::npos) {
    return "x509: certificate has expired or is not yet valid: " + why;
  }
  return "x509: certificate signed by unknown authority";
}

std::string failed_connect(const Exchange& e, const std::string& target) {
  if (!e.resolved) return "dial tcp: lookup " + host_of(target) + ": no such host";
  std::string why = go::to_lower_ascii(e.connect_error);
  if (why.find("timed out") != std::string::npos) return "context deadline exceeded";
  // net/probe says "cannot connect to HOST:PORT: <strerror>"; Go says the strerror part.
  if (const std::size_t colon = why.rfind(": "); colon != std::string::npos) {
    why = why.substr(colon + 2);
  }
  return "dial tcp " + target + ": connect: " + why;
}

}  // namespace

std::optional<ScrapeConfig> parse_scrape_config(std::string_view text, const std::string& path,
                                                std::string& error) {
  const std::vector<Document> documents = parse_documents(text);
  if (const SyntaxError* syntax = first_error(documents)) {
    error = path + ": " + describe(*syntax);
    return std::nullopt;
  }
  if (documents.empty()) return ScrapeConfig{};
  if (documents.size() > 1) {
    error = path + ": a Prometheus configuration is one YAML document";
    return std::nullopt;
  }
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  std::size_t line = 0;
  return read_scrape_config(documents.front().root, path, dir, error, line);
}

std::optional<ScrapeConfig> read_scrape_config(const Node& root_node, const std::string& path,
                                               const std::string& dir, std::string& error,
                                               std::size_t& error_line) {
  ScrapeConfig config;
  error_line = root_node.position().line;
  const json root = to_json(root_node);
  Reader r{path, error};
  if (!root.is_object()) {
    r.fail("top level", "expected a mapping");
    return std::nullopt;
  }
  double global_timeout = 10;
  if (root.contains("global") && root["global"].is_object() &&
      !r.duration_field(root["global"], "scrape_timeout", "global", global_timeout)) {
    if (const Node* global = root_node.find("global")) error_line = global->position().line;
    return std::nullopt;
  }
  if (!root.contains("scrape_configs") || root["scrape_configs"].is_null()) return config;
  const json& jobs = root["scrape_configs"];
  const Node& job_nodes = root_node["scrape_configs"];
  error_line = job_nodes.position().line;
  if (!jobs.is_array()) {
    r.fail("scrape_configs", "expected a list");
    return std::nullopt;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    ScrapeJob job;
    job.line = i < job_nodes.items().size() ? job_nodes.items()[i].position().line : 0;
    if (job.line != 0) error_line = job.line;
    if (!read_job(r, jobs[i], "scrape_configs[" + std::to_string(i) + "]", dir, global_timeout,
                  job)) {
      return std::nullopt;
    }
    if (!names.insert(job.name).second) {
      // Prometheus' own words for it.
      error = path + ": found multiple scrape configs with job name \"" + job.name + "\"";
      return std::nullopt;
    }
    config.jobs.push_back(std::move(job));
  }
  return config;
}

bool split_host_port(std::string_view target, std::string& host, std::string& port) {
  port.clear();
  host = host_of(target, &port);
  if (host.empty()) port.clear();
  return !host.empty();
}

const ScrapeJob* find_job(const ScrapeConfig& config, std::string_view name) {
  for (const ScrapeJob& job : config.jobs) {
    if (job.name == name) return &job;
  }
  return nullptr;
}

std::optional<std::vector<ScrapeMonitor>> parse_monitors(std::string_view text,
                                                         const std::string& path,
                                                         std::string& error) {
  const std::vector<Document> documents = parse_documents(text);
  if (const SyntaxError* syntax = first_error(documents)) {
    error = path + ": " + describe(*syntax);
    return std::nullopt;
  }
  std::vector<ScrapeMonitor> out;
  for (const kube::Object& object : kube::objects(documents)) {
    std::optional<monitor::Monitor> m = monitor::monitor(object);
    if (!m) continue;
    out.push_back({object.kind, object.namespace_name, object.name, object.position.line,
                   std::move(m->endpoints)});
  }
  return out;
}

std::string describe_endpoint(const ScrapeMonitor& monitor, std::size_t endpoint) {
  std::string out =
      monitor.kind + " " + (monitor.namespace_name.empty() ? "" : monitor.namespace_name + "/") +
      monitor.name + ", " + (monitor.kind == "PodMonitor" ? "podMetricsEndpoints[" : "endpoints[") +
      std::to_string(endpoint) + "]";
  if (endpoint < monitor.endpoints.size()) {
    const monitor::Endpoint& e = monitor.endpoints[endpoint];
    if (!e.port.empty()) {
      out += " (port " + e.port + ")";
    } else if (!e.target_port.empty()) {
      out += " (targetPort " + e.target_port + ")";
    }
  }
  return out;
}

std::optional<ScrapeJob> monitor_job(const ScrapeMonitor& monitor, std::size_t endpoint,
                                     const ResolveKeyFile& resolve, std::string& error) {
  assert(endpoint < monitor.endpoints.size());
  const monitor::Endpoint& e = monitor.endpoints[endpoint];
  const std::string where = describe_endpoint(monitor, endpoint) + ": ";
  auto fail = [&](const std::string& what) {
    error = where + what;
    return std::nullopt;
  };
  ScrapeJob job;
  job.name = std::string(monitor.kind == "PodMonitor" ? "podMonitor/" : "serviceMonitor/") +
             monitor.namespace_name + "/" + monitor.name + "/" + std::to_string(endpoint);
  if (!e.scheme.empty()) job.scheme = e.scheme;
  if (job.scheme != "http" && job.scheme != "https") {
    return fail("unsupported scheme \"" + job.scheme + "\" (http or https)");
  }
  if (!e.path.empty()) job.metrics_path = e.path;
  if (!e.scrape_timeout.empty()) {
    const auto seconds = parse_prometheus_duration(e.scrape_timeout);
    if (!seconds) return fail("scrapeTimeout: not a duration: \"" + e.scrape_timeout + "\"");
    job.timeout_s = *seconds;
  }
  job.not_reproduced.emplace_back(std::string(monitor.kind == "PodMonitor" ? "pod" : "endpoints") +
                                  " discovery: the targets are the --connect addresses");
  if (!e.tls) return job;
  const monitor::TlsConfig& t = *e.tls;
  const auto key_file = [&](const char* field, const std::optional<monitor::KeyRef>& ref,
                            const std::string& file, std::string& out) {
    std::string why;
    std::optional<std::string> resolved;
    if (ref) {
      resolved = resolve(ref->source == monitor::KeyRef::Source::secret, ref->name, ref->key, why);
    } else if (const auto mounted = operator_mount(file)) {
      resolved = resolve(mounted->secret, mounted->name, mounted->key, why);
    } else {
      resolved = file;
    }
    if (!resolved) {
      error = where + "tlsConfig." + field + ": " + why;
      return false;
    }
    out = *resolved;
    return true;
  };
  if (!key_file(t.ca ? "ca" : "caFile", t.ca, t.ca_file, job.tls.ca_file) ||
      !key_file(t.cert ? "cert" : "certFile", t.cert, t.cert_file, job.tls.cert_file) ||
      !key_file(t.key_secret ? "keySecret" : "keyFile", t.key_secret, t.key_file,
                job.tls.key_file)) {
    return std::nullopt;
  }
  if (job.tls.cert_file.empty() != job.tls.key_file.empty()) {
    return fail(
        "tlsConfig: a client certificate (cert or certFile) needs its key (keySecret or "
        "keyFile), and a key its certificate");
  }
  job.tls.server_name = t.server_name;
  job.tls.insecure_skip_verify = t.insecure_skip_verify;
  for (const auto& [field, text, out] :
       {std::tuple{"minVersion", &t.min_version, &job.tls.min_version},
        std::tuple{"maxVersion", &t.max_version, &job.tls.max_version}}) {
    if (text->empty()) continue;
    const auto version = parse_config_version(*text);
    if (!version) {
      return fail(std::string("tlsConfig.") + field + ": unknown TLS version: " + *text +
                  " (TLS10, TLS11, TLS12 or TLS13)");
    }
    *out = *version;
  }
  if (job.tls.min_version != 0 && job.tls.max_version != 0 &&
      job.tls.min_version > job.tls.max_version) {
    return fail("tlsConfig: maxVersion must be greater than or equal to minVersion");
  }
  return job;
}

std::string go_alert_text(std::string_view words) {
  // crypto/tls alert.go's texts, by the TLS library's name of the alert.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kGo{{
      {"unknown ca", "unknown certificate authority"},
      {"protocol version", "protocol version not supported"},
      {"certificate expired", "expired certificate"},
      {"certificate unknown", "unknown certificate"},
      {"certificate revoked", "revoked certificate"},
      {"decrypt error", "error decrypting message"},
      {"insufficient security", "insufficient security level"},
      {"unsupported extension", "unsupported extension"},
      {"unrecognized name", "unrecognized name"},
      {"bad certificate", "bad certificate"},
      {"handshake failure", "handshake failure"},
      {"certificate required", "certificate required"},
      {"access denied", "access denied"},
      {"no application protocol", "no application protocol"},
  }};
  for (const auto& [ours, go] : kGo) {
    if (words == ours) return std::string(go);
  }
  return std::string(words);
}

bool is_ip_literal(std::string_view name) {
  return !name.empty() && (name.find(':') != std::string_view::npos ||
                           std::all_of(name.begin(), name.end(),
                                       [](char c) { return (c >= '0' && c <= '9') || c == '.'; }));
}

std::string go_hostname_error(const CertInfo& cert, const std::string& name, bool matches) {
  const bool ip = is_ip_literal(name);
  // Go matches DNS names against the DNS SANs only (no Common Name fallback since Go 1.17), where
  // the TLS library may have matched the subject's CN.
  if (matches && (ip || !cert.dns_names.empty())) return {};
  const bool has_sans = !cert.dns_names.empty() || !cert.ip_addresses.empty() ||
                        !cert.emails.empty() || !cert.uris.empty();
  if (!has_sans && !ip && go::to_lower_ascii(cert.subject_cn) == go::to_lower_ascii(name)) {
    return "x509: certificate relies on legacy Common Name field, use SANs instead";
  }
  if (ip && cert.ip_addresses.empty()) {
    return "x509: cannot validate certificate for " + name +
           " because it doesn't contain any IP SANs";
  }
  const std::string valid = detail::join(ip ? cert.ip_addresses : cert.dns_names, ", ");
  if (valid.empty()) {
    return "x509: certificate is not valid for any names, but wanted to match " + name;
  }
  return "x509: certificate is valid for " + valid + ", not " + name;
}

ScrapeVerdict judge_scrape(const ScrapeJob& job, const std::string& target, const Exchange& e,
                           std::int64_t now_unix, const ExpositionLimits& limits) {
  ScrapeVerdict v;
  v.url = job.scheme + "://" + target + job.metrics_path;
  // Failures of the request itself are wrapped in Go's url.Error ("Get \"URL\": ..."); an HTTP
  // status or a body that does not parse is Prometheus' own error, as it is.
  auto down = [&v](std::string reason, bool request_failed = true) {
    v.up = false;
    v.reason = std::move(reason);
    v.last_error = request_failed ? "Get \"" + v.url + "\": " + v.reason : v.reason;
    return v;
  };
  if (!e.resolved || !e.connected) return down(failed_connect(e, target));
  if (job.scheme == "https") {
    // A server certificate arrived: Go verifies it before anything else happens.
    if (!e.tls.chain.empty() && !job.tls.insecure_skip_verify) {
      const std::string name = job.tls.server_name.empty() ? host_of(target) : job.tls.server_name;
      if (std::string why = verify_error(e, name, now_unix); !why.empty()) return down(why);
    }
    if (!e.tls.completed) {
      if (!e.tls.alert.empty()) return down("remote error: tls: " + go_alert_text(e.tls.alert));
      const std::string& why = e.tls.error;
      if (why.find("wrong version number") != std::string::npos) {
        return down("http: server gave HTTP response to HTTPS client");
      }
      if (why.find("unsupported protocol") != std::string::npos) {
        return down("tls: server selected unsupported protocol version");
      }
      return down(transport_error(why));
    }
  }
  if (!e.http.responded) {
    if (!e.tls.alert.empty()) return down("remote error: tls: " + go_alert_text(e.tls.alert));
    return down(transport_error(e.http.error));
  }
  if (!detail::is_success(e.http.status)) {
    const std::string_view text = status_text(e.http.status);
    return down("server returned HTTP status " + std::to_string(e.http.status) +
                    (text.empty() ? "" : " " + std::string(text)),
                false);
  }
  const Exposition exposition = parse_exposition(e.http.body, limits);
  if (!exposition.not_checked_whole.empty()) {
    return down("not checked whole (a bound of selftest, not of Prometheus): " +
                    exposition.not_checked_whole,
                false);
  }
  if (!exposition.errors.empty()) {
    return down("the exposition does not parse: line " +
                    std::to_string(exposition.errors.front().line) + ": " +
                    exposition.errors.front().message,
                false);
  }
  v.up = true;
  return v;
}

bool ScrapeReport::ok() const {
  return !targets.empty() &&
         std::all_of(targets.begin(), targets.end(), [](const ScrapeTargetReport& t) {
           return t.verdict.up && std::all_of(t.checks.begin(), t.checks.end(),
                                              [](const Check& c) { return c.ok; });
         });
}

ExitCode exit_code(const ScrapeReport& report) {
  return report.ok() ? ExitCode::ok : ExitCode::check_failed;
}

std::string render_scrape_text(const ScrapeReport& report) {
  std::string out;
  std::size_t up = 0;
  if (!report.monitor.empty()) out += report.monitor + "\n";
  for (const ScrapeJob* job : report.jobs) {
    out += "job " + job->name + " (" + job->scheme + "://…" + job->metrics_path + ")\n";
    std::size_t listed = 0;
    for (const ScrapeTargetReport& t : report.targets) {
      if (t.job != job->name) continue;
      ++listed;
      if (t.verdict.up) {
        ++up;
        std::string how;
        if (!t.exchange.tls.version.empty()) how = t.exchange.tls.version;
        if (t.exchange.tls.client_cert_requested) {
          how += std::string(how.empty() ? "" : ", ") + "client certificate " +
                 (t.exchange.tls.client_cert_sent ? "sent" : "not sent");
        }
        out += "  up    " + t.target + (how.empty() ? "" : "  (" + how + ")") + "\n";
      } else {
        out += "  down  " + t.target + ": " + t.verdict.last_error + "\n";
      }
      for (const Check& c : t.checks) {
        out += std::string(c.ok ? "        ok    " : "        FAIL  ") + c.name + ": " + c.detail +
               "\n";
      }
    }
    if (listed == 0) out += "  no static targets: nothing was scraped\n";
    for (const std::string& note : job->not_reproduced) out += "  not reproduced: " + note + "\n";
  }
  const std::size_t n = report.targets.size();
  out += std::to_string(n) + (n == 1 ? " target: " : " targets: ") + std::to_string(up) + " up, " +
         std::to_string(n - up) + " down";
  const bool checks_failed =
      up == n && n > 0 && !report.ok();  // every target up, a rotation check failed
  out += report.ok()     ? " — Prometheus will scrape every target\n"
         : checks_failed ? " — Prometheus will scrape every target, but a check failed\n"
                         : (n == 0 ? " — nothing to scrape\n" : " — Prometheus will see up == 0\n");
  return out;
}

nlohmann::ordered_json scrape_json(const ScrapeReport& report) {
  nlohmann::ordered_json j;
  j["schema"] = "promtls/selftest-scrape/v1";
  j["ok"] = report.ok();
  j["config"] = report.config_path;
  if (!report.monitor.empty()) j["monitor"] = report.monitor;
  j["jobs"] = nlohmann::ordered_json::array();
  for (const ScrapeJob* job : report.jobs) {
    j["jobs"].push_back({{"name", job->name},
                         {"scheme", job->scheme},
                         {"metrics_path", job->metrics_path},
                         {"not_reproduced", job->not_reproduced}});
  }
  j["targets"] = nlohmann::ordered_json::array();
  for (const ScrapeTargetReport& t : report.targets) {
    nlohmann::ordered_json row;
    row["job"] = t.job;
    row["target"] = t.target;
    row["url"] = t.verdict.url;
    row["up"] = t.verdict.up;
    const auto text_or_null = [&t](const std::string& text) {
      return t.verdict.up ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
    };
    row["reason"] = text_or_null(t.verdict.reason);
    row["last_error"] = text_or_null(t.verdict.last_error);
    row["checks"] = nlohmann::ordered_json::array();
    for (const Check& c : t.checks) {
      row["checks"].push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    }
    const TlsFacts& tls = t.exchange.tls;
    row["tls"] = t.exchange.plaintext
                     ? nlohmann::ordered_json(nullptr)
                     : nlohmann::ordered_json{
                           {"version", tls.version}, {"cipher", tls.cipher}, {"group", tls.group}};
    if (tls.chain.empty()) {
      row["server_certificate"] = nullptr;
    } else {
      const CertInfo& leaf = tls.chain.front();
      row["server_certificate"] = {{"subject", leaf.subject},
                                   {"issuer", leaf.issuer},
                                   {"sans", leaf.sans()},
                                   {"not_after", format_rfc3339(leaf.not_after_unix)}};
    }
    row["client_certificate"] = {{"requested", tls.client_cert_requested},
                                 {"sent", tls.client_cert_sent}};
    j["targets"].push_back(std::move(row));
  }
  return j;
}

}  // namespace promtls::core
