// Helpers shared by the subcommands: gathering the environment snapshot from its sources,
// resolving --at, and choosing output styles. Part of the cli layer: I/O happens here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "promtls/core/env.hpp"

namespace CLI {
class App;
}

namespace promtls::cli {

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

}  // namespace promtls::cli
