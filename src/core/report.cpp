#include "promtls/core/report.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "promtls/core/ci_report.hpp"
#include "promtls/core/tls_catalog.hpp"

namespace promtls::core {
namespace {

std::string hex16(std::uint16_t id) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04X", id);
  return buf;
}

nlohmann::ordered_json version_json(std::uint16_t v) {
  if (v == 0) return nullptr;
  return v == kTls12 ? "1.2" : v == kTls13 ? "1.3" : hex16(v);
}

std::string_view color_for(Severity s) {
  switch (s) {
    case Severity::error:
      return "\033[1;31m";
    case Severity::warning:
      return "\033[1;33m";
    case Severity::info:
      return "\033[36m";
  }
  return "";
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace

nlohmann::ordered_json finding_json(const Finding& f) {
  nlohmann::ordered_json j = {{"code", f.code},
                              {"severity", to_string(f.severity)},
                              {"variables", f.variables},
                              {"message", f.message}};
  j["subject"] =
      f.subject.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.subject);
  j["hint"] = f.hint.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.hint);
  j["source"] =
      f.origin ? nlohmann::ordered_json(f.origin->to_string()) : nlohmann::ordered_json(nullptr);
  if (f.origin && !f.origin->file.empty()) {
    j["file"] = f.origin->file;
    j["line"] = f.origin->line;
  }
  return j;
}

nlohmann::ordered_json config_json(const ServerConfig& c) {
  nlohmann::ordered_json j = {{"profile", to_string(c.profile)},
                              {"enabled", c.enabled},
                              {"host", c.host},
                              {"port", c.port},
                              {"listen_address", c.listen_address},
                              {"tls", c.tls}};
  if (!c.tls) return j;
  const TlsConfig& t = c.tls_config;
  j["cert_file"] = t.cert_file;
  j["key_file"] = t.key_file;
  j["client_auth"] = to_string(t.client_auth);
  j["client_auth_go"] = go_name(t.client_auth);
  j["client_ca_file"] = t.client_ca_file.empty() ? nlohmann::ordered_json(nullptr)
                                                 : nlohmann::ordered_json(t.client_ca_file);
  j["min_version"] = version_json(t.min_version);
  j["max_version"] = version_json(t.max_version);
  if (t.cipher_suites) {
    auto& arr = j["cipher_suites"] = nlohmann::ordered_json::array();
    for (const auto id : *t.cipher_suites) {
      const CipherSuite* s = find_cipher_suite(id);
      arr.push_back({{"name", s ? s->go_name : ""},
                     {"id", hex16(id)},
                     {"openssl_name", s ? s->openssl_name : ""}});
    }
  } else {
    j["cipher_suites"] = nullptr;
  }
  if (t.curves) {
    auto& arr = j["curves"] = nlohmann::ordered_json::array();
    for (const auto id : *t.curves) {
      const Group* g = find_group(id);
      arr.push_back({{"name", g ? g->name : ""}, {"id", id}});
    }
  } else {
    j["curves"] = nullptr;
  }
  if (c.go_key_exchange) {
    const go::KeyExchange& kx = *c.go_key_exchange;
    nlohmann::ordered_json groups = nlohmann::ordered_json::array();
    for (const std::uint16_t id : kx.groups) {
      groups.push_back({{"name", go::group_name(id)}, {"id", id}});
    }
    j["go_key_exchange"] = {{"go_version", go::to_string(kx.version)},
                            {"go_version_source", kx.version_source},
                            {"godebug", kx.godebug.empty() ? nlohmann::ordered_json(nullptr)
                                                           : nlohmann::ordered_json(kx.godebug)},
                            {"groups", std::move(groups)},
                            {"post_quantum", kx.post_quantum}};
  }
  return j;
}

namespace {

// The other knative TLS families present (Evaluation::families).
nlohmann::ordered_json families_json(const std::vector<FamilyVerdict>& families) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const FamilyVerdict& f : families) {
    out.push_back(
        {{"prefix", f.prefix},
         {"component", f.component},
         {"accepts", f.accepts},
         {"error", f.accepts ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.error)},
         {"min_version", std::string(version_name(f.min_version)).substr(4)},
         {"max_version",
          f.max_version == 0
              ? nlohmann::ordered_json(nullptr)
              : nlohmann::ordered_json(std::string(version_name(f.max_version)).substr(4))}});
  }
  return out;
}

}  // namespace

