// Registration of the subcommands. Each adds its subcommand to `app` with its options, and a
// callback that runs it and stores its exit code in `exit_code`. Callbacks may throw
// promtls::Error; main() turns that into a message and the error's exit code.
#pragma once

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

}  // namespace promtls::cli
