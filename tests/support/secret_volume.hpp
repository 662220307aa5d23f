// A directory laid out as the kubelet lays out a Secret volume: the files in a dated directory,
// "..data" linking to it and the visible names linking through "..data". publish() writes a new
// dated directory, swaps "..data" to it with one rename and removes the old one, in the kubelet's
// order, so a reader sees the old or the new files, never a mix. Header-only; not thread-safe.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <utility>

namespace promtls::test {

class SecretVolume {
 public:
  explicit SecretVolume(std::filesystem::path root) : root_(std::move(root)) {
    std::filesystem::create_directories(root_);
    std::filesystem::permissions(root_, std::filesystem::perms(0755));
  }

  // Publishes `files` (key -> bytes). `on_file`, when given, is called with each file written
  // (to set its owner and mode, as fsGroup and defaultMode do).
  void publish(const std::map<std::string, std::string>& files,
               const std::function<void(const std::filesystem::path&)>& on_file = {}) {
    namespace fs = std::filesystem;
    const fs::path previous =
        fs::is_symlink(root_ / "..data") ? root_ / fs::read_symlink(root_ / "..data") : fs::path();
    const std::string name = "..2026_12_02_16_00_0" + std::to_string(version_++) + ".000000001";
    fs::create_directory(root_ / name);
    fs::permissions(root_ / name, fs::perms(0755));
    for (const auto& [file, content] : files) {
      std::ofstream(root_ / name / file, std::ios::binary) << content;
      if (on_file) on_file(root_ / name / file);
    }
    fs::create_directory_symlink(name, root_ / "..data_tmp");
    fs::rename(root_ / "..data_tmp", root_ / "..data");
    for (const auto& entry : files) {
      if (!fs::exists(fs::symlink_status(root_ / entry.first)))
        fs::create_symlink("..data/" + entry.first, root_ / entry.first);
    }
    if (!previous.empty()) fs::remove_all(previous);
  }

  std::filesystem::path file(const std::string& name) const { return root_ / name; }
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  int version_ = 0;
};

}  // namespace promtls::test
