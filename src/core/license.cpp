#include "promtls/core/license.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "json_view.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/core/kube.hpp"
#include "promtls/core/time.hpp"

namespace promtls::core {
namespace {

using nlohmann::json;

std::string string_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  return j[key].get<std::string>();
}

// Go strconv.Atoi on a 64-bit platform: optional sign, at least one decimal digit, no overflow.
std::optional<std::int64_t> go_atoi(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  constexpr std::uint64_t kLimit = 9223372036854775808ull;  // 1 << 63
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > kLimit) return std::nullopt;
  }
  if (!negative && value == kLimit) return std::nullopt;
  if (negative) return value == kLimit ? INT64_MIN : -static_cast<std::int64_t>(value);
  return static_cast<std::int64_t>(value);
}

std::string package_from_features(const std::vector<std::string>& features) {
  if (features.size() < 2) return {};
  const std::string key = features[0] + "|" + features[1];
  if (key == "cnx|all") return "Enterprise";
  if (key == "cloud|community") return "CloudCommunity";
  if (key == "cloud|starter") return "CloudStarter";
  if (key == "cloud|pro") return "CloudPro";
  return {};
}

// "field 1e+300 is out of range ...": the one message for a time outside kLicenseTimeMinUnix ..
// kLicenseTimeMaxUnix.
std::string out_of_range(const std::string& field, const json& value) {
  // A number past the range of a double (1e400) reads as infinity, which JSON cannot write.
  const bool finite = !value.is_number_float() || std::isfinite(value.get<double>());
  return field + " " + (finite ? value.dump() : "beyond the range of a double") +
         " is out of range (a time from " + format_rfc3339(kLicenseTimeMinUnix) + " to " +
         format_rfc3339(kLicenseTimeMaxUnix) + ", Unix seconds " +
         std::to_string(kLicenseTimeMinUnix) + " to " + std::to_string(kLicenseTimeMaxUnix) + ")";
}

bool in_time_range(std::int64_t t) { return t >= kLicenseTimeMinUnix && t <= kLicenseTimeMaxUnix; }

