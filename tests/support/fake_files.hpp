// Fakes of the file-system seams, for tests that read no real files.
// FakeFiles: a core::FileInspector over facts built in code. A path without facts reads as
// missing, with Go's wording. Records every path asked for.
// FakeFileSystem: a core::FileSystem (core/fs.hpp) of files, directories and symbolic links
// built in code (absolute paths, no "." or ".." components); each node has its own inode. Globs
// expand through core's FileSystem::glob over list_directory and stat, as on the real one.
#pragma once

#include <cerrno>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "promtls/core/config.hpp"
#include "promtls/core/fs.hpp"

namespace promtls::test {

class FakeFiles final : public core::FileInspector {
 public:
  std::map<std::string, core::FileFacts> files;
  std::vector<std::string> reads;

  core::FileFacts inspect(const std::string& path) override {
    reads.push_back(path);
    const auto it = files.find(path);
    if (it != files.end()) return it->second;
    core::FileFacts missing;
    missing.path = path;
    missing.read_error = "open " + path + ": no such file or directory";
    return missing;
  }
};

class FakeFileSystem final : public core::FileSystem {
 public:
  struct Node {
    core::FileType type = core::FileType::regular;
    std::string content;  // a file's bytes, or a link's target
    unsigned mode = 0600;
    std::uint64_t ino = 0;
    int read_errno = 0;  // non-zero: read_file fails with it ("open"), as EACCES would for a user
  };
  std::map<std::string, Node> nodes;
  std::vector<std::string> reads;  // every read_file path

  // Adds a file (and its parent directories).
  void file(const std::string& path, std::string content, unsigned mode = 0600) {
    add(path, {core::FileType::regular, std::move(content), mode, 0});
  }
  void dir(const std::string& path) { add(path, {core::FileType::directory, {}, 0755, 0}); }
  // A symbolic link at `path` to `target` (relative to the link's directory, or absolute).
  void link(const std::string& path, std::string target) {
    add(path, {core::FileType::symlink, std::move(target), 0777, 0});
  }
  // Makes the existing file at `path` fail to open with `err` (EACCES: a file its reader may not
  // read, which tests running as root cannot make with chmod).
  void deny(const std::string& path, int err = EACCES) { nodes.at(path).read_errno = err; }

  bool read_file(const std::string& path, std::string& bytes, core::FsError& error,
                 core::FileStat* stat) override {
    reads.push_back(path);
    const Node* n = resolve(path, true, error, "open");
    if (n == nullptr) return false;
    if (stat != nullptr) *stat = facts(*n);
    if (n->read_errno != 0) {
      error = {n->read_errno, "open", path};
      return false;
    }
    if (n->type == core::FileType::directory) {
      error = {EISDIR, "read", path};
      return false;
    }
    bytes = n->content;
    return true;
  }
  bool stat(const std::string& path, core::FileStat& out, core::FsError& error,
            bool follow) override {
    out = {};
    const Node* n = resolve(path, follow, error, follow ? "stat" : "lstat");
    if (n == nullptr) return false;
    out = facts(*n);
    return true;
  }
  std::optional<std::string> read_link(const std::string& path) override {
    core::FsError ignored;
    const Node* n = resolve(path, false, ignored, "lstat");
    if (n == nullptr || n->type != core::FileType::symlink) return std::nullopt;
    return n->content;
  }
  bool list_directory(const std::string& path, std::vector<core::DirEntry>& out,
                      core::FsError& error) override {
    const Node* n = resolve(path, true, error, "open");
    if (n == nullptr) return false;
    if (n->type != core::FileType::directory) {
      error = {ENOTDIR, "open", path};
      return false;
    }
    std::string real;
    for (const auto& [p, node] : nodes) {
      if (&node == n) real = p;
    }
    out.clear();
    const std::string prefix = real == "/" ? "/" : real + "/";
    for (const auto& [p, node] : nodes) {
      if (p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0 &&
          p.find('/', prefix.size()) == std::string::npos) {
        out.push_back({p.substr(prefix.size()), node.type, node.ino});
      }
    }
    return true;
  }

 private:
  std::uint64_t next_ino_ = 1;

  void add(const std::string& path, Node node) {
    for (std::size_t at = path.find('/', 1); at != std::string::npos; at = path.find('/', at + 1)) {
      const std::string parent = path.substr(0, at);
      if (nodes.count(parent) == 0)
        nodes[parent] = {core::FileType::directory, {}, 0755, next_ino_++};
    }
    node.ino = next_ino_++;
    nodes[path] = std::move(node);
  }
  static core::FileStat facts(const Node& n) {
    core::FileStat st;
    st.type = n.type;
    st.dev = 1;
    st.ino = n.ino;
    st.size = n.content.size();
    st.mode = n.mode;
    return st;
  }
  // Resolves every component, following links (the last one only when `follow`).
  const Node* resolve(const std::string& path, bool follow, core::FsError& error, const char* op,
                      int depth = 0) const {
    if (path.size() > 1 && path.back() == '/') {  // "dir/" is "dir", as for the kernel
      return resolve(path.substr(0, path.size() - 1), true, error, op, depth);
    }
    std::string at;
    std::size_t pos = 1;
    while (pos <= path.size()) {
      std::size_t end = path.find('/', pos);
      if (end == std::string::npos) end = path.size();
      at += "/" + path.substr(pos, end - pos);
      const auto it = nodes.find(at);
      const bool last = end == path.size();
      if (it == nodes.end() || depth > 40) {
        error = {depth > 40 ? ELOOP : ENOENT, op, path};
        return nullptr;
      }
      if (it->second.type == core::FileType::symlink && (!last || follow)) {
        const std::string& target = it->second.content;
        const std::string base = at.substr(0, at.rfind('/'));
        const std::string rest = last ? "" : path.substr(end);
        const Node* n = resolve((target.front() == '/' ? target : base + "/" + target) + rest,
                                follow, error, op, depth + 1);
        if (n == nullptr) error.path = path;
        return n;
      }
      if (last) return &it->second;
      pos = end + 1;
    }
    return nullptr;
  }
};

}  // namespace promtls::test
