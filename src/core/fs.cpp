#include "promtls/core/fs.hpp"

#include <algorithm>
#include <cerrno>

#include "promtls/core/go.hpp"

namespace promtls::core {

std::string FsError::message() const { return go::path_error(op, path, err); }

std::string_view FsError::reason() const {
  switch (err) {
    case ENOENT:
      return "not_found";
    case EACCES:
    case EPERM:
      return "permission_denied";
    default:
      return "read_failed";
  }
}

bool PathWalker::broken_link(const std::string& path) {
  FileStat lst;
  FsError ignored;
  if (!fs_.stat(path, lst, ignored, false) || lst.type != FileType::symlink) return false;
  visitor_.error(path, "broken_symlink", path + ": symbolic link to a missing target");
  return true;
}

void PathWalker::walk(const std::string& path) {
  FileStat st;
  FsError error;
  if (!fs_.stat(path, st, error)) {
    if (path.find_first_of("*?[") != std::string::npos) {
      const std::vector<std::string> matches = fs_.glob(path);
      if (matches.empty()) {
        visitor_.error(path, "not_found", path + ": no file matches the pattern");
      }
      for (const std::string& m : matches) walk(m);
      return;
    }
    if (broken_link(path)) return;
    error.op = "open";  // Go's os.Open wording, whatever call failed
    visitor_.error(path, error.reason(), error.message());
    return;
  }
  if (st.type == FileType::directory) {
    directory(path, st);
  } else {
    visit_file(path, st);
  }
}

void PathWalker::visit_file(const std::string& path, const FileStat& st) {
  if (!seen_files_.insert(Id{st.dev, st.ino}).second) return;  // read once
  visitor_.file(path, st);
}

void PathWalker::directory(const std::string& dir, const FileStat& st) {
  if (!seen_dirs_.insert(Id{st.dev, st.ino}).second) return;  // a link loop
  std::vector<DirEntry> entries;
  FsError error;
  if (!fs_.list_directory(dir, entries, error)) {
    error.op = "open";
    visitor_.error(dir, error.err == EACCES ? "permission_denied" : "walk_error", error.message());
    return;
  }
  const auto hidden = [](std::string_view name) { return name.starts_with(".."); };
  std::sort(entries.begin(), entries.end(), [&](const DirEntry& a, const DirEntry& b) {
    const bool ha = hidden(a.name);
    const bool hb = hidden(b.name);
    return ha != hb ? !ha : a.name < b.name;
  });
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  std::vector<std::string> subdirs;
  for (const DirEntry& e : entries) {
    std::string p = prefix + e.name;
    const bool descend = options_.recursive || hidden(e.name);
    if (e.type == FileType::regular) {
      // A regular file lives on its directory's device: no stat needed to identify it.
      FileStat fst;
      fst.type = FileType::regular;
      fst.dev = st.dev;
      fst.ino = e.ino;
      visit_file(p, fst);
      continue;
    }
    if (e.type == FileType::directory) {
      if (descend) subdirs.push_back(std::move(p));
      continue;
    }
    FileStat est;  // symbolic links (followed) and listings without types
    FsError ignored;
    if (!fs_.stat(p, est, ignored)) {
      broken_link(p);
      continue;
    }
    if (est.type == FileType::regular) {
      visit_file(p, est);
    } else if (est.type == FileType::directory && descend) {
      subdirs.push_back(std::move(p));
    }
  }
  for (const std::string& sub : subdirs) {
    FileStat sst;
    FsError ignored;
    if (fs_.stat(sub, sst, ignored) && sst.type == FileType::directory) directory(sub, sst);
  }
}

void walk_paths(FileSystem& fs, const std::vector<std::string>& paths, const WalkOptions& options,
                const WalkVisitor& visitor) {
  PathWalker walker(fs, options, visitor);
  for (const std::string& p : paths) walker.walk(p);
}

}  // namespace promtls::core