// A time field: Unix seconds (an integer, or a number whose fraction is truncated) or, when
// `strings` is true, an RFC 3339 text. Checked against the range before any conversion, so no
// value (2^63, 1e300) is ever converted out of range. nullopt with `error` naming the field when
// it is of another type, does not parse, or lies outside the range.
std::optional<std::int64_t> time_field(const json& v, const std::string& field, bool strings,
                                       const std::string& type_error, std::string& error) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(kLicenseTimeMaxUnix)) {
      error = out_of_range(field, v);
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (!in_time_range(i)) {
      error = out_of_range(field, v);
      return std::nullopt;
    }
    return i;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // Written so that NaN fails too.
    if (!(d >= static_cast<double>(kLicenseTimeMinUnix) &&
          d < static_cast<double>(kLicenseTimeMaxUnix) + 1.0)) {
      error = out_of_range(field, v);
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  if (strings && v.is_string()) {
    const auto t = parse_rfc3339(v.get<std::string>());
    if (t && !in_time_range(*t)) {
      // Year 0000 with a positive offset, or 9999-12-31T23:59:60Z.
      error = out_of_range(field, v);
      return std::nullopt;
    }
    if (t) return t;
  }
  error = type_error;
  return std::nullopt;
}

// A grace period in days, checked against kMaxGracePeriodDays; negative is 0 (as the operator's
// ParseGracePeriod treats "-5d"). false with `error` naming the field when out of range.
bool checked_grace(std::int64_t days, const std::string& field, const std::string& as_written,
                   License& l, std::string& error) {
  if (days > kMaxGracePeriodDays) {
    error = field + " " + as_written + " is out of range (at most " +
            std::to_string(kMaxGracePeriodDays) +
            " days, the longest grace period the operator's duration arithmetic holds)";
    return false;
  }
  l.grace_period_days = std::max<std::int64_t>(0, days);
  return true;
}

// A grace_period number of days (plain JSON and JWT claims) or, when `strings`, an "Nd" text.
bool grace_field(const json& g, const std::string& field, bool strings, License& l,
                 std::string& error) {
  if (g.is_null()) return true;
  if (g.is_number_unsigned() && g.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return checked_grace(INT64_MAX, field, g.dump(), l, error);
  }
  if (g.is_number_float() && std::isfinite(g.get<double>()) &&
      std::floor(g.get<double>()) == g.get<double>()) {
    // A whole number written as 90.0, or one past int64 that the document reader made a double.
    const double d = g.get<double>();
    const std::int64_t days = d > static_cast<double>(kMaxGracePeriodDays) ? INT64_MAX
                              : d < 0                                      ? 0
                                      : static_cast<std::int64_t>(d);
    if (!checked_grace(days, field, g.dump(), l, error)) return false;
    l.grace_period_text = std::to_string(l.grace_period_days) + "d";
    return true;
  }
  if (g.is_number_integer()) {
    if (!checked_grace(g.get<std::int64_t>(), field, g.dump(), l, error)) return false;
    l.grace_period_text = std::to_string(l.grace_period_days) + "d";
    return true;
  }
  if (strings && g.is_string()) {
    l.grace_period_text = g.get<std::string>();
    return checked_grace(parse_grace_period(l.grace_period_text), field, g.dump(), l, error);
  }
  error = field + " " + g.dump() + " is not a whole number of days" +
          (strings ? " nor a text such as \"90d\"" : "");
  return false;
}

std::optional<License> from_license_key(const json& doc, const std::string& source,
                                        std::string& error) {
  License l;
  l.source = source;
  l.kind = "LicenseKey";
  const json status = doc.contains("status") ? doc["status"] : json();
  if (status.is_object()) {
    if (status.contains("expiry") && !status["expiry"].is_null()) {
      l.expiry_unix = time_field(status["expiry"], "status.expiry", true,
                                 "status.expiry is not an RFC 3339 time", error);
      if (!l.expiry_unix) return std::nullopt;
    }
    l.grace_period_text = string_at(status, "gracePeriod");
    if (!checked_grace(parse_grace_period(l.grace_period_text), "status.gracePeriod",
                       "\"" + l.grace_period_text + "\"", l, error)) {
      return std::nullopt;
    }
    l.package = string_at(status, "package");
    if (status.contains("features") && status["features"].is_array()) {
      for (const auto& f : status["features"]) {
        if (f.is_string()) l.features.push_back(f.get<std::string>());
      }
    }
  }
  return l;
}

std::optional<License> from_jwt(const JwtParts& parts, const std::string& source,
                                std::string& error) {
  json claims;
  try {
    claims = json::parse(parts.payload_json);
  } catch (const json::exception&) {
    error = "JWT claims are not JSON";
    return std::nullopt;
  }
  if (!claims.is_object()) {
    error = "JWT claims are not a JSON object";
    return std::nullopt;
  }
  License l;
  l.source = source;
  l.kind = "jwt";
  // NumericDate claims (RFC 7519 §2, §4.1.4-§4.1.6): only exp is used, but nbf and iat out of
  // range are the same input error, never a conversion out of range later.
  for (const char* claim : {"exp", "nbf", "iat"}) {
    if (!claims.contains(claim) || claims[claim].is_null()) continue;
    const std::string field = std::string("JWT claim ") + claim;
    const auto t = time_field(claims[claim], field, false, field + " is not a number", error);
    if (!t) return std::nullopt;
    if (std::string_view(claim) == "exp") l.expiry_unix = t;
  }
  if (claims.contains("grace_period") &&
      !grace_field(claims["grace_period"], "JWT claim grace_period", false, l, error)) {
    return std::nullopt;
  }
  if (claims.contains("features") && claims["features"].is_array()) {
    for (const auto& f : claims["features"]) {
      if (f.is_string()) l.features.push_back(f.get<std::string>());
    }
  }
  l.package = string_at(claims, "package");
  if (l.package.empty()) l.package = package_from_features(l.features);
  l.name = string_at(claims, "name");
  return l;
}

std::optional<License> from_plain_json(const json& doc, const std::string& source,
                                       std::string& error) {
  License l;
  l.source = source;
  l.kind = "json";
  if (!doc["expiry"].is_null()) {
    l.expiry_unix = time_field(doc["expiry"], "expiry", true,
                               "expiry is neither an RFC 3339 time nor Unix seconds", error);
    if (!l.expiry_unix) return std::nullopt;
  }
  if (doc.contains("grace_period") &&
      !grace_field(doc["grace_period"], "grace_period", true, l, error)) {
    return std::nullopt;
  }
  l.package = string_at(doc, "package");
  l.name = string_at(doc, "name");
  return l;
}

bool looks_like_jws(std::string_view text) {
  if (std::count(text.begin(), text.end(), '.') != 2) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

}  // namespace

std::int64_t parse_grace_period(std::string_view text) {
  if (text.empty() || text.back() != 'd') return 0;
  const auto days = go_atoi(text.substr(0, text.size() - 1));
  if (!days || *days < 0) return 0;
  return *days;
}

TigeraLicenseState tigera_license_state(std::optional<std::int64_t> expiry_unix,
                                        std::int64_t grace_days, std::int64_t now_unix) {
  if (!expiry_unix) return TigeraLicenseState::valid;
  // Go: time.Duration(days) * 24 * time.Hour, int64 nanoseconds that wrap on overflow, then
  // Time.Add, which floors the duration to whole seconds plus a non-negative fraction. `now` has
  // whole seconds, so now > expiry + floor(d) + frac is now > expiry + floor(d).
  const auto grace_ns =
      static_cast<std::int64_t>(static_cast<std::uint64_t>(grace_days) * 86400000000000ull);
  std::int64_t grace_s = grace_ns / 1000000000;
  if (grace_ns % 1000000000 < 0) --grace_s;
  // parse_license() bounds both terms; a caller that does not still gets no signed overflow: a
  // sum past either end of int64 is after, or before, every `now`.
  std::int64_t end = 0;
  const bool past_grace =
      __builtin_add_overflow(*expiry_unix, grace_s, &end) ? grace_s < 0 : now_unix > end;
  if (past_grace) return TigeraLicenseState::expired;
  if (now_unix > *expiry_unix) return TigeraLicenseState::in_grace_period;
  return TigeraLicenseState::valid;
}

LicenseStatus judge_license(const License& license, const ExpiryPolicy& policy,
                            std::int64_t now_unix) {
  switch (tigera_license_state(license.expiry_unix, license.grace_period_days, now_unix)) {
    case TigeraLicenseState::expired:
      return LicenseStatus::expired;
    case TigeraLicenseState::in_grace_period:
      return LicenseStatus::in_grace_period;
    case TigeraLicenseState::valid:
      break;
  }
  if (!license.expiry_unix) return LicenseStatus::valid;
  std::int64_t left = 0;
  if (__builtin_sub_overflow(*license.expiry_unix, now_unix, &left)) {
    left = *license.expiry_unix > now_unix ? INT64_MAX : INT64_MIN;
  }
  switch (threshold_band(policy, left, std::nullopt)) {
    case 2:
      return LicenseStatus::critical;
    case 1:
      return LicenseStatus::warning;
    default:
      return LicenseStatus::valid;
  }
}

std::string_view to_string(LicenseStatus status) {
  switch (status) {
    case LicenseStatus::valid:
      return "valid";
    case LicenseStatus::warning:
      return "warning";
    case LicenseStatus::critical:
      return "critical";
    case LicenseStatus::in_grace_period:
      return "in_grace_period";
    case LicenseStatus::expired:
      return "expired";
  }
  return "valid";
}

int severity_rank(LicenseStatus status) {
  switch (status) {
    case LicenseStatus::valid:
      return 0;
    case LicenseStatus::warning:
      return 1;
    case LicenseStatus::critical:
    case LicenseStatus::in_grace_period:
      return 2;
    case LicenseStatus::expired:
      return 3;
  }
  return 0;
}

bool reaches(LicenseStatus status, FailOn fail_on) {
  return rank_reaches(severity_rank(status), fail_on);
}

std::optional<std::int64_t> parse_tigera_time(std::string_view t) {
  // "2006-01-02T15:04:05Z": 20 characters, digits in fixed places.
  if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
      t[16] != ':' || t[19] != 'Z') {
    return std::nullopt;
  }
  for (const std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u, 11u, 12u, 14u, 15u, 17u, 18u}) {
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  }
  // Go's time.Parse refuses second 60 ("second out of range"), which RFC 3339 allows.
  if (t[17] > '5') return std::nullopt;
  return parse_rfc3339(t);
}

