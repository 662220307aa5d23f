#include "promtls/tls/disk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "detail/io.hpp"
#include "sources_detail.hpp"

namespace promtls::tls {
namespace {

core::FileType type_of(mode_t mode) {
  if (S_ISREG(mode)) return core::FileType::regular;
  if (S_ISDIR(mode)) return core::FileType::directory;
  if (S_ISLNK(mode)) return core::FileType::symlink;
  return core::FileType::other;
}

core::FileStat facts(const struct stat& st) {
  core::FileStat out;
  out.type = type_of(st.st_mode);
  out.dev = static_cast<std::uint64_t>(st.st_dev);
  out.ino = static_cast<std::uint64_t>(st.st_ino);
  out.size = static_cast<std::uint64_t>(st.st_size);
  out.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  out.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  out.mode = static_cast<unsigned>(st.st_mode) & 07777u;
  return out;
}

}  // namespace

namespace {

std::string bytes_text(std::uint64_t n) {
  if (n % (1ull << 30) == 0) return std::to_string(n >> 30) + " GiB";
  if (n % (1ull << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n % (1ull << 10) == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

void too_large(core::FsError& error, const std::string& path, std::uint64_t limit) {
  error = {EFBIG, "read", path, "too_large",
           "larger than " + bytes_text(limit) + "; not read (--max-file-size raises the limit)"};
}

}  // namespace

int open_regular_file(const std::string& path, core::FsError& error, core::FileStat* stat) {
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer. Only regular files are
  // read; a FIFO, socket or device (/dev/zero) is refused before any read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = {errno, "open", path};
    return -1;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = {errno, "stat", path};
    ::close(fd);
    return -1;
  }
  if (stat != nullptr) *stat = facts(st);
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    error = {EISDIR, "read", path};
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    error = {EINVAL, "open", path, "not_regular_file",
             "not a regular file (a FIFO, socket or device); not read"};
    return -1;
  }
  return fd;
}

std::size_t read_some(int fd, char* buffer, std::size_t capacity, int& err) {
  for (;;) {
    const ssize_t n = ::read(fd, buffer, capacity);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) {
      err = errno;
      return 0;
    }
  }
}

bool RealFileSystem::read_file(const std::string& path, std::string& bytes, core::FsError& error,
                               core::FileStat* stat) {
  core::FileStat local;
  core::FileStat& st = stat != nullptr ? *stat : local;
  const int fd = open_regular_file(path, error, &st);
  if (fd < 0) return false;
  const std::uint64_t limit = max_file_bytes_.load(std::memory_order_relaxed);
  if (st.size > limit) {
    ::close(fd);
    too_large(error, path, limit);
    return false;
  }
  // Files whose size says 0 (/proc, /sys) are read up to the limit like any other.
  const int err = detail::read_to_end(fd, bytes, static_cast<std::size_t>(st.size) + 1, limit);
  ::close(fd);
  if (err == EFBIG) {
    too_large(error, path, limit);
    return false;
  }
  if (err != 0) {
    error = {err, "read", path};
    return false;
  }
  return true;
}

std::string RealFileSystem::real_path(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return path;
  std::string out(resolved);
  std::free(resolved);
  return out;
}

std::optional<std::string> RealFileSystem::read_link(const std::string& path) {
  std::string target(256, '\0');
  for (;;) {
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return std::nullopt;
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    if (target.size() >= 65536) return std::nullopt;  // longer than PATH_MAX allows
    target.resize(target.size() * 2);
  }
}

bool RealFileSystem::stat(const std::string& path, core::FileStat& out, core::FsError& error,
                          bool follow) {
  struct stat st {};
  if ((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0) {
    error = {errno, follow ? "stat" : "lstat", path};
    out = {};
    return false;
  }
  out = facts(st);
  return true;
}

bool RealFileSystem::list_directory(const std::string& path, std::vector<core::DirEntry>& out,
                                    core::FsError& error) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) {
    error = {errno, "open", path};
    return false;
  }
  out.clear();
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    core::FileType type = core::FileType::unknown;
    if (e->d_type == DT_REG) type = core::FileType::regular;
    if (e->d_type == DT_DIR) type = core::FileType::directory;
    if (e->d_type == DT_LNK) type = core::FileType::symlink;
    out.push_back({std::string(name), type, static_cast<std::uint64_t>(e->d_ino)});
  }
  ::closedir(d);
  return true;
}

core::FileSystem& real_file_system() {
  static RealFileSystem fs;
  return fs;
}

bool read_stdin_head(std::string& bytes, std::size_t head_bytes, bool& streaming,
                     core::FsError& error) {
  streaming = false;
  bytes.resize(head_bytes);
  std::size_t used = 0;
  int err = 0;
  for (std::size_t n = 1; used < head_bytes && n > 0 && err == 0;) {
    n = read_some(STDIN_FILENO, bytes.data() + used, head_bytes - used, err);
    used += n;
  }
  bytes.resize(used);
  if (err != 0) {
    error = {err, "read", "/dev/stdin"};
    return false;
  }
  const std::uint64_t limit = RealFileSystem::max_file_bytes();
  if (used < head_bytes) {  // all of it
    if (used <= limit) return true;
    too_large(error, "/dev/stdin", limit);
    return false;
  }
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (bytes[first] == '{' || detail::yaml_list_head(bytes))) {
    streaming = true;
    return true;
  }
  std::string rest;
  if (used > limit ||
      (err = detail::read_to_end(STDIN_FILENO, rest, 65536, limit - used)) == EFBIG) {
    too_large(error, "/dev/stdin", limit);
    return false;
  }
  if (err != 0) {
    error = {err, "read", "/dev/stdin"};
    return false;
  }
  bytes += rest;
  return true;
}

bool read_stdin(std::string& bytes, core::FsError& error) {
  const std::uint64_t limit = RealFileSystem::max_file_bytes();
  const int err = detail::read_to_end(STDIN_FILENO, bytes, 65536, limit);
  if (err == EFBIG) {
    too_large(error, "/dev/stdin", limit);
    return false;
  }
  if (err != 0) {
    error = {err, "read", "/dev/stdin"};
    return false;
  }
  return true;
}

}  // namespace promtls::tls
