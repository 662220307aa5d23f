// The Tigera operator profile's evaluator (spec/tigera-metrics.md §1–§2). Internal to
// promtls_core.
#pragma once

#include "promtls/core/config.hpp"

namespace promtls::core::detail {

// Fills `out` with the operator's startup verdict, its metrics server configuration and the
// findings for `env`.
void evaluate_tigera(const EnvSnapshot& env, const EvaluateOptions& options,
                     FileInspector* inspector, Evaluation& out);

}  // namespace promtls::core::detail
