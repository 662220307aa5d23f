// The Tigera operator profile: the operator's own metrics endpoint (controller-runtime's metrics
// server in SecureServing mode), spec/tigera-metrics.md §1–§2.
//
// The operator's fatal paths, in the order they run: METRICS_CLIENT_AUTH, then TLS_MIN_VERSION
// (both parsed whenever METRICS_SCHEME is https, even with metrics off; each logs and exits 1),
// then, once the manager starts and only when metrics are on, the listener on host:port. The
// credential files are read on every handshake, never at startup, so file problems are findings
// about scrapes, not about the startup verdict.
#include "tigera.hpp"

#include <array>

#include "checks.hpp"
#include "promtls/core/go.hpp"
#include "promtls/core/profile.hpp"
#include "promtls/core/tls_catalog.hpp"

namespace promtls::core::detail {
namespace {

constexpr Var kEnabled = Var::tigera_metrics_enabled;
constexpr Var kHost = Var::tigera_host;
constexpr Var kPort = Var::tigera_port;
constexpr Var kScheme = Var::tigera_scheme;
constexpr Var kAuth = Var::tigera_client_auth;
constexpr Var kMin = Var::tigera_tls_min_version;
constexpr Var kCert = Var::tigera_tls_cert_file;
constexpr Var kKey = Var::tigera_tls_key_file;
constexpr Var kCa = Var::tigera_tls_ca_file;
constexpr Var kOperatorName = Var::tigera_operator_name;

// The Service tigera-operator-metrics hard-codes port and targetPort 9484 (§2), and the
// ServiceMonitor verifies the server name tigera-operator-metrics.
constexpr std::uint16_t kServicePort = 9484;
constexpr std::string_view kServiceName = "tigera-operator-metrics";

std::string s(std::string_view v) { return std::string(v); }
// The variable's name, for messages and finding variables.
std::string s(Var v) { return std::string(name(v)); }
// The variable's value when set (even to ""), else its documented default (§1).
std::string value_or_default(const EnvSnapshot& env, Var v) {
  return env.is_set(name(v)) ? s(env.get(name(v))) : s(default_value(v));
}

// Go's fallback services map (net/lookup.go), used when /etc/services has no entry.
struct Service {
  std::string_view name;
  int port;
};
constexpr std::array kGoServices{
    Service{"ftp", 21},    Service{"ftps", 990},  Service{"gopher", 70},
    Service{"http", 80},   Service{"https", 443}, Service{"imap2", 143},
    Service{"imap3", 220}, Service{"imaps", 993}, Service{"pop3", 110},
    Service{"pop3s", 995}, Service{"smtp", 25},   Service{"submissions", 465},
    Service{"ssh", 22},    Service{"telnet", 23},
};

// What Go's net.Listen("tcp", address) does with the address before touching the network:
// SplitHostPort, then LookupPort. Returns the port, or sets `error` to Go's message.
struct ListenCheck {
  std::optional<int> port;
  bool service_name = false;  // resolved through the services database
  std::string error;          // "listen tcp: address ...: ..." when the listener fails
};

ListenCheck check_listen(const std::string& address) {
  ListenCheck out;
  const auto fail = [&](std::string_view addr, std::string_view why) {
    out.error = "listen tcp: address " + s(addr) + ": " + s(why);
    return out;
  };
  // net.SplitHostPort.
  const std::size_t i = address.rfind(':');
  if (i == std::string::npos) return fail(address, "missing port in address");
  std::size_t j = 0;
  std::size_t k = 0;
  if (!address.empty() && address.front() == '[') {
    const std::size_t end = address.find(']');
    if (end == std::string::npos) return fail(address, "missing ']' in address");
    if (end + 1 == address.size()) return fail(address, "missing port in address");
    if (end + 1 != i) {
      return fail(address, address[end + 1] == ':' ? "too many colons in address"
                                                   : "missing port in address");
    }
    j = 1;
    k = end + 1;
  } else if (address.substr(0, i).find(':') != std::string::npos) {
    return fail(address, "too many colons in address");
  }
  if (address.find('[', j) != std::string::npos) return fail(address, "unexpected '[' in address");
  if (address.find(']', k) != std::string::npos) return fail(address, "unexpected ']' in address");
  const std::string service = address.substr(i + 1);

  // net.parsePort, then the range check of Resolver.LookupPort.
  std::string_view digits = service;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  bool numeric = true;
  std::uint64_t n = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') {
      numeric = false;
      break;
    }
    if (n < (1ULL << 30)) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (numeric) {
    if ((negative && n != 0) || n > 65535) return fail(service, "invalid port");
    out.port = static_cast<int>(n);
    return out;
  }
  const std::string lowered = go::to_lower_ascii(service);
  for (const Service& known : kGoServices) {
    if (known.name == lowered) {
      out.port = known.port;
      out.service_name = true;
      return out;
    }
  }
  return fail("tcp/" + service, "unknown port");
}

std::optional<ClientAuth> parse_client_auth(std::string_view raw) {
  const std::string v = go::to_lower_ascii(raw);  // lower-cased, not trimmed (§1)
  if (v.empty() || v == "requireandverifyclientcert") return ClientAuth::require;
  if (v == "requireanyclientcert") return ClientAuth::require_any;
  if (v == "verifyclientcertifgiven") return ClientAuth::optional;
  if (v == "noclientcert") return ClientAuth::none;
  return std::nullopt;
}

std::string client_auth_hint(std::string_view raw) {
  const std::string trimmed = go::to_lower_ascii(go::trim_space(raw));
  if (trimmed != go::to_lower_ascii(raw) && parse_client_auth(trimmed)) {
    return "the operator lower-cases the value but does not trim it: remove the white space";
  }
  if (trimmed == "require")
    return "did you mean RequireAndVerifyClientCert? require is knative's word";
  if (trimmed == "optional")
    return "did you mean VerifyClientCertIfGiven? optional is knative's word";
  if (trimmed == "none") return "did you mean NoClientCert? none is knative's word";
  if (trimmed.size() >= 4) {
    for (const std::string_view mode : {"RequireAndVerifyClientCert", "RequireAnyClientCert",
                                        "VerifyClientCertIfGiven", "NoClientCert"}) {
      if (go::to_lower_ascii(mode).rfind(trimmed, 0) == 0 && trimmed != go::to_lower_ascii(mode)) {
        return "did you mean " + s(mode) + "?";
      }
    }
  }
  return "use RequireAndVerifyClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or "
         "NoClientCert";
}

std::string version_hint(std::string_view raw) {
  const std::string_view trimmed = go::trim_space(raw);
  if (trimmed != raw && (trimmed == "1.2" || trimmed == "1.3")) {
    return "the operator compares the value exactly: remove the white space";
  }
  if (raw == "1.0" || raw == "1.1") return "the operator supports only TLS 1.2 and 1.3";
  const std::string lowered = go::to_lower_ascii(raw);
  if (lowered.find("1.3") != std::string::npos || lowered.find("13") != std::string::npos) {
    return "write 1.3";
  }
  if (lowered.find("1.2") != std::string::npos || lowered.find("12") != std::string::npos) {
    return "write 1.2";
  }
  return "use 1.2 or 1.3";
}

// Values that read as "yes" to a person but are false to Go's strings.EqualFold(v, "true").
bool looks_truthy(std::string_view raw) {
  const std::string v = go::to_lower_ascii(go::trim_space(raw));
  return v == "true" || v == "1" || v == "yes" || v == "y" || v == "on" || v == "enabled" ||
         v == "enable" || v == "t";
}

}  // namespace

