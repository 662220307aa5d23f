// Golden tests for the messages and hints that name variables or their defaults: they are built
// from the variable table and the TLS catalog, and must read exactly as before.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "findings.hpp"
#include "promtls/core/config.hpp"
#include "promtls/core/tls_catalog.hpp"

using namespace promtls::core;

namespace {

using promtls::test::find_finding;

Evaluation eval(Profile profile, const std::map<std::string, std::string>& vars) {
  EnvSnapshot env;
  for (const auto& [k, v] : vars) env.set(k, v, Origin{Origin::Kind::flag, {}, 0, {}});
  EvaluateOptions options;
  options.now_unix = 1798761600;  // 2027-01-01T00:00:00Z
  options.tls_library = {"OpenSSL 3.0.19", false};
  return evaluate(env, profile, options, nullptr);
}

Evaluation knative(const std::map<std::string, std::string>& vars) {
  return eval(Profile::knative, vars);
}
Evaluation tigera(const std::map<std::string, std::string>& vars) {
  return eval(Profile::tigera, vars);
}

// A copy, so that a finding of a temporary evaluation can be kept.
Finding get(const Evaluation& e, const std::string& code) {
  const Finding* f = find_finding(e, code);
  if (f == nullptr) FAIL("no finding " << code);
  return *f;
}

const std::map<std::string, std::string> kTlsOn{{"METRICS_PROMETHEUS_TLS_CERT", "/c.pem"},
                                                {"METRICS_PROMETHEUS_TLS_KEY", "/k.pem"}};

std::map<std::string, std::string> tls_on(std::map<std::string, std::string> more) {
  more.insert(kTlsOn.begin(), kTlsOn.end());
  return more;
}

}  // namespace

TEST_CASE("knative: the pairing and mTLS messages name the table's variables") {
  const auto unpaired = knative({{"METRICS_PROMETHEUS_TLS_CERT", "/c.pem"}});
  const Finding& u = get(unpaired, "tls-cert-key-unpaired");
  CHECK(u.message ==
        "both METRICS_PROMETHEUS_TLS_CERT and METRICS_PROMETHEUS_TLS_KEY must be set or neither");
  CHECK(u.hint == "set METRICS_PROMETHEUS_TLS_KEY too, or unset both for plain HTTP");
  CHECK(u.variables == std::vector<std::string>{"METRICS_PROMETHEUS_TLS_CERT"});

  const Finding& m = get(knative({{"METRICS_PROMETHEUS_TLS_CLIENT_AUTH", "require"},
                                  {"METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE", "/ca.pem"}}),
                         "mtls-requires-tls");
  CHECK(m.message ==
        "METRICS_PROMETHEUS_TLS_CLIENT_AUTH and METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE require TLS "
        "to be enabled (METRICS_PROMETHEUS_TLS_CERT and METRICS_PROMETHEUS_TLS_KEY must be set)");
  CHECK(m.variables == std::vector<std::string>{"METRICS_PROMETHEUS_TLS_CLIENT_AUTH",
                                                "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE"});

  const Finding& invalid =
      get(knative({{"METRICS_PROMETHEUS_TLS_CLIENT_AUTH", "bogus"}}), "client-auth-invalid");
  CHECK(invalid.message ==
        "invalid METRICS_PROMETHEUS_TLS_CLIENT_AUTH \"bogus\": must be \"none\", \"optional\", or "
        "\"require\"");

  const Finding& required = get(
      knative(tls_on({{"METRICS_PROMETHEUS_TLS_CLIENT_AUTH", "require"}})), "client-ca-required");
  CHECK(required.message ==
        "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE must be set when METRICS_PROMETHEUS_TLS_CLIENT_AUTH "
        "is \"require\" (client certs cannot be validated without a CA)");

  const Finding& without =
      get(knative(tls_on({{"METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE", "/ca.pem"}})),
          "client-ca-without-client-auth");
  CHECK(without.message ==
        "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE is set but METRICS_PROMETHEUS_TLS_CLIENT_AUTH is "
        "\"\"; set METRICS_PROMETHEUS_TLS_CLIENT_AUTH to \"optional\" or \"require\" to use client "
        "certificate verification");
  CHECK(without.hint ==
        "set METRICS_PROMETHEUS_TLS_CLIENT_AUTH=require for mTLS, or unset the CA file");
}

