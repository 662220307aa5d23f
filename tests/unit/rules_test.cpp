// Alerting rules (core/rules.hpp): thresholds, the Tigera operator's rules, YAML rendering.
#include "promtls/core/rules.hpp"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "promtls/core/error.hpp"

using namespace promtls::core;

namespace {

// The alert's name is a C string: with a std::string parameter every call with a literal made a
// temporary, and GCC 14 warns that the returned reference could dangle (-Wdangling-reference).
const AlertRule& find_rule(const std::vector<RuleGroup>& groups, const char* alert) {
  for (const auto& g : groups) {
    for (const auto& r : g.rules) {
      if (r.alert == alert) return r;
    }
  }
  FAIL("no alert " << alert);
  throw std::logic_error("unreachable");
}

promtls::ExitCode exit_code_of(const RulesOptions& o) {
  try {
    (void)render_rules(o);
  } catch (const promtls::Error& e) {
    return e.exit_code();
  }
  return promtls::ExitCode::ok;
}

}  // namespace

TEST_CASE("the default thresholds are 28 and 14 days as x509-certificate-exporter's") {
  const auto groups = alert_rules({});
  CHECK(find_rule(groups, "CertificateExpiringWarning").expr ==
        "x509_cert_not_after - time() < 28 * 86400");
  CHECK(find_rule(groups, "CertificateExpiringCritical").expr ==
        "x509_cert_not_after - time() < 14 * 86400");
  CHECK(find_rule(groups, "LicenseExpiringWarning").expr ==
        "promtls_license_expiry_timestamp_seconds - time() < 28 * 86400");
  CHECK(find_rule(groups, "LicenseExpiringCritical").expr ==
        "promtls_license_expiry_timestamp_seconds - time() < 14 * 86400");
  CHECK(find_rule(groups, "CertificateExpired").expr == "x509_cert_expired == 1");
  CHECK(find_rule(groups, "LicenseInvalid").expr == "promtls_license_valid == 0");
  CHECK(find_rule(groups, "PromtlsCredentialReloadFailed").expr ==
        "increase(promtls_credential_reloads_total{result=\"failure\"}[15m]) > 0");
  CHECK(find_rule(groups, "CertificateExpiringWarning").severity == "warning");
  CHECK(find_rule(groups, "CertificateExpiringCritical").severity == "critical");
}

TEST_CASE("warning and critical days move every expiry threshold and summary") {
  RulesOptions o;
  o.warn_days = 40;
  o.crit_days = 1;
  const auto groups = alert_rules(o);
  CHECK(find_rule(groups, "CertificateExpiringWarning").expr ==
        "x509_cert_not_after - time() < 40 * 86400");
  CHECK(find_rule(groups, "LicenseExpiringCritical").expr ==
        "promtls_license_expiry_timestamp_seconds - time() < 1 * 86400");
  CHECK(find_rule(groups, "PromtlsServingCertificateExpiring").expr ==
        "promtls_serving_certificate_not_after - time() < 1 * 86400");
  CHECK(find_rule(groups, "CertificateExpiringCritical").annotations[0].second ==
        "Certificate {{ $labels.subject_CN }} expires in less than 1 day");
}

TEST_CASE("thresholds that are not positive or not ordered are usage errors") {
  RulesOptions o;
  o.crit_days = 28;
  CHECK(exit_code_of(o) == promtls::ExitCode::usage);
  o.crit_days = 30;
  CHECK(exit_code_of(o) == promtls::ExitCode::usage);
  o.warn_days = 0;
  o.crit_days = std::nullopt;
  CHECK(exit_code_of(o) == promtls::ExitCode::usage);
  o.warn_days = 10;
  o.crit_days = -1;
  CHECK(exit_code_of(o) == promtls::ExitCode::usage);
  o.crit_days = 9;
  CHECK(exit_code_of(o) == promtls::ExitCode::ok);
  RulesOptions t;
  t.compat = MetricsCompat::tigera;
  t.warn_days = 28;
  CHECK_THROWS_WITH(alert_rules(t), Catch::Contains("--metrics-compat tigera"));
}

