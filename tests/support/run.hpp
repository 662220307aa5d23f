// Runs the promtls binary (or any program) as a child process for CLI tests: argv without a
// shell, an explicit environment, stdout and stderr captured, a deadline.
#pragma once

#include <string>
#include <vector>

namespace promtls::test {

struct RunResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

// Runs `argv` with exactly `env` as its environment ("K=V" strings), stdin from /dev/null,
// killing it after `timeout_ms`.
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
              int timeout_ms = 20000);

// The path of the promtls binary under test (PROMTLS_BINARY, set by CMake).
std::string promtls_binary();

// run({promtls_binary(), args...}, env).
RunResult run_promtls(const std::vector<std::string>& args,
                      const std::vector<std::string>& env = {});

}  // namespace promtls::test
