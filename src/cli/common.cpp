#include "common.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "promtls/core/error.hpp"
#include "promtls/core/fs.hpp"
#include "promtls/core/manifest.hpp"
#include "promtls/core/time.hpp"
#include "promtls/tls/disk.hpp"

extern char** environ;

namespace promtls::cli {
namespace {

// A bound as people write it: 3600, 0.001, 1048576 (not 3.6e+03 or 1.79769e+308).
template <typename T>
std::string plain(T n) {
  if constexpr (std::is_integral_v<T>) {
    return std::to_string(n);
  } else {
    std::ostringstream out;
    out.precision(15);
    out << std::noshowpoint << n;
    return out.str();
  }
}

template <typename T>
CLI::Option* add_bounded(CLI::App& app, const std::string& name, T& value, T min, T max,
                         const std::string& type_name, const std::string& help) {
  const std::string range = plain(min) + " to " + plain(max);
  const std::string kind = std::is_integral_v<T> ? "a whole number" : "a number";
  const auto check = [min, max, range, kind](const std::string& text) -> std::string {
    T n{};
    const char* end = text.data() + text.size();
    const auto [stop, ec] = std::from_chars(text.data(), end, n);
    // from_chars takes no '+', no spaces and no hexadecimal, and fails on 1e400 rather than
    // rounding to infinity; "inf" is above any bound and NaN fails every comparison.
    if (ec == std::errc() && stop == end && n >= min && n <= max) return {};
    return text + " is not " + kind + " from " + range;
  };
  return app.add_option(name, value, help)
      ->check(CLI::Validator(check, range))
      ->type_name(type_name);
}

}  // namespace

CLI::Option* add_repeatable_option(CLI::App& app, const std::string& name,
                                   std::vector<std::string>& values, const std::string& help) {
  // allow_extra_args(false) makes CLI11 take exactly one word per occurrence of the option.
  return app.add_option(name, values, help)->allow_extra_args(false);
}

CLI::Option* add_number_option(CLI::App& app, const std::string& name, int& value, int min, int max,
                               const std::string& type_name, const std::string& help) {
  return add_bounded(app, name, value, min, max, type_name, help);
}

CLI::Option* add_number_option(CLI::App& app, const std::string& name, std::int64_t& value,
                               std::int64_t min, std::int64_t max, const std::string& type_name,
                               const std::string& help) {
  return add_bounded(app, name, value, min, max, type_name, help);
}

CLI::Option* add_number_option(CLI::App& app, const std::string& name, std::size_t& value,
                               std::size_t min, std::size_t max, const std::string& type_name,
                               const std::string& help) {
  return add_bounded(app, name, value, min, max, type_name, help);
}

CLI::Option* add_number_option(CLI::App& app, const std::string& name, double& value, double min,
                               double max, const std::string& type_name, const std::string& help) {
  return add_bounded(app, name, value, min, max, type_name, help);
}

void add_env_source_options(CLI::App& app, EnvSourceOptions& options) {
  add_repeatable_option(
      app, "--env-file", options.env_files,
      "read variables from a dotenv FILE (repeatable; later files override earlier)")
      ->type_name("FILE");
  add_repeatable_option(app, "--set", options.sets,
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
         "a Kubernetes JSON List larger than 8MiB (or SIZE) is streamed, and SIZE bounds each "
         "of its items instead; FIFOs and devices are never read")
      ->type_name("SIZE");
}

Error bad_connect_target(const std::string& target) {
  return Error("--connect " + target +
                   ": expected HOST:PORT with PORT from 1 to 65535 (an IPv6 address in brackets)",
               ExitCode::usage);
}

std::string read_file_or_throw(const std::string& path) {
  std::string bytes;
  core::FsError error;
  if (!tls::real_file_system().read_file(path, bytes, error)) {
    if (!error.refusal.empty()) throw Error(error.message(), ExitCode::cannot_run);
    throw Error(path + ": cannot " + (error.op == "open" ? "open" : "read") + ": " +
                    std::strerror(error.err),
                ExitCode::cannot_run);
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
    if (!kv) throw Error("--set " + arg + ": expected KEY=VALUE", ExitCode::usage);
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
                ExitCode::usage);
  }
  return *t;
}

bool stdout_wants_color() {
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
}

std::vector<core::DirectorySecret> read_secret_dirs(const std::vector<std::string>& dirs) {
  core::FileSystem& files = tls::real_file_system();
  const auto fail = [](const core::FsError& error) {
    throw Error(error.message(), ExitCode::cannot_run);
  };
  const auto list = [&](const std::string& dir) {
    std::vector<core::DirEntry> entries;
    core::FsError error;
    if (!files.list_directory(dir, entries, error)) fail(error);
    std::vector<std::string> names;
    for (const core::DirEntry& e : entries) {
      if (!e.name.empty() && e.name.front() != '.') names.push_back(e.name);
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  std::vector<core::DirectorySecret> out;
  for (std::string dir : dirs) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    core::FileStat st;
    core::FsError error;
    if (!files.stat(dir, st, error)) fail(error);
    if (st.type != core::FileType::directory) {
      throw Error("--secret-dir " + dir + ": not a directory (expected DIR/NAME/KEY files)",
                  ExitCode::usage);
    }
    for (const std::string& name : list(dir)) {
      const std::string secret_dir = dir + "/" + name;
      if (!files.stat(secret_dir, st, error)) fail(error);
      if (st.type != core::FileType::directory) continue;  // DIR/NAME must be a directory
      core::DirectorySecret secret{name, secret_dir, {}};
      for (const std::string& key : list(secret_dir)) {
        const std::string path = secret_dir + "/" + key;
        if (!files.stat(path, st, error)) fail(error);
        if (st.type == core::FileType::directory) continue;
        secret.files.emplace_back(key, read_file_or_throw(path));
      }
      out.push_back(std::move(secret));
    }
  }
  return out;
}

}  // namespace promtls::cli