TEST_CASE("PromtlsSourceDown alerts on promtls_source_up == 0 for ten minutes by default") {
  const auto groups = alert_rules({});
  const AlertRule& down = find_rule(groups, "PromtlsSourceDown");
  CHECK(down.expr == "promtls_source_up == 0");
  CHECK(down.for_duration == "10m");
  CHECK(down.severity == "warning");
  CHECK(down.annotations[1].second ==
        "{{ $labels.source }} has not been readable for 10m: its certificates or license are "
        "missing from the metrics. promtls_source_errors_total names the files and reasons.");
  // The secondary alert on the error counter stays.
  CHECK(find_rule(groups, "PromtlsSourceErrors").expr ==
        "increase(promtls_source_errors_total[15m]) > 0");
}

TEST_CASE("the source-down wait takes Prometheus durations and zero fires at once") {
  RulesOptions o;
  for (const char* ok : {"30s", "1h30m", "2d", "1w", "1y2w3d4h5m6s7ms", "90m"}) {
    o.source_down_for = ok;
    CHECK(find_rule(alert_rules(o), "PromtlsSourceDown").for_duration == ok);
  }
  for (const char* zero : {"0", "0s", "0m0s"}) {
    o.source_down_for = zero;
    const auto groups = alert_rules(o);
    const AlertRule& down = find_rule(groups, "PromtlsSourceDown");
    CHECK(down.for_duration.empty());
    CHECK(down.annotations[1].second.find("could not be read at the last load") !=
          std::string::npos);
  }
  for (const char* bad : {"", "10", "m", "10 m", "5s10m", "1h1h", "-5m", "1.5h", "10M", "1ms1s"}) {
    INFO(bad);
    o.source_down_for = bad;
    CHECK_THROWS_WITH(alert_rules(o), Catch::Contains("not a Prometheus duration"));
  }
  o.source_down_for = "5m";
  CHECK(render_rules(o).find("# Generated by: promtls rules --source-down-for 5m\n") == 0);
  RulesOptions t;
  t.compat = MetricsCompat::tigera;
  t.source_down_for = "5m";
  CHECK_THROWS_WITH(alert_rules(t), Catch::Contains("--source-down-for does not apply"));
}

TEST_CASE("the tigera rules are the operator's alerts with its expressions and durations") {
  RulesOptions o;
  o.compat = MetricsCompat::tigera;
  const auto groups = alert_rules(o);
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].name == "calico.rules");
  struct Row {
    const char* alert;
    const char* expr;
    const char* for_duration;
    const char* severity;
  };
  // spec/tigera-metrics.md §5, row by row.
  const std::vector<Row> table = {
      {"DeniedPacketsRate", "rate(calico_denied_packets[10s]) > 50", "", "info"},
      {"TLSCertExpiringWarning",
       "tigera_operator_tls_certificate_expiry_timestamp_seconds - time() < (30 * 24 - 8) * 3600",
       "", "warning"},
      {"TLSCertExpiringCritical",
       "tigera_operator_tls_certificate_expiry_timestamp_seconds - time() < 7 * 24 * 3600", "",
       "critical"},
      {"LicenseExpiringWarning",
       "tigera_operator_license_expiry_timestamp_seconds - time() < 30 * 24 * 3600", "", "warning"},
      {"LicenseExpiringCritical",
       "tigera_operator_license_expiry_timestamp_seconds - time() < 7 * 24 * 3600 or "
       "tigera_operator_license_valid == 0",
       "", "critical"},
      {"ComponentDegradedWarning", "tigera_operator_component_status{condition=\"degraded\"} == 1",
       "15m", "warning"},
      {"ComponentDegradedCritical", "tigera_operator_component_status{condition=\"degraded\"} == 1",
       "30m", "critical"},
      {"ComponentProgressingWarning",
       "tigera_operator_component_status{condition=\"progressing\"} == 1", "15m", "warning"},
      {"ComponentProgressingCritical",
       "tigera_operator_component_status{condition=\"progressing\"} == 1", "30m", "critical"},
  };
  REQUIRE(groups[0].rules.size() == table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const AlertRule& r = groups[0].rules[i];
    INFO(table[i].alert);
    CHECK(r.alert == table[i].alert);
    CHECK(r.expr == table[i].expr);
    CHECK(r.for_duration == table[i].for_duration);
    CHECK(r.severity == table[i].severity);
  }
  CHECK(find_rule(groups, "TLSCertExpiringWarning").annotations[0].second ==
        "TLS certificate {{ $labels.name }} expires in less than 30 days");
  CHECK(find_rule(groups, "LicenseExpiringCritical").annotations[0].second ==
        "Calico Enterprise license expires in less than 7 days or is invalid");
  CHECK(find_rule(groups, "ComponentProgressingCritical").annotations[1].second ==
        "Component {{ $labels.component }} has been progressing for more than 30 minutes.");
}

