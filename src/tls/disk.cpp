#include "promtls/tls/disk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "detail/io.hpp"

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
  out.mode = static_cast<unsigned>(st.st_mode) & 07777u;
  return out;
}

}  // namespace

bool RealFileSystem::read_file(const std::string& path, std::string& bytes, core::FsError& error,
                               core::FileStat* stat) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = {errno, "open", path};
    return false;
  }
  // Certificates are small: without a stat asked for, reading starts with 8 KiB and grows, which
  // saves an fstat per file; with one, a regular file is read in one call plus one to see the end.
  std::size_t size_hint = 8192;
  if (stat != nullptr) {
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
      *stat = facts(st);
      if (S_ISREG(st.st_mode)) size_hint = static_cast<std::size_t>(st.st_size) + 1;
    }
  }
  const int err = detail::read_to_end(fd, bytes, size_hint);
  ::close(fd);
  if (err != 0) {
    error = {err, "read", path};
    return false;
  }
  return true;
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

bool read_stdin(std::string& bytes, core::FsError& error) {
  if (const int err = detail::read_to_end(STDIN_FILENO, bytes, 65536); err != 0) {
    error = {err, "read", "/dev/stdin"};
    return false;
  }
  return true;
}

}  // namespace promtls::tls
