// Looking findings up by code in tests: one set of helpers for every test that checks what an
// evaluation (or anything with a `findings` vector) reported. Header-only; pure.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "promtls/core/finding.hpp"

namespace promtls::test {

// The first finding with `code`, or nullptr.
inline const core::Finding* find_finding(const std::vector<core::Finding>& findings,
                                         std::string_view code) {
  for (const core::Finding& f : findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

inline bool has_finding(const std::vector<core::Finding>& findings, std::string_view code) {
  return find_finding(findings, code) != nullptr;
}

// Every code, in report order (for INFO and for checks on the whole set).
inline std::vector<std::string> finding_codes(const std::vector<core::Finding>& findings) {
  std::vector<std::string> codes;
  for (const core::Finding& f : findings) codes.push_back(f.code);
  return codes;
}

// The finding with `code`; fails the test case when there is none.
inline const core::Finding& require_finding(const std::vector<core::Finding>& findings,
                                            std::string_view code) {
  const core::Finding* f = find_finding(findings, code);
  if (f == nullptr) FAIL("no finding " << code << " among " << findings.size());
  return *f;
}

// The same for anything that holds a `findings` vector (core::Evaluation, manifest results).
template <class Holder>
const core::Finding* find_finding(const Holder& h, std::string_view code) {
  return find_finding(h.findings, code);
}
template <class Holder>
bool has_finding(const Holder& h, std::string_view code) {
  return has_finding(h.findings, code);
}
template <class Holder>
std::vector<std::string> finding_codes(const Holder& h) {
  return finding_codes(h.findings);
}
template <class Holder>
const core::Finding& require_finding(const Holder& h, std::string_view code) {
  return require_finding(h.findings, code);
}

}  // namespace promtls::test
