// The Tigera operator's component status (operator.tigera.io/v1 TigeraStatus objects), as
// `kubectl get tigerastatus -o yaml` prints them, and what promtls makes of them: the
// tigera_operator_component_status gauge (spec/tigera-metrics.md §3.1) and a severity for
// inspect's --fail-on.
//
// Pure: no I/O. Thread-safe.
#pragma once

#include <string>
#include <vector>

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

}  // namespace promtls::core