TEST_CASE("the tigera PrometheusRule is calico in tigera-prometheus with the operator's labels") {
  RulesOptions o;
  o.compat = MetricsCompat::tigera;
  const YAML::Node doc = YAML::Load(render_rules(o));
  CHECK(doc["apiVersion"].as<std::string>() == "monitoring.coreos.com/v1");
  CHECK(doc["kind"].as<std::string>() == "PrometheusRule");
  CHECK(doc["metadata"]["name"].as<std::string>() == "calico");
  CHECK(doc["metadata"]["namespace"].as<std::string>() == "tigera-prometheus");
  CHECK(doc["metadata"]["labels"]["prometheus"].as<std::string>() == "calico-node-prometheus");
  CHECK(doc["metadata"]["labels"]["role"].as<std::string>() == "tigera-prometheus-rules");
  CHECK(doc["metadata"]["labels"].size() == 2);
  CHECK(doc["spec"]["groups"][0]["name"].as<std::string>() == "calico.rules");
}

TEST_CASE("the rendered YAML reads back as exactly the rule data") {
  for (const auto compat : {MetricsCompat::none, MetricsCompat::tigera}) {
    for (const auto format : {RulesFormat::prometheus, RulesFormat::prometheus_rule}) {
      RulesOptions o;
      o.compat = compat;
      o.format = format;
      const YAML::Node doc = YAML::Load(render_rules(o));
      const YAML::Node groups =
          format == RulesFormat::prometheus ? doc["groups"] : doc["spec"]["groups"];
      const auto expected = alert_rules(o);
      REQUIRE(groups.size() == expected.size());
      for (std::size_t g = 0; g < expected.size(); ++g) {
        CHECK(groups[g]["name"].as<std::string>() == expected[g].name);
        REQUIRE(groups[g]["rules"].size() == expected[g].rules.size());
        for (std::size_t i = 0; i < expected[g].rules.size(); ++i) {
          const YAML::Node r = groups[g]["rules"][i];
          const AlertRule& e = expected[g].rules[i];
          INFO(e.alert);
          CHECK(r["alert"].as<std::string>() == e.alert);
          CHECK(r["expr"].as<std::string>() == e.expr);
          CHECK(r["for"].IsDefined() == !e.for_duration.empty());
          if (!e.for_duration.empty()) CHECK(r["for"].as<std::string>() == e.for_duration);
          CHECK(r["labels"]["severity"].as<std::string>() == e.severity);
          CHECK(r["annotations"].size() == e.annotations.size());
          for (const auto& [key, value] : e.annotations) {
            CHECK(r["annotations"][key].as<std::string>() == value);
          }
        }
      }
    }
  }
}

