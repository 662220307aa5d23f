#include "promtls/core/inspect_report.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <iterator>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string_view>
#include <unordered_map>

#include "promtls/core/metric_table.hpp"
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
  } else if (l.embedded_kind == "kubeconfig") {
    // embedded_key is "user/NAME/client-certificate-data" or "cluster/NAME/...": named by the
    // context(s) that use it, then the user or cluster.
    const std::size_t first = l.embedded_key.find('/');
    const std::size_t last = l.embedded_key.rfind('/');
    inner = "kubeconfig";
    if (!l.kube_context.empty()) inner += " context " + l.kube_context + ",";
    if (first != std::string::npos && last > first) {
      inner += " " + l.embedded_key.substr(0, first) + " " +
               l.embedded_key.substr(first + 1, last - first - 1);
    } else if (!l.embedded_key.empty()) {
      inner += " " + l.embedded_key;
    }
    if (inner.back() == ',') inner.pop_back();
  } else if (!l.embedded_kind.empty()) {
    inner = l.embedded_kind + (l.embedded_key.empty() ? "" : " " + l.embedded_key);
  }
  if (!l.certificate_name.empty()) inner += ", Certificate " + l.certificate_name;
  return inner.empty() ? out : out + " (" + inner + ")";
}

void sort_by_expiry(InspectReport& report) {
  report.certificates.sort_by_not_after();
  std::stable_sort(report.licenses.begin(), report.licenses.end(),
                   [](const InspectedLicense& a, const InspectedLicense& b) {
                     if (!a.license.expiry_unix) return false;
                     if (!b.license.expiry_unix) return true;
                     return *a.license.expiry_unix < *b.license.expiry_unix;
                   });
}

std::vector<std::size_t> first_of_each_certificate(const InspectReport& report) {
  std::vector<std::size_t> first(report.certificates.size());
  std::unordered_map<std::string_view, std::size_t> seen;
  seen.reserve(report.certificates.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    const std::string_view fingerprint = report.certificates.sha256_fingerprint(i);
    first[i] = fingerprint.empty() ? i : seen.emplace(fingerprint, i).first->second;
  }
  return first;
}

std::string short_human_duration(std::int64_t seconds) {
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  const std::int64_t hours = seconds / 3600;
  if (hours < 24) return std::to_string(hours) + "h";
  if (hours < 24 * 365) return std::to_string(hours / 24) + "d";
  return std::to_string(hours / 24 / 365) + "y";
}

std::string display_subject(const CertInfo& c) {
  if (!c.subject_cn.empty()) return c.subject_cn;
  std::string out;
  for (const auto& [name, value] : c.subject_attributes) {
    if (name != "O" && name != "OU") continue;
    out += (out.empty() ? "" : ", ") + name + "=" + value;
  }
  if (!out.empty()) return out;
  if (!c.subject.empty()) return c.subject;
  for (const auto& [name, value] : c.subject_attributes) {
    out += (out.empty() ? "" : ", ") + (name.empty() ? std::string("?") : name) + "=" + value;
  }
  return out.empty() ? "(empty subject)" : out;
}

