// serve given hostile data (issue 18): licenses whose times or grace periods are out of range are
// counted source errors, never undefined arithmetic, and the good sources keep their gauges.
#include <string>

#include "serve_fixture.hpp"

namespace promtls::test {
namespace {

std::string get(int port, const std::string& path) {
  return raw_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

}  // namespace

TEST_CASE("serve counts a license with an out-of-range time as a source error") {
  ServePki pki;
  const std::string good = pki.dir.write(
      "license.json", R"({"expiry": "2099-01-01T00:00:00Z", "package": "Enterprise"})", 0644);
  const std::string huge = pki.dir.write(
      "huge.json", R"({"expiry": 9223372036854775807, "grace_period": 1, "package": "Huge"})",
      0644);
  const std::string far = pki.dir.write("far.json", R"({"expiry": 1e300, "package": "Far"})", 0644);
  Serve s = start_serve({"--license", good, "--license", huge, "--license", far},
                        pki.log_path("serve.log"));
  REQUIRE(s.process->wait_for_log("sources_loaded", 5000));
  const HttpResponse m = parse_response(get(s.port, "/metrics"));
  INFO(m.body);
  REQUIRE(m.status == 200);
  CHECK(sample_value(m.body, "promtls_license_valid{package=\"Enterprise\"}") == 1);
  CHECK(m.body.find("package=\"Huge\"") == std::string::npos);
  CHECK(m.body.find("package=\"Far\"") == std::string::npos);
  for (const std::string& file : {huge, far}) {
    CHECK(sample_value(m.body, "promtls_source_errors_total{source=\"" + file +
                                   "\",reason=\"bad_license\"}") == 1);
  }
}

}  // namespace promtls::test