std::string format_tigera_time(std::int64_t unix_seconds) { return format_rfc3339(unix_seconds); }

std::optional<JwtParts> decode_jwt(std::string_view token, std::string& error) {
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.remove_suffix(1);
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.front()))) {
    token.remove_prefix(1);
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    error = "not a compact JWS (header.payload.signature)";
    return std::nullopt;
  }
  JwtParts parts;
  const auto header = base64url_decode(token.substr(0, dot1));
  const auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) {
    error = "JWT part is not base64url";
    return std::nullopt;
  }
  parts.header_json = *header;
  parts.payload_json = *payload;
  parts.signature = *signature;
  parts.signing_input = std::string(token.substr(0, dot2));
  try {
    const json h = json::parse(parts.header_json);
    parts.alg = string_at(h, "alg");
  } catch (const json::exception&) {
    error = "JWT header is not JSON";
    return std::nullopt;
  }
  return parts;
}

std::optional<License> parse_license(std::string_view bytes, const std::string& source,
                                     std::string& error) {
  std::string_view trimmed = bytes;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.remove_suffix(1);
  }
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  if (trimmed.empty()) {
    error = "empty file";
    return std::nullopt;
  }
  if (looks_like_jws(trimmed)) {
    const auto parts = decode_jwt(trimmed, error);
    if (!parts) return std::nullopt;
    return from_jwt(*parts, source, error);
  }
  const std::vector<Document> docs = parse_documents(trimmed, {.positions = false});
  if (const SyntaxError* syntax = first_error(docs)) {
    error = "neither a JWT, JSON nor YAML: " + describe(*syntax);
    return std::nullopt;
  }
  for (const kube::Object& object : kube::objects(docs)) {
    const json doc = to_json(*object.node);
    if (string_at(doc, "kind") == "LicenseKey") return from_license_key(doc, source, error);
    if (doc.contains("expiry")) return from_plain_json(doc, source, error);
    // A LicenseKey whose token is given inline, without a status, is still a LicenseKey.
  }
  error = "no LicenseKey object, JWT or {expiry, grace_period, package} object found";
  return std::nullopt;
}