json inspect_json(const InspectReport& report, const RenderOptions& /*options*/) {
  const std::vector<std::size_t> first = first_of_each_certificate(report);
  // Every place each distinct certificate was found, in report order.
  std::vector<std::vector<std::size_t>> places(first.size());
  for (std::size_t i = 0; i < first.size(); ++i) places[first[i]].push_back(i);
  // Every status present, zero or not; a status added later is counted under its own name.
  json cert_summary = {{"total", 0}};
  for (const CertStatus s : {CertStatus::ok, CertStatus::warning, CertStatus::critical,
                             CertStatus::expired, CertStatus::not_yet_valid}) {
    cert_summary[std::string(to_string(s))] = 0;
  }
  json certs = json::array();
  InspectedCert ic;
  for (std::size_t i = 0; i < report.certificates.size(); ++i) {
    report.certificates.read(i, ic);
    cert_summary["total"] = cert_summary["total"].get<std::size_t>() + 1;
    json& count = cert_summary[std::string(to_string(ic.judgement.status))];
    count = count.get<std::size_t>() + 1;
    const CertInfo& c = ic.located.cert;
    json key = {{"type", c.key.type}, {"bits", c.key.bits}};
    if (!c.key.curve.empty()) key["curve"] = c.key.curve;
    json paths = json::array();
    for (const std::size_t at : places[first[i]]) {
      paths.push_back(std::string(report.certificates.source(at)));
    }
    json cert = {
        {"source", ic.source},
        {"index", ic.index},
        {"location", location_json(ic.located.location)},
        {"paths", std::move(paths)},
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
  json license_summary = {{"total", report.licenses.size()}};
  for (const LicenseStatus s :
       {LicenseStatus::valid, LicenseStatus::warning, LicenseStatus::critical,
        LicenseStatus::in_grace_period, LicenseStatus::expired}) {
    license_summary[std::string(to_string(s))] = 0;
  }
  json licenses = json::array();
  for (const InspectedLicense& il : report.licenses) {
    const License& l = il.license;
    json& count = license_summary[std::string(to_string(il.status))];
    count = count.get<std::size_t>() + 1;
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
  json skipped = json::array();
  for (const InspectSkipped& s : report.skipped) {
    skipped.push_back({{"source", s.source}, {"kind", s.kind}});
  }
  json summary = {{"certificates", std::move(cert_summary)},
                  {"licenses", std::move(license_summary)},
                  {"errors", errors.size()},
                  {"skipped", skipped.size()}};
  return {{"schema", "promtls/inspect/v1"},
          {"judged_at", format_rfc3339(report.now_unix)},
          {"summary", std::move(summary)},
          {"certificates", std::move(certs)},
          {"licenses", std::move(licenses)},
          {"errors", std::move(errors)},
          {"skipped", std::move(skipped)},
          {"tigera_statuses", tigera_statuses_json(report.tigera_statuses)}};
}

namespace {

// A certificate's row text: the subject, and the source with its position and its other places.
struct RowText {
  std::string subject;
  std::string source;
};

std::vector<RowText> row_texts(const InspectReport& report, const std::vector<std::size_t>& rows,
                               const std::vector<std::size_t>& first, bool dedupe) {
  std::vector<std::size_t> places(first.size(), 0);
  for (const std::size_t f : first) ++places[f];
  std::vector<RowText> out;
  out.reserve(rows.size());
  InspectedCert ic;
  for (const std::size_t i : rows) {
    report.certificates.read(i, ic);
    RowText& t = out.emplace_back();
    t.subject = display_subject(ic.located.cert);
    t.source = ic.source;
    if (ic.index > 0 || ic.from_endpoint) t.source += " #" + std::to_string(ic.index);
    if (dedupe && first[i] == i && places[i] > 1) {
      t.source += " (+" + std::to_string(places[i] - 1) + " more)";
    }
  }
  return out;
}

// The widths of a middle column (cut from its end) and a last column (cut from its start, where
// paths differ least) that share `room` columns, given their widest values: both whole when
// they fit (or when `room` is 0, no limit); else the middle one keeps at least `min_middle`.
std::pair<std::size_t, std::size_t> share(std::size_t room, std::size_t middle, std::size_t last,
                                          std::size_t min_middle) {
  if (room == 0 || middle + last <= room) return {middle, last};
  const std::size_t m = std::min(middle, std::max(min_middle, room > last ? room - last : 0));
  return {m, room > m ? room - m : 0};
}

void append_cell(std::string& out, const std::string& s, std::size_t width, bool keep_end,
                 bool last) {
  if (s.size() > width) {
    out += fit(s, width, keep_end);
    return;
  }
  out += s;
  if (!last) out.append(width - s.size(), ' ');
}

// Notes, licenses, errors and the summary line: the part render_inspect_text() and
// render_inspect_table() share. `rows` are the certificates shown.
void append_footer(std::string& out, const InspectReport& report,
                   const std::vector<std::size_t>& rows, std::size_t merged, std::size_t width) {
  // Notes about every place, merged duplicates too: an annotation is the Secret's, not the
  // certificate's.
  std::string notes;
  InspectedCert ic;
  for (std::size_t i = 0; i < report.certificates.size(); ++i) {
    const CertificateList& certs = report.certificates;
    if (!certs.endpoint_leaf(i) && !certs.tigera_disagrees(i)) continue;
    certs.read(i, ic);
    const CertInfo& c = ic.located.cert;
    const std::string who = display_subject(c) + " (" + ic.source + ")";
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
    std::size_t package_width = 7;
    std::size_t source_width = 6;
    for (const InspectedLicense& il : report.licenses) {
      package_width = std::max(package_width, license_package_label(il.license).size());
      source_width = std::max(source_width, il.license.source.size());
    }
    // 16 + 1 + package + 1 + 10 + 2 + 5 + 2 = 37 columns besides the package and the source.
    const auto [pw, sw] =
        share(width == 0 ? 0 : (width > 37 ? width - 37 : 1), package_width, source_width, 14);
    out += "\n" + pad("LICENSE", 16) + " " + pad("PACKAGE", pw) + " " + pad("EXPIRY", 10) + "  " +
           rpad("GRACE", 5) + "  SOURCE\n";
    for (const InspectedLicense& il : report.licenses) {
      const License& l = il.license;
      out += pad(std::string(to_string(il.status)), 16) + " ";
      append_cell(out, license_package_label(l), pw, false, false);
      out += " " + pad(l.expiry_unix ? date_only(*l.expiry_unix) : "never", 10) + "  " +
             rpad(std::to_string(l.grace_period_days) + "d", 5) + "  ";
      append_cell(out, l.source, sw, true, true);
      out += "\n";
    }
  }
  out += render_tigera_status_text(report.tigera_statuses);
  if (!report.errors.empty()) {
    out += "\nErrors:\n";
    for (const InspectError& e : report.errors) out += "  " + e.message + "\n";
  }
  // With nothing to report, what was passed over says why (the first few of them).
  if (rows.empty() && report.licenses.empty() && !report.skipped.empty()) {
    constexpr std::size_t kListed = 20;
    out += "\nSkipped:\n";
    for (std::size_t i = 0; i < report.skipped.size() && i < kListed; ++i) {
      out += "  " + report.skipped[i].source + " (" + report.skipped[i].kind + ")\n";
    }
    if (report.skipped.size() > kListed) {
      out += "  ... " + std::to_string(report.skipped.size() - kListed) + " more (-o json)\n";
    }
  }
  std::map<CertStatus, std::size_t> counts;
  for (const std::size_t i : rows) ++counts[report.certificates.status(i)];
  const auto plural = [](std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  out += "\n" + plural(rows.size(), "certificate");
  if (!rows.empty()) {
    std::string parts;
    for (const CertStatus s : {CertStatus::expired, CertStatus::not_yet_valid, CertStatus::critical,
                               CertStatus::warning, CertStatus::ok}) {
      const auto n = counts.find(s);
      if (n == counts.end()) continue;
      parts +=
          (parts.empty() ? "" : ", ") + std::to_string(n->second) + " " + std::string(to_string(s));
    }
    out += " (" + parts + ")";
  }
  if (merged > 0) out += ", " + plural(merged, "more place") + " (--no-dedupe lists them)";
  out += ", " + std::to_string(report.skipped.size()) + " skipped; " +
         plural(report.licenses.size(), "license") + ", " + plural(report.errors.size(), "error") +
         "; judged at " + format_rfc3339(report.now_unix) + "\n";
}

// The certificates to show, in report order: each distinct one once when deduplicating.
std::vector<std::size_t> shown_rows(const InspectReport& report,
                                    const std::vector<std::size_t>& first, bool dedupe) {
  std::vector<std::size_t> rows;
  rows.reserve(report.certificates.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (!dedupe || first[i] == i) rows.push_back(i);
  }
  return rows;
}

// "Dec 30, 2024 23:36 UTC", kubeadm's EXPIRES (Go's "Jan 02, 2006 15:04 MST").
std::string kubeadm_time(std::int64_t unix_seconds) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string t = format_rfc3339(unix_seconds);  // 2024-12-30T23:36:00Z
  const int month = std::stoi(t.substr(5, 2));
  return std::string(kMonths[month - 1]) + " " + t.substr(8, 2) + ", " + t.substr(0, 4) + " " +
         t.substr(11, 5) + " UTC";
}

}  // namespace

std::string render_inspect_text(const InspectReport& report, const RenderOptions& options) {
  const std::vector<std::size_t> first = first_of_each_certificate(report);
  const std::vector<std::size_t> rows = shown_rows(report, first, options.dedupe);
  const std::vector<RowText> texts = row_texts(report, rows, first, options.dedupe);
  std::string out;
  out.reserve(200 + rows.size() * 100);
  if (!rows.empty()) {
    std::size_t subject_width = 7;
    std::size_t source_width = 6;
    for (const RowText& t : texts) {
      subject_width = std::max(subject_width, t.subject.size());
      source_width = std::max(source_width, t.source.size());
    }
    // 13 + 1 + 5 + 2 + 10 + 2 = 33 columns before the subject, one between it and the source;
    // at 80 columns the subject gets 22 and the source 24 when both are long.
    const std::size_t room = options.width == 0 ? 0 : (options.width > 34 ? options.width - 34 : 1);
    const auto [sw, pw] = share(room, subject_width, source_width, 22);
    out += pad("STATUS", 13) + " " + rpad("DAYS", 5) + "  " + pad("NOT AFTER", 10) + "  " +
           pad("SUBJECT", sw) + " SOURCE\n";
    const CertificateList& certs = report.certificates;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const std::size_t i = rows[r];
      // Appended in place: this loop runs once per certificate of a large tree.
      std::string_view status = to_string(certs.status(i));
      out += status;
      out.append(13 - std::min<std::size_t>(13, status.size()) + 1, ' ');
      const std::string days = std::to_string(certs.days_left(i));
      out.append(days.size() < 5 ? 5 - days.size() : 0, ' ');
      out += days;
      out += "  ";
      out += date_only(certs.not_after_unix(i));
      out += "  ";
      append_cell(out, texts[r].subject, sw, false, false);
      out += ' ';
      append_cell(out, texts[r].source, pw, true, true);
      out += '\n';
    }
  }
  append_footer(out, report, rows, report.certificates.size() - rows.size(), options.width);
  return out;
}

std::string render_inspect_table(const InspectReport& report, const RenderOptions& options) {
  const std::vector<std::size_t> first = first_of_each_certificate(report);
  const std::vector<std::size_t> rows = shown_rows(report, first, options.dedupe);
  const std::vector<RowText> texts = row_texts(report, rows, first, options.dedupe);
  std::vector<std::size_t> leaves;
  std::vector<std::size_t> authorities;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    (report.certificates.is_ca(rows[r]) ? authorities : leaves).push_back(r);
  }
  std::string out;
  constexpr std::size_t kExpires = 22;   // "Dec 30, 2024 23:36 UTC"
  constexpr std::size_t kResidual = 13;  // "RESIDUAL TIME"
  InspectedCert ic;
  const auto residual = [&](std::int64_t not_after_unix) {
    const std::int64_t left = not_after_unix - report.now_unix;
    return left < 0 ? std::string("expired") : short_human_duration(left);
  };
  const auto section = [&](const std::vector<std::size_t>& which, bool cas) {
    if (which.empty()) return;
    const std::string first_header = cas ? "CERTIFICATE AUTHORITY" : "CERTIFICATE";
    std::size_t name_width = first_header.size();
    std::size_t issuer_width = 21;  // "CERTIFICATE AUTHORITY"
    std::size_t source_width = 6;
    for (const std::size_t r : which) {
      name_width = std::max(name_width, texts[r].subject.size());
      source_width = std::max(source_width, texts[r].source.size());
      if (!cas) {
        report.certificates.read(rows[r], ic);
        issuer_width = std::max(issuer_width, ic.located.cert.issuer_cn.size());
      }
    }
    // Three spaces between columns, as kubeadm prints them.
    std::size_t fixed = kExpires + 3 + kResidual + 3 + 3 + (cas ? 0 : issuer_width + 3);
    std::size_t room = options.width == 0 ? 0 : (options.width > fixed ? options.width - fixed : 1);
    const auto [nw, pw] = share(room, name_width, source_width, 22);
    if (!out.empty()) out += "\n";
    out += pad(first_header, nw) + "   " + pad("EXPIRES", kExpires) + "   " +
           pad("RESIDUAL TIME", kResidual) + "   " +
           (cas ? "" : pad("CERTIFICATE AUTHORITY", issuer_width) + "   ") + "SOURCE\n";
    for (const std::size_t r : which) {
      report.certificates.read(rows[r], ic);
      append_cell(out, texts[r].subject, nw, false, false);
      out += "   " + pad(kubeadm_time(ic.located.cert.not_after_unix), kExpires) + "   " +
             pad(residual(ic.located.cert.not_after_unix), kResidual) + "   ";
      if (!cas) {
        const std::string& issuer = ic.located.cert.issuer_cn;
        out += pad(issuer.empty() ? "-" : issuer, issuer_width) + "   ";
      }
      append_cell(out, texts[r].source, pw, true, true);
      out += "\n";
    }
  };
  section(leaves, false);
  section(authorities, true);
  append_footer(out, report, rows, report.certificates.size() - rows.size(), options.width);
  return out;
}

namespace {

// The metric of the per-source gauge. serve exposes the same family (DESIGN.md); until the metric
// table holds it, inspect names it here.
// Whether the error at `source` belongs to `input`: the same path, a path under the directory,
// or under the fixed part of a glob (up to the last '/' before its first wildcard).
bool is_under(const std::string& source, const std::string& input) {
  if (source == input) return true;
  std::string_view prefix = input;
  if (const std::size_t wild = prefix.find_first_of("*?["); wild != std::string_view::npos) {
    const std::size_t slash = prefix.rfind('/', wild);
    prefix = slash == std::string_view::npos ? std::string_view() : prefix.substr(0, slash);
    if (prefix.empty()) return !source.empty() && source.front() != '/';  // a relative glob
  }
  while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix == "/") return !source.empty() && source.front() == '/';
  return source.size() > prefix.size() && source.compare(0, prefix.size(), prefix) == 0 &&
         source[prefix.size()] == '/';
}

}  // namespace

