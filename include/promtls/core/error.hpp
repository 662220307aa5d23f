// promtls::Error: a failure that stops a subcommand (cannot bind, unreadable input in serve,
// an OpenSSL internal error), carrying the exit code DESIGN.md assigns. Findings about the
// user's input are never thrown; they are values (finding.hpp). Thread-safe as any exception.
#pragma once

#include <stdexcept>
#include <string>

namespace promtls {

// The exit codes every subcommand uses (DESIGN.md, promtls(1) EXIT STATUS).
enum ExitCode : int {
  kExitOk = 0,
  kExitCheckFailed = 1,
  kExitUsage = 2,
  kExitCannotRun = 3,
  kExitInterrupted = 130,
};

class Error : public std::runtime_error {
 public:
  Error(std::string message, int exit_code = kExitCannotRun)
      : std::runtime_error(std::move(message)), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace promtls
