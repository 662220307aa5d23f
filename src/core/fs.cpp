#include "promtls/core/fs.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "promtls/core/go.hpp"

namespace promtls::core {
namespace {

// The components of a path or pattern: '/'-separated, empty ones and a leading "." dropped.
std::vector<std::string_view> components(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  if (!out.empty() && out.front() == ".") out.erase(out.begin());
  return out;
}

bool in_class(std::string_view name, unsigned char c) {
  if (name == "alpha") return std::isalpha(c) != 0;
  if (name == "digit") return std::isdigit(c) != 0;
  if (name == "alnum") return std::isalnum(c) != 0;
  if (name == "upper") return std::isupper(c) != 0;
  if (name == "lower") return std::islower(c) != 0;
  if (name == "space") return std::isspace(c) != 0;
  if (name == "xdigit") return std::isxdigit(c) != 0;
  if (name == "punct") return std::ispunct(c) != 0;
  return false;
}

// A bracket expression at p[at] == '['. Sets `end` past its ']' and `hit` when `c` is in the
// set; false when the '[' is not closed (then it is a literal '['). A ']' first in the set is a
// member; a backslash makes the next character a member.
bool bracket(std::string_view p, std::size_t at, char c, std::size_t& end, bool& hit) {
  std::size_t i = at + 1;
  const bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  const auto uc = static_cast<unsigned char>(c);
  bool found = false;
  for (bool first = true; i < p.size() && (first || p[i] != ']'); first = false) {
    if (p.substr(i, 2) == "[:") {
      const std::size_t close = p.find(":]", i + 2);
      if (close != std::string_view::npos) {
        found = found || in_class(p.substr(i + 2, close - i - 2), uc);
        i = close + 2;
        continue;
      }
    }
    if (p[i] == '\\' && i + 1 < p.size()) ++i;
    const char lo = p[i++];
    char hi = lo;
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      hi = p[i + 1];
      i += 2;
    }
    if (lo <= c && c <= hi) found = true;
  }
  if (i >= p.size()) return false;
  end = i + 1;
  hit = found != negate;
  return true;
}

// One component against one pattern component; '*' backtracks to the last star only, which is
// enough for a pattern without '/'.
bool match_component(std::string_view p, std::string_view s) {
  std::size_t pi = 0;
  std::size_t si = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      const char pc = p[pi];
      if (pc == '*') {
        while (pi < p.size() && p[pi] == '*') ++pi;
        star = pi;
        star_s = si;
        continue;
      }
      if (pc == '?') {
        ++pi;
        ++si;
        continue;
      }
      if (pc == '[') {
        std::size_t end = 0;
        bool hit = false;
        if (bracket(p, pi, s[si], end, hit)) {
          if (hit) {
            pi = end;
            ++si;
            continue;
          }
        } else if (s[si] == '[') {
          ++pi;
          ++si;
          continue;
        }
      } else {
        const bool escaped = pc == '\\' && pi + 1 < p.size();
        if (p[escaped ? pi + 1 : pi] == s[si]) {
          pi += escaped ? 2 : 1;
          ++si;
          continue;
        }
      }
    }
    if (star == std::string_view::npos) return false;
    pi = star;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool match_components(const std::vector<std::string_view>& p, std::size_t pi,
                      const std::vector<std::string_view>& s, std::size_t si) {
  for (; pi < p.size(); ++pi, ++si) {
    if (p[pi] == "**") {
      while (pi + 1 < p.size() && p[pi + 1] == "**") ++pi;
      for (std::size_t k = si; k <= s.size(); ++k) {
        if (match_components(p, pi + 1, s, k)) return true;
      }
      return false;
    }
    if (si >= s.size() || !match_component(p[pi], s[si])) return false;
  }
  return si == s.size();
}

bool has_magic(std::string_view component) {
  return component.find_first_of("*?[") != std::string_view::npos;
}

std::string unescape(std::string_view component) {
  std::string out;
  for (std::size_t i = 0; i < component.size(); ++i) {
    if (component[i] == '\\' && i + 1 < component.size()) ++i;
    out += component[i];
  }
  return out;
}

std::string join(const std::string& base, std::string_view name) {
  if (base.empty()) return std::string(name);
  return base.back() == '/' ? base + std::string(name) : base + "/" + std::string(name);
}

// The directories before the first component with a glob character: the walked root of a glob.
std::string literal_prefix(const std::string& pattern) {
  std::string out = pattern.starts_with("./") ? "." : pattern.starts_with('/') ? "/" : "";
  const std::vector<std::string_view> parts = components(pattern);
  for (std::size_t i = 0; i + 1 < parts.size() && !has_magic(parts[i]); ++i) {
    out = join(out, unescape(parts[i]));
  }
  return out;
}

struct DirId {
  std::uint64_t dev, ino;
  bool operator<(const DirId& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
};

// `dir` and every directory below it whose name does not start with '.', each once.
void directories_below(FileSystem& fs, const std::string& dir, std::set<DirId>& seen,
                       std::vector<std::string>& out) {
  FileStat st;
  FsError ignored;
  if (!fs.stat(dir.empty() ? "." : dir, st, ignored) || st.type != FileType::directory) return;
  if (!seen.insert(DirId{st.dev, st.ino}).second) return;
  out.push_back(dir);
  std::vector<DirEntry> entries;
  if (!fs.list_directory(dir.empty() ? "." : dir, entries, ignored)) return;
  for (const DirEntry& e : entries) {
    if (e.name.starts_with('.') || e.type == FileType::regular) continue;
    directories_below(fs, join(dir, e.name), seen, out);
  }
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  return match_components(components(pattern), 0, components(path), 0);
}

std::vector<std::string> FileSystem::glob(const std::string& pattern) {
  const std::vector<std::string_view> parts = components(pattern);
  const bool dirs_only = pattern.ends_with('/');
  std::vector<std::string> current{pattern.starts_with('/') ? "/" : ""};
  if (pattern.starts_with("./")) current = {"."};
  for (std::size_t i = 0; i < parts.size() && !current.empty(); ++i) {
    const std::string_view part = parts[i];
    const bool last = i + 1 == parts.size();
    std::vector<std::string> next;
    if (part == "**") {
      while (i + 1 < parts.size() && parts[i + 1] == "**") ++i;
      const bool trailing = i + 1 == parts.size();
      std::set<DirId> seen;
      std::vector<std::string> dirs;
      for (const std::string& base : current) directories_below(*this, base, seen, dirs);
      if (!trailing) {
        current = std::move(dirs);
        continue;
      }
      // Everything below: the entries of every directory found, hidden ones aside.
      for (const std::string& dir : dirs) {
        std::vector<DirEntry> entries;
        FsError ignored;
        if (!list_directory(dir.empty() ? "." : dir, entries, ignored)) continue;
        for (const DirEntry& e : entries) {
          if (!e.name.starts_with('.')) next.push_back(join(dir, e.name));
        }
      }
      current = std::move(next);
      break;
    }
    if (!has_magic(part)) {
      const std::string name = unescape(part);
      for (const std::string& base : current) {
        std::string p = join(base, name);
        FileStat st;
        FsError ignored;
        if (!last || stat(p, st, ignored, false)) next.push_back(std::move(p));
      }
    } else {
      for (const std::string& base : current) {
        std::vector<DirEntry> entries;
        FsError ignored;
        if (!list_directory(base.empty() ? "." : base, entries, ignored)) continue;
        for (const DirEntry& e : entries) {
          if (e.name.starts_with('.') && !part.starts_with('.')) continue;
          if (match_component(part, e.name)) next.push_back(join(base, e.name));
        }
      }
    }
    current = std::move(next);
  }
  if (parts.empty()) current.clear();
  if (dirs_only) {
    std::vector<std::string> dirs;
    for (const std::string& p : current) {
      FileStat st;
      FsError ignored;
      if (stat(p, st, ignored) && st.type == FileType::directory) dirs.push_back(p + "/");
    }
    current = std::move(dirs);
  }
  std::sort(current.begin(), current.end());
  current.erase(std::unique(current.begin(), current.end()), current.end());
  return current;
}

std::string FsError::message() const {
  if (!refusal.empty()) return path + ": " + detail;
  return go::path_error(op, path, err);
}

std::string_view FsError::reason() const {
  if (!refusal.empty()) return refusal;
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

std::optional<std::uint64_t> parse_size(std::string_view text, std::string& error) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "K" || unit == "KiB") scale = 1ull << 10;
  if (unit == "M" || unit == "MiB") scale = 1ull << 20;
  if (unit == "G" || unit == "GiB") scale = 1ull << 30;
  if (digits == 0 || digits > 13 || scale == 0) {
    error =
        "\"" + std::string(text) + "\" is not a size (a whole number of bytes, or with K, M or G)";
    return std::nullopt;
  }
  const std::uint64_t number = std::stoull(std::string(text.substr(0, digits)));
  constexpr std::uint64_t kMax = 1ull << 40;
  if (number == 0 || number > kMax / scale) {
    error = "\"" + std::string(text) + "\" is out of range (1 byte to 1 TiB)";
    return std::nullopt;
  }
  return number * scale;
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
      for (const std::string& m : matches) {
        root_ = literal_prefix(path);  // reset: a matched directory's walk does not change it
        walk_match(m);
      }
      return;
    }
    if (broken_link(path)) return;
    error.op = "open";  // Go's os.Open wording, whatever call failed
    visitor_.error(path, error.reason(), error.message());
    return;
  }
  if (st.type == FileType::directory) {
    root_ = path;
    directory(path, st);
  } else {
    visit_file(path, st, false);
  }
}

