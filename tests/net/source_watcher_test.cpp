// serve's watched sources (src/net/state.hpp): which --watch path a read error takes down
// (source_health), and the watcher's load attempts on real files: every failed attempt counted,
// retries while errors last, promtls_source_up in the rendered exposition; the Tigera Secrets it
// reads, with the one reader inspect uses too (core/kube.hpp).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <new>
#include <stdexcept>
#include <thread>

#include "fake_files.hpp"
#include "pki.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/core/kube.hpp"
#include "promtls/core/metrics.hpp"
#include "promtls/tls/sources.hpp"
#include "state.hpp"

using namespace promtls;
using namespace promtls::net::detail;
using namespace std::chrono_literals;

namespace {

tls::SourceError error_at(const std::string& source, const std::string& reason = "bad_pem") {
  return tls::SourceError{source, reason, source + ": " + reason};
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

// A file system (a FakeFileSystem underneath) whose reads of `boom` throw, whose stat throws
// while `stat_throws` is set, and whose reads of `slow` block until `release` is set.
class HostileFileSystem final : public core::FileSystem {
 public:
  test::FakeFileSystem fake;
  std::string boom, slow;
  std::atomic<bool> stat_throws{false}, release{false}, blocked{false};

  bool read_file(const std::string& path, std::string& bytes, core::FsError& error,
                 core::FileStat* stat) override {
    if (path == boom) throw std::bad_alloc();
    if (path == slow) {
      blocked = true;
      while (!release) std::this_thread::sleep_for(5ms);
    }
    return fake.read_file(path, bytes, error, stat);
  }
  bool stat(const std::string& path, core::FileStat& out, core::FsError& error,
            bool follow) override {
    if (stat_throws) throw std::runtime_error("stat exploded");
    return fake.stat(path, out, error, follow);
  }
  bool list_directory(const std::string& path, std::vector<core::DirEntry>& out,
                      core::FsError& error) override {
    return fake.list_directory(path, out, error);
  }
};

}  // namespace

TEST_CASE("an exception while reading a source is a counted source error, never a crash") {
  const test::Authority ca = test::Authority::make("hostile-ca");
  HostileFileSystem files;
  files.fake.file("/w/good.crt", ca.cert.pem());
  files.fake.file("/w/boom.crt", ca.cert.pem());
  files.fake.file("/lic.json", "{}");
  files.boom = "/w/boom.crt";
  Logger log(net::LogFormat::text);
  WatchSpec spec;
  spec.paths = {"/w"};
  spec.licenses = {"/lic.json"};
  spec.retry_interval = 50ms;
  spec.files = &files;
  SourceWatcher watcher(spec, 20ms, log);
  watcher.start();
  // One file's exception: that file's error; the other file is read.
  REQUIRE(wait_until([&] {
    return watcher.error_counts()[{"/w/boom.crt", "internal_error"}] >= 2;
  }));
  {
    const auto snap = watcher.snapshot();
    REQUIRE(snap);
    CHECK(snap->certificate_count == 1);
    REQUIRE(snap->up.size() == 2);
    CHECK_FALSE(snap->up[0].second);
    const auto it =
        std::find_if(snap->errors.begin(), snap->errors.end(),
                     [](const tls::SourceError& e) { return e.source == "/w/boom.crt"; });
    REQUIRE(it != snap->errors.end());
    CHECK(it->message == "/w/boom.crt: reading failed: std::bad_alloc");
  }
  // An exception outside any one file's read (the change check, the walk): every root's error,
  // the last good certificates kept.
  files.stat_throws = true;
  REQUIRE(wait_until([&] { return watcher.error_counts()[{"/lic.json", "internal_error"}] >= 2; }));
  CHECK(watcher.error_counts()[{"/w", "internal_error"}] >= 2);
  CHECK(watcher.snapshot()->certificate_count == 1);
  // And it recovers.
  files.stat_throws = false;
  files.boom.clear();
  REQUIRE(wait_until([&] {
    const auto snap = watcher.snapshot();
    return snap->certificate_count == 2;
  }));
  watcher.stop();
}

TEST_CASE("stopping the watcher waits at most its limit for a read that does not end") {
  // The file system outlives the test: the thread left behind still holds it.
  static HostileFileSystem files;
  const test::Authority ca = test::Authority::make("slow-ca");
  files.fake.file("/s/a.crt", ca.cert.pem());
  files.fake.file("/s/b.crt", ca.cert.pem());
  files.slow = "/s/a.crt";
  Logger log(net::LogFormat::text);
  WatchSpec spec;
  spec.paths = {"/s"};
  spec.files = &files;
  auto watcher = std::make_unique<SourceWatcher>(spec, 20ms, log);
  watcher->start();
  REQUIRE(wait_until([&] { return files.blocked.load(); }));
  const auto asked = std::chrono::steady_clock::now();
  CHECK_FALSE(watcher->stop(200ms));
  CHECK(std::chrono::steady_clock::now() - asked < 2s);
  watcher.reset();  // the destructor does not wait either
  CHECK(std::chrono::steady_clock::now() - asked < 2s);
  // Released, the read ends; the load was cancelled, so the next file is never read.
  const auto reads = files.fake.reads.size();
  files.release = true;
  std::this_thread::sleep_for(200ms);
  CHECK(files.fake.reads.size() == reads + 1);  // a.crt's read, and no b.crt
}

TEST_CASE("an error takes down the watched path it falls under and no other") {
  const std::vector<std::string> roots{"/etc/tls",           "/etc/tls-other/", "/srv/a.crt",
                                       "/pki/*/certs/*.pem", "rel/dir",         "/lic.json"};
  SECTION("no errors: every root is up, in the order given") {
    const auto up = source_health(roots, {});
    REQUIRE(up.size() == roots.size());
    for (std::size_t i = 0; i < roots.size(); ++i) {
      CHECK(up[i].first == roots[i]);
      CHECK(up[i].second);
    }
  }
  SECTION("a file below a directory, the named file, a glob's match, a license") {
    const auto up =
        source_health(roots, {error_at("/etc/tls/..data/tls.crt"), error_at("/srv/a.crt"),
                              error_at("/pki/x/certs/y.pem", "permission_denied"),
                              error_at("/lic.json", "bad_license")});
    CHECK_FALSE(up[0].second);
    CHECK(up[1].second);  // /etc/tls-other is not below /etc/tls
    CHECK_FALSE(up[2].second);
    CHECK_FALSE(up[3].second);
    CHECK(up[4].second);
    CHECK_FALSE(up[5].second);
  }
  SECTION("a trailing slash, a relative root, a glob without matches") {
    const auto up = source_health(roots, {error_at("/etc/tls-other/x.crt"), error_at("rel/dir"),
                                          error_at("/pki/*/certs/*.pem", "not_found")});
    CHECK(up[0].second);
    CHECK_FALSE(up[1].second);
    CHECK(up[2].second);
    CHECK_FALSE(up[3].second);
    CHECK_FALSE(up[4].second);
    CHECK(up[5].second);
  }
  SECTION("a path that merely starts with a root's name is not below it") {
    const auto up = source_health({"/srv/a.crt"}, {error_at("/srv/a.crt.bak")});
    CHECK(up[0].second);
  }
}

TEST_CASE("the watcher counts each failed attempt, retries while errors last and recovers") {
  test::TempDir dir;
  const std::string missing = (dir.path() / "later.crt").string();
  const test::Authority ca = test::Authority::make("watcher-ca");
  const std::string good = dir.write("good.crt", ca.cert.pem(), 0644);
  Logger log(net::LogFormat::text);
  WatchSpec spec;
  spec.paths = {good, missing};
  spec.retry_interval = 200ms;
  SourceWatcher watcher(spec, 20ms, log);
  watcher.start();
  REQUIRE(wait_until([&] { return watcher.loads() >= 1; }));
  {
    const auto snap = watcher.snapshot();
    REQUIRE(snap);
    CHECK(snap->certificate_count == 1);
    REQUIRE(snap->up.size() == 2);
    CHECK(snap->up[0] == std::pair<std::string, bool>{good, true});
    CHECK(snap->up[1] == std::pair<std::string, bool>{missing, false});
  }
  // Nothing changes on disk: the retry still attempts the load and counts the error again.
  REQUIRE(wait_until([&] { return watcher.error_counts()[{missing, "not_found"}] >= 3; }));
  CHECK(watcher.error_counts().size() == 1);

  const test::Authority other = test::Authority::make("watcher-later-ca");
  dir.write("later.crt", other.cert.pem(), 0644);
  REQUIRE(wait_until([&] {
    const auto snap = watcher.snapshot();
    return snap && snap->up.size() == 2 && snap->up[1].second;
  }));
  const auto snap = watcher.snapshot();
  CHECK(snap->up[0].second);
  CHECK(snap->certificate_count == 2);
  // Healthy: no more retries, the counter stays where it was.
  const auto loads = watcher.loads();
  const auto errors = watcher.error_counts()[{missing, "not_found"}];
  std::this_thread::sleep_for(500ms);
  CHECK(watcher.loads() == loads);
  CHECK(watcher.error_counts()[{missing, "not_found"}] == errors);
  watcher.stop();
}

TEST_CASE("the rendered exposition has promtls_source_up for every watched path and license") {
  test::TempDir dir;
  const test::Authority ca = test::Authority::make("render-ca");
  const std::string good = dir.write("ca.crt", ca.cert.pem(), 0644);
  const std::string license = (dir.path() / "license.json").string();
  Logger log(net::LogFormat::text);
  WatchSpec spec;
  spec.paths = {good, good};
  spec.licenses = {license};
  SourceWatcher watcher(spec, 20ms, log);
  watcher.start();
  REQUIRE(wait_until([&] { return watcher.loads() >= 1; }));
  ServerCounters counters;
  RenderInput in;
  in.now_unix = test::kNow;
  in.version = "test";
  in.counters = &counters;
  in.sources = &watcher;
  Renderer renderer;
  const std::string text = renderer.render(in);
  INFO(text);
  CHECK(text.find("# TYPE promtls_source_up gauge\n"
                  "promtls_source_up{source=\"" +
                  good + "\"} 1\npromtls_source_up{source=\"" + license + "\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("promtls_source_errors_total{source=\"" + license +
                  "\",reason=\"not_found\"} 1\n") != std::string::npos);
  watcher.stop();
}

TEST_CASE("serve's watcher and inspect's sources read the Tigera annotations with one function") {
  // Three Secrets the operator's collector tells apart (spec/tigera-metrics.md §3.2), and one it
  // ignores.
  const std::string text =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: signed\n  namespace: calico\n"
      "  labels: {certificates.operator.tigera.io/signer: tigera-operator-signer}\n"
      "  annotations:\n    certificates.operator.tigera.io/issuer: tigera-operator-signer\n"
      "    certificates.operator.tigera.io/expiry: \"2030-01-01T00:00:00Z\"\n---\n"
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: unsigned\n  namespace: calico\n"
      "  annotations: {certificates.operator.tigera.io/expiry: 2031-01-01T00:00:00Z}\n---\n"
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: label-only\n"
      "  labels: {certificates.operator.tigera.io/signer: x}\n---\n"
      "apiVersion: v1\nkind: Secret\nmetadata: {name: plain, annotations: {a: b}}\n";
  test::TempDir dir;
  const std::string path = dir.write("secrets.yaml", text, 0644);

  // The one reader, on the parsed objects.
  const auto docs = core::parse_documents(text);
  std::vector<core::TigeraSecretMetadata> expected;
  for (const core::kube::Object& object : core::kube::objects(docs)) {
    if (auto m = core::kube::tigera_secret_metadata(*core::kube::secret(object))) {
      expected.push_back(std::move(*m));
    }
  }
  REQUIRE(expected.size() == 3);
  const auto same = [&expected](const std::vector<core::TigeraSecretMetadata>& got) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO(i);
      CHECK(got[i].name == expected[i].name);
      CHECK(got[i].namespace_ == expected[i].namespace_);
      CHECK(got[i].has_signer_label == expected[i].has_signer_label);
      CHECK(got[i].issuer == expected[i].issuer);
      CHECK(got[i].expiry == expected[i].expiry);
    }
  };
  CHECK(expected[0].issuer == "tigera-operator-signer");
  CHECK(expected[1].expiry == "2031-01-01T00:00:00Z");
  CHECK_FALSE(expected[1].has_signer_label);
  CHECK(expected[2].has_signer_label);

