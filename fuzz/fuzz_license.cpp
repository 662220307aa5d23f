// The license reader (core/license.hpp): LicenseKey objects, compact JWS tokens and plain JSON,
// then what inspect and serve do with a license: judge it at several times, render its gauges
// (which must parse as exposition text) and its inspect JSON; and a token's signature check
// (tls/jwt_verify.hpp) against a fixed EC key.
#include <array>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "promtls/core/exposition.hpp"
#include "promtls/core/inspect_report.hpp"
#include "promtls/core/license.hpp"
#include "promtls/tls/jwt_verify.hpp"

namespace {

// A P-256 public key made for these harnesses; no private key is kept anywhere.
constexpr std::string_view kKeyPem = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEm5wRXQft3YX/SdLhzZjpVd/xHyoy
dAAKO0xgBNumEXlRy4Sj4AZBM6hkcrzdruYKodcjb4LJaHBUr6Uz5Q8jdQ==
-----END PUBLIC KEY-----
)";

// 1970-01-01, 2026-01-01 and 9999-12-31T23:59:59Z.
constexpr std::array<std::int64_t, 3> kNows{0, 1'767'225'600, 253'402'300'799};

void exposition_parses(const std::vector<promtls::core::MetricFamily>& families) {
  const auto parsed = promtls::core::parse_exposition(promtls::core::render_exposition(families));
  promtls::fuzz::require(parsed.errors.empty(), "rendered license gauges parse as exposition");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace promtls;
  const std::string_view text = fuzz::as_text(data, size);

  std::string error;
  if (const auto parts = core::decode_jwt(text, error)) {
    (void)tls::verify_jwt(*parts, kKeyPem);
  } else {
    fuzz::require(!error.empty(), "a refused token says why");
  }

  error.clear();
  const auto license = core::parse_license(text, "fuzz.license", error);
  if (!license) {
    fuzz::require(!error.empty(), "a refused license says why");
    return 0;
  }
  (void)core::license_package_label(*license);
  core::InspectReport report;
  for (const std::int64_t now : kNows) {
    const core::LicenseStatus status = core::judge_license(*license, core::ExpiryPolicy{}, now);
    (void)core::to_string(status);
    (void)core::tigera_license_state(license->expiry_unix, license->grace_period_days, now);
    exposition_parses(core::license_families({*license}, now));
    exposition_parses(core::tigera_license_families({*license}, now));
    report.now_unix = now;
    report.licenses = {core::InspectedLicense{*license, status}};
    (void)core::inspect_json(report).dump(2);
    (void)core::render_inspect_text(report);
  }
  return 0;
}
