// `cmake --install` and `cpack -G DEB` put the binary, the man page and the completions where
// man, bash, zsh and fish look for them, and the package declares its runtime libraries.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "docs_support.hpp"
#include "pki.hpp"
#include "run.hpp"

using namespace promtls::test;
using namespace promtls::test::docs;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kInstalled = {
    "bin/promtls",
    "share/man/man1/promtls.1",
    "share/bash-completion/completions/promtls",
    "share/zsh/vendor-completions/_promtls",
    "share/fish/vendor_completions.d/promtls.fish",
};

std::string field(const std::string& control, const std::string& name) {
  std::stringstream in(control);
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(name + ": ");
    if (at != std::string::npos && line.find_first_not_of(' ') == at) {
      return line.substr(at + name.size() + 2);
    }
  }
  return "";
}

}  // namespace

TEST_CASE("cmake --install puts the binary and man page and completions in the standard places") {
  TempDir prefix;
  const std::string root = prefix.path().string();
  const RunResult install =
      run({PROMTLS_CMAKE_COMMAND, "--install", PROMTLS_BINARY_DIR, "--prefix", root},
          {"PATH=/usr/bin:/bin"}, 120000);
  INFO(install.out << install.err);
  REQUIRE(install.exit_code == 0);
  for (const auto& file : kInstalled) {
    INFO(file);
    CHECK(fs::is_regular_file(prefix.path() / file));
  }
  CHECK(read_text(root + "/share/man/man1/promtls.1") == read_text(source_path("man/promtls.1")));

  const std::vector<std::string> env = {"PATH=" + root + "/bin:/usr/bin:/bin", "HOME=" + root,
                                        "XDG_CONFIG_HOME=" + root,
                                        "XDG_DATA_DIRS=" + root + "/share", "TERM=dumb"};
  const RunResult version = run({root + "/bin/promtls", "--version"}, env);
  CHECK(version.exit_code == 0);
  CHECK(version.out.starts_with("promtls "));

  // man finds the page under the prefix's man directory.
  const RunResult man = run({"/usr/bin/man", "-M", root + "/share/man", "-w", "promtls"}, env);
  CHECK(man.exit_code == 0);
  CHECK(man.out == root + "/share/man/man1/promtls.1\n");

  // fish loads vendor completions from $XDG_DATA_DIRS/fish/vendor_completions.d by itself.
  const RunResult fish = run({"/usr/bin/fish", "-c", "complete -C 'promtls v'"}, env);
  INFO(fish.err);
  CHECK(fish.out.starts_with("validate\t"));

  // zsh autoloads _promtls from the vendor-completions directory put in $fpath.
  const RunResult zsh = run({"/usr/bin/zsh", "-f", source_path("tests/cli/docs_complete.zsh"),
                             root + "/share/zsh/vendor-completions", root, "promtls v"},
                            env);
  INFO(zsh.err);
  CHECK(zsh.out.starts_with("validate"));

  // bash-completion sources completions/<command> on demand; the file works when sourced.
  const RunResult bash =
      run({"/usr/bin/bash", "--norc", "--noprofile", source_path("tests/cli/docs_complete.bash"),
           root + "/share/bash-completion/completions/promtls", root, "promtls", "v"},
          env);
  INFO(bash.err);
  CHECK(bash.out == "validate\n");
}

