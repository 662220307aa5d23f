// The arguments with which the tests run `promtls selftest -o json` against a server on
// 127.0.0.1: no process environment, certificates judged at 2027-01-01 (never today's date), a
// 5 s deadline, our CA and client certificate. Callers append the server's configuration (--set)
// and any other option. Header-only.
#pragma once

#include <string>
#include <vector>

namespace promtls::test {

inline std::vector<std::string> selftest_json_args(int port, const std::string& ca,
                                                   const std::string& cert,
                                                   const std::string& key) {
  return {"selftest",
          "--no-env",
          "-o",
          "json",
          "--at=2027-01-01T00:00:00Z",
          "--timeout",
          "5",
          "--connect",
          "127.0.0.1:" + std::to_string(port),
          "--ca",
          ca,
          "--cert",
          cert,
          "--key",
          key};
}

}  // namespace promtls::test
