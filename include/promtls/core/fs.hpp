// The file system as promtls reads it, behind one interface (as ninja's DiskInterface): read a
// whole file, stat, list a directory, expand a glob. The real one is tls::real_file_system()
// (tls/disk.hpp); tests inject a fake (tests/support/fake_files.hpp). Every reader of user files
// (credential files, certificate sources, manifests, env files, serve's watcher) goes through it.
//
// walk_paths() is the one walker, with these rules (inspect's sources, serve's watcher and
// validate --manifest all use them):
//   - A path that is a file is visited; a directory is listed, its entries sorted by name, and
//     its files are visited before its subdirectories are walked.
//   - Symbolic links are followed. A link whose target is missing is reported (broken_symlink),
//     never visited.
//   - Every file is visited once per walk, however many paths or links lead to it (device and
//     inode identify it), under the first name that reaches it; a directory reached twice (a
//     link loop) is listed once.
//   - Kubernetes' atomic writer (Secret and ConfigMap volumes) keeps the real files in
//     "..<timestamp>" directories behind a "..data" link, and the visible names link through it.
//     Entries whose name starts with ".." are visited after the others, and such directories are
//     descended even without `recursive`, so a volume reports each file once under its visible
//     name. Other hidden files (".name") are ordinary files.
//   - Other subdirectories are descended only when `recursive`.
//   - A path that does not exist and holds a glob character (* ? [) is expanded; its matches are
//     walked in sorted order; no match is a not_found error.
//   - Errors never stop the walk: each is reported with a reason from one vocabulary
//     (FsError::reason()) and Go's os error wording.
//
// The interface performs I/O only in its implementations; walk_paths() is reentrant. The real
// file system is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promtls::core {

enum class FileType { missing, regular, directory, symlink, other, unknown };

struct FileStat {
  FileType type = FileType::missing;
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  unsigned mode = 0;  // permission bits (st_mode & 07777)
};

// A failed call: the errno it failed with, the operation ("open", "read", "stat", "lstat") and
// the path.
struct FsError {
  int err = 0;
  std::string op;
  std::string path;

  // Go's *os.PathError text: "open /x: no such file or directory".
  std::string message() const;
  // The stable snake_case reason: not_found (ENOENT), permission_denied (EACCES, EPERM),
  // read_failed (anything else).
  std::string_view reason() const;
};

struct DirEntry {
  std::string name;
  // What the listing says without a stat: regular, directory, symlink, or unknown (then a stat
  // decides). `ino` identifies a regular file together with its directory's device.
  FileType type = FileType::unknown;
  std::uint64_t ino = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Reads the whole file at `path` into `bytes` (replacing its content; capacity is reused).
  // `stat`, when given, receives the opened file's facts. False with `error` on failure ("open"
  // when it cannot be opened, "read" when reading fails, as for a directory).
  virtual bool read_file(const std::string& path, std::string& bytes, FsError& error,
                         FileStat* stat = nullptr) = 0;
  // The facts of `path`, following symbolic links (`follow`) or not. False with `error`.
  virtual bool stat(const std::string& path, FileStat& out, FsError& error, bool follow = true) = 0;
  // The entries of directory `path` except "." and "..", in no particular order.
  virtual bool list_directory(const std::string& path, std::vector<DirEntry>& out,
                              FsError& error) = 0;
  // The existing paths matching the glob `pattern`, sorted; empty when none.
  virtual std::vector<std::string> glob(const std::string& pattern) = 0;
};

struct WalkOptions {
  bool recursive = false;  // descend into ordinary subdirectories
};

// What the walker reports. `file` receives each visited file with its facts; `error` each
// failure: the path, the reason (FsError::reason(), or broken_symlink, walk_error for a
// directory that cannot be listed) and the message for people.
struct WalkVisitor {
  std::function<void(const std::string& path, const FileStat& stat)> file;
  std::function<void(const std::string& path, std::string_view reason, std::string message)> error;
};

// The walker: walk() may be called for several paths, and a file is visited once across all of
// them. Not thread-safe; one walk per object.
class PathWalker {
 public:
  PathWalker(FileSystem& fs, WalkOptions options, WalkVisitor visitor)
      : fs_(fs), options_(options), visitor_(std::move(visitor)) {}
  void walk(const std::string& path);

 private:
  struct Id {
    std::uint64_t dev, ino;
    bool operator<(const Id& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
  };
  void visit_file(const std::string& path, const FileStat& st);
  void directory(const std::string& dir, const FileStat& st);
  bool broken_link(const std::string& path);

  FileSystem& fs_;
  WalkOptions options_;
  WalkVisitor visitor_;
  std::set<Id> seen_files_;
  std::set<Id> seen_dirs_;
};

// Walks `paths` in order under the rules above with one PathWalker.
void walk_paths(FileSystem& fs, const std::vector<std::string>& paths, const WalkOptions& options,
                const WalkVisitor& visitor);

}  // namespace promtls::core