TEST_CASE(
    "cpack builds a .deb with the binary and man page and completions and its library "
    "dependencies") {
  TempDir out;
  const std::string dir = out.path().string();
  const RunResult cpack =
      run({PROMTLS_CPACK_COMMAND, "--config",
           std::string(PROMTLS_BINARY_DIR) + "/CPackConfig.cmake", "-G", "DEB", "-B", dir},
          {"PATH=/usr/bin:/bin"}, 180000);
  INFO(cpack.out << cpack.err);
  REQUIRE(cpack.exit_code == 0);
  std::string deb;
  for (const auto& entry : fs::directory_iterator(out.path())) {
    if (entry.path().extension() == ".deb") deb = entry.path().string();
  }
  REQUIRE(!deb.empty());
  CHECK(fs::path(deb).filename().string().starts_with("promtls_"));

  const RunResult info = run({"/usr/bin/dpkg-deb", "-I", deb}, {"PATH=/usr/bin:/bin"});
  INFO(info.out);
  REQUIRE(info.exit_code == 0);
  CHECK(field(info.out, "Package") == "promtls");
  const RunResult version = run_promtls({"--version"});
  CHECK(version.out == "promtls " + field(info.out, "Version") + "\n");
  // dpkg-shlibdeps turns the binary's DT_NEEDED libraries into Debian packages. The C++
  // runtime is linked statically (PROMTLS_STATIC_RUNTIME, for start-up time) except in sanitizer
  // builds.
  // Debian 13 renamed libssl3 to libssl3t64 in its 64-bit time_t transition.
  const std::string depends = field(info.out, "Depends");
  CHECK(has_token(depends, "libc6"));
  INFO(depends);
  CHECK((has_token(depends, "libssl3") || has_token(depends, "libssl3t64")));
  CHECK(has_token(depends, "libstdc++6") == !PROMTLS_STATIC_RUNTIME_LINKED);

  const RunResult contents = run({"/usr/bin/dpkg-deb", "-c", deb}, {"PATH=/usr/bin:/bin"});
  REQUIRE(contents.exit_code == 0);
  for (const auto& file : kInstalled) {
    INFO(file);
    CHECK(contents.out.find(" ./usr/" + file + "\n") != std::string::npos);
  }
  CHECK(contents.out.find("-rwxr-xr-x root/root") != std::string::npos);

  // The packaged binary runs.
  const RunResult extract =
      run({"/usr/bin/dpkg-deb", "-x", deb, dir + "/root"}, {"PATH=/usr/bin:/bin"});
  REQUIRE(extract.exit_code == 0);
  CHECK(run({dir + "/root/usr/bin/promtls", "--version"}).out == version.out);
}

TEST_CASE("promtls loads libssl and libcrypto and libc and no other library") {
  // Every shared library costs resident memory in every promtls process (bench/rss.sh); libm
  // alone is about 300 KiB, which is why the code rounds with core::round_half_away and the
  // binary links with --as-needed (src/cli/CMakeLists.txt). Only the lld link drops libm (GNU
  // ld keeps it for references from garbage-collected sections); sanitizer builds and a dynamic
  // C++ runtime bring libraries of their own.
  if (!PROMTLS_STATIC_RUNTIME_LINKED) return;
  // The libraries ldd lists for a binary or library, by file name, with the path of each.
  const auto libraries_of = [](const std::string& file) {
    const RunResult ldd = run({"/usr/bin/ldd", file}, {"PATH=/usr/bin:/bin"});
    INFO(ldd.out << ldd.err);
    REQUIRE(ldd.exit_code == 0);
    std::map<std::string, std::string> found;
    std::stringstream in(ldd.out);
    for (std::string line; std::getline(in, line);) {
      std::stringstream words(line);
      std::string name;
      std::string arrow;
      std::string path;
      words >> name >> arrow >> path;
      if (name.find("linux-vdso") == 0 || name.find("ld-linux") != std::string::npos) continue;
      found[fs::path(name).filename().string()] = arrow == "=>" ? path : name;
    }
    return found;
  };
  const auto promtls = libraries_of(promtls_binary());
  std::set<std::string> libraries;
  for (const auto& [name, path] : promtls) libraries.insert(name);
  std::set<std::string> expected{"libssl.so.3", "libcrypto.so.3", "libc.so.6"};
  if (!PROMTLS_LINKED_WITH_LLD) expected.insert("libm.so.6");
  // What OpenSSL itself loads is OpenSSL's choice, not promtls's: Debian 13's libcrypto 3.5
  // needs zlib and zstd, Debian 12's 3.0 only libc.
  for (const char* openssl : {"libssl.so.3", "libcrypto.so.3"}) {
    if (const auto it = promtls.find(openssl); it != promtls.end()) {
      for (const auto& [name, path] : libraries_of(it->second)) expected.insert(name);
    }
  }
  CHECK(libraries == expected);
}
