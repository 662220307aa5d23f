// The knative profile: knative.dev/pkg's Prometheus metrics server (spec/knative-env.md).
// Upstream rules are evaluated in NewServer's order (R-M6) so that the first error found is
// the one knative returns; every rule is still evaluated and reported as its own finding.
#include "knative.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "checks.hpp"
#include "promtls/core/go.hpp"
#include "promtls/core/profile.hpp"
#include "promtls/core/tls_catalog.hpp"

namespace promtls::core::detail {
namespace {

constexpr Var kHost = Var::knative_host;
constexpr Var kPort = Var::knative_port;
constexpr Var kCert = Var::knative_tls_cert;
constexpr Var kKey = Var::knative_tls_key;
constexpr Var kAuth = Var::knative_tls_client_auth;
constexpr Var kCa = Var::knative_tls_client_ca_file;
// The metrics server reads its TLS settings with DefaultConfigFromEnv(its own prefix) (§5).
constexpr KnativeTlsFamily kFamily = KnativeTlsFamily::metrics_prometheus;

std::string s(std::string_view v) { return std::string(v); }
// The variable's name, for messages and finding variables.
std::string s(Var v) { return std::string(name(v)); }

// Go's strings.Split(value, ",") with TrimSpace and empty parts skipped (R-V3, R-V5).
std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view part = go::trim_space(value.substr(start, comma - start));
    if (!part.empty()) parts.push_back(part);
    start = comma + 1;
  }
  return parts;
}

std::optional<std::uint16_t> parse_version(std::string_view v) {
  if (v == "1.2") return kTls12;
  if (v == "1.3") return kTls13;
  return std::nullopt;
}

std::string version_hint(std::string_view raw) {
  const std::string_view trimmed = go::trim_space(raw);
  if (trimmed != raw && parse_version(trimmed)) {
    return "knative compares the value exactly: remove the surrounding white space";
  }
  const std::string up = go::to_upper_ascii(raw);
  for (const char* v : {"1.2", "1.3"}) {
    const std::string bare = std::string(v).erase(1, 1);  // "12"
    if (up == "TLS" + std::string(v) || up == "TLSV" + std::string(v) ||
        up == "VERSIONTLS" + bare || up == "TLS" + bare || up == bare || up == "TLS_" + bare) {
      return "write " + std::string(v);
    }
  }
  if (raw == "1.0" || raw == "1.1") return "knative supports only TLS 1.2 and 1.3";
  return "use 1.2 or 1.3";
}

std::string cipher_hint(std::string_view name) {
  if (const CipherSuite* suite = find_cipher_suite_by_go_name(name); suite && !suite->go_secure) {
    return "Go lists " + s(name) +
           " in tls.InsecureCipherSuites(); knative accepts only tls.CipherSuites()";
  }
  for (const CipherSuite& suite : cipher_suites()) {
    if (!suite.go_secure) continue;
    if (go::to_upper_ascii(name) == go::to_upper_ascii(suite.go_name) ||
        name == suite.openssl_name || s(name) + "_SHA256" == suite.go_name) {
      return "did you mean " + s(suite.go_name) + "?";
    }
  }
  return "use Go's names, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256; see promtls(1)";
}

std::string curve_hint(std::string_view name) {
  if (const GroupAlias* alias = find_group_alias(name)) {
    return "knative's names are case-sensitive: did you mean " + s(alias->suggest) + "?";
  }
  // A Go name knative's map lacks: the hybrids Go 1.26 added (spec R-V5).
  if (const Group* group = find_group_by_go_name(name); group != nullptr && group->post_quantum) {
    return "a Go 1.26 name that knative's static map does not have; use " +
           s(find_group(kX25519MLKEM768)->name);
  }
  std::string out = "use ";
  const auto spellings = knative_group_spellings();
  for (std::size_t i = 0; i < spellings.size(); ++i) {
    if (i != 0) out += i + 1 == spellings.size() ? " or " : ", ";
    out += spellings[i].spelling;
  }
  return out;
}

