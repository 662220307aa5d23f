// The metric table drives every family promtls prints and every name its alert rules use; the
// streamed writer (inspect), the whole-family renderer and prometheus-cpp's TextSerializer give
// the same bytes for the same input.
#include "promtls/core/metric_table.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

#include "prometheus_text.hpp"
#include "promtls/core/inspect_report.hpp"
#include "promtls/core/license.hpp"
#include "promtls/core/metrics.hpp"
#include "promtls/core/rules.hpp"

using namespace promtls::core;
using promtls::net::detail::fits_text_serializer;
using promtls::net::detail::render_with_prometheus_cpp;

namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

// Checks that `f` is the table's family of its name: HELP, TYPE, and every sample's label names
// among the table's, in the table's order.
void check_against_table(const MetricFamily& f) {
  INFO(f.name);
  const MetricSpec* spec = find_metric(f.name);
  REQUIRE(spec != nullptr);
  CHECK(f.help == spec->help);
  CHECK(f.type == to_string(spec->type));
  for (const Sample& s : f.samples) {
    auto next = spec->labels.begin();
    for (const auto& [name, value] : s.labels) {
      next = std::find(next, spec->labels.end(), name);
      CHECK(next != spec->labels.end());
    }
  }
}

LocatedCert cert(std::string serial, std::string cn, std::string path, std::int64_t not_after) {
  LocatedCert c;
  c.cert.serial = std::move(serial);
  c.cert.subject_attributes = {{"O", "Example \"quoted\""}, {"CN", std::move(cn)}};
  c.cert.issuer_attributes = {{"CN", "ca\\root"}};
  c.cert.not_before_unix = not_after - 90 * 86400;
  c.cert.not_after_unix = not_after;
  c.location.filepath = std::move(path);
  return c;
}

InspectReport sample_report() {
  InspectReport r;
  r.now_unix = kNow;
  const auto add = [&r](LocatedCert c) {
    InspectedCert ic;
    ic.located = std::move(c);
    r.certificates.push_back(std::move(ic));
  };
  add(cert("0a", "api", "/etc/tls/tls.crt", kNow + 10 * 86400));
  add(cert("0b", "expired\nline", "/etc/tls/old.crt", kNow - 86400));
  add(cert("0a", "api", "/etc/tls/tls.crt", kNow + 10 * 86400));  // a duplicate series
  LocatedCert secret = cert("ff00", "db", "/k8s/secret.yaml", kNow + 400 * 86400);
  secret.location.secret_namespace = "prod";
  secret.location.secret_name = "db-tls";
  secret.location.secret_key = "tls.crt";
  add(std::move(secret));
  for (int i = 0; i < 2000; ++i) {  // more than one 64 KiB chunk of the streamed writer
    add(cert(std::to_string(1000 + i), "host" + std::to_string(i),
             "/many/" + std::to_string(i) + ".pem", kNow + i * 3600));
  }
  InspectedLicense a;
  a.license.package = "CloudPro";
  a.license.expiry_unix = kNow + 30 * 86400;
  InspectedLicense b;  // no package, no expiry: Enterprise, valid gauge only
  r.licenses = {a, b};
  return r;
}

// The metric names an alert expression uses: identifiers not followed by "(" (functions), not
// inside {...} (label matchers) or [...] (ranges), and not PromQL's binary keywords.
std::vector<std::string> metric_names(const std::string& expr) {
  std::vector<std::string> out;
  int braces = 0;
  for (std::size_t i = 0; i < expr.size();) {
    const char c = expr[i];
    if (c == '{' || c == '[') ++braces;
    if (c == '}' || c == ']') --braces;
    if (c == '"') {
      i = expr.find('"', i + 1) + 1;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_') {
      std::size_t j = i;
      while (j < expr.size() &&
             (std::isalnum(static_cast<unsigned char>(expr[j])) != 0 || expr[j] == '_')) {
        ++j;
      }
      const std::string word = expr.substr(i, j - i);
      const bool call = j < expr.size() && expr[j] == '(';
      if (braces == 0 && !call && word != "or" && word != "and" && word != "unless") {
        out.push_back(word);
      }
      i = j;
      continue;
    }
    ++i;
  }
  return out;
}

}  // namespace

