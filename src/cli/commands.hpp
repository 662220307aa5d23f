// Registration of the subcommands. Each adds its subcommand to `app` with its options, and a
// callback that runs it and stores its exit code in `exit_code`. Callbacks may throw
// promtls::Error; main() turns that into a message and the error's exit code.
#pragma once

#include <string>
#include <string_view>

#include "promtls/core/error.hpp"

namespace CLI {
class App;
}

namespace promtls::cli {

void register_validate(CLI::App& app, ExitCode& exit_code);
void register_inspect(CLI::App& app, ExitCode& exit_code);
void register_selftest(CLI::App& app, ExitCode& exit_code);
void register_rules(CLI::App& app, ExitCode& exit_code);
void register_serve(CLI::App& app, ExitCode& exit_code);
// `promtls help [SUBCOMMAND]`; register it last, after the subcommands it describes. `app` must
// outlive the parse.
void register_help(CLI::App& app, ExitCode& exit_code);

// The subcommand of `app` called `name`, or nullptr.
const CLI::App* find_subcommand(const CLI::App& app, std::string_view name);

// "unknown subcommand 'inspec'; did you mean 'inspect'?", or without a close name, the list of
// subcommands.
std::string unknown_subcommand_message(const CLI::App& app, std::string_view name);

}  // namespace promtls::cli
