// Helpers shared by the subcommands: registering options the same way everywhere (repeatable
// options, bounded numbers), gathering the environment snapshot from its sources, resolving
// --at, and choosing output styles. Part of the cli layer: I/O happens here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "promtls/core/env.hpp"
#include "promtls/core/error.hpp"

namespace promtls::core {
struct DirectorySecret;
}  // namespace promtls::core

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace promtls::cli {

// Adds option `name`, which may be given several times with exactly one value each
// (`--set A=1 --set B=2`); the values are appended to `values` in the order given. Every
// repeatable option is registered here: CLI11's own vector options take every word that
// follows, positional arguments too (`inspect --password pw store.p12` would read no file).
CLI::Option* add_repeatable_option(CLI::App& app, const std::string& name,
                                   std::vector<std::string>& values, const std::string& help);

// Adds option `name` taking one number from `min` to `max` inclusive into `value`, with
// `type_name` (SECONDS, DAYS) in --help followed by the range. Anything else (not a number,
// out of range, 1e400, inf) is a usage error naming the option, the value and the range in
// plain numbers: "--timeout: 1e400 is not a whole number from 1 to 3600". Every numeric
// option is registered here, so that no message shows a type's limits (1.79769e+308).
CLI::Option* add_number_option(CLI::App& app, const std::string& name, int& value, int min, int max,
                               const std::string& type_name, const std::string& help);
CLI::Option* add_number_option(CLI::App& app, const std::string& name, std::int64_t& value,
                               std::int64_t min, std::int64_t max, const std::string& type_name,
                               const std::string& help);
CLI::Option* add_number_option(CLI::App& app, const std::string& name, std::size_t& value,
                               std::size_t min, std::size_t max, const std::string& type_name,
                               const std::string& help);
CLI::Option* add_number_option(CLI::App& app, const std::string& name, double& value, double min,
                               double max, const std::string& type_name, const std::string& help);

// The usage error (exit 2) for a --connect value net::parse_client_target() refuses, with the
// form and the port's range.
Error bad_connect_target(const std::string& target);

// The configuration sources every configured subcommand accepts.
struct EnvSourceOptions {
  std::vector<std::string> env_files;
  std::vector<std::string> sets;
  bool no_env = false;
};

// Adds --env-file, --set and --no-env to `app`.
void add_env_source_options(CLI::App& app, EnvSourceOptions& options);

// The process environment (unless --no-env), then each env file, then each --set, later ones
// overriding earlier ones. Malformed env-file lines become findings; an unreadable env file or
// a --set without '=' throws promtls::Error (exit 3 and 2 respectively).
core::EnvSnapshot gather_env(const EnvSourceOptions& options, std::vector<core::Finding>& findings);

// Unix seconds for --at (RFC 3339; empty means the current time). Throws promtls::Error with
// exit code 2 for a malformed value.
std::int64_t resolve_now(const std::string& at);

// True when stdout is a terminal and NO_COLOR is unset or empty.
bool stdout_wants_color();

// Adds --max-file-size SIZE (core::parse_size; the limit of every whole-file read,
// tls::RealFileSystem::set_max_file_bytes) to `app`.
void add_max_file_size_option(CLI::App& app);

// Reads a whole file; throws promtls::Error (exit 3) naming the file when it cannot.
std::string read_file_or_throw(const std::string& path);

// The Secrets of each --secret-dir DIR (validate, selftest): every subdirectory DIR/NAME (not
// starting with '.') is the Secret or ConfigMap NAME, its regular files (through a Secret volume's
// ..data links; not the dot-named entries themselves) its keys, read whole. Anything that cannot
// be read throws promtls::Error (exit 3) naming it; a DIR that is not a directory is a usage error
// (exit 2).
std::vector<core::DirectorySecret> read_secret_dirs(const std::vector<std::string>& dirs);

}  // namespace promtls::cli