Verdict judge(const Evaluation& e, const TextStyle& style) {
  const std::string component(to_string(e.config.profile));
  // Errors by whom they stop; errors about another knative TLS family are that family's
  // verdict, said on its own line.
  std::size_t api_server = 0, component_errors = 0, serve_only = 0, input = 0;
  for (const Finding& f : e.findings) {
    if (f.severity != Severity::error) continue;
    const bool other_family =
        !f.variables.empty() &&
        std::any_of(e.families.begin(), e.families.end(), [&](const FamilyVerdict& family) {
          return f.variables.front().rfind(family.prefix + "TLS_", 0) == 0;
        });
    if (other_family) continue;
    switch (code_effect(f.code)) {
      case CodeEffect::api_server:
        ++api_server;
        break;
      case CodeEffect::promtls_serve:
        ++serve_only;
        break;
      case CodeEffect::input:
      case CodeEffect::scraper:  // a monitor's finding is the run's, never a container's
        ++input;
        break;
      case CodeEffect::component:
        ++component_errors;
        break;
    }
  }
  if (api_server > 0) {
    std::string text =
        "the API server refuses the object (the errors above), so " + component + " never runs it";
    if (!e.upstream.accepts) {
      text += "; admitted, " + component + " would refuse to start: " + e.upstream.error;
    }
    return {"api-server-refuses", std::move(text)};
  }
  if (!e.upstream.accepts) {
    return {"refuses-to-start", component + " refuses to start: " + e.upstream.error};
  }
  if (component_errors > 0) {
    return {"fails-later",
            component + " starts with these variables but fails later (the errors above)"};
  }
  if (serve_only > 0) {
    return {"serve-refuses", component +
                                 " accepts this configuration, but promtls serve refuses it (the "
                                 "errors above)"};
  }
  if (input > 0) {
    return {"input-errors", "the input has errors (above); " + component +
                                " accepts the variables that could be read"};
  }
  if (!e.upstream.files_checked) {
    return {"accepts-variables", component + " accepts the variables (files not read: " +
                                     style.files_not_read_because + ")"};
  }
  std::string text = component + " accepts this configuration";
  if (!e.config.enabled) {
    text += " (serves no metrics)";
  } else if (e.config.tls) {
    text += " (TLS " + std::string(version_name(e.config.tls_config.min_version)).substr(4) +
            "+, client auth " + std::string(to_string(e.config.tls_config.client_auth)) + ")";
  } else {
    text += " (plain HTTP)";
  }
  return {"accepts", std::move(text)};
}

nlohmann::ordered_json validate_json(const Evaluation& e, bool strict, const TextStyle& style) {
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const auto& f : e.findings) findings.push_back(finding_json(f));
  const Verdict verdict = judge(e, style);
  return {{"schema", "promtls/validate/v1"},
          {"valid", !fails(e.findings, strict)},
          {"profile", to_string(e.config.profile)},
          {"upstream",
           {{"accepts", e.upstream.accepts},
            {"error", e.upstream.accepts ? nlohmann::ordered_json(nullptr)
                                         : nlohmann::ordered_json(e.upstream.error)},
            {"files_checked", e.upstream.files_checked}}},
          {"verdict", {{"outcome", verdict.outcome}, {"text", verdict.text}}},
          {"findings", std::move(findings)},
          {"config", config_json(e.config)},
          {"families", families_json(e.families)}};
}

std::string render_validate_text(const Evaluation& e, bool strict, const TextStyle& style) {
  const std::string reset = style.color ? "\033[0m" : "";
  std::string out;
  for (const auto& f : e.findings) {
    std::string sev(to_string(f.severity));
    if (style.color) sev = std::string(color_for(f.severity)) + sev + reset;
    out += sev + " " + f.code;
    if (!f.variables.empty()) out += " " + f.variables.front();
    out += ": " + f.message;
    if (f.origin) out += " (" + f.origin->to_string() + ")";
    out += "\n";
    if (!f.hint.empty()) out += "  hint: " + f.hint + "\n";
  }
  const auto counts = count(e.findings);
  const bool bad = fails(e.findings, strict);
  std::string verdict = bad ? "INVALID" : "valid";
  if (style.color) verdict = (bad ? "\033[1;31m" : "\033[1;32m") + verdict + reset;
  out += verdict + ": " + plural(counts.errors, "error") + ", " +
         plural(counts.warnings, "warning") + "; " + judge(e, style).text + "\n";
  for (const FamilyVerdict& family : e.families) {
    out += "  " + family.prefix + "TLS_*: " + family.component +
           (family.accepts ? " accepts them (TLS " +
                                 std::string(version_name(family.min_version)).substr(4) + "+)"
                           : " refuses to start: " + family.error) +
           "\n";
  }
  return out;
}

}  // namespace promtls::core