std::vector<std::pair<std::string, double>> inspect_source_up(const InspectReport& report) {
  std::vector<std::pair<std::string, double>> out;
  std::vector<bool> covered(report.errors.size(), false);
  std::set<std::string> seen;
  for (const std::string& input : report.inputs) {
    if (!seen.insert(input).second) continue;
    double up = 1;
    for (std::size_t i = 0; i < report.errors.size(); ++i) {
      if (is_under(report.errors[i].source, input)) {
        up = 0;
        covered[i] = true;
      }
    }
    out.emplace_back(input, up);
  }
  for (std::size_t i = 0; i < report.errors.size(); ++i) {
    if (!covered[i] && seen.insert(report.errors[i].source).second) {
      out.emplace_back(report.errors[i].source, 0);
    }
  }
  return out;
}

namespace {

MetricFamily source_up_family(const InspectReport& report) {
  MetricFamily family = make_family(metric::kSourceUp);
  for (auto& [source, up] : inspect_source_up(report)) {
    family.samples.push_back({{{"source", std::move(source)}}, up});
  }
  return family;
}

}  // namespace

void write_inspect_exposition(const InspectReport& report, std::ostream& out) {
  // The label text of each certificate whose series is not a duplicate, in report order (the
  // first of equal series wins, as in inspect_families()), written once for the three gauges:
  // the texts of all kept series one after the other in `texts`, found again by a hash of each.
  struct Kept {
    std::size_t offset = 0;
    std::size_t size = 0;
    std::int64_t not_before_unix = 0;
    std::int64_t not_after_unix = 0;
  };
  std::string texts;
  std::vector<Kept> kept;
  kept.reserve(report.certificates.size());
  std::unordered_multimap<std::size_t, std::size_t> by_hash;  // hash of a text -> its kept index
  by_hash.reserve(report.certificates.size());
  const auto text_of = [&texts](const Kept& k) {
    return std::string_view(texts).substr(k.offset, k.size);
  };
  for (const InspectedCert& ic : report.certificates) {
    const std::size_t offset = texts.size();
    ExpositionWriter::label_text(texts, certificate_labels(ic.located));
    const Kept k{offset, texts.size() - offset, ic.located.cert.not_before_unix,
                 ic.located.cert.not_after_unix};
    const std::size_t hash = std::hash<std::string_view>()(text_of(k));
    const auto [from, to] = by_hash.equal_range(hash);
    if (std::any_of(from, to,
                    [&](const auto& e) { return text_of(kept[e.second]) == text_of(k); })) {
      texts.resize(offset);
      continue;
    }
    by_hash.emplace(hash, kept.size());
    kept.push_back(k);
  }
  by_hash = {};

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
    for (const Kept& k : kept) {
      writer.sample_text(spec.name, text_of(k), value_of(k));
      flush(kChunk);
    }
  };
  gauge(metric::kX509CertExpired,
        [&report](const Kept& k) { return k.not_after_unix < report.now_unix ? 1.0 : 0.0; });
  gauge(metric::kX509CertNotAfter,
        [](const Kept& k) { return static_cast<double>(k.not_after_unix); });
  gauge(metric::kX509CertNotBefore,
        [](const Kept& k) { return static_cast<double>(k.not_before_unix); });

  std::vector<License> licenses;
  for (const InspectedLicense& il : report.licenses) licenses.push_back(il.license);
  for (const MetricFamily& f : license_families(licenses, report.now_unix)) writer.family(f);
  if (!report.tigera_statuses.empty())
    writer.family(tigera_component_family(report.tigera_statuses));
  if (const MetricFamily up = source_up_family(report); !up.samples.empty()) writer.family(up);
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
  if (MetricFamily up = source_up_family(report); !up.samples.empty()) {
    families.push_back(std::move(up));
  }
  return families;
}