TEST_CASE("the metric table has one entry per name, each with a type and a plain HELP text") {
  std::set<std::string_view> names;
  for (const MetricSpec* spec : metric_table()) {
    INFO(spec->name);
    CHECK(names.insert(spec->name).second);
    CHECK(find_metric(spec->name) == spec);
    CHECK_FALSE(spec->help.empty());
    // TextSerializer neither escapes HELP nor prints an empty one (prometheus_text.cpp).
    CHECK(spec->help.find_first_of("\\\n") == std::string_view::npos);
    std::set<std::string_view> labels(spec->labels.begin(), spec->labels.end());
    CHECK(labels.size() == spec->labels.size());
  }
  CHECK(find_metric("x509_cert_not_afterx") == nullptr);
}

TEST_CASE("the metric table holds every name DESIGN.md lists") {
  for (const char* name :
       {"x509_cert_not_after", "x509_cert_not_before", "x509_cert_expired",
        "promtls_license_expiry_timestamp_seconds", "promtls_license_valid",
        "promtls_tls_handshakes_total", "promtls_serving_certificate_not_after",
        "promtls_credential_reloads_total", "promtls_source_errors_total", "promtls_build_info",
        "tigera_operator_tls_certificate_expiry_timestamp_seconds",
        "tigera_operator_license_expiry_timestamp_seconds", "tigera_operator_license_valid"}) {
    INFO(name);
    REQUIRE(find_metric(name) != nullptr);
  }
  CHECK(find_metric("promtls_tls_handshakes_total")->type == MetricType::counter);
  CHECK(std::vector<std::string_view>(metric::kTlsHandshakes.labels.begin(),
                                      metric::kTlsHandshakes.labels.end()) ==
        std::vector<std::string_view>{"result", "reason", "version", "group"});
  CHECK(metric::kTigeraCertificateExpiry.origin == MetricOrigin::tigera_compat);
}

TEST_CASE("certificate, license and Tigera families are the table's families") {
  const InspectReport report = sample_report();
  for (const MetricFamily& f : inspect_families(report)) check_against_table(f);
  std::vector<License> licenses;
  for (const InspectedLicense& il : report.licenses) licenses.push_back(il.license);
  for (const MetricFamily& f : tigera_license_families(licenses, kNow)) check_against_table(f);
  check_against_table(tigera_certificate_family(
      {{"a", "ns", true, "tigera-operator-signer", "2027-01-01T00:00:00Z"}}));
  LocatedCert every_label = cert("01", "x", "/a/b.pem", kNow);
  every_label.cert.subject_attributes = {{"C", "DE"}, {"ST", "s"}, {"L", "l"},
                                         {"O", "o"},  {"OU", "u"}, {"CN", "c"}};
  every_label.cert.issuer_attributes = every_label.cert.subject_attributes;
  // The last, certificate_name, is shown by inspect but is no label.
  every_label.location = {"/a/b.pem", "kubeconfig", "user", "ns", "n", "k", "cns", "cn", "ck", "w"};
  const auto labels = certificate_labels(every_label);
  REQUIRE(labels.size() == metric::labels::kCertificate.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    CHECK(labels[i].first == metric::labels::kCertificate[i]);
  }
}

TEST_CASE("every metric an alert rule uses is in the metric table") {
  for (const MetricsCompat compat : {MetricsCompat::none, MetricsCompat::tigera}) {
    RulesOptions options;
    options.compat = compat;
    std::size_t used = 0;
    for (const RuleGroup& g : alert_rules(options)) {
      for (const AlertRule& r : g.rules) {
        INFO(r.alert << ": " << r.expr);
        const auto names = metric_names(r.expr);
        CHECK_FALSE(names.empty());
        for (const std::string& name : names) {
          INFO(name);
          CHECK(find_metric(name) != nullptr);
          ++used;
        }
      }
    }
    CHECK(used > 5);
  }
  CHECK(metric_names("increase(promtls_source_errors_total{a=\"b c\"}[15m]) > 0 or x_y == 0") ==
        std::vector<std::string>{"promtls_source_errors_total", "x_y"});
}

