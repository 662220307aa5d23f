// The "Exit status" paragraph of a subcommand's --help footer, numbered from promtls::ExitCode
// so that a footer cannot name a code the enum does not have. Part of the cli layer.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "promtls/core/error.hpp"

namespace promtls::cli {

// What one exit code means for one subcommand ("valid", "a check failed").
struct ExitStatusMeaning {
  ExitCode code;
  std::string_view meaning;
};

// "\nExit status: 0 <meaning>, 1 <meaning>, ... .\n", word-wrapped before column 90, in the
// order given. Every code must be an ExitCode enumerator (they are: the type says so).
std::string exit_status_footer(std::initializer_list<ExitStatusMeaning> meanings);

}  // namespace promtls::cli
