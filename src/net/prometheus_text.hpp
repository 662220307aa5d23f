// The text exposition of core::MetricFamily values rendered by prometheus-cpp's core library
// (prometheus::MetricFamily, prometheus::ClientMetric, prometheus::TextSerializer), for the
// families serve holds. No prometheus-cpp type appears here (STYLE.md): the conversion lives in
// prometheus_text.cpp, the only file that includes prometheus-cpp.
//
// Performs no I/O. Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "promtls/core/metrics.hpp"

namespace promtls::net::detail {

// The same bytes as core::render_exposition(families, format). Each family whose text
// TextSerializer writes exactly as the project does goes through TextSerializer; the others are
// written with core::ExpositionWriter (prometheus_text.cpp says which and why).
std::string render_with_prometheus_cpp(const std::vector<core::MetricFamily>& families,
                                       core::ValueFormat format);

// Whether `family` is one that render_with_prometheus_cpp() hands to TextSerializer.
bool fits_text_serializer(const core::MetricFamily& family, core::ValueFormat format);

}  // namespace promtls::net::detail