InspectVerdict inspect_verdict(const InspectReport& report, FailOn fail_on) {
  InspectVerdict v;
  v.fail_on = fail_on;
  v.unreadable = report.errors.size();
  std::size_t certs = 0;
  std::size_t licenses = 0;
  std::size_t endpoints = 0;
  const CertificateList& list = report.certificates;
  InspectedCert ic;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const CertStatus status = list.status(i);
    if (reaches(status, fail_on)) {
      v.failed.push_back({"certificate", std::string(list.source(i)), list.index(i),
                          std::string(to_string(status)), ""});
      ++certs;
    } else if (fail_on == FailOn::warning && list.tigera_disagrees(i)) {
      v.failed.push_back({"certificate", std::string(list.source(i)), list.index(i), "warning",
                          "its Tigera annotations disagree with the certificate"});
      ++certs;
    }
    if (list.endpoint_unverified(i)) {
      list.read(i, ic);
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

namespace {

// Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF):
// what nlohmann's serializer accepts.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      n = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 2;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 3;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

// Writes JSON as nlohmann's dump(2) lays it out (two spaces per level, `"key": value`, empty
// containers as {} and [], strings escaped as it escapes them, UTF-8 kept), appending to a
// buffer that goes to `out` every 64 KiB: the document is written as it is produced.
class JsonStream {
 public:
  explicit JsonStream(std::ostream& out) : out_(out) { buffer_.reserve(kChunk + 4096); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  // The next member of the current object, or (key empty and in an array) the next element.
  JsonStream& key(std::string_view name) {
    separate();
    string(name);
    buffer_ += ": ";
    return *this;
  }
  JsonStream& element() {
    separate();
    return *this;
  }

  void string(std::string_view s) {
    bool plain = true;
    bool ascii = true;
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c == '"' || c == '\\') plain = false;
      if (c >= 0x80) ascii = false;
    }
    if (!ascii && !valid_utf8(s)) {
      // Certificate strings are repaired UTF-8, but a file name may hold any byte: each invalid
      // sequence becomes U+FFFD (the DOM's dump threw, and inspect failed with an internal
      // error).
      buffer_ += nlohmann::ordered_json(std::string(s))
                     .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      return;
    }
    buffer_ += '"';
    if (plain) {
      buffer_ += s;
    } else {
      for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
          case '"':
            buffer_ += "\\\"";
            break;
          case '\\':
            buffer_ += "\\\\";
            break;
          case '\b':
            buffer_ += "\\b";
            break;
          case '\f':
            buffer_ += "\\f";
            break;
          case '\n':
            buffer_ += "\\n";
            break;
          case '\r':
            buffer_ += "\\r";
            break;
          case '\t':
            buffer_ += "\\t";
            break;
          default:
            if (c < 0x20) {
              static constexpr char kHex[] = "0123456789abcdef";
              buffer_ += "\\u00";
              buffer_ += kHex[c >> 4];
              buffer_ += kHex[c & 0xF];
            } else {
              buffer_ += ch;
            }
        }
      }
    }
    buffer_ += '"';
    flush(kChunk);
  }
  void string_or_null(const std::optional<std::string>& s) {
    if (s) {
      string(*s);
    } else {
      null();
    }
  }
  // null for "" (an absent error or reason).
  void text_or_null(const std::string& s) {
    if (s.empty()) {
      null();
    } else {
      string(s);
    }
  }
  void integer(std::int64_t v) {
    char digits[24];
    const auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), v);
    buffer_.append(digits, end);
  }
  void unsigned_integer(std::uint64_t v) {
    char digits[24];
    const auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), v);
    buffer_.append(digits, end);
  }
  // nlohmann's own shortest round-trip form ("12.5", "0.0", null for NaN).
  void number(double v) { buffer_ += nlohmann::ordered_json(v).dump(); }
  void boolean(bool v) { buffer_ += v ? "true" : "false"; }
  void null() { buffer_ += "null"; }
  // A small value built as a DOM (TigeraStatus objects), laid out at the current depth.
  void value(const nlohmann::ordered_json& j) {
    const std::string text = j.dump(2);
    const std::string indent = "\n" + std::string(2 * first_.size(), ' ');
    for (const char ch : text) {
      if (ch == '\n') {
        buffer_ += indent;
      } else {
        buffer_ += ch;
      }
    }
  }
  void string_array(const std::vector<std::string>& items) {
    begin_array();
    for (const std::string& s : items) element().string(s);
    end_array();
  }

  // Everything written so far goes to the stream.
  void finish() {
    buffer_ += '\n';
    flush(0);
  }

 private:
  static constexpr std::size_t kChunk = 64 * 1024;

  void open(char bracket) {
    buffer_ += bracket;
    first_.push_back(true);
  }
  void close(char bracket) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) {
      buffer_ += '\n';
      buffer_.append(2 * first_.size(), ' ');
    }
    buffer_ += bracket;
  }
  void separate() {
    buffer_ += first_.back() ? "\n" : ",\n";
    first_.back() = false;
    buffer_.append(2 * first_.size(), ' ');
  }
  void flush(std::size_t above) {
    if (buffer_.size() <= above) return;
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

  std::ostream& out_;
  std::string buffer_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
};

