// promtls help [SUBCOMMAND]: the same text as `promtls --help` or `promtls SUBCOMMAND --help`;
// and the message for a subcommand promtls does not have, with the nearest name it has.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "exit_status.hpp"
#include "promtls/core/suggest.hpp"

namespace promtls::cli {
namespace {

std::vector<const CLI::App*> subcommands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

}  // namespace

const CLI::App* find_subcommand(const CLI::App& app, std::string_view name) {
  for (const CLI::App* sub : subcommands_of(app)) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

std::string unknown_subcommand_message(const CLI::App& app, std::string_view name) {
  std::vector<std::string_view> names;
  std::string list;
  for (const CLI::App* sub : subcommands_of(app)) {
    names.emplace_back(sub->get_name());
    list += (list.empty() ? "" : ", ") + sub->get_name();
  }
  const std::string_view guess = core::nearest(name, names);
  std::string message = "unknown subcommand '" + std::string(name) + "'; ";
  if (!guess.empty()) return message + "did you mean '" + std::string(guess) + "'?";
  return message + "the subcommands are " + list + " (see promtls help)";
}

void register_help(CLI::App& app, ExitCode& exit_code) {
  auto name = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(
      "help", "print the help of promtls, or of SUBCOMMAND (the same as SUBCOMMAND --help)");
  sub->add_option("subcommand", *name, "the subcommand to describe")->type_name("SUBCOMMAND");
  sub->footer(exit_status_footer(
      {{ExitCode::ok, "printed"}, {ExitCode::usage, "no such SUBCOMMAND, or a usage error"}}));
  sub->callback([&app, name, &exit_code] {
    const std::string prefix = app.get_name();
    if (name->empty()) {
      // app.help() would describe the subcommand being run, help itself.
      std::cout << app.get_formatter()->make_help(&app, prefix, CLI::AppFormatMode::Normal);
      exit_code = ExitCode::ok;
      return;
    }
    if (const CLI::App* target = find_subcommand(app, *name)) {
      std::cout << target->help(prefix);
      exit_code = ExitCode::ok;
      return;
    }
    std::cerr << unknown_subcommand_message(app, *name) << "\n";
    exit_code = ExitCode::usage;
  });
}

}  // namespace promtls::cli