// A host that net.JoinHostPort plus listen will reject (R-P5): brackets are added again, and a
// colon-containing value that is not an IPv6 literal cannot be parsed back.
std::optional<std::string> host_problem(std::string_view host) {
  if (host.find_first_of("[]") != std::string_view::npos) {
    return "contains brackets, which net.JoinHostPort adds again";
  }
  if (host.find_first_of(" \t\r\n") != std::string_view::npos) return "contains white space";
  if (host.find(':') != std::string_view::npos) {
    const std::string addr(host.substr(0, host.find('%')));
    unsigned char buf[16];
    if (::inet_pton(AF_INET6, addr.c_str(), buf) != 1) {
      return "contains ':' but is not an IPv6 address (a port belongs in " + s(kPort) + ")";
    }
  }
  return std::nullopt;
}

// network/tls's DefaultConfigFromEnv(prefix of `family`) (§5, R-V0 to R-V6): the versions, cipher
// suites and curves into `tls`, each invalid value an upstream error in the order the reader
// checks them. False when a version does not parse.
bool parse_tuning(const EnvSnapshot& env, KnativeTlsFamily family, UpstreamErrors& upstream,
                  TlsConfig& tls) {
  const Var kMin = var(family, KnativeTlsSetting::min_version);
  const Var kMax = var(family, KnativeTlsSetting::max_version);
  const Var kCiphers = var(family, KnativeTlsSetting::cipher_suites);
  const Var kCurves = var(family, KnativeTlsSetting::curve_preferences);
  // R-V0 and R-V1: minimum and maximum version; the base minimum is the table's default.
  tls.min_version = *parse_version(default_value(kMin));
  bool versions_ok = true;
  for (const Var version_var : {kMin, kMax}) {
    if (!env.is_set(name(version_var))) continue;
    const std::string raw = s(env.get(name(version_var)));
    if (const auto v = parse_version(raw)) {
      (version_var == kMin ? tls.min_version : tls.max_version) = *v;
    } else {
      versions_ok = false;
      upstream.add("tls-version-invalid", {s(version_var)},
                   "invalid " + s(version_var) + " " + go::quote(raw) +
                       ": unsupported TLS version " + go::quote(raw) +
                       ": must be \"1.2\" or \"1.3\"",
                   version_hint(raw));
    }
  }
  // R-V3, R-V4, R-V6: cipher suites.
  if (env.is_set(name(kCiphers))) {
    std::vector<std::uint16_t> ids;
    for (const std::string_view suite_name : split_list(env.get(name(kCiphers)))) {
      const CipherSuite* suite = find_cipher_suite_by_go_name(suite_name);
      if (suite == nullptr || !suite->go_secure) {
        upstream.add("cipher-suite-unknown", {s(kCiphers)},
                     "invalid " + s(kCiphers) + ": unknown cipher suite " + go::quote(suite_name),
                     cipher_hint(suite_name));
      } else {
        ids.push_back(suite->id);
      }
    }
    tls.cipher_suites = std::move(ids);
  }
  // R-V5: curves.
  if (env.is_set(name(kCurves))) {
    std::vector<std::uint16_t> ids;
    for (const std::string_view curve : split_list(env.get(name(kCurves)))) {
      if (const GroupSpelling* group = find_knative_group_spelling(curve)) {
        ids.push_back(group->id);
      } else {
        upstream.add("curve-unknown", {s(kCurves)},
                     "invalid " + s(kCurves) + ": unknown curve " + go::quote(curve),
                     curve_hint(curve));
      }
    }
    tls.curves = std::move(ids);
  }

  return versions_ok;
}