TEST_CASE("knative: with TLS off every tuning variable of the family is reported as ignored") {
  const auto e = knative({{"METRICS_PROMETHEUS_TLS_MIN_VERSION", "1.0"},
                          {"METRICS_PROMETHEUS_TLS_MAX_VERSION", "x"},
                          {"METRICS_PROMETHEUS_TLS_CIPHER_SUITES", "NOPE"},
                          {"METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES", "NOPE"}});
  CHECK(e.upstream.accepts);
  std::vector<std::string> ignored;
  for (const auto& f : e.findings) {
    if (f.code != "tuning-ignored-without-tls") continue;
    ignored.push_back(f.variables.at(0));
    CHECK(f.message ==
          f.variables.at(0) + " is set but TLS is off, so knative ignores it (even if invalid)");
    CHECK(f.hint == "set METRICS_PROMETHEUS_TLS_CERT and _KEY, or remove it");
  }
  // In DefaultConfigFromEnv's order: MIN, MAX, CIPHERS, CURVES.
  CHECK(ignored == std::vector<std::string>{"METRICS_PROMETHEUS_TLS_MIN_VERSION",
                                            "METRICS_PROMETHEUS_TLS_MAX_VERSION",
                                            "METRICS_PROMETHEUS_TLS_CIPHER_SUITES",
                                            "METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES"});
  const Finding& off = get(e, "tls-disabled");
  CHECK(off.message == "TLS is off: knative serves plain HTTP on :9090");
  CHECK(off.hint ==
        "set METRICS_PROMETHEUS_TLS_CERT and METRICS_PROMETHEUS_TLS_KEY to serve HTTPS");
}

TEST_CASE("knative: the default port and host messages") {
  const auto unset = knative({});
  CHECK(unset.config.port == 9090);
  CHECK(unset.config.listen_address == ":9090");
  CHECK(get(knative({{"METRICS_PROMETHEUS_PORT", "80"}}), "port-out-of-range").hint ==
        "ports below 1024 need privileges knative does not ask for; 9090 is the default");
  const Finding& host = get(knative({{"METRICS_PROMETHEUS_HOST", "a:b"}}), "host-listen-failure");
  CHECK(host.message ==
        "METRICS_PROMETHEUS_HOST \"a:b\" contains ':' but is not an IPv6 address (a port belongs "
        "in METRICS_PROMETHEUS_PORT): knative starts but fails to listen on \"[a:b]:9090\" and "
        "serves no metrics");
  const Finding& space = get(knative({{"METRICS_PROMETHEUS_HOST", " x"}}), "value-whitespace");
  CHECK(space.message ==
        "METRICS_PROMETHEUS_HOST value \" x\" has leading or trailing white space, which knative "
        "keeps");
}

TEST_CASE("knative: the 1.3 default minimum and the tuning messages") {
  const auto defaults = knative(kTlsOn);
  CHECK(defaults.config.tls_config.min_version == kTls13);
  CHECK(defaults.config.tls_config.max_version == 0);

  const Finding& above =
      get(knative(tls_on({{"METRICS_PROMETHEUS_TLS_MAX_VERSION", "1.2"}})), "tls-min-above-max");
  CHECK(above.message ==
        "the minimum version TLS 1.3 is above the maximum TLS 1.2: knative starts, but every "
        "handshake fails");
  CHECK(above.hint ==
        "knative's default minimum is 1.3: set METRICS_PROMETHEUS_TLS_MIN_VERSION=1.2 or raise the "
        "maximum");

  const Finding& ignored = get(knative(tls_on({{"METRICS_PROMETHEUS_TLS_CIPHER_SUITES",
                                                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}})),
                               "cipher-suites-ignored");
  CHECK(ignored.message ==
        "METRICS_PROMETHEUS_TLS_CIPHER_SUITES has no effect: the minimum version is TLS 1.3, whose "
        "suites Go does not let you choose");
  CHECK(ignored.hint ==
        "remove it, or set METRICS_PROMETHEUS_TLS_MIN_VERSION=1.2 if TLS 1.2 clients must connect");

  const Finding& order =
      get(knative(tls_on({{"METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES", "X25519,P-256"}})),
          "curve-order-ignored");
  CHECK(order.message ==
        "Go 1.24 and later treat METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES as a set: the order "
        "given is ignored");
  CHECK(knative(tls_on({{"METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES", "X25519,P-256"}}))
            .config.tls_config.curves == std::vector<std::uint16_t>{29, 23});
}

