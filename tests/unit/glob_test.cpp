// Globs: core::glob_match, the expansion of source paths (FileSystem::glob, `**` included) and
// the walker's --include/--exclude filter.
#include <catch2/catch.hpp>

#include "fake_files.hpp"
#include "pki.hpp"
#include "promtls/core/fs.hpp"
#include "promtls/tls/disk.hpp"

using namespace promtls;
using namespace promtls::test;

TEST_CASE("glob_match matches one component at a time and ** across components") {
  CHECK(core::glob_match("*.crt", "ca.crt"));
  CHECK_FALSE(core::glob_match("*.crt", "etcd/ca.crt"));  // * stops at '/'
  CHECK(core::glob_match("**/*.crt", "ca.crt"));          // ** is zero directories too
  CHECK(core::glob_match("**/*.crt", "etcd/ca.crt"));
  CHECK(core::glob_match("**/*.crt", "a/b/c/ca.crt"));
  CHECK_FALSE(core::glob_match("**/*.crt", "ca.key"));
  CHECK(core::glob_match("etcd/**", "etcd/ca.crt"));
  CHECK(core::glob_match("etcd/**", "etcd/x/y"));
  CHECK_FALSE(core::glob_match("etcd/**", "pki/etcd/ca.crt"));
  CHECK(core::glob_match("**/etcd/**/*.key", "pki/etcd/peer.key"));
  CHECK(core::glob_match("a/**/**/b", "a/b"));
  CHECK(core::glob_match("pki/**.crt", "pki/ca.crt"));  // ** inside a component is *
  CHECK_FALSE(core::glob_match("pki/**.crt", "pki/etcd/ca.crt"));
  CHECK(core::glob_match("*", ".hidden"));  // no hidden-file rule in the matcher
  CHECK(core::glob_match("./pki/*.crt", "pki/ca.crt"));
  CHECK(core::glob_match("pki//ca.crt", "pki/ca.crt"));
}

TEST_CASE("glob_match knows ?, bracket sets, ranges, classes and backslash escapes") {
  CHECK(core::glob_match("ca.?rt", "ca.crt"));
  CHECK_FALSE(core::glob_match("ca.?rt", "ca.rt"));
  CHECK(core::glob_match("[abc]*.pem", "b1.pem"));
  CHECK_FALSE(core::glob_match("[abc]*.pem", "d1.pem"));
  CHECK(core::glob_match("[!abc]*.pem", "d1.pem"));
  CHECK(core::glob_match("[^abc]*.pem", "d1.pem"));
  CHECK_FALSE(core::glob_match("[!abc]*.pem", "a1.pem"));
  CHECK(core::glob_match("[0-9a-f]*.0", "5ad8a5d6.0"));
  CHECK_FALSE(core::glob_match("[0-9a-f]*.0", "Zad8a5d6.0"));
  CHECK(core::glob_match("[[:digit:]]*", "1.pem"));
  CHECK_FALSE(core::glob_match("[[:digit:]]*", "a.pem"));
  CHECK(core::glob_match("[]x]", "]"));
  CHECK(core::glob_match("a[", "a["));  // an unclosed '[' is literal
  CHECK(core::glob_match("\\*.pem", "*.pem"));
  CHECK_FALSE(core::glob_match("\\*.pem", "a.pem"));
  CHECK(core::glob_match("*a*b*c", "xxaxxbxxc"));
  CHECK_FALSE(core::glob_match("*a*b*c", "xxaxxcxxb"));
  CHECK(core::glob_match("", ""));
  CHECK_FALSE(core::glob_match("", "a"));
}

namespace {

FakeFileSystem pki_tree() {
  FakeFileSystem fs;
  fs.file("/k/pki/ca.crt", "x");
  fs.file("/k/pki/ca.key", "x");
  fs.file("/k/pki/apiserver.crt", "x");
  fs.file("/k/pki/etcd/ca.crt", "x");
  fs.file("/k/pki/etcd/peer.crt", "x");
  fs.file("/k/pki/etcd/deep/x.crt", "x");
  fs.file("/k/pki/.old/stale.crt", "x");
  fs.link("/k/pki/loop", "/k/pki");  // a link loop: listed once
  fs.link("/k/pki/dangling.crt", "gone.crt");
  return fs;
}

}  // namespace