void evaluate_tigera(const EnvSnapshot& env, const EvaluateOptions& options,
                     FileInspector* inspector, Evaluation& out) {
  FindingSink sink(env, out.findings);
  ServerConfig& config = out.config;
  TlsConfig& tls = config.tls_config;
  config.profile = Profile::tigera;

  UpstreamErrors upstream(sink);

  // §1: METRICS_ENABLED and METRICS_SCHEME are compared with strings.EqualFold, untrimmed.
  const std::string_view enabled_raw = env.get(name(kEnabled));
  const std::string_view scheme_raw = env.get(name(kScheme));
  config.enabled = go::equal_fold_ascii(enabled_raw, "true");
  config.tls = go::equal_fold_ascii(scheme_raw, "https");
  if (!config.enabled && looks_truthy(enabled_raw)) {
    sink.add("metrics-enabled-not-true", Severity::warning, {s(kEnabled)},
             s(kEnabled) + " " + go::quote(enabled_raw) +
                 " is not \"true\": the operator compares it with strings.EqualFold(v, \"true\") "
                 "and serves no metrics",
             "write " + s(kEnabled) + "=true");
  }
  if (!config.tls && !scheme_raw.empty() && !go::equal_fold_ascii(scheme_raw, "http")) {
    sink.add("scheme-not-https", Severity::warning, {s(kScheme)},
             s(kScheme) + " " + go::quote(scheme_raw) +
                 " is neither https nor http: the operator serves plain HTTP",
             go::to_lower_ascii(go::trim_space(scheme_raw)) == "https"
                 ? "the value is compared untrimmed: remove the white space"
                 : "write " + s(kScheme) + "=https for TLS and client certificates");
  }

  // §1 quirk: the TLS variables are parsed whenever METRICS_SCHEME is https, even with metrics
  // off, and a bad value is fatal. METRICS_CLIENT_AUTH is parsed before TLS_MIN_VERSION.
  bool tls_parse_failed = false;
  if (config.tls) {
    const std::string_view auth_raw = env.get(name(kAuth));
    if (const auto mode = parse_client_auth(auth_raw)) {
      tls.client_auth = *mode;
    } else {
      tls_parse_failed = true;
      upstream.add("client-auth-invalid", {s(kAuth)},
                   "unsupported client auth type: " + s(auth_raw) +
                       " (supported: RequireAndVerifyClientCert, RequireAnyClientCert, "
                       "VerifyClientCertIfGiven, NoClientCert)",
                   client_auth_hint(auth_raw) + " (the operator logs \"invalid " + s(kAuth) +
                       "\" and exits 1)");
    }
    const std::string_view min_raw = env.get(name(kMin));
    // Empty means the operator's default, 1.2.
    if (min_raw.empty() || min_raw == default_value(kMin)) {
      tls.min_version = kTls12;
    } else if (min_raw == "1.3") {
      tls.min_version = kTls13;
    } else {
      tls_parse_failed = true;
      upstream.add(
          "tls-version-invalid", {s(kMin)},
          "unsupported TLS version: " + s(min_raw) + " (supported versions: 1.2, 1.3)",
          version_hint(min_raw) + " (the operator logs \"invalid " + s(kMin) + "\" and exits 1)");
    }
    tls.cert_file = value_or_default(env, kCert);
    tls.key_file = value_or_default(env, kKey);
    tls.client_ca_file = value_or_default(env, kCa);
    if (!config.enabled) {
      sink.add("tls-parsed-while-metrics-disabled",
               tls_parse_failed ? Severity::warning : Severity::info, {s(kScheme), s(kEnabled)},
               s(kScheme) + " is https while metrics are off: the operator still parses " +
                   s(kAuth) + " and " + s(kMin) +
                   std::string(tls_parse_failed
                                   ? ", and the bad value above stops it although it serves no "
                                     "metrics"
                                   : " and exits on a bad value although it serves no metrics"),
               "unset " + s(kScheme) + ", or set " + s(kEnabled) + "=true");
    }
  } else {
    for (const Var ignored : {kAuth, kMin, kCert, kKey, kCa}) {
      if (env.is_set(name(ignored))) {
        sink.add(
            "tls-settings-ignored-without-https", Severity::warning, {s(ignored)},
            s(ignored) + " is set but " + s(kScheme) + " is not https, so the operator ignores it",
            "set " + s(kScheme) + "=https, or remove it");
      }
    }
  }

  // §1: the bind address. "0" disables controller-runtime's metrics server; otherwise host and
  // port (empty means default) are concatenated with ':' and no bracketing.
  const std::string host = value_or_default(env, kHost);
  const std::string port_raw = value_or_default(env, kPort);
  config.host = host;
  const std::string address = host + ":" + port_raw;
  const ListenCheck listen = check_listen(address);
  if (listen.port) config.port = static_cast<std::uint16_t>(*listen.port);
  if (config.enabled) {
    config.listen_address = address;
    if (!listen.error.empty()) {
      const bool about_port = listen.error.find("port") != std::string::npos &&
                              listen.error.find("colons") == std::string::npos;
      upstream.add(about_port ? "port-invalid" : "host-listen-failure",
                   {s(about_port ? kPort : kHost)}, listen.error,
                   about_port
                       ? "the operator does not validate " + s(kPort) +
                             ": the manager fails to listen and the operator exits 1 "
                             "(\"problem running manager\"); use " +
                             s(default_value(kPort))
                       : "the operator joins host and port with ':' and no brackets: write an "
                         "IPv6 address as [::1]");
    }
    if (listen.service_name) {
      sink.add("port-service-name", Severity::info, {s(kPort)},
               s(kPort) + " " + go::quote(port_raw) + " is a service name: Go resolves it to " +
                   std::to_string(*listen.port) +
                   " through the pod's /etc/services (or its built-in table)",
               "write the number");
    }
    // After a startup error the operator serves nothing: the warnings below say what it would do.
    const std::string operator_does = upstream.empty() ? "the operator " : "the operator would ";
    if (listen.port && *listen.port != kServicePort) {
      sink.add("port-service-mismatch", Severity::warning, {s(kPort)},
               operator_does + (upstream.empty() ? "listens" : "listen") + " on port " +
                   std::to_string(*listen.port) + " but its Service " + s(kServiceName) +
                   " always targets " + std::to_string(kServicePort) +
                   ": Prometheus cannot scrape it",
               "leave " + s(kPort) + " unset (" + s(default_value(kPort)) + ")");
    }
    if (!config.tls) {
      sink.add("servicemonitor-scheme-mismatch", Severity::warning, {s(kScheme)},
               operator_does + (upstream.empty() ? "serves" : "serve") +
                   " plain HTTP, but its ServiceMonitor always scrapes with https: every scrape "
                   "fails",
               "set " + s(kScheme) + "=https, as the shipped Deployment does");
    }
  } else {
    config.listen_address = "0";
    sink.add("metrics-disabled", Severity::info, {s(kEnabled)},
             s(kEnabled) + " is not true: the operator serves no metrics (bind address \"0\")",
             "set " + s(kEnabled) + "=true to serve them");
    for (const Var address_var : {kHost, kPort}) {
      if (env.is_set(name(address_var))) {
        sink.add("metrics-address-ignored", Severity::warning, {s(address_var)},
                 s(address_var) + " is set but " + s(kEnabled) +
                     " is not true: since ec7c44c4e the host or port alone no longer turns "
                     "metrics on",
                 "set " + s(kEnabled) + "=true");
      }
    }
    if (!listen.error.empty()) {
      sink.add(
          listen.error.find("colons") != std::string::npos ? "host-listen-failure" : "port-invalid",
          Severity::warning, {s(env.is_set(name(kPort)) ? kPort : kHost)},
          "once " + s(kEnabled) + "=true the operator will exit 1 with \"" + listen.error + "\"",
          "use the default port " + s(default_value(kPort)) + " and bracket IPv6 hosts");
    }
  }

  // Values the operator takes literally.
  for (const Var literal : {kHost, kCert, kKey, kCa}) {
    const std::string_view v = env.get(name(literal));
    if (!v.empty() && go::trim_space(v) != v) {
      sink.add("value-whitespace", Severity::warning, {s(literal)},
               s(literal) + " value " + go::quote(v) +
                   " has leading or trailing white space, which the operator keeps",
               "remove the white space; a path or host with it is not what you meant");
    }
  }

  if (config.tls && !tls_parse_failed) {
    if (tls.client_auth == ClientAuth::require_any) {
      sink.add("client-auth-unverified", Severity::warning, {s(kAuth)},
               "RequireAnyClientCert demands a client certificate but does not verify it: any "
               "self-made certificate is accepted",
               "use " + s(default_value(kAuth)) + " (the default)");
    }
    if (tls.client_auth == ClientAuth::none) {
      sink.add("client-ca-loaded-without-client-auth", Severity::info, {s(kCa), s(kAuth)},
               "with NoClientCert the operator still reads " + tls.client_ca_file +
                   " on every connection: if it is missing or holds no certificate, every "
                   "handshake fails",
               "keep the CA volume mounted even without client certificates");
    }
    const std::string_view operator_name = env.get(name(kOperatorName));
    if (config.enabled && !operator_name.empty() && operator_name != default_value(kOperatorName)) {
      sink.add("operator-name-san-mismatch", Severity::warning, {s(kOperatorName)},
               s(kOperatorName) + " " + go::quote(operator_name) +
                   " makes the operator issue its certificate for " + s(operator_name) +
                   "-metrics, but the Service and the ServiceMonitor's serverName stay "
                   "tigera-operator-metrics: Prometheus's hostname check fails",
               "leave " + s(kOperatorName) +
                   " unset, or issue the certificate yourself with the DNS name "
                   "tigera-operator-metrics");
    }
  }

  // The operator's key exchange: its controller-runtime server sets no curves and no maximum,
  // so Go's default set applies (spec §2); tigera/operator's go.mod says go 1.26.5 (read at
  // commit 00c7380a), whose defaults hold X25519MLKEM768, SecP256r1MLKEM768 and
  // SecP384r1MLKEM1024 (spec/pqc.md). GODEBUG in the operator's environment can remove them.
  if (config.enabled && config.tls && !tls_parse_failed) {
    go::KeyExchange kx = go::key_exchange(options.go_version.value_or(go::Version{1, 26}),
                                          std::nullopt, 0, env.get("GODEBUG"));
    kx.version_source = options.go_version ? "--go-version"
                                           : "tigera/operator's go.mod says go 1.26.5 (commit "
                                             "00c7380a)";
    const std::string mlkem = go::group_name(kX25519MLKEM768);
    const std::string who = "the operator's Go server";
    if (kx.post_quantum) {
      sink.add("go-post-quantum", Severity::info, {},
               who + " negotiates " + mlkem + " with clients that offer it (Go " +
                   go::to_string(kx.version) + " has it in its default set)");
    } else if (kx.off == go::KeyExchange::Off::godebug) {
      sink.add("go-post-quantum-off", Severity::warning, {"GODEBUG"},
               who + " will not negotiate " + mlkem + ": GODEBUG sets " + kx.off_setting +
                   ", which removes it from Go's default set",
               "remove " + kx.off_setting + " from GODEBUG (the operator sets no curve list)");
    } else {
      sink.add("go-post-quantum-off", Severity::warning, {},
               who + " will not negotiate " + mlkem + ": built with Go " +
                   go::to_string(kx.version) + " (" + kx.version_source +
                   "), which does not implement it",
               "build it with Go 1.24 or later, with go 1.24 or later in its go.mod");
    }
    config.go_key_exchange = std::move(kx);
  }

  // §2: the handshake-time reads. Only a serving endpoint performs them.
  if (config.enabled && config.tls && !tls_parse_failed && inspector != nullptr) {
    const FileFacts ca = inspector->inspect(tls.client_ca_file);
    if (!ca.readable) {
      sink.add("client-ca-unreadable", Severity::error, {s(kCa)},
               "every handshake fails: failed to read metrics client CA from " +
                   tls.client_ca_file + ": " + ca.read_error,
               tls.client_auth == ClientAuth::none
                   ? "the operator reads the CA file even with NoClientCert: mount it"
                   : "mount the CA bundle (tigera-ca-private) at that path, or fix the path");
    } else if (ca.certificates.empty()) {
      sink.add("client-ca-no-certificates", Severity::error, {s(kCa)},
               "every handshake fails: metrics client CA file " + tls.client_ca_file +
                   " contained no valid PEM certificates",
               "the file must hold at least one PEM CERTIFICATE block that parses");
    }
    CredentialPaths paths{s(kCert), s(kKey), s(kCa)};
    const std::size_t first = out.findings.size();
    check_credentials(tls, paths, options, *inspector, sink);
    // The operator loads the pair on every handshake (tls.LoadX509KeyPair in GetCertificate):
    // say what the scraper's handshake will fail with.
    for (std::size_t i = first; i < out.findings.size(); ++i) {
      Finding& f = out.findings[i];
      if (f.code != "cert-file-unreadable" && f.code != "key-file-unreadable") continue;
      const FileFacts facts =
          inspector->inspect(f.code == "cert-file-unreadable" ? tls.cert_file : tls.key_file);
      f.hint =
          "every handshake fails with \"failed to load metrics TLS keypair: " + facts.read_error +
          "\"; mount the Secret tigera-operator-tls or fix the path";
    }
    const FileFacts cert = inspector->inspect(tls.cert_file);
    if (!cert.certificates.empty()) {
      const CertInfo& leaf = cert.certificates.front();
      bool has_name = false;
      for (const std::string& dns : leaf.dns_names) has_name = has_name || dns == kServiceName;
      if (!has_name) {
        sink.add("cert-missing-service-name", Severity::warning, {s(kCert)},
                 "the serving certificate has no DNS name tigera-operator-metrics, the "
                 "serverName the operator's ServiceMonitor verifies",
                 "issue it with the DNS names tigera-operator-metrics, "
                 "tigera-operator-metrics.<namespace> and "
                 "tigera-operator-metrics.<namespace>.svc");
      }
    }
  }
  check_unknown_variables(env, Profile::tigera, sink);

  out.upstream.accepts = upstream.empty();
  out.upstream.error = upstream.first();
}

}  // namespace promtls::core::detail
