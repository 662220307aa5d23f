// serve's watched sources (src/net/state.hpp): which --watch path a read error takes down
// (source_health), and the watcher's load attempts on real files: every failed attempt counted,
// retries while errors last, promtls_source_up in the rendered exposition; the Tigera Secrets it
// reads, with the one reader inspect uses too (core/kube.hpp).
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "pki.hpp"
#include "promtls/core/documents.hpp"
#include "promtls/core/kube.hpp"
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
