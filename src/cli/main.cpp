// promtls: one binary, four subcommands over one library (DESIGN.md).
#include <CLI/CLI.hpp>
#include <iostream>
#include <string_view>

#include "commands.hpp"
#include "promtls/core/error.hpp"

#ifndef PROMTLS_VERSION
#define PROMTLS_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{
      "promtls: validate, inspect, serve and self-test Prometheus metrics endpoints "
      "behind TLS and mutual TLS"};
  app.name("promtls");
  app.set_version_flag("--version", "promtls " PROMTLS_VERSION);
  app.require_subcommand(1);
  // Generated from the one table of exit codes, so it cannot drift from them.
  app.footer(
      "Repeatable options take one value each time (--set A=1 --set B=2); numbers must lie in the\n"
      "range --help shows.\nExit status: " +
      promtls::describe_exit_codes() + ".\nSee promtls(1).");

  promtls::ExitCode exit_code = promtls::ExitCode::ok;
  promtls::cli::register_validate(app, exit_code);
  promtls::cli::register_inspect(app, exit_code);
  promtls::cli::register_selftest(app, exit_code);
  promtls::cli::register_rules(app, exit_code);
  promtls::cli::register_serve(app, exit_code);
  promtls::cli::register_help(app, exit_code);

  // The top level takes no option with a value, so its first other word names the subcommand.
  // CLI11 would report a misspelt one as an unexpected argument; say what was meant instead.
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word.empty() || word.front() == '-') continue;
    if (promtls::cli::find_subcommand(app, word) == nullptr) {
      std::cerr << promtls::cli::unknown_subcommand_message(app, word) << "\n";
      return promtls::to_int(promtls::ExitCode::usage);
    }
    break;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return promtls::to_int(promtls::ExitCode::usage);
  } catch (const promtls::Error& e) {
    std::cerr << "promtls: " << e.what() << "\n";
    return promtls::to_int(e.exit_code());
  } catch (const std::exception& e) {
    std::cerr << "promtls: internal error: " << e.what() << "\n";
    return promtls::to_int(promtls::ExitCode::cannot_run);
  }
  return promtls::to_int(exit_code);
}