std::string license_package_label(const License& license) {
  return license.package.empty() ? "Enterprise" : license.package;
}

namespace {

// One license per package label (the first with the earliest expiry wins), so the families never
// carry duplicate series.
std::map<std::string, const License*> by_package(const std::vector<License>& licenses) {
  std::map<std::string, const License*> out;
  for (const License& l : licenses) {
    const std::string package = license_package_label(l);
    auto it = out.find(package);
    if (it == out.end()) {
      out.emplace(package, &l);
    } else if (l.expiry_unix &&
               (!it->second->expiry_unix || *l.expiry_unix < *it->second->expiry_unix)) {
      it->second = &l;
    }
  }
  return out;
}

std::vector<MetricFamily> license_gauges(const std::vector<License>& licenses,
                                         std::int64_t now_unix, const MetricSpec& expiry_spec,
                                         const MetricSpec& valid_spec) {
  MetricFamily expiry = make_family(expiry_spec);
  MetricFamily valid = make_family(valid_spec);
  for (const auto& [package, l] : by_package(licenses)) {
    if (l->expiry_unix) {
      expiry.samples.push_back(
          {{{std::string(expiry_spec.labels[0]), package}}, static_cast<double>(*l->expiry_unix)});
    }
    const bool expired = tigera_license_state(l->expiry_unix, l->grace_period_days, now_unix) ==
                         TigeraLicenseState::expired;
    valid.samples.push_back({{{std::string(valid_spec.labels[0]), package}}, expired ? 0.0 : 1.0});
  }
  std::vector<MetricFamily> out;
  if (!expiry.samples.empty()) out.push_back(std::move(expiry));
  if (!valid.samples.empty()) out.push_back(std::move(valid));
  return out;
}

}  // namespace

std::vector<MetricFamily> license_families(const std::vector<License>& licenses,
                                           std::int64_t now_unix) {
  return license_gauges(licenses, now_unix, metric::kLicenseExpiry, metric::kLicenseValid);
}

std::vector<MetricFamily> tigera_license_families(const std::vector<License>& licenses,
                                                  std::int64_t now_unix) {
  return license_gauges(licenses, now_unix, metric::kTigeraLicenseExpiry,
                        metric::kTigeraLicenseValid);
}

MetricFamily tigera_certificate_family(const std::vector<TigeraSecretMetadata>& secrets) {
  MetricFamily family = make_family(metric::kTigeraCertificateExpiry);
  for (const TigeraSecretMetadata& s : secrets) {
    if (!s.has_signer_label || !s.expiry) continue;
    const auto when = parse_tigera_time(*s.expiry);
    if (!when) continue;
    // The table's label names, in its (client_golang's sorted) order: issuer, name, namespace.
    const auto& names = metric::kTigeraCertificateExpiry.labels;
    family.samples.push_back({{{std::string(names[0]), s.issuer.value_or("")},
                               {std::string(names[1]), s.name},
                               {std::string(names[2]), s.namespace_}},
                              static_cast<double>(*when)});
  }
  std::sort(family.samples.begin(), family.samples.end(),
            [](const Sample& a, const Sample& b) { return a.labels < b.labels; });
  return family;
}

}  // namespace promtls::core
