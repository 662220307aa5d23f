#include "common.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "promtls/core/error.hpp"
#include "promtls/core/fs.hpp"
#include "promtls/core/time.hpp"
#include "promtls/tls/disk.hpp"

extern char** environ;

namespace promtls::cli {

void add_env_source_options(CLI::App& app, EnvSourceOptions& options) {
  app.add_option("--env-file", options.env_files,
                 "read variables from a dotenv FILE (repeatable; later files override earlier)")
      ->type_name("FILE");
  app.add_option("--set", options.sets,
                 "set KEY=VALUE, taken verbatim (repeatable; overrides env files)")
      ->type_name("KEY=VALUE");
  app.add_flag("--no-env", options.no_env, "ignore the process environment");
}

void add_max_file_size_option(CLI::App& app) {
  app.add_option_function<std::string>(
         "--max-file-size",
         [](const std::string& value) {
           std::string error;
           const auto bytes = core::parse_size(value, error);
           if (!bytes) throw Error("--max-file-size: " + error, ExitCode::usage);
           tls::RealFileSystem::set_max_file_bytes(*bytes);
         },
         "read no file (or standard input) larger than SIZE, e.g. 64MiB, 1G (default 256MiB); "
         "FIFOs and devices are never read")
      ->type_name("SIZE");
}

std::string read_file_or_throw(const std::string& path) {
  std::string bytes;
  core::FsError error;
  if (!tls::real_file_system().read_file(path, bytes, error)) {
    if (!error.refusal.empty()) throw Error(error.message(), ExitCode::cannot_run);
    throw Error(path + ": cannot " + (error.op == "open" ? "open" : "read") + ": " +
                    std::strerror(error.err),
                kExitCannotRun);
  }
  return bytes;
}

core::EnvSnapshot gather_env(const EnvSourceOptions& options,
                             std::vector<core::Finding>& findings) {
  core::EnvSnapshot env;
  if (!options.no_env) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      if (auto kv = core::split_assignment(*e)) {
        env.set(std::move(kv->first), std::move(kv->second),
                core::Origin{core::Origin::Kind::environment, {}, 0, {}});
      }
    }
  }
  for (const std::string& file : options.env_files) {
    const std::string text = read_file_or_throw(file);
    for (auto& [name, value] : core::parse_dotenv(text, file, findings)) {
      env.set(name, std::move(value.value), std::move(value.origin));
    }
  }
  for (const std::string& arg : options.sets) {
    auto kv = core::split_assignment(arg);
    if (!kv) throw Error("--set " + arg + ": expected KEY=VALUE", kExitUsage);
    env.set(std::move(kv->first), std::move(kv->second),
            core::Origin{core::Origin::Kind::flag, {}, 0, {}});
  }
  return env;
}

std::int64_t resolve_now(const std::string& at) {
  if (at.empty()) return static_cast<std::int64_t>(std::time(nullptr));
  const auto t = core::parse_rfc3339(at);
  if (!t) {
    throw Error("--at " + at + ": expected an RFC 3339 time such as 2026-01-02T15:04:05Z",
                kExitUsage);
  }
  return *t;
}

bool stdout_wants_color() {
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
}

}  // namespace promtls::cli
