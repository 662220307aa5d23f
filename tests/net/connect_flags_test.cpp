// selftest --connect and inspect --connect read their target with the one HostPort parser: the
// same forms are accepted and refused by both (they used to disagree: inspect took "::1:443" and
// "h:https", selftest took ":443" and "[]:443").
#include <catch2/catch.hpp>
#include <string>

#include "run.hpp"

using promtls::test::run_promtls;

TEST_CASE("inspect --connect and selftest --connect refuse the same malformed targets") {
  for (const char* bad : {"::1:443", "h:https", ":443", "[]:443", "h:0", "h:65536", "h"}) {
    INFO(bad);
    const auto inspect = run_promtls({"inspect", "--connect", bad});
    CHECK(inspect.exit_code == 2);
    CHECK(inspect.err.find(std::string("--connect ") + bad + ": expected HOST:PORT") !=
          std::string::npos);
    const auto selftest = run_promtls({"selftest", "--no-env", "--connect", bad});
    CHECK(selftest.exit_code == 2);
    CHECK(selftest.err.find(std::string("--connect ") + bad + ": expected HOST:PORT") !=
          std::string::npos);
  }
}

TEST_CASE("inspect --connect takes a bracketed IPv6 target and reports why it cannot connect") {
  // Port 1 on loopback: nothing listens, the refusal comes at once.
  const auto r = run_promtls({"inspect", "--connect", "[::1]:1", "--timeout", "2"});
  CHECK(r.exit_code == 3);
  const bool refused = r.out.find("connect [::1]:1: ") != std::string::npos;
  CHECK(refused);
}

TEST_CASE("inspect --key without --cert is a usage error, as in selftest") {
  const auto r = run_promtls({"inspect", "--connect", "127.0.0.1:1", "--key", "/nonexistent.key"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--key needs --cert") != std::string::npos);
}
