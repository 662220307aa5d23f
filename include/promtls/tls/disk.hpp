// The real file system (core/fs.hpp) over POSIX calls; globs expand through core's
// FileSystem::glob over these calls (not libc's glob(), which knows no `**`). Thread-safe: it
// holds no state.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "promtls/core/fs.hpp"

namespace promtls::tls {

class RealFileSystem final : public core::FileSystem {
 public:
  // Reads regular files only (a FIFO or device is refused without blocking) of at most
  // max_file_bytes() (core::kDefaultMaxFileBytes unless set_max_file_bytes()).
  bool read_file(const std::string& path, std::string& bytes, core::FsError& error,
                 core::FileStat* stat = nullptr) override;
  std::string real_path(const std::string& path) override;
  std::optional<std::string> read_link(const std::string& path) override;
  bool stat(const std::string& path, core::FileStat& out, core::FsError& error,
            bool follow = true) override;
  bool list_directory(const std::string& path, std::vector<core::DirEntry>& out,
                      core::FsError& error) override;

  // The limit of every whole-file read and of read_stdin(), process-wide (--max-file-size);
  // set it before reading starts. Thread-safe.
  static void set_max_file_bytes(std::uint64_t bytes) { max_file_bytes_.store(bytes); }
  static std::uint64_t max_file_bytes() { return max_file_bytes_.load(); }

 private:
  static inline std::atomic<std::uint64_t> max_file_bytes_{core::kDefaultMaxFileBytes};
};

// The process-wide instance, what every reader uses unless a test injects another.
core::FileSystem& real_file_system();

// Reads standard input to its end (serve and inspect's "-"), at most
// RealFileSystem::max_file_bytes(). False with `error` ("read /dev/stdin: ...", or too_large)
// on failure.
bool read_stdin(std::string& bytes, core::FsError& error);

// For the streamed readers (inspect's Kubernetes Lists): reads at most `head_bytes` of standard
// input into `bytes`. When there is more and its first non-blank byte is '{' (JSON), returns
// with `streaming` true: the rest is for read_some(STDIN_FILENO, ...). Otherwise reads the rest
// as read_stdin() does, with its limit and errors.
bool read_stdin_head(std::string& bytes, std::size_t head_bytes, bool& streaming,
                     core::FsError& error);

// Opens `path` for reading in pieces, as RealFileSystem::read_file() does (regular files only, a
// FIFO or device is refused without blocking; `stat` filled when given): the descriptor, which
// the caller closes, or -1 with `error`.
int open_regular_file(const std::string& path, core::FsError& error,
                      core::FileStat* stat = nullptr);

// Reads up to `capacity` bytes of `fd`, retrying EINTR: how many, 0 at its end, and 0 with `err`
// set to the errno when a read fails.
std::size_t read_some(int fd, char* buffer, std::size_t capacity, int& err);

}  // namespace promtls::tls