TEST_CASE("a source path with ** finds the directory itself and every subdirectory") {
  FakeFileSystem fs = pki_tree();
  CHECK(fs.glob("/k/pki/**/*.crt") ==
        std::vector<std::string>{"/k/pki/apiserver.crt", "/k/pki/ca.crt", "/k/pki/dangling.crt",
                                 "/k/pki/etcd/ca.crt", "/k/pki/etcd/deep/x.crt",
                                 "/k/pki/etcd/peer.crt"});
  // The hidden directory is entered only when the pattern names it.
  CHECK(fs.glob("/k/pki/.*/*.crt") == std::vector<std::string>{"/k/pki/.old/stale.crt"});
  CHECK(fs.glob("/k/**/etcd/*.crt") ==
        std::vector<std::string>{"/k/pki/etcd/ca.crt", "/k/pki/etcd/peer.crt"});
  CHECK(fs.glob("/k/pki/etcd/**") ==
        std::vector<std::string>{"/k/pki/etcd/ca.crt", "/k/pki/etcd/deep", "/k/pki/etcd/deep/x.crt",
                                 "/k/pki/etcd/peer.crt"});
  CHECK(fs.glob("/k/pki/*/") == std::vector<std::string>{"/k/pki/etcd/", "/k/pki/loop/"});
  CHECK(fs.glob("/k/pki/ca.c?t") == std::vector<std::string>{"/k/pki/ca.crt"});
  CHECK(fs.glob("/k/pki/etcd/ca.crt") == std::vector<std::string>{"/k/pki/etcd/ca.crt"});
  CHECK(fs.glob("/k/nope/**/*.crt").empty());
  CHECK(fs.glob("/k/pki/*.der").empty());
}

TEST_CASE("walking a ** source reads pki/ itself and below, and reports what is broken") {
  FakeFileSystem fs = pki_tree();
  std::vector<std::string> files;
  std::vector<std::string> errors;
  core::walk_paths(fs, {"/k/pki/**/*.crt"}, {},
                   {[&](const std::string& p, const core::FileStat&) { files.push_back(p); },
                    [&](const std::string& p, std::string_view reason, const std::string&) {
                      errors.push_back(p + " " + std::string(reason));
                    }});
  CHECK(files == std::vector<std::string>{"/k/pki/apiserver.crt", "/k/pki/ca.crt",
                                          "/k/pki/etcd/ca.crt", "/k/pki/etcd/deep/x.crt",
                                          "/k/pki/etcd/peer.crt"});
  CHECK(errors == std::vector<std::string>{"/k/pki/dangling.crt broken_symlink"});
}

TEST_CASE("the real file system expands ** too, relative patterns giving relative paths") {
  TempDir dir;
  dir.write("pki/ca.crt", "x");
  dir.write("pki/etcd/ca.crt", "x");
  dir.write("pki/..data/hidden.crt", "x");
  core::FileSystem& real = tls::real_file_system();
  const std::string root = dir.path().string();
  CHECK(real.glob(root + "/pki/**/*.crt") ==
        std::vector<std::string>{root + "/pki/ca.crt", root + "/pki/etcd/ca.crt"});
  CHECK(real.glob(root + "/pki/*.crt") == std::vector<std::string>{root + "/pki/ca.crt"});
}

namespace {

struct Filtered {
  std::vector<std::string> files;
  std::vector<std::string> excluded;
};

Filtered filtered(core::FileSystem& fs, const std::vector<std::string>& paths, bool recursive,
                  std::vector<std::string> include, std::vector<std::string> exclude) {
  Filtered out;
  core::WalkOptions options(recursive);
  options.include = std::move(include);
  options.exclude = std::move(exclude);
  core::walk_paths(fs, paths, options,
                   {[&](const std::string& p, const core::FileStat&) { out.files.push_back(p); },
                    [](const std::string&, std::string_view, const std::string&) {},
                    [&](const std::string& p) { out.excluded.push_back(p); }});
  return out;
}

}  // namespace

