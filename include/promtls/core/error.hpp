// promtls::ExitCode, the exit status of every subcommand, and promtls::Error: a failure that
// stops a subcommand (cannot bind, unreadable input in serve, an OpenSSL internal error),
// carrying its exit code. Findings about the user's input are never thrown; they are values
// (finding.hpp). Header-only, no I/O; thread-safe as any constant or exception.
#pragma once

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace promtls {

// The exit codes every subcommand uses (DESIGN.md "Exit codes"). kExitCodes below is the one
// table of them: main's --help footer is generated from it, and tests/cli/docs_exit_test.cpp
// checks that promtls(1) EXIT STATUS and README's "Exit status" list every one with its meaning.
enum class ExitCode : int {
  ok = 0,
  check_failed = 1,  // error findings, a failed self-test check, --fail-on reached
  usage = 2,         // the command line is wrong (CLI11's parse errors are mapped to it)
  cannot_run = 3,    // an input cannot be read, the endpoint cannot be reached, cannot bind
  // SIGINT (Ctrl-C). promtls keeps the default disposition, so validate, inspect, selftest
  // (also --load and --local) and rules die by the signal, which a shell reports as 128 + 2;
  // serve handles SIGINT like SIGTERM: it drains and exits ok (promtls(1) EXIT STATUS).
  interrupted = 130,
};

// The number a process exits with.
constexpr int to_int(ExitCode code) noexcept { return static_cast<int>(code); }

struct ExitCodeInfo {
  ExitCode code;
  std::string_view meaning;  // a few words, as the footers and the docs say them
};

inline constexpr std::array<ExitCodeInfo, 5> kExitCodes{{
    {ExitCode::ok, "success"},
    {ExitCode::check_failed, "check failed"},
    {ExitCode::usage, "usage error"},
    {ExitCode::cannot_run, "could not run"},
    {ExitCode::interrupted, "interrupted"},
}};

// The meaning of `code` in kExitCodes ("" for a value outside the enum).
constexpr std::string_view meaning(ExitCode code) noexcept {
  for (const ExitCodeInfo& info : kExitCodes) {
    if (info.code == code) return info.meaning;
  }
  return {};
}

// "0 success, 1 check failed, 2 usage error, 3 could not run, 130 interrupted".
inline std::string describe_exit_codes() {
  std::string out;
  for (const ExitCodeInfo& info : kExitCodes) {
    if (!out.empty()) out += ", ";
    out += std::to_string(to_int(info.code)) + " " + std::string(info.meaning);
  }
  return out;
}

class Error : public std::runtime_error {
 public:
  Error(std::string message, ExitCode exit_code = ExitCode::cannot_run)
      : std::runtime_error(std::move(message)), exit_code_(exit_code) {}
  ExitCode exit_code() const noexcept { return exit_code_; }

 private:
  ExitCode exit_code_;
};

}  // namespace promtls
