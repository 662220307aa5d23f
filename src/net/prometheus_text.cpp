#include "prometheus_text.hpp"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <sstream>

namespace promtls::net::detail {
namespace {

// Where prometheus-cpp 1.0.1's TextSerializer and the project's exposition differ, and why the
// project's bytes win (fits_text_serializer() keeps such families away from TextSerializer):
// - Values: TextSerializer writes `out << value` at precision 16 in the classic locale (printf's
//   %.16g), "Nan" for NaN. The project writes integers in full (ValueFormat::plain) or as Go's
//   strconv.FormatFloat(v, 'g', -1, 64) (ValueFormat::go, which --metrics-compat tigera needs to
//   be byte-identical to client_golang, spec/tigera-metrics.md §3: 1781524800 is
//   "1.7815248e+09"), and other values with the shortest digits that round-trip (0.1 + 0.2 is
//   "0.30000000000000004", %.16g says "0.3"). The two agree exactly on integers below 10^15 in
//   the plain style (%.16g prints every digit of those, no exponent), which is every value of
//   the certificate, license and server families; so only ValueFormat::plain families whose
//   values are all such integers (and not -0) go through TextSerializer. In serve that leaves
//   process_cpu_seconds_total (fractional) and the Tigera families (go style) to the writer.
// - HELP: TextSerializer writes the text unescaped, and no HELP line at all for an empty one;
//   the exposition format escapes \ and newline. The table's HELP texts have neither (a unit
//   test checks), but families with such a text or an empty one go to the writer.
bool fits_value(double v) {
  return v == std::floor(v) && std::fabs(v) < 1e15 && !(v == 0 && std::signbit(v));
}

prometheus::MetricType to_prometheus(const std::string& type) {
  if (type == "gauge") return prometheus::MetricType::Gauge;
  if (type == "counter") return prometheus::MetricType::Counter;
  return prometheus::MetricType::Untyped;
}

prometheus::MetricFamily to_prometheus(const core::MetricFamily& f) {
  prometheus::MetricFamily out;
  out.name = f.name;
  out.help = f.help;
  out.type = to_prometheus(f.type);
  out.metric.reserve(f.samples.size());
  for (const core::Sample& s : f.samples) {
    prometheus::ClientMetric m;
    m.label.reserve(s.labels.size());
    // Label pairs stay in the family's order: TextSerializer prints them as given.
    for (const auto& [name, value] : s.labels) m.label.push_back({name, value});
    switch (out.type) {
      case prometheus::MetricType::Gauge:
        m.gauge.value = s.value;
        break;
      case prometheus::MetricType::Counter:
        m.counter.value = s.value;
        break;
      default:
        m.untyped.value = s.value;
        break;
    }
    out.metric.push_back(std::move(m));
  }
  return out;
}

}  // namespace

bool fits_text_serializer(const core::MetricFamily& f, core::ValueFormat format) {
  if (format != core::ValueFormat::plain) return false;
  if (f.help.empty() || f.help.find_first_of("\\\n") != std::string::npos) return false;
  if (f.type != "gauge" && f.type != "counter" && f.type != "untyped") return false;
  for (const core::Sample& s : f.samples) {
    if (!fits_value(s.value)) return false;
  }
  return true;
}

std::string render_with_prometheus_cpp(const std::vector<core::MetricFamily>& families,
                                       core::ValueFormat format) {
  std::string out;
  core::ExpositionWriter writer(out, format);
  const prometheus::TextSerializer serializer;
  std::vector<prometheus::MetricFamily> run;  // consecutive families for TextSerializer
  const auto serialize_run = [&] {
    if (run.empty()) return;
    std::ostringstream text;
    serializer.Serialize(text, run);
    out += text.str();
    run.clear();
  };
  for (const core::MetricFamily& f : families) {
    if (fits_text_serializer(f, format)) {
      run.push_back(to_prometheus(f));
    } else {
      serialize_run();
      writer.family(f);
    }
  }
  serialize_run();
  return out;
}

}  // namespace promtls::net::detail