TEST_CASE("knative: HTTP/2's required suites are the catalog's two AES-128-GCM suites") {
  const auto with = [](const std::string& suites) {
    return knative(tls_on({{"METRICS_PROMETHEUS_TLS_MIN_VERSION", "1.2"},
                           {"METRICS_PROMETHEUS_TLS_CIPHER_SUITES", suites}}));
  };
  CHECK(find_finding(
            with("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
            "http2-cipher-missing") != nullptr);
  CHECK(find_finding(with("TLS_AES_128_GCM_SHA256"), "http2-cipher-missing") != nullptr);
  CHECK(find_finding(with("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), "http2-cipher-missing") ==
        nullptr);
  CHECK(find_finding(
            with("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
            "http2-cipher-missing") == nullptr);
}

TEST_CASE("knative: curve hints come from the catalog's aliases and knative's map") {
  const auto hint = [](const std::string& curve) {
    const auto e = knative(tls_on({{"METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES", curve}}));
    const Finding& f = get(e, "curve-unknown");
    CHECK(f.message ==
          "invalid METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES: unknown curve \"" + curve + "\"");
    CHECK(e.upstream.error == f.message);
    return f.hint;
  };
  CHECK(hint("secp256r1") == "knative's names are case-sensitive: did you mean CurveP256?");
  CHECK(hint("PRIME256V1") == "knative's names are case-sensitive: did you mean CurveP256?");
  CHECK(hint("secp521r1") == "knative's names are case-sensitive: did you mean CurveP521?");
  CHECK(hint("p256") == "knative's names are case-sensitive: did you mean P-256?");
  CHECK(hint("p-384") == "knative's names are case-sensitive: did you mean P-384?");
  CHECK(hint("curvep384") == "knative's names are case-sensitive: did you mean CurveP384?");
  CHECK(hint("x25519") == "knative's names are case-sensitive: did you mean X25519?");
  CHECK(hint("x25519mlkem768") ==
        "knative's names are case-sensitive: did you mean X25519MLKEM768?");
  CHECK(hint("SecP256r1MLKEM768") ==
        "a Go 1.26 name that knative's static map does not have; use X25519MLKEM768");
  CHECK(hint("SecP384r1MLKEM1024") ==
        "a Go 1.26 name that knative's static map does not have; use X25519MLKEM768");
  const std::string fallback =
      "use CurveP256, CurveP384, CurveP521, X25519, X25519MLKEM768, P-256, P-384 or P-521";
  CHECK(hint("X448") == fallback);
  CHECK(hint("secp256r1mlkem768") == fallback);
  CHECK(hint("CurveID(29)") == fallback);
}

TEST_CASE("tigera: the METRICS_ENABLED and METRICS_SCHEME messages name the table's variables") {
  const Finding& yes = get(tigera({{"METRICS_ENABLED", "yes"}}), "metrics-enabled-not-true");
  CHECK(yes.message ==
        "METRICS_ENABLED \"yes\" is not \"true\": the operator compares it with "
        "strings.EqualFold(v, \"true\") and serves no metrics");
  CHECK(yes.hint == "write METRICS_ENABLED=true");
  const Finding& ftp = get(tigera({{"METRICS_SCHEME", "ftp"}}), "scheme-not-https");
  CHECK(ftp.message ==
        "METRICS_SCHEME \"ftp\" is neither https nor http: the operator serves plain HTTP");
  CHECK(ftp.hint == "write METRICS_SCHEME=https for TLS and client certificates");

  const auto off = tigera({{"METRICS_PORT", "9000"}});
  const Finding& disabled = get(off, "metrics-disabled");
  CHECK(disabled.message ==
        "METRICS_ENABLED is not true: the operator serves no metrics (bind address \"0\")");
  CHECK(disabled.hint == "set METRICS_ENABLED=true to serve them");
  const Finding& address = get(off, "metrics-address-ignored");
  CHECK(address.message ==
        "METRICS_PORT is set but METRICS_ENABLED is not true: since ec7c44c4e the host or port "
        "alone no longer turns metrics on");
  CHECK(address.hint == "set METRICS_ENABLED=true");

  const Finding& later = get(tigera({{"METRICS_PORT", "x"}}), "port-invalid");
  CHECK(later.message ==
        "once METRICS_ENABLED=true the operator will exit 1 with \"listen tcp: address tcp/x: "
        "unknown port\"");
  CHECK(later.hint == "use the default port 9484 and bracket IPv6 hosts");
}

TEST_CASE("tigera: the TLS parsing messages name the table's variables") {
  const auto bad_auth = tigera({{"METRICS_SCHEME", "https"}, {"METRICS_CLIENT_AUTH", "bogus"}});
  CHECK(get(bad_auth, "client-auth-invalid").hint ==
        "use RequireAndVerifyClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or "
        "NoClientCert (the operator logs \"invalid METRICS_CLIENT_AUTH\" and exits 1)");
  const Finding& parsed = get(bad_auth, "tls-parsed-while-metrics-disabled");
  CHECK(parsed.message ==
        "METRICS_SCHEME is https while metrics are off: the operator still parses "
        "METRICS_CLIENT_AUTH and TLS_MIN_VERSION, and the bad value above stops it although it "
        "serves no metrics");
  CHECK(parsed.hint == "unset METRICS_SCHEME, or set METRICS_ENABLED=true");

  const auto bad_min = tigera({{"METRICS_SCHEME", "https"}, {"TLS_MIN_VERSION", "1.0"}});
  CHECK(get(bad_min, "tls-version-invalid").hint ==
        "the operator supports only TLS 1.2 and 1.3 (the operator logs \"invalid "
        "TLS_MIN_VERSION\" and exits 1)");

  const Finding& ignored =
      get(tigera({{"TLS_MIN_VERSION", "1.3"}}), "tls-settings-ignored-without-https");
  CHECK(ignored.message ==
        "TLS_MIN_VERSION is set but METRICS_SCHEME is not https, so the operator ignores it");
  CHECK(ignored.hint == "set METRICS_SCHEME=https, or remove it");

  const auto defaults = tigera({{"METRICS_ENABLED", "true"}, {"METRICS_SCHEME", "https"}});
  CHECK(defaults.config.tls_config.min_version == kTls12);
  CHECK(defaults.config.tls_config.cert_file == "/etc/tigera-operator-tls/tls.crt");
  CHECK(defaults.config.tls_config.key_file == "/etc/tigera-operator-tls/tls.key");
  CHECK(defaults.config.tls_config.client_ca_file == "/etc/tigera-ca-private/tls.crt");
  CHECK(defaults.config.listen_address == "0.0.0.0:9484");

  const auto any = tigera({{"METRICS_ENABLED", "true"},
                           {"METRICS_SCHEME", "https"},
                           {"METRICS_CLIENT_AUTH", "RequireAnyClientCert"}});
  CHECK(get(any, "client-auth-unverified").hint == "use RequireAndVerifyClientCert (the default)");
}

TEST_CASE("tigera: the port messages use the default and the Service's port") {
  const auto bad = tigera({{"METRICS_ENABLED", "true"}, {"METRICS_PORT", "x"}});
  CHECK(get(bad, "port-invalid").hint ==
        "the operator does not validate METRICS_PORT: the manager fails to listen and the operator "
        "exits 1 (\"problem running manager\"); use 9484");
  const auto named = tigera({{"METRICS_ENABLED", "true"}, {"METRICS_PORT", "http"}});
  CHECK(get(named, "port-service-name").message ==
        "METRICS_PORT \"http\" is a service name: Go resolves it to 80 through the pod's "
        "/etc/services (or its built-in table)");
  const Finding& mismatch = get(named, "port-service-mismatch");
  CHECK(mismatch.message ==
        "the operator listens on port 80 but its Service tigera-operator-metrics always targets "
        "9484: Prometheus cannot scrape it");
  CHECK(mismatch.hint == "leave METRICS_PORT unset (9484)");
  CHECK(get(named, "servicemonitor-scheme-mismatch").hint ==
        "set METRICS_SCHEME=https, as the shipped Deployment does");
}

TEST_CASE("tigera: OPERATOR_NAME other than its default breaks the Service's name") {
  const auto with = [](const std::string& name) {
    return tigera(
        {{"METRICS_ENABLED", "true"}, {"METRICS_SCHEME", "https"}, {"OPERATOR_NAME", name}});
  };
  const Finding& f = get(with("foo"), "operator-name-san-mismatch");
  CHECK(f.message ==
        "OPERATOR_NAME \"foo\" makes the operator issue its certificate for foo-metrics, but the "
        "Service and the ServiceMonitor's serverName stay tigera-operator-metrics: Prometheus's "
        "hostname check fails");
  CHECK(f.hint ==
        "leave OPERATOR_NAME unset, or issue the certificate yourself with the DNS name "
        "tigera-operator-metrics");
  CHECK(find_finding(with("tigera-operator"), "operator-name-san-mismatch") == nullptr);
}
