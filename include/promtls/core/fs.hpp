// The file system as promtls reads it, behind one interface (as ninja's DiskInterface): read a
// whole file, stat, list a directory, expand a glob. The real one is tls::real_file_system()
// (tls/disk.hpp); tests inject a fake (tests/support/fake_files.hpp). Every reader of user files
// (credential files, certificate sources, manifests, env files, serve's watcher) goes through it.
//
// walk_paths() is the one walker, with these rules (inspect's sources, serve's watcher and
// validate --manifest all use them):
//   - A path that is a file is visited; a directory is listed, its entries sorted by name, and
//     its files are visited before its subdirectories are walked.
//   - Symbolic links are followed, with one exception: a walked link to a directory outside
//     the walked root (a path the user named, or a glob's literal prefix; both canonical) is
//     reported (symlink_outside_root) and not descended, unless follow_outside_links, so a link
//     to "/" or /proc/self/root does not take the walk off the tree. Kubernetes' "..data" links
//     stay inside the volume. A link whose target is missing is reported (broken_symlink), never
//     visited.
//   - Only regular files and directories are walked: a FIFO, socket or device met while listing
//     is reported (not_regular_file), never opened; the real read_file refuses one named as a
//     path too, and any file larger than its limit (too_large).
//   - Every file is visited once per walk, however many paths or links lead to it (device and
//     inode identify it), under the first name that reaches it; a directory reached twice (a
//     link loop) is listed once.
//   - Kubernetes' atomic writer (Secret and ConfigMap volumes) keeps the real files in
//     "..<timestamp>" directories behind a "..data" link, and the visible names link through it.
//     Entries whose name starts with ".." are visited after the others, and such directories are
//     descended even without `recursive`, so a volume reports each file once under its visible
//     name. In a directory that has a "..data" entry, "..data" is the only one of them
//     descended: the other "..<timestamp>" directories (and a "..data_tmp" link) are the payload
//     being replaced or the one being written during a swap, never the volume's content, and a
//     file without a visible name is reported as "..data/name", a name that survives swaps.
//     Other hidden files (".name") are ordinary files.
//   - client-go's certificate store (the kubelet's --cert-dir, /var/lib/kubelet/pki) writes each
//     rotation to "<prefix>-<YYYY-MM-DD-HH-MM-SS>.pem" and points "<prefix>-current.pem" at the
//     newest (prefix kubelet-client or kubelet-server), and never deletes the older ones
//     (kubernetes/kubernetes#53027): they expire where they lie. In a directory with such a link,
//     the dated files it does not point to are superseded: not visited, each reported to
//     WalkVisitor::skipped as "superseded". The one it points to is visited as
//     "<prefix>-current.pem", a name that survives rotations; when the link dangles because it
//     is absolute and the directory is mounted elsewhere (a container's hostPath of the
//     node's /var/lib/kubelet/pki), under its own dated name, and the link is no broken_symlink.
//     A link to a dated file that is missing is a broken_symlink, and the others are still
//     superseded.
//   - Other subdirectories are descended only when `recursive`, except etcd's data directory
//     ("member", holding "snap" and "wal": its database, write-ahead log and snapshots, hundreds
//     of megabytes that never hold a certificate), which is reported to WalkVisitor::skipped as
//     "etcd_data" and not descended: kubeadm leaves a copy in /etc/kubernetes/tmp/
//     kubeadm-backup-etcd-<date>/etcd at every upgrade (kubernetes/kubernetes#125357). A
//     directory named as a path is walked whatever it is.
//   - A path that does not exist and holds a glob character (* ? [) is expanded
//     (FileSystem::glob, below); its matches are walked in sorted order; no match is a
//     not_found error.
//   - Files named as paths are always visited. Files met while listing a directory or expanding a
//     glob ("walked" files) are filtered by WalkOptions::include/exclude, matched (glob_match)
//     against the path below the walked root: the directory named, or for a glob the directories
//     before its first component holding a glob character ("pki" for "pki/**/*.crt"). An
//     excluded file is not visited, not read and not an error (a dangling link left out is not
//     a broken_symlink either); WalkVisitor::excluded hears of it once per file, and the same
//     file reached under another walked name stays excluded (the first name decides, as for
//     reading once).
//   - Errors never stop the walk: each is reported with a reason from one vocabulary
//     (FsError::reason()) and Go's os error wording.
//
// The interface performs I/O only in its implementations; walk_paths() is reentrant. The real
// file system is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promtls::core {