// A glob's match: walked like a path, but never expanded again and always filtered.
void PathWalker::walk_match(const std::string& path) {
  FileStat st;
  FsError error;
  if (!fs_.stat(path, st, error)) {
    if (!selected(path)) {
      if (visitor_.excluded) visitor_.excluded(path);  // left out: not looked at further
      return;
    }
    if (broken_link(path)) return;
    error.op = "open";
    visitor_.error(path, error.reason(), error.message());
    return;
  }
  if (st.type == FileType::directory) {
    directory(path, st);
  } else {
    visit_file(path, st, true);
  }
}

bool PathWalker::selected(const std::string& path) const {
  if (options_.include.empty() && options_.exclude.empty()) return true;
  std::string_view below = path;
  if (!root_.empty()) {
    const std::string prefix = root_.ends_with('/') ? root_ : root_ + "/";
    if (below.starts_with(prefix)) below.remove_prefix(prefix.size());
  }
  const auto matches = [below](const std::string& p) { return glob_match(p, below); };
  if (!options_.include.empty() &&
      std::none_of(options_.include.begin(), options_.include.end(), matches)) {
    return false;
  }
  return std::none_of(options_.exclude.begin(), options_.exclude.end(), matches);
}

void PathWalker::visit_file(const std::string& path, const FileStat& st, bool walked) {
  const Id id{st.dev, st.ino};
  if (seen_files_.count(id) != 0) return;          // read once
  if (walked && excluded_.count(id) != 0) return;  // decided under its first name
  if (walked && !selected(path)) {
    excluded_.insert(id);
    if (visitor_.excluded) visitor_.excluded(path);
    return;
  }
  seen_files_.insert(id);
  visitor_.file(path, st);
}

