#include "promtls/core/inspect_report.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <set>

#include "promtls/core/time.hpp"

namespace promtls::core {
namespace {

using json = nlohmann::ordered_json;

std::string date_only(std::int64_t unix_seconds) {
  return format_rfc3339(unix_seconds).substr(0, 10);
}

// Cuts `s` to `width` columns (bytes; inputs are mostly ASCII), marking the cut with "...".
std::string fit(const std::string& s, std::size_t width, bool keep_end) {
  if (s.size() <= width) return s;
  if (width <= 3) return s.substr(0, width);
  return keep_end ? "..." + s.substr(s.size() - (width - 3)) : s.substr(0, width - 3) + "...";
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string rpad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

json location_json(const CertLocation& l) {
  json out = json::object();
  for (const auto& [name, value] : location_fields(l)) out[name] = value;
  if (!l.certificate_name.empty()) out["certificate_name"] = l.certificate_name;  // not a label
  return out;
}

}  // namespace

TigeraCheck check_tigera(const TigeraSecretMetadata& secret, const CertInfo& cert) {
  TigeraCheck check;
  check.issuer = secret.issuer;
  check.expiry = secret.expiry;
  if (secret.issuer) check.issuer_matches = *secret.issuer == cert.issuer_cn;
  if (secret.expiry) {
    const auto when = parse_tigera_time(*secret.expiry);
    check.expiry_matches = when && *when == cert.not_after_unix;
  }
  return check;
}

std::string describe_location(const CertLocation& l) {
  std::string out = l.filepath;
  std::string inner;
  if (!l.secret_name.empty() || !l.secret_key.empty()) {
    inner = "Secret " + (l.secret_namespace.empty() ? "" : l.secret_namespace + "/") +
            l.secret_name + " " + l.secret_key +
            (l.embedded_kind.empty() ? "" : " " + l.embedded_kind + " " + l.embedded_key);
  } else if (!l.configmap_name.empty() || !l.configmap_key.empty()) {
    inner = "ConfigMap " + (l.configmap_namespace.empty() ? "" : l.configmap_namespace + "/") +
            l.configmap_name + " " + l.configmap_key;
  } else if (!l.embedded_kind.empty()) {
    inner = l.embedded_kind + (l.embedded_key.empty() ? "" : " " + l.embedded_key);
  }
  if (!l.certificate_name.empty()) inner += ", Certificate " + l.certificate_name;
  return inner.empty() ? out : out + " (" + inner + ")";
}

void sort_by_expiry(InspectReport& report) {
  const auto by_expiry = [](const InspectedCert& a, const InspectedCert& b) {
    return a.located.cert.not_after_unix < b.located.cert.not_after_unix;
  };
  // Already in order (the CLI adds them sorted): nothing to move. Otherwise sort indices, then
  // move each certificate once (they are large).
  if (!std::is_sorted(report.certificates.begin(), report.certificates.end(), by_expiry)) {
    std::vector<std::size_t> order(report.certificates.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return report.certificates[a].located.cert.not_after_unix <
             report.certificates[b].located.cert.not_after_unix;
    });
    std::vector<InspectedCert> sorted;
    sorted.reserve(order.size());
    for (const std::size_t i : order) sorted.push_back(std::move(report.certificates[i]));
    report.certificates = std::move(sorted);
  }
  std::stable_sort(report.licenses.begin(), report.licenses.end(),
                   [](const InspectedLicense& a, const InspectedLicense& b) {
                     if (!a.license.expiry_unix) return false;
                     if (!b.license.expiry_unix) return true;
                     return *a.license.expiry_unix < *b.license.expiry_unix;
                   });
}

json inspect_json(const InspectReport& report) {
  json certs = json::array();
  for (const InspectedCert& ic : report.certificates) {
    const CertInfo& c = ic.located.cert;
    json key = {{"type", c.key.type}, {"bits", c.key.bits}};
    if (!c.key.curve.empty()) key["curve"] = c.key.curve;
    json cert = {
        {"source", ic.source},
        {"index", ic.index},
        {"location", location_json(ic.located.location)},
        {"subject", c.subject},
        {"issuer", c.issuer},
        {"serial", c.serial},
        {"sans", c.sans()},
        {"not_before", format_rfc3339(c.not_before_unix)},
        {"not_before_unix", c.not_before_unix},
        {"not_after", format_rfc3339(c.not_after_unix)},
        {"not_after_unix", c.not_after_unix},
        {"days_left", ic.judgement.days_left},
        {"lifetime_used_percent", ic.judgement.lifetime_used_percent},
        {"key", key},
        {"signature_algorithm", c.signature_algorithm},
        {"sha256_fingerprint", c.sha256_fingerprint},
        {"is_ca", c.is_ca},
        {"extended_key_usage", c.extended_key_usage},
        {"status", to_string(ic.judgement.status)},
    };
    if (ic.from_endpoint) {
      cert["verified"] = ic.verified;
      cert["verify_error"] = ic.verify_error.empty() ? json(nullptr) : json(ic.verify_error);
      // The chain's verification beside the expiry status: verified, unverified (fails the
      // run), or ignored (did not verify, --no-verify).
      cert["verification"] = ic.verified          ? "verified"
                             : ic.verify_required ? "unverified"
                                                  : "ignored";
      if (ic.index == 0) cert["hostname_match"] = ic.hostname_match;
    }
    if (ic.tigera) {
      const TigeraCheck& t = *ic.tigera;
      cert["tigera_annotations"] = {
          {"issuer", t.issuer ? json(*t.issuer) : json(nullptr)},
          {"expiry", t.expiry ? json(*t.expiry) : json(nullptr)},
          {"issuer_matches", t.issuer_matches},
          {"expiry_matches", t.expiry_matches},
      };
    }
    certs.push_back(std::move(cert));
  }
  json licenses = json::array();
  for (const InspectedLicense& il : report.licenses) {
    const License& l = il.license;
    json lic = {
        {"source", l.source},
        {"kind", l.kind},
        {"package", license_package_label(l)},
        {"expiry", l.expiry_unix ? json(format_rfc3339(*l.expiry_unix)) : json(nullptr)},
        {"expiry_unix", l.expiry_unix ? json(*l.expiry_unix) : json(nullptr)},
        {"grace_period_days", l.grace_period_days},
        {"status", to_string(il.status)},
    };
    if (!l.name.empty()) lic["name"] = l.name;
    if (l.signature_verified) lic["signature_verified"] = *l.signature_verified;
    licenses.push_back(std::move(lic));
  }
  json errors = json::array();
  for (const InspectError& e : report.errors) {
    errors.push_back({{"source", e.source}, {"reason", e.reason}, {"message", e.message}});
  }
  return {{"schema", "promtls/inspect/v1"},
          {"certificates", std::move(certs)},
          {"licenses", std::move(licenses)},
          {"errors", std::move(errors)},
          {"tigera_statuses", tigera_statuses_json(report.tigera_statuses)}};
}

std::string render_inspect_text(const InspectReport& report) {
  std::string out;
  out.reserve(200 + report.certificates.size() * 81);
  std::size_t counts[5] = {};
  if (!report.certificates.empty()) {
    // 13 + 1 + 5 + 2 + 10 + 2 + 22 + 1 + 24 = 80 columns.
    out += pad("STATUS", 13) + " " + rpad("DAYS", 5) + "  " + pad("NOT AFTER", 10) + "  " +
           pad("SUBJECT", 22) + " SOURCE\n";
    for (const InspectedCert& ic : report.certificates) {
      const CertInfo& c = ic.located.cert;
      ++counts[static_cast<int>(ic.judgement.status)];
      // Appended in place: this loop runs once per certificate of a large tree.
      const std::string& subject = !c.subject_cn.empty() ? c.subject_cn : c.subject;
      std::string_view status = to_string(ic.judgement.status);
      out += status;
      out.append(13 - std::min<std::size_t>(13, status.size()) + 1, ' ');
      const std::string days = std::to_string(ic.judgement.days_left);
      out.append(days.size() < 5 ? 5 - days.size() : 0, ' ');
      out += days;
      out += "  ";
      out += date_only(c.not_after_unix);
      out += "  ";
      if (subject.empty()) {
        out += pad("(empty subject)", 22);
      } else if (subject.size() <= 22) {
        out += subject;
        out.append(22 - subject.size(), ' ');
      } else {
        out += fit(subject, 22, false);
      }
      out += ' ';
      if (ic.index > 0 || ic.from_endpoint) {
        out += fit(ic.source + " #" + std::to_string(ic.index), 24, true);
      } else {
        out += ic.source.size() <= 24 ? ic.source : fit(ic.source, 24, true);
      }
      out += '\n';
    }
  }
  std::string notes;
  for (const InspectedCert& ic : report.certificates) {
    const CertInfo& c = ic.located.cert;
    const std::string who =
        (c.subject_cn.empty() ? c.subject : c.subject_cn) + " (" + ic.source + ")";
    if (ic.from_endpoint && ic.index == 0) {
      notes += "  " + who + ": " +
               (ic.verified ? std::string("chain verified")
                            : "verification failed: " + ic.verify_error) +
               "\n";
    }
    if (ic.tigera && !ic.tigera->agrees()) {
      const TigeraCheck& t = *ic.tigera;
      if (!t.expiry_matches) {
        notes += "  " + who + ": annotation certificates.operator.tigera.io/expiry " +
                 t.expiry.value_or("") + " disagrees with the certificate's not after " +
                 format_tigera_time(c.not_after_unix) + "\n";
      }
      if (!t.issuer_matches) {
        notes += "  " + who + ": annotation certificates.operator.tigera.io/issuer \"" +
                 t.issuer.value_or("") + "\" disagrees with the issuer CN \"" + c.issuer_cn +
                 "\"\n";
      }
    }
  }
  if (!notes.empty()) out += "\nNotes:\n" + notes;
  if (!report.licenses.empty()) {
    out += "\n" + pad("LICENSE", 16) + " " + pad("PACKAGE", 14) + " " + pad("EXPIRY", 10) + "  " +
           rpad("GRACE", 5) + "  SOURCE\n";
    for (const InspectedLicense& il : report.licenses) {
      const License& l = il.license;
      out += pad(std::string(to_string(il.status)), 16) + " " +
             pad(fit(license_package_label(l), 14, false), 14) + " " +
             pad(l.expiry_unix ? date_only(*l.expiry_unix) : "never", 10) + "  " +
             rpad(std::to_string(l.grace_period_days) + "d", 5) + "  " + fit(l.source, 27, true) +
             "\n";
    }
  }
  out += render_tigera_status_text(report.tigera_statuses);
  if (!report.errors.empty()) {
    out += "\nErrors:\n";
    for (const InspectError& e : report.errors) out += "  " + e.message + "\n";
  }
  out += "\n" + std::to_string(report.certificates.size()) + " certificate" +
         (report.certificates.size() == 1 ? "" : "s");
  if (!report.certificates.empty()) {
    std::string parts;
    for (const CertStatus s : {CertStatus::expired, CertStatus::not_yet_valid, CertStatus::critical,
                               CertStatus::warning, CertStatus::ok}) {
      const std::size_t n = counts[static_cast<int>(s)];
      if (n == 0) continue;
      parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(to_string(s));
    }
    out += " (" + parts + ")";
  }
  out += "\n" + std::to_string(report.licenses.size()) + " license" +
         (report.licenses.size() == 1 ? "" : "s") + ", " + std::to_string(report.errors.size()) +
         " error" + (report.errors.size() == 1 ? "" : "s") + "; judged at " +
         format_rfc3339(report.now_unix) + "\n";
  return out;
}

void write_inspect_exposition(const InspectReport& report, std::ostream& out) {
  // The labels of each certificate whose series is not a duplicate, in report order (the first
  // of equal series wins, as in inspect_families()).
  std::vector<Labels> labels;
  std::vector<const CertInfo*> certs;
  const auto less = [&labels](std::size_t a, std::size_t b) { return labels[a] < labels[b]; };
  std::set<std::size_t, decltype(less)> seen(less);
  for (const InspectedCert& ic : report.certificates) {
    labels.push_back(certificate_labels(ic.located));
    if (seen.insert(labels.size() - 1).second) {
      certs.push_back(&ic.located.cert);
    } else {
      labels.pop_back();
    }
  }
  seen.clear();

  constexpr std::size_t kChunk = 64 * 1024;
  std::string buffer;
  ExpositionWriter writer(buffer, ValueFormat::plain);
  const auto flush = [&](std::size_t above) {
    if (buffer.size() <= above) return;
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    buffer.clear();
  };
  // certificate_families()'s order and values.
  const auto gauge = [&](const MetricSpec& spec, auto value_of) {
    writer.header(spec);
    for (std::size_t i = 0; i < certs.size(); ++i) {
      writer.sample(spec.name, labels[i], value_of(*certs[i]));
      flush(kChunk);
    }
  };
  gauge(metric::kX509CertExpired,
        [&report](const CertInfo& c) { return c.not_after_unix < report.now_unix ? 1.0 : 0.0; });
  gauge(metric::kX509CertNotAfter,
        [](const CertInfo& c) { return static_cast<double>(c.not_after_unix); });
  gauge(metric::kX509CertNotBefore,
        [](const CertInfo& c) { return static_cast<double>(c.not_before_unix); });

  std::vector<License> licenses;
  for (const InspectedLicense& il : report.licenses) licenses.push_back(il.license);
  for (const MetricFamily& f : license_families(licenses, report.now_unix)) writer.family(f);
  if (!report.tigera_statuses.empty())
    writer.family(tigera_component_family(report.tigera_statuses));
  flush(0);
}

std::vector<MetricFamily> inspect_families(const InspectReport& report) {
  std::vector<LocatedCert> certs;
  std::set<std::vector<std::pair<std::string, std::string>>> seen;
  for (const InspectedCert& ic : report.certificates) {
    if (seen.insert(certificate_labels(ic.located)).second) certs.push_back(ic.located);
  }
  std::vector<License> licenses;
  for (const InspectedLicense& il : report.licenses) licenses.push_back(il.license);
  std::vector<MetricFamily> families = certificate_families(certs, report.now_unix);
  for (MetricFamily& f : license_families(licenses, report.now_unix)) {
    families.push_back(std::move(f));
  }
  if (!report.tigera_statuses.empty())
    families.push_back(tigera_component_family(report.tigera_statuses));
  return families;
}

InspectVerdict inspect_verdict(const InspectReport& report, FailOn fail_on) {
  InspectVerdict v;
  v.fail_on = fail_on;
  v.unreadable = report.errors.size();
  std::size_t certs = 0;
  std::size_t licenses = 0;
  std::size_t endpoints = 0;
  for (const InspectedCert& ic : report.certificates) {
    const std::string status(to_string(ic.judgement.status));
    if (reaches(ic.judgement.status, fail_on)) {
      v.failed.push_back({"certificate", ic.source, ic.index, status, ""});
      ++certs;
    } else if (fail_on == FailOn::warning && ic.tigera && !ic.tigera->agrees()) {
      v.failed.push_back({"certificate", ic.source, ic.index, "warning",
                          "its Tigera annotations disagree with the certificate"});
      ++certs;
    }
    if (ic.from_endpoint && ic.index == 0 && !ic.verified && ic.verify_required) {
      v.failed.push_back({"endpoint", ic.source, 0, "unverified", ic.verify_error});
      ++endpoints;
    }
  }
  for (const InspectedLicense& il : report.licenses) {
    if (reaches(il.status, fail_on)) {
      v.failed.push_back({"license", il.license.source, 0, std::string(to_string(il.status)), ""});
      ++licenses;
    }
  }
  std::size_t components = 0;
  for (const TigeraStatus& status : report.tigera_statuses) {
    const TigeraComponentState state = component_state(status);
    if (rank_reaches(severity_rank(state), fail_on)) {
      v.failed.push_back({"tigera_status", status.source, 0, std::string(to_string(state)),
                          "TigeraStatus " + status.name});
      ++components;
    }
  }
  v.code = v.unreadable > 0   ? ExitCode::cannot_run
           : v.failed.empty() ? ExitCode::ok
                              : ExitCode::check_failed;
  if (v.code == ExitCode::ok) return v;
  const auto count = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  const std::string fail_on_name(to_string(fail_on));
  std::string failures;
  const auto add = [&failures](const std::string& part) {
    failures += (failures.empty() ? "" : ", ") + part;
  };
  if (certs > 0) {
    add(count(certs, "certificate", "certificates") + " reached --fail-on " + fail_on_name);
  }
  if (licenses > 0) {
    add(count(licenses, "license", "licenses") + " reached --fail-on " + fail_on_name);
  }
  if (components > 0) {
    add(count(components, "Tigera component", "Tigera components") + " reached --fail-on " +
        fail_on_name);
  }
  if (endpoints > 0) {
    std::string part = count(endpoints, "endpoint", "endpoints") + " did not verify";
    for (const InspectFailure& f : v.failed) {
      if (f.kind == "endpoint") part += " (" + f.source + ": " + f.reason + ")";
    }
    add(part);
  }
  v.summary = "exit " + std::to_string(to_int(v.code)) + ": ";
  if (v.unreadable > 0) {
    v.summary += count(v.unreadable, "input", "inputs") + " could not be read (the report is " +
                 "incomplete)" + (failures.empty() ? "" : "; also " + failures);
  } else {
    v.summary += failures;
  }
  return v;
}

void add_verdict_json(json& report_json, const InspectVerdict& v) {
  json failed = json::array();
  for (const InspectFailure& f : v.failed) {
    failed.push_back({{"kind", f.kind},
                      {"source", f.source},
                      {"index", f.index},
                      {"status", f.status},
                      {"reason", f.reason.empty() ? json(nullptr) : json(f.reason)}});
  }
  report_json["exit_code"] = to_int(v.code);
  report_json["exit_reason"] = v.summary.empty() ? json(nullptr) : json(v.summary);
  report_json["fail_on"] = std::string(to_string(v.fail_on));
  report_json["failed"] = std::move(failed);
}

ExitCode inspect_exit_code(const InspectReport& report, FailOn fail_on) {
  return inspect_verdict(report, fail_on).code;
}

}  // namespace promtls::core