void write_location(JsonStream& j, const CertLocation& l) {
  j.begin_object();
  visit_location_fields(
      l, [&j](const char* name, const std::string& value) { j.key(name).string(value); });
  // Not a label.
  if (!l.certificate_name.empty()) j.key("certificate_name").string(l.certificate_name);
  j.end_object();
}

void write_sans(JsonStream& j, const CertInfo& c) {
  j.begin_array();
  std::string san;
  const auto add = [&](const char* prefix, const std::vector<std::string>& values) {
    for (const std::string& v : values) {
      san.assign(prefix);
      san += v;
      j.element().string(san);
    }
  };
  add("DNS:", c.dns_names);
  add("IP:", c.ip_addresses);
  add("email:", c.emails);
  add("URI:", c.uris);
  j.end_array();
}

void write_certificate(JsonStream& j, const InspectedCert& ic, const CertificateList& certs,
                       const std::vector<std::size_t>& places) {
  const CertInfo& c = ic.located.cert;
  j.begin_object();
  j.key("source").string(ic.source);
  j.key("index").unsigned_integer(ic.index);
  j.key("location");
  write_location(j, ic.located.location);
  j.key("paths").begin_array();
  for (const std::size_t at : places) j.element().string(certs.source(at));
  j.end_array();
  j.key("subject").string(c.subject);
  j.key("issuer").string(c.issuer);
  j.key("serial").string(c.serial);
  j.key("sans");
  write_sans(j, c);
  j.key("not_before").string(format_rfc3339(c.not_before_unix));
  j.key("not_before_unix").integer(c.not_before_unix);
  j.key("not_after").string(format_rfc3339(c.not_after_unix));
  j.key("not_after_unix").integer(c.not_after_unix);
  j.key("days_left").integer(ic.judgement.days_left);
  j.key("lifetime_used_percent").number(ic.judgement.lifetime_used_percent);
  j.key("key").begin_object();
  j.key("type").string(c.key.type);
  j.key("bits").integer(c.key.bits);
  if (!c.key.curve.empty()) j.key("curve").string(c.key.curve);
  j.end_object();
  j.key("signature_algorithm").string(c.signature_algorithm);
  j.key("sha256_fingerprint").string(c.sha256_fingerprint);
  j.key("is_ca").boolean(c.is_ca);
  j.key("extended_key_usage").string_array(c.extended_key_usage);
  j.key("status").string(to_string(ic.judgement.status));
  if (ic.from_endpoint) {
    j.key("verified").boolean(ic.verified);
    j.key("verify_error").text_or_null(ic.verify_error);
    j.key("verification")
        .string(ic.verified          ? "verified"
                : ic.verify_required ? "unverified"
                                     : "ignored");
    if (ic.index == 0) j.key("hostname_match").boolean(ic.hostname_match);
  }
  if (ic.tigera) {
    const TigeraCheck& t = *ic.tigera;
    j.key("tigera_annotations").begin_object();
    j.key("issuer").string_or_null(t.issuer);
    j.key("expiry").string_or_null(t.expiry);
    j.key("issuer_matches").boolean(t.issuer_matches);
    j.key("expiry_matches").boolean(t.expiry_matches);
    j.end_object();
  }
  j.end_object();
}

}  // namespace