namespace {

// The prefix of a dated file of client-go's certificate store, "<prefix>-YYYY-MM-DD-HH-MM-SS.pem"
// (time.Format("2006-01-02-15-04-05")); empty for any other name.
std::string_view dated_prefix(std::string_view name) {
  constexpr std::string_view kStamp = "-0000-00-00-00-00-00.pem";
  if (name.size() <= kStamp.size()) return {};
  const std::string_view tail = name.substr(name.size() - kStamp.size());
  for (std::size_t i = 0; i < kStamp.size(); ++i) {
    const bool ok = kStamp[i] == '0' ? std::isdigit(static_cast<unsigned char>(tail[i])) != 0
                                     : tail[i] == kStamp[i];
    if (!ok) return {};
  }
  return name.substr(0, name.size() - kStamp.size());
}

// The prefix of a certificate store's "<prefix>-current.pem" link; empty for any other name.
std::string_view current_prefix(std::string_view name) {
  constexpr std::string_view kSuffix = "-current.pem";
  if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return {};
  return name.substr(0, name.size() - kSuffix.size());
}

}  // namespace

// client-go's certificate stores among `entries` (header): each "<prefix>-current.pem" link
// whose target's last component is a dated file of the same prefix (an absolute target names
// the node's path, which a container may have mounted elsewhere).
PathWalker::CertStores PathWalker::cert_stores(const std::string& prefix,
                                               const std::vector<DirEntry>& entries) {
  CertStores out;
  for (const DirEntry& e : entries) {
    if (e.type != FileType::symlink && e.type != FileType::unknown) continue;
    const std::string_view store = current_prefix(e.name);
    if (store.empty()) continue;
    const std::optional<std::string> target = fs_.read_link(prefix + e.name);
    if (!target) continue;
    const std::string_view name = std::string_view(*target).substr(target->rfind('/') + 1);
    if (dated_prefix(name) != store) continue;
    // A link that dangles to a file this directory has was written for another mount point.
    FileStat st;
    FsError ignored;
    const bool here = std::any_of(entries.begin(), entries.end(),
                                  [&](const DirEntry& d) { return d.name == name; });
    out.emplace(std::string(store),
                CertStore{std::string(name), here && !fs_.stat(prefix + e.name, st, ignored)});
  }
  return out;
}