// Matches `path` (components separated by '/') against the glob `pattern`, component by
// component: `*` matches any run of characters within a component, `?` one character,
// `[abc]`, `[a-z]`, `[!a]` / `[^a]` and `[[:digit:]]`-style classes one character of a set, a
// backslash makes the next character literal, and a component that is exactly `**` matches zero
// or more whole components (as in x509-certificate-exporter v4's paths, Go's doublestar and
// bash's globstar); `**` inside a component is `*`. Empty components and a leading "./" are
// ignored. No hidden-file rule here: `*` matches ".name" too (see FileSystem::glob for the
// expansion's rule). Pure.
bool glob_match(std::string_view pattern, std::string_view path);

enum class FileType { missing, regular, directory, symlink, other, unknown };

struct FileStat {
  FileType type = FileType::missing;
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  // The inode's change time: a chmod, chown or link count change moves it and nothing else.
  std::int64_t ctime_ns = 0;
  unsigned mode = 0;  // permission bits (st_mode & 07777)
};

// A failed call: the errno it failed with, the operation ("open", "read", "stat", "lstat") and
// the path; or a refusal that is no errno (`refusal` set, `detail` saying why in words).
struct FsError {
  FsError() = default;
  FsError(int error, std::string operation, std::string file, std::string refused = {},
          std::string why = {})
      : err(error),
        op(std::move(operation)),
        path(std::move(file)),
        refusal(std::move(refused)),
        detail(std::move(why)) {}
  int err = 0;
  std::string op;
  std::string path;
  // "not_regular_file" (a FIFO, socket or device: never read, so nothing blocks or streams
  // forever), "too_large" (more bytes than the reader's limit, kDefaultMaxFileBytes unless set),
  // "symlink_outside_root" (a link to a directory outside the walked root, not descended).
  std::string refusal;
  std::string detail;

  // Go's *os.PathError text: "open /x: no such file or directory"; for a refusal,
  // "<path>: <detail>".
  std::string message() const;
  // The stable snake_case reason: the refusal when set, else not_found (ENOENT),
  // permission_denied (EACCES, EPERM), read_failed (anything else).
  std::string_view reason() const;
};

// What a whole-file read takes at most unless the reader is told otherwise (--max-file-size):
// 256 MiB, far above any certificate, key, license or manifest, and below what would take a
// machine's memory (`inspect` on a link to /proc/self/pagemap, a sparse file).
inline constexpr std::uint64_t kDefaultMaxFileBytes = 256ull << 20;

// Parses a size as --max-file-size takes it: a whole number of bytes with an optional unit
// suffix, K/KiB, M/MiB, G/GiB (powers of 1024), e.g. "64MiB", "1G", "500000". nullopt with
// `error` for anything else, zero, or more than 1 TiB.
std::optional<std::uint64_t> parse_size(std::string_view text, std::string& error);

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
  // The canonical absolute path of `path` (symbolic links resolved), for the walker's
  // outside-the-root rule. The default returns `path` unchanged (every link counts as inside).
  virtual std::string real_path(const std::string& path) { return path; }
  // The target a symbolic link at `path` holds, as written (relative or absolute), without
  // following it; nullopt when `path` is no link or cannot be read. The default: nullopt.
  virtual std::optional<std::string> read_link(const std::string& /*path*/) { return {}; }
  // The entries of directory `path` except "." and "..", in no particular order.
  virtual bool list_directory(const std::string& path, std::vector<DirEntry>& out,
                              FsError& error) = 0;
  // The existing paths matching the glob `pattern` (glob_match's syntax), sorted, without
  // duplicates; empty when none. The default expands over list_directory() and stat(), so every
  // implementation (the real one and test fakes) expands alike:
  //   - Components are matched one at a time; a component without glob characters is taken as
  //     it is (the last one must exist, a dangling link counts, as for POSIX glob()).
  //   - `**` as a whole component is zero or more directories: "pki/**/*.crt" finds pki/ca.crt
  //     and pki/etcd/ca.crt. Symbolic links to directories are followed; a directory reached
  //     twice (a link loop) is listed once. A trailing `**` matches everything below.
  //   - As in the shell, a name starting with '.' is matched only by a component that starts
  //     with '.', and `**` does not enter such directories: a Secret volume's "..data" and
  //     "..<timestamp>" copies are not matched twice.
  //   - A pattern ending in '/' matches directories only (returned with the '/').
  //   - Relative patterns are relative to the working directory and give relative paths.
  virtual std::vector<std::string> glob(const std::string& pattern);
};

