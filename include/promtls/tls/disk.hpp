// The real file system (core/fs.hpp) over POSIX calls; globs expand through core's
// FileSystem::glob over these calls (not libc's glob(), which knows no `**`). Thread-safe: it
// holds no state.
#pragma once

#include "promtls/core/fs.hpp"

namespace promtls::tls {

class RealFileSystem final : public core::FileSystem {
 public:
  bool read_file(const std::string& path, std::string& bytes, core::FsError& error,
                 core::FileStat* stat = nullptr) override;
  bool stat(const std::string& path, core::FileStat& out, core::FsError& error,
            bool follow = true) override;
  bool list_directory(const std::string& path, std::vector<core::DirEntry>& out,
                      core::FsError& error) override;
};

// The process-wide instance, what every reader uses unless a test injects another.
core::FileSystem& real_file_system();

// Reads standard input to its end (serve and inspect's "-"). False with `error` ("read
// /dev/stdin: ...") on failure.
bool read_stdin(std::string& bytes, core::FsError& error);

}  // namespace promtls::tls
