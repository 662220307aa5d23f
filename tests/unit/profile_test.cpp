// The variable table and its typed keys: every key has one row, the names are unique and built
// from knative's prefix and suffixes, and the lookups agree with each other.
#include "promtls/core/profile.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <string>

#include "promtls/core/ci_report.hpp"
#include "promtls/core/env.hpp"

using namespace promtls::core;

TEST_CASE("every Var has exactly one row, and the rows are in the order of Var") {
  const auto rows = all_variables();
  REQUIRE(rows.size() == 37);
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Var v = static_cast<Var>(i);
    INFO(rows[i].name);
    CHECK(rows[i].key == v);
    CHECK(&spec(v) == &rows[i]);
    CHECK(name(v) == rows[i].name);
    CHECK(default_value(v) == rows[i].default_value);
    CHECK(find_variable(name(v)) == &rows[i]);
    CHECK(names.insert(rows[i].name).second);
    CHECK(!rows[i].meaning.empty());
    // A path's unresolvable valueFrom keeps a placeholder; every other variable has a value the
    // component accepts.
    CHECK(rows[i].assumed_value.empty() == rows[i].path);
  }
  CHECK(find_variable("METRICS_PROMETHEUS_TLS_CERTFILE") == nullptr);
  CHECK(find_variable("") == nullptr);
}

TEST_CASE("the typed keys name the documented variables and defaults") {
  CHECK(name(Var::knative_host) == "METRICS_PROMETHEUS_HOST");
  CHECK(name(Var::knative_port) == "METRICS_PROMETHEUS_PORT");
  CHECK(default_value(Var::knative_port) == "9090");
  CHECK(name(Var::knative_tls_client_ca_file) == "METRICS_PROMETHEUS_TLS_CLIENT_CA_FILE");
  CHECK(name(Var::knative_tls_min_version) == "METRICS_PROMETHEUS_TLS_MIN_VERSION");
  CHECK(default_value(Var::knative_tls_min_version) == "1.3");
  CHECK(name(Var::knative_tls_curve_preferences) == "METRICS_PROMETHEUS_TLS_CURVE_PREFERENCES");
  CHECK(name(Var::tigera_tls_min_version) == "TLS_MIN_VERSION");
  CHECK(default_value(Var::tigera_tls_min_version) == "1.2");
  CHECK(default_value(Var::tigera_port) == "9484");
  CHECK(default_value(Var::tigera_host) == "0.0.0.0");
  CHECK(default_value(Var::tigera_client_auth) == "RequireAndVerifyClientCert");
  CHECK(name(Var::tigera_operator_name) == "OPERATOR_NAME");
  CHECK(default_value(Var::tigera_operator_name) == "tigera-operator");
}

TEST_CASE("knative's names are its family prefix and a suffix, and only knative's") {
  for (const VariableSpec& v : all_variables()) {
    INFO(v.name);
    bool prefixed = false;
    for (const KnativeTlsFamily family : knative_tls_families()) {
      prefixed = prefixed || v.name.rfind(prefix(family), 0) == 0;
    }
    CHECK(prefixed == (v.profile == Profile::knative));
    CHECK(belongs_to(v.name, v.profile));
    CHECK_FALSE(
        belongs_to(v.name, v.profile == Profile::knative ? Profile::tigera : Profile::knative));
  }
  CHECK(prefix(KnativeTlsFamily::metrics_prometheus) == family_prefix(Profile::knative));
}

TEST_CASE(
    "the knative TLS family maps each setting to prefix + suffix, in DefaultConfigFromEnv's "
    "order") {
  const auto settings = knative_tls_settings();
  REQUIRE(settings.size() == 4);
  CHECK(settings[0] == KnativeTlsSetting::min_version);
  CHECK(settings[1] == KnativeTlsSetting::max_version);
  CHECK(settings[2] == KnativeTlsSetting::cipher_suites);
  CHECK(settings[3] == KnativeTlsSetting::curve_preferences);
  CHECK(suffix(KnativeTlsSetting::min_version) == "TLS_MIN_VERSION");
  CHECK(suffix(KnativeTlsSetting::max_version) == "TLS_MAX_VERSION");
  CHECK(suffix(KnativeTlsSetting::cipher_suites) == "TLS_CIPHER_SUITES");
  CHECK(suffix(KnativeTlsSetting::curve_preferences) == "TLS_CURVE_PREFERENCES");

  std::set<Var> family;
  for (const KnativeTlsSetting setting : settings) {
    const KnativeTlsFamily f = KnativeTlsFamily::metrics_prometheus;
    const Var v = var(f, setting);
    INFO(name(v));
    CHECK(family.insert(v).second);
    CHECK(std::string(name(v)) == std::string(prefix(f)) + std::string(suffix(setting)));
    CHECK(spec(v).profile == Profile::knative);
  }
  // The tuning variables (read only with TLS on, R-G6) are exactly the family's.
  for (const VariableSpec& v : all_variables()) {
    INFO(v.name);
    CHECK(v.tls_tuning == (family.count(v.key) == 1));
  }
}

