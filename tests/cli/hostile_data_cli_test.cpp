// inspect given hostile data (issue 18): license times and grace periods at and past the ends of
// their range, and certificates whose strings are not UTF-8. Each is an input error naming the
// file and the field, or is reported with its strings made valid; the other inputs are kept.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow

}  // namespace

TEST_CASE("an out-of-range license time exits 3 naming the file and the field") {
  TempDir dir;
  const std::string good =
      dir.write("good.json", R"({"expiry": "2028-01-01T00:00:00Z", "package": "Good"})");
  const std::string huge =
      dir.write("huge.json", R"({"expiry": 9223372036854775807, "grace_period": 1})");
  const std::string far = dir.write("far.json", R"({"expiry": 1e300})");
  const std::string grace =
      dir.write("grace.json", R"({"expiry": 1798761600, "grace_period": 1000000})");
  const std::string jwt = dir.write(
      "exp.jwt", base64url(R"({"alg":"none"})") + "." + base64url(R"({"exp":1e300})") + ".");
  auto r = run_promtls({"inspect", "--license", good, "--license", huge, "--license", far,
                        "--license", grace, "--license", jwt, kAt, "-o", "json"});
  CHECK(r.exit_code == 3);
  const json report = json::parse(r.out);
  REQUIRE(report["licenses"].size() == 1);
  CHECK(report["licenses"][0]["package"] == "Good");
  CHECK(report["licenses"][0]["status"] == "valid");
  REQUIRE(report["errors"].size() == 4);
  const std::pair<std::string, std::string> expected[] = {
      {huge, huge + ": expiry 9223372036854775807 is out of range"},
      {far, far + ": expiry 1e+300 is out of range"},
      {grace, grace + ": grace_period 1000000 is out of range"},
      {jwt, jwt + ": JWT claim exp 1e+300 is out of range"},
  };
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(report["errors"][i].dump());
    CHECK(report["errors"][i]["source"] == expected[i].first);
    CHECK(report["errors"][i]["reason"] == "decode_failed");
    CHECK(report["errors"][i]["message"].get<std::string>().rfind(expected[i].second, 0) == 0);
  }
  r = run_promtls({"inspect", "--license", huge, kAt});
  CHECK(r.exit_code == 3);
  CHECK(r.out.find(huge + ": expiry 9223372036854775807 is out of range (a time from "
                          "0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z") != std::string::npos);
  CHECK(r.out.find("expired") == std::string::npos);
}
