// The Tigera operator's component status (operator.tigera.io/v1 TigeraStatus objects), as
// `kubectl get tigerastatus -o yaml` prints them, and what promtls makes of them: the
// tigera_operator_component_status gauge (spec/tigera-metrics.md §3.1), a state and severity for
// inspect's --fail-on, and the text and JSON parts of inspect's report.
//
// Pure: no I/O. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/cert_policy.hpp"
#include "promtls/core/metrics.hpp"

namespace promtls::core {

// One entry of status.conditions: type (Available, Progressing, Degraded), status ("True",
// "False", "Unknown"), reason and message as the operator wrote them.
struct TigeraStatusCondition {
  std::string type;
  std::string status;
  std::string reason;
  std::string message;
};

struct TigeraStatus {
  std::string name;    // metadata.name: the component ("calico", "apiserver", ...)
  std::string source;  // the file it was read from
  std::vector<TigeraStatusCondition> conditions;
};

// True when some condition of `type` (compared exactly, as the operator's collector does) has
// status "True" (spec §3.1).
bool condition_true(const TigeraStatus& status, std::string_view type);

// What a component's conditions add up to, worst first: degraded (Degraded is True), unavailable
// (Available is not True, also when there are no conditions at all), progressing (Progressing is
// True), available.
enum class TigeraComponentState { available, progressing, degraded, unavailable };

TigeraComponentState component_state(const TigeraStatus& status);

// "available", "progressing", "degraded", "unavailable".
std::string_view to_string(TigeraComponentState state);

// The --fail-on rank (cert_policy.hpp's scale): available 0, progressing 1 (a rollout is under
// way, as the operator's ComponentProgressing alerts say), degraded and unavailable 3, like an
// expired certificate, so every threshold fails on them.
int severity_rank(TigeraComponentState state);

// True when any status's rank reaches `fail_on` (rank_reaches()).
bool tigera_statuses_reach(const std::vector<TigeraStatus>& statuses, FailOn fail_on);

// tigera_operator_component_status{component,condition} (spec §3.1): for each TigeraStatus,
// exactly one sample for each of available, progressing and degraded (lower-cased types), 1 when
// condition_true() for that type, else 0; three series even without conditions. A name met twice
// keeps its first object. Samples are sorted by labels, as client_golang gathers them.
MetricFamily tigera_component_family(const std::vector<TigeraStatus>& statuses);

// inspect's text section: a table (component, the Available / Progressing / Degraded statuses,
// the state, the source) and, for each condition that is not as it should be (Available not
// True, Progressing or Degraded True), its reason and message. Empty when there are no statuses.
std::string render_tigera_status_text(const std::vector<TigeraStatus>& statuses);

// inspect's JSON list: [{name, source, state, available, progressing, degraded, conditions:
// [{type, status, reason, message}]}].
nlohmann::ordered_json tigera_statuses_json(const std::vector<TigeraStatus>& statuses);

}  // namespace promtls::core