void PathWalker::directory(const std::string& dir, const FileStat& st) {
  if (!seen_dirs_.insert(Id{st.dev, st.ino}).second) return;  // a link loop
  if (visitor_.directory) visitor_.directory(dir);
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
  // Kubernetes' atomic writer (header): behind "..data" only the current payload is read.
  const bool atomic_volume = std::any_of(entries.begin(), entries.end(),
                                         [](const DirEntry& e) { return e.name == "..data"; });
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  const CertStores stores = cert_stores(prefix, entries);
  std::vector<std::string> subdirs;
  for (const DirEntry& e : entries) {
    if (atomic_volume && hidden(e.name) && e.name != "..data") continue;
    std::string p = prefix + e.name;
    if (!stores.empty()) {
      // A certificate store's dated files: the superseded ones are passed over, the current one
      // is read through its link unless that dangles (then the link is what is passed over).
      if (const auto it = stores.find(dated_prefix(e.name)); it != stores.end()) {
        if (e.name != it->second.current) {
          if (visitor_.skipped) visitor_.skipped(p, "superseded");
          continue;
        }
        if (!it->second.link_dangles) continue;
      } else if (const auto link = stores.find(current_prefix(e.name));
                 link != stores.end() && link->second.link_dangles) {
        continue;
      }
    }
    const bool descend = options_.recursive || hidden(e.name);
    if (e.type == FileType::regular) {
      // A regular file lives on its directory's device: no stat needed to identify it.
      FileStat fst;
      fst.type = FileType::regular;
      fst.dev = st.dev;
      fst.ino = e.ino;
      visit_file(p, fst, true);
      continue;
    }
    if (e.type == FileType::directory) {
      if (descend) subdirs.push_back(std::move(p));
      continue;
    }
    FileStat est;  // symbolic links (followed) and listings without types
    FsError ignored;
    if (!fs_.stat(p, est, ignored)) {
      if (!selected(p)) {
        if (visitor_.excluded) visitor_.excluded(p);  // left out: not looked at further
      } else {
        broken_link(p);
      }
      continue;
    }
    if (est.type == FileType::regular) {
      visit_file(p, est, true);
    } else if (est.type == FileType::directory && descend) {
      if (!options_.follow_outside_links && outside_root(p)) continue;
      subdirs.push_back(std::move(p));
    } else if (est.type != FileType::directory) {
      if (!selected(p)) {
        if (visitor_.excluded) visitor_.excluded(p);
      } else {
        visitor_.error(p, "not_regular_file",
                       p + ": not a regular file (a FIFO, socket or device); not read");
      }
    }
  }
  for (const std::string& sub : subdirs) {
    FileStat sst;
    FsError ignored;
    if (!fs_.stat(sub, sst, ignored) || sst.type != FileType::directory) continue;
    if (etcd_member(sub)) {
      if (visitor_.skipped) visitor_.skipped(sub, "etcd_data");
      continue;
    }
    directory(sub, sst);
  }
}

// etcd's data directory (header): "member", holding "snap" and "wal".
bool PathWalker::etcd_member(const std::string& dir) {
  if (!dir.ends_with("/member")) return false;
  std::vector<DirEntry> entries;
  FsError ignored;
  if (!fs_.list_directory(dir, entries, ignored)) return false;  // the walk reports it
  const auto has = [&](std::string_view name) {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const DirEntry& e) { return e.name == name; });
  };
  return has("snap") && has("wal");
}

bool PathWalker::outside_root(const std::string& path) {
  if (root_.empty()) return false;
  if (root_real_.first != root_) root_real_ = {root_, fs_.real_path(root_)};
  const std::string& root = root_real_.second;
  const std::string target = fs_.real_path(path);
  const bool inside =
      target == root || (target.size() > root.size() && target.compare(0, root.size(), root) == 0 &&
                         (root.ends_with('/') || target[root.size()] == '/'));
  if (inside) return false;
  visitor_.error(path, "symlink_outside_root",
                 path + ": links to " + target + ", outside " + root_ +
                     "; not followed (--follow-symlinks follows it)");
  return true;
}

void walk_paths(FileSystem& fs, const std::vector<std::string>& paths, const WalkOptions& options,
                const WalkVisitor& visitor) {
  PathWalker walker(fs, options, visitor);
  for (const std::string& p : paths) walker.walk(p);
}

}  // namespace promtls::core