TEST_CASE("inspect's streamed writer and prometheus-cpp give byte-identical exposition") {
  const InspectReport report = sample_report();
  std::ostringstream streamed;
  write_inspect_exposition(report, streamed);
  const std::vector<MetricFamily> families = inspect_families(report);
  // Every inspect family goes through TextSerializer, none falls back to the project's writer.
  REQUIRE(families.size() == 5);
  for (const MetricFamily& f : families) CHECK(fits_text_serializer(f, ValueFormat::plain));
  const std::string serialized = render_with_prometheus_cpp(families, ValueFormat::plain);
  CHECK(streamed.str().size() > 3 * 64 * 1024);
  CHECK(streamed.str() == serialized);
  CHECK(streamed.str() == render_exposition(families));
  // The duplicate series is printed once, escapes are applied.
  const std::string text = streamed.str();
  CHECK(text.find("x509_cert_expired{serial_number=\"11\",subject_O=\"Example \\\"quoted\\\"\","
                  "subject_CN=\"expired\\nline\",issuer_CN=\"ca\\\\root\",filename=\"old.crt\","
                  "filepath=\"/etc/tls/old.crt\"} 1\n") != std::string::npos);
  const std::string api = "x509_cert_not_after{serial_number=\"10\",";
  CHECK(text.find(api) != std::string::npos);
  CHECK(text.find(api, text.find(api) + 1) == std::string::npos);
}

TEST_CASE("the streamed writer writes an empty report as the header lines") {
  InspectReport report;
  report.now_unix = kNow;
  std::ostringstream streamed;
  write_inspect_exposition(report, streamed);
  CHECK(streamed.str() == render_exposition(inspect_families(report)));
  CHECK(streamed.str() == render_with_prometheus_cpp(inspect_families(report), ValueFormat::plain));
  CHECK(streamed.str().rfind("# HELP x509_cert_expired ", 0) == 0);
}

TEST_CASE("values TextSerializer formats differently stay in the project's format") {
  MetricFamily cpu = make_family(metric::kProcessCpuSeconds);
  cpu.samples.push_back({{}, 0.1 + 0.2});
  MetricFamily big = make_family(metric::kServingCertificateNotAfter);
  big.samples.push_back({{}, 1e15});
  MetricFamily odd{"m", "a \\ b\nc", "gauge", {{{{"l", "x"}}, 1}}};
  MetricFamily plain = make_family(metric::kOpenConnections);
  plain.samples.push_back({{}, 3});
  CHECK_FALSE(fits_text_serializer(cpu, ValueFormat::plain));
  CHECK_FALSE(fits_text_serializer(big, ValueFormat::plain));
  CHECK_FALSE(fits_text_serializer(odd, ValueFormat::plain));
  CHECK_FALSE(fits_text_serializer(plain, ValueFormat::go));
  CHECK(fits_text_serializer(plain, ValueFormat::plain));
  const std::vector<MetricFamily> families{plain, cpu, big, odd, plain};
  CHECK(render_with_prometheus_cpp(families, ValueFormat::plain) == render_exposition(families));
  CHECK(render_with_prometheus_cpp(families, ValueFormat::plain)
            .find("process_cpu_seconds_total 0.30000000000000004\n") != std::string::npos);

  // --metrics-compat tigera: Go's formatting, byte-identical to client_golang (spec §3).
  const auto tigera = tigera_license_families({License{"", "", "", 1781524800, 0, "", "", {}, {}}},
                                              1781524800 - 86400);
  CHECK(render_with_prometheus_cpp(tigera, ValueFormat::go) ==
        render_exposition(tigera, ValueFormat::go));
  CHECK(render_with_prometheus_cpp(tigera, ValueFormat::go).find("} 1.7815248e+09\n") !=
        std::string::npos);
}
