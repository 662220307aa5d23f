// TigeraStatus objects (core/tigera_status.hpp): the component gauge of spec/tigera-metrics.md
// §3.1, the state behind inspect's --fail-on, and inspect's text and JSON parts.
#include "promtls/core/tigera_status.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace promtls::core {
namespace {

// The three condition types of the gauge, with their lower-cased label values (spec §3.1).
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kConditionTypes{
    {{"Available", "available"}, {"Progressing", "progressing"}, {"Degraded", "degraded"}}};

// The status of the first condition of `type`, or "-" when there is none.
std::string status_of(const TigeraStatus& s, std::string_view type) {
  for (const TigeraStatusCondition& c : s.conditions) {
    if (c.type == type) return c.status.empty() ? "-" : c.status;
  }
  return "-";
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

}  // namespace

bool condition_true(const TigeraStatus& status, std::string_view type) {
  return std::any_of(
      status.conditions.begin(), status.conditions.end(),
      [type](const TigeraStatusCondition& c) { return c.type == type && c.status == "True"; });
}

TigeraComponentState component_state(const TigeraStatus& status) {
  if (condition_true(status, "Degraded")) return TigeraComponentState::degraded;
  if (!condition_true(status, "Available")) return TigeraComponentState::unavailable;
  if (condition_true(status, "Progressing")) return TigeraComponentState::progressing;
  return TigeraComponentState::available;
}

std::string_view to_string(TigeraComponentState state) {
  switch (state) {
    case TigeraComponentState::available:
      return "available";
    case TigeraComponentState::progressing:
      return "progressing";
    case TigeraComponentState::degraded:
      return "degraded";
    case TigeraComponentState::unavailable:
      return "unavailable";
  }
  return "unavailable";
}

int severity_rank(TigeraComponentState state) {
  switch (state) {
    case TigeraComponentState::available:
      return 0;
    case TigeraComponentState::progressing:
      return 1;
    case TigeraComponentState::degraded:
    case TigeraComponentState::unavailable:
      return 3;
  }
  return 3;
}

bool tigera_statuses_reach(const std::vector<TigeraStatus>& statuses, FailOn fail_on) {
  return std::any_of(statuses.begin(), statuses.end(), [fail_on](const TigeraStatus& s) {
    return rank_reaches(severity_rank(component_state(s)), fail_on);
  });
}

MetricFamily tigera_component_family(const std::vector<TigeraStatus>& statuses) {
  MetricFamily family = make_family(metric::kTigeraComponentStatus);
  std::set<std::string> seen;
  for (const TigeraStatus& s : statuses) {
    if (!seen.insert(s.name).second) continue;
    for (const auto& [type, label] : kConditionTypes) {
      family.samples.push_back({{{"component", s.name}, {"condition", std::string(label)}},
                                condition_true(s, type) ? 1.0 : 0.0});
    }
  }
  std::sort(family.samples.begin(), family.samples.end(),
            [](const Sample& a, const Sample& b) { return a.labels < b.labels; });
  return family;
}

std::string render_tigera_status_text(const std::vector<TigeraStatus>& statuses) {
  if (statuses.empty()) return {};
  // 16 + 10 + 12 + 9 + 12 + SOURCE: the table of `kubectl get tigerastatus` with a state.
  std::string out = "\n" + pad("COMPONENT", 16) + pad("AVAILABLE", 10) + pad("PROGRESSING", 12) +
                    pad("DEGRADED", 9) + pad("STATE", 12) + "SOURCE\n";
  std::string notes;
  for (const TigeraStatus& s : statuses) {
    out += pad(s.name, 16) + pad(status_of(s, "Available"), 10) +
           pad(status_of(s, "Progressing"), 12) + pad(status_of(s, "Degraded"), 9) +
           pad(std::string(to_string(component_state(s))), 12) + s.source + "\n";
    if (s.conditions.empty()) notes += "  " + s.name + ": no conditions reported\n";
    for (const TigeraStatusCondition& c : s.conditions) {
      const bool wrong =
          c.type == "Available"
              ? c.status != "True"
              : (c.type == "Progressing" || c.type == "Degraded") && c.status == "True";
      if (!wrong) continue;
      notes += "  " + s.name + ": " + c.type + "=" + c.status;
      if (!c.reason.empty()) notes += " (" + c.reason + ")";
      if (!c.message.empty()) notes += ": " + c.message;
      notes += "\n";
    }
  }
  if (!notes.empty()) out += notes;
  return out;
}

nlohmann::ordered_json tigera_statuses_json(const std::vector<TigeraStatus>& statuses) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const TigeraStatus& s : statuses) {
    nlohmann::ordered_json conditions = nlohmann::ordered_json::array();
    for (const TigeraStatusCondition& c : s.conditions) {
      conditions.push_back(
          {{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}});
    }
    out.push_back({{"name", s.name},
                   {"source", s.source},
                   {"state", to_string(component_state(s))},
                   {"available", condition_true(s, "Available")},
                   {"progressing", condition_true(s, "Progressing")},
                   {"degraded", condition_true(s, "Degraded")},
                   {"conditions", std::move(conditions)}});
  }
  return out;
}

}  // namespace promtls::core
