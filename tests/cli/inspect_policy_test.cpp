// inspect's exit policy as a user meets it: 3 wins over 1 and the footer and JSON name both, a
// --connect chain that does not verify (unknown CA, wrong name) fails unless --no-verify,
// --warn/--crit durations and percentages with their aliases, and days left at its boundaries
// (inspect and selftest count them the same way).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "../integration/selftest_servers.hpp"
#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using nlohmann::json;

namespace {

const std::string kAt = "--at=2027-01-01T00:00:00Z";  // kNow

// Certificates with explicit windows around kNow, one per file.
struct Certs {
  TempDir dir;
  Authority ca =
      Authority::make("policy-ca", KeyKind::ec_p256, kNow - 365 * kDay, kNow + 3650 * kDay);
  Key key{KeyKind::ec_p256};
  std::string add(const std::string& file, const std::string& cn, std::int64_t nb,
                  std::int64_t na) {
    CertSpec spec;
    spec.cn = cn;
    spec.not_before = nb;
    spec.not_after = na;
    return dir.write(file, ca.leaf(spec, key).pem());
  }
  std::string missing() const { return (dir.path() / "missing.pem").string(); }
};

std::string last_line(const std::string& out) {
  std::string s = out;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  const std::size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

}  // namespace

TEST_CASE("an unreadable input wins over a failed certificate, and the footer names both") {
  Certs c;
  const std::string expired = c.add("expired.pem", "expired", kNow - 100 * kDay, kNow - kDay);
  const std::string fine = c.add("fine.pem", "fine", kNow - kDay, kNow + 300 * kDay);

  auto r = run_promtls({"inspect", expired, c.missing(), kAt});
  CHECK(r.exit_code == 3);
  CHECK(last_line(r.out) ==
        "exit 3: 1 input could not be read (the report is incomplete); also 1 certificate "
        "reached --fail-on critical");

  r = run_promtls({"inspect", expired, c.missing(), kAt, "-o", "json"});
  CHECK(r.exit_code == 3);
  json j = json::parse(r.out);
  CHECK(j["exit_code"] == 3);
  CHECK(j["fail_on"] == "critical");
  REQUIRE(j["errors"].size() == 1);
  CHECK(j["errors"][0]["reason"] == "not_found");
  REQUIRE(j["failed"].size() == 1);
  CHECK(j["failed"][0]["kind"] == "certificate");
  CHECK(j["failed"][0]["source"] == expired);
  CHECK(j["failed"][0]["status"] == "expired");
  CHECK(j["failed"][0]["reason"].is_null());
  CHECK(j["exit_reason"] ==
        "exit 3: 1 input could not be read (the report is incomplete); also 1 certificate "
        "reached --fail-on critical");

  // Prometheus output stays a clean exposition: the footer goes to standard error.
  r = run_promtls({"inspect", expired, c.missing(), kAt, "-o", "prometheus"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("promtls: exit 3: 1 input could not be read") != std::string::npos);
  CHECK(r.out.find("exit 3") == std::string::npos);

  // Only the failure: 1, and the footer says which threshold.
  r = run_promtls({"inspect", expired, fine, kAt});
  CHECK(r.exit_code == 1);
  CHECK(last_line(r.out) == "exit 1: 1 certificate reached --fail-on critical");
  r = run_promtls({"inspect", expired, fine, kAt, "-o", "json"});
  j = json::parse(r.out);
  CHECK(j["exit_code"] == 1);
  CHECK(j["errors"].empty());
  CHECK(j["failed"].size() == 1);

  // Only the unreadable input: 3, and nothing else named.
  r = run_promtls({"inspect", fine, c.missing(), kAt});
  CHECK(r.exit_code == 3);
  CHECK(last_line(r.out) == "exit 3: 1 input could not be read (the report is incomplete)");

  // All fine: 0, no exit line, and the JSON says so.
  r = run_promtls({"inspect", fine, kAt});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("exit ") == std::string::npos);
  r = run_promtls({"inspect", fine, kAt, "-o", "json"});
  j = json::parse(r.out);
  CHECK(j["exit_code"] == 0);
  CHECK(j["exit_reason"].is_null());
  CHECK(j["failed"].empty());
}

TEST_CASE("a warning threshold alone is the one threshold, --fail-on warning --warn 3d included") {
  Certs c;
  const std::string five = c.add("five.pem", "five", kNow - 85 * kDay, kNow + 5 * kDay);
  const std::string two = c.add("two.pem", "two", kNow - 85 * kDay, kNow + 2 * kDay);
  // The default critical threshold (7 days) does not override the 3 days asked for.
  auto r = run_promtls({"inspect", five, kAt, "--fail-on", "warning", "--warn", "3d"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ok                5") != std::string::npos);
  r = run_promtls({"inspect", two, kAt, "--fail-on", "warning", "--warn", "3d"});
  CHECK(r.exit_code == 1);
  // The alias behaves the same.
  CHECK(run_promtls({"inspect", five, kAt, "--fail-on", "warning", "--warn-days", "3"}).exit_code ==
        0);
  // Durations in hours and combinations.
  CHECK(run_promtls({"inspect", two, kAt, "--warn", "1d12h"}).exit_code == 0);
  CHECK(run_promtls({"inspect", two, kAt, "--warn", "30d", "--crit", "72h"}).exit_code == 1);
  CHECK(run_promtls({"inspect", two, kAt, "--warn", "30d", "--crit", "48h"}).exit_code == 0);
  // --warn takes one value: the next word is a source again.
  r = run_promtls({"inspect", "--warn", "30d", two, kAt, "-o", "json"});
  CHECK(r.exit_code == 1);
  CHECK(json::parse(r.out)["certificates"].size() == 1);
}

TEST_CASE("a percentage warning judges by the lifetime used, as step certificate needs-renewal") {
  Certs c;
  // A 24-hour certificate: 50% used, then 75% used.
  const std::string half = c.add("half.pem", "half", kNow - kDay / 2, kNow + kDay / 2);
  const std::string most = c.add("most.pem", "most", kNow - 18 * 3600, kNow + 6 * 3600);
  auto r = run_promtls({"inspect", half, most, kAt, "--warn", "66%", "-o", "json"});
  const json j = json::parse(r.out);
  REQUIRE(j["certificates"].size() == 2);
  CHECK(j["certificates"][0]["subject"] == "CN=most");
  CHECK(j["certificates"][0]["status"] == "critical");
  CHECK(j["certificates"][1]["status"] == "ok");
  CHECK(r.exit_code == 1);
  CHECK(run_promtls({"inspect", half, kAt, "--warn", "66%"}).exit_code == 0);
  CHECK(run_promtls({"inspect", half, kAt, "--warn-percent", "66"}).exit_code == 0);
  CHECK(run_promtls({"inspect", half, kAt, "--warn", "66%", "--crit", "40%"}).exit_code == 2);
}

TEST_CASE("threshold usage errors exit 2 and name the option and the value") {
  Certs c;
  const std::string fine = c.add("fine.pem", "fine", kNow - kDay, kNow + 300 * kDay);
  const auto usage = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"inspect", fine, kAt});
    const auto r = run_promtls(args);
    CHECK(r.exit_code == 2);
    return r.err;
  };
  CHECK(usage({"--warn", "30"}).find("--warn 30: a number without a unit is ambiguous") !=
        std::string::npos);
  CHECK(usage({"--crit", "3y"}).find("--crit 3y: unknown unit 'y'") != std::string::npos);
  CHECK(usage({"--warn", "150%"}).find("--warn 150%: expected a percentage") != std::string::npos);
  CHECK(usage({"--warn", "5d", "--warn-days", "10"})
            .find("--warn 5d and --warn-days 10 set the warning threshold to different "
                  "durations") != std::string::npos);
  CHECK(usage({"--warn-days", "30", "--crit-days", "40"})
            .find("--crit-days 40 is more than --warn-days 30") != std::string::npos);
  CHECK(usage({"--warn", "10d", "--crit", "2w"}).find("--crit 2w is more than --warn 10d") !=
        std::string::npos);
  // Consistent settings are fine, and a critical threshold alone may exceed the default warning
  // one (it was a usage error before --crit and --warn could be given alone).
  CHECK(run_promtls({"inspect", fine, kAt, "--warn", "10d", "--warn-days", "10"}).exit_code == 0);
  CHECK(
      run_promtls({"inspect", fine, kAt, "--warn-days", "30", "--warn-percent", "66"}).exit_code ==
      0);
  CHECK(run_promtls({"inspect", fine, kAt, "--crit-days", "40"}).exit_code == 0);
  CHECK(run_promtls({"inspect", fine, kAt, "--crit-days", "400"}).exit_code == 1);
}

