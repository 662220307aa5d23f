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
  REQUIRE(rows.size() == 41);
  std::set<std::string> names;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Var v = static_cast<Var>(i);
    INFO(rows[i].name);
    CHECK(rows[i].key == v);
    CHECK(&spec(v) == &rows[i]);
    CHECK(name(v) == rows[i].name);
    CHECK(default_value(v) == rows[i].default_value);
    CHECK(find_variable(name(v), rows[i].profile) == &rows[i]);
    // Names are unique within a profile; TLS_MIN_VERSION is the one both profiles read.
    CHECK(names.insert(std::string(rows[i].name) + "/" + std::string(to_string(rows[i].profile)))
              .second);
    CHECK(shared_between_profiles(rows[i].name) == (rows[i].name == "TLS_MIN_VERSION"));
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
      if (prefix(family).empty()) {  // eventing's: the four settings without a prefix
        for (const KnativeTlsSetting setting : knative_tls_settings()) {
          prefixed = prefixed || v.name == name(var(family, setting));
        }
        continue;
      }
      prefixed = prefixed || v.name.rfind(prefix(family), 0) == 0;
    }
    CHECK(prefixed == (v.profile == Profile::knative || shared_between_profiles(v.name)));
    CHECK(belongs_to(v.name, v.profile));
    CHECK(belongs_to(v.name, v.profile == Profile::knative ? Profile::tigera : Profile::knative) ==
          shared_between_profiles(v.name));
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
  ProfileChoice c = choose_profile(env, std::nullopt);
  CHECK(c.profiles == std::vector<Profile>{Profile::knative});
  CHECK(c.reason == "knative (the default: no variable of either family is present)");
  env.set(std::string(name(Var::tigera_scheme)), "https", origin);
  c = choose_profile(env, std::nullopt);
  CHECK(c.profiles == std::vector<Profile>{Profile::tigera});
  CHECK(c.reason == "tigera (METRICS_SCHEME is present)");
  env.set("METRICS_PROMETHEUS_UNKNOWN", "1", origin);
  env.set(std::string(name(Var::knative_port)), "9091", origin);
  c = choose_profile(env, std::nullopt);
  CHECK(c.profiles == std::vector<Profile>{Profile::knative, Profile::tigera});
  CHECK(c.reason ==
        "knative and tigera: variables of both families are present (knative: "
        "METRICS_PROMETHEUS_PORT, METRICS_PROMETHEUS_UNKNOWN; tigera: METRICS_SCHEME)");
  const auto findings = profile_findings(c, env, std::nullopt);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == "profile-auto");
  CHECK(findings[0].message == "--profile auto picked " + c.reason + "; both are checked");
}

TEST_CASE("a forced profile is the only one checked, and reads the shared TLS_MIN_VERSION") {
  EnvSnapshot env;
  env.set("METRICS_PROMETHEUS_TLS_CERT", "/c", {});
  env.set("TLS_MIN_VERSION", "1.2", {});
  const ProfileChoice c = choose_profile(env, Profile::tigera);
  CHECK(c.forced);
  CHECK(c.profiles == std::vector<Profile>{Profile::tigera});
  CHECK(c.shared_reader == Profile::tigera);
  CHECK(profile_findings(c, env, std::nullopt).empty());
  CHECK(env_for(env, c, Profile::tigera).is_set("TLS_MIN_VERSION"));
}

