#include "promtls/core/metrics.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace promtls::core {
namespace {

std::string attribute(const std::vector<std::pair<std::string, std::string>>& attrs,
                      std::string_view name) {
  for (const auto& [k, v] : attrs) {
    if (k == name) return v;
  }
  return {};
}

void escape_into(std::string& out, std::string_view s, bool quotes) {
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quotes && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string hex_serial_to_decimal(std::string_view hex) {
  bool negative = false;
  if (!hex.empty() && hex.front() == '-') {
    negative = true;
    hex.remove_prefix(1);
  }
  // Repeated multiply-and-add on a little-endian base-10^9 number.
  std::vector<std::uint32_t> limbs{0};
  for (const char c : hex) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return {};
    std::uint64_t carry = static_cast<std::uint64_t>(digit);
    for (auto& limb : limbs) {
      const std::uint64_t v = static_cast<std::uint64_t>(limb) * 16 + carry;
      limb = static_cast<std::uint32_t>(v % 1000000000);
      carry = v / 1000000000;
    }
    if (carry != 0) limbs.push_back(static_cast<std::uint32_t>(carry));
  }
  std::string out = std::to_string(limbs.back());
  for (auto it = limbs.rbegin() + 1; it != limbs.rend(); ++it) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%09u", *it);
    out += buf;
  }
  return (negative && out != "0" ? "-" : "") + out;
}

std::vector<std::pair<std::string, std::string>> certificate_labels(const LocatedCert& c) {
  std::vector<std::pair<std::string, std::string>> labels;
  const auto add = [&](std::string name, std::string value) {
    if (!value.empty()) labels.emplace_back(std::move(name), std::move(value));
  };
  add("serial_number", hex_serial_to_decimal(c.cert.serial));
  for (const char* field : {"C", "ST", "L", "O", "OU", "CN"}) {
    add(std::string("subject_") + field, attribute(c.cert.subject_attributes, field));
  }
  for (const char* field : {"C", "ST", "L", "O", "OU", "CN"}) {
    add(std::string("issuer_") + field, attribute(c.cert.issuer_attributes, field));
  }
  const CertLocation& l = c.location;
  const std::size_t slash = l.filepath.rfind('/');
  add("filename", slash == std::string::npos ? l.filepath : l.filepath.substr(slash + 1));
  for (auto& field : location_fields(l)) labels.push_back(std::move(field));
  return labels;
}

std::vector<std::pair<std::string, std::string>> location_fields(const CertLocation& l) {
  std::vector<std::pair<std::string, std::string>> out;
  visit_location_fields(
      l, [&out](const char* name, const std::string& value) { out.emplace_back(name, value); });
  return out;
}

MetricFamily make_family(const MetricSpec& spec) {
  MetricFamily f;
  f.name = spec.str();
  f.help = std::string(spec.help);
  f.type = std::string(to_string(spec.type));
  return f;
}

std::vector<MetricFamily> certificate_families(const std::vector<LocatedCert>& certs,
                                               std::int64_t now_unix) {
  MetricFamily not_after = make_family(metric::kX509CertNotAfter);
  MetricFamily not_before = make_family(metric::kX509CertNotBefore);
  MetricFamily expired = make_family(metric::kX509CertExpired);
  for (const LocatedCert& c : certs) {
    const auto labels = certificate_labels(c);
    not_after.samples.push_back({labels, static_cast<double>(c.cert.not_after_unix)});
    not_before.samples.push_back({labels, static_cast<double>(c.cert.not_before_unix)});
    expired.samples.push_back({labels, c.cert.not_after_unix < now_unix ? 1.0 : 0.0});
  }
  return {std::move(expired), std::move(not_after), std::move(not_before)};
}

std::string format_value(double v, ValueFormat format) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (format == ValueFormat::plain && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  // Go's strconv.FormatFloat(v, 'g', -1, 64), as client_golang writes values: the shortest
  // digits that round-trip, in exponent form when the decimal exponent is < -4 or >= 6 (for the
  // shortest form Go fixes that switch at precision 6), exponent signed with two digits at least.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);
  const std::size_t e = sci.find('e');
  const int exponent = std::stoi(sci.substr(e + 1));
  std::string digits;
  bool negative = false;
  for (const char c : sci.substr(0, e)) {
    if (c == '-') negative = true;
    if (c >= '0' && c <= '9') digits += c;
  }
  constexpr int eprec = 6;
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= eprec) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp;
  } else if (exponent >= 0) {
    const auto int_len = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= int_len) {
      out += digits + std::string(int_len - digits.size(), '0');
    } else {
      out += digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  } else {
    out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  }
  return out;
}

void ExpositionWriter::header(std::string_view name, std::string_view help, std::string_view type) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  escape_into(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void ExpositionWriter::label_text(std::string& out, const Labels& labels) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    escape_into(out, v, true);
    out += '"';
  }
  out += '}';
}

void ExpositionWriter::sample(std::string_view name, const Labels& labels, double value) {
  out_ += name;
  label_text(out_, labels);
  out_ += ' ';
  out_ += format_value(value, format_);
  out_ += '\n';
}

void ExpositionWriter::sample_text(std::string_view name, std::string_view label_text,
                                   double value) {
  out_ += name;
  out_ += label_text;
  out_ += ' ';
  out_ += format_value(value, format_);
  out_ += '\n';
}

void ExpositionWriter::family(const MetricFamily& f) {
  header(f.name, f.help, f.type);
  for (const Sample& s : f.samples) sample(f.name, s.labels, s.value);
}

std::string render_exposition(const std::vector<MetricFamily>& families, ValueFormat format) {
  std::string out;
  ExpositionWriter writer(out, format);
  for (const MetricFamily& f : families) writer.family(f);
  return out;
}

}  // namespace promtls::core
