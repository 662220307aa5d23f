// A core::FileInspector over facts built in code, for core tests that read no files. A path
// without facts reads as missing, with Go's wording. Records every path asked for.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "promtls/core/config.hpp"

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

}  // namespace promtls::test