  SECTION("inspect: the sources' Tigera Secrets") {
    const tls::LoadResult loaded = tls::load_sources({path}, {});
    std::vector<core::TigeraSecretMetadata> got;
    for (const tls::TigeraSecret& s : loaded.tigera_secrets) got.push_back(s.metadata);
    same(got);
  }
  SECTION("serve --metrics-compat tigera: the watcher's snapshot") {
    Logger log(net::LogFormat::text);
    WatchSpec spec;
    spec.paths = {path};
    spec.tigera = true;
    SourceWatcher watcher(spec, 20ms, log);
    watcher.start();
    REQUIRE(wait_until([&] { return watcher.loads() >= 1; }));
    const auto snap = watcher.snapshot();
    REQUIRE(snap);
    same(snap->tigera_secrets);
    watcher.stop();
  }
}

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t k2020 = 1577836800;  // 2020-01-01T00:00:00Z
constexpr std::int64_t k2099 = 4070908800;  // 2099-01-01T00:00:00Z

std::string cert_pem(const std::string& cn) {
  return test::Authority::make(cn, test::KeyKind::ec_p256, k2020, k2099).cert.pem();
}

void write_text(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// The kubelet's atomic writer: a new "..<timestamp>" directory, "..data_tmp" linking to it,
// renamed over "..data", the visible names linking through "..data", the old directory removed.
void atomic_write(const fs::path& volume, int generation, const std::string& name,
                  const std::string& content) {
  const std::string dir = "..2026_03_0" + std::to_string(generation) + "_10_00_00.1";
  fs::create_directories(volume / dir);
  write_text(volume / dir / name, content);
  fs::create_directory_symlink(dir, volume / "..data_tmp");
  fs::rename(volume / "..data_tmp", volume / "..data");
  if (!fs::exists(fs::symlink_status(volume / name))) {
    fs::create_symlink("..data/" + name, volume / name);
  }
  for (const auto& e : fs::directory_iterator(volume)) {
    const std::string n = e.path().filename().string();
    if (n.starts_with("..2") && n != dir) fs::remove_all(e.path());
  }
}

// What a full load of the same paths renders: the certificate families of every certificate.
std::string full_render(const WatchSpec& spec) {
  tls::SourceOptions options;
  options.recursive = spec.recursive;
  const tls::LoadResult result = tls::load_sources(spec.paths, options);
  return core::render_exposition(core::certificate_families(
      result.certificates, static_cast<std::int64_t>(std::time(nullptr))));
}

std::string watcher_text(const SourceWatcher& watcher) {
  const auto snap = watcher.snapshot();
  return snap && snap->text ? *snap->text : std::string();
}

}  // namespace