// What a Go server (or client) built from this family's settings offers for key exchange, and
// whether it negotiates a post-quantum hybrid (spec G5, spec/pqc.md): knative/pkg's go.mod says
// go 1.25 (spec §0), so Go 1.24's defaults apply unless --go-version says otherwise; an explicit
// curve list replaces the default set; GODEBUG (the container's) can remove the hybrid; it is
// TLS 1.3 only. The info is said for the metrics server only; a family that turns it off gets
// the warning.
go::KeyExchange check_go_post_quantum(const EnvSnapshot& env, const EvaluateOptions& options,
                                      const TlsConfig& tls, KnativeTlsFamily family,
                                      std::string_view who, bool say_on, FindingSink& sink) {
  const Var curves = var(family, KnativeTlsSetting::curve_preferences);
  const Var max = var(family, KnativeTlsSetting::max_version);
  go::KeyExchange kx = go::key_exchange(options.go_version.value_or(go::Version{1, 25}), tls.curves,
                                        tls.max_version, env.get("GODEBUG"));
  kx.version_source = options.go_version ? "--go-version"
                                         : "knative/pkg's go.mod says go 1.25.0 "
                                           "(spec/knative-env.md §0)";
  const std::string mlkem = s(find_group(kX25519MLKEM768)->name);
  const bool listed = tls.curves && !tls.curves->empty();
  const std::string built = "built with Go " + go::to_string(kx.version);
  switch (kx.off) {
    case go::KeyExchange::Off::tls12_max:
      sink.add("go-post-quantum-off", Severity::warning, {s(max)},
               s(who) + " will not negotiate " + mlkem + ": the maximum version is TLS 1.2, and " +
                   mlkem + " is a TLS 1.3 group",
               "unset " + s(max) + " (or set it to 1.3) for post-quantum key exchange");
      break;
    case go::KeyExchange::Off::curve_list:
      sink.add("go-post-quantum-off", Severity::warning, {s(curves)},
               s(who) + " will not negotiate " + mlkem + ": " + s(curves) +
                   " replaces Go's default set, which has it since Go 1.24, and does not list it",
               "add " + mlkem + " to " + s(curves) + ", or unset it for Go's defaults");
      break;
    case go::KeyExchange::Off::godebug:
      sink.add("go-post-quantum-off", Severity::warning, {"GODEBUG"},
               s(who) + " will not negotiate " + mlkem + ": GODEBUG sets " + kx.off_setting +
                   ", which removes it from Go's default set",
               "remove " + kx.off_setting + " from GODEBUG, or list " + mlkem + " in " + s(curves));
      break;
    case go::KeyExchange::Off::old_go:
      sink.add("go-post-quantum-off", Severity::warning, {},
               s(who) + " will not negotiate " + mlkem + ": " + built + " (" + kx.version_source +
                   "), which does not implement it" +
                   (kx.version.minor == 23
                        ? " (Go 1.23 offers the pre-standard X25519Kyber768Draft00, which Go "
                          "1.24 and OpenSSL 3.5 clients do not send)"
                        : ""),
               "build it with Go 1.24 or later, with go 1.24 or later in its go.mod");
      break;
    case go::KeyExchange::Off::none:
      if (!say_on) break;
      sink.add("go-post-quantum", Severity::info,
               listed ? std::vector<std::string>{s(curves)} : std::vector<std::string>{},
               s(who) + " negotiates " + mlkem + " with clients that offer it (" +
                   (listed ? s(curves) + " lists it"
                    : options.go_version
                        ? "Go " + go::to_string(kx.version) + " has it in its default set"
                        : "Go 1.24 and later have it in their default set") +
                   ")");
      break;
  }
  return kx;
}

}  // namespace