TEST_CASE("did-you-mean suggestions come from the table of the same profile") {
  CHECK(suggest_variable("METRICS_PROMETHEUS_TLS_CERTFILE", Profile::knative) ==
        name(Var::knative_tls_cert));
  CHECK(suggest_variable("METRICS_PROMETHEUS_TLS_MINVERSION", Profile::knative) ==
        name(Var::knative_tls_min_version));
  CHECK(suggest_variable("METRICS_TLS_CERT_FIEL", Profile::tigera) ==
        name(Var::tigera_tls_cert_file));
  CHECK(suggest_variable("METRICS_PROMETHEUS_SOMETHING_ELSE_ENTIRELY", Profile::knative).empty());
  // A name cut short suggests the name it begins, not the nearest by edit distance
  // (METRICS_PROMETHEUS_TLS_CLIENT_AUTH is closer to ..._CLIENT_CA by edit distance).
  CHECK(suggest_variable("METRICS_PROMETHEUS_TLS_CLIENT_CA", Profile::knative) ==
        name(Var::knative_tls_client_ca_file));
  CHECK(suggest_variable("METRICS_PROMETHEUS_TLS_CURVE", Profile::knative) ==
        name(Var::knative_tls_curve_preferences));
  CHECK(suggest_variable("METRICS_TLS_CA", Profile::tigera) == name(Var::tigera_tls_ca_file));
  for (const VariableSpec& v : all_variables()) {
    CHECK(suggest_variable(v.name, v.profile) == v.name);
  }
}

TEST_CASE("profile auto counts the family prefix and the Tigera names, not OPERATOR_*") {
  EnvSnapshot env;
  const Origin origin{Origin::Kind::flag, {}, 0, {}};
  env.set(std::string(name(Var::tigera_operator_name)), "x", origin);
  env.set(std::string(name(Var::tigera_operator_namespace)), "x", origin);
  std::string reason;
  CHECK(detect_profile(env, reason) == Profile::knative);
  CHECK(reason == "knative (the default: no variable of either family is present)");
  env.set(std::string(name(Var::tigera_scheme)), "https", origin);
  CHECK(detect_profile(env, reason) == Profile::tigera);
  CHECK(reason == "tigera (METRICS_SCHEME is present)");
  env.set("METRICS_PROMETHEUS_UNKNOWN", "1", origin);
  env.set(std::string(name(Var::knative_port)), "9091", origin);
  CHECK(detect_profile(env, reason) == Profile::knative);
  CHECK(reason ==
        "knative (METRICS_PROMETHEUS_PORT, METRICS_PROMETHEUS_UNKNOWN are present; METRICS_SCHEME "
        "of the tigera family is ignored)");
}

TEST_CASE("the CI reports' code descriptions name only variables of the table") {
  // ci_report.cpp's descriptions are constant text; every variable-like word in them must be a
  // row of the table, so that a renamed variable cannot leave them behind.
  const std::regex variable_like("[A-Z][A-Z0-9]*(_[A-Z0-9]+)+");
  std::size_t named = 0;
  for (const char* code :
       {"metrics-address-ignored", "metrics-enabled-not-true", "operator-name-san-mismatch",
        "scheme-not-https", "tls-settings-ignored-without-https", "tuning-ignored-without-tls",
        "unknown-variable", "value-whitespace", "mtls-requires-tls"}) {
    const std::string text(describe_code(code));
    INFO(code << ": " << text);
    REQUIRE(!text.empty());
    for (std::sregex_iterator it(text.begin(), text.end(), variable_like), end; it != end; ++it) {
      ++named;
      CHECK(find_variable(it->str()) != nullptr);
    }
  }
  CHECK(named == 6);
}
