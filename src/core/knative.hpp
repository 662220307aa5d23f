// The knative profile's evaluator (spec/knative-env.md). Internal to promtls_core.
#pragma once

#include "promtls/core/config.hpp"

namespace promtls::core::detail {

// Fills `out` with the knative verdict, configuration and findings for `env`.
void evaluate_knative(const EnvSnapshot& env, const EvaluateOptions& options,
                      FileInspector* inspector, Evaluation& out);

}  // namespace promtls::core::detail