TEST_CASE("the watcher sees a ..data swap, a rename, a deletion, a rewrite and a new directory") {
  const bool poll = GENERATE(false, true);
  INFO((poll ? "polling the directories" : "inotify"));
  test::TempDir dir;
  const fs::path tree = dir.path() / "tree";
  const fs::path later = dir.path() / "later";
  fs::create_directories(tree);
  for (int i = 0; i < 20; ++i) {
    write_text(tree / ("c" + std::to_string(i) + ".crt"), cert_pem("bulk-" + std::to_string(i)));
  }
  const fs::path volume = tree / "vol";
  atomic_write(volume, 1, "tls.crt", cert_pem("volume-1"));
  Logger log(net::LogFormat::text);
  WatchSpec spec;
  spec.paths = {tree.string(), later.string()};
  spec.recursive = true;
  spec.poll_only = poll;
  // Only polling needs the full check, for the rewrite in place; inotify must see everything.
  spec.full_check_interval = std::chrono::hours(1);
  spec.poll_full_check_interval = 500ms;
  spec.retry_interval = std::chrono::hours(1);
  SourceWatcher watcher(spec, 20ms, log);
  watcher.start();
  REQUIRE(wait_until([&] { return watcher.loads() >= 1; }));
  CHECK(watcher.polling() == poll);
  CHECK(watcher.last_reads() == 21);

  // After each change the watcher's text is the full load's, with no error but `later` missing.
  const auto settles = [&](const char* what) {
    INFO(what);
    const std::string expected = full_render(spec);
    const bool same = wait_until([&] { return watcher_text(watcher) == expected; }, 10s);
    INFO(watcher_text(watcher));
    INFO(expected);
    CHECK(same);
    const auto snap = watcher.snapshot();
    REQUIRE(snap);
    for (const tls::SourceError& e : snap->errors) {
      INFO(e.message);
      CHECK(e.source == later.string());
    }
  };
  settles("the first load");

  atomic_write(volume, 2, "tls.crt", cert_pem("volume-2"));
  settles("a ..data swap");
  CHECK(watcher.last_reads() == 1);
  CHECK(watcher_text(watcher).find("volume-2") != std::string::npos);
  CHECK(watcher_text(watcher).find("..data") == std::string::npos);

  fs::rename(tree / "c0.crt", tree / "renamed.crt");
  settles("a rename");
  CHECK(watcher.last_reads() == 1);

  fs::remove(tree / "c1.crt");
  settles("a deletion");
  CHECK(watcher.last_reads() == 0);

  write_text(tree / "c2.crt", cert_pem("rewritten"));
  settles("a file rewritten in place");
  CHECK(watcher.last_reads() == 1);

  fs::create_directories(later / "sub");
  write_text(later / "sub" / "new.crt", cert_pem("later"));
  settles("a watched path that appears later");
  CHECK(watcher.snapshot()->errors.empty());
  CHECK(watcher_text(watcher).find("later") != std::string::npos);

  // A fresh watcher over the same tree renders the same bytes as the incremental one.
  SourceWatcher fresh(spec, 20ms, log);
  fresh.start();
  REQUIRE(wait_until([&] { return fresh.loads() >= 1; }));
  CHECK(watcher_text(fresh) == watcher_text(watcher));
  fresh.stop();
  watcher.stop();
}

TEST_CASE("an idle tree costs the watcher no load, and an unchanged check publishes nothing") {
  test::TempDir dir;
  write_text(dir.path() / "a.crt", cert_pem("idle"));
  Logger log(net::LogFormat::text);
  WatchSpec spec;
  spec.paths = {dir.path().string()};
  spec.full_check_interval = 100ms;  // a full check finds nothing changed
  SourceWatcher watcher(spec, 20ms, log);
  watcher.start();
  REQUIRE(wait_until([&] { return watcher.loads() >= 1; }));
  const auto first = watcher.snapshot();
  // Files written beside the watched directory (a log) are not changes either.
  write_text(dir.path().parent_path() / (dir.path().filename().string() + ".log"), "x");
  std::this_thread::sleep_for(400ms);
  CHECK(watcher.loads() == 1);
  CHECK(watcher.snapshot() == first);
  watcher.stop();
}