void evaluate_knative(const EnvSnapshot& env, const EvaluateOptions& options,
                      FileInspector* inspector, Evaluation& out) {
  FindingSink sink(env, out.findings);
  ServerConfig& config = out.config;
  TlsConfig& tls = config.tls_config;
  config.profile = Profile::knative;

  UpstreamErrors upstream(sink);
  const Var kMin = var(kFamily, KnativeTlsSetting::min_version);
  const Var kMax = var(kFamily, KnativeTlsSetting::max_version);
  const Var kCiphers = var(kFamily, KnativeTlsSetting::cipher_suites);
  const Var kCurves = var(kFamily, KnativeTlsSetting::curve_preferences);

  // §3 host and port. R-G1: set means non-empty; R-G2: no trimming.
  config.host = s(env.get(name(kHost)));
  const std::string port_raw =
      env.is_set(name(kPort)) ? s(env.get(name(kPort))) : s(default_value(kPort));
  std::string parse_error;
  if (const auto port = go::parse_uint(port_raw, 16, parse_error)) {
    config.port = static_cast<std::uint16_t>(*port);
    if (*port < 1024) {
      upstream.add(
          "port-out-of-range", {s(kPort)},
          "prometheus port " + std::to_string(*port) + ", should be between 1024 and 65535",
          "ports below 1024 need privileges knative does not ask for; " + s(default_value(kPort)) +
              " is the default");
    }
  } else {
    upstream.add("port-invalid", {s(kPort)},
                 "prometheus port " + go::quote(port_raw) +
                     " could not be parsed as a port number: " + parse_error,
                 "a decimal number from 1024 to 65535, without sign or white space");
  }
  config.listen_address =
      (config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host) + ":" +
      port_raw;

  // §4 TLS enable and mTLS, R-T1 and R-M1..R-M4 in order.
  const std::string cert = s(env.get(name(kCert)));
  const std::string key = s(env.get(name(kKey)));
  const std::string ca = s(env.get(name(kCa)));
  const std::string auth_raw = s(env.get(name(kAuth)));
  const std::string auth = go::to_lower_ascii(go::trim_space(auth_raw));
  const bool auth_valid = auth.empty() || auth == "none" || auth == "optional" || auth == "require";
  const bool auth_verifies = auth == "optional" || auth == "require";
  config.tls = !cert.empty() && !key.empty();
  if (cert.empty() != key.empty()) {
    upstream.add("tls-cert-key-unpaired", {s(cert.empty() ? kKey : kCert)},
                 "both " + s(kCert) + " and " + s(kKey) + " must be set or neither",
                 "set " + s(cert.empty() ? kCert : kKey) + " too, or unset both for plain HTTP");
  }
  if (!auth_valid) {
    const std::string lowered = go::to_lower_ascii(auth_raw);
    std::string hint = "use none, optional or require";
    if (lowered.find("requireandverify") != std::string::npos) hint = "did you mean require?";
    if (lowered.find("verifyclientcertifgiven") != std::string::npos) {
      hint = "did you mean optional?";
    }
    upstream.add("client-auth-invalid", {s(kAuth)},
                 "invalid " + s(kAuth) + " " + go::quote(auth_raw) +
                     ": must be \"none\", \"optional\", or \"require\"",
                 hint);
  }
  if (!config.tls && ((auth_valid && auth_verifies) || !ca.empty())) {
    std::vector<std::string> vars;
    if (auth_verifies) vars.push_back(s(kAuth));
    if (!ca.empty()) vars.push_back(s(kCa));
    upstream.add("mtls-requires-tls", vars,
                 s(kAuth) + " and " + s(kCa) + " require TLS to be enabled (" + s(kCert) + " and " +
                     s(kKey) + " must be set)",
                 "set the certificate and key, or drop the client-auth settings");
  }
  const std::string ca_trimmed(go::trim_space(ca));
  if (config.tls && auth_verifies && ca_trimmed.empty()) {
    upstream.add("client-ca-required", {s(kCa), s(kAuth)},
                 s(kCa) + " must be set when " + s(kAuth) + " is " + go::quote(auth) +
                     " (client certs cannot be validated without a CA)",
                 "point it at the PEM bundle of the CA that signs your scrapers' certificates");
  }
  if (config.tls && (auth.empty() || auth == "none") && !ca_trimmed.empty()) {
    upstream.add("client-ca-without-client-auth", {s(kCa), s(kAuth)},
                 s(kCa) + " is set but " + s(kAuth) + " is " + go::quote(auth) + "; set " +
                     s(kAuth) +
                     " to \"optional\" or \"require\" to use client certificate verification",
                 "set " + s(kAuth) + "=require for mTLS, or unset the CA file");
  }
  if (auth_valid) {
    tls.client_auth = auth == "require"    ? ClientAuth::require
                      : auth == "optional" ? ClientAuth::optional
                                           : ClientAuth::none;
  }

  // R-G6: the tuning variables are read only when TLS is on.
  if (!config.tls) {
    for (const KnativeTlsSetting setting : knative_tls_settings()) {
      const Var v = var(kFamily, setting);
      if (env.is_set(name(v))) {
        sink.add("tuning-ignored-without-tls", Severity::warning, {s(v)},
                 s(v) + " is set but TLS is off, so knative ignores it (even if invalid)",
                 "set " + s(kCert) + " and _KEY, or remove it");
      }
    }
    if (cert.empty() && key.empty()) {
      // Name the address only where knative will serve on it: not after a startup error (a
      // refused port), nor with a host it cannot listen on.
      const bool serves = upstream.empty() && (config.host.empty() || !host_problem(config.host));
      sink.add("tls-disabled", Severity::info, {},
               serves ? "TLS is off: knative serves plain HTTP on " + config.listen_address
                      : "TLS is off (plain HTTP), but knative serves nothing: see the errors",
               "set " + s(kCert) + " and " + s(kKey) + " to serve HTTPS");
    }
  } else {
    tls.cert_file = cert;
    tls.key_file = key;
    const bool versions_ok = parse_tuning(env, kFamily, upstream, tls);
    // R-M7: the CA file is read at NewServer time, after the tuning variables.
    if (auth_verifies && !ca_trimmed.empty()) {
      tls.client_ca_file = ca_trimmed;
      if (inspector != nullptr) {
        const FileFacts facts = inspector->inspect(ca_trimmed);
        if (!facts.readable) {
          upstream.add("client-ca-unreadable", {s(kCa)},
                       "reading " + s(kCa) + ": " + facts.read_error,
                       "mount the CA bundle at that path, or fix the path");
        } else if (facts.certificates.empty()) {
          upstream.add("client-ca-no-certificates", {s(kCa)},
                       "no valid CA certificates found in " + s(kCa),
                       "the file must hold at least one PEM CERTIFICATE block that parses");
        }
      } else if (upstream.empty()) {
        out.upstream.files_checked = false;
      }
    }

    // Beyond knative: what fails later, at listen or handshake time. With a startup error
    // knative does not start at all, so the wording says what would follow once it does.
    const bool starts = upstream.empty();
    const bool tls12_allowed = tls.min_version <= kTls12;
    if (versions_ok && tls.max_version != 0 && tls.min_version > tls.max_version) {
      sink.add("tls-min-above-max", Severity::error, {s(kMin), s(kMax)},
               "the minimum version " + s(version_name(tls.min_version)) +
                   " is above the maximum " + s(version_name(tls.max_version)) +
                   (starts ? ": knative starts, but every handshake fails"
                           : ": once knative starts, every handshake will fail"),
               env.is_set(name(kMin)) ? "lower the minimum or raise the maximum"
                                      : "knative's default minimum is " + s(default_value(kMin)) +
                                            ": set " + s(kMin) + "=1.2 or raise the maximum");
    }
    if (tls.cipher_suites) {
      const auto& ids = *tls.cipher_suites;
      if (!tls12_allowed) {
        sink.add("cipher-suites-ignored", Severity::warning, {s(kCiphers)},
                 s(kCiphers) +
                     " has no effect: the minimum version is TLS 1.3, whose suites Go does not "
                     "let you choose",
                 "remove it, or set " + s(kMin) + "=1.2 if TLS 1.2 clients must connect");
      } else {
        const bool has_h2_suite = std::any_of(ids.begin(), ids.end(), [](std::uint16_t id) {
          return find_cipher_suite(id)->http2_required;
        });
        if (!has_h2_suite) {
          sink.add("http2-cipher-missing", Severity::error, {s(kCiphers)},
                   std::string(starts ? "knative starts but never serves"
                                      : "once knative starts, it will never serve") +
                       ": Go's HTTP/2 setup fails with \"http2: "
                       "TLSConfig.CipherSuites is missing an HTTP/2-required AES_128_GCM_SHA256 "
                       "cipher (need at least one of TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
                       "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)\"",
                   "add TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (ECDSA keys) or "
                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RSA keys)");
        }
        for (const std::uint16_t id : ids) {
          const CipherSuite* suite = find_cipher_suite(id);
          if (suite->tls13) {
            sink.add("cipher-suite-tls13-listed", Severity::info, {s(kCiphers)},
                     s(suite->go_name) + " is a TLS 1.3 suite; Go ignores it in this list",
                     "TLS 1.3 suites are always enabled");
          } else if (suite->cbc || !suite->forward_secret) {
            sink.add("cipher-suite-weak", Severity::warning, {s(kCiphers)},
                     s(suite->go_name) + " uses " +
                         (suite->cbc ? "CBC mode" : "a key exchange without forward secrecy"),
                     "prefer the ECDHE AES-GCM and ChaCha20-Poly1305 suites");
          }
        }
      }
    }
    if (tls.curves) {
      const auto& ids = *tls.curves;
      if (ids.size() > 1) {
        sink.add("curve-order-ignored", Severity::info, {s(kCurves)},
                 "Go 1.24 and later treat " + s(kCurves) + " as a set: the order given is ignored");
      }
    }
    if (versions_ok) {
      config.go_key_exchange =
          check_go_post_quantum(env, options, tls, kFamily, "knative's Go server", true, sink);
    }
  }

  // Values knative takes literally.
  for (const Var literal : {kHost, kCert, kKey}) {
    const std::string_view v = env.get(name(literal));
    if (!v.empty() && go::trim_space(v) != v) {
      sink.add("value-whitespace", Severity::warning, {s(literal)},
               s(literal) + " value " + go::quote(v) +
                   " has leading or trailing white space, which knative keeps",
               "remove the white space; a path or host with it is not what you meant");
    }
  }
  if (!config.host.empty()) {
    if (const auto problem = host_problem(config.host)) {
      sink.add("host-listen-failure", Severity::error, {s(kHost)},
               s(kHost) + " " + go::quote(config.host) + " " + *problem +
                   (upstream.empty() ? ": knative starts but fails to listen on "
                                     : ": once knative starts, it will fail to listen on ") +
                   go::quote(config.listen_address) +
                   (upstream.empty() ? " and serves no metrics" : " and serve no metrics"),
               "write an IPv6 address without brackets (::1) and the port separately");
    }
  }

  if (config.tls && inspector != nullptr) {
    CredentialPaths paths{s(kCert), s(kKey), tls.client_ca_file.empty() ? "" : s(kCa)};
    check_credentials(tls, paths, options, *inspector, sink);
  }
  check_unknown_variables(env, Profile::knative, sink);

  out.upstream.accepts = upstream.empty();
  out.upstream.error = upstream.first();

  // The other components that read the same settings under their own prefix, whenever one of
  // their variables is present; each would refuse to start on its own error.
  for (const KnativeTlsFamily family : knative_tls_families()) {
    if (family == kFamily) continue;
    bool present = false;
    for (const KnativeTlsSetting setting : knative_tls_settings()) {
      present = present || env.is_set(name(var(family, setting)));
    }
    if (!present) continue;
    UpstreamErrors errors(sink);
    TlsConfig family_tls;
    family_tls.min_version = kTls13;
    const bool versions_ok = parse_tuning(env, family, errors, family_tls);
    FamilyVerdict verdict{s(prefix(family)), s(component(family)),   errors.empty(),
                          errors.first(),    family_tls.min_version, family_tls.max_version};
    if (versions_ok && verdict.max_version != 0 && verdict.min_version > verdict.max_version) {
      const Var min = var(family, KnativeTlsSetting::min_version);
      const Var max = var(family, KnativeTlsSetting::max_version);
      sink.add("tls-min-above-max", Severity::error, {s(min), s(max)},
               "the minimum version " + s(version_name(verdict.min_version)) +
                   " is above the maximum " + s(version_name(verdict.max_version)) + ": " +
                   s(component(family)) + " starts, but every handshake fails",
               "lower the minimum or raise the maximum");
    }
    if (versions_ok) {
      check_go_post_quantum(env, options, family_tls, family, component(family), false, sink);
    }
    out.families.push_back(std::move(verdict));
  }
}

}  // namespace promtls::core::detail