void write_inspect_json(const InspectReport& report, const InspectVerdict& verdict,
                        std::ostream& out, const RenderOptions& /*options*/) {
  // The summary comes first (DESIGN.md's order): counted before anything is written.
  constexpr CertStatus kCertStatuses[] = {CertStatus::ok, CertStatus::warning, CertStatus::critical,
                                          CertStatus::expired, CertStatus::not_yet_valid};
  constexpr LicenseStatus kLicenseStatuses[] = {
      LicenseStatus::valid, LicenseStatus::warning, LicenseStatus::critical,
      LicenseStatus::in_grace_period, LicenseStatus::expired};
  // Counts by status name, in first-seen order after the fixed ones (as the DOM's keys).
  std::vector<std::pair<std::string_view, std::size_t>> cert_counts;
  for (const CertStatus s : kCertStatuses) cert_counts.emplace_back(to_string(s), 0);
  const auto count = [](auto& counts, std::string_view name) {
    for (auto& [n, c] : counts) {
      if (n == name) {
        ++c;
        return;
      }
    }
    counts.emplace_back(name, 1);
  };
  for (std::size_t i = 0; i < report.certificates.size(); ++i) {
    count(cert_counts, to_string(report.certificates.status(i)));
  }
  std::vector<std::pair<std::string_view, std::size_t>> license_counts;
  for (const LicenseStatus s : kLicenseStatuses) license_counts.emplace_back(to_string(s), 0);
  for (const InspectedLicense& il : report.licenses) count(license_counts, to_string(il.status));

  // Every place of each distinct certificate, in report order: the places of a certificate are
  // a chain through `next` starting at its first place (no per-certificate vectors).
  const std::vector<std::size_t> first = first_of_each_certificate(report);
  const std::size_t n = first.size();
  std::vector<std::size_t> next(n, n);
  std::vector<std::size_t> last(n);
  for (std::size_t i = 0; i < n; ++i) {
    last[i] = i;
    if (first[i] != i) {
      next[last[first[i]]] = i;
      last[first[i]] = i;
    }
  }
  last.clear();
  last.shrink_to_fit();

  JsonStream j(out);
  j.begin_object();
  j.key("schema").string("promtls/inspect/v1");
  j.key("judged_at").string(format_rfc3339(report.now_unix));
  j.key("summary").begin_object();
  j.key("certificates").begin_object();
  j.key("total").unsigned_integer(report.certificates.size());
  for (const auto& [name, c] : cert_counts) j.key(name).unsigned_integer(c);
  j.end_object();
  j.key("licenses").begin_object();
  j.key("total").unsigned_integer(report.licenses.size());
  for (const auto& [name, c] : license_counts) j.key(name).unsigned_integer(c);
  j.end_object();
  j.key("errors").unsigned_integer(report.errors.size());
  j.key("skipped").unsigned_integer(report.skipped.size());
  j.end_object();

  j.key("certificates").begin_array();
  std::vector<std::size_t> places;
  InspectedCert ic;  // each certificate decoded into the same strings
  for (std::size_t i = 0; i < n; ++i) {
    places.clear();
    for (std::size_t at = first[i]; at < n; at = next[at]) places.push_back(at);
    report.certificates.read(i, ic);
    j.element();
    write_certificate(j, ic, report.certificates, places);
  }
  j.end_array();

  j.key("licenses").begin_array();
  for (const InspectedLicense& il : report.licenses) {
    const License& l = il.license;
    j.element().begin_object();
    j.key("source").string(l.source);
    j.key("kind").string(l.kind);
    j.key("package").string(license_package_label(l));
    j.key("expiry").string_or_null(l.expiry_unix ? std::optional(format_rfc3339(*l.expiry_unix))
                                                 : std::nullopt);
    if (l.expiry_unix) {
      j.key("expiry_unix").integer(*l.expiry_unix);
    } else {
      j.key("expiry_unix").null();
    }
    j.key("grace_period_days").integer(l.grace_period_days);
    j.key("status").string(to_string(il.status));
    if (!l.name.empty()) j.key("name").string(l.name);
    if (l.signature_verified) j.key("signature_verified").boolean(*l.signature_verified);
    j.end_object();
  }
  j.end_array();

  j.key("errors").begin_array();
  for (const InspectError& e : report.errors) {
    j.element().begin_object();
    j.key("source").string(e.source);
    j.key("reason").string(e.reason);
    j.key("message").string(e.message);
    j.end_object();
  }
  j.end_array();

  j.key("skipped").begin_array();
  for (const InspectSkipped& s : report.skipped) {
    j.element().begin_object();
    j.key("source").string(s.source);
    j.key("kind").string(s.kind);
    j.end_object();
  }
  j.end_array();

  j.key("tigera_statuses").value(tigera_statuses_json(report.tigera_statuses));

  // add_verdict_json()'s members.
  j.key("exit_code").integer(to_int(verdict.code));
  j.key("exit_reason").text_or_null(verdict.summary);
  j.key("fail_on").string(to_string(verdict.fail_on));
  j.key("failed").begin_array();
  for (const InspectFailure& f : verdict.failed) {
    j.element().begin_object();
    j.key("kind").string(f.kind);
    j.key("source").string(f.source);
    j.key("index").unsigned_integer(f.index);
    j.key("status").string(f.status);
    j.key("reason").text_or_null(f.reason);
    j.end_object();
  }
  j.end_array();
  j.end_object();
  j.finish();
}

ExitCode inspect_exit_code(const InspectReport& report, FailOn fail_on) {
  return inspect_verdict(report, fail_on).code;
}

}  // namespace promtls::core