TEST_CASE("PrometheusRule metadata takes a name and namespace and labels") {
  RulesOptions o;
  o.name = "promtls-alerts";
  o.namespace_name = "monitoring";
  o.labels = {{"release", "kube-prometheus-stack"}, {"app.kubernetes.io/part-of", "promtls"}};
  const std::string text = render_rules(o);
  CHECK(text.starts_with(
      "# Generated by: promtls rules --name promtls-alerts --namespace monitoring --label "
      "release=kube-prometheus-stack --label app.kubernetes.io/part-of=promtls\n"));
  const YAML::Node doc = YAML::Load(text);
  CHECK(doc["metadata"]["name"].as<std::string>() == "promtls-alerts");
  CHECK(doc["metadata"]["namespace"].as<std::string>() == "monitoring");
  CHECK(doc["metadata"]["labels"]["release"].as<std::string>() == "kube-prometheus-stack");
  CHECK(doc["metadata"]["labels"]["app.kubernetes.io/part-of"].as<std::string>() == "promtls");
  // Without a namespace the object takes the one kubectl applies it to.
  CHECK(!YAML::Load(render_rules({}))["metadata"]["namespace"].IsDefined());
}

TEST_CASE("invalid Kubernetes names and labels are usage errors") {
  const auto code = [](auto mutate) {
    RulesOptions o;
    mutate(o);
    return exit_code_of(o);
  };
  CHECK(code([](RulesOptions& o) { o.name = "Promtls"; }) == promtls::ExitCode::usage);
  CHECK(code([](RulesOptions& o) { o.name = "-promtls"; }) == promtls::ExitCode::usage);
  CHECK(code([](RulesOptions& o) { o.namespace_name = "mon.itoring"; }) ==
        promtls::ExitCode::usage);
  CHECK(code([](RulesOptions& o) { o.labels = {{"a b", "c"}}; }) == promtls::ExitCode::usage);
  CHECK(code([](RulesOptions& o) { o.labels = {{"team", "-x"}}; }) == promtls::ExitCode::usage);
  CHECK(code([](RulesOptions& o) {
          o.labels = {{"team", std::string(64, 'a')}};
        }) == promtls::ExitCode::usage);
  CHECK(code([](RulesOptions& o) {
          o.labels = {{"Example.com/team", "a"}};
        }) == promtls::ExitCode::usage);
  CHECK(code([](RulesOptions& o) {
          o.labels = {{"example.com/team", ""}};
        }) == promtls::ExitCode::ok);
}

TEST_CASE("YAML scalars are plain only when they read back unchanged") {
  CHECK(yaml_scalar("x509_cert_expired == 1") == "x509_cert_expired == 1");
  CHECK(yaml_scalar("{{ $labels.instance }} is down") == "'{{ $labels.instance }} is down'");
  CHECK(yaml_scalar("a: b") == "'a: b'");
  CHECK(yaml_scalar("it's") == "it's");
  CHECK(yaml_scalar("'quoted'") == "'''quoted'''");
  CHECK(yaml_scalar("15m") == "15m");
  CHECK(yaml_scalar("1.5") == "'1.5'");
  CHECK(yaml_scalar("0x1F") == "'0x1F'");
  CHECK(yaml_scalar("2026-01-01") == "'2026-01-01'");
  CHECK(yaml_scalar("1:30") == "'1:30'");
  CHECK(yaml_scalar(".inf") == "'.inf'");
  CHECK(yaml_scalar("-1") == "'-1'");
  CHECK(yaml_scalar("true") == "'true'");
  CHECK(yaml_scalar("No") == "'No'");
  CHECK(yaml_scalar("") == "''");
  CHECK(yaml_scalar("x #y") == "'x #y'");
  for (const std::string s : {"a: b", "'q'", "15m", "true", "", "x #y", "- item", "@x", "%x"}) {
    CHECK(YAML::Load("k: " + yaml_scalar(s))["k"].as<std::string>() == s);
  }
}