TEST_CASE("include and exclude match the path below the walked directory") {
  FakeFileSystem fs = pki_tree();
  // ".old" is an ordinary directory to the walker (only ".." names are special), and `*`
  // matches its name.
  auto w = filtered(fs, {"/k/pki"}, true, {"**/*.crt"}, {"etcd/**"});
  CHECK(w.files ==
        std::vector<std::string>{"/k/pki/apiserver.crt", "/k/pki/ca.crt", "/k/pki/.old/stale.crt"});
  CHECK(w.excluded == std::vector<std::string>{"/k/pki/ca.key", "/k/pki/etcd/ca.crt",
                                               "/k/pki/etcd/peer.crt", "/k/pki/etcd/deep/x.crt"});
  // Without **, an include matches the top level only; a dangling link left out is not an error.
  w = filtered(fs, {"/k/pki"}, true, {"*.crt"}, {"dangling.*"});
  CHECK(w.files == std::vector<std::string>{"/k/pki/apiserver.crt", "/k/pki/ca.crt"});
  CHECK(w.excluded == std::vector<std::string>{"/k/pki/ca.key", "/k/pki/dangling.crt",
                                               "/k/pki/.old/stale.crt", "/k/pki/etcd/ca.crt",
                                               "/k/pki/etcd/peer.crt", "/k/pki/etcd/deep/x.crt"});
  // The root is the directory named: from /k the same files are below "pki/".
  w = filtered(fs, {"/k"}, true, {"pki/etcd/*"}, {});
  CHECK(w.files == std::vector<std::string>{"/k/pki/etcd/ca.crt", "/k/pki/etcd/peer.crt"});
  // A trailing slash on the root changes nothing.
  w = filtered(fs, {"/k/pki/"}, false, {}, {"ca.*"});
  CHECK(w.files == std::vector<std::string>{"/k/pki/apiserver.crt"});
  CHECK(w.excluded == std::vector<std::string>{"/k/pki/ca.crt", "/k/pki/ca.key"});
}

TEST_CASE("include and exclude apply to a glob's matches below its leading directories") {
  FakeFileSystem fs = pki_tree();
  auto w = filtered(fs, {"/k/pki/**/*.crt"}, false, {}, {"etcd/**"});
  CHECK(w.files == std::vector<std::string>{"/k/pki/apiserver.crt", "/k/pki/ca.crt"});
  w = filtered(fs, {"/k/*/etcd"}, false, {"pki/etcd/p*"}, {});
  CHECK(w.files == std::vector<std::string>{"/k/pki/etcd/peer.crt"});
}

TEST_CASE("files named as paths are read whatever include and exclude say") {
  FakeFileSystem fs = pki_tree();
  const auto w = filtered(fs, {"/k/pki/ca.key", "/k/pki"}, false, {"*.crt"}, {"ca.*"});
  CHECK(w.files == std::vector<std::string>{"/k/pki/ca.key", "/k/pki/apiserver.crt"});
  CHECK(w.excluded == std::vector<std::string>{"/k/pki/ca.crt"});
}

TEST_CASE("a file excluded under one name is reported once, and read when named") {
  FakeFileSystem fs;
  fs.file("/vol/..2026_01_01_00_00_00.1/tls.key", "k");
  fs.file("/vol/..2026_01_01_00_00_00.1/tls.crt", "c");
  fs.link("/vol/..data", "..2026_01_01_00_00_00.1");
  fs.link("/vol/tls.key", "..data/tls.key");
  fs.link("/vol/tls.crt", "..data/tls.crt");
  auto w = filtered(fs, {"/vol"}, false, {}, {"*.key"});
  CHECK(w.files == std::vector<std::string>{"/vol/tls.crt"});
  // The data directory's copy is the same file: not reported a second time.
  CHECK(w.excluded == std::vector<std::string>{"/vol/tls.key"});
  w = filtered(fs, {"/vol", "/vol/tls.key"}, false, {}, {"*.key"});
  CHECK(w.files == std::vector<std::string>{"/vol/tls.crt", "/vol/tls.key"});
}