TEST_CASE("days left is floor(seconds left / 86400) at every boundary") {
  Certs c;
  const std::int64_t not_after = kNow + 30 * kDay;
  const std::string file = c.add("thirty.pem", "thirty", kNow - 60 * kDay, not_after);
  const auto at = [](std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    char buf[32];
    std::strftime(buf, sizeof buf, "--at=%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
    return std::string(buf);
  };
  const auto judged = [&](std::int64_t now) {
    const auto r = run_promtls({"inspect", file, at(now), "-o", "json"});
    return json::parse(r.out)["certificates"][0];
  };
  CHECK(judged(not_after - 30 * kDay)["days_left"] == 30);
  CHECK(judged(not_after - 30 * kDay)["status"] == "ok");
  CHECK(judged(not_after - 30 * kDay + 1)["days_left"] == 29);
  CHECK(judged(not_after - 30 * kDay + 1)["status"] == "warning");
  CHECK(judged(not_after - 1)["days_left"] == 0);
  CHECK(judged(not_after)["days_left"] == 0);
  CHECK(judged(not_after)["status"] == "critical");  // not_after is still inside the window
  CHECK(judged(not_after + 1)["days_left"] == -1);
  CHECK(judged(not_after + 1)["status"] == "expired");
  CHECK(judged(not_after + kDay + 1)["days_left"] == -2);
  // The text table's DAYS column is the same number.
  const auto r = run_promtls({"inspect", file, at(not_after + 1)});
  CHECK(r.out.find("expired          -1") != std::string::npos);
}

TEST_CASE("inspect --connect fails when the chain or the name does not verify") {
  const ServerFiles files(wide_spec("localhost"), "up 1\n");
  const SServer server = start_s_server(files);
  const std::string target = "127.0.0.1:" + std::to_string(server.port);
  TempDir other;
  const std::string unknown_ca = other.write("other-ca.crt", Authority::make("other").cert.pem());

  SECTION("a chain signed by an unknown CA exits 1 with the reason") {
    const auto r = run_promtls({"inspect", "--connect", target, "--ca", unknown_ca, kAt});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(last_line(r.out) == "exit 1: 1 endpoint did not verify (" + target +
                                  ": unable to get local issuer certificate)");
    const auto j = json::parse(
        run_promtls({"inspect", "--connect", target, "--ca", unknown_ca, kAt, "-o", "json"}).out);
    CHECK(j["exit_code"] == 1);
    CHECK(j["certificates"][0]["status"] == "ok");  // the expiry status stays apart
    CHECK(j["certificates"][0]["verification"] == "unverified");
    CHECK(j["certificates"][0]["verify_error"] == "unable to get local issuer certificate");
    REQUIRE(j["failed"].size() == 1);
    CHECK(j["failed"][0]["kind"] == "endpoint");
    CHECK(j["failed"][0]["source"] == target);
    CHECK(j["failed"][0]["status"] == "unverified");
    CHECK(j["failed"][0]["reason"] == "unable to get local issuer certificate");
    // Whatever --fail-on says.
    CHECK(run_promtls(
              {"inspect", "--connect", target, "--ca", unknown_ca, kAt, "--fail-on", "expired"})
              .exit_code == 1);
  }
  SECTION("the right CA and name exit 0, by DNS name and by IP address") {
    auto r = run_promtls({"inspect", "--connect", target, "--ca", files.ca, "--servername",
                          "localhost", kAt, "-o", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto j = json::parse(r.out);
    CHECK(j["certificates"][0]["verification"] == "verified");
    CHECK(j["certificates"][0]["hostname_match"] == true);
    CHECK(j["failed"].empty());
    r = run_promtls({"inspect", "--connect", target, "--ca", files.ca, kAt});
    CHECK(r.exit_code == 0);  // 127.0.0.1 is an IP SAN of the certificate
  }
  SECTION("a name the certificate does not carry exits 1") {
    const auto r = run_promtls({"inspect", "--connect", target, "--ca", files.ca, "--servername",
                                "wrong.example", kAt, "-o", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const auto j = json::parse(r.out);
    CHECK(j["certificates"][0]["verification"] == "unverified");
    CHECK(j["certificates"][0]["verify_error"] == "hostname mismatch");
    CHECK(j["certificates"][0]["hostname_match"] == false);
    CHECK(j["failed"][0]["reason"] == "hostname mismatch");
  }
  SECTION("--no-verify reports the failure and exits 0") {
    auto r = run_promtls(
        {"inspect", "--connect", target, "--ca", unknown_ca, "--no-verify", kAt, "-o", "json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto j = json::parse(r.out);
    CHECK(j["certificates"][0]["verified"] == false);
    CHECK(j["certificates"][0]["verification"] == "ignored");
    CHECK(j["certificates"][0]["verify_error"] == "unable to get local issuer certificate");
    CHECK(j["failed"].empty());
    CHECK(run_promtls({"inspect", "--connect", target, "--ca", files.ca, "--servername",
                       "wrong.example", "--no-verify", kAt})
              .exit_code == 0);
    // Expiry still counts: judged in 2100 the certificate has expired.
    r = run_promtls({"inspect", "--connect", target, "--ca", unknown_ca, "--no-verify",
                     "--at=2100-01-01T00:00:00Z"});
    CHECK(r.exit_code == 1);
    CHECK(last_line(r.out) == "exit 1: 1 certificate reached --fail-on critical");
  }
}

TEST_CASE("selftest counts days left the same way and takes --warn and --crit") {
  const ServerFiles files(wide_spec("localhost"), "up 1\n");
  const SServer server = start_s_server(files);
  const std::string target = "127.0.0.1:" + std::to_string(server.port);
  const auto days_left = [&](const std::string& at) {
    const auto r = run_promtls({"selftest", "--connect", target, "--ca", files.ca, "--no-probes",
                                "--at=" + at, "-o", "json"});
    INFO(r.out << r.err);
    return json::parse(r.out)["server_certificate"]["days_left"];
  };
  // The certificate's not after is 2099-12-31T23:59:59Z.
  CHECK(days_left("2099-12-30T23:59:59Z") == 1);
  CHECK(days_left("2099-12-31T00:00:00Z") == 0);
  CHECK(days_left("2099-12-31T23:59:59Z") == 0);
  CHECK(days_left("2100-01-01T00:00:00Z") == -1);
  const auto usage = run_promtls({"selftest", "--connect", target, "--warn", "30"});
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.find("--warn 30: a number without a unit is ambiguous") != std::string::npos);
  CHECK(run_promtls({"selftest", "--connect", target, "--warn-days", "5", "--crit-days", "9"})
            .exit_code == 2);
}
