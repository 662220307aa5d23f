// serve's watched sources (src/net/state.hpp): which --watch path a read error takes down
// (source_health), and the watcher's load attempts on real files: every failed attempt counted,
// retries while errors last, promtls_source_up in the rendered exposition.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "pki.hpp"
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

}  // namespace

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
    CHECK(snap->certificates.size() == 1);
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
  CHECK(snap->certificates.size() == 2);
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