TEST_CASE("the shared TLS_MIN_VERSION goes to the family whose other variables are present") {
  EnvSnapshot eventing;
  eventing.set("TLS_MIN_VERSION", "1.2", {});
  eventing.set("TLS_CIPHER_SUITES", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", {});
  ProfileChoice c = choose_profile(eventing, std::nullopt);
  CHECK(c.profiles == std::vector<Profile>{Profile::knative});
  CHECK(c.shared_reader == Profile::knative);
  CHECK_FALSE(c.ambiguous);
  CHECK(c.shared_reason ==
        "TLS_MIN_VERSION is knative/eventing's: TLS_CIPHER_SUITES is present and no tigera "
        "variable");
  CHECK(c.reason == "knative (TLS_CIPHER_SUITES, TLS_MIN_VERSION are present)");

  EnvSnapshot tigera;
  tigera.set("TLS_MIN_VERSION", "1.3", {});
  tigera.set("METRICS_CLIENT_AUTH", "NoClientCert", {});
  c = choose_profile(tigera, std::nullopt);
  CHECK(c.profiles == std::vector<Profile>{Profile::tigera});
  CHECK(c.shared_reader == Profile::tigera);
  CHECK(c.shared_reason ==
        "TLS_MIN_VERSION is the Tigera operator's: METRICS_CLIENT_AUTH is present and no knative "
        "variable");
  const auto findings = profile_findings(c, tigera, std::nullopt);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].message ==
        "--profile auto picked tigera (METRICS_CLIENT_AUTH, TLS_MIN_VERSION are present); " +
            c.shared_reason);
}

TEST_CASE("the workload decides the shared TLS_MIN_VERSION when the variables cannot") {
  EnvSnapshot env;
  env.set("TLS_MIN_VERSION", "1.2", {});
  ProfileChoice c =
      choose_profile(env, std::nullopt, Workload{"quay.io/tigera/operator:v1.43.0", "", ""});
  CHECK(c.profiles == std::vector<Profile>{Profile::tigera});
  CHECK(c.shared_reason ==
        "TLS_MIN_VERSION is the Tigera operator's: the image quay.io/tigera/operator:v1.43.0 is "
        "the Tigera operator's");
  c = choose_profile(env, std::nullopt, Workload{"registry.example/filter:1", "filter", ""});
  CHECK(c.ambiguous);
  c = choose_profile(env, std::nullopt, Workload{"", "", "mt-broker-filter-eventing"});
  CHECK(c.profiles == std::vector<Profile>{Profile::knative});
  CHECK(c.shared_reader == Profile::knative);
  // Variables of both families: the workload still decides whose TLS_MIN_VERSION it is.
  env.set("METRICS_SCHEME", "https", {});
  env.set("TLS_MAX_VERSION", "1.3", {});
  c = choose_profile(env, std::nullopt, Workload{"gcr.io/knative-releases/filter", "", ""});
  CHECK(c.profiles == std::vector<Profile>{Profile::knative, Profile::tigera});
  CHECK(c.shared_reader == Profile::knative);
  CHECK_FALSE(env_for(env, c, Profile::tigera).is_set("TLS_MIN_VERSION"));
  CHECK(env_for(env, c, Profile::knative).is_set("TLS_MIN_VERSION"));
}

TEST_CASE("a TLS_MIN_VERSION nothing attributes is ambiguous: both are checked, --profile asked") {
  EnvSnapshot env;
  env.set("TLS_MIN_VERSION", "1.2", {});
  const ProfileChoice c = choose_profile(env, std::nullopt);
  CHECK(c.ambiguous);
  CHECK_FALSE(c.shared_reader);
  CHECK(c.profiles == std::vector<Profile>{Profile::knative, Profile::tigera});
  const auto findings = profile_findings(c, env, std::nullopt);
  REQUIRE(findings.size() == 2);
  CHECK(findings[1].code == "profile-ambiguous");
  CHECK(findings[1].severity == Severity::warning);
  CHECK(findings[1].variables == std::vector<std::string>{"TLS_MIN_VERSION"});
  CHECK(findings[1].message ==
        "TLS_MIN_VERSION is read both by knative/eventing (default 1.3) and by the Tigera "
        "operator (default 1.2), and promtls cannot tell which reads it here: no other variable "
        "is present");
  CHECK(findings[1].hint.find("--profile knative") != std::string::npos);
  // Both profiles read it then.
  CHECK(env_for(env, c, Profile::tigera).is_set("TLS_MIN_VERSION"));
  CHECK(env_for(env, c, Profile::knative).is_set("TLS_MIN_VERSION"));
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