struct WalkOptions {
  // A constructor, not an aggregate, so that WalkOptions{recursive} stays complete.
  WalkOptions(bool recurse = false) : recursive(recurse) {}  // NOLINT(google-explicit-constructor)
  bool recursive = false;                                    // descend into ordinary subdirectories
  // Descend into a directory a symbolic link leads to outside the walked root (otherwise such a
  // link is reported as symlink_outside_root and not followed; links to files are read).
  bool follow_outside_links = false;
  // glob_match() patterns for walked files (above); named paths are never filtered. A walked
  // file is visited when it matches some include (or there is none) and no exclude.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

// What the walker reports. `file` receives each visited file with its facts; `error` each
// failure: the path, the reason (FsError::reason(), or broken_symlink, walk_error for a
// directory that cannot be listed) and the message for people; `excluded` (optional) each walked
// file that include/exclude leaves out, once per file; `directory` (optional) each directory
// listed, once, under the name the walk reached it by (serve's watcher watches these);
// `skipped` (optional) each walked file or directory the walker itself passes over, with why
// ("superseded": an older rotation of a certificate store; "etcd_data": etcd's data directory;
// above).
struct WalkVisitor {
  using File = std::function<void(const std::string& path, const FileStat& stat)>;
  using Error =
      std::function<void(const std::string& path, std::string_view reason, std::string message)>;
  using Excluded = std::function<void(const std::string& path)>;
  using Directory = std::function<void(const std::string& path)>;
  using Skipped = std::function<void(const std::string& path, std::string_view kind)>;
  // A constructor, not an aggregate, so that WalkVisitor{file, error} stays complete.
  WalkVisitor(File on_file = nullptr, Error on_error = nullptr, Excluded on_excluded = nullptr,
              Directory on_directory = nullptr, Skipped on_skipped = nullptr)
      : file(std::move(on_file)),
        error(std::move(on_error)),
        excluded(std::move(on_excluded)),
        directory(std::move(on_directory)),
        skipped(std::move(on_skipped)) {}
  File file;
  Error error;
  Excluded excluded;
  Directory directory;
  Skipped skipped;
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
  void walk_match(const std::string& path);
  void visit_file(const std::string& path, const FileStat& st, bool walked);
  void directory(const std::string& dir, const FileStat& st);
  // A client-go certificate store in a listing, by its prefix: the dated file its "-current.pem"
  // link names, and whether that link dangles while the file is in the listing.
  struct CertStore {
    std::string current;
    bool link_dangles = false;
  };
  using CertStores = std::map<std::string, CertStore, std::less<>>;
  CertStores cert_stores(const std::string& prefix, const std::vector<DirEntry>& entries);
  bool etcd_member(const std::string& dir);
  bool broken_link(const std::string& path);
  bool selected(const std::string& path) const;
  // True (and reported) when `path` resolves outside the walked root.
  bool outside_root(const std::string& path);

  FileSystem& fs_;
  WalkOptions options_;
  WalkVisitor visitor_;
  std::string root_;  // the walked root of the current path, for include/exclude
  std::pair<std::string, std::string> root_real_;  // root_ and its real_path(), cached
  std::set<Id> seen_files_;
  std::set<Id> seen_dirs_;
  std::set<Id> excluded_;  // reported once each
};

// Walks `paths` in order under the rules above with one PathWalker.
void walk_paths(FileSystem& fs, const std::vector<std::string>& paths, const WalkOptions& options,
                const WalkVisitor& visitor);

}  // namespace promtls::core
